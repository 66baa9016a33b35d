"""A small registry HTTP API v2 client: manifests with OCI/Docker Accept headers, streaming blobs,
anonymous bearer tokens, credentials from the Docker config (``auths`` base64 user:password)."""

from __future__ import annotations

import base64
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, BinaryIO, cast

from xlint.records import record
from xlint.verify.errors import VerifyInputError

ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
DOCKER_HUB = "registry-1.docker.io"
_NAME_RE = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
_TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")


@record
class Reference:
    registry: str  # host[:port]
    repository: str
    tag: str | None
    digest: str | None

    @property
    def ref(self) -> str:
        return self.digest or self.tag or "latest"

    def __str__(self) -> str:
        s = f"{self.registry}/{self.repository}"
        if self.tag:
            s += f":{self.tag}"
        if self.digest:
            s += f"@{self.digest}"
        return s


def parse_reference(text: str) -> Reference | None:
    """``127.0.0.1:5000/test/img:tag``, ``debian:bookworm``, ``ghcr.io/o/r@sha256:...``; None if not one."""
    s = text.strip()
    if s.startswith("docker://"):
        s = s[len("docker://") :]
    digest = None
    if "@" in s:
        s, digest = s.split("@", 1)
        if not re.match(r"^sha256:[0-9a-f]{64}$", digest):
            return None
    first, _, rest = s.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = DOCKER_HUB, s
    tag = None
    last = path.rsplit("/", 1)[-1]
    if ":" in last:
        path, tag = path.rsplit(":", 1)
        if not _TAG_RE.match(tag):
            return None
    if registry == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    if registry in ("docker.io", "index.docker.io"):
        registry = DOCKER_HUB
    if not _NAME_RE.match(path):
        return None
    if tag is None and digest is None:
        tag = "latest"
    return Reference(registry, path, tag, digest)


def is_loopback(registry: str) -> bool:
    host = registry.rsplit(":", 1)[0] if not registry.startswith("[") else registry.split("]")[0][1:]
    return host in ("localhost", "::1") or host.startswith("127.")


def docker_credentials(registry: str) -> tuple[str, str] | None:
    """user/password for a registry from ``$DOCKER_CONFIG/config.json`` or ``~/.docker/config.json``."""
    cfg_dir = os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    try:
        with open(os.path.join(cfg_dir, "config.json"), encoding="utf-8") as f:
            cfg = json.load(f)
    except (OSError, ValueError):
        return None
    auths = cfg.get("auths") if isinstance(cfg, dict) else None
    if not isinstance(auths, dict):
        return None
    keys = [registry, f"https://{registry}", f"http://{registry}"]
    if registry == DOCKER_HUB:
        keys += ["https://index.docker.io/v1/", "index.docker.io", "docker.io"]
    for key in list(auths):
        norm = key.replace("https://", "").replace("http://", "").rstrip("/")
        if norm.endswith("/v1") or norm.endswith("/v2"):
            norm = norm[:-3]
        if norm == registry:
            keys.append(key)
    for key in keys:
        entry = auths.get(key)
        if isinstance(entry, dict):
            if isinstance(entry.get("auth"), str) and entry["auth"]:
                try:
                    user, _, pw = base64.b64decode(entry["auth"]).decode().partition(":")
                except (ValueError, UnicodeDecodeError):
                    continue
                return user, pw
            if isinstance(entry.get("username"), str):
                return entry["username"], str(entry.get("password", ""))
    return None


def _parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    scheme, _, params = header.partition(" ")
    return scheme.lower(), dict(re.findall(r'(\w+)="([^"]*)"', params))


class _NoRedirectAuth(urllib.request.HTTPRedirectHandler):
    pass


class RegistrySource:
    """Blobs and manifests of one repository in a registry."""

    def __init__(self, ref: Reference, insecure: bool = False, timeout: float = 60.0) -> None:
        self.ref = ref
        self.where = str(ref)
        plain = insecure or is_loopback(ref.registry)
        self.base = f"{'http' if plain else 'https'}://{ref.registry}/v2/{ref.repository}"
        self.timeout = timeout
        self._auth: str | None = None
        self._creds = docker_credentials(ref.registry)
        self._opener = urllib.request.build_opener(_NoRedirectAuth())

    def _request(self, url: str, accept: str | None, where: str) -> Any:
        for attempt in range(2):
            req = urllib.request.Request(url)
            if accept:
                req.add_header("Accept", accept)
            if self._auth:
                # not forwarded on redirects (blob storage may reject a second auth scheme)
                req.add_unredirected_header("Authorization", self._auth)
            try:
                return self._opener.open(req, timeout=self.timeout)
            except urllib.error.HTTPError as e:
                if e.code == 401 and attempt == 0 and self._authenticate(e.headers.get("WWW-Authenticate", ""), where):
                    continue
                detail = ""
                try:
                    body = json.loads(e.read(65536) or b"{}")
                    errs = body.get("errors") if isinstance(body, dict) else None
                    if errs and isinstance(errs[0], dict):
                        detail = f": {errs[0].get('code', '')} {errs[0].get('message', '')}".rstrip()
                except (ValueError, OSError):
                    pass
                raise VerifyInputError(where, f"registry answered HTTP {e.code} {e.reason}{detail}") from None
            except (urllib.error.URLError, OSError) as e:
                reason = getattr(e, "reason", e)
                raise VerifyInputError(where, f"cannot reach registry {self.ref.registry}: {reason}") from None
        raise VerifyInputError(where, "registry authentication failed")

    def _authenticate(self, challenge: str, where: str) -> bool:
        scheme, params = _parse_challenge(challenge)
        if scheme == "basic":
            if not self._creds:
                raise VerifyInputError(where, "registry needs credentials (docker login)")
            tok = base64.b64encode(f"{self._creds[0]}:{self._creds[1]}".encode()).decode()
            self._auth = f"Basic {tok}"
            return True
        if scheme != "bearer" or "realm" not in params:
            return False
        query = {"service": params.get("service", "")}
        query["scope"] = params.get("scope") or f"repository:{self.ref.repository}:pull"
        url = params["realm"] + "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v})
        req = urllib.request.Request(url)
        if self._creds:
            tok = base64.b64encode(f"{self._creds[0]}:{self._creds[1]}".encode()).decode()
            req.add_header("Authorization", f"Basic {tok}")
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                body = json.loads(resp.read(1 << 20))
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise VerifyInputError(where, f"registry token request failed: {e}") from None
        token = body.get("token") or body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str):
            raise VerifyInputError(where, "registry token response has no token")
        self._auth = f"Bearer {token}"
        return True

    def root(self) -> tuple[bytes, str | None]:
        url = f"{self.base}/manifests/{self.ref.ref}"
        with self._request(url, ACCEPT, self.where) as resp:
            data = resp.read(16 << 20)
            digest = resp.headers.get("Docker-Content-Digest")
        if self.ref.digest:
            import hashlib

            got = "sha256:" + hashlib.sha256(data).hexdigest()
            if got != self.ref.digest:
                raise VerifyInputError(self.where, f"digest mismatch: manifest is {got}")
            digest = got
        return data, digest

    def open_blob(self, digest: str, size: int | None) -> BinaryIO:
        # manifests (nested indexes, image manifests) live under /manifests, other blobs under /blobs
        return cast(BinaryIO, self._request(f"{self.base}/blobs/{digest}", None, f"{self.where} blob {digest[:19]}"))

    def open_manifest(self, digest: str) -> BinaryIO:
        return cast(BinaryIO, self._request(f"{self.base}/manifests/{digest}", ACCEPT, f"{self.where} manifest {digest[:19]}"))

    def close(self) -> None:
        pass
