"""Tests for xlint.expand: BuildKit word expansion with unknown values, platforms."""

from __future__ import annotations

import pytest

from xlint.expand import (
    AUTOMATIC_PLATFORM_ARGS,
    UNKNOWN,
    Env,
    ExpansionError,
    Unknown,
    expand_word,
    expand_words,
    format_platform,
    parse_platform,
    platform_args,
    referenced_names,
)

BT = "`"


def test_unknown_is_singleton() -> None:
    assert Unknown() is UNKNOWN
    assert repr(UNKNOWN) == "UNKNOWN"


# --- plain references ------------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "env", "expected"),
    [
        ("$A", {"A": "x"}, "x"),
        ("${A}", {"A": "x"}, "x"),
        ("pre-${A}-post", {"A": "x"}, "pre-x-post"),
        ("$A.$B", {"A": "1", "B": "2"}, "1.2"),
        ("$AB", {"A": "1"}, ""),  # longest name, not set
        ("$A_B9", {"A_B9": "z"}, "z"),
        ("$MISSING", {}, ""),
        ("${MISSING}", {}, ""),
        ("a$", {}, "a$"),
        ("$ x", {}, "$ x"),
        ("$/", {}, "$/"),
        # digits read as a whole, special parameters are one-character names
        ("$12x", {"12": "n"}, "nx"),
        ("$1$@$$-$", {}, "-$"),
        ("x ${UNUSED}", {"DUMMY": "dummy"}, "x "),  # lex_test.go TestProcessWithMatches
    ],
)
def test_plain(word: str, env: Env, expected: str) -> None:
    assert expand_word(word, env) == expected


def test_plain_unknown() -> None:
    assert expand_word("$A", {"A": UNKNOWN}) is None
    assert expand_word("${A}", {"A": UNKNOWN}) is None
    assert expand_word("x-${A}-${B}", {"A": "1", "B": UNKNOWN}) is None
    assert expand_word("x-${A}", {"A": "1", "B": UNKNOWN}) == "x-1"


# --- operators: known / empty / unset / unknown ------------------------------------
SET: Env = {"V": "val", "W": "w"}
EMPTY: Env = {"V": "", "W": "w"}
UNSET: Env = {"W": "w"}
UNK: Env = {"V": UNKNOWN, "W": "w"}


@pytest.mark.parametrize(
    ("word", "set_", "empty", "unset", "unknown"),
    [
        ("${V:-d}", "val", "d", "d", None),
        ("${V-d}", "val", "", "d", None),
        ("${V:+a}", "a", "", "", None),
        ("${V+a}", "a", "a", "", None),
        ("${V:+}", "", "", "", ""),  # known either way
        ("${V+}", "", "", "", ""),
        ("${V?m}", "val", "", "error", None),
        ("${V:?m}", "val", "error", "error", None),
        ("${V:-$W}", "val", "w", "w", None),
        ("${V:+$W}", "w", "", "", None),
    ],
)
def test_operator_matrix(word: str, set_: str, empty: str, unset: str, unknown: str | None) -> None:
    for env, expected in ((SET, set_), (EMPTY, empty), (UNSET, unset), (UNK, unknown)):
        if expected == "error":
            with pytest.raises(ExpansionError):
                expand_word(word, env)
        else:
            assert expand_word(word, env) == expected, (word, env)


def test_lex_test_go_default_and_alternative_facts() -> None:
    env: Env = {"FOO": "xxx", "BAR": ""}
    assert expand_word("${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", env) == "xxx  ccc"
    assert expand_word("${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", env) == "xxx bbb ccc"
    assert expand_word("${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", env) == "aaa bbb "
    assert expand_word("${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", env) == "aaa  "
    assert expand_word("${BAR?bbb}", env) == ""


def test_mandatory_messages() -> None:
    with pytest.raises(ExpansionError, match="message herex"):
        expand_word("${VAR:?message here$ARG}", {"VAR": "", "ARG": "x"})
    with pytest.raises(ExpansionError, match="message herex"):
        expand_word("${VAR?message here$ARG}", {"ARG": "x"})
    with pytest.raises(ExpansionError, match="is not allowed to be unset"):
        expand_word("${VAR:?}", {})
    with pytest.raises(ExpansionError, match="is not allowed to be empty"):
        expand_word("${VAR:?}", {"VAR": ""})
    # fails either way, even though the message is unknown
    with pytest.raises(ExpansionError):
        expand_word("${VAR?$M}", {"M": UNKNOWN})


def test_unknown_default_only_matters_when_used() -> None:
    assert expand_word("${V:-$U}", {"V": "set", "U": UNKNOWN}) == "set"
    assert expand_word("${V:-$U}", {"U": UNKNOWN}) is None
    assert expand_word("${V-$U}", {"V": "", "U": UNKNOWN}) == ""
    assert expand_word("${V:+$U}", {"U": UNKNOWN}) == ""
    assert expand_word("${V:+$U}", {"V": "x", "U": UNKNOWN}) is None


def test_nested_defaults() -> None:
    assert expand_word("${A:-${B}}", {"B": "b"}) == "b"
    assert expand_word("${A:-${B:-${C}}}", {"C": "c"}) == "c"
    assert expand_word("${A:-${B:-${C}}}", {"B": "b", "C": "c"}) == "b"
    assert expand_word("${A:-${B}}", {"A": "a", "B": UNKNOWN}) == "a"
    assert expand_word("${A:-${B}}", {"B": UNKNOWN}) is None
    assert expand_word("${A:-x${B}y}", {"B": "-"}) == "x-y"
    # the buildkit release-name idiom (lex_test.go TestProcessWithMatchesPlatform)
    release = "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz"
    base: dict[str, str | Unknown] = {"VERSION": "v1.2.3", "TARGETOS": "linux"}
    assert (
        expand_word(release, {**base, "TARGETARCH": "arm", "TARGETVARIANT": "v7"})
        == "something-v1.2.3.linux-arm-v7.tar.gz"
    )
    assert expand_word(release, {**base, "TARGETARCH": "arm64", "TARGETVARIANT": ""}) == (
        "something-v1.2.3.linux-arm64.tar.gz"
    )
    assert expand_word(release, {**base, "TARGETARCH": "arm64"}) == "something-v1.2.3.linux-arm64.tar.gz"
    assert expand_word(release, {**base, "TARGETARCH": UNKNOWN, "TARGETVARIANT": UNKNOWN}) is None


# --- trimming patterns -------------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "value", "expected"),
    [
        ("${V#v}", "v7", "7"),
        ("${V#x}", "v7", "v7"),
        ("${V#*-}", "a-b-c", "b-c"),
        ("${V##*-}", "a-b-c", "c"),
        ("${V%-*}", "a-b-c", "a-b"),
        ("${V%%-*}", "a-b-c", "a"),
        ("${V#?}", "abc", "bc"),
        ("${V%?}", "abc", "ab"),
        ("${V#a.c}", "a.c!", "!"),  # '.' is literal
        ("${V#a.c}", "abc!", "abc!"),
        # lex_test.go TestProcessWithMatches facts
        ("${V#*x*y}", "xxyy", "y"),
        ("${V#*}", "xxyy", "xxyy"),
        ("${V##*x}", "xxyy", "yy"),
        ("${V#}", "xxyy", "xxyy"),
        ("${V##}", "xxyy", "xxyy"),
        ("${V%}", "xxyy", "xxyy"),
        ("${V#?\\?}", "???y", "?y"),
        ("${V%%\\**}", "xx**", "xx"),
        ("${V%%\\**\\*}", "a***yy*", "a"),
        ("${V#()[]{\\}^$.\\*\\?|\\\\}", "()[]{}^$.*?|\\x", "x"),
    ],
)
def test_trim(word: str, value: str, expected: str) -> None:
    assert expand_word(word, {"V": value}) == expected


def test_trim_unknown_and_unset() -> None:
    assert expand_word("${V#v}", {"V": UNKNOWN}) is None
    assert expand_word("${V#v}", {}) == ""
    assert expand_word("${V#$P}", {"V": "vx", "P": UNKNOWN}) is None
    assert expand_word("${V#$P}", {"V": "", "P": UNKNOWN}) == ""  # nothing to trim
    assert expand_word("${V#$P}", {"V": "xxyy", "P": "x"}) == "xyy"
    assert expand_word("${V%%$P}", {"V": "xxyy", "P": ""}) == "xxyy"
    assert expand_word("${ABC:-.}${FOO%x}${ABC:-.}", {"FOO": "xxyy"}) == ".xxyy."


def test_invalid_pattern_escape() -> None:
    with pytest.raises(ExpansionError, match="invalid escape"):
        expand_word("${V#\\x}", {"V": "x"})
    # invalid even when the value is unknown: BuildKit compiles the pattern regardless
    with pytest.raises(ExpansionError):
        expand_word("${V#\\x}", {"V": UNKNOWN})


# --- replacement -------------------------------------------------------------------
def test_replace_lex_test_go_facts() -> None:
    env: Env = {"FOO": "/foo*/*/*.txt", "NEEDLE": "\\*/"}
    assert expand_word("${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", env) == "/foo.*/*.txt - /foo..*.txt"
    env = {"FOO": "/tmp/tmp/bar.txt", "NEEDLE": "/tmp"}
    assert expand_word("${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", env) == "/tmp/bar.txt - /bar.txt"
    env = {"FOO": "/a/foo/b/c.txt", "NEEDLE": "/?/", "REPLACEMENT": "/"}
    assert expand_word("${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}", env) == (
        "/foo/b/c.txt - /foo/c.txt"
    )
    # escaped separators; the replacement keeps its escapes
    assert expand_word("${FOO//\\//\\/}", {"FOO": "/tmp/foo.txt"}) == "\\/tmp\\/foo.txt"
    assert expand_word("${FOO/$BAR/ww}", {"FOO": "xxyy", "BAR": ""}) == "wwxxyy"
    assert expand_word("${FOO///}", {"FOO": "xxyy"}) == "xxyy"
    assert expand_word("${FOO///}", {}) == ""


def test_replace_more() -> None:
    assert expand_word("${V/amd64/x86_64}", {"V": "amd64"}) == "x86_64"
    assert expand_word("${V/a/b}", {"V": "aaa"}) == "baa"
    assert expand_word("${V//a/b}", {"V": "aaa"}) == "bbb"
    # greedy '*' consumes everything once; no extra empty match at the end (Go semantics)
    assert expand_word("${V//*/x}", {"V": "ab"}) == "x"
    assert expand_word("${V/*/x}", {}) == "x"  # unset acts as ""
    assert expand_word("${V/a/b}", {"V": UNKNOWN}) is None
    assert expand_word("${V/$P/b}", {"V": "a", "P": UNKNOWN}) is None
    assert expand_word("${V/a/$R}", {"V": "a", "R": UNKNOWN}) is None


def test_replace_errors() -> None:
    for word in ("${FOO//ww}", "${FOO//}", "${FOO/a"):
        with pytest.raises(ExpansionError):
            expand_word(word, {"FOO": "xxyy"})


# --- syntax errors -----------------------------------------------------------------
@pytest.mark.parametrize(
    "word",
    ["${", "${}", "${:}", "${:x}", "${{A}", "${A", "${A:x}", "${FOO=aaa}", "${FOO=:aaa}", "${FOO=}",
     "${A:-x", "'abc", '"abc', "${A:-'x}"],
)
def test_syntax_errors(word: str) -> None:
    with pytest.raises(ExpansionError):
        expand_word(word, {"A": "a", "FOO": "xxx"})


# --- quotes and escapes ------------------------------------------------------------
@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("'$X'", "$X"),
        ("'a\\b'", "a\\b"),  # no escapes in single quotes
        ('"$X"', "1"),
        ('"${X}y"', "1y"),
        ("\"'$X'\"", "'1'"),
        ('"a\\"b"', 'a"b'),
        ('"a\\$X"', "a$X"),
        ('"a\\\\b"', "a\\b"),
        ('"a\\qb"', "a\\qb"),  # other escapes stay literal inside double quotes
        ("\\$X", "$X"),
        ("\\${X}", "${X}"),
        ("a\\ b", "a b"),
        ("a\\qb", "aqb"),
        ("x\\", "x"),  # trailing escape dropped
        ("he'll'o", "hello"),
        ("he\\'llo", "he'llo"),
        ("${Y:-\"a b\"}", "a b"),
        ("${Y:-'}'}", "}"),
        ("${Y:-\\}}", "}"),
    ],
)
def test_quotes_backslash(word: str, expected: str) -> None:
    assert expand_word(word, {"X": "1"}) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("`$X", "$X"),
        ("C:\\path\\$X", "C:\\path\\1"),  # backslash is literal with the backtick escape
        ('"a`"b"', 'a"b'),
        ('"a\\"', "a\\"),
        ("a` b", "a b"),
        ("${Y:-`}}", "}"),
        ("'`$X'", "`$X"),
    ],
)
def test_backtick_escape(word: str, expected: str) -> None:
    assert expand_word(word, {"X": "1"}, escape=BT) == expected


def test_bad_escape_token() -> None:
    with pytest.raises(ValueError):
        expand_word("x", {}, escape="!")


# --- word splitting ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("hello", ["hello"]),
        ("hello   world", ["hello", "world"]),
        ('"hello   world"', ["hello   world"]),
        ("'a b' c", ["a b", "c"]),
        ("a\\ b c", ["a b", "c"]),
        ("$X d", ["p", "q", "d"]),  # unquoted expansion splits
        ('"$X" d', ["p  q", "d"]),  # quoted does not
        ('"" a', ["a"]),  # empty quoted words disappear (BuildKit)
        ("a'b c'd", ["ab cd"]),
        ("  lead trail  ", ["lead", "trail"]),
        ("${UNSET} x", ["x"]),
    ],
)
def test_expand_words(text: str, expected: list[str]) -> None:
    assert expand_words(text, {"X": "p  q"}) == expected


def test_expand_words_unknown_and_backtick() -> None:
    assert expand_words("$U b", {"U": UNKNOWN}) is None
    assert expand_words('"$U" b', {"U": UNKNOWN}) is None
    assert expand_words("${U:-x} b", {"U": "y"}) == ["y", "b"]
    assert expand_words("a` b c", {}, escape=BT) == ["a b", "c"]
    with pytest.raises(ExpansionError):
        expand_words("'open", {})


# --- referenced_names --------------------------------------------------------------
def test_referenced_names_offsets() -> None:
    word = "a ${A:-${B}x} $C-${D}"
    refs = referenced_names(word)
    assert refs == [("A", 2, 13), ("B", 7, 11), ("C", 14, 16), ("D", 17, 21)]
    for name, start, end in refs:
        assert word[start] == "$"
        assert word[start:end].lstrip("${").startswith(name)
    assert word[2:13] == "${A:-${B}x}"
    assert word[7:11] == "${B}"


def test_referenced_names_exclusions() -> None:
    assert referenced_names("\\$A '$B' \"$C\" $ x") == [("C", 10, 12)]
    assert referenced_names("`$A \\$B", escape=BT) == [("B", 5, 7)]
    assert referenced_names("no refs") == []


def test_referenced_names_in_operators() -> None:
    assert [n for n, _, _ in referenced_names("${V#$P}${V/$N/$R}${X:+${Y:-$Z}}")] == [
        "V", "P", "V", "N", "R", "X", "Y", "Z",
    ]
    # references before a syntax error are still reported
    assert referenced_names("$A ${B") == [("A", 0, 2)]
    # '?' operator does not raise while collecting
    assert referenced_names("${A?$M}") == [("A", 0, 7), ("M", 4, 6)]


# --- platforms ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("linux/arm64", ("linux", "arm64", None)),
        ("linux/arm/v7", ("linux", "arm", "v7")),
        ("linux/arm/v6", ("linux", "arm", "v6")),
        ("linux/arm", ("linux", "arm", "v7")),
        ("linux/arm/7", ("linux", "arm", "v7")),
        ("linux/armhf", ("linux", "arm", "v7")),
        ("linux/armel", ("linux", "arm", "v6")),
        ("linux/aarch64", ("linux", "arm64", None)),
        ("linux/arm64/v8", ("linux", "arm64", None)),
        ("linux/arm64/8", ("linux", "arm64", None)),
        ("linux/x86_64", ("linux", "amd64", None)),
        ("linux/x86-64", ("linux", "amd64", None)),
        ("linux/amd64", ("linux", "amd64", None)),
        ("linux/amd64/v3", ("linux", "amd64", "v3")),
        ("linux/amd64/v1", ("linux", "amd64", None)),
        ("linux/i386", ("linux", "386", None)),
        ("linux/386", ("linux", "386", None)),
        ("Linux/AMD64", ("linux", "amd64", None)),
        ("linux/ppc64le", ("linux", "ppc64le", None)),
        ("linux/riscv64", ("linux", "riscv64", None)),
        ("windows/amd64", ("windows", "amd64", None)),
        ("macos/arm64", ("darwin", "arm64", None)),
        ("arm64", ("linux", "arm64", None)),
        ("aarch64", ("linux", "arm64", None)),
    ],
)
def test_parse_platform(text: str, expected: tuple[str, str, str | None]) -> None:
    assert parse_platform(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "linux", "linux/", "/amd64", "linux/arm/v7/x", "linux/*", "linux/$ARCH", "notanarch",
     "windows(10.0.17763)/amd64"],
)
def test_parse_platform_invalid(text: str) -> None:
    assert parse_platform(text) is None


def test_format_platform_roundtrip() -> None:
    assert format_platform(("linux", "arm", "v7")) == "linux/arm/v7"
    assert format_platform(("linux", "arm64", None)) == "linux/arm64"
    for text in ("linux/amd64", "linux/arm/v6", "linux/arm64", "windows/amd64"):
        parsed = parse_platform(text)
        assert parsed is not None
        assert format_platform(parsed) == text


def test_platform_args() -> None:
    args = platform_args(("linux", "arm", "v7"), ("linux", "amd64", None))
    assert args == {
        "TARGETPLATFORM": "linux/arm/v7",
        "TARGETOS": "linux",
        "TARGETOSVERSION": "",
        "TARGETARCH": "arm",
        "TARGETVARIANT": "v7",
        "BUILDPLATFORM": "linux/amd64",
        "BUILDOS": "linux",
        "BUILDOSVERSION": "",
        "BUILDARCH": "amd64",
        "BUILDVARIANT": "",
    }
    assert set(args) <= AUTOMATIC_PLATFORM_ARGS
    # usable as an expansion environment
    assert expand_word("GOARM=${TARGETVARIANT#v}", args) == "GOARM=7"


def test_automatic_platform_args() -> None:
    assert AUTOMATIC_PLATFORM_ARGS == {
        "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT", "TARGETOSVERSION", "TARGETSTAGE",
        "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT", "BUILDOSVERSION",
    }
