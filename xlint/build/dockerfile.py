"""The Dockerfile's instructions for mapping build steps to lines.

Uses xlint's lossless parser (``xlint.parse``). When the parser cannot read the file, a minimal
logical-line reader keeps the report useful (keyword, line range, flags, words); it does not handle
heredocs or escape directives and is only a fallback.
"""

from __future__ import annotations

from collections.abc import Sequence

from xlint.build.steps import InstructionLike
from xlint.records import field, record


@record
class _Flag:
    name: str
    value: str | None


@record
class _Arg:
    value: str


@record
class _Instruction:
    keyword: str
    start_line: int
    end_line: int
    original: str
    flags: list[_Flag] = field(default_factory=list)
    args: list[_Arg] = field(default_factory=list)


def simple_instructions(text: str) -> list[_Instruction]:
    out: list[_Instruction] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start = i
        parts = [line.rstrip()]
        continued = parts[-1].endswith("\\")
        while continued and i + 1 < len(lines):
            if parts[-1].endswith("\\"):
                parts[-1] = parts[-1][:-1]
            i += 1
            nxt = lines[i].rstrip()
            if nxt.strip().startswith("#"):
                continue  # a comment inside a continuation is dropped
            parts.append(nxt)
            continued = nxt.endswith("\\")
        logical = " ".join(p.strip() for p in parts if p.strip())
        words = logical.split()
        keyword = words[0].upper()
        rest = words[1:]
        flags: list[_Flag] = []
        while rest and rest[0].startswith("--"):
            name, eq, value = rest.pop(0)[2:].partition("=")
            flags.append(_Flag(name.lower(), value if eq else None))
        out.append(_Instruction(keyword, start + 1, i + 1, logical, flags, [_Arg(w) for w in rest]))
        i += 1
    return out


def read_instructions(text: str, path: str) -> Sequence[InstructionLike]:
    try:
        from xlint import parse

        tree = parse(text, path=path)
        return list(tree.instructions)
    except Exception:  # noqa: BLE001 - parser unavailable or the file does not parse: fall back
        return simple_instructions(text)
