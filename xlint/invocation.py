"""The real command behind wrappers and runners.

``sudo``, ``env``, ``exec``, ``time``, ``nohup``, ``nice``, ``command``, ``ccache``... are unwrapped (with
the ``NAME=value`` words ``env`` gives the command), so are runners (``bundle exec``, ``poetry run``,
``mold -run``), ``setarch ARCH``, ``find ... -exec`` and ``xargs``.
"""

from __future__ import annotations

import os
import re
from typing import Any

from xlint.records import record
from xlint.rx import rx
from xlint.shell import SimpleCommand, Word
from xlint.syntax.tree import Span

_WRAPPERS = frozenset({"sudo", "exec", "time", "nohup", "nice", "command", "env", "doas", "chronic", "ccache",
                       "sccache", "stdbuf", "ionice", "taskset", "timeout"})
# tool runners: `bundle exec CMD`, `poetry run CMD`...
_RUNNERS = {"bundle": ("exec",), "poetry": ("run",), "uv": ("run",), "pipenv": ("run",), "pdm": ("run",),
            "hatch": ("run",), "mold": ("-run", "--run")}
_XARGS_VALUE_FLAGS = frozenset({"-I", "-i", "-n", "-P", "-L", "-l", "-s", "-d", "-E", "-e", "-a", "--max-args",
                                "--max-procs", "--delimiter", "--arg-file", "--replace", "--max-lines"})
# flags of wrappers that take a value (``sudo -u user``, ``nice -n 10``, ``env -u NAME``)
_WRAPPER_VALUE_FLAGS = {
    "sudo": {"-u", "-g", "-C", "-D", "-h", "-p", "-U", "-r", "-t"},
    "nice": {"-n"},
    "env": {"-u", "-C", "-S"},
    "doas": {"-u", "-C"},
}


@record(frozen=True)
class EnvWord:
    """``NAME=value`` given to a command: a prefix assignment or an ``env NAME=value`` argument."""

    name: str
    raw: str
    value: str | None
    span: Span


@record(frozen=True)
class Invocation:
    """The real command behind wrappers: ``tool`` is its basename, ``words[0]`` its command word."""

    cmd: SimpleCommand
    tool: str
    words: list[Word]
    env: list[EnvWord]

    @property
    def args(self) -> list[Word]:
        return self.words[1:]

    def values(self) -> list[str]:
        """Argument values; dynamic arguments are given as their raw text."""
        return list(self.value_view())

    def value_view(self) -> list[str]:
        """:meth:`values` itself, not a copy (kept on the immutable invocation: every rule asks), for a
        reader that does not change it."""
        known: list[str] | None = getattr(self, "_values", None)
        if known is None:
            known = [w.value if w.value is not None else w.raw for w in self.words[1:]]
            object.__setattr__(self, "_values", known)
        return known


ENV_WORD = rx(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)


_UNSET: Any = object()


def invocation(cmd: SimpleCommand) -> Invocation | None:
    """Unwrap ``sudo``/``env``/``exec``/... and return the real command; None when it is dynamic.
    Cached on the (immutable) command: every rule asks."""
    cached = getattr(cmd, "_xlint_invocation", _UNSET)
    if cached is _UNSET:
        cached = _invocation(cmd)
        object.__setattr__(cmd, "_xlint_invocation", cached)
    return cached


def _invocation(cmd: SimpleCommand) -> Invocation | None:
    env = [EnvWord(a.name, a.raw_value, a.value, a.span) for a in cmd.env]
    words = list(cmd.argv)
    while words:
        first = words[0].value
        if first is None:
            return None
        base = os.path.basename(first)
        if base in _RUNNERS and len(words) > 2 and words[1].value in _RUNNERS[base]:
            words = words[2:]  # `bundle exec jekyll`, `poetry run mkdocs`, `mold -run cargo build`
            continue
        if base in ("gosu", "su-exec") and len(words) > 2:
            words = words[2:]  # `gosu node npm ci`: the user, then the command
            continue
        if base == "setarch" and len(words) > 2:
            words = words[2:]  # `setarch x86_64 make`: the architecture, then flags and the command
            while words and (words[0].value or "").startswith("-"):
                words = words[1:]
            continue
        if base == "find":
            at = next((i for i, w in enumerate(words) if w.value in ("-exec", "-execdir", "-ok")), None)
            if at is None or at + 1 >= len(words):
                return Invocation(cmd, base, words, env)
            words = words[at + 1:]  # `find . -name '*.c' -exec gcc -c {} +`
            continue
        if base == "xargs":
            i = 1
            while i < len(words) and (words[i].value or "").startswith("-"):
                i += 2 if words[i].value in _XARGS_VALUE_FLAGS else 1
            if i >= len(words):
                return Invocation(cmd, base, words, env)
            words = words[i:]
            continue
        if base not in _WRAPPERS:
            return Invocation(cmd, base, words, env)
        value_flags = _WRAPPER_VALUE_FLAGS.get(base, set())
        i = 1
        while i < len(words):
            word = words[i]
            raw = word.value if word.value is not None else word.raw
            m = ENV_WORD.match(raw) if base == "env" else None
            if m is not None:
                value = m.group(2) if words[i].value is not None else None
                env.append(EnvWord(m.group(1), m.group(2), value, words[i].span))
                i += 1
                continue
            if raw == "--":
                i += 1
                break
            if raw.startswith("-"):
                i += 2 if raw in value_flags else 1
                continue
            if base == "nice" and raw.lstrip("-").isdigit():
                i += 1
                continue
            break
        words = words[i:]
    return None
