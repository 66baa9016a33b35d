"""What the build context says, when xlint can read it: cgo in the Go sources (`import "C"`, modules that
need cgo), the module's name (the default output of `go build`), the make variable a Makefile sets GOARCH
from. Everything here answers None when the context is unknown or unreadable."""

from __future__ import annotations

import os
import re
from pathlib import Path

from xlint.contextfiles import memoized, walk
from xlint.contextfiles import read_text as _read_context_file
from xlint.rx import rx

_CGO_IMPORT = rx(r'(?m)^\s*import\s+"C"\s*(?://.*)?$|^\s*import\s*\(\s*"C"\s*\)')


# modules that need cgo to work (their pure-Go fallback is a stub that fails at run time)
_CGO_MODULES = ("github.com/mattn/go-sqlite3", "github.com/confluentinc/confluent-kafka-go",
                "github.com/libgit2/git2go", "github.com/google/gopacket/pcap", "github.com/tecbot/gorocksdb",
                "github.com/linxGnu/grocksdb", "github.com/DataDog/zstd", "github.com/go-gl/glfw",
                "github.com/miekg/pkcs11", "github.com/ceph/go-ceph")


_SKIP_DIRS = frozenset({".git", "node_modules", "testdata", ".hg", ".svn"})


_MAX_FILES = 5000


def go_uses_cgo(context: Path | None) -> bool | None:
    """True when the Go sources of the build context use cgo (``import "C"`` in a non-test ``.go`` file,
    or a go.mod requiring a module known to need cgo); False when they can be read and do not; None
    when the context is unknown or holds no Go files."""
    if context is None:
        return None
    return _cgo_in(str(context))


@memoized(maxsize=64)
def _cgo_in(root: str) -> bool | None:
    seen = 0
    found_go = False
    try:
        for dirpath, dirnames, filenames in walk(root):
            dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
            for name in filenames:
                if name == "go.mod":
                    text = read_text(os.path.join(dirpath, name))
                    if text is None:
                        return None
                    if any(m in text for m in _CGO_MODULES):
                        return True
                if not name.endswith(".go") or name.endswith("_test.go"):
                    continue
                seen += 1
                if seen > _MAX_FILES:
                    return None
                text = read_text(os.path.join(dirpath, name))
                if text is None:
                    return None
                found_go = True
                if _CGO_IMPORT.search(text):
                    return True
    except OSError:
        return None
    return False if found_go else None


def read_text(path: str) -> str | None:
    """A context file's text, recorded for the results cache (:mod:`xlint.contextfiles`)."""
    return _read_context_file(path)


def go_module_name(context: Path | None) -> str | None:
    """Last element of the context's module path (the default name of `go build`'s output)."""
    if context is None:
        return None
    text = read_text(str(context / "go.mod"))
    if text is None:
        return None
    m = re.search(r"(?m)^\s*module\s+\"?([^\s\"]+)", text)
    if m is None:
        return None
    parts = m.group(1).rstrip("/").split("/")
    if len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]):
        parts.pop()
    return parts[-1] or None


_ARCH_FROM_MAKE = rx(r"(?m)^\s*(?:export\s+)?GOARCH\s*[:?]?=\s*\$[({](\w+)[)}]\s*$")


def makefile_arch_var(context: Path | None) -> str | None:
    """The make variable the context's Makefile sets GOARCH from (`GOARCH = $(ARCH)`), if any."""
    ctx = context
    if ctx is None:
        return None
    for name in ("Makefile", "makefile", "GNUmakefile"):
        text = read_text(str(ctx / name))
        if text is not None:
            m = _ARCH_FROM_MAKE.search(text)
            return m.group(1) if m and m.group(1) != "GOARCH" else None
    return None
