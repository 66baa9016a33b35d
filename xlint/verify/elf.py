"""A small ELF header reader: class, data (endianness), e_type, e_machine and PT_INTERP.

It reads sequentially from a stream (a tar member being streamed), only as far as the program
header table and the interpreter string, and never more than ``limit`` bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import NamedTuple

ELF_MAGIC = b"\x7fELF"
PT_INTERP = 3
ET_NAMES = {1: "relocatable", 2: "executable", 3: "shared object", 4: "core"}


class ElfInfo(NamedTuple):
    elfclass: int  # 1 = 32-bit, 2 = 64-bit
    data: int  # 1 = LSB, 2 = MSB
    etype: int
    machine: int
    interp: str | None  # PT_INTERP, None for static binaries (or unreadable)


class _Header(NamedTuple):
    elfclass: int
    data: int
    etype: int
    machine: int
    phoff: int
    phentsize: int
    phnum: int
    endian: str


def _header(buf: bytes) -> _Header | None:
    if len(buf) < 52 or not buf.startswith(ELF_MAGIC):
        return None
    elfclass, data = buf[4], buf[5]
    if elfclass not in (1, 2) or data not in (1, 2):
        return None
    endian = "<" if data == 1 else ">"
    etype, machine = struct.unpack_from(endian + "HH", buf, 16)
    if elfclass == 1:
        (phoff,) = struct.unpack_from(endian + "I", buf, 28)
        phentsize, phnum = struct.unpack_from(endian + "HH", buf, 42)
    else:
        if len(buf) < 64:
            return None
        (phoff,) = struct.unpack_from(endian + "Q", buf, 32)
        phentsize, phnum = struct.unpack_from(endian + "HH", buf, 54)
    return _Header(elfclass, data, etype, machine, phoff, phentsize, phnum, endian)


def _interp_location(h: _Header, buf: bytes) -> tuple[int, int] | None:
    """(offset, size) of the PT_INTERP string, when the phdr table is in ``buf``."""
    minsize = 32 if h.elfclass == 1 else 56
    if h.phnum == 0 or h.phnum == 0xFFFF or h.phentsize < minsize:
        return None
    for i in range(h.phnum):
        off = h.phoff + i * h.phentsize
        if h.elfclass == 1:
            p_type, p_offset, _va, _pa, p_filesz = struct.unpack_from(h.endian + "IIIII", buf, off)
        else:
            p_type, _flags, p_offset, _va, _pa, p_filesz = struct.unpack_from(h.endian + "IIQQQQ", buf, off)
        if p_type == PT_INTERP:
            return p_offset, p_filesz
    return None


def read_elf(head: bytes, read_more: Callable[[int], bytes], size: int, limit: int = 1 << 20) -> ElfInfo | None:
    """Parse an ELF file from its first bytes ``head``; ``read_more(n)`` reads the next n bytes.

    ``size`` is the file size. Returns None when it is not an ELF file.
    """
    h = _header(head)
    if h is None:
        return None
    buf = head
    phend = h.phoff + h.phnum * h.phentsize
    if h.phnum in (0, 0xFFFF) or phend > min(size, limit):
        return ElfInfo(h.elfclass, h.data, h.etype, h.machine, None)
    if phend > len(buf):
        buf += read_more(phend - len(buf))
        if len(buf) < phend:
            return ElfInfo(h.elfclass, h.data, h.etype, h.machine, None)
    loc = _interp_location(h, buf)
    if loc is None:
        return ElfInfo(h.elfclass, h.data, h.etype, h.machine, None)
    off, n = loc
    end = off + n
    if n == 0 or end > min(size, limit):
        return ElfInfo(h.elfclass, h.data, h.etype, h.machine, "")
    if end > len(buf):
        buf += read_more(end - len(buf))
    raw = buf[off:end].split(b"\0", 1)[0]
    return ElfInfo(h.elfclass, h.data, h.etype, h.machine, raw.decode("utf-8", "surrogateescape"))


def read_elf_bytes(data: bytes) -> ElfInfo | None:
    """Parse a whole file held in memory (tests, small files)."""
    return read_elf(data, lambda n: b"", len(data))
