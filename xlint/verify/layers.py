"""Streaming layer reader: digest check, gzip/zstd/plain decompression with bomb limits,
a tar parser of our own (ustar, GNU long names, pax) and the in-memory image filesystem
(layers applied in order with whiteouts and opaque directories). Nothing touches the host disk.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import types
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO, Protocol, cast

from xlint.records import record
from xlint.verify.elf import ElfInfo, read_elf
from xlint.verify.errors import VerifyInputError

_inflate: types.ModuleType = zlib
try:  # ISA-L inflate: same API as zlib, 2-3x faster (optional dependency ``isal``)
    from isal import isal_zlib

    _inflate = isal_zlib
except ImportError:  # pragma: no cover - depends on the environment
    pass

CHUNK = 1 << 20
HEAD = 4096


class Reader(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


@record
class Limits:
    """Limits against decompression bombs and runaway images (per platform)."""

    max_uncompressed: int = 64 << 30  # total uncompressed layer bytes of one image
    max_ratio: float = 100.0  # uncompressed / compressed, per layer...
    ratio_grace: int = 64 << 20  # ...checked once a layer has expanded past this many bytes
    max_entries: int = 5_000_000  # filesystem entries kept in memory
    max_json: int = 16 << 20  # manifests, indexes, configs
    max_elf_read: int = 1 << 20  # bytes read into one ELF file to find PT_INTERP


def short(digest: str) -> str:
    return digest[:19]


class HashingReader:
    """Reads a blob, hashing and counting it; ``finish()`` drains it and checks digest and size."""

    def __init__(self, raw: BinaryIO, digest: str, size: int | None, where: str) -> None:
        alg, _, hexd = digest.partition(":")
        if alg not in ("sha256", "sha512") or not hexd:
            raise VerifyInputError(where, f"unsupported digest {digest!r}")
        self._raw = raw
        self._hash = hashlib.new(alg)
        self.digest = digest
        self.size = size
        self.where = where
        self.count = 0
        # hashing runs beside decompression on another core (hashlib releases the GIL for large
        # updates); a bounded queue keeps memory to a few chunks
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
        self._hasher = threading.Thread(target=self._hash_loop, daemon=True)
        self._hasher.start()

    def close(self) -> None:
        """Stop the hashing thread (idempotent; ``finish`` calls it, error paths must too)."""
        if self._hasher.is_alive():
            self._queue.put(None)
            self._hasher.join()

    def _hash_loop(self) -> None:
        while True:
            data = self._queue.get()
            if data is None:
                return
            self._hash.update(data)

    def read(self, n: int = -1, /) -> bytes:
        try:
            data = self._raw.read(n if n >= 0 else CHUNK)
        except OSError as e:
            raise VerifyInputError(self.where, f"read error: {e}") from None
        except Exception as e:  # tarfile.ReadError from archive members, http errors
            raise VerifyInputError(self.where, f"read error: {e}") from None
        if data:
            self._queue.put(data)
            self.count += len(data)
            if self.size is not None and self.count > self.size:
                raise VerifyInputError(self.where, f"blob is larger than its descriptor size {self.size}")
        return data

    def finish(self) -> None:
        while self.read(CHUNK):
            pass
        if self.size is not None and self.count != self.size:
            raise VerifyInputError(
                self.where, f"blob is truncated: {self.count} bytes, descriptor says {self.size}"
            )
        self.close()
        got = f"{self.digest.split(':')[0]}:{self._hash.hexdigest()}"
        if got != self.digest:
            raise VerifyInputError(self.where, f"digest mismatch: content is {got}, expected {self.digest}")


class _Gunzip:
    """Bounded-output gzip decoder (multi-member, CRC checked by zlib)."""

    def __init__(self, src: Reader, where: str) -> None:
        self._src = src
        self._d = _inflate.decompressobj(31)
        self._pending = b""
        self._eof = False
        self.where = where

    def read(self, n: int = -1, /) -> bytes:
        n = CHUNK if n < 0 else n
        while True:
            try:
                if self._pending:
                    out = self._d.decompress(self._pending, n)
                    self._pending = self._d.unconsumed_tail
                    if not self._pending and self._d.eof:
                        self._restart()
                    if out:
                        return out
                    continue
                if self._d.eof:
                    self._restart()
                if self._eof:
                    return b""
                chunk = self._src.read(CHUNK)
                if not chunk:
                    self._eof = True
                    if not self._d.eof and self._started:
                        raise VerifyInputError(self.where, "corrupt gzip data: unexpected end of stream")
                    return b""
                self._started = True
                self._pending = chunk
            except _inflate.error as e:
                raise VerifyInputError(self.where, f"corrupt gzip data: {e}") from None

    _started = False

    def _restart(self) -> None:
        rest = self._d.unused_data + self._pending
        self._d = _inflate.decompressobj(31)
        self._started = False
        self._pending = rest.lstrip(b"\0") if rest.strip(b"\0") == b"" else rest
        if self._pending:
            self._started = True


class _Unzstd:
    def __init__(self, src: Reader, where: str) -> None:
        try:
            import zstandard
        except ImportError:
            raise VerifyInputError(where, "zstd layer but the 'zstandard' package is not installed") from None
        self._err = zstandard.ZstdError
        self._r = zstandard.ZstdDecompressor().stream_reader(cast(BinaryIO, src), read_size=CHUNK, read_across_frames=True)
        self.where = where

    def read(self, n: int = -1, /) -> bytes:
        try:
            return bytes(self._r.read(CHUNK if n < 0 else n))
        except self._err as e:
            raise VerifyInputError(self.where, f"corrupt zstd data: {e}") from None


class _Limited:
    """Counts decompressed bytes; enforces the total and ratio limits."""

    def __init__(self, src: Reader, hashing: HashingReader, limits: Limits, total_before: int) -> None:
        self._src = src
        self._hashing = hashing
        self._limits = limits
        self._before = total_before
        self.count = 0

    def read(self, n: int = -1, /) -> bytes:
        data = self._src.read(n)
        self.count += len(data)
        lim = self._limits
        if self._before + self.count > lim.max_uncompressed:
            raise VerifyInputError(
                self._hashing.where,
                f"image expands past the limit of {lim.max_uncompressed} bytes (--max-size)",
            )
        if self.count > lim.ratio_grace:
            compressed = max(self._hashing.count, 1)
            if self.count > lim.max_ratio * compressed:
                raise VerifyInputError(
                    self._hashing.where,
                    f"decompression bomb: {self.count} bytes from {compressed} "
                    f"(ratio over {lim.max_ratio:g}, --max-ratio)",
                )
        return data


def open_layer(raw: HashingReader, media_type: str, limits: Limits, total_before: int) -> _Limited:
    """Detect the compression from the magic bytes (media types lie) and return a plain tar stream."""
    first = raw.read(4)
    src: Reader = _Prefixed(first, raw)
    if first[:2] == b"\x1f\x8b":
        src = _Gunzip(src, raw.where)
    elif first == b"\x28\xb5\x2f\xfd":
        src = _Unzstd(src, raw.where)
    elif "zstd" in media_type or "gzip" in media_type:
        if first:
            kind = "zstd" if "zstd" in media_type else "gzip"
            raise VerifyInputError(raw.where, f"media type says {kind} but the data is not {kind}")
    return _Limited(src, raw, limits, total_before)


class _Prefixed:
    def __init__(self, prefix: bytes, src: Reader) -> None:
        self._prefix = prefix
        self._src = src

    def read(self, n: int = -1, /) -> bytes:
        if self._prefix:
            if n < 0 or n >= len(self._prefix):
                out, self._prefix = self._prefix, b""
                return out
            out, self._prefix = self._prefix[:n], self._prefix[n:]
            return out
        return self._src.read(n)


# ---------------------------------------------------------------- tar


@record
class TarMember:
    name: str
    kind: str  # "f" regular, "d" dir, "l" symlink, "h" hardlink, "o" other (device, fifo)
    size: int
    mode: int
    linkname: str


class _Bytes:
    """Buffered exact reads and skips over a stream."""

    def __init__(self, src: Reader) -> None:
        self._src = src
        self._buf = b""
        self._pos = 0

    def read(self, n: int) -> bytes:
        avail = len(self._buf) - self._pos
        if avail >= n:
            out = self._buf[self._pos : self._pos + n]
            self._pos += n
            return out
        parts = [self._buf[self._pos :]]
        need = n - avail
        self._buf, self._pos = b"", 0
        while need > 0:
            chunk = self._src.read(max(need, CHUNK))
            if not chunk:
                break
            if len(chunk) > need:
                parts.append(chunk[:need])
                self._buf, self._pos = chunk, need
                need = 0
            else:
                parts.append(chunk)
                need -= len(chunk)
        return b"".join(parts)

    def skip(self, n: int) -> int:
        """Skip n bytes; returns how many were actually skipped."""
        avail = len(self._buf) - self._pos
        if avail >= n:
            self._pos += n
            return n
        done = avail
        self._buf, self._pos = b"", 0
        while done < n:
            chunk = self._src.read(min(n - done, CHUNK) if n - done > 4096 else CHUNK)
            if not chunk:
                break
            if len(chunk) > n - done:
                self._buf, self._pos = chunk, n - done
                done = n
            else:
                done += len(chunk)
        return done


def _octal(field: bytes, what: str) -> int:
    if field and field[0] & 0x80:  # GNU base-256
        v = int.from_bytes(field, "big", signed=False) & ~(0x80 << (8 * (len(field) - 1)))
        return v
    s = field.split(b"\0", 1)[0].strip(b" \0")
    if not s:
        return 0
    try:
        return int(s, 8)
    except ValueError:
        raise ValueError(f"bad {what} field {s[:20]!r}") from None


def _pax(data: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        sp = data.find(b" ", pos)
        if sp < 0:
            break
        try:
            length = int(data[pos:sp])
        except ValueError:
            raise ValueError("bad pax header") from None
        if length <= 0:
            raise ValueError("bad pax header")
        rec = data[sp + 1 : pos + length - 1]
        k, _, v = rec.partition(b"=")
        out[k.decode("utf-8", "surrogateescape")] = v.decode("utf-8", "surrogateescape")
        pos += length
    return out


_KINDS = {b"0": "f", b"\0": "f", b"7": "f", b"1": "h", b"2": "l", b"5": "d", b"3": "o", b"4": "o", b"6": "o"}


class TarStream:
    """Iterate members of a tar stream; the current member's data is read with ``read_data``."""

    def __init__(self, src: Reader, where: str) -> None:
        self._b = _Bytes(src)
        self.where = where
        self._left = 0  # unread data bytes of the current member
        self._pad = 0

    def read_data(self, n: int) -> bytes:
        n = min(n, self._left)
        data = self._b.read(n)
        if len(data) < n:
            raise VerifyInputError(self.where, "corrupt layer: tar truncated inside a member")
        self._left -= n
        return data

    def _finish_member(self) -> None:
        want = self._left + self._pad
        if want and self._b.skip(want) < self._left:
            raise VerifyInputError(self.where, "corrupt layer: tar truncated inside a member")
        self._left = self._pad = 0

    def members(self) -> Iterator[TarMember]:
        long_name: str | None = None
        long_link: str | None = None
        pax: dict[str, str] = {}
        gpax: dict[str, str] = {}
        first = True
        while True:
            self._finish_member()
            hdr = self._b.read(512)
            if not hdr and first:
                raise VerifyInputError(self.where, "corrupt layer: empty tar stream")
            first = False
            if len(hdr) < 512:
                if hdr.strip(b"\0") == b"":
                    return  # lenient: missing end-of-archive blocks
                raise VerifyInputError(self.where, "corrupt layer: tar truncated in a header")
            if hdr.count(0) == 512:
                return
            try:
                chk = _octal(hdr[148:156], "checksum")
                if chk not in (sum(hdr[:148]) + 256 + sum(hdr[156:]),):
                    signed = sum((b - 256 if b > 127 else b) for b in hdr[:148] + hdr[156:]) + 256
                    if chk != signed:
                        raise ValueError("bad header checksum")
                size = _octal(hdr[124:136], "size")
                mode = _octal(hdr[100:108], "mode")
            except ValueError as e:
                raise VerifyInputError(self.where, f"corrupt layer: tar {e}") from None
            flag = hdr[156:157]
            self._left = size
            self._pad = (-size) % 512
            if flag in (b"L", b"K", b"x", b"g"):
                if size > 1 << 20:
                    raise VerifyInputError(self.where, "corrupt layer: tar extended header too large")
                data = self.read_data(size)
                try:
                    if flag == b"L":
                        long_name = data.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
                    elif flag == b"K":
                        long_link = data.split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
                    elif flag == b"x":
                        pax = _pax(data)
                    else:
                        gpax.update(_pax(data))
                except ValueError as e:
                    raise VerifyInputError(self.where, f"corrupt layer: tar {e}") from None
                continue
            name = hdr[0:100].split(b"\0", 1)[0]
            if hdr[257:262] == b"ustar" and hdr[345] != 0 and hdr[263:265] != b" \0":
                prefix = hdr[345:500].split(b"\0", 1)[0]
                name = prefix + b"/" + name
            sname = name.decode("utf-8", "surrogateescape")
            link = hdr[157:257].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
            merged = {**gpax, **pax}
            if long_name is not None:
                sname = long_name
            if long_link is not None:
                link = long_link
            sname = merged.get("path", sname)
            link = merged.get("linkpath", link)
            if "size" in merged:
                try:
                    size = int(merged["size"])
                except ValueError:
                    raise VerifyInputError(self.where, "corrupt layer: bad pax size") from None
                self._left, self._pad = size, (-size) % 512
            long_name = long_link = None
            pax = {}
            kind = _KINDS.get(flag, "o")
            if kind == "f" and sname.endswith("/") and flag == b"\0":
                kind = "d"
            if kind in ("h", "l", "d", "o") and kind != "f":
                # these carry no data in practice; keep what the header says anyway
                pass
            yield TarMember(sname, kind, size, mode, link)


# ---------------------------------------------------------------- image filesystem


class Entry:
    __slots__ = ("kind", "mode", "size", "target", "elf", "shebang")

    def __init__(
        self,
        kind: str,
        mode: int = 0,
        size: int = 0,
        target: str | None = None,
        elf: ElfInfo | None = None,
        shebang: str | None = None,
    ) -> None:
        self.kind = kind  # "f", "d", "l", "o"
        self.mode = mode
        self.size = size
        self.target = target
        self.elf = elf
        self.shebang = shebang


def normalize_member(name: str, where: str) -> str:
    """``./usr/bin/x`` and ``/usr/bin/x`` -> ``usr/bin/x``; ``..`` components are rejected."""
    parts = []
    for p in name.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            raise VerifyInputError(where, f"path traversal in layer member {name!r}")
        parts.append(p)
    return "/".join(parts)


class ImageFS:
    """The final filesystem of one image: path (no leading slash) -> Entry; "" is the root."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.entries: dict[str, Entry] = {"": Entry("d", 0o755)}
        self.children: dict[str, set[str]] = {"": set()}
        self.limits = limits or Limits()
        self._added: set[str] = set()

    # -- lookups
    def resolve(self, path: str, follow_last: bool = True, max_links: int = 40) -> str | None:
        """Resolve symlinks inside the image (absolute targets are from the image root, ``..`` stops
        at the root). Returns the real path, or None if missing, dangling or looping."""
        todo = [p for p in reversed(path.split("/")) if p not in ("", ".")]
        cur: list[str] = []
        links = 0
        while todo:
            p = todo.pop()
            if p == "..":
                if cur:
                    cur.pop()
                continue
            cand = "/".join([*cur, p])
            e = self.entries.get(cand)
            if e is None:
                return None
            if e.kind == "l" and (todo or follow_last):
                links += 1
                if links > max_links:
                    return None
                target = e.target or ""
                if target.startswith("/"):
                    cur = []
                todo.extend(q for q in reversed(target.split("/")) if q not in ("", "."))
                continue
            if todo and e.kind != "d":
                return None
            cur.append(p)
        return "/".join(cur)

    def lookup(self, path: str) -> Entry | None:
        real = self.resolve(path)
        return None if real is None else self.entries.get(real)

    # -- building
    def _remove(self, path: str, keep_added: bool) -> None:
        e = self.entries.get(path)
        if e is None:
            return
        if keep_added and path in self._added:
            if e.kind == "d":
                for c in list(self.children.get(path, ())):
                    self._remove(c, keep_added)
            return
        if e.kind == "d":
            for c in list(self.children.get(path, ())):
                self._remove(c, keep_added)
            self.children.pop(path, None)
        del self.entries[path]
        parent = path.rpartition("/")[0]
        sib = self.children.get(parent)
        if sib is not None:
            sib.discard(path)

    def _parent(self, dirpath: str, where: str) -> str | None:
        """The real directory for ``dirpath`` (following symlinks as extraction would),
        creating missing directories."""
        e = self.entries.get(dirpath)
        if e is not None and e.kind == "d":
            return dirpath
        cur = ""
        for p in dirpath.split("/"):
            cand = f"{cur}/{p}" if cur else p
            e = self.entries.get(cand)
            if e is None:
                self._put(cand, Entry("d", 0o755))
                cur = cand
                continue
            if e.kind == "l":
                real = self.resolve(cand)
                if real is None or self.entries[real].kind != "d":
                    return None
                cur = real
                continue
            if e.kind != "d":
                return None
            cur = cand
        return cur

    def _put(self, path: str, entry: Entry) -> None:
        old = self.entries.get(path)
        if old is not None and old.kind == "d" and entry.kind == "d":
            old.mode = entry.mode
            self._added.add(path)
            return
        if old is not None:
            self._remove(path, keep_added=False)
        if len(self.entries) >= self.limits.max_entries:
            raise VerifyInputError("image", f"more than {self.limits.max_entries} files (limit)")
        self.entries[path] = entry
        if entry.kind == "d":
            self.children.setdefault(path, set())
        parent = path.rpartition("/")[0]
        self.children.setdefault(parent, set()).add(path)
        self._added.add(path)

    def apply_layer(self, tar: TarStream, on_file: Callable[[str], None] | None = None) -> None:
        """Apply one layer (the tar stream of its uncompressed data) on top of the current state."""
        self._added = set()
        where = tar.where
        limit = self.limits.max_elf_read
        for m in tar.members():
            path = normalize_member(m.name, where)
            if not path:
                continue
            dirn, _, base = path.rpartition("/")
            if base.startswith(".wh."):
                parent = self._parent(dirn, where) if dirn else ""
                if parent is None:
                    continue
                if base == ".wh..wh..opq":
                    for c in list(self.children.get(parent, ())):
                        self._remove(c, keep_added=True)
                else:
                    victim = f"{parent}/{base[4:]}" if parent else base[4:]
                    self._remove(victim, keep_added=True)
                continue
            parent = self._parent(dirn, where) if dirn else ""
            if parent is None:
                continue  # parent is a file: a runtime would fail too; ignore the member
            real = f"{parent}/{base}" if parent else base
            if m.kind == "f":
                elf: ElfInfo | None = None
                shebang: str | None = None
                if m.size >= 4:
                    head = tar.read_data(min(m.size, HEAD))
                    if head.startswith(b"\x7fELF"):
                        elf = read_elf(head, tar.read_data, m.size, limit)
                    elif head.startswith(b"#!"):
                        line = head[2:].split(b"\n", 1)[0].strip()
                        shebang = line.decode("utf-8", "surrogateescape")[:256]
                self._put(real, Entry("f", m.mode, m.size, None, elf, shebang))
                if on_file is not None:
                    on_file(real)
            elif m.kind == "d":
                self._put(real, Entry("d", m.mode))
            elif m.kind == "l":
                self._put(real, Entry("l", m.mode, 0, m.linkname))
            elif m.kind == "h":
                src_path = normalize_member(m.linkname, where)
                src = self.entries.get(src_path)
                if src is None:
                    real_src = self.resolve(src_path)
                    src = self.entries.get(real_src) if real_src is not None else None
                if src is None or src.kind != "f":
                    self._put(real, Entry("f", m.mode, 0))
                else:
                    self._put(real, Entry("f", src.mode, src.size, None, src.elf, src.shebang))
            else:
                self._put(real, Entry("o", m.mode))

    def walk_files(self) -> Iterator[tuple[str, Entry]]:
        for path, e in self.entries.items():
            if e.kind == "f":
                yield path, e
