"""The lossless Dockerfile parser.

``parse(text)`` returns a :class:`~xlint.syntax.tree.Dockerfile` whose children partition the text, and
whose instructions agree with BuildKit's own parser (``moby/buildkit`` ``frontend/dockerfile/parser``, as
bound by the PyPI ``dockerfile`` package, BuildKit v0.12): same node values, flags, line numbers, JSON
form and heredocs. The structure follows BuildKit's ``Parse`` loop so that quirks match: directives only
at the top, comment and empty lines skipped inside continuations, the escape token as the continuation
character, flags extracted from the leading ``--`` words of every instruction, heredocs read after the
(logical) instruction line of RUN/COPY/ADD.

On top of BuildKit's parser (which accepts anything with a keyword) we apply a few checks that BuildKit
only makes later, when it turns nodes into instructions. They raise :class:`StrictSyntaxError`, whose
``check`` names the rule (see ``STRICT_CHECKS``). Deliberate differences from the v0.12 parser:

* ``# check=`` is a parser directive (BuildKit >= 0.14); v0.12 treated it as a comment ending the
  directives.
* An empty file or a file without instructions parses (to a tree without instructions); BuildKit
  reports "file with no instructions".
* Flags are read character by character; BuildKit reads them byte by byte, which garbles non-ASCII
  characters inside flags (and splits on the bytes 0x85/0xA0).
"""

from __future__ import annotations

import re
from typing import NoReturn

from xlint.records import record
from xlint.rx import rx
from xlint.syntax._golex import (
    ASCII_SPLIT,
    GO_SPACES,
    RE2_SPACE,
    NotJSON,
    NotStringArray,
    ShellLexError,
    json_string_array,
    shell_words,
    shell_words_strict,
)
from xlint.syntax.tree import (
    Arg,
    Blank,
    Comment,
    Directive,
    Dockerfile,
    DockerfileSyntaxError,
    Flag,
    Heredoc,
    Instruction,
    LogicalLine,
    Span,
    TopNode,
)

__all__ = ["KNOWN_INSTRUCTIONS", "STRICT_CHECKS", "StrictSyntaxError", "parse"]

KNOWN_INSTRUCTIONS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)

# Checks BuildKit makes when it converts parsed nodes to instructions (instructions/parse.go), which
# its parser (and therefore the ``dockerfile`` oracle) does not make.
STRICT_CHECKS = {
    "unknown-instruction": "the keyword is not a Dockerfile instruction",
    "missing-arguments": "the instruction lacks required arguments (or has too many)",
    "onbuild-trigger": "ONBUILD ONBUILD / ONBUILD FROM / ONBUILD MAINTAINER",
    "flag-value": "a flag that takes a value (e.g. FROM --platform) has no =value",
    "shell-json": "SHELL requires the JSON (exec) form",
    "healthcheck": "HEALTHCHECK type other than CMD/NONE, NONE with arguments, CMD without command",
}

# Flags that need ``=value`` (BuildKit's BFlags string flags), per instruction.
_VALUE_FLAGS: dict[str, frozenset[str]] = {
    "FROM": frozenset({"platform"}),
    "COPY": frozenset({"chown", "from", "chmod", "exclude"}),
    "ADD": frozenset({"chown", "chmod", "checksum", "exclude"}),
    "RUN": frozenset({"mount", "network", "security"}),
    "HEALTHCHECK": frozenset({"interval", "timeout", "start-period", "start-interval", "retries"}),
}

_HEREDOC_CMDS = frozenset({"add", "copy", "run"})
_MAX_LINE_BYTES = 65535


class StrictSyntaxError(DockerfileSyntaxError):
    """Rejected by one of xlint's ``STRICT_CHECKS`` (BuildKit's parser alone would accept it)."""

    def __init__(self, check: str, message: str, line: int, column: int, path: str = "Dockerfile") -> None:
        super().__init__(message, line, column, path)
        self.check = check



def _plain_run(esc: str) -> re.Pattern[str]:
    """Characters outside quotes that parseWords copies as they are: not a Go space, quote or ``esc``."""
    return rx("[^" + re.escape("".join(sorted(GO_SPACES)) + "'\"" + esc) + "]+")


_PLAIN_RUN = {"\\": _plain_run("\\"), "`": _plain_run("`")}
_NOT_ASCII_SPLIT = rx("[^" + re.escape("".join(sorted(ASCII_SPLIT))) + "]+")  # a word of _split_ws

@record
class _Logical:
    """A logical line: characters with their source offsets (``offs`` has one extra end entry)."""

    s: str
    offs: list[int]

    def span(self, a: int, b: int) -> Span:
        if b <= a:
            at = self.offs[a] if a < len(self.offs) else self.offs[-1]
            return Span(at, at)
        return Span(self.offs[a], self.offs[b - 1] + 1)

    def line(self, a: int, b: int) -> LogicalLine:
        offsets = self.offs[a:b]
        offsets.append(self.offs[b - 1] + 1 if b > a else self.offs[min(a, len(self.offs) - 1)])
        return LogicalLine(self.s[a:b], offsets)


class _Node:
    """BuildKit's node for one (sub)instruction, with positions in the logical line (a plain class: the
    parser makes one per instruction and nothing else sees it)."""

    __slots__ = ("cmd", "cmd_a", "cmd_b", "flags", "values", "json", "rest_a", "rest_b", "sub")

    def __init__(self, cmd: str, cmd_a: int, cmd_b: int) -> None:
        self.cmd = cmd  # as written
        self.cmd_a = cmd_a
        self.cmd_b = cmd_b
        self.flags: list[tuple[str, int, int, int]] = []  # raw, start, eq index or -1, end
        self.values: list[tuple[str, int, int]] = []  # value, start, end (logical idx)
        self.json = False
        self.rest_a = 0
        self.rest_b = 0
        self.sub: _Node | None = None


def _utf8_length(text: str) -> int:
    """Bytes of ``text`` in UTF-8; undecodable bytes kept as surrogate escapes count one each, and a lone
    surrogate an editor sends (not from a file) counts as the three bytes it would take."""
    try:
        return len(text.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:
        return len(text.encode("utf-8", "surrogatepass"))


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.escape = "\\"
        self.tree = Dockerfile(text, [], path=path)
        self.lines: list[tuple[int, int, int]] = []  # start, content end (no trailing \r\n), end
        self._split_lines()
        self.children: list[TopNode] = []
        self.directives_done = False
        self.seen_directives: set[str] = set()

    # --- helpers ---------------------------------------------------------------------------------
    def _split_lines(self) -> None:
        text = self.text
        n = len(text)
        i = 0
        while i < n:
            j = text.find("\n", i)
            end = n if j < 0 else j + 1
            ce = end
            while ce > i and text[ce - 1] in "\r\n":
                ce -= 1
            self.lines.append((i, ce, end))
            if (
                ce - i > _MAX_LINE_BYTES // 4
                and _utf8_length(text[i:ce]) > _MAX_LINE_BYTES
            ):
                self.error(f"dockerfile line greater than max allowed size of {_MAX_LINE_BYTES}", i)
            i = end

    def error(self, message: str, offset: int) -> NoReturn:
        line, col = self.tree.line_col(offset)
        raise DockerfileSyntaxError(message, line, col, self.path)

    def strict(self, check: str, message: str, offset: int) -> NoReturn:
        line, col = self.tree.line_col(offset)
        raise StrictSyntaxError(check, message, line, col, self.path)

    def _ltrim(self, a: int, b: int) -> int:
        text = self.text
        while a < b and text[a] in GO_SPACES:
            a += 1
        return a

    def _trim_continuation(self, a: int, b: int) -> tuple[int, bool]:
        """BuildKit's line-continuation regex: the escape token, then only spaces/tabs, at the end of the
        line, not preceded by another escape token. Returns the new end and whether it continues."""
        text = self.text
        e = b
        while e > a and text[e - 1] in " \t":
            e -= 1
        if e > a and text[e - 1] == self.escape and (e - 1 == a or text[e - 2] != self.escape):
            return e - 1, True
        return b, False

    def _directive(self, a: int, b: int) -> tuple[str, str] | None:
        """Match ``#\\s*name\\s*=\\s*(.+?)\\s*$`` on text[a:b]; returns (lower name, value) or None."""
        text = self.text
        if a >= b or text[a] != "#":
            return None
        i = a + 1
        while i < b and text[i] in GO_SPACES:
            i += 1
        ns = i
        if i < b and text[i].isascii() and text[i].isalpha():
            i += 1
            while i < b and text[i].isascii() and text[i].isalnum():
                i += 1
        else:
            return None
        name = text[ns:i]
        while i < b and text[i] in RE2_SPACE:
            i += 1
        if i >= b or text[i] != "=":
            return None
        i += 1
        rest = text[i:b]
        value = rest.lstrip("".join(RE2_SPACE))
        if value:
            value = value.rstrip("".join(RE2_SPACE))
        elif rest:
            value = rest[-1]
        else:
            return None
        return name.lower(), value

    # --- main loop ---------------------------------------------------------------------------------
    def run(self) -> Dockerfile:
        text = self.text
        lines = self.lines
        nlines = len(lines)
        i = 0
        while i < nlines:
            ls, ce, le = lines[i]
            a = ls
            if i == 0 and text.startswith("\ufeff"):
                a += 1
            tok = self._ltrim(a, ce)
            directive = None
            if not self.directives_done:
                directive = self._directive(tok, ce)
                if directive is None or directive[0] not in ("syntax", "escape", "check"):
                    self.directives_done = True
                    directive = None
                else:
                    name, value = directive
                    if name in self.seen_directives:
                        self.error(f"only one {name} parser directive can be used", tok)
                    self.seen_directives.add(name)
                    if name == "escape":
                        if value not in ("`", "\\"):
                            self.error(f"invalid escape token '{value}' does not match ` or \\", tok)
                        self.escape = value
            is_comment = tok < ce and text[tok] == "#"
            if is_comment:
                end_tok, cont = tok, False
            else:
                end_tok, cont = self._trim_continuation(tok, ce)
            if not cont and end_tok == tok:
                span = Span(ls, le)
                node_text = text[ls:le]
                if directive is not None:
                    self.children.append(Directive(span, node_text, directive[0], directive[1]))
                elif is_comment:
                    self.children.append(Comment(span, node_text))
                else:
                    self.children.append(Blank(span, node_text))
                i += 1
                continue
            i = self._instruction(i, tok, end_tok, cont)
        tree = self.tree
        tree.children = self.children
        tree.escape = self.escape
        return tree

    def _instruction(self, first: int, tok: int, end_tok: int, cont: bool) -> int:
        text = self.text
        lines = self.lines
        chars: list[str] = [text[tok:end_tok]]
        offs: list[int] = list(range(tok, end_tok))
        comments: list[Comment] = []
        j = first + 1
        while cont and j < len(lines):
            ls, ce, le = lines[j]
            j += 1
            t = self._ltrim(ls, ce)
            if t < ce and text[t] == "#":
                comments.append(Comment(Span(ls, le), text[ls:le]))
                continue
            if t == ce:
                continue
            e, cont = self._trim_continuation(ls, ce)
            chars.append(text[ls:e])
            offs.extend(range(ls, e))
        last = j - 1
        s = "".join(chars)
        offs.append(offs[-1] + 1 if offs else end_tok)
        lg = _Logical(s, offs)
        node = self._node(lg, 0, len(s))
        # heredocs
        heredocs: list[Heredoc] = []
        target = node
        if node.cmd.lower() == "onbuild" and node.sub is not None:
            target = node.sub
        if "<<" in s and target.cmd.lower() in _HEREDOC_CMDS and not target.json:
            for word in shell_words(s, 0, len(s)):
                marker = lg.span(word.start, word.end)
                hd = self._heredoc_marker(word.text, marker.start)
                if hd is None:
                    continue
                name, fd, chomp, quoted = hd
                body_start = lines[last][2] if last < len(lines) else len(text)
                terminated = False
                raw: list[str] = []
                while last + 1 < len(lines):
                    last += 1
                    ls, ce, le = lines[last]
                    cand = text[ls:ce]
                    if chomp:
                        cand = cand.lstrip("\t")
                    if cand == name:
                        terminated = True
                        break
                    raw.append(text[ls:le])
                if not terminated:
                    self.error("unterminated heredoc", marker.start)
                ls, ce, le = lines[last]
                content_raw = "".join(raw)
                content = _chomp(content_raw) if chomp else content_raw
                hspan = Span(body_start, le)
                heredocs.append(
                    Heredoc(
                        hspan,
                        text[hspan.start : hspan.end],
                        name,
                        quoted,
                        chomp,
                        fd,
                        content,
                        Span(body_start, ls),
                        marker,
                    )
                )
        start = lines[first][0]
        end = lines[last][2]
        original = s
        if heredocs and target is node:
            original = (
                s
                + "\n"
                + "".join(text[h.content_span.start : h.content_span.end] + h.name + "\n" for h in heredocs)
            )
        ins = self._make_instruction(
            node, lg, Span(start, end), first + 1, last + 1, original, heredocs, comments
        )
        self.children.append(ins)
        return last + 1

    def _heredoc_marker(self, word: str, at: int) -> tuple[str, int, bool, bool] | None:
        # ^(\d*)<<(-?)([^<]*)$
        i = 0
        while i < len(word) and "0" <= word[i] <= "9":
            i += 1
        if not word.startswith("<<", i):
            return None
        fd_text = word[:i]
        i += 2
        chomp = False
        if word.startswith("-", i):
            chomp = True
            i += 1
        rest = word[i:]
        if not rest or "<" in rest:
            return None
        try:
            words = shell_words_strict(rest, raw_quotes=False)
            if len(words) != 1:
                return None
            raw = shell_words_strict(rest, raw_quotes=True)
        except ShellLexError as exc:
            self.error(str(exc), at)
        name = words[0]
        q = name.count("'") + name.count('"')
        rq = raw[0].count("'") + raw[0].count('"') if raw else q
        fd = int(fd_text) if fd_text and len(fd_text) < 20 else 0
        return name, fd, chomp, q != rq

    # --- splitCommand + dispatch -------------------------------------------------------------------
    def _node(self, lg: _Logical, a: int, b: int) -> _Node:
        s = lg.s
        while a < b and s[a] in GO_SPACES:
            a += 1
        while b > a and s[b - 1] in GO_SPACES:
            b -= 1
        k = a
        while k < b and s[k] not in ASCII_SPLIT:
            k += 1
        node = _Node(s[a:k], a, k)
        if k == b:
            node.rest_a = node.rest_b = b
            self._dispatch(lg, node, b, b)
            return node
        while k < b and s[k] in ASCII_SPLIT:
            k += 1
        ra = self._extract_flags(lg, node, k, b)
        while ra < b and s[ra] in GO_SPACES:
            ra += 1
        node.rest_a, node.rest_b = ra, b
        self._dispatch(lg, node, ra, b)
        return node

    def _extract_flags(self, lg: _Logical, node: _Node, a: int, b: int) -> int:
        """BuildKit v0.12 extractBuilderFlags: leading ``--`` words become flags; returns where the
        arguments start."""
        s = lg.s
        pos = a
        while True:
            while pos < b and s[pos] in GO_SPACES:
                pos += 1
            if pos >= b:
                return b
            if not (s[pos] == "-" and pos + 1 < b and s[pos + 1] == "-"):
                return pos
            start = pos
            word: list[str] = []
            eq = -1
            quote = ""
            blank_ok = False
            while pos < b:
                ch = s[pos]
                if quote:
                    if ch == quote:
                        quote = ""
                        pos += 1
                        continue
                    if ch == "\\":
                        if pos + 1 == b:
                            quote = ""
                            pos += 1
                            continue
                        pos += 1
                        ch = s[pos]
                    if ch == "=" and eq < 0:
                        eq = pos
                    word.append(ch)
                    pos += 1
                    continue
                if ch in GO_SPACES:
                    break
                if ch in "'\"":
                    quote = ch
                    blank_ok = True
                    pos += 1
                    continue
                if ch == "\\":
                    if pos + 1 == b:
                        pos += 1
                        continue
                    pos += 1
                    ch = s[pos]
                if ch == "=" and eq < 0:
                    eq = pos
                word.append(ch)
                pos += 1
            w = "".join(word)
            if w == "--":
                return pos
            if blank_ok or w:
                node.flags.append((w, start, eq, pos))
            if pos >= b:
                return b

    def _dispatch(self, lg: _Logical, node: _Node, a: int, b: int) -> None:
        cmd = node.cmd.lower()
        s = lg.s
        if cmd in ("add", "copy", "volume"):
            if not self._try_json(lg, node, a, b):
                self._split_ws(lg, node, a, b)
        elif cmd in ("cmd", "entrypoint", "run", "shell"):
            if a < b and not self._try_json(lg, node, a, b):
                node.values.append((s[a:b], a, b))
        elif cmd in ("expose", "from"):
            self._split_ws(lg, node, a, b)
        elif cmd in ("maintainer", "stopsignal", "user", "workdir"):
            if a < b:
                node.values.append((s[a:b], a, b))
        elif cmd == "arg":
            for w, wa, wb, _ in self._parse_words(s, a, b):
                node.values.append((w, wa, wb))
        elif cmd in ("env", "label"):
            self._name_val(lg, node, a, b)
        elif cmd == "healthcheck":
            sep = a
            while sep < b and s[sep] not in GO_SPACES:
                sep += 1
            nxt = sep
            while nxt < b and s[nxt] in GO_SPACES:
                nxt += 1
            if sep == a:
                return
            node.values.append((s[a:sep], a, sep))
            if nxt < b and not self._try_json(lg, node, nxt, b):
                node.values.append((s[nxt:b], nxt, b))
        elif cmd == "onbuild":
            if a < b:
                node.sub = self._node(lg, a, b)
                node.values = list(node.sub.values)
                node.json = node.sub.json
        else:
            node.values.append(("", a, a))

    def _try_json(self, lg: _Logical, node: _Node, a: int, b: int) -> bool:
        s = lg.s
        while a < b and s[a] in GO_SPACES:
            a += 1
        if a >= b or s[a] != "[":
            return False
        try:
            items = json_string_array(s, a, b)
        except NotJSON:
            return False
        except NotStringArray:
            self.error("when using JSON array syntax, arrays must be comprised of strings only", lg.offs[a])
        node.json = True
        node.values.extend((it.value, it.start, it.end) for it in items)
        return True

    def _split_ws(self, lg: _Logical, node: _Node, a: int, b: int) -> None:
        node.values.extend((m.group(), m.start(), m.end()) for m in _NOT_ASCII_SPLIT.finditer(lg.s, a, b))

    def _parse_words(self, s: str, a: int, b: int) -> list[tuple[str, int, int, list[int]]]:
        """BuildKit parseWords: whitespace-separated words, quotes kept, escapes kept (an escape at the
        very end is dropped). Returns (word, start, end, logical index of each char)."""
        esc = self.escape
        words: list[tuple[str, int, int, list[int]]] = []
        pos = a
        while pos < b:
            while pos < b and s[pos] in GO_SPACES:
                pos += 1
            if pos >= b:
                break
            start = pos
            chars: list[str] = []
            idx: list[int] = []
            quote = ""
            blank_ok = False
            plain = _PLAIN_RUN[esc]
            while pos < b:
                ch = s[pos]
                if not quote:
                    m = plain.match(s, pos, b)
                    if m is not None:  # a run of characters that are their own value: one piece
                        end = m.end()
                        chars.append(s[pos:end])
                        idx.extend(range(pos, end))
                        pos = end
                        continue
                    if ch in GO_SPACES:
                        break
                    if ch in "'\"":
                        quote = ch
                        blank_ok = True
                    elif ch == esc:
                        if pos + 1 == b:
                            pos += 1
                            continue
                        chars.append(ch)
                        idx.append(pos)
                        pos += 1
                        ch = s[pos]
                    chars.append(ch)
                    idx.append(pos)
                    pos += 1
                    continue
                # in quote
                if ch == quote:
                    quote = ""
                elif ch == esc and quote != "'":
                    if pos + 1 == b:
                        quote = ""
                        pos += 1
                        continue
                    chars.append(ch)
                    idx.append(pos)
                    pos += 1
                    ch = s[pos]
                chars.append(ch)
                idx.append(pos)
                pos += 1
            if blank_ok or chars:
                words.append(("".join(chars), start, pos, idx))
        return words

    def _name_val(self, lg: _Logical, node: _Node, a: int, b: int) -> None:
        s = lg.s
        words = self._parse_words(s, a, b)
        if not words:
            return
        key = node.cmd.upper() if node.cmd.lower() == "env" else "LABEL"
        if "=" not in words[0][0]:
            k = a
            while k < b and s[k] not in ASCII_SPLIT:
                k += 1
            if k >= b:
                self.error(f"{key} must have two arguments", lg.offs[a])
            v = k
            while v < b and s[v] in ASCII_SPLIT:
                v += 1
            node.values.append((s[a:k], a, k))
            node.values.append((s[v:b], v, b))
            return
        for w, wa, wb, idx in words:
            eq = w.find("=")
            if eq < 0:
                self.error(
                    f'Syntax error - can\'t find = in "{w}". Must be of the form: name=value', lg.offs[wa]
                )
            e = idx[eq]
            node.values.append((w[:eq], wa, e))
            node.values.append((w[eq + 1 :], e + 1, wb))

    # --- tree building ----------------------------------------------------------------------------
    def _make_instruction(
        self,
        node: _Node,
        lg: _Logical,
        span: Span,
        start_line: int,
        end_line: int,
        original: str,
        heredocs: list[Heredoc],
        comments: list[Comment],
    ) -> Instruction:
        text = self.text
        keyword = node.cmd.upper()
        kspan = lg.span(node.cmd_a, node.cmd_b)
        if keyword not in KNOWN_INSTRUCTIONS:
            self.strict(
                "unknown-instruction",
                f"unknown instruction: {node.cmd}",
                kspan.start if node.cmd else span.start,
            )
        flags: list[Flag] = []
        for raw, fa, eq, fb in node.flags:
            fspan = lg.span(fa, fb)
            if eq >= 0:
                name_span = lg.span(fa + 2, eq)
                value_span: Span | None = lg.span(eq + 1, fb)
                name, value = raw[2:].split("=", 1)
            else:
                name_span = lg.span(fa + 2, fb)
                value_span = None
                name, value = raw[2:], None
            flags.append(Flag(fspan, text[fspan.start : fspan.end], name, value, raw, name_span, value_span))
        sub: Instruction | None = None
        target = node
        if node.sub is not None:
            sub_span = lg.span(node.sub.cmd_a, node.sub.rest_b)
            sub = self._make_instruction(
                node.sub,
                lg,
                Span(sub_span.start, span.end),
                start_line,
                end_line,
                lg.s[node.sub.cmd_a : node.sub.rest_b],
                heredocs,
                [],
            )
            target = node.sub
            heredocs = []
        args = []
        offs = lg.offs
        for v, va, vb in target.values:
            if va < vb:  # (what lg.span gives)
                start, end = offs[va], offs[vb - 1] + 1
                args.append(Arg(Span(start, end), text[start:end], v))
            else:
                aspan = lg.span(va, vb)
                args.append(Arg(aspan, text[aspan.start : aspan.end], v))
        ins = Instruction(  # (by position: the fields in their order, from tree.Instruction)
            span,
            text[span.start : span.end],
            keyword,
            kspan,
            start_line,
            end_line,
            flags,
            args,
            tuple([v for v, _, _ in target.values]),
            target.json,
            heredocs,
            lg.line(node.rest_a, node.rest_b),
            comments,
            sub,
            original,
        )
        self._strict_checks(ins, node)
        return ins

    def _strict_checks(self, ins: Instruction, node: _Node) -> None:
        kw = ins.keyword
        at = ins.keyword_span.start
        n = len(ins.value)
        for f in ins.flags:
            if f.value is None and f.name in _VALUE_FLAGS.get(kw, frozenset()):
                self.strict("flag-value", f"missing a value on flag: {f.name}", f.span.start)
        if kw == "ONBUILD":
            if ins.sub is None:
                self.strict("missing-arguments", "ONBUILD requires at least one argument", at)
            elif ins.sub.keyword in ("ONBUILD", "FROM", "MAINTAINER"):
                msg = (
                    "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"
                    if ins.sub.keyword == "ONBUILD"
                    else f"{ins.sub.keyword} isn't allowed as an ONBUILD trigger"
                )
                self.strict("onbuild-trigger", msg, ins.sub.keyword_span.start)
            return
        if kw == "FROM":
            if not (n == 1 or (n == 3 and ins.value[1].lower() == "as")):
                self.strict("missing-arguments", "FROM requires either one or three arguments", at)
        elif kw in ("ADD", "COPY"):
            if n < 2:
                self.strict(
                    "missing-arguments",
                    f"{kw} requires at least two arguments, but only one was provided. "
                    "Destination could not be determined.",
                    at,
                )
        elif kw in ("MAINTAINER", "WORKDIR", "USER", "STOPSIGNAL"):
            if n != 1:
                self.strict("missing-arguments", f"{kw} requires exactly one argument", at)
        elif kw in ("ENV", "LABEL", "ARG", "EXPOSE", "VOLUME", "SHELL", "HEALTHCHECK"):
            if n == 0:
                self.strict("missing-arguments", f"{kw} requires at least one argument", at)
            if kw == "SHELL" and not ins.json:
                self.strict("shell-json", "SHELL requires the arguments to be in JSON form", at)
            if kw == "HEALTHCHECK":
                typ = ins.value[0].upper()
                if typ == "NONE" and n != 1:
                    self.strict("healthcheck", "HEALTHCHECK NONE takes no arguments", at)
                elif typ == "CMD" and n == 1:
                    self.strict("healthcheck", "Missing command after HEALTHCHECK CMD", at)
                elif typ not in ("CMD", "NONE"):
                    self.strict("healthcheck", f'Unknown type "{ins.value[0]}" in HEALTHCHECK (try CMD)', at)


def _chomp(content: str) -> str:
    """BuildKit's ChompHeredocContent: strip leading tabs of every line."""
    if "\t" not in content:
        return content
    return "\n".join(part.lstrip("\t") for part in content.split("\n"))


def parse(text: str | bytes, path: str = "Dockerfile") -> Dockerfile:
    """Parse Dockerfile text (bytes are decoded as UTF-8 with surrogateescape) into a lossless tree.

    Raises DockerfileSyntaxError (or its subclass StrictSyntaxError) for malformed input."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "surrogateescape")
    return _Parser(text, path).run()
