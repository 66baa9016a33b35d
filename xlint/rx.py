"""Compiled regular expressions kept between runs, the way Python keeps compiled modules.

Python compiles a pattern in Python code (``re._parser`` and ``re._compiler``): the hundred patterns the
rules and recipes compile when imported took a fifth of a one-file check's start-up. :func:`rx` is
``re.compile``; what the compiler makes of each pattern (the code the regular expression engine runs)
is kept in xlint's cache folder (``rx/``, see :func:`_path`) and read back by the next run, which then
only hands it to the engine. Like bytecode, it belongs to the program, not to what is checked:
``--no-cache`` (which bypasses stored results) does not bypass it.

The file is keyed by the exact interpreter (version, build, engine magic number); a file of another
interpreter, a damaged file or a pattern the engine refuses means the pattern is compiled as ``re``
always does. :func:`save` writes what this process compiled that the file lacks (atomically: a temporary
file renamed over it); nothing is written when the folder cannot be written.
"""

from __future__ import annotations

import _sre
import marshal
import os
import re
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_KEY = f"{sys.version}|{sys.implementation.cache_tag}|{_sre.MAGIC}|{_sre.CODESIZE}|{_sre.MAXREPEAT}"


def _path() -> str:
    """``rx/<interpreter>.marshal`` in xlint's cache folder: ``$XLINT_CACHE_DIR``, else the user's
    (``$XDG_CACHE_HOME/xlint``, ``~/.cache/xlint``)."""
    base = os.environ.get("XLINT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "xlint")
    tag = f"{sys.implementation.cache_tag}-{_sre.MAGIC}-{sum(map(ord, sys.version)) % 65536:04x}"
    return os.path.join(base, "rx", f"{tag}.marshal")


Args = tuple[str, int, list[int], int, dict[str, int], tuple["str | None", ...]]  # what _sre.compile takes

_stored: dict[tuple[str, int], Args] | None = None  # read from the file at the first call
_added: dict[tuple[str, int], Args] = {}


def _load() -> dict[tuple[str, int], Args]:
    try:
        with open(_path(), "rb") as fh:
            key, table = marshal.loads(fh.read())  # (marshal.load would read the file in small pieces)
        if key == _KEY and isinstance(table, dict):
            return table
    except (OSError, EOFError, ValueError, TypeError):
        pass
    return {}


def _compile_args(pattern: str, flags: int) -> Args:
    """What ``re._compiler.compile`` hands to the engine for ``pattern``."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed: Any = _parser.parse(pattern, flags)
    code = [int(c) for c in _compiler._code(parsed, flags)]  # (its opcodes are int subclasses)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    return (pattern, int(flags | parsed.state.flags), code, int(parsed.state.groups - 1), groupindex,
            tuple(indexgroup))


def rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, from the stored compilation when there is one."""
    global _stored
    if _stored is None:
        _stored = _load()
    flags = int(flags)
    key = (pattern, flags)
    args = _stored.get(key) or _added.get(key)
    if args is None:
        try:
            args = _compile_args(pattern, flags)
            compiled: re.Pattern[str] = _sre.compile(*args)
        except Exception:  # (an interpreter whose compiler works otherwise: compile as re does)
            return re.compile(pattern, flags)
        _added[key] = args
        return compiled
    try:
        if args[0] != pattern or args[1] & flags != flags:
            raise ValueError("another pattern")
        stored: re.Pattern[str] = _sre.compile(*args)
        return stored
    except Exception:  # a damaged entry: compile it again
        _stored.pop(key, None)
        return re.compile(pattern, flags)


def save() -> None:
    """Store what this process compiled that the file lacks."""
    global _added
    if not _added:
        return
    global _stored
    table = _stored = {**(_stored or {}), **_added}
    _added = {}
    path = _path()
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as fh:
            marshal.dump((_KEY, table), fh)
        os.replace(tmp, path)
    except (OSError, ValueError):  # (ValueError: something marshal cannot store; nothing is kept then)
        try:
            os.unlink(tmp)
        except OSError:
            pass
