"""The file's style: new lines take the file's line ending, the keyword case of the instruction they are
modelled on and the indentation of the line they sit next to; shell continuations follow the file's own
escape character, indentation and `&&` placement. Everything else stays byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from xlint.diagnostics import Edit
from xlint.model import TARGET_ARGS, Model, Stage
from xlint.records import record
from xlint.rx import rx
from xlint.shell import SimpleCommand
from xlint.syntax.tree import Comment, Dockerfile, Instruction


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


@record(frozen=True)
class Style:
    """How the file continues shell lines: the escape character, the indentation of continuation lines,
    and whether ``&&`` starts the continuation line (``\\n    && cmd``) or ends the previous one."""

    escape: str
    indent: str
    leading_and: bool
    newline: str


_TRAILING_AND = rx(r"&&[ \t]*[\\`]\r?$", re.MULTILINE)


def shell_style(tree: Dockerfile) -> Style:
    """The continuation style of the file's RUN instructions (4 spaces and leading ``&&`` by default)."""
    indent = "    "
    lines = tree.text.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.rstrip().endswith(tree.escape) and not line.lstrip().startswith("#"):
            nxt = lines[i + 1]
            found = nxt[: len(nxt) - len(nxt.lstrip(" \t"))]
            if found:
                indent = found
                break
    return Style(tree.escape, indent, not _TRAILING_AND.search(tree.text), tree.newline)


def chain_after(style: Style, commands: Sequence[str]) -> str:
    """Text that appends ``commands`` after a command with ``&&``, one per continuation line."""
    out = ""
    for c in commands:
        if style.leading_and:
            out += f" {style.escape}{style.newline}{style.indent}&& {c}"
        else:
            out += f" && {style.escape}{style.newline}{style.indent}{c}"
    return out


def chain_before(style: Style, command: str) -> str:
    """Text that puts ``command`` before the start of a RUN's script, joined with ``&&``."""
    if style.leading_and:
        return f"{command} {style.escape}{style.newline}{style.indent}&& "
    return f"{command} && {style.escape}{style.newline}{style.indent}"


def line_start(tree: Dockerfile, instr: Instruction) -> int:
    return tree.offset(instr.start_line, 1)


def block_start(tree: Dockerfile, instr: Instruction) -> int:
    """Start of the comment lines directly above ``instr`` (they describe it; pragmas apply to it)."""
    start = line_start(tree, instr)
    children = tree.children
    idx = next((i for i, c in enumerate(children) if c is instr), None)
    if idx is None:
        return start
    i = idx - 1
    while i >= 0 and isinstance(children[i], Comment):
        start = children[i].span.start
        i -= 1
    return start


def indent_of(tree: Dockerfile, instr: Instruction) -> str:
    start = line_start(tree, instr)
    end = start
    while end < len(tree.text) and tree.text[end] in " \t":
        end += 1
    return tree.text[start:end]


def arg_edit(model: Model, stage: Stage, before: Instruction, names: Sequence[str]) -> Edit | None:
    """Declare ``names`` in ``stage`` for ``before``: appended to an ARG line of the stage that already
    declares TARGET* ARGs (before ``before``), else a new ARG line just above ``before``."""
    tree = model.tree
    missing = [n for n in names if stage.declaration(n, before=before) is None]
    if not missing:
        return None
    for ins in reversed(stage.instructions):
        if ins.span.start >= before.span.start or ins.keyword != "ARG" or not ins.args:
            continue
        if any(a.value.partition("=")[0] in TARGET_ARGS for a in ins.args):
            end = ins.args[-1].span.end
            return Edit(end, end, " " + " ".join(missing))
    at = block_start(tree, before)
    text = f"{indent_of(tree, before)}{keyword(tree, before, 'ARG')} {' '.join(missing)}{tree.newline}"
    return Edit(at, at, text)


def with_edits(instr: Instruction, edits: list[Edit]) -> str:
    """The instruction's text with the edits that fall inside it applied."""
    text = instr.text
    base = instr.span.start
    inside = sorted((e for e in edits if instr.span.start <= e.start and e.end <= instr.span.end),
                    key=lambda e: (e.start, e.end))
    out: list[str] = []
    pos = 0
    for e in inside:
        out.append(text[pos : e.start - base])
        out.append(e.text)
        pos = e.end - base
    out.append(text[pos:])
    return "".join(out)


def _gap(tree: Dockerfile, start: int, end: int) -> bool:
    """Only blanks and line continuations between ``start`` and ``end``."""
    esc = re.escape(tree.escape)
    return re.fullmatch(rf"(?:[ \t]|{esc}\r?\n)*", tree.text[start:end]) is not None


def drop_command(tree: Dockerfile, cmds: Sequence[SimpleCommand], index: int) -> Edit | None:
    """Remove the top-level command ``cmds[index]`` of a RUN (``run_commands``) with the ``&&`` or ``;``
    that joins it to its neighbour. None when it is not a plain link of a ``&&``/``;`` list (a pipe, a
    subshell, an ``if``, ``||``, a redirection or a comment next to it) or is the step's only command."""
    cmd = cmds[index]
    if cmd.context:
        return None
    top = [c for c in cmds if not c.context]
    at = next(i for i, c in enumerate(top) if c is cmd)
    ops = ("&&", ";")
    if at > 0:
        prev = top[at - 1]
        between = tree.text[prev.span.end : cmd.span.start]
        stripped = between.rstrip(" \t\\\r\n") if tree.escape == "\\" else between
        op = next((o for o in ops if stripped.endswith(o)), None)
        if op is None:
            return None
        op_at = prev.span.end + len(stripped) - len(op)
        if not _gap(tree, prev.span.end, op_at) or not _gap(tree, op_at + len(op), cmd.span.start):
            return None
        nxt = top[at + 1] if at + 1 < len(top) else None
        tail_end = nxt.span.start if nxt is not None else None
        if tail_end is not None:
            rest = tree.text[cmd.span.end : tail_end].lstrip(" \t\\\r\n" if tree.escape == "\\" else " \t")
            if not rest.startswith(ops):
                return None
        return Edit(prev.span.end, cmd.span.end, "")
    if len(top) < 2:
        return None
    nxt = top[1]
    rest = tree.text[cmd.span.end : nxt.span.start]
    body = rest.lstrip(" \t\\\r\n" if tree.escape == "\\" else " \t")
    op = next((o for o in ops if body.startswith(o)), None)
    if op is None or not _gap(tree, cmd.span.end + len(rest) - len(body) + len(op), nxt.span.start):
        return None
    return Edit(cmd.span.start, nxt.span.start, "")
