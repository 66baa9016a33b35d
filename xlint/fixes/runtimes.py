"""A language runtime built from its own sources (CPython, Ruby, Perl, PHP, Node.js, Erlang/OTP), or a build
whose profile-guided optimisation runs what it has just built: neither cross-compiles with only a cross
compiler (issue 11, class 10). CPython's cross configure needs a same-version Python on the build machine
(``--with-build-python``) and answers for the probes it cannot run (``ac_cv_file__dev_ptmx``); Ruby needs a
``baseruby``, Erlang/OTP a bootstrap system of the same release, Node.js a host toolchain for the tools its
build runs, Perl's Configure does not cross-compile at all; ``--enable-optimizations`` runs the fresh
interpreter to collect its profile. The recipes refuse these builds with :data:`RUNTIME_BUILD` reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from xlint.rx import rx

RUNTIME_BUILD = "building the runtime itself for the target"

# a source archive or checkout's name -> the runtime (matched on the name's leading word)
_RUNTIMES = {
    "python": "CPython", "cpython": "CPython", "pypy": "PyPy", "ruby": "Ruby", "perl": "Perl", "php": "PHP",
    "php-src": "PHP", "node": "Node.js", "nodejs": "Node.js", "erlang": "Erlang/OTP", "otp": "Erlang/OTP",
    "otp_src": "Erlang/OTP", "elixir": "Elixir", "julia": "Julia", "guile": "Guile", "openjdk": "OpenJDK",
    "jdk": "OpenJDK",
}
_WHY = {
    "CPython": ("its cross configure needs a same-version Python on the build machine (`--with-build-python`) "
                "and answers for the probes it cannot run (`ac_cv_file__dev_ptmx`, `ac_cv_file__dev_ptc`)"),
    "PyPy": "its translation runs the interpreter it builds",
    "Ruby": "its cross build needs a same-version `baseruby` on the build machine",
    "Perl": "its Configure does not cross-compile (it runs the programs it builds)",
    "Erlang/OTP": "its cross build needs a bootstrap system of the same release on the build machine",
    "Node.js": "its build runs tools it compiles for the host, which need a second toolchain",
}
_PREBUILT = rx(r"linux-(?:x64|arm64|amd64|aarch64|armv7l|ppc64le|s390x)|x86_64|aarch64|amd64|arm64|-bin\b")
_ARCHIVE = rx(r"(?:\.tar)?\.(?:gz|tgz|bz2|xz|zst|lz|zip|git)$|\.tgz$|\.tar$", re.I)
_NAME = rx(r"([a-z]+(?:[_-]src)?)(?:[-_.]?v?\d.*)?")
_PGO = ("--enable-optimizations", "--enable-pgo", "--with-pgo", "--enable-profile-guided-optimization")
_PGO_TARGETS = frozenset({"profile-opt", "pgo", "pgo-build"})


def source_name(word: str) -> str | None:
    """The project a source URL, archive or folder is of, when its name is the project's name and maybe a
    version (``.../Python-3.12.4.tgz`` -> ``python``, ``https://github.com/erlang/otp/archive/OTP-26.2.tar.gz``
    -> ``otp``, ``/usr/src/ruby`` -> ``ruby``, ``php-src.git`` -> ``php-src``); None for other names
    (``python-dateutil-2.9.tar.gz``) and prebuilt binaries' archives (``node-v20.11.0-linux-x64.tar.xz``)."""
    path = word.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    if "://" in path:
        path = path.split("://", 1)[1]
    parts = [p for p in path.split("/") if p]
    if not parts:
        return None
    last = parts[-1]
    if _PREBUILT.search(last.lower()):
        return None
    name = _ARCHIVE.sub("", last).lower()
    if re.fullmatch(r"v?\d[\w.+-]*", name) and "archive" in parts[:-1]:
        # GitHub's .../owner/repo/archive/v1.2.tar.gz: the repository's name is before `archive`
        k = parts.index("archive")
        name = parts[k - 1].lower() if k > 0 else ""
    m = _NAME.fullmatch(name)
    return m.group(1) if m is not None else None


def name_of(value: str | None, raw: str) -> str:
    """A word to read a source's name from: its value, or its text with variables read as a version
    (``Python-${PY_VERSION}.tgz`` -> ``Python-0.tgz``: the name is all that is looked at)."""
    if value is not None:
        return value
    return re.sub(r"\$\{[^}]*\}|\$\w+", "0", raw).strip("\"'")


def runtime_of(words: Iterable[str]) -> str | None:
    """The language runtime that one of these source URLs, archives or folders is the source of."""
    for w in words:
        name = source_name(w)
        if name is not None and name in _RUNTIMES:
            return _RUNTIMES[name]
    return None


def runtime_reason(runtime: str, what: str) -> str:
    """The refusal of a build of ``runtime`` from ``what`` (its source, named as the Dockerfile names it)."""
    why = _WHY.get(runtime, "its cross build needs the same runtime on the build machine to finish")
    return f"{RUNTIME_BUILD} ({runtime}, from `{what}`): {why}, so the build stays on the target"


def pgo_flag(values: Iterable[str | None]) -> str | None:
    """A configure flag or make target of a profile-guided build (it runs what it has just built)."""
    for v in values:
        if v is None:
            continue
        if v.split("=", 1)[0] in _PGO or v in _PGO_TARGETS:
            return v
    return None


PGO_BUILD = "a profile-guided build"


def pgo_reason(flag: str) -> str:
    return (f"{PGO_BUILD} (`{flag}`) runs the program it has just built to profile it, which a cross build "
            "cannot run on the build machine, so it stays on the target")


def cannot_cross(reason: str) -> bool:
    """A refusal of these classes: the build itself cannot cross-compile (not a detail of the Dockerfile)."""
    return reason.startswith((RUNTIME_BUILD, PGO_BUILD))
