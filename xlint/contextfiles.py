"""Reading files of the build context (go.mod, CMakeLists.txt, setup.py, Go sources...) with a record
of what was read, so that a cached result can be checked against the files it came from.

Rules read the context through :func:`read_text` and :func:`walk`. While :func:`recording` is active,
every read adds a dependency: ``("file", path, max_size, digest)`` (digest ``-`` when the file is missing
or unreadable, ``big`` when it is over ``max_size``) or ``("dir", path, 0, digest)`` for a folder listing.
:func:`unchanged` recomputes the digests: a cached result is reused only when every one is the same.
Functions that memoize context answers within a run use :func:`memoized` so that a second file asking
the same question records the same dependencies.
"""

from __future__ import annotations

import contextvars
import os
import stat

TYPE_CHECKING = False  # (typing, pathlib and contextlib are not imported: the run cache reads this module)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path
    from typing import Any, TypeVar

    T = TypeVar("T")

Dep = tuple[str, str, int, str]  # (kind, path, max size, digest)

_LOG: contextvars.ContextVar[list[Dep] | None] = contextvars.ContextVar("xlint_context_reads", default=None)
_MISSING = "-"


def _hash(data: bytes) -> str:
    try:
        from _blake2 import blake2b  # hashlib.blake2b, without loading OpenSSL
    except ImportError:  # pragma: no cover
        from hashlib import blake2b
    return blake2b(data, digest_size=16).hexdigest()


def _note(dep: Dep) -> None:
    log = _LOG.get()
    if log is not None:
        log.append(dep)


class recording:  # noqa: N801 - used as a function: ``with recording() as deps:``
    """Collect the dependencies of the reads made inside the block (in order, repeats left out)."""

    def __init__(self) -> None:
        self.log: list[Dep] = []
        self._token: contextvars.Token[list[Dep] | None] | None = None

    def __enter__(self) -> list[Dep]:
        self._token = _LOG.set(self.log)
        return self.log

    def __exit__(self, *exc: object) -> None:
        assert self._token is not None
        _LOG.reset(self._token)
        self.log[:] = list(dict.fromkeys(self.log))


def note_read(path: str | os.PathLike[str], data: bytes) -> None:
    """Record a read of a whole file made elsewhere (its bytes are given), as :func:`read_text` records it."""
    _note(("file", os.fspath(path), 0, _hash(data)))


def _file_state(path: str, max_size: int) -> tuple[str, bytes | None]:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return _MISSING, None  # a folder, a FIFO...
        with open(path, "rb") as fh:
            if max_size and os.fstat(fh.fileno()).st_size > max_size:
                return "big", None
            data = fh.read()
    except OSError:  # missing, unreadable
        return _MISSING, None
    return _hash(data), data


def read_text(path: str | os.PathLike[str], max_size: int = 0, errors: str = "replace") -> str | None:
    """The text of a context file (UTF-8, undecodable bytes replaced), None when it is missing,
    unreadable or (``max_size`` > 0) larger than ``max_size`` bytes."""
    p = os.fspath(path)
    digest, data = _file_state(p, max_size)
    _note(("file", p, max_size, digest))
    if data is None:
        return None
    text = data.decode("utf-8", errors)
    if "\r" in text:  # universal newlines, as open() in text mode reads
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


OWN_CACHE = ".xlint_cache"  # xlint's results cache is no part of a build context
TAG_LINE = "# This folder is xlint's results cache."


def _listing(path: str) -> str:
    try:
        with os.scandir(path) as it:
            entries = sorted((e.name, _is_dir(e)) for e in it if e.name != OWN_CACHE)
    except OSError:
        return _MISSING
    return _hash(repr(entries).encode("utf-8", "surrogateescape"))


def _own_cache(dirpath: str, filenames: list[str]) -> bool:
    """A results cache folder of another name (``--cache-dir``): its CACHEDIR.TAG says xlint's."""
    if "CACHEDIR.TAG" not in filenames:
        return False
    try:
        with open(os.path.join(dirpath, "CACHEDIR.TAG"), encoding="utf-8", errors="replace") as fh:
            return TAG_LINE in fh.read(512)
    except OSError:
        return False


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # as os.walk sorts entries
    except OSError:
        return False


def walk(root: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(root)`` (top-down; the caller may prune the folder list), recording every listing.
    xlint's own cache folders are left out (they change with every run and hold no sources)."""

    def failed(err: OSError) -> None:
        if err.filename is not None:
            _note(("dir", os.fspath(err.filename), 0, _MISSING))

    for dirpath, dirnames, filenames in os.walk(root, onerror=failed):
        if _own_cache(dirpath, filenames):
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if d != OWN_CACHE]
        listing = sorted([(d, True) for d in dirnames] + [(f, False) for f in filenames if f != OWN_CACHE])
        _note(("dir", dirpath, 0, _hash(repr(listing).encode("utf-8", "surrogateescape"))))
        yield dirpath, dirnames, filenames


def read_head(path: str | os.PathLike[str], size: int) -> bytes | None:
    """The first ``size`` bytes of a regular file, None when it is missing or unreadable."""
    p = os.fspath(path)
    head = _head(p, size)
    _note(("head", p, size, _MISSING if head is None else _hash(head)))
    return head


def _head(path: str, size: int) -> bytes | None:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError:
        return None


def is_file(path: str | os.PathLike[str]) -> bool:
    """``os.path.isfile``, recorded."""
    p = os.fspath(path)
    found = os.path.isfile(p)
    _note(("isfile", p, 0, "1" if found else "0"))
    return found


def exists(path: str | os.PathLike[str]) -> bool:
    """``os.path.exists``, recorded."""
    p = os.fspath(path)
    found = os.path.exists(p)
    _note(("exists", p, 0, "1" if found else "0"))
    return found


_REAL_FOLDERS: dict[str, str] = {}  # folder (absolute) -> its real path, for this run


def _realpath(p: str) -> str:
    """``os.path.realpath(p)`` (what ``Path.resolve()`` gives), with the folders of a run resolved once: a
    path whose last part is no symbolic link and which has no ``..`` is its real folder joined with its
    name (the rules resolve the files of a few folders many times)."""
    absolute = os.path.abspath(p)
    folder, name = os.path.split(absolute)
    if not name or ".." in p.split(os.sep) or os.path.islink(absolute):
        return os.path.realpath(p)
    return os.path.join(real_folder(folder), name)


def real_folder(folder: str) -> str:
    """``os.path.realpath`` of an absolute ``folder``, resolved once per run (not recorded)."""
    real = _REAL_FOLDERS.get(folder)
    if real is None:
        real = _REAL_FOLDERS[folder] = os.path.realpath(folder)
    return real


def forget_folders() -> None:
    """Resolve folders again (a long-running process calls this when the file system may have changed)."""
    _REAL_FOLDERS.clear()


def resolve(path: str | os.PathLike[str]) -> Path:
    """``Path(path).resolve()`` (symbolic links followed), recorded."""
    from pathlib import Path

    p = os.fspath(path)
    resolved = _realpath(p)
    _note(("resolve", p, 0, resolved))
    return Path(resolved)


def current(dep: Dep) -> str:
    """The digest ``dep`` would have now."""
    kind, path, size, _ = dep
    if kind == "dir":
        return _listing(path)
    if kind == "head":
        head = _head(path, size)
        return _MISSING if head is None else _hash(head)
    if kind == "isfile":
        return "1" if os.path.isfile(path) else "0"
    if kind == "exists":
        return "1" if os.path.exists(path) else "0"
    if kind == "resolve":
        try:
            return os.path.realpath(path)  # what Path.resolve() gives, without importing pathlib
        except OSError:
            return _MISSING
    return _file_state(path, size)[0]


def unchanged(deps: list[Dep] | tuple[Dep, ...], memo: dict[Dep, bool] | None = None) -> bool:
    """True when every recorded read would give the same answer now (``memo``: answers of this run)."""
    for dep in deps:
        dep = tuple(dep)  # type: ignore[assignment]
        ok = memo.get(dep) if memo is not None else None
        if ok is None:
            ok = current(dep) == dep[3]
            if memo is not None:
                memo[dep] = ok
        if not ok:
            return False
    return True


def memoized(maxsize: int = 256) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Like ``functools.lru_cache`` for functions that read the context: a cached answer replays the
    dependencies its first computation recorded."""

    import functools

    def wrap(fn: Callable[..., T]) -> Callable[..., T]:
        @functools.lru_cache(maxsize=maxsize)
        def compute(*args: Any) -> tuple[T, tuple[Dep, ...]]:
            with recording() as log:
                value = fn(*args)
            return value, tuple(log)

        @functools.wraps(fn)
        def call(*args: Any) -> T:
            value, deps = compute(*args)
            log = _LOG.get()
            if log is not None:
                log.extend(deps)
            return value

        call.cache_clear = compute.cache_clear  # type: ignore[attr-defined]
        return call

    return wrap
