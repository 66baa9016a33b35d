"""xlint.expand's fast paths (plain runs taken whole, words without ``$``/quotes/escapes returned as
they are) give exactly what the per-character lexer gives: values, word splits, references, errors."""

from __future__ import annotations

from typing import Any

import expand_reference as ref
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlint import expand
from xlint.expand import UNKNOWN

# every character class the lexer treats apart, plus Go spaces (ASCII and not) and plain text
ALPHABET = list("$'\"\\`{}:-+?#%/*aZ_09 \t\n\v\f\r\x1c") + ["\x85", "\xa0", "\u2003", "é", "${A}", "${B:-x y}",
                                                                  "$UNK", "${A//a/b}", "${A%%*}"]
ENVS: list[dict[str, Any]] = [
    {},
    {"A": "a b", "B": "", "UNK": UNKNOWN},
    {"A": "xa\ta", "B": "b", "C": " ", "UNK": UNKNOWN},
]


def _ref_env(env: dict[str, Any]) -> dict[str, Any]:
    """The same environment with the reference module's own UNKNOWN sentinel."""
    return {k: ref.UNKNOWN if v is UNKNOWN else v for k, v in env.items()}


def _outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        return ("ok", fn(*args))
    except ValueError as exc:  # ExpansionError is a ValueError
        return (type(exc).__name__, str(exc))


texts = st.lists(st.sampled_from(ALPHABET), max_size=24).map("".join)


@settings(max_examples=600, deadline=None)
@given(texts, st.sampled_from(range(len(ENVS))), st.sampled_from(["\\", "`"]))
def test_same_as_reference_lexer(text: str, env_index: int, escape: str) -> None:
    env = ENVS[env_index]
    renv = _ref_env(env)
    assert _outcome(expand.expand_word, text, env, escape) == _outcome(ref.expand_word, text, renv, escape)
    assert _outcome(expand.expand_words, text, env, escape) == _outcome(ref.expand_words, text, renv, escape)
    assert expand.referenced_names(text, escape) == ref.referenced_names(text, escape)


@pytest.mark.parametrize("text", [
    "go build -o /out/app ./cmd/app",  # no special character at all: the word itself
    "a  b\t\tc\n",
    "apt-get install -y 'gcc' \"make\" \\\n  curl",
    "${A:-'unterminated",
    "'unterminated",
    "\"unterminated $A",
    "x ${A} y",
    "é ${A}\xa0b\u2003c",
])
def test_examples_same_as_reference(text: str) -> None:
    env = ENVS[1]
    renv = _ref_env(env)
    for escape in ("\\", "`"):
        assert _outcome(expand.expand_word, text, env, escape) == _outcome(ref.expand_word, text, renv, escape)
        assert _outcome(expand.expand_words, text, env, escape) == _outcome(ref.expand_words, text, renv, escape)
        assert expand.referenced_names(text, escape) == ref.referenced_names(text, escape)


def test_plain_word_is_its_own_value() -> None:
    word = "CGO_ENABLED=0 go build -o /out/app ./cmd/app"
    assert expand.expand_word(word, {}) is word


def test_bad_escape_still_rejected_on_the_fast_path() -> None:
    with pytest.raises(ValueError):
        expand.expand_word("plain", {}, "x")
    with pytest.raises(ValueError):
        expand.referenced_names("plain", "x")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list("$'\"\\`<>(){}aZ09_-./= ") + ["${A}", "$(x)"]), max_size=12).map("".join))
def test_shell_word_value_fast_path(raw: str) -> None:
    from xlint.shell import _dequote, _word_value

    text, _ranges, static = _dequote(raw)
    assert _word_value(raw) == (text if static else None)


def _mask_substitutions_reference(text: str) -> str:
    """xlint.archnames._mask_substitutions as it was: one character at a time."""
    out = list(text)
    i = 0
    while i < len(text):
        if text.startswith("$(", i):
            depth, j = 1, i + 2
            while j < len(text) and depth:
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
        elif text[i] == "`":
            j = text.find("`", i + 1)
            j = len(text) if j < 0 else j + 1
        else:
            i += 1
            continue
        out[i:j] = " " * (j - i)
        i = j
    return "".join(out)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list("$()`x ") + ["$(", "amd64", "\n"]), max_size=30).map("".join))
def test_mask_substitutions_skips_plain_text_the_same(text: str) -> None:
    from xlint.archnames import _mask_substitutions

    assert _mask_substitutions(text) == _mask_substitutions_reference(text)
