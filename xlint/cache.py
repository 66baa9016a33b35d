"""The results cache of ``xlint check``, as ruff keeps one: a re-check of unchanged files reads their
findings back instead of parsing and checking them again.

An entry is keyed by everything a result depends on: the cache format, xlint's version and the
fingerprint of its code (the size and time of every module file, so an edited checkout is never
answered from an older one), the Python version, the file's name as reported and its content, the
check options (platforms, build platform, target, build context folder, this machine's architecture),
the chosen rule codes and the content of the config file that applies. Files of the build context that
rules read (``go.mod``, Go sources, ``setup.py``, ``CMakeLists.txt``...) are recorded with the entry
(:mod:`xlint.contextfiles`) and checked before it is used. Runs that ask registries (``--resolve``)
are not cached.

Where: ``--cache-dir``, else ``$XLINT_CACHE_DIR/check``, else ``.xlint_cache/`` in the project root
(the nearest folder above the current one holding ``.xlint.yaml``, ``pyproject.toml`` or ``.git``),
else the user cache folder (``$XDG_CACHE_HOME/xlint/check``, ``~/.cache/xlint/check``). An entry is
written to a temporary file and renamed into place, so concurrent runs never see half an entry; an
entry that does not load is a miss.
"""

from __future__ import annotations

import marshal
import os
import sys

from xlint import __version__
from xlint.contextfiles import OWN_CACHE, TAG_LINE, Dep, unchanged

TYPE_CHECKING = False  # a warm run (xlint.runcache) imports this module: no typing, pathlib or dataclasses
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path
    from typing import Any

    from xlint.diagnostics import Diagnostic

FORMAT = 1
CACHE_DIRNAME = OWN_CACHE
_ROOT_MARKERS = (".xlint.yaml", "pyproject.toml", ".git")

_FINGERPRINT: str | None = None


try:
    from _blake2 import blake2b  # what hashlib.blake2b is, without loading OpenSSL for hashlib's others
except ImportError:  # pragma: no cover - a Python built without it
    from hashlib import blake2b


def _hash(data: bytes) -> str:
    return blake2b(data, digest_size=20).hexdigest()


def code_fingerprint() -> str:
    """Size and modification time of every module file of xlint and its rules."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        import xlint
        import xlint.rules

        rows: list[tuple[str, int, int]] = []
        folders = [*xlint.__path__, *xlint.rules.__path__]
        while folders:
            folder = folders.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for e in entries:
                if e.name.endswith(".py"):
                    st = e.stat()
                    rows.append((e.path, st.st_size, st.st_mtime_ns))
                elif e.is_dir() and not e.name.startswith((".", "__")):
                    folders.append(e.path)
        _FINGERPRINT = _hash(repr(sorted(rows)).encode("utf-8", "surrogateescape"))
    return _FINGERPRINT


def default_dir(cwd: Path | None = None) -> Path:
    """The cache folder when none is given (see the module docstring)."""
    from pathlib import Path

    return Path(default_folder(None if cwd is None else str(cwd)))


def default_folder(cwd: str | None = None) -> str:
    """:func:`default_dir` as a string (without importing pathlib)."""
    env = os.environ.get("XLINT_CACHE_DIR")
    if env:
        return os.path.join(env, "check")
    d = os.path.realpath(cwd or os.getcwd())
    while True:
        if any(os.path.exists(os.path.join(d, m)) for m in _ROOT_MARKERS):
            return os.path.join(d, CACHE_DIRNAME)
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "xlint", "check")


def key_of(*parts: object) -> str:
    """An entry's name: the hash of the parts of its key with what every key holds (the cache format,
    xlint's version and code fingerprint, the Python version, this machine's architecture)."""
    head = (FORMAT, __version__, code_fingerprint(), sys.version_info[:2], os.uname().machine)
    return _hash(repr((head, parts)).encode("utf-8", "surrogateescape"))


def entries_folder(folder: str) -> str:
    """Where the entries of the cache ``folder`` are (one file each)."""
    return os.path.join(folder, f"v{FORMAT}")


def load_entry(folder: str, key: str) -> tuple[Any, ...] | None:
    """The stored value of an entry: ``(FORMAT, deps, *rest)``; None when it is missing, unreadable or
    of another format. The caller checks ``deps`` (:func:`xlint.contextfiles.unchanged`)."""
    try:
        with open(os.path.join(entries_folder(folder), key), "rb") as fh:
            value = marshal.loads(fh.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(value, tuple) or len(value) < 2 or value[0] != FORMAT:
        return None
    return value


def diagnostic_row(d: Diagnostic) -> tuple[Any, ...]:
    fix = None if d.fix is None else (d.fix.applicability, d.fix.title,
                                      [(e.start, e.end, e.text) for e in d.fix.edits])
    return (d.path, d.code, d.name, d.severity, d.message, d.line, d.column, d.end_line, d.end_column, d.hint, fix,
            d.start, d.end)


def diagnostic(row: Sequence[Any]) -> Diagnostic:
    from xlint.diagnostics import Diagnostic, Edit, Fix

    path, code, name, severity, message, line, column, end_line, end_column, hint, fix, start, end = row
    return Diagnostic(path, code, name, severity, message, line, column, end_line, end_column, hint,
                      None if fix is None else Fix(fix[0], [Edit(a, b, t) for a, b, t in fix[2]], fix[1]),
                      start, end)


class ResultCache:
    """One cache folder. ``key()`` makes an entry name from the parts of a result's key; ``get`` and
    ``put`` read and write entries (findings and the context files they read)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.entries = folder / f"v{FORMAT}"
        self._ready = False
        self._memo: dict[Dep, bool] = {}  # context reads checked in this run
        self._config_digests: dict[str, str] = {}
        self.used: list[Dep] = []  # the context reads of the entries answered or stored in this run
        self.complete = True  # False once a result of the run could not be stored

    def key(self, *parts: object) -> str:
        return key_of(*parts)

    def config_digest(self, path: Path | None) -> str:
        """The content of a config file, for keys (``""`` without one)."""
        if path is None:
            return ""
        k = str(path)
        if k not in self._config_digests:
            try:
                self._config_digests[k] = _hash(path.read_bytes())
            except OSError:
                self._config_digests[k] = "-"
        return self._config_digests[k]

    @staticmethod
    def content_digest(data: bytes) -> str:
        return _hash(data)

    def get(self, key: str) -> list[Diagnostic] | None:
        """The findings of an entry (the context reads it records are added to :attr:`used`)."""
        value = load_entry(str(self.folder), key)
        if value is None or len(value) != 3 or not unchanged(value[1], self._memo):
            return None
        try:
            found = [diagnostic(r) for r in value[2]]
        except (TypeError, ValueError):
            return None
        self.used.extend(tuple(d) for d in value[1])
        return found

    def put(self, key: str, diags: Iterable[Diagnostic], deps: Sequence[Dep] = ()) -> None:
        """Store an entry (atomically: a temporary file renamed into place). A cache that cannot be
        written is no error: the next run checks again."""
        diags = list(diags)
        if any(d.extra for d in diags):
            self.complete = False
            return  # not data (fix plans of project rules): never cached
        self.used.extend(deps)
        self.store(key, (FORMAT, [tuple(d) for d in deps], [diagnostic_row(d) for d in diags]))

    def store(self, key: str, value: tuple[Any, ...]) -> None:
        """Write an entry's value (``(FORMAT, deps, ...)``) atomically; no error when it cannot be written."""
        data = marshal.dumps(value)
        try:
            self._prepare()
            tmp = self.entries / f".{key}.{os.getpid()}.{id(data):x}.tmp"
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, self.entries / key)
        except OSError:
            try:
                os.unlink(tmp)
            except (OSError, UnboundLocalError):
                pass

    def prepare(self) -> None:
        """Create the cache folder now (no error when it cannot be: nothing is stored then)."""
        try:
            self._prepare()
        except OSError:
            pass

    def _prepare(self) -> None:
        if self._ready:
            return
        self.entries.mkdir(parents=True, exist_ok=True)
        tag = self.folder / "CACHEDIR.TAG"
        if not tag.exists():
            for name, text in (("CACHEDIR.TAG", f"Signature: 8a477f597d28d172789f06886806bc55\n{TAG_LINE}\n"),
                               (".gitignore", "# created by xlint\n*\n")):
                tmp = self.folder / f".{name}.{os.getpid()}.tmp"
                tmp.write_text(text)
                os.replace(tmp, self.folder / name)
        self._ready = True
