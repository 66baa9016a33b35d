"""Arch probes and arch names: map ``TARGETARCH`` to a vendor's naming in a RUN.

A download written for one architecture (``tool-linux-x86_64.tar.gz``) or a probe of the build machine
(``$(uname -m)``) becomes a reference to a shell variable set from ``$TARGETARCH`` at the start of the
RUN::

    RUN case "$TARGETARCH" in amd64) ARCH=x86_64;; arm64) ARCH=aarch64;; \\
          *) echo "unsupported architecture: $TARGETARCH" >&2; exit 1;; esac \\
        && wget https://example.com/tool-linux-${ARCH}.tar.gz

When the vendor's names equal ``TARGETARCH`` for every target platform of the build, no mapping is needed
and ``${TARGETARCH}`` is used directly. ``ARG TARGETARCH`` (and ``TARGETVARIANT`` when arm variants must be
told apart) is declared in the stage when it is not already.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from xlint.archnames import Vocabulary, name_in
from xlint.diagnostics import Edit
from xlint.fixes.style import chain_before, indentation, keyword, shell_style
from xlint.model import Model, Platform, Stage, stage_chain
from xlint.records import record
from xlint.syntax.tree import Instruction

# The vocabulary a vendor most likely uses, guessed from the spelling of the literal it was written with.
_VOCABULARY_OF_LITERAL: dict[str, Vocabulary] = {
    "amd64": "targetarch", "arm64": "targetarch", "arm64v8": "targetarch",
    "x86_64": "uname", "aarch64": "uname", "armv7l": "uname", "armv6l": "uname", "i686": "uname",
    "x86-64": "uname", "armv7": "alpine", "ppc64le": "uname", "s390x": "uname", "riscv64": "uname",
    "x64": "node",
    "armhf": "debian", "armel": "debian", "ppc64el": "debian", "i386": "debian",
}


def vocabulary_of_literal(literal: str) -> Vocabulary | None:
    """The naming scheme a literal belongs to (``x86_64`` -> ``uname``), None when unknown."""
    return _VOCABULARY_OF_LITERAL.get(literal.lower())


def needs_variant(targets: Sequence[Platform], vocabulary: Vocabulary) -> bool:
    """True when two arm targets of the build have different names in ``vocabulary``."""
    names = {name_in(vocabulary, a, v) for _os, a, v in targets if a == "arm"}
    return len(names) > 1


def identity(targets: Sequence[Platform], vocabulary: Vocabulary) -> bool:
    """True when ``$TARGETARCH`` already is the vendor's name for every target platform."""
    return all(name_in(vocabulary, a, v) == a for _os, a, v in targets)


def unknown_targets(targets: Sequence[Platform], vocabulary: Vocabulary) -> list[str]:
    """Target platforms that have no name in ``vocabulary``."""
    return ["/".join(x for x in t if x) for t in targets if name_in(vocabulary, t[1], t[2]) is None]


def case_statement(targets: Sequence[Platform], vocabulary: Vocabulary, var: str) -> str:
    """``case "$TARGETARCH" in amd64) ARCH=x86_64;; ... *) echo ... >&2; exit 1;; esac`` for the targets of
    the build (in their order). arm variants are told apart with ``$TARGETARCH$TARGETVARIANT`` when their
    names differ."""
    by_variant = needs_variant(targets, vocabulary)
    subject = '"$TARGETARCH$TARGETVARIANT"' if by_variant else '"$TARGETARCH"'
    arms: list[str] = []
    seen: set[str] = set()
    for _os, arch, variant in targets:
        name = name_in(vocabulary, arch, variant)
        if name is None:
            continue
        pattern = arch + ((variant or "v7") if by_variant and arch == "arm" else "")
        if pattern in seen:
            continue
        seen.add(pattern)
        arms.append(f"{pattern}) {var}={name};;")
    fallback = f'*) echo "unsupported architecture: {subject[1:-1]}" >&2; exit 1;;'
    return f"case {subject} in {' '.join(arms)} {fallback} esac"


def declared(stage: Stage, name: str, before: Instruction) -> bool:
    return stage.declaration(name, before=before) is not None


def arg_insertion(model: Model, stage: Stage, names: Sequence[str], before: Instruction) -> Edit | None:
    """``ARG NAME`` lines (one per name, in the stage's keyword case and the indentation of ``before``)
    inserted just before ``before``, for the names not declared in the stage before it; None when all
    are."""
    missing = [n for n in names if not declared(stage, n, before)]
    if not missing:
        return None
    tree = model.tree
    start = tree.offset(before.start_line, 1)
    indent = indentation(tree, before)
    kw = keyword(tree, stage.from_instr, "ARG")
    return Edit(start, start, "".join(f"{indent}{kw} {n}{tree.newline}" for n in missing))


def script_start(model: Model, instr: Instruction) -> int | None:
    """Source offset where the shell script of a shell-form RUN starts (after keyword and flags), None
    for exec form and heredoc scripts."""
    if instr.keyword != "RUN" or instr.json or instr.heredocs:
        return None
    text = instr.logical.text
    i = 0
    while i < len(text) and text[i] in " \t":
        i += 1
    if i >= len(text):
        return None
    return instr.logical.offsets[i]


def variable_name(model: Model, stage: Stage, instr: Instruction, preferred: str = "ARCH") -> str:
    """A shell variable name for the mapped arch that the RUN does not already use and no ENV sets."""
    env_names: set[str] = set()
    for st in reversed(stage_chain(model, stage)):  # the stage first, then what it is built on
        for ins in st.instructions:
            if ins.keyword in ("ENV", "ARG"):
                env_names.update(a.value.partition("=")[0] for a in ins.args)
                env_names.update(ins.value[0::2] if ins.keyword == "ENV" else ())
    for cand in (preferred, f"TARGET_{preferred}", f"XL_{preferred}"):
        if cand in env_names or re.search(rf"(?<![A-Za-z0-9_]){cand}(?![A-Za-z0-9_])", instr.text):
            continue
        return cand
    return f"XL_{preferred}_MAPPED"


@record
class Mapping:
    """How one RUN refers to the target arch in a vocabulary: ``reference`` replaces the literal or the
    probe (``${ARCH}`` or ``${TARGETARCH}``); ``prefix`` (possibly empty) goes at the start of the script;
    ``args`` are the platform ARGs the stage must declare."""

    reference: str
    prefix: str
    args: tuple[str, ...]


def mapping(model: Model, stage: Stage, instr: Instruction, vocabulary: Vocabulary) -> Mapping | str:
    """The mapping for ``instr`` to ``vocabulary`` over the build's targets, or why there is none."""
    targets = model.targets
    missing = unknown_targets(targets, vocabulary)
    if missing:
        return f"no known name for {', '.join(missing)} in that naming"
    if identity(targets, vocabulary):
        return Mapping("${TARGETARCH}", "", ("TARGETARCH",))
    var = variable_name(model, stage, instr)
    case = case_statement(targets, vocabulary, var)
    args = ("TARGETARCH", "TARGETVARIANT") if needs_variant(targets, vocabulary) else ("TARGETARCH",)
    return Mapping("${" + var + "}", chain_before(shell_style(model.tree), case), args)


def mapping_edits(model: Model, stage: Stage, instr: Instruction, m: Mapping) -> list[Edit] | str:
    """The edits that declare the ARGs and put the mapping's prefix at the start of the RUN's script."""
    edits: list[Edit] = []
    arg = arg_insertion(model, stage, m.args, instr)
    if arg is not None:
        edits.append(arg)
    if m.prefix:
        start = script_start(model, instr)
        if start is None:
            return "the RUN is in exec form or a heredoc script"
        edits.append(Edit(start, start, m.prefix))
    return edits


def in_single_quotes(raw: str, index: int) -> bool:
    """True when character ``index`` of a shell word as written is inside single quotes."""
    quote = ""
    i = 0
    while i < index and i < len(raw):
        ch = raw[i]
        if quote == "'":
            if ch == "'":
                quote = ""
        elif ch == "\\" and quote != "'":
            i += 1
        elif ch == "'" and quote == "":
            quote = "'"
        elif ch == '"':
            quote = "" if quote == '"' else '"'
        i += 1
    return quote == "'"


def group_fixes(
    model: Model,
    items: list[tuple[str, Stage, Instruction, list[Edit] | str, tuple[str, ...]]],
) -> list[list[Edit] | str]:
    """Combine per-finding edits into one fix per message.

    ``items`` are ``(message, stage, instruction, edits or why not, platform ARGs the edits need)``. The
    fixer matches findings by (code, message): findings sharing a message are fixed together (each of them
    carries the union of their edits) or not at all. The ARG lines a fix needs go just before the first
    fixable instruction of the stage, the same place for every fix of the stage, so that two fixes never
    declare the same ARG twice."""
    first: dict[int, Instruction] = {}
    for _msg, stage, instr, unit, _args in items:
        if isinstance(unit, list):
            cur = first.get(stage.index)
            if cur is None or instr.span.start < cur.span.start:
                first[stage.index] = instr
    groups: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        groups.setdefault(item[0], []).append(i)
    out: list[list[Edit] | str] = [""] * len(items)
    for members in groups.values():
        reason = next((e for _m, _s, _i, e, _a in (items[k] for k in members) if isinstance(e, str)), None)
        if reason is not None:
            for k in members:
                out[k] = reason
            continue
        combined: list[Edit] = []
        needed: dict[int, list[str]] = {}
        stages: dict[int, Stage] = {}
        for k in members:
            _m, stage, instr, e, args = items[k]
            assert isinstance(e, list)
            combined.extend(x for x in e if x not in combined)
            names = needed.setdefault(stage.index, [])
            stages[stage.index] = stage
            names.extend(n for n in args if n not in names and not declared(stage, n, instr))
        for idx, names in needed.items():
            if names:
                arg = arg_insertion(model, stages[idx], names, first[idx])
                if arg is not None:
                    combined.append(arg)
        for k in members:
            out[k] = combined
    return out
