"""xlint.rx: patterns compiled from the stored compilation are the patterns re.compile makes; a missing,
damaged or foreign store, or one that cannot be written, only means compiling as re does."""

from __future__ import annotations

import importlib
import marshal
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from xlint import rx as rx_module

PATTERNS = [(r"(?P<name>[A-Za-z_]\w*)=(?P<value>\S*)", 0), (r"^(?:amd64|arm64)$", re.IGNORECASE),
            (r"(?m)^\s*import\s+\"C\"", 0), (r"a|b|(c)(?:d+)?", re.I | re.M), ("[^\\s'\"]+", 0)]


@pytest.fixture()
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setenv("XLINT_CACHE_DIR", str(tmp_path))
    return importlib.reload(rx_module)


def test_stored_patterns_equal_re_compile(fresh: object, tmp_path: Path) -> None:
    for pattern, flags in PATTERNS:
        assert rx_module.rx(pattern, flags) == re.compile(pattern, flags)
    rx_module.save()
    (stored,) = (tmp_path / "rx").iterdir()
    key, table = marshal.loads(stored.read_bytes())
    assert key == rx_module._KEY and set(table) == {(p, int(f)) for p, f in PATTERNS}
    importlib.reload(rx_module)  # a new process: reads the store
    for pattern, flags in PATTERNS:
        compiled = rx_module.rx(pattern, flags)
        assert compiled == re.compile(pattern, flags)
        assert compiled.groupindex == re.compile(pattern, flags).groupindex
    assert rx_module._added == {}  # (nothing compiled: all came from the store)
    m = rx_module.rx(*PATTERNS[0]).match("GOARCH=arm64")
    assert m is not None and m.group("name", "value") == ("GOARCH", "arm64")


def test_a_damaged_or_foreign_store_is_compiled_again(fresh: object, tmp_path: Path) -> None:
    rx_module.rx(*PATTERNS[1])
    rx_module.save()
    (stored,) = (tmp_path / "rx").iterdir()
    entry = (PATTERNS[1][0], int(PATTERNS[1][1]))
    for content in (b"not marshal", stored.read_bytes()[:-9], marshal.dumps(("another interpreter", {})),
                    marshal.dumps((rx_module._KEY, {entry: ("x", 0, [1], 0, {}, ())})),
                    marshal.dumps((rx_module._KEY, {entry: (entry[0], 34, [1, 2, 3], 0, {}, ())})),
                    marshal.dumps((rx_module._KEY, [entry]))):
        stored.write_bytes(content)
        importlib.reload(rx_module)
        assert rx_module.rx(*PATTERNS[1]) == re.compile(*PATTERNS[1])


def test_a_store_that_cannot_be_written_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XLINT_CACHE_DIR", str(tmp_path / "file"))  # (a file where the folder would be)
    importlib.reload(rx_module)
    assert rx_module.rx(*PATTERNS[2]) == re.compile(*PATTERNS[2])
    rx_module.save()
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_a_check_stores_the_patterns_and_reads_them_back(tmp_path: Path) -> None:
    """Two real runs: the first stores what xlint's modules compile, the second compiles none of them."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM golang:1.22\nRUN go build -o /app .\n")
    env = {**os.environ, "XLINT_CACHE_DIR": str(tmp_path / "cache"), "XLINT_FULL_EXIT": "1"}
    probe = ("import xlint.rx as r, xlint.checker, xlint.shell; print(len(r._stored or {}), len(r._added)); "
             "import xlint.checkrun as c; c._preload()")
    first = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    stored_then, added_then = map(int, first.stdout.split())
    assert stored_then == 0 and added_then > 5  # compiled, and stored by _preload
    second = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    stored_now, added_now = map(int, second.stdout.split())
    assert stored_now > added_then and added_now == 0
    r = subprocess.run([sys.executable, "-m", "xlint", "check", "--no-cache", str(dockerfile)], env=env,
                       capture_output=True, text=True, check=False)
    assert r.returncode == 1 and "XL101" in r.stdout
