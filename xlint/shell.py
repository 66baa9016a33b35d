"""The shell view of RUN instructions: every simple command, its argv, env prefix and source spans.

Shell form is parsed with tree-sitter-bash (error tolerant: on malformed input we return whatever commands
can be found, and never raise). Exec (JSON) form is read as argv directly. Every span points into the
Dockerfile text (``Dockerfile.text``), also for commands found inside ``sh -c '...'`` strings and inside
heredoc scripts.

What is found:

- every simple command through ``&&``, ``||``, ``;``, ``&``, pipes, ``! cmd``, subshells ``( )``, groups
  ``{ }``, ``$(...)``, backticks, process substitution, ``if``/``elif``/``else``, ``for``, ``while``/``until``,
  ``case`` and function bodies, in pre-order (a command comes before the commands nested in its words);
- declaration builtins (``export``, ``declare``, ``local``, ``readonly``, ``typeset``) and ``unset`` are also
  reported as simple commands (``name == "export"``); ``[ ... ]``/``[[ ... ]]`` tests are not (commands nested
  in them are);
- ``sh``/``bash``/``ash``/``dash``/``zsh``/``ksh``/``mksh`` with ``-c`` (also combined flags such as ``-ec``),
  ``su``/``runuser`` with ``-c``, and ``eval`` of one word: the script string is parsed and its commands are reported with ``"sh -c"`` in their context (the label is
  ``"sh -c"`` whatever the shell). Nesting is followed up to :data:`MAX_NESTING` levels;
- a heredoc used as the script (``RUN <<EOF`` without a non-shell ``#!`` line, or a heredoc fed on stdin to
  a shell without ``-c`` or a script operand: ``RUN bash -e <<EOF``): its body is parsed; commands of a
  heredoc fed to a shell carry ``"heredoc"`` in their context;
- ``$(...)``/backticks inside the body of an unquoted heredoc fed to any other command (they run while the
  heredoc is expanded).

Wrappers such as ``env X=1 cmd``, ``exec cmd``, ``time cmd``, ``sudo cmd``, ``nohup cmd``, ``xargs cmd`` are
not unwrapped: the command's ``name`` is the wrapper (``env``) and the real command is in ``argv``.
Redirections are not arguments (``make >/dev/null install`` gives ``argv == [make, install]``).

Word values: quotes and backslashes are removed; a word with a parameter expansion, command substitution,
arithmetic expansion or unknown ``$'...'`` escape has ``value None``. Globs, brace expansions and a leading
``~`` are kept as text (``value == "~/bin"``). ``SHELL`` instructions are not taken into account: the
script is always read as POSIX/bash shell.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Callable

from tree_sitter import Language, Node, Parser

from xlint.records import field, record
from xlint.rx import rx
from xlint.syntax.tree import Heredoc, Instruction, Span

__all__ = [
    "MAX_NESTING",
    "SHELLS",
    "Assignment",
    "SimpleCommand",
    "Word",
    "assignments",
    "parse_script",
    "run_commands",
]

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"})
MAX_NESTING = 3  # how many ``sh -c``/heredoc script levels are followed

# Context labels of the enclosing constructs.
_CONTEXT_OF: dict[str, str] = {
    "subshell": "(...)",
    "compound_statement": "{...}",
    "process_substitution": "<(...)",
    "if_statement": "if",
    "for_statement": "for",
    "c_style_for_statement": "for",
    "select_statement": "for",
    "while_statement": "while",
    "case_statement": "case",
    "function_definition": "function",
    "negated_command": "!",
    "pipeline": "|",
}
# Constructs whose assignments do not outlive them (subshells and friends).
_SUBSHELL_CONTEXTS = frozenset({"(...)", "$(...)", "`...`", "<(...)", "|", "function"})
_DECLARATIONS = frozenset({"declaration_command", "unset_command"})
# Parents of a variable_assignment that is not a standalone assignment statement.
_NOT_STANDALONE = frozenset({"command", "declaration_command", "c_style_for_statement"})


@record(frozen=True)
class Word:
    """One shell word. ``raw`` is the word as written in the script (continuations removed); ``value`` is
    its literal value after quote removal, or None when it has expansions; ``span`` is its source span."""

    raw: str
    value: str | None
    span: Span


@record(frozen=True)
class Assignment:
    """``NAME=value``: a prefix of a command (``GOOS=linux go build``) or a standalone assignment
    (``X=1``, ``export X=1``). ``raw_value`` is the value as written; ``value`` is None when dynamic.
    ``context`` is the tuple of enclosing constructs (as :attr:`SimpleCommand.context`)."""

    name: str
    raw_value: str
    value: str | None
    span: Span
    context: tuple[str, ...] = ()


@record(frozen=True)
class SimpleCommand:
    """One simple command. ``argv[0]`` is the command word; ``name`` is its literal value (None if it is
    dynamic, e.g. ``$CC``); ``env`` are the prefix assignments; ``span`` covers the prefix assignments, the
    command word and the arguments (not trailing redirections); ``context`` lists the enclosing
    constructs, outermost first: ``"sh -c"``, ``"heredoc"``, ``"$(...)"``, ``"`...`"``, ``"<(...)"``,
    ``"(...)"``, ``"{...}"``, ``"if"``, ``"for"``, ``"while"``, ``"case"``, ``"function"``, ``"!"``,
    ``"|"``."""

    name: str | None
    argv: list[Word]
    env: list[Assignment]
    span: Span
    context: tuple[str, ...] = ()

    def args(self) -> list[str | None]:
        """Literal values of the arguments (``argv[1:]``), None for dynamic ones."""
        return [w.value for w in self.argv[1:]]

    @property
    def basename(self) -> str | None:
        """``os.path.basename(name)``: ``/usr/bin/make`` -> ``make``; None if the name is dynamic."""
        name = self.name
        if name is None:
            return None
        return name if "/" not in name else os.path.basename(name)


# ---------------------------------------------------------------------------------------------------------
# tree-sitter objects (created lazily, once)

_PARSER: Parser | None = None


def _parser() -> Parser:
    global _PARSER
    if _PARSER is None:
        _PARSER = Parser(Language(_bash_language()))
    return _PARSER


def _bash_language() -> object:
    """tree-sitter-bash's language pointer. Its extension module is loaded straight from the package
    folder: the package's ``__init__`` imports ``importlib.resources`` (for highlight queries xlint does
    not use), which costs more start-up time than the whole parse of a file. Any surprise: the normal
    import."""
    import importlib.machinery
    import importlib.util
    import sys

    try:
        spec = importlib.util.find_spec("tree_sitter_bash")
        folder = spec.submodule_search_locations[0] if spec and spec.submodule_search_locations else None
        for suffix in importlib.machinery.EXTENSION_SUFFIXES if folder else ():
            path = os.path.join(folder, "_binding" + suffix)  # type: ignore[arg-type]
            if os.path.isfile(path):
                name = "tree_sitter_bash._binding"
                module = sys.modules.get(name)
                if module is None:
                    loader = importlib.machinery.ExtensionFileLoader(name, path)
                    ext_spec = importlib.util.spec_from_file_location(name, path, loader=loader)
                    if ext_spec is None:
                        break
                    module = importlib.util.module_from_spec(ext_spec)
                    loader.exec_module(module)
                    sys.modules[name] = module  # a later ``import tree_sitter_bash`` reuses it
                return module.language()
    except Exception:  # pragma: no cover - an unusual install: the normal import below
        pass
    import tree_sitter_bash

    return tree_sitter_bash.language()


# ---------------------------------------------------------------------------------------------------------
# Source maps: for each script character, the source range it came from ([lo, hi)).


@record
class _Map:
    lo: list[int]
    hi: list[int] | None  # None: each character's range is one source character (hi = lo + 1)
    end: int  # source offset of the end of the script (for empty spans)

    def span(self, start: int, end: int) -> Span:
        n = len(self.lo)
        start = min(max(start, 0), n)
        end = min(max(end, start), n)
        if end <= start:
            at = self.lo[start] if start < n else self.end
            return Span(at, at)
        hi = self.hi[end - 1] if self.hi is not None else self.lo[end - 1] + 1
        return Span(self.lo[start], max(hi, self.lo[start]))

    def sub(self, base: int, ranges: list[tuple[int, int]], end: int) -> _Map:
        """Map of a text whose character j came from this map's characters ``[base+a, base+b)``."""
        lo: list[int] = []
        hi: list[int] = []
        n = len(self.lo)
        for a, b in ranges:
            a = min(base + a, n - 1)
            b = min(max(base + b, a + 1), n)
            lo.append(self.lo[a])
            hi.append(self.hi[b - 1] if self.hi is not None else self.lo[b - 1] + 1)
        end_at = min(base + end, n)
        end_off = self.lo[end_at] if end_at < n else self.end
        return _Map(lo, hi, end_off)


def _identity_map(n: int) -> _Map:
    return _Map(list(range(n)), None, n)


def _offsets_map(offsets: list[int], n: int) -> _Map:
    lo = offsets[:n]
    if len(lo) < n:  # short map: clamp to the last known offset
        last = lo[-1] if lo else 0
        lo.extend([last] * (n - len(lo)))
    end = offsets[n] if len(offsets) > n else (lo[-1] + 1 if lo else 0)
    return _Map(lo, None, end)


def _aligned_map(text: str, source: str, base: int, end: int) -> _Map:
    """Map ``text`` onto ``source`` (which starts at offset ``base``) when ``text`` is ``source`` with some
    characters removed (tabs stripped by ``<<-``, CRs): greedy subsequence alignment, clamped."""
    lo: list[int] = []
    j = 0
    n = len(source)
    for ch in text:
        k = j
        while k < n and source[k] != ch:
            k += 1
        if k < n:
            j = k
        at = min(j, max(n - 1, 0))
        lo.append(base + at)
        if k < n:
            j += 1
    return _Map(lo, None, end)


# ---------------------------------------------------------------------------------------------------------
# Quote removal with a character map


_SPECIAL_PARAMS = frozenset("@*#?$!-0123456789{(")
_ANSI_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "r": "\r",
    "v": "\v",
    "?": "?",
}


def _is_expansion(raw: str, i: int) -> bool:
    """Is the ``$`` at ``raw[i]`` the start of an expansion?"""
    if i + 1 >= len(raw):
        return False
    c = raw[i + 1]
    return c.isalpha() or c == "_" or c in _SPECIAL_PARAMS


def _skip_balanced(raw: str, i: int, open_: str, close: str) -> int:
    """``raw[i]`` is ``open_``; return the index after the matching ``close`` (or len(raw))."""
    depth = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c == "\\":
            i += 2
            continue
        if c == "'" and open_ == "(":
            j = raw.find("'", i + 1)
            i = n if j < 0 else j + 1
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


_TOP_SPECIAL = frozenset("'\"\\$`<>")  # what _dequote acts on outside quotes
_TOP_SPECIALS = rx(r"['\"\\$`<>]")
_DQ_SPECIAL = frozenset('"\\$`')  # and inside double quotes
_DQ_SPECIALS = rx(r'["\\$`]')


def _dequote(raw: str) -> tuple[str, list[tuple[int, int]], bool]:
    """Quote removal. Returns the text, for each of its characters the ``[a, b)`` range of ``raw`` it
    came from, and whether the word is static (no expansions). Expansions are kept verbatim."""
    out: list[str] = []
    rng: list[tuple[int, int]] = []
    static = True
    n = len(raw)
    i = 0

    def verbatim(a: int, b: int) -> None:
        out.append(raw[a:b])
        rng.extend(zip(range(a, b), range(a + 1, b + 1), strict=True))

    while i < n:
        c = raw[i]
        if c not in _TOP_SPECIAL:  # a run of plain characters: copied as one piece
            m = _TOP_SPECIALS.search(raw, i)
            j = n if m is None else m.start()
            verbatim(i, j)
            i = j
        elif c == "'":
            j = raw.find("'", i + 1)
            j = n if j < 0 else j
            verbatim(i + 1, j)
            i = j + 1
        elif c == '"':
            i += 1
            while i < n and raw[i] != '"':
                d = raw[i]
                if d not in _DQ_SPECIAL:  # (plain characters up to the next one that matters)
                    m = _DQ_SPECIALS.search(raw, i)
                    j = n if m is None else m.start()
                    verbatim(i, j)
                    i = j
                elif d == "\\" and i + 1 < n and raw[i + 1] in '$`"\\\n':
                    if raw[i + 1] != "\n":
                        out.append(raw[i + 1])
                        rng.append((i, i + 2))
                    i += 2
                elif d == "$" and _is_expansion(raw, i):
                    static = False
                    i = _expansion(raw, i, verbatim)
                elif d == "`":
                    static = False
                    j = _backtick_end(raw, i)
                    verbatim(i, j)
                    i = j
                else:
                    out.append(d)
                    rng.append((i, i + 1))
                    i += 1
            i += 1
        elif c == "\\":
            if i + 1 < n:
                if raw[i + 1] != "\n":
                    out.append(raw[i + 1])
                    rng.append((i, i + 2))
                i += 2
            else:
                out.append(c)
                rng.append((i, i + 1))
                i += 1
        elif c == "$" and i + 1 < n and raw[i + 1] == "'":
            i += 2
            while i < n and raw[i] != "'":
                if raw[i] == "\\" and i + 1 < n:
                    e = raw[i + 1]
                    if e in _ANSI_ESCAPES:
                        out.append(_ANSI_ESCAPES[e])
                    else:
                        static = False
                        out.append(e)
                    rng.append((i, i + 2))
                    i += 2
                else:
                    out.append(raw[i])
                    rng.append((i, i + 1))
                    i += 1
            i += 1
        elif c == "$" and i + 1 < n and raw[i + 1] == '"':
            i += 1  # $"..." (locale translation): read as "..."
        elif c == "$" and _is_expansion(raw, i):
            static = False
            i = _expansion(raw, i, verbatim)
        elif c == "`":
            static = False
            j = _backtick_end(raw, i)
            verbatim(i, j)
            i = j
        elif c in "<>" and i + 1 < n and raw[i + 1] == "(":  # process substitution
            static = False
            j = _skip_balanced(raw, i + 1, "(", ")")
            verbatim(i, j)
            i = j
        else:
            out.append(c)
            rng.append((i, i + 1))
            i += 1
    return "".join(out), rng, static


def _expansion(raw: str, i: int, verbatim: Callable[[int, int], None]) -> int:
    """Copy the expansion starting at ``raw[i] == "$"`` verbatim; return the index after it."""
    n = len(raw)
    nxt = raw[i + 1]
    if nxt == "(":
        j = _skip_balanced(raw, i + 1, "(", ")")
    elif nxt == "{":
        j = _skip_balanced(raw, i + 1, "{", "}")
    elif nxt.isalpha() or nxt == "_":
        j = i + 1
        while j < n and (raw[j].isalnum() or raw[j] == "_"):
            j += 1
    else:
        j = i + 2
    verbatim(i, j)
    return j


def _backtick_end(raw: str, i: int) -> int:
    j = i + 1
    n = len(raw)
    while j < n and raw[j] != "`":
        j += 2 if raw[j] == "\\" else 1
    return min(j + 1, n)


_QUOTING = rx(r"[$'\"\\`<>]")  # the characters _dequote does anything with
_SUBSTITUTION = re.compile(rb"\$\(|`|[<>]\(")  # where a command's words may hold commands


def _word_value(raw: str) -> str | None:
    if _QUOTING.search(raw) is None:  # fast path: no quote, escape or expansion, the word is its value
        return raw
    text, _, static = _dequote(raw)
    return text if static else None


# ---------------------------------------------------------------------------------------------------------
# Shell option parsing


_SWITCH_USER = frozenset({"su", "runuser"})


def _script_operand(name: str | None, argv: list[Word]) -> int | None:
    """Index of the word a command runs as a shell script: ``sh -c 'SCRIPT'``, ``su nobody -s /bin/sh -c
    'SCRIPT'`` / ``runuser -u app -- sh -c``, ``eval 'SCRIPT'`` (one word)."""
    if name in SHELLS:
        seen_c, operand = _shell_script_arg(argv)
        return operand if seen_c else None
    if name in _SWITCH_USER:
        for i, w in enumerate(argv[1:-1], start=1):
            if w.value in ("-c", "--command") or (w.value or "").startswith("--command="):
                return i + 1 if w.value in ("-c", "--command") else None
        return None
    if name == "eval" and len(argv) == 2:
        return 1
    return None


def _shell_script_arg(argv: list[Word]) -> tuple[bool, int | None]:
    """For a shell command: (has ``-c``, index of the first operand or None). Stops at a dynamic option."""
    seen_c = False
    i = 1
    n = len(argv)
    while i < n:
        v = argv[i].value
        if v is None:
            return seen_c, i if seen_c else None
        if v == "--":
            return seen_c, (i + 1 if i + 1 < n else None)
        if len(v) > 1 and v[0] in "-+":
            if v in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
                i += 2
                continue
            if v[0] == "-" and not v.startswith("--") and "c" in v[1:]:
                seen_c = True
            i += 1
            continue
        return seen_c, i
    return seen_c, None


def _shebang_is_shell(content: str) -> bool:
    """True unless the script starts with a ``#!`` line naming a non-shell interpreter."""
    if not content.startswith("#!"):
        return True
    line = content[2:].split("\n", 1)[0].split()
    if not line:
        return True
    prog = os.path.basename(line[0])
    if prog == "env":
        rest = [w for w in line[1:] if not w.startswith("-") and "=" not in w]
        if not rest:
            return True
        prog = os.path.basename(rest[0])
    return prog in SHELLS


# ---------------------------------------------------------------------------------------------------------
# The walk


@record
class _Script:
    """One script being walked: its text, byte->char table and source map."""

    text: str
    data: bytes
    b2c: list[int] | None  # None: ASCII (bytes == chars)
    map: _Map

    def char(self, byte: int) -> int:
        if self.b2c is None:
            return byte
        if byte >= len(self.b2c):
            return len(self.text)
        return self.b2c[byte]

    def chars(self, node: Node) -> tuple[int, int]:
        return self.char(node.start_byte), self.char(node.end_byte)

    def raw(self, node: Node) -> str:
        a, b = self.chars(node)
        return self.text[a:b]

    def span(self, node: Node) -> Span:
        a, b = self.chars(node)
        return self.map.span(a, b)


def _encode(text: str) -> tuple[bytes, list[int] | None]:
    """UTF-8 bytes of ``text`` and a byte->char table (None when ASCII). Lone surrogates (undecodable
    input bytes kept by ``surrogateescape``, or others) are encoded so that every character has bytes."""
    if text.isascii():
        return text.encode("ascii"), None
    try:
        data = text.encode("utf-8", "surrogateescape")
        simple = True
    except UnicodeEncodeError:
        simple = False
    if simple and len(data) == len(text):
        return data, None
    parts: list[bytes] = []
    b2c: list[int] = []
    for i, ch in enumerate(text):
        try:
            b = ch.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            b = ch.encode("utf-8", "surrogatepass")
        parts.append(b)
        b2c.extend([i] * len(b))
    b2c.append(len(text))
    return b"".join(parts), b2c


@record
class _Walker:
    commands: list[SimpleCommand] = field(default_factory=list)
    assigns: list[Assignment] = field(default_factory=list)
    seen: set[tuple[int, int, str | None]] = field(default_factory=set)  # (start, end, name) of commands
    # heredoc placeholders of the current top-level script: char offset -> heredoc index
    placeholders: dict[int, int] = field(default_factory=dict)
    attached: dict[int, SimpleCommand] = field(default_factory=dict)

    def add(self, cmd: SimpleCommand) -> bool:
        key = (cmd.span.start, cmd.span.end, cmd.name)
        if key in self.seen:
            return False
        self.seen.add(key)
        self.commands.append(cmd)
        return True

    def parse(self, text: str, smap: _Map, context: tuple[str, ...], depth: int) -> None:
        data, b2c = _encode(text)
        try:
            tree = _parser().parse(data)
        except Exception:  # pragma: no cover - tree-sitter is error tolerant; be safe anyway
            return
        script = _Script(text, data, b2c, smap)
        root = tree.root_node
        self.walk(script, root, context, depth, prune=not root.has_error)

    def walk(self, script: _Script, root: Node, context: tuple[str, ...], depth: int, prune: bool = False) -> None:
        """``prune`` (a tree without syntax errors): the words of a command are not walked when its text
        holds no command or process substitution (nothing else in them is a command or an assignment)."""
        # Iterative pre-order walk: items are (node, context) or deferred callables.
        stack: list[tuple[Node, tuple[str, ...]] | Callable[[], None]] = [(root, context)]
        data = script.data
        redirect_parents: dict[int, list[Node]] = {}  # command node id -> redirected_statements
        while stack:
            item = stack.pop()
            if callable(item):
                item()
                continue
            node, ctx = item
            kind = node.type
            if kind == "command":
                later = self.command(script, node, redirect_parents.get(node.id, []), ctx, depth)
                if later is not None:
                    stack.append(later)
                if prune and not _SUBSTITUTION.search(data, node.start_byte, node.end_byte):
                    continue
            elif kind in _DECLARATIONS:
                self.declaration(script, node, ctx)
            elif kind == "variable_assignment":
                parent = node.parent
                if parent is None or parent.type not in _NOT_STANDALONE:
                    self.assigns.append(self.assignment(script, node, ctx))
            elif kind == "redirected_statement":
                # ``a && b >x`` comes as redirected_statement(list(a, b), >x): the redirects belong to
                # the last command of the body.
                body = node.child_by_field_name("body")
                while body is not None and body.type in ("list", "pipeline", "negated_command"):
                    body = body.named_children[-1] if body.named_child_count else None
                if body is not None and body.type == "redirected_statement":
                    body = body.child_by_field_name("body")
                if body is not None and body.type == "command":
                    redirect_parents.setdefault(body.id, []).append(node)
            label = _CONTEXT_OF.get(kind)
            if kind == "command_substitution":
                label = "`...`" if script.data[node.start_byte : node.start_byte + 1] == b"`" else "$(...)"
            elif (
                kind == "process_substitution" and script.data[node.start_byte : node.start_byte + 1] == b">"
            ):
                label = ">(...)"
            if label is not None and kind == "pipeline" and ctx and ctx[-1] == "|":
                label = None
            child_ctx = ctx + (label,) if label is not None else ctx
            children = node.named_children
            for child in reversed(children):
                stack.append((child, child_ctx))

    # -- nodes ------------------------------------------------------------------------------------------

    def word(self, script: _Script, node: Node) -> Word:
        return self.word_at(script, node.start_byte, node.end_byte)

    def word_at(self, script: _Script, start_byte: int, end_byte: int) -> Word:
        return self.words_at(script, [(start_byte, end_byte)])[0]

    def words_at(self, script: _Script, ranges: list[tuple[int, int]]) -> list[Word]:
        """:meth:`word_at` of each byte range (one loop: a command's words are most of the walk)."""
        text = script.text
        smap = script.map
        lo, hi, n = smap.lo, smap.hi, len(smap.lo)
        ascii_text = script.b2c is None
        search = _QUOTING.search
        out: list[Word] = []
        for start_byte, end_byte in ranges:
            if ascii_text:  # bytes are characters
                a, b = start_byte, end_byte
            else:
                a, b = script.char(start_byte), script.char(end_byte)
            raw = text[a:b]
            if 0 <= a < b <= n:  # what _Map.span gives, without its clamps
                first = lo[a]
                last = hi[b - 1] if hi is not None else lo[b - 1] + 1
                span = Span(first, last if last > first else first)
            else:
                span = smap.span(a, b)
            out.append(Word(raw, raw if search(raw) is None else _word_value(raw), span))
        return out

    def assignment(self, script: _Script, node: Node, ctx: tuple[str, ...]) -> Assignment:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = script.raw(name_node) if name_node is not None else ""
        raw_value = script.raw(value_node) if value_node is not None else ""
        if value_node is not None and value_node.type == "array":
            value: str | None = None
        else:
            value = _word_value(raw_value) if raw_value else ""
        return Assignment(name, raw_value, value, script.span(node), ctx)

    def declaration(self, script: _Script, node: Node, ctx: tuple[str, ...]) -> None:
        argv = [self.word(script, c) for c in node.children if c.type not in ("comment",)]
        if not argv:
            return
        self.add(SimpleCommand(argv[0].value, argv, [], script.span(node), ctx))
        for c in node.named_children:
            if c.type == "variable_assignment":
                self.assigns.append(self.assignment(script, c, ctx))

    def command(
        self, script: _Script, node: Node, parents: list[Node], ctx: tuple[str, ...], depth: int
    ) -> Callable[[], None] | None:
        env: list[Assignment] = []
        words: list[tuple[int, int]] = []  # byte ranges
        redirects: list[Node] = []
        for i, child in enumerate(node.children):
            t = child.type
            fieldname = node.field_name_for_child(i)
            if t == "variable_assignment":
                env.append(self.assignment(script, child, ctx))
            elif fieldname == "name" or fieldname == "argument":
                words.append((child.start_byte, child.end_byte))
            elif fieldname == "redirect" or t.endswith("_redirect"):
                redirects.append(child)
        for parent in parents:
            redirects.extend(parent.children_by_field_name("redirect"))
        # tree-sitter-bash reads ``cmd >out arg`` as a redirect with two destinations: the extra ones
        # are arguments.
        extra = False
        for r in redirects:
            if r.type != "file_redirect":
                continue
            dests = r.children_by_field_name("destination")
            if len(dests) > 1:
                words.extend((d.start_byte, d.end_byte) for d in dests[1:])
                extra = True
        if extra:
            words.sort()
        name_node = node.child_by_field_name("name")
        if name_node is None or not words:
            return None
        # Adjacent pieces form one shell word (tree-sitter splits ``$"..."`` into ``$`` and a string).
        merged: list[tuple[int, int]] = [words[0]]
        for a, b in words[1:]:
            if a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        words = merged
        argv = self.words_at(script, words)
        start = min(env[0].span.start, argv[0].span.start) if env else argv[0].span.start
        span = Span(start, max(argv[-1].span.end, start))
        cmd = SimpleCommand(argv[0].value, argv, env, span, ctx)
        if not self.add(cmd):
            return None
        for r in redirects if depth == 0 and self.placeholders else ():
            at = script.char(r.start_byte)
            idx = self.placeholders.get(at)
            if idx is None and r.child_by_field_name("descriptor") is not None:
                dest = r.child_by_field_name("descriptor")
                idx = self.placeholders.get(script.char(dest.end_byte)) if dest is not None else None
            if idx is not None:
                self.attached[idx] = cmd
        if depth >= MAX_NESTING:
            return None
        operand = _script_operand(cmd.basename, argv)
        if operand is None:
            return None
        script_word = words[operand]

        def inner() -> None:
            base, end = script.char(script_word[0]), script.char(script_word[1])
            raw = script.text[base:end]
            text, ranges, _ = _dequote(raw)
            closing = end - base - (1 if raw.endswith(("'", '"')) and len(raw) > 1 else 0)
            smap = script.map.sub(base, ranges, closing)
            self.parse(text, smap, ctx + ("sh -c",), depth + 1)

        return inner


# ---------------------------------------------------------------------------------------------------------
# Public API


def parse_script(script: str, offsets: list[int] | None = None) -> list[SimpleCommand]:
    """All simple commands of a shell script. ``offsets[i]`` is the source offset of ``script[i]``
    (``len(script) + 1`` entries, the last one being the end offset); None means the identity."""
    return _parse_all(script, offsets).commands


def _parse_all(script: str, offsets: list[int] | None) -> _Walker:
    smap = _identity_map(len(script)) if offsets is None else _offsets_map(offsets, len(script))
    walker = _Walker()
    walker.parse(script, smap, (), 0)
    return walker


def _instr_source(instr: Instruction, span: Span) -> str:
    a = span.start - instr.span.start
    b = span.end - instr.span.start
    if 0 <= a <= b <= len(instr.text):
        return instr.text[a:b]
    return ""


def _json_string_map(value: str, raw: str, start: int) -> _Map:
    """Map a decoded JSON string onto its source ``raw`` (starting at offset ``start``, quotes included)."""
    if len(raw) >= 2 and raw[0] == '"':
        lo: list[int] = []
        hi: list[int] = []
        i = 1
        n = len(raw) - 1 if raw.endswith('"') else len(raw)
        while i < n:
            if raw[i] == "\\" and i + 1 < n:
                k = 6 if raw[i + 1] == "u" else 2
                # a surrogate pair \\uD83D\\uDE00 decodes to one character
                if k == 6 and i + 12 <= n and raw[i + 6 : i + 8] == "\\u":
                    first = int(raw[i + 2 : i + 6], 16) if _is_hex(raw[i + 2 : i + 6]) else 0
                    if 0xD800 <= first < 0xDC00:
                        k = 12
                lo.append(start + i)
                hi.append(start + min(i + k, n))
                i += k
            else:
                lo.append(start + i)
                hi.append(start + i + 1)
                i += 1
        if len(lo) == len(value):
            return _Map(lo, hi, start + n)
    return _aligned_map(value, raw, start, start + len(raw))


def _is_hex(s: str) -> bool:
    return len(s) == 4 and all(c in "0123456789abcdefABCDEF" for c in s)


def _json_commands(instr: Instruction, walker: _Walker) -> None:
    if not instr.args:
        return
    argv = [Word(_instr_source(instr, a.span) or a.value, a.value, a.span) for a in instr.args]
    cmd = SimpleCommand(argv[0].value, argv, [], Span(argv[0].span.start, argv[-1].span.end), ())
    walker.add(cmd)
    if cmd.basename not in SHELLS:
        return
    seen_c, operand = _shell_script_arg(argv)
    if not seen_c or operand is None:
        return
    arg = instr.args[operand]
    smap = _json_string_map(arg.value, _instr_source(instr, arg.span), arg.span.start)
    walker.parse(arg.value, smap, ("sh -c",), 1)


def _heredoc_map(instr: Instruction, doc: Heredoc) -> _Map:
    source = _instr_source(instr, doc.content_span)
    if source == doc.content:
        n = len(source)
        base = doc.content_span.start
        return _Map(list(range(base, base + n)), None, doc.content_span.end)
    return _aligned_map(doc.content, source, doc.content_span.start, doc.content_span.end)


def _marker_positions(instr: Instruction) -> list[tuple[int, int]]:
    """Logical-text ``[start, end)`` of each heredoc marker (``<<EOF``), in heredoc order."""
    logical = instr.logical
    offsets = logical.offsets
    n = len(logical.text)
    found: list[tuple[int, int]] = []
    search_from = 0
    for doc in instr.heredocs:
        ms = doc.marker_span
        a = bisect.bisect_left(offsets, ms.start, 0, n)
        if a < n and offsets[a] == ms.start and len(ms) > 0:
            b = bisect.bisect_left(offsets, ms.end, a, n)
            found.append((a, b))
            search_from = b
            continue
        # fall back to a text search for ``<<NAME``, ``<<-NAME``, ``<<"NAME"``
        a = logical.text.find("<<", search_from)
        while a >= 0:
            b = a + 2
            if b < n and logical.text[b] == "-":
                b += 1
            rest = logical.text[b:]
            for q in ("", '"', "'"):
                if rest.startswith(q + doc.name + q):
                    b += len(q + doc.name + q)
                    break
            else:
                a = logical.text.find("<<", a + 2)
                continue
            break
        if a < 0:
            found.append((-1, -1))
        else:
            found.append((a, b))
            search_from = b
    return found


def _shell_commands(instr: Instruction, walker: _Walker) -> None:
    logical = instr.logical
    text = logical.text
    smap = _offsets_map(logical.offsets, len(text))
    if not instr.heredocs:
        walker.parse(text, smap, (), 0)
        return
    # Replace each ``<<EOF`` marker by a same-length input redirect ``<____`` so that tree-sitter parses
    # the line cleanly (the bodies are not part of the logical text) and we can see which command reads
    # which heredoc.
    markers = _marker_positions(instr)
    chars = list(text)
    for idx, (a, b) in enumerate(markers):
        if a < 0 or b - a < 2:
            continue
        chars[a] = "<"
        for k in range(a + 1, b):
            chars[k] = "_"
        walker.placeholders[a] = idx
    masked = "".join(chars)
    standalone = (
        len(instr.heredocs) == 1
        and markers[0][0] >= 0
        and masked.strip() == masked[markers[0][0] : markers[0][1]].strip()
    )
    walker.parse(masked, smap, (), 0)
    for idx, doc in enumerate(instr.heredocs):
        hmap = _heredoc_map(instr, doc)
        if standalone:
            if _shebang_is_shell(doc.content):
                walker.parse(doc.content, hmap, (), 1)
            continue
        reader = walker.attached.get(idx)
        if (
            reader is not None
            and reader.basename in SHELLS
            and doc.file_descriptor == 0
            and _shell_script_arg(reader.argv) == (False, None)
        ):
            walker.parse(doc.content, hmap, reader.context + ("heredoc",), 1)
        elif not doc.quoted and ("$(" in doc.content or "`" in doc.content):
            _heredoc_substitutions(doc, hmap, walker)


def _heredoc_substitutions(doc: Heredoc, hmap: _Map, walker: _Walker) -> None:
    """Commands in ``$(...)``/backticks of an unquoted heredoc body (run when the body is expanded)."""
    delim = "XLINT_HEREDOC_END"
    while delim in doc.content:
        delim += "_"
    prefix = ":<<" + delim + "\n"
    body = doc.content if doc.content.endswith("\n") else doc.content + "\n"
    text = prefix + body + delim + "\n"
    start = hmap.lo[0] if hmap.lo else hmap.end
    lo = [start] * len(prefix) + hmap.lo + [hmap.end] * (len(text) - len(prefix) - len(hmap.lo))
    his = hmap.hi if hmap.hi is not None else [o + 1 for o in hmap.lo]
    hi = [start] * len(prefix) + his + [hmap.end] * (len(text) - len(prefix) - len(his))
    sub = _Walker(seen=walker.seen)
    sub.parse(text, _Map(lo, hi, hmap.end), (), 1)
    for cmd in sub.commands:
        if cmd.context:  # drop the synthetic ``:`` command itself
            walker.commands.append(cmd)


def _collect(instr: Instruction) -> _Walker:
    """The walk of one instruction, cached on it (every rule asks; a tree is never changed in place)."""
    cached = getattr(instr, "_xlint_shell_walk", None)
    if isinstance(cached, _Walker):
        return cached
    walker = _walk_instruction(instr)
    object.__setattr__(instr, "_xlint_shell_walk", walker)  # (not instr.__dict__: see xlint.records)
    return walker


def _walk_instruction(instr: Instruction) -> _Walker:
    walker = _Walker()
    target = instr.sub if instr.keyword == "ONBUILD" and instr.sub is not None else instr
    try:
        if target.json:
            _json_commands(target, walker)
        else:
            _shell_commands(target, walker)
    except Exception:  # never raise on weird input: return what was found
        pass
    return walker


def run_commands(instr: Instruction) -> list[SimpleCommand]:
    """Every simple command of a RUN (also CMD/ENTRYPOINT, and ONBUILD's instruction), with source spans.

    Exec form: ``argv`` is the JSON array (one command); ``["sh", "-c", "..."]`` adds the commands of the
    string. Shell form: ``instr.logical.text`` is parsed; heredoc scripts are followed (see the module
    docstring)."""
    return list(_collect(instr).commands)


def assignments(instr: Instruction) -> list[Assignment]:
    """Standalone assignments (``X=1``, ``export X=1``, ``declare``/``readonly``/``local``) of the RUN's
    scripts, in order, excluding those in a subshell-like construct whose effect ends with it (``( )``,
    ``$(...)``, backticks, process substitution, pipelines, function bodies). Assignments inside a
    ``sh -c`` string or a heredoc script are included, with that label in their ``context``. Prefix
    assignments (``X=1 cmd``) are not here: see :attr:`SimpleCommand.env`."""
    return [a for a in _collect(instr).assigns if not _SUBSHELL_CONTEXTS.intersection(a.context)]
