"""Image sources (OCI layout directory, OCI archive, registry) and the index walk."""

from __future__ import annotations

import json
import os
import re
import tarfile
from typing import Any, BinaryIO, Protocol

from xlint.records import field, record
from xlint.verify.errors import VerifyInputError
from xlint.verify.layers import HashingReader, Limits, short
from xlint.verify.platforms import normalize

INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}
MANIFEST_TYPES = {
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
}
CONFIG_TYPES = {
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
}
DIGEST_RE = re.compile(r"^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$")


class Source(Protocol):
    where: str

    def root(self) -> tuple[bytes, str | None]:
        """The top document (index.json, or the manifest/index a registry tag points at) and,
        when known, its digest."""
        ...

    def open_blob(self, digest: str, size: int | None) -> BinaryIO: ...

    def open_manifest(self, digest: str) -> BinaryIO: ...

    def close(self) -> None: ...


def check_digest(digest: object, where: str) -> str:
    if not isinstance(digest, str) or not DIGEST_RE.match(digest):
        raise VerifyInputError(where, f"bad digest {digest!r} in a descriptor")
    return digest


class LayoutSource:
    """An OCI image layout directory (oci-layout, index.json, blobs/<alg>/<hex>)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.where = path
        if not os.path.isfile(os.path.join(path, "index.json")):
            raise VerifyInputError(path, "not an OCI layout: no index.json")

    def root(self) -> tuple[bytes, str | None]:
        with open(os.path.join(self.path, "index.json"), "rb") as f:
            return f.read(16 << 20), None

    def open_blob(self, digest: str, size: int | None) -> BinaryIO:
        alg, _, hexd = check_digest(digest, self.where).partition(":")
        p = os.path.join(self.path, "blobs", alg, hexd)
        try:
            return open(p, "rb")
        except OSError:
            raise VerifyInputError(f"{self.where}/blobs/{alg}/{hexd[:12]}", "blob missing") from None

    def open_manifest(self, digest: str) -> BinaryIO:
        return self.open_blob(digest, None)

    def close(self) -> None:
        pass


class ArchiveSource:
    """An OCI archive: the layout in a tar file (what ``docker buildx build --output type=oci`` writes)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.where = path
        try:
            with open(path, "rb") as f:
                magic = f.read(2)
            self._tar = tarfile.open(path, "r:gz" if magic == b"\x1f\x8b" else "r:")
            members = self._tar.getmembers()
        except (tarfile.TarError, OSError, EOFError, ValueError) as e:
            raise VerifyInputError(path, f"corrupt or not a tar archive ({e})") from None
        self._members: dict[str, tarfile.TarInfo] = {}
        for m in members:
            name = m.name
            while name.startswith("./"):
                name = name[2:]
            self._members[name.lstrip("/")] = m
        if "index.json" not in self._members:
            hint = " (a docker-archive from 'docker save'? use an OCI archive)" if "manifest.json" in self._members else ""
            raise VerifyInputError(path, f"not an OCI archive: no index.json{hint}")

    def _open(self, name: str, where: str) -> BinaryIO:
        m = self._members.get(name)
        if m is None or not m.isfile():
            raise VerifyInputError(where, "blob missing from the archive")
        try:
            f = self._tar.extractfile(m)
        except (tarfile.TarError, OSError) as e:
            raise VerifyInputError(where, f"corrupt archive ({e})") from None
        if f is None:
            raise VerifyInputError(where, "blob missing from the archive")
        return f  # type: ignore[return-value]

    def root(self) -> tuple[bytes, str | None]:
        f = self._open("index.json", f"{self.where}:index.json")
        try:
            return f.read(16 << 20), None
        except (tarfile.TarError, OSError) as e:
            raise VerifyInputError(f"{self.where}:index.json", f"corrupt archive ({e})") from None

    def open_blob(self, digest: str, size: int | None) -> BinaryIO:
        alg, _, hexd = check_digest(digest, self.where).partition(":")
        return self._open(f"blobs/{alg}/{hexd}", f"{self.where}:blobs/{alg}/{hexd[:12]}")

    def open_manifest(self, digest: str) -> BinaryIO:
        return self.open_blob(digest, None)

    def close(self) -> None:
        self._tar.close()


def parse_json(data: bytes, where: str) -> dict[str, Any]:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise VerifyInputError(where, f"invalid JSON ({e})") from None
    if not isinstance(doc, dict):
        raise VerifyInputError(where, "invalid JSON document (not an object)")
    return doc


def read_json_blob(src: Source, desc: dict[str, Any], limits: Limits, what: str) -> dict[str, Any]:
    digest = check_digest(desc.get("digest"), src.where)
    size = desc.get("size")
    size = size if isinstance(size, int) and size >= 0 else None
    where = f"{src.where}: {what} {short(digest)}"
    if size is not None and size > limits.max_json:
        raise VerifyInputError(where, f"{what} is {size} bytes (limit {limits.max_json})")
    raw = src.open_manifest(digest) if what in ("index", "manifest") else src.open_blob(digest, size)
    h = HashingReader(raw, digest, size, where)
    try:
        data = h.read(limits.max_json + 1)
        if len(data) > limits.max_json:
            raise VerifyInputError(where, f"{what} larger than {limits.max_json} bytes")
        more = h.read(limits.max_json)
        data += more
        h.finish()
    finally:
        h.close()
        raw.close()
    return parse_json(data, where)


@record
class ImageEntry:
    """One image manifest found in the index tree."""

    digest: str
    platform: tuple[str, str, str] | None  # from the descriptor; None if the descriptor has none
    descriptor: dict[str, Any]
    manifest: dict[str, Any] | None = None  # set when already loaded


@record
class Walk:
    images: list[ImageEntry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # attestations, artifacts (notes)


def _desc_platform(desc: dict[str, Any]) -> tuple[str, str, str] | None:
    p = desc.get("platform")
    if not isinstance(p, dict):
        return None
    return normalize(str(p.get("os", "")), str(p.get("architecture", "")), str(p.get("variant", "") or ""))


def walk(src: Source, limits: Limits) -> Walk:
    data, root_digest = src.root()
    top = parse_json(data, f"{src.where}: index.json" if root_digest is None else src.where)
    out = Walk()
    mt = top.get("mediaType", "")
    if "manifests" in top or mt in INDEX_TYPES:
        _walk_index(src, top, limits, out, 0, "index.json")
    elif "layers" in top or mt in MANIFEST_TYPES:
        out.images.append(ImageEntry(root_digest or "", None, {"mediaType": mt}, top))
    else:
        raise VerifyInputError(src.where, "neither an image index nor an image manifest")
    return out


def _walk_index(src: Source, index: dict[str, Any], limits: Limits, out: Walk, depth: int, what: str) -> None:
    if depth > 4:
        raise VerifyInputError(src.where, "image indexes nested too deeply")
    manifests = index.get("manifests")
    if not isinstance(manifests, list):
        raise VerifyInputError(src.where, f"{what}: 'manifests' is not a list")
    for desc in manifests:
        if not isinstance(desc, dict):
            raise VerifyInputError(src.where, f"{what}: bad descriptor {desc!r:.60}")
        digest = check_digest(desc.get("digest"), src.where)
        mt = str(desc.get("mediaType", ""))
        ann = desc.get("annotations") or {}
        plat = _desc_platform(desc)
        if isinstance(ann, dict) and ann.get("vnd.docker.reference.type") == "attestation-manifest":
            out.skipped.append(f"attestation {short(digest)}")
            continue
        if plat is not None and plat[0] == "unknown" and plat[1] == "unknown":
            out.skipped.append(f"unknown/unknown {short(digest)}")
            continue
        if mt in INDEX_TYPES:
            sub = read_json_blob(src, desc, limits, "index")
            _walk_index(src, sub, limits, out, depth + 1, f"index {short(digest)}")
            continue
        if mt and mt not in MANIFEST_TYPES:
            out.skipped.append(f"{mt} {short(digest)}")
            continue
        if not mt:  # untyped descriptor: look inside
            doc = read_json_blob(src, desc, limits, "manifest")
            if "manifests" in doc:
                _walk_index(src, doc, limits, out, depth + 1, f"index {short(digest)}")
                continue
            out.images.append(ImageEntry(digest, plat, desc, doc))
            continue
        out.images.append(ImageEntry(digest, plat, desc))
