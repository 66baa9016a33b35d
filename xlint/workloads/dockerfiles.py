"""Per-arch Dockerfile copies (``Dockerfile.amd64``/``Dockerfile.arm64``) and their merge into one
Dockerfile that reads ``TARGETARCH`` (XL405)."""

from __future__ import annotations

import os

from xlint import contextfiles
from xlint.archnames import (
    LITERAL_SPELLINGS,
    VOCABULARIES,
    ArchLiteral,
    Vocabulary,
    find_arch_literals,
    name_in,
)
from xlint.records import record
from xlint.rule import CheckOptions
from xlint.workloads.images import multiarch_image

_VARS: dict[Vocabulary, str] = {"uname": "UNAME_ARCH", "debian": "DEB_ARCH", "alpine": "APK_ARCH",
                                "node": "NODE_ARCH", "dotnet": "DOTNET_ARCH", "rust": "RUST_ARCH"}


@record
class Copy:
    path: str
    text: str
    literals: list[ArchLiteral]
    arch: str = ""  # BuildKit arch of the copy (set from its differing literals)


def _skeleton(text: str, lits: list[ArchLiteral]) -> str:
    out, pos = [], 0
    for lit in lits:
        out.append(text[pos : lit.start])
        out.append("\0")
        pos = lit.end
    out.append(text[pos:])
    return "".join(out)


@record
class Group:
    copies: list[Copy]
    differing: list[int]  # indexes of the literal positions whose arch differs between copies


# Characters no architecture literal is spelled with: two texts with the same skeleton hold as many of
# each, so a file that no other file of its folder matches in these counts is in no group (not scanned).
_NOT_IN_LITERALS = "\n /=.:$\"'"
assert not set(_NOT_IN_LITERALS) & set("".join(LITERAL_SPELLINGS).upper() + "".join(LITERAL_SPELLINGS))


def _candidates(dockerfiles: dict[str, str]) -> list[tuple[str, str]]:
    """The files that may share a skeleton with another file of their folder."""
    by_counts: dict[tuple[object, ...], list[str]] = {}
    for path, text in dockerfiles.items():
        key = (os.path.dirname(path), *(text.count(c) for c in _NOT_IN_LITERALS))
        by_counts.setdefault(key, []).append(path)
    return sorted((p, dockerfiles[p]) for paths in by_counts.values() if len(paths) > 1 for p in paths)


def per_arch_groups(dockerfiles: dict[str, str]) -> list[Group]:
    by_key: dict[tuple[str, str], list[Copy]] = {}
    for path, text in _candidates(dockerfiles):
        lits = find_arch_literals(text)
        if not lits:
            continue
        by_key.setdefault((os.path.dirname(path), _skeleton(text, lits)), []).append(Copy(path, text, lits))
    out = []
    for copies in by_key.values():
        if len(copies) < 2:
            continue
        n = len(copies[0].literals)
        differing = [i for i in range(n) if len({c.literals[i].platform_arch for c in copies}) > 1]
        if not differing:
            continue
        ok = True
        for c in copies:
            arches = {c.literals[i].platform_arch for i in differing}
            if len(arches) != 1:
                ok = False
                break
            c.arch = arches.pop()
        if ok and len({c.arch for c in copies}) == len(copies):
            out.append(Group(copies, differing))
    return out


def _vocabulary(group: Group, i: int) -> Vocabulary | None:
    for v in VOCABULARIES:
        if all((name_in(v, c.literals[i].arch, c.literals[i].variant or None) or "").lower()
               == c.literals[i].text.lower() for c in group.copies):
            return v
    return None


def merged_text(group: Group) -> str | None:
    """One Dockerfile for every copy's architecture, or None when a literal cannot be expressed with
    TARGETARCH (a CMD argument, an ENV value in another vocabulary, a heredoc...)."""
    from xlint.syntax import DockerfileSyntaxError, parse

    first = group.copies[0]
    text = first.text
    try:
        tree = parse(text)
    except DockerfileSyntaxError:
        return None
    edits: list[tuple[int, int, str]] = []
    run_prefix: dict[int, dict[Vocabulary, str]] = {}  # RUN start -> vocab -> var
    from_words: set[int] = set()
    for i in group.differing:
        lit = first.literals[i]
        instr = next((x for x in tree.instructions if x.span.start <= lit.start < x.span.end), None)
        vocab = _vocabulary(group, i)
        if instr is None:  # a comment between instructions
            edits.append((lit.start, lit.end, "${TARGETARCH}" if vocab == "targetarch" else "<arch>"))
            continue
        kw = instr.keyword
        if kw == "FROM":
            arg = next((a for a in instr.args if a.span.start <= lit.start < a.span.end), None)
            if arg is None:
                return None
            if vocab == "targetarch":
                edits.append((lit.start, lit.end, "${TARGETARCH}"))
                continue
            if arg.span.start in from_words:
                continue
            bases = set()
            for c in group.copies:
                ctree = parse(c.text)
                cinstr = ctree.instructions[tree.instructions.index(instr)]
                m = multiarch_image(cinstr.args[0].value) if cinstr.args else None
                bases.add(m[0] if m else None)
            if len(bases) != 1 or None in bases:
                return None
            from_words.add(arg.span.start)
            edits.append((arg.span.start, arg.span.end, bases.pop() or ""))
            continue
        if kw in ("CMD", "ENTRYPOINT", "HEALTHCHECK", "ONBUILD", "SHELL") or instr.heredocs:
            return None
        if vocab == "targetarch":
            edits.append((lit.start, lit.end, "${TARGETARCH}"))
            continue
        if vocab is None or kw != "RUN" or any(c.literals[i].variant for c in group.copies):
            return None
        var = _VARS[vocab]
        run_prefix.setdefault(instr.span.start, {})[vocab] = var
        edits.append((lit.start, lit.end, "${" + var + "}"))
    for start, vocabs in run_prefix.items():
        instr = next(x for x in tree.instructions if x.span.start == start)
        if not instr.args:
            return None
        at = instr.args[0].span.start
        cases = []
        for vocab, var in vocabs.items():
            arms = " ".join(f"{c.arch}) {var}={name_in(vocab, c.arch)} ;;" for c in group.copies)
            cases.append(f'case "$TARGETARCH" in {arms} *) echo "unsupported: $TARGETARCH" >&2; exit 1 ;; esac')
        edits.append((at, at, "; ".join(cases) + "; \\" + tree.newline + "    "))
    out, pos = [], 0
    for s, e, t in sorted(edits):
        if s < pos:
            return None
        out.append(text[pos:s])
        out.append(t)
        pos = e
    out.append(text[pos:])
    merged = "".join(out)
    return _declare_args(merged)


def _declare_args(text: str) -> str | None:
    """Insert ``ARG TARGETARCH`` in the stages that now read it (XL201's own fix)."""
    from xlint.fixes.engine import fix_text
    from xlint.rules.xl201_undeclared_platform_arg import UndeclaredPlatformArg
    from xlint.syntax import DockerfileSyntaxError

    try:
        res = fix_text(text, "Dockerfile", CheckOptions(), [UndeclaredPlatformArg])
    except DockerfileSyntaxError:
        return None
    if [d for d in res.remaining if d.code == "XL201"]:
        return None
    return res.text


def merge_target(group: Group, existing: set[str]) -> str:
    """Where the merged Dockerfile goes: ``Dockerfile`` beside the copies when there is none, else the
    first copy."""
    folder = os.path.dirname(group.copies[0].path)
    candidate = os.path.join(folder, "Dockerfile")
    if candidate not in existing and not contextfiles.exists(candidate):
        return candidate
    return group.copies[0].path
