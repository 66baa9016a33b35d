"""Small re-implementations of the Go pieces BuildKit's Dockerfile parser leans on.

* ``is_go_space`` is Go's ``unicode.IsSpace`` (Python's ``str.isspace`` also accepts U+001C..U+001F).
* ``json_string_array`` reads a JSON value the way ``encoding/json``'s ``Decoder.Decode`` into ``[]any``
  does (first value only, trailing text ignored) and reports element positions.
* ``shell_words`` is BuildKit's shell lexer (``frontend/dockerfile/shell``) in the configuration used to
  find heredoc markers: raw quotes, raw escapes, unset variables kept as written, empty environment.

Written from the behaviour of the Go code (verified against the PyPI ``dockerfile`` binding), not copied.
"""

from __future__ import annotations

import math

from xlint.records import record

GO_SPACES = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
# regexp ``[\t\v\f\r ]+`` (BuildKit's reWhitespace / tokenWhitespace)
ASCII_SPLIT = frozenset("\t\v\f\r ")
# regexp ``\s`` in Go's RE2 syntax
RE2_SPACE = frozenset("\t\n\f\r ")


def is_go_space(ch: str) -> bool:
    return ch in GO_SPACES


class NotJSON(Exception):
    """The text is not a JSON array BuildKit accepts (it falls back to shell/whitespace form)."""


class NotStringArray(Exception):
    """A JSON array with a non-string element: BuildKit rejects the instruction."""


@record
class JSONString:
    value: str
    start: int  # index of the opening quote
    end: int  # index after the closing quote


_JSON_WS = " \t\n\r"
_HEX = "0123456789abcdefABCDEF"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class _JSONReader:
    def __init__(self, s: str, pos: int, end: int) -> None:
        self.s = s
        self.pos = pos
        self.end = end
        self.overflow = False

    def peek(self) -> str:
        return self.s[self.pos] if self.pos < self.end else ""

    def ws(self) -> None:
        while self.pos < self.end and self.s[self.pos] in _JSON_WS:
            self.pos += 1

    def value(self) -> JSONString | None:
        """Read one value; returns a JSONString for strings, None for any other (validated) value."""
        self.ws()
        c = self.peek()
        if c == '"':
            return self.string()
        if c == "[":
            self.pos += 1
            self.ws()
            if self.peek() == "]":
                self.pos += 1
                return None
            while True:
                self.value()
                self.ws()
                c = self.peek()
                self.pos += 1
                if c == "]":
                    return None
                if c != ",":
                    raise NotJSON
        if c == "{":
            self.pos += 1
            self.ws()
            if self.peek() == "}":
                self.pos += 1
                return None
            while True:
                self.ws()
                if self.peek() != '"':
                    raise NotJSON
                self.string()
                self.ws()
                if self.peek() != ":":
                    raise NotJSON
                self.pos += 1
                self.value()
                self.ws()
                c = self.peek()
                self.pos += 1
                if c == "}":
                    return None
                if c != ",":
                    raise NotJSON
        for lit in ("true", "false", "null"):
            if self.s.startswith(lit, self.pos, self.end):
                self.pos += len(lit)
                return None
        if c == "-" or c.isdigit() and c.isascii():
            self.number()
            return None
        raise NotJSON

    def digits(self) -> int:
        start = self.pos
        while self.pos < self.end and "0" <= self.s[self.pos] <= "9":
            self.pos += 1
        return self.pos - start

    def number(self) -> None:
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        if self.peek() == "0":
            self.pos += 1
        elif not self.digits():
            raise NotJSON
        if self.peek() == ".":
            self.pos += 1
            if not self.digits():
                raise NotJSON
        if self.peek() in ("e", "E"):
            self.pos += 1
            if self.peek() in ("+", "-"):
                self.pos += 1
            if not self.digits():
                raise NotJSON
        if math.isinf(float(self.s[start : self.pos])):
            self.overflow = True  # Go: UnmarshalTypeError (not a syntax error, not a string error)

    def string(self) -> JSONString:
        s = self.s
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while True:
            if self.pos >= self.end:
                raise NotJSON
            c = s[self.pos]
            if c == '"':
                self.pos += 1
                return JSONString(_fix_surrogates("".join(out)), start, self.pos)
            if c < " ":
                raise NotJSON
            if c == "\\":
                e = s[self.pos + 1] if self.pos + 1 < self.end else ""
                if e in _ESCAPES:
                    out.append(_ESCAPES[e])
                    self.pos += 2
                    continue
                if e == "u":
                    h = s[self.pos + 2 : min(self.pos + 6, self.end)]
                    if len(h) != 4 or any(x not in _HEX for x in h):
                        raise NotJSON
                    out.append(chr(int(h, 16)))
                    self.pos += 6
                    continue
                raise NotJSON
            out.append(c)
            self.pos += 1


def _fix_surrogates(v: str) -> str:
    """Combine UTF-16 pairs, turn lone surrogates (and surrogate-escaped bytes) into U+FFFD like Go."""
    if not any("\ud800" <= c <= "\udfff" for c in v):
        return v
    out: list[str] = []
    i = 0
    while i < len(v):
        c = v[i]
        if "\ud800" <= c <= "\udbff" and i + 1 < len(v) and "\udc00" <= v[i + 1] <= "\udfff":
            hi, lo = ord(c) - 0xD800, ord(v[i + 1]) - 0xDC00
            out.append(chr(0x10000 + (hi << 10) + lo))
            i += 2
            continue
        out.append("\ufffd" if "\ud800" <= c <= "\udfff" else c)
        i += 1
    return "".join(out)


def json_string_array(s: str, start: int, end: int) -> list[JSONString]:
    """Parse ``s[start:end]`` (which starts with ``[``) as BuildKit's parseJSON does.

    Raises NotJSON when BuildKit would fall back to the non-JSON form, NotStringArray when it errors."""
    r = _JSONReader(s, start, end)
    if r.peek() != "[":
        raise NotJSON
    r.pos += 1
    items: list[JSONString | None] = []
    r.ws()
    if r.peek() == "]":
        r.pos += 1
    else:
        while True:
            items.append(r.value())
            r.ws()
            c = r.peek()
            r.pos += 1
            if c == "]":
                break
            if c != ",":
                raise NotJSON
    if r.overflow:
        raise NotJSON
    out: list[JSONString] = []
    for item in items:
        if item is None:
            raise NotStringArray
        out.append(item)
    return out


# --- BuildKit's shell lexer, heredoc-detection configuration ---------------------------------------


class ShellLexError(Exception):
    pass


@record
class ShellWord:
    text: str
    start: int  # index of first char in the source string
    end: int  # index after last char


_SPECIAL_PARAMS = frozenset("@*#?-$!0")


class _ShellLexer:
    """``shell.Lex`` with SkipUnsetEnv, an empty environment and configurable raw quotes/escapes."""

    def __init__(self, s: str, start: int, end: int, raw_quotes: bool, raw_escapes: bool) -> None:
        self.s = s
        self.pos = start
        self.end = end
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes
        self.escape = "\\"

    def peek(self) -> str:
        return self.s[self.pos] if self.pos < self.end else ""

    def next(self) -> str:
        if self.pos < self.end:
            c = self.s[self.pos]
            self.pos += 1
            return c
        return ""

    def words(self) -> list[ShellWord]:
        words: list[ShellWord] = []
        cur: list[str] = []
        cur_start = -1
        in_word = False

        def flush() -> None:
            nonlocal cur, cur_start, in_word
            if cur:
                words.append(ShellWord("".join(cur), cur_start, last_end))
            cur = []
            cur_start = -1
            in_word = False

        def raw(text: str, at: int) -> None:
            nonlocal cur_start, in_word
            if cur_start < 0:
                cur_start = at
            cur.append(text)
            in_word = True

        def char(ch: str, at: int) -> None:
            if is_go_space(ch):
                if in_word and cur:
                    flush()
            else:
                raw(ch, at)

        last_end = self.pos
        while self.pos < self.end:
            at = self.pos
            ch = self.peek()
            if ch == "$":
                tmp = self.dollar()
                for c in tmp:
                    char(c, at)
            elif ch == "'":
                raw(self.single_quote(), at)
            elif ch == '"':
                raw(self.double_quote(), at)
            else:
                ch = self.next()
                if ch == self.escape:
                    if self.raw_escapes:
                        raw(ch, at)
                    ch = self.next()
                    if ch == "":
                        last_end = self.pos
                        break
                    raw(ch, at)
                else:
                    char(ch, at)
            if cur:
                last_end = self.pos
        flush()
        return words

    def stop_on(self, stop: str) -> str:
        """processStopOn for a stop char: returns the collected text, raises at end of input."""
        out: list[str] = []
        while self.pos < self.end:
            ch = self.peek()
            if ch == stop:
                self.next()
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
            elif ch == "'":
                out.append(self.single_quote())
            elif ch == '"':
                out.append(self.double_quote())
            else:
                ch = self.next()
                if ch == self.escape:
                    if self.raw_escapes:
                        out.append(ch)
                    ch = self.next()
                    if ch == "":
                        break
                out.append(ch)
        raise ShellLexError(f"unexpected end of statement while looking for matching {stop}")

    def single_quote(self) -> str:
        out: list[str] = []
        q = self.next()
        if self.raw_quotes:
            out.append(q)
        while True:
            ch = self.next()
            if ch == "":
                raise ShellLexError("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            out.append(ch)

    def double_quote(self) -> str:
        out: list[str] = []
        q = self.next()
        if self.raw_quotes:
            out.append(q)
        while True:
            ch = self.peek()
            if ch == "":
                raise ShellLexError("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                self.next()
                if self.raw_quotes:
                    out.append(ch)
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
                continue
            ch = self.next()
            if ch == self.escape:
                if self.raw_escapes:
                    out.append(ch)
                nxt = self.peek()
                if nxt == "":
                    continue
                if nxt in ('"', "$", self.escape):
                    ch = self.next()
            out.append(ch)

    def name(self) -> str:
        out: list[str] = []
        while self.pos < self.end:
            ch = self.peek()
            if not out and ch.isdecimal():
                while self.pos < self.end and self.peek().isdecimal():
                    out.append(self.next())
                return "".join(out)
            if not out and ch in _SPECIAL_PARAMS:
                return self.next()
            if not (ch.isalpha() or ch.isdecimal() or ch == "_"):
                break
            out.append(self.next())
        return "".join(out)

    def dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            name = self.name()
            return "$" + name
        self.next()
        c = self.peek()
        if c == "":
            raise ShellLexError("syntax error: missing '}'")
        if c in "{}:":
            raise ShellLexError("syntax error: bad substitution")
        name = self.name()
        ch = self.next()
        if ch == "}":
            return "${" + name + "}"
        if ch in ("?", "-", "+"):
            word = self._stop_brace()
            return "${" + name + ch + word + "}"
        if ch == ":":
            modifier = self.next()
            word = self._stop_brace()
            return "${" + name + ":" + modifier + word + "}"
        raise ShellLexError("missing ':' in substitution")

    def _stop_brace(self) -> str:
        try:
            return self.stop_on("}")
        except ShellLexError:
            if self.pos >= self.end:
                raise ShellLexError("syntax error: missing '}'") from None
            raise


def shell_words(
    s: str, start: int, end: int, raw_quotes: bool = True, raw_escapes: bool = True
) -> list[ShellWord]:
    """Words of ``s[start:end]`` as BuildKit's lexer splits them; [] if the lexer fails (as BuildKit
    ignores the error when looking for heredocs)."""
    try:
        return _ShellLexer(s, start, end, raw_quotes, raw_escapes).words()
    except ShellLexError:
        return []


def shell_words_strict(s: str, raw_quotes: bool) -> list[str]:
    """Words of ``s`` (no raw escapes); raises ShellLexError on a lexing error."""
    return [w.text for w in _ShellLexer(s, 0, len(s), raw_quotes, False).words()]
