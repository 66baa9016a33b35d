"""Dockerfile variable expansion following BuildKit's word rules.

This module re-implements the behaviour of BuildKit's ``frontend/dockerfile/shell``
lexer (``ProcessWord`` / ``ProcessWords``) in Python, extended with a notion of
*unknown* values: a name can be declared without a value that xlint can know
statically (a build arg without default, ``TARGETARCH`` when the target platform
is not fixed, ...).  Whenever the expanded text depends on such a value the
functions return ``None`` instead of guessing.

Semantics reproduced from BuildKit (``lex.go``):

* ``$NAME`` / ``${NAME}``; a name starting with a digit reads all digits, and the
  special parameters ``@ * # ? - $ ! 0`` are one-character names.  A ``$`` not
  followed by a name is literal.
* ``${V-w}`` ``${V:-w}`` ``${V+w}`` ``${V:+w}`` ``${V?w}`` ``${V:?w}`` (the ``?``
  forms raise :class:`ExpansionError` when V is unset / empty, as BuildKit fails
  the build), ``${V#p}`` ``${V##p}`` ``${V%p}`` ``${V%%p}`` with ``*`` and ``?``
  wildcards (no bracket expressions), ``${V/p/r}`` and ``${V//p/r}``.
* The nested word is always processed (errors inside it are errors even if the
  operator does not use it).
* Escapes with the escape token (backslash or backtick), single quotes (literal),
  double quotes (``$`` expands, the escape token only escapes ``"``, ``$`` and
  itself).
* Names missing from the environment expand to ``""``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from xlint.rx import rx

__all__ = [
    "AUTOMATIC_PLATFORM_ARGS",
    "UNKNOWN",
    "Env",
    "ExpansionError",
    "Platform",
    "Unknown",
    "expand_word",
    "expand_words",
    "format_platform",
    "parse_platform",
    "platform_error",
    "platform_args",
    "referenced_names",
]


class Unknown:
    """Sentinel type: a declared name whose value cannot be known statically."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()

Env = Mapping[str, "str | Unknown"]
Platform = tuple[str, str, "str | None"]


class ExpansionError(ValueError):
    """The word is invalid for BuildKit (syntax error, ``${V:?msg}`` failure, bad pattern)."""


# Names BuildKit defines automatically in the global scope (dockerfile2llb
# ``defaultArgs``): usable in FROM, and inside a stage after a bare ``ARG NAME``.
AUTOMATIC_PLATFORM_ARGS: frozenset[str] = frozenset(
    {
        "BUILDPLATFORM",
        "BUILDOS",
        "BUILDOSVERSION",
        "BUILDARCH",
        "BUILDVARIANT",
        "TARGETPLATFORM",
        "TARGETOS",
        "TARGETOSVERSION",
        "TARGETARCH",
        "TARGETVARIANT",
        "TARGETSTAGE",
    }
)

_SPECIAL_PARAMS = frozenset("@*#?-$!0")
_GO_SPACE_LATIN1 = frozenset("\t\n\v\f\r \x85\xa0")


def _is_space(ch: str) -> bool:
    """Go's ``unicode.IsSpace``."""
    if ord(ch) <= 0xFF:
        return ch in _GO_SPACE_LATIN1
    return ch.isspace()


class _Words:
    """Word splitting state, mirroring BuildKit's ``wordsStruct``."""

    def __init__(self) -> None:
        self.word = ""
        self.words: list[str] = []
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if _is_space(ch):
            if self.in_word and self.word:
                self.words.append(self.word)
                self.word = ""
                self.in_word = False
        else:
            self.add_raw_char(ch)

    def add_raw_char(self, ch: str) -> None:
        self.word += ch
        self.in_word = True

    def add_string(self, text: str) -> None:
        if not text.isascii():
            for ch in text:
                self.add_char(ch)
            return
        # ASCII: the same as add_char for each character, one piece between spaces at a time
        pieces = _ASCII_SPACE.split(text)
        if pieces[0]:
            self.word += pieces[0]
            self.in_word = True
        for piece in pieces[1:]:
            if self.in_word and self.word:
                self.words.append(self.word)
                self.word = ""
                self.in_word = False
            if piece:
                self.word += piece
                self.in_word = True

    def add_raw_string(self, text: str) -> None:
        self.word += text
        self.in_word = True

    def get_words(self) -> list[str]:
        if self.word:
            self.words.append(self.word)
            self.word = ""
            self.in_word = False
        return self.words


_State = tuple[str, str]  # ("unset" | "known" | "unknown", value)

# Go's unicode.IsSpace on ASCII (one character each: splitting keeps empty pieces between two spaces)
_ASCII_SPACE = rx("[\t\n\v\f\r ]")
_PLAIN_RUN: dict[tuple[str, str], re.Pattern[str]] = {}  # (escape, stop) -> next special character


def _special(escape: str, stop: str) -> re.Pattern[str]:
    """The characters that end a run of plain text: ``$``, quotes, the escape token and ``stop``."""
    pattern = _PLAIN_RUN.get((escape, stop))
    if pattern is None:
        pattern = _PLAIN_RUN[(escape, stop)] = rx("[" + re.escape("$'\"" + escape + stop) + "]")
    return pattern


_ASCII_NAME = rx(r"[A-Za-z_][A-Za-z0-9_]*")


class _Lexer:
    def __init__(self, text: str, env: Env | None, escape: str) -> None:
        if escape not in ("\\", "`"):
            raise ValueError(f"escape token must be '\\\\' or '`', not {escape!r}")
        self.text = text
        self.pos = 0
        self.env = env  # None: every name is UNKNOWN (reference collection)
        self.escape = escape
        self.raw_escapes = False
        self.refs: list[tuple[str, int, int]] = []

    # -- scanner -----------------------------------------------------------
    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        if self.pos >= len(self.text):
            return ""
        ch = self.text[self.pos]
        self.pos += 1
        return ch

    # -- environment -------------------------------------------------------
    def lookup(self, name: str) -> _State:
        if self.env is None:
            return ("unknown", "")
        if name not in self.env:
            return ("unset", "")
        value = self.env[name]
        if isinstance(value, Unknown):
            return ("unknown", "")
        return ("known", value)

    def plain_value(self, name: str) -> str | None:
        kind, value = self.lookup(name)
        return None if kind == "unknown" else value

    # -- processing --------------------------------------------------------
    def process(self) -> tuple[str | None, list[str] | None]:
        try:
            return self.process_stop_on("", False)
        except ExpansionError as err:
            raise ExpansionError(f"failed to process {self.text!r}: {err}") from None

    def process_stop_on(self, stop: str, raw_escapes: bool) -> tuple[str | None, list[str] | None]:
        saved = self.raw_escapes
        self.raw_escapes = raw_escapes
        try:
            return self._process_stop_on(stop)
        finally:
            self.raw_escapes = saved

    def _process_stop_on(self, stop: str) -> tuple[str | None, list[str] | None]:
        parts: list[str] = []
        known = True
        words = _Words()
        special = _special(self.escape, stop)
        text = self.text
        n = len(text)
        while self.pos < n:
            # plain characters (no ``$``, quote, escape or stop) are their own value: take them as one run
            m = special.search(text, self.pos)
            end = m.start() if m is not None else n
            if end > self.pos:
                run = text[self.pos : end]
                self.pos = end
                parts.append(run)
                words.add_string(run)
                continue
            ch = self.peek()
            if stop and ch == stop:
                self.next()
                return ("".join(parts) if known else None), (words.get_words() if known else None)
            if ch in ("$", "'", '"'):
                if ch == "$":
                    value = self.process_dollar()
                elif ch == "'":
                    value = self.process_single_quote()
                else:
                    value = self.process_double_quote()
                if value is None:
                    known = False
                    continue
                parts.append(value)
                if ch == "$":
                    words.add_string(value)
                else:
                    words.add_raw_string(value)
                continue
            ch = self.next()
            if ch == self.escape:
                if self.raw_escapes:
                    words.add_raw_char(ch)
                    parts.append(ch)
                ch = self.next()
                if ch == "":
                    break
                words.add_raw_char(ch)
            else:
                words.add_char(ch)
            parts.append(ch)
        if stop:
            raise ExpansionError(f"unexpected end of statement while looking for matching {stop}")
        return ("".join(parts) if known else None), (words.get_words() if known else None)

    def process_single_quote(self) -> str:
        self.next()
        close = self.text.find("'", self.pos)
        if close < 0:
            self.pos = len(self.text)
            raise ExpansionError("unexpected end of statement while looking for matching single-quote")
        value = self.text[self.pos : close]
        self.pos = close + 1
        return value

    def process_double_quote(self) -> str | None:
        self.next()
        out: list[str] = []
        known = True
        special = _special(self.escape, '"')
        text = self.text
        while True:
            m = special.search(text, self.pos)
            if m is None:
                self.pos = len(text)
            elif m.start() > self.pos:
                out.append(text[self.pos : m.start()])
                self.pos = m.start()
            nxt = self.peek()
            if nxt == "":
                raise ExpansionError("unexpected end of statement while looking for matching double-quote")
            if nxt == '"':
                self.next()
                return "".join(out) if known else None
            if nxt == "$":
                value = self.process_dollar()
                if value is None:
                    known = False
                else:
                    out.append(value)
                continue
            ch = self.next()
            if ch == self.escape:
                if self.raw_escapes:
                    out.append(ch)
                after = self.peek()
                if after == "":
                    continue
                if after in ('"', "$", self.escape):
                    ch = self.next()
            out.append(ch)

    def process_name(self) -> str:
        m = _ASCII_NAME.match(self.text, self.pos)
        if m is not None and (m.end() == len(self.text) or self.text[m.end()].isascii()):
            self.pos = m.end()  # an ASCII name ended by an ASCII character: what the loop below reads
            return m.group()
        name: list[str] = []
        while self.peek() != "":
            ch = self.peek()
            if not name and ch.isdecimal():
                while self.peek() != "" and self.peek().isdecimal():
                    name.append(self.next())
                return "".join(name)
            if not name and ch in _SPECIAL_PARAMS:
                return self.next()
            if not (ch.isalpha() or ch.isdecimal() or ch == "_"):
                break
            name.append(self.next())
        return "".join(name)

    def _ref(self, name: str, start: int) -> None:
        if name:
            self.refs.append((name, start, self.pos))

    def process_dollar(self) -> str | None:
        start = self.pos
        self.next()
        if self.peek() != "{":
            name = self.process_name()
            if not name:
                return "$"
            self._ref(name, start)
            return self.plain_value(name)

        self.next()
        first = self.peek()
        if first == "":
            raise ExpansionError("syntax error: missing '}'")
        if first in "{}:":
            raise ExpansionError("syntax error: bad substitution")
        name = self.process_name()
        ch = self.next()
        modifier = ch
        null_is_unset = False

        if ch == "}":
            self._ref(name, start)
            return self.plain_value(name)
        if ch == "/":
            return self._process_replace(name, start)
        if ch == ":" or (ch != "" and ch in "+-?#%"):
            if ch == ":":
                null_is_unset = True
                ch = self.next()
                modifier += ch
            try:
                word, _ = self.process_stop_on("}", ch in ("#", "%"))
            except ExpansionError:
                if self.peek() == "":
                    raise ExpansionError("syntax error: missing '}'") from None
                raise
            self._ref(name, start)
            return self._apply_modifier(name, ch, modifier, word, null_is_unset)
        raise ExpansionError(f"unsupported modifier ({modifier}) in substitution")

    def _apply_modifier(
        self, name: str, ch: str, modifier: str, word: str | None, null_is_unset: bool
    ) -> str | None:
        kind, value = self.lookup(name)
        empty_as_unset = kind == "unset" or (null_is_unset and kind == "known" and value == "")
        if ch == "-":
            if empty_as_unset:
                return word
            return value if kind == "known" else None
        if ch == "+":
            if empty_as_unset:
                return ""
            if kind == "known":
                return word
            # unknown: "" either way when the alternative is ""
            return "" if word == "" else None
        if ch == "?":
            if kind == "unknown":
                return None
            if kind == "unset" or (null_is_unset and value == ""):
                if word is None:
                    raise ExpansionError(f"{name}: (message depends on an unknown value)")
                default = "is not allowed to be unset" if kind == "unset" else "is not allowed to be empty"
                raise ExpansionError(f"{name}: {word or default}")
            return value
        if ch in ("#", "%"):
            if word is None:
                return "" if kind != "unknown" and value == "" else None
            greedy = False
            if word.startswith(ch):
                greedy = True
                word = word[1:]
            if ch == "%":
                regex = _shell_pattern_to_regex(_reverse_pattern(word), greedy, True)
            else:
                regex = _shell_pattern_to_regex(word, greedy, True)
            if kind == "unknown":
                return None
            if ch == "%":
                return _trim_prefix(regex, value[::-1])[::-1]
            return _trim_prefix(regex, value)
        raise ExpansionError(f"unsupported modifier ({modifier}) in substitution")

    def _process_replace(self, name: str, start: int) -> str | None:
        replace_all = self.peek() == "/"
        if replace_all:
            self.next()
        try:
            pattern, _ = self.process_stop_on("/", True)
        except ExpansionError:
            if self.peek() == "":
                raise ExpansionError("syntax error: missing '/' in ${}") from None
            raise
        try:
            replacement, _ = self.process_stop_on("}", True)
        except ExpansionError:
            if self.peek() == "":
                raise ExpansionError("syntax error: missing '}'") from None
            raise
        self._ref(name, start)
        kind, value = self.lookup(name)
        regex = _shell_pattern_to_regex(pattern, True, False) if pattern is not None else None
        if kind == "unknown" or regex is None or replacement is None:
            return None
        if replace_all:
            return _go_replace_all(regex, value, replacement)
        match = regex.search(value)
        if match is None:
            return value
        return value[: match.start()] + replacement + value[match.end() :]


# -- patterns ----------------------------------------------------------------
_REGEX_SPECIAL = frozenset("[]{}.+()|^$")


def _shell_pattern_to_regex(pattern: str, greedy: bool, anchored: bool) -> re.Pattern[str]:
    """BuildKit's ``convertShellPatternToRegex``: ``*`` and ``?`` wildcards, ``\\`` escapes."""
    out: list[str] = ["^"] if anchored else []
    star = ".*" if greedy else ".*?"
    i = 0
    n = len(pattern)
    while i < n:
        tok = pattern[i]
        i += 1
        if tok == "*":
            out.append(star)
        elif tok == "?":
            out.append(".")
        elif tok == "\\":
            nxt = pattern[i] if i < n else ""
            if nxt in ("}", "/"):
                continue  # the escape protected a ${} delimiter; not part of the pattern
            if nxt not in ("*", "?", "\\"):
                raise ExpansionError(f"invalid pattern ({pattern}) in substitution: invalid escape '\\{nxt}'")
            out.append("\\" + nxt)
            i += 1
        elif tok in _REGEX_SPECIAL:
            out.append("\\" + tok)
        else:
            out.append(re.escape(tok))
    return re.compile("".join(out))


def _reverse_pattern(pattern: str) -> str:
    """Reverse a pattern keeping ``\\x`` escape pairs in order (BuildKit ``reversePattern``)."""
    out = [""] * len(pattern)
    last = len(pattern) - 1
    i = 0
    while i <= last:
        tok = pattern[i]
        out_idx = last - i
        if tok == "\\" and i != last:
            out[out_idx - 1] = tok
            out[out_idx] = pattern[i + 1]
            i += 2
        else:
            out[out_idx] = tok
            i += 1
    return "".join(out)


def _trim_prefix(regex: re.Pattern[str], value: str) -> str:
    match = regex.search(value)
    return value[match.end() :] if match is not None else value


_GO_TEMPLATE_NAME = rx(r"\$(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))")


def _go_expand(template: str, match: re.Match[str]) -> str:
    """Go ``Regexp.Expand`` for BuildKit patterns: they have no groups except ``$0``."""
    out: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch != "$":
            out.append(ch)
            i += 1
            continue
        if template.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        ref = _GO_TEMPLATE_NAME.match(template, i)
        if ref is None:
            out.append("$")  # malformed: raw text
            i += 1
            continue
        name = ref.group(1) or ref.group(2)
        if name.isdigit() and int(name) == 0:
            out.append(match.group(0))
        i = ref.end()
    return "".join(out)


def _go_replace_all(regex: re.Pattern[str], value: str, replacement: str) -> str:
    """Go ``ReplaceAllString``: empty matches right after a previous match are skipped."""
    out: list[str] = []
    last = 0
    prev_end = -1
    for match in regex.finditer(value):
        if match.start() == match.end() and match.start() == prev_end:
            continue
        out.append(value[last : match.start()])
        out.append(_go_expand(replacement, match))
        last = match.end()
        prev_end = match.end()
    out.append(value[last:])
    return "".join(out)


# -- public API ----------------------------------------------------------------
def expand_word(word: str, env: Env, escape: str = "\\") -> str | None:
    """Expand ``word`` as BuildKit's ``ProcessWord`` does.

    Returns ``None`` when the result depends on an :data:`UNKNOWN` value.  Raises
    :class:`ExpansionError` where BuildKit fails (syntax errors, ``${V:?}`` on an
    unset/empty V, invalid patterns).
    """
    if escape not in ("\\", "`"):
        raise ValueError(f"escape token must be '\\\\' or '`', not {escape!r}")
    if "$" not in word and "'" not in word and '"' not in word and escape not in word:
        return word  # no expansion, quote or escape: the word is its own value
    result, _ = _Lexer(word, env, escape).process()
    return result


def expand_words(text: str, env: Env, escape: str = "\\") -> list[str] | None:
    """Expand and split ``text`` into words as BuildKit's ``ProcessWords`` does.

    Splitting happens after expansion on unquoted whitespace (including whitespace
    coming from unquoted variable values); quoted text stays in one word and empty
    quoted words are dropped, as in BuildKit.  ``None`` when any part is unknown.
    """
    _, words = _Lexer(text, env, escape).process()
    return words


def referenced_names(word: str, escape: str = "\\") -> list[tuple[str, int, int]]:
    """Every variable reference in ``word`` as ``(name, start, end)``, ordered by start.

    ``start:end`` spans the whole reference text (``$V``, ``${V}``, ``${V:-x}``).
    References nested in modifier words are included; escaped ``$`` and single-quoted
    text are not.  On a syntax error the references found before it are returned.
    """
    lexer = _Lexer(word, None, escape)
    if "$" not in word:
        return []  # references start with ``$``; quotes and escapes alone hold none
    try:
        lexer.process()
    except ExpansionError:
        pass
    return sorted(lexer.refs, key=lambda ref: (ref[1], -ref[2]))


# -- platforms -------------------------------------------------------------------
_SPECIFIER = rx(r"^[A-Za-z0-9_.-]+$")
_KNOWN_OS = frozenset(
    "aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 "
    "solaris wasip1 windows zos".split()
)
_KNOWN_ARCH = frozenset(
    "386 amd64 amd64p32 arm armbe arm64 arm64be ppc64 ppc64le loong64 mips mipsle mips64 mips64le "
    "mips64p32 mips64p32le ppc riscv riscv64 s390 s390x sparc sparc64 wasm".split()
)


def _normalize_os(os_name: str) -> str:
    os_name = os_name.lower()
    return "darwin" if os_name == "macos" else os_name


def _normalize_arch(arch: str, variant: str) -> tuple[str, str]:
    """containerd ``platforms.normalizeArch`` (variant "" means none)."""
    arch, variant = arch.lower(), variant.lower()
    if arch == "i386":
        return "386", ""
    if arch in ("x86_64", "x86-64", "amd64"):
        return "amd64", "" if variant == "v1" else variant
    if arch in ("aarch64", "arm64"):
        if variant in ("8", "v8", "v8.0"):
            variant = ""
        elif variant in ("9", "9.0", "v9.0"):
            variant = "v9"
        elif variant and variant[0].isdigit():
            variant = "v" + variant
        return "arm64", variant
    if arch == "armhf":
        return "arm", "v7"
    if arch == "armel":
        return "arm", "v6"
    if arch == "arm":
        if variant in ("", "7"):
            variant = "v7"
        elif variant in ("5", "6", "8"):
            variant = "v" + variant
        return "arm", variant
    return arch, variant


@functools.lru_cache(maxsize=512)  # (a run parses the same few platforms for every file)
def parse_platform(text: str) -> Platform | None:
    """Parse and normalize ``os/arch[/variant]`` like containerd ``platforms.Parse`` + ``Normalize``.

    A lone architecture (``arm64``) means ``linux/<arch>`` (BuildKit runs on Linux); a
    lone OS is rejected because its architecture would be the daemon's.  OS versions
    (``windows(10.0.17763)/amd64``) and wildcards are not supported: ``None``.
    """
    parts = text.strip().split("/")
    if not parts or any(not _SPECIFIER.match(part) for part in parts):
        return None
    variant = ""
    if len(parts) == 1:
        arch, variant = _normalize_arch(parts[0], "")
        if arch not in _KNOWN_ARCH:
            return None
        os_name = "linux"
    elif len(parts) == 2:
        os_name = _normalize_os(parts[0])
        arch, variant = _normalize_arch(parts[1], "")
    elif len(parts) == 3:
        os_name = _normalize_os(parts[0])
        arch, variant = _normalize_arch(parts[1], parts[2])
    else:
        return None
    return (os_name, arch, variant or None)


def platform_error(text: str) -> str | None:
    """Why ``text`` is no platform a Linux build can target (None when it is one), for user input
    (``--platform``, ``--build-platform``, the config): malformed, unknown OS or architecture, or an OS
    whose RUN steps BuildKit cannot run on a Linux builder at all."""
    parsed = parse_platform(text)
    if parsed is None:
        return f"invalid platform '{text}' (expected os/arch[/variant], e.g. linux/arm64)"
    os_name, arch, _variant = parsed
    if os_name not in _KNOWN_OS:
        return f"unknown OS '{os_name}' in platform '{text}' (known: {', '.join(sorted(_KNOWN_OS))})"
    if arch not in _KNOWN_ARCH:
        return f"unknown architecture '{arch}' in platform '{text}' (known: {', '.join(sorted(_KNOWN_ARCH))})"
    if os_name != "linux":
        return (f"platform '{text}' is not a Linux platform: BuildKit runs RUN steps for a {os_name} image only on "
                f"a {os_name} builder with a {os_name} base image, never under QEMU; xlint checks Linux targets")
    return None


def format_platform(p: Platform) -> str:
    """``("linux", "arm", "v7")`` -> ``"linux/arm/v7"``."""
    os_name, arch, variant = p
    return f"{os_name}/{arch}/{variant}" if variant else f"{os_name}/{arch}"


def platform_args(target: Platform, build: Platform) -> dict[str, str]:
    """The automatic platform ARG values BuildKit defines for a target/build platform pair.

    ``*OSVERSION`` are ``""`` (parse_platform has no OS versions); ``TARGETSTAGE`` is
    not included since it depends on the build target, not on platforms.
    """
    values: dict[str, str] = {}
    for prefix, (os_name, arch, variant) in (("TARGET", target), ("BUILD", build)):
        values[prefix + "PLATFORM"] = format_platform((os_name, arch, variant))
        values[prefix + "OS"] = os_name
        values[prefix + "OSVERSION"] = ""
        values[prefix + "ARCH"] = arch
        values[prefix + "VARIANT"] = variant or ""
    return values

