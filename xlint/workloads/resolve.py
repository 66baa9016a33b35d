"""Which platforms does a base image exist for? Registry lookups (HTTP API v2, through
``xlint.verify.registry``) with an on-disk cache, for XL302.

Cache layout (``$XLINT_CACHE_DIR`` or ``$XDG_CACHE_HOME/xlint`` or ``~/.cache/xlint``, under ``registry/``):
- ``refs/<sha256 of the reference>.json``: ``{"ref", "digest", "fetched"}``: a tag moves, so this answer
  expires (``ttl`` seconds, 24 h by default);
- ``digests/<algo>-<hex>.json``: ``{"platforms": [...]}``: the content of a digest never changes, so it
  does not expire.
``offline`` answers from the cache only (expired tag answers included: better an old answer than none).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xlint.expand import Platform, parse_platform
from xlint.records import field, record
from xlint.resolver import current, using  # noqa: F401  (re-exported: the registry client and its run)

INDEX_TYPES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")
DEFAULT_TTL = 24 * 3600

# (digest, platforms) for a reference, or an error message
Fetcher = Callable[[str], "tuple[str, list[str]]"]


class ResolveError(Exception):
    """The registry could not answer (unreachable, unknown image, no credentials)."""


def default_cache_dir() -> Path:
    base = os.environ.get("XLINT_CACHE_DIR")
    if base:
        return Path(base) / "registry"
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "xlint" / "registry"


def platforms_of_manifest(data: bytes, open_blob: Callable[[str], bytes]) -> list[str]:
    """Platforms of an index (its manifests' platforms, attestations skipped) or of one image manifest
    (from its config blob)."""
    doc = json.loads(data)
    if not isinstance(doc, dict):
        raise ResolveError("not a manifest")
    media = doc.get("mediaType", "")
    if media in INDEX_TYPES or ("manifests" in doc and "config" not in doc):
        out = []
        for m in doc.get("manifests") or []:
            p = m.get("platform") if isinstance(m, dict) else None
            if not isinstance(p, dict):
                continue
            if (m.get("annotations") or {}).get("vnd.docker.reference.type") == "attestation-manifest":
                continue
            if p.get("os") == "unknown" or p.get("architecture") == "unknown":
                continue
            s = f"{p.get('os')}/{p.get('architecture')}" + (f"/{p['variant']}" if p.get("variant") else "")
            if s not in out:
                out.append(s)
        return out
    config = doc.get("config")
    if not isinstance(config, dict) or not isinstance(config.get("digest"), str):
        raise ResolveError("manifest has no config")
    cfg = json.loads(open_blob(config["digest"]))
    s = f"{cfg.get('os')}/{cfg.get('architecture')}" + (f"/{cfg['variant']}" if cfg.get("variant") else "")
    return [s]


def registry_fetch(ref_text: str) -> tuple[str, list[str]]:
    """Ask the image's registry (anonymous token auth or Docker config credentials)."""
    from xlint.verify.errors import VerifyInputError
    from xlint.verify.registry import RegistrySource, parse_reference

    ref = parse_reference(ref_text)
    if ref is None:
        raise ResolveError(f"not an image reference: {ref_text}")
    src = RegistrySource(ref, timeout=20.0)
    try:
        data, digest = src.root()

        def blob(d: str) -> bytes:
            with src.open_blob(d, None) as fh:
                return fh.read(1 << 20)

        plats = platforms_of_manifest(data, blob)
    except VerifyInputError as exc:
        raise ResolveError(str(exc)) from None
    except (ValueError, OSError) as exc:
        raise ResolveError(f"{ref_text}: {exc}") from None
    finally:
        src.close()
    import hashlib

    return digest or "sha256:" + hashlib.sha256(data).hexdigest(), plats


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(obj, fh)
    os.replace(tmp, path)


def _read_json(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


@record
class Resolver:
    cache_dir: Path = field(default_factory=default_cache_dir)
    ttl: float = DEFAULT_TTL
    offline: bool = False
    fetch: Fetcher = registry_fetch
    errors: dict[str, str] = field(default_factory=dict)  # reference -> why it has no answer
    lookups: int = 0  # registry requests made (for tests and --verbose)
    _memo: dict[str, list[str] | None] = field(default_factory=dict)

    def _ref_file(self, ref: str) -> Path:
        import hashlib

        return self.cache_dir / "refs" / (hashlib.sha256(ref.encode()).hexdigest() + ".json")

    def _digest_file(self, digest: str) -> Path:
        return self.cache_dir / "digests" / (digest.replace(":", "-") + ".json")

    def platforms(self, ref: str) -> list[str] | None:
        """The platforms ``ref`` exists for, or None when unknown (offline without a cache entry,
        unreachable registry: see ``errors``)."""
        if ref in self._memo:
            return self._memo[ref]
        answer = self._platforms(ref)
        self._memo[ref] = answer
        return answer

    def _platforms(self, ref: str) -> list[str] | None:
        pinned = ref.split("@", 1)[1] if "@" in ref else None
        entry = _read_json(self._ref_file(ref))
        digest = pinned or (entry.get("digest") if isinstance(entry, dict) else None)
        fresh = pinned is not None or (isinstance(entry, dict) and time.time() - float(entry.get("fetched", 0)) < self.ttl)
        if digest and (fresh or self.offline):
            cached = _read_json(self._digest_file(digest))
            if isinstance(cached, dict) and isinstance(cached.get("platforms"), list):
                return [str(p) for p in cached["platforms"]]
        if self.offline:
            self.errors[ref] = "not in the cache (--offline)"
            return None
        try:
            self.lookups += 1
            digest, plats = self.fetch(ref)
        except ResolveError as exc:
            self.errors[ref] = str(exc)
            return None
        _write_json(self._digest_file(digest), {"platforms": plats})
        _write_json(self._ref_file(ref), {"ref": ref, "digest": digest, "fetched": time.time()})
        return plats


def covers(available: list[str], target: Platform) -> bool:
    """True when one of the ``available`` platforms runs ``target`` (arm64's v8 variant is implied)."""
    t_os, t_arch, t_var = target
    for a in available:
        p = parse_platform(a)
        if p is None:
            continue
        os_, arch, var = p
        if os_ != t_os or arch != t_arch:
            continue
        if not t_var or not var or t_var == var:
            return True
    return False


def check_with_canned(rule: Any, dockerfiles: dict[str, str], options: Any,
                      images: dict[str, list[str]]) -> list[Any]:
    """Run a resolving rule over Dockerfiles with registry answers given in ``images`` (for examples):
    the cache is a temporary folder, the fetcher answers from the dict."""
    from xlint.checker import check_text

    def fetch(ref: str) -> tuple[str, list[str]]:
        if ref not in images:
            raise ResolveError(f"{ref}: not found")
        import hashlib

        return "sha256:" + hashlib.sha256(json.dumps([ref, images[ref]]).encode()).hexdigest(), images[ref]

    out: list[Any] = []
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, using(Resolver(cache_dir=Path(tmp), fetch=fetch)):
        for path, text in dockerfiles.items():
            out.extend(d for d in check_text(text, path, options, [rule]) if d.code == rule.code)
    return out


class RunResolvers:
    """One resolver per ``xlint check`` run, active for the files whose config (or ``--resolve``) asks."""

    def __init__(self, flag: bool | None, offline: bool) -> None:
        self.flag = flag
        self.offline = offline
        self._resolver: Resolver | None = None

    def for_file(self, config_resolve: bool) -> Resolver | None:
        wanted = self.flag if self.flag is not None else (config_resolve or self.offline)
        if not wanted:
            return None
        if self._resolver is None:
            self._resolver = Resolver(offline=self.offline)
        return self._resolver
