"""Building blocks for fixes: edits that follow the file's own style.

New lines take the file's line ending, the keyword case of the instruction they are modelled on, and
the indentation of the line they sit next to. Everything else stays byte for byte.
"""

from __future__ import annotations

from xlint.diagnostics import Edit
from xlint.model import Stage
from xlint.syntax.tree import Dockerfile, Instruction


def indentation(tree: Dockerfile, instr: Instruction) -> str:
    """Leading blanks of the instruction's first line."""
    start = tree.offset(instr.start_line, 1)
    end = start
    while end < len(tree.text) and tree.text[end] in " \t":
        end += 1
    return tree.text[start:end]


def keyword(tree: Dockerfile, like: Instruction, word: str) -> str:
    """``word`` (an instruction keyword) in the case ``like`` is written in."""
    written = tree.text[like.keyword_span.start : like.keyword_span.end]
    return word.lower() if written.islower() else word.upper()


def line_text(tree: Dockerfile, like: Instruction, body: str) -> str:
    """One new instruction line modelled on ``like``: ``<indent><KEYWORD> rest`` (body starts with the
    keyword in upper case, e.g. ``"ARG TARGETOS TARGETARCH"``)."""
    kw, _, rest = body.partition(" ")
    return f"{indentation(tree, like)}{keyword(tree, like, kw)}{' ' + rest if rest else ''}"


def insert_after(tree: Dockerfile, anchor: Instruction, bodies: list[str], like: Instruction | None = None) -> Edit:
    """Insert new instruction lines after ``anchor`` (its whole span, continuations and heredocs
    included)."""
    model = like or anchor
    nl = tree.newline
    lines = "".join(line_text(tree, model, b) + nl for b in bodies)
    if not anchor.text.endswith("\n"):
        lines = nl + lines[: -len(nl)]
    return Edit(anchor.span.end, anchor.span.end, lines)


def insert_before(tree: Dockerfile, anchor: Instruction, bodies: list[str]) -> Edit:
    """Insert new instruction lines before ``anchor``, at the start of its first line."""
    start = tree.offset(anchor.start_line, 1)
    nl = tree.newline
    return Edit(start, start, "".join(line_text(tree, anchor, b) + nl for b in bodies))


def add_platform_flag(tree: Dockerfile, stage: Stage, value: str = "$BUILDPLATFORM") -> Edit | None:
    """Put ``--platform=<value>`` on the stage's FROM (replacing an existing --platform), or None when
    the FROM already says exactly that."""
    instr = stage.from_instr
    flag = instr.flag("platform")
    if flag is not None:
        if flag.value == value:
            return None
        return Edit(flag.span.start, flag.span.end, f"--platform={value}")
    at = instr.keyword_span.end
    # keep the file's own spacing after FROM: insert right after the blanks that follow the keyword
    while at < len(tree.text) and tree.text[at] in " \t":
        at += 1
    return Edit(at, at, f"--platform={value} ")


def remove_flag(tree: Dockerfile, instr: Instruction, name: str) -> Edit | None:
    """Remove a flag and the blanks after it (never a line continuation)."""
    flag = instr.flag(name)
    if flag is None:
        return None
    end = flag.span.end
    while end < len(tree.text) and tree.text[end] in " \t":
        end += 1
    return Edit(flag.span.start, end, "")
