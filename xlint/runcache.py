"""Whole runs of ``xlint check FILES`` answered from the results cache (:mod:`xlint.cache`).

A plain re-check of files (what editors and pre-commit do all day) stores, beside the entries of its
files, one entry for the run: the exact text it printed and its exit code, with every read the answer
depends on: the checked files, the config files found (and those searched for and missing), the files
of the build context the rules read. Its key is made by :func:`xlint.cache.key_of`, as every entry's
(cache format, xlint's version and code fingerprint, Python, machine), from the run's arguments, the
current folder and what decides the output's form (a terminal or not, ``NO_COLOR``). A run whose entry
is there and whose reads all give the same answers prints the stored text: without importing click,
the parser or the rules. Anything else (another option, a directory to search, stdin, ``--no-cache``,
``--resolve``, ``--output``, a changed file) runs the full command, which stores the entry again.

Only this module and the modules it imports (:mod:`xlint.checkargs`, :mod:`xlint.cache`,
:mod:`xlint.contextfiles`) run before
the answer: they import neither typing nor pathlib.
"""

from __future__ import annotations

import os
import stat
import sys

from xlint.checkargs import OPTIONS, UNCACHED

TYPE_CHECKING = False
if TYPE_CHECKING:
    from xlint.contextfiles import Dep

KIND = "run"
PREFIX = "run-"  # run entries are named apart from the entries of files
# options of `xlint check` a stored run may have been given: they are part of the key as written
_FLAGS = frozenset(name for name, (_p, kind) in OPTIONS.items() if isinstance(kind, bool) and name not in UNCACHED)
_VALUED = frozenset(name for name, (_p, kind) in OPTIONS.items() if not isinstance(kind, bool) and name not in UNCACHED)


class Plan:
    """A run that may be answered from the cache: its cache folder and its entry's key."""

    def __init__(self, argv: list[str], folder: str) -> None:
        self.argv = argv
        self.folder = folder
        self._key: str | None = None

    @property
    def key(self) -> str:
        if self._key is None:
            from xlint.cache import key_of

            out = sys.stdout
            colours = (out.isatty(), bool(os.environ.get("NO_COLOR")))  # what decides them (xlint.cli)
            self._key = PREFIX + key_of(KIND, os.getcwd(), tuple(self.argv), colours,
                                        getattr(out, "encoding", None), getattr(out, "errors", None))
        return self._key


PENDING: Plan | None = None  # the run the full command should store (set by :func:`main`)


def plan(argv: list[str]) -> Plan | None:
    """The plan of ``argv`` when it is a check of regular (non-YAML) files with options that keep its
    output a function of the files read; None otherwise."""
    if not argv or argv[0] != "check":
        return None
    cache_dir: str | None = None
    files = 0
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("-"):
            name, eq, value = arg.partition("=")
            if name in _FLAGS and not eq:
                i += 1
                continue
            if name not in _VALUED:
                return None  # --no-cache, --resolve, --output, --stdin-filename, -, --help...
            if not eq:
                if i + 1 >= len(argv):
                    return None
                value = argv[i + 1]
                i += 1
            if name == "--cache-dir":
                cache_dir = value
            i += 1
            continue
        if arg.lower().endswith((".yaml", ".yml")):
            return None
        try:
            if not stat.S_ISREG(os.stat(arg).st_mode):
                return None  # a directory: its Dockerfiles are searched for
        except OSError:
            return None
        files += 1
        i += 1
    if not files:
        return None
    from xlint.cache import default_folder

    return Plan(argv, os.path.normpath(cache_dir) if cache_dir else default_folder())


def answer(p: Plan) -> int | None:
    """Print the stored output of the run and return its exit code; None (nothing printed) when the
    cache cannot answer."""
    from xlint.cache import load_entry
    from xlint.contextfiles import unchanged

    value = load_entry(p.folder, p.key)
    if value is None or len(value) != 4:
        return None
    _fmt, deps, text, code = value
    if not isinstance(text, str) or not isinstance(code, int) or not unchanged(deps, {}):
        return None
    sys.stdout.write(text)
    sys.stdout.flush()
    return code


def store(p: Plan, folder: str, text: str, code: int, deps: list[Dep]) -> None:
    """Store a run's output (called by ``xlint check`` when :data:`PENDING` is its plan). Not stored: a run
    whose cache folder is not the planned one, or whose text holds escape sequences (colours, or bytes of
    a Dockerfile that ``click.echo`` would strip)."""
    if os.path.normpath(folder) != os.path.normpath(p.folder) or "\x1b" in text:
        return
    from pathlib import Path

    from xlint.cache import FORMAT, ResultCache

    ResultCache(Path(folder)).store(p.key, (FORMAT, list(dict.fromkeys(tuple(d) for d in deps)), text, code))


def main() -> None:
    """The console script: a stored run is printed, a plain check runs without click (xlint.checkrun),
    anything else goes to the command line (xlint.cli)."""
    global PENDING
    argv = sys.argv[1:]
    p = plan(argv)
    if p is not None:
        try:
            code = answer(p)
        except BrokenPipeError:
            sys.exit(2)
        if code is not None:
            sys.exit(code)
        PENDING = p
    import gc

    gc.disable()  # imports make many objects and no garbage: no collection while they run
    from xlint.checkrun import parse_argv

    params = parse_argv(argv)
    if params is not None:  # a plain check: no click; the collector stays paused until the checker and
        from xlint.checkrun import run_argv  # the rules are loaded (checkrun._preload turns it back on)

        run_argv(params)
    from xlint.cli import main as cli_main

    gc.enable()
    cli_main(argv)
