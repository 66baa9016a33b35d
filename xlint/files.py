"""Finding Dockerfiles under the paths given on the command line, and writing files atomically."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator
from pathlib import Path

SKIP_DIRS = frozenset({"node_modules", "vendor", "__pycache__"})
PATTERNS = ("Dockerfile", "Containerfile", "*.Dockerfile", "*.dockerfile", "Dockerfile.*", "Containerfile.*")


def is_dockerfile_name(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in PATTERNS)


def discover(paths: list[str]) -> Iterator[str]:
    """Yield files to check: explicit files whatever their name, ``-`` as is, and Dockerfiles found
    under directories (skipping hidden folders, node_modules and vendor), in a stable order."""
    seen: set[str] = set()
    for p in paths:
        if p == "-":
            yield p
            continue
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
                for f in sorted(files):
                    if is_dockerfile_name(f):
                        full = os.path.join(root, f)
                        if full not in seen:
                            seen.add(full)
                            yield full
        else:
            if p not in seen:
                seen.add(p)
                yield p


def discover_yaml(paths: list[str]) -> Iterator[str]:
    """``*.yaml``/``*.yml`` files: explicit ones, and those under directories (hidden folders skipped
    except ``.github/workflows``), in a stable order. Callers keep the Kubernetes/Compose/workflow ones."""
    seen: set[str] = set()
    for p in paths:
        if p == "-" or not os.path.isdir(p):
            if p.lower().endswith((".yaml", ".yml")) and p not in seen:
                seen.add(p)
                yield p
            continue
        for root, dirs, files in os.walk(p):
            workflows = os.path.basename(root) == ".github"
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and (not d.startswith(".") or d == ".github")
                             and (not workflows or d == "workflows"))
            for f in sorted(files):
                if f.lower().endswith((".yaml", ".yml")) and not f.startswith("."):
                    if os.path.basename(root) == ".github":
                        continue
                    full = os.path.join(root, f)
                    if full not in seen:
                        seen.add(full)
                        yield full


def read_bytes(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def atomic_write(path: str | Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` via a temporary file in the same folder and a rename, keeping the
    file's permission bits. Raises PermissionError for a read-only file without touching it."""
    path = Path(path)
    st = path.stat()
    if not os.access(path, os.W_OK):
        raise PermissionError(f"{path}: file is read-only")
    _write_via_rename(path, data, st.st_mode & 0o7777)


def write_new_or_replace(path: str | Path, data: bytes) -> None:
    """Write an output file (a report) atomically: an existing file keeps its permission bits
    (``atomic_write``); a new one gets the umask's default mode. Missing parent folders are made."""
    path = Path(path)
    if path.exists():
        atomic_write(path, data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    umask = os.umask(0)
    os.umask(umask)
    _write_via_rename(path, data, 0o666 & ~umask)


def _write_via_rename(path: Path, data: bytes, mode: int) -> None:
    """``data`` into a temporary file beside ``path`` (synced, given ``mode``), then renamed over it; the
    temporary file never stays behind."""
    import tempfile  # here: a check writes nothing

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".xlint-tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
