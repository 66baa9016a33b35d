"""``xlint verify``: prove a multi-arch image (OCI archive, OCI layout or registry reference).

``verify_image(ref, platforms)`` returns a :class:`VerifyResult`; unreadable input raises
:class:`VerifyInputError` (one line, exit 2 in the command line).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from xlint.records import field, record
from xlint.verify.checks import Finding, PlatformResult, check_elves, check_entrypoint, check_platform
from xlint.verify.errors import VerifyInputError
from xlint.verify.layers import HashingReader, ImageFS, Limits, TarStream, open_layer, short
from xlint.verify.oci import (
    CONFIG_TYPES,
    ArchiveSource,
    ImageEntry,
    LayoutSource,
    Source,
    check_digest,
    read_json_blob,
    walk,
)
from xlint.verify.platforms import format_platform, matches_request, normalize, parse_platform
from xlint.verify.registry import RegistrySource, parse_reference

__all__ = ["DEFAULT_PLATFORMS", "Finding", "Limits", "PlatformResult", "VerifyInputError", "VerifyResult",
           "open_source", "verify_image"]

DEFAULT_PLATFORMS = ["linux/amd64", "linux/arm64"]


@record
class VerifyResult:
    image: str
    kind: str  # oci-archive | oci-layout | registry
    platforms: list[PlatformResult] = field(default_factory=list)
    available: list[str] = field(default_factory=list)  # image platforms found in the index
    skipped: list[str] = field(default_factory=list)  # attestations and other non-image entries
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.platforms) and all(p.ok for p in self.platforms)

    @property
    def layer_bytes(self) -> int:
        return sum(p.compressed_bytes for p in self.platforms)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``json.dumps(result.to_json())``)."""
        return {
            "image": self.image,
            "kind": self.kind,
            "ok": self.ok,
            "available": self.available,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
            "platforms": [p.to_json() for p in self.platforms],
        }

    def render_text(self) -> str:
        lines = [f"verify {self.image} ({self.kind}; index has {', '.join(self.available) or 'no images'})"]
        for p in self.platforms:
            status = "ok" if p.ok else "FAIL"
            if p.manifest is None:
                lines.append(f"{p.platform:<14} {status}")
            else:
                mb = p.compressed_bytes / 1e6
                lines.append(
                    f"{p.platform:<14} {status:<4} {short(p.manifest)}  {p.layers} layers {mb:.1f} MB, "
                    f"{p.files} files, {p.elf_files} ELF ({p.dynamic_elf_files} dynamic)"
                    + (f", runs {p.program}" if p.program else "")
                )
            for f in p.failures:
                lines.append(f"  {f.check}: {f.message}")
            for w in p.warnings:
                lines.append(f"  warning: {w.check}: {w.message}")
            if p.run is not None:
                lines.append(f"  run: exit {p.run['exit']}: {p.run['output']}")
        failed = sum(1 for p in self.platforms if not p.ok)
        if self.ok:
            lines.append(f"result: ok ({len(self.platforms)} platforms, {self.seconds:.2f} s)")
        else:
            lines.append(f"result: FAIL ({failed} of {len(self.platforms)} platforms failed)")
        return "\n".join(lines) + "\n"

    def render_json(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"


def open_source(ref: str, insecure: bool = False) -> tuple[Source, str]:
    """(source, kind) for a path or a registry reference."""
    for prefix in ("oci-layout://", "oci:", "oci-archive:"):
        if ref.startswith(prefix):
            path = ref[len(prefix):]
            if not os.path.exists(path):
                raise VerifyInputError(path, "no such file or directory")
            ref = path
            break
    if os.path.isdir(ref):
        return LayoutSource(ref), "oci-layout"
    if os.path.exists(ref):
        return ArchiveSource(ref), "oci-archive"
    parsed = None if ref.endswith((".tar", ".tar.gz", ".tgz")) or ref.startswith((".", "/")) else parse_reference(ref)
    if parsed is None:
        raise VerifyInputError(ref, "no such file or directory, and not an image reference")
    return RegistrySource(parsed, insecure=insecure), "registry"


def _config_platform(cfg: dict[str, Any]) -> tuple[str, str, str]:
    return normalize(str(cfg.get("os", "")), str(cfg.get("architecture", "")), str(cfg.get("variant", "") or ""))


def verify_image(
    ref: str,
    platforms: list[str] | None,
    insecure: bool = False,
    run: bool = False,
    limits: Limits | None = None,
    allow: list[str] | None = None,
    run_args: list[str] | None = None,
) -> VerifyResult:
    """Verify an image. ``platforms`` None means linux/amd64,linux/arm64; ``["all"]`` every image
    in the index. ``allow``: glob patterns of paths exempt from the ELF architecture check."""
    t0 = time.perf_counter()
    limits = limits or Limits()
    src, kind = open_source(ref, insecure)
    try:
        return _verify(src, kind, ref, platforms, run, limits, allow or [], run_args or ["--version"], t0)
    finally:
        src.close()


def _verify(src: Source, kind: str, ref: str, platforms: list[str] | None, run: bool, limits: Limits,
            allow: list[str], run_args: list[str], t0: float) -> VerifyResult:
    tree = walk(src, limits)
    result = VerifyResult(ref, kind, skipped=tree.skipped)
    # images whose descriptor carries no platform: the config says
    configs: dict[str, dict[str, Any]] = {}
    resolved: list[tuple[ImageEntry, tuple[str, str, str]]] = []
    for img in tree.images:
        if img.platform is None:
            man = _manifest(src, img, limits)
            cfg = _config(src, man, img, limits)
            configs[img.digest] = cfg
            resolved.append((img, _config_platform(cfg)))
        else:
            resolved.append((img, img.platform))
    result.available = [format_platform(*p) for _, p in resolved]
    if platforms and [p.strip().lower() for p in platforms] == ["all"]:
        wanted = [p for _, p in resolved]
    else:
        try:
            wanted = [parse_platform(p) for p in (platforms or DEFAULT_PLATFORMS)]
        except ValueError as e:
            raise VerifyInputError("--platform", str(e)) from None
    engine_ref: str | None = None
    for want in wanted:
        name = format_platform(*want)
        res = PlatformResult(name)
        result.platforms.append(res)
        match = [(img, p) for img, p in resolved if matches_request(want, p)]
        if not match:
            res.fail("missing", f"no image for {name} in the index (it has: {', '.join(result.available) or 'none'})")
            continue
        if len(match) > 1:
            res.warn("missing", f"{len(match)} images match {name}; checking the first")
        img, plat = match[0]
        t1 = time.perf_counter()
        res.manifest = img.digest
        man = _manifest(src, img, limits)
        cfg = configs.get(img.digest) or _config(src, man, img, limits)
        check_platform(res, img.platform, _config_platform(cfg))
        fs = _apply_layers(src, man, cfg, res, limits)
        check_elves(res, fs, plat[1], allow)
        check_entrypoint(res, fs, cfg, plat[1])
        if run:
            from xlint.verify.run import engine_image, run_entrypoint

            if engine_ref is None:
                engine_ref = engine_image(kind, str(getattr(src, "ref", "")) if kind == "registry" else ref)
            cc = cfg.get("config") or {}
            has_ep = bool(isinstance(cc, dict) and cc.get("Entrypoint"))
            res.run = run_entrypoint(engine_ref, name, has_ep, res.program, run_args)
            if res.run["exec_error"] or res.run["exit"] is None:
                res.fail("run", f"docker run failed: exit {res.run['exit']}: {res.run['output']}")
            elif not res.run["ok"]:
                res.warn("run", f"started, exit {res.run['exit']}: {res.run['output']}")
        res.seconds = time.perf_counter() - t1
        del fs
    result.seconds = time.perf_counter() - t0
    return result


def _manifest(src: Source, img: ImageEntry, limits: Limits) -> dict[str, Any]:
    if img.manifest is None:
        img.manifest = read_json_blob(src, img.descriptor, limits, "manifest")
    man = img.manifest
    if not isinstance(man.get("layers"), list) or not isinstance(man.get("config"), dict):
        raise VerifyInputError(src.where, f"manifest {short(img.digest)} has no config or layers")
    return man


def _config(src: Source, man: dict[str, Any], img: ImageEntry, limits: Limits) -> dict[str, Any]:
    desc = man["config"]
    mt = desc.get("mediaType", "")
    if mt and mt not in CONFIG_TYPES:
        raise VerifyInputError(src.where, f"manifest {short(img.digest)}: config media type {mt} is not an image config")
    return read_json_blob(src, desc, limits, "config")


def _apply_layers(src: Source, man: dict[str, Any], cfg: dict[str, Any], res: PlatformResult,
                  limits: Limits) -> ImageFS:
    fs = ImageFS(limits)
    layers = man["layers"]
    diff_ids = (cfg.get("rootfs") or {}).get("diff_ids") if isinstance(cfg.get("rootfs"), dict) else None
    if isinstance(diff_ids, list) and len(diff_ids) != len(layers):
        res.fail("config", f"config lists {len(diff_ids)} layers (diff_ids), the manifest {len(layers)}")
    total = 0
    for i, desc in enumerate(layers):
        if not isinstance(desc, dict):
            raise VerifyInputError(src.where, f"manifest layer {i} is not a descriptor")
        digest = check_digest(desc.get("digest"), src.where)
        mt = str(desc.get("mediaType", ""))
        if "nondistributable" in mt or "foreign" in mt:
            res.warn("layer", f"layer {i + 1} {short(digest)} is non-distributable ({mt}): not checked")
            continue
        size = desc.get("size") if isinstance(desc.get("size"), int) else None
        where = f"{src.where}: layer {i + 1} {short(digest)}"
        raw = src.open_blob(digest, size)
        hashing = HashingReader(raw, digest, size, where)
        try:
            plain = open_layer(hashing, mt, limits, total)
            fs.apply_layer(TarStream(plain, where))
            hashing.finish()
            total += plain.count
            res.compressed_bytes += hashing.count
        finally:
            hashing.close()
            raw.close()
        res.layers += 1
    res.uncompressed_bytes = total
    return fs
