"""Node types of the lossless Dockerfile tree.

The tree is a partition of the source text: ``Dockerfile.children`` are consecutive nodes (directives,
comments, blank lines, instructions) whose spans cover the whole text, so printing is concatenation.
Sub-nodes of an instruction (keyword, flags, arguments, heredocs) carry spans into the same text.

Offsets are indexes into ``Dockerfile.text`` (a ``str``). Input bytes that are not UTF-8 are decoded with
``surrogateescape`` so that ``bytes(tree)`` gives back the exact input bytes; ``Dockerfile.byte_span``
converts a span to byte offsets. Lines are 1-based; columns are 1-based character columns.
"""

from __future__ import annotations

import bisect

from xlint.records import field, record


@record(frozen=True, order=True)
class Span:
    """Half-open range ``[start, end)`` of character offsets into the source text."""

    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end


@record
class Node:
    span: Span
    text: str  # exactly source[span.start:span.end]


@record
class Directive(Node):
    """A parser directive at the top of the file: ``# syntax=...``, ``# escape=...``, ``# check=...``."""

    name: str  # lower case
    value: str


@record
class Comment(Node):
    """A ``#`` comment line (including its line ending)."""


@record
class Blank(Node):
    """Whitespace-only line(s) (including line endings)."""


@record
class Flag(Node):
    """An instruction flag such as ``--platform=$BUILDPLATFORM`` or ``--link``.

    ``raw`` is the flag as BuildKit reports it (``--platform=$BUILDPLATFORM``); ``value`` is None for a
    boolean flag without ``=``. ``name_span``/``value_span`` locate the parts in the source.
    """

    name: str  # without the leading dashes, lower case as written
    value: str | None
    raw: str
    name_span: Span
    value_span: Span | None


@record
class Arg(Node):
    """One argument of an instruction: a whitespace-separated word, a JSON array element, or for shell
    form RUN/CMD/ENTRYPOINT/HEALTHCHECK CMD the whole command line. ``value`` is the logical text
    (continuations removed, JSON strings decoded); ``span`` covers the source text it came from."""

    value: str


@record
class Heredoc(Node):
    """A heredoc attached to an instruction. ``span`` covers the body lines and the terminator line.

    ``content`` is the body as BuildKit gives it (tabs stripped for ``<<-``), ``content_span`` covers
    the body lines in the source (without the terminator)."""

    name: str
    quoted: bool
    strip_tabs: bool
    file_descriptor: int
    content: str
    content_span: Span
    marker_span: Span  # the ``<<EOF`` word on the instruction line


@record
class LogicalLine:
    """The instruction's text after the keyword and flags with continuations and comment lines removed,
    and a map from each of its characters back to a source offset (``offsets[i]`` for ``text[i]``;
    ``offsets[len(text)]`` is the end offset)."""

    text: str
    offsets: list[int]

    def source_span(self, start: int, end: int) -> Span:
        """Source span covering logical characters ``[start, end)``."""
        if end <= start:
            at = self.offsets[min(start, len(self.offsets) - 1)]
            return Span(at, at)
        return Span(self.offsets[start], self.offsets[end - 1] + 1)


@record
class Instruction(Node):
    keyword: str  # upper case
    keyword_span: Span
    start_line: int  # 1-based, as BuildKit reports
    end_line: int  # 1-based, as BuildKit reports (last heredoc terminator line included)
    flags: list[Flag]
    args: list[Arg]
    value: tuple[str, ...]  # BuildKit's node values for this instruction (oracle-comparable)
    json: bool  # exec (JSON array) form
    heredocs: list[Heredoc]
    logical: LogicalLine  # rest of the instruction after keyword and flags
    comments: list[Comment] = field(default_factory=list)  # comment lines inside a continuation
    sub: Instruction | None = None  # ONBUILD's instruction; HEALTHCHECK keeps CMD/NONE in value[0]
    original: str = ""  # BuildKit's ``original`` (logical line, without heredoc bodies)

    def flag(self, name: str) -> Flag | None:
        for f in self.flags:
            if f.name.lower() == name.lower():
                return f
        return None


TopNode = Directive | Comment | Blank | Instruction


@record
class Dockerfile:
    text: str
    children: list[TopNode]
    escape: str = "\\"
    path: str = "Dockerfile"
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not self._line_starts:
            # a line ends at "\n" (CRLF included); a lone "\r" is not a line break, as in BuildKit
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts

    def __str__(self) -> str:
        return "".join(child.text for child in self.children)

    def __bytes__(self) -> bytes:
        return str(self).encode("utf-8", "surrogateescape")

    @property
    def instructions(self) -> list[Instruction]:
        children = self.children
        known: tuple[list[TopNode], int, list[Instruction]] | None = getattr(self, "_instructions", None)
        if known is None or known[0] is not children or known[1] != len(children):  # (the rules ask often)
            known = (children, len(children), [c for c in children if isinstance(c, Instruction)])
            object.__setattr__(self, "_instructions", known)  # (not a field: equal trees stay equal)
        return list(known[2])

    def comments_above(self, instr: Instruction) -> list[str]:
        """The text of the comment lines right above ``instr`` (no blank line between), top to bottom."""
        out: list[str] = []
        idx = next((i for i, c in enumerate(self.children) if c is instr), None)
        if idx is None:
            return out
        for child in reversed(self.children[:idx]):
            if not isinstance(child, Comment):
                break
            out.append(child.text.strip().lstrip("#").strip())
        return out[::-1]

    @property
    def directives(self) -> list[Directive]:
        return [c for c in self.children if isinstance(c, Directive)]

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def offset(self, line: int, col: int) -> int:
        """Character offset of a 1-based line and column."""
        return self._line_starts[line - 1] + col - 1

    def byte_span(self, span: Span) -> tuple[int, int]:
        start = len(self.text[: span.start].encode("utf-8", "surrogateescape"))
        length = len(self.text[span.start : span.end].encode("utf-8", "surrogateescape"))
        return start, start + length

    @property
    def newline(self) -> str:
        """The file's own line ending (``\\r\\n`` if its first line ending is CRLF)."""
        i = self.text.find("\n")
        return "\r\n" if i > 0 and self.text[i - 1] == "\r" else "\n"


class DockerfileSyntaxError(Exception):
    """Malformed Dockerfile. Carries the path, 1-based line and column, and a message."""

    def __init__(self, message: str, line: int, column: int, path: str = "Dockerfile") -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.message = message
        self.line = line
        self.column = column
        self.path = path
