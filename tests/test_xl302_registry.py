"""XL302 base-image-missing-platform against a real registry (Debian's docker-registry) on 127.0.0.1,
holding a multi-arch index and a single-arch image that this test pushes itself (registry HTTP API v2)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from xlint.workloads.resolve import ResolveError, Resolver

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"



@pytest.fixture(scope="module")
def registry(local_registry: str) -> str:
    push_images(local_registry)
    return local_registry


# -- pushing, with the registry HTTP API v2 ---------------------------------------------------------------
def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def put_blob(host: str, repo: str, data: bytes) -> str:
    digest = _digest(data)
    req = urllib.request.Request(f"http://{host}/v2/{repo}/blobs/uploads/", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        location = resp.headers["Location"]
    if location.startswith("/"):
        location = f"http://{host}{location}"
    sep = "&" if "?" in location else "?"
    req = urllib.request.Request(f"{location}{sep}digest={digest}", data=data, method="PUT",
                                 headers={"Content-Type": "application/octet-stream"})
    urllib.request.urlopen(req, timeout=30).close()
    return digest


def put_manifest(host: str, repo: str, ref: str, doc: dict[str, object], media: str) -> tuple[str, int]:
    data = json.dumps(doc).encode()
    req = urllib.request.Request(f"http://{host}/v2/{repo}/manifests/{ref}", data=data, method="PUT",
                                 headers={"Content-Type": media})
    urllib.request.urlopen(req, timeout=30).close()
    return _digest(data), len(data)


def _layer(name: str) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        body = f"hello from {name}\n".encode()
        info = tarfile.TarInfo(f"etc/{name}")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    return gzip.compress(raw.getvalue(), mtime=0)


def push_image(host: str, repo: str, arch: str, variant: str | None = None, tag: str | None = None) -> tuple[str, int]:
    layer = _layer(arch)
    layer_digest = put_blob(host, repo, layer)
    config = {"architecture": arch, "os": "linux", "rootfs": {"type": "layers",
                                                              "diff_ids": [_digest(gzip.decompress(layer))]}}
    if variant:
        config["variant"] = variant
    cfg = json.dumps(config).encode()
    cfg_digest = put_blob(host, repo, cfg)
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg_digest,
                           "size": len(cfg)},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest,
                            "size": len(layer)}]}
    digest, size = put_manifest(host, repo, tag or "tmp", manifest, OCI_MANIFEST)
    return digest, size


def push_index(host: str, repo: str, tag: str, platforms: list[tuple[str, str | None]],
               attestation: bool = True) -> str:
    entries: list[dict[str, object]] = []
    for arch, variant in platforms:
        digest, size = push_image(host, repo, arch, variant)
        plat: dict[str, str] = {"os": "linux", "architecture": arch}
        if variant:
            plat["variant"] = variant
        entries.append({"mediaType": OCI_MANIFEST, "digest": digest, "size": size, "platform": plat})
    if attestation:  # as BuildKit pushes them: platform unknown/unknown, annotated
        digest, size = push_image(host, repo, "unknown")
        entries.append({"mediaType": OCI_MANIFEST, "digest": digest, "size": size,
                        "platform": {"os": "unknown", "architecture": "unknown"},
                        "annotations": {"vnd.docker.reference.type": "attestation-manifest",
                                        "vnd.docker.reference.digest": entries[0]["digest"]}})
    digest, _ = put_manifest(host, repo, tag, {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries},
                             OCI_INDEX)
    return digest


def push_images(host: str) -> None:
    push_index(host, "test/multi", "1", [("amd64", None), ("arm64", "v8")])
    push_image(host, "test/single", "amd64", tag="1")
    push_image(host, "test/moving", "amd64", tag="1")  # re-pushed as an index by a test


# -- the tests ----------------------------------------------------------------------------------------------
def run_xlint(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("xlint", path=os.path.dirname(sys.executable))
    cmd = [exe] if exe else [sys.executable, "-m", "xlint"]
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_resolver_reads_index_and_single_manifest(registry: str, tmp_path: Path) -> None:
    r = Resolver(cache_dir=tmp_path)
    assert r.platforms(f"{registry}/test/multi:1") == ["linux/amd64", "linux/arm64/v8"]  # attestation skipped
    assert r.platforms(f"{registry}/test/single:1") == ["linux/amd64"]  # from the config blob
    assert r.platforms(f"{registry}/test/absent:1") is None
    assert "404" in r.errors[f"{registry}/test/absent:1"]
    assert r.lookups == 3


def _project(tmp_path: Path, image: str, config: str | None = None) -> Path:
    proj = tmp_path / "proj"
    proj.mkdir(exist_ok=True)
    (proj / "Dockerfile").write_text(f"FROM {image}\nCOPY app /app\n")
    if config is not None:
        (proj / ".xlint.yaml").write_text(config)
    return proj


def test_check_resolve_reports_missing_platform(registry: str, tmp_path: Path) -> None:
    proj = _project(tmp_path, f"{registry}/test/single:1")
    env = {"XLINT_CACHE_DIR": str(tmp_path / "cache")}
    r = run_xlint("check", "--select", "XL302", "--resolve", "--format", "json", "Dockerfile", cwd=proj, env=env)
    assert r.returncode == 1, r.stderr
    rows = json.loads(r.stdout)
    assert [(d["code"], d["line"], d["column"]) for d in rows] == [("XL302", 1, 6)]
    assert rows[0]["message"] == (f"Base image `{registry}/test/single:1` has no linux/arm64 image "
                                  "(it has linux/amd64)")
    # off by default
    r = run_xlint("check", "--select", "XL302", "Dockerfile", cwd=proj, env=env)
    assert r.returncode == 0 and "XL302" not in r.stdout, r.stdout
    # a target set the image serves
    r = run_xlint("check", "--select", "XL302", "--resolve", "--platform", "linux/amd64", "Dockerfile", cwd=proj,
                  env=env)
    assert r.returncode == 0, r.stdout


def test_multiarch_base_is_clean_and_arm_v7_is_missing(registry: str, tmp_path: Path) -> None:
    proj = _project(tmp_path, f"{registry}/test/multi:1")
    env = {"XLINT_CACHE_DIR": str(tmp_path / "cache")}
    r = run_xlint("check", "--select", "XL302", "--resolve", "Dockerfile", cwd=proj, env=env)
    assert r.returncode == 0, r.stdout
    r = run_xlint("check", "--select", "XL302", "--resolve", "--platform", "linux/amd64,linux/arm64,linux/arm/v7",
                  "--format", "json", "Dockerfile", cwd=proj, env=env)
    assert [d["message"] for d in json.loads(r.stdout)] == [
        f"Base image `{registry}/test/multi:1` has no linux/arm/v7 image (it has linux/amd64, linux/arm64/v8)"]


def test_config_resolve_true(registry: str, tmp_path: Path) -> None:
    proj = _project(tmp_path, f"{registry}/test/single:1", "resolve: true\n")
    r = run_xlint("check", "--select", "XL302", "Dockerfile", cwd=proj, env={"XLINT_CACHE_DIR": str(tmp_path / "c")})
    assert r.returncode == 1 and "XL302" in r.stdout
    r = run_xlint("check", "--select", "XL302", "--no-resolve", "Dockerfile", cwd=proj,
                  env={"XLINT_CACHE_DIR": str(tmp_path / "c")})
    assert r.returncode == 0
    (proj / ".xlint.yaml").write_text("resolve: yes please\n")
    r = run_xlint("check", "Dockerfile", cwd=proj)
    assert r.returncode == 2 and "'resolve' must be true or false" in r.stderr


def test_offline_uses_the_cache_only(registry: str, tmp_path: Path) -> None:
    proj = _project(tmp_path, f"{registry}/test/single:1")
    cache = tmp_path / "cache"
    env = {"XLINT_CACHE_DIR": str(cache)}
    # an empty cache: offline knows nothing, reports nothing
    r = run_xlint("check", "--select", "XL302", "--resolve", "--offline", "Dockerfile", cwd=proj, env=env)
    assert r.returncode == 0, r.stdout
    assert not (cache / "registry").exists()  # (rx/ holds compiled patterns: xlint.rx)
    # fill the cache online: one answer per tag (digest) and per digest (platforms)
    r = run_xlint("check", "--select", "XL302", "--resolve", "Dockerfile", cwd=proj, env=env)
    assert r.returncode == 1
    assert len(list((cache / "registry" / "refs").iterdir())) == 1
    digests = list((cache / "registry" / "digests").iterdir())
    assert len(digests) == 1 and json.loads(digests[0].read_text()) == {"platforms": ["linux/amd64"]}
    # offline now answers from the cache; the registry is not asked (a resolver that cannot fetch)

    def no_network(ref: str) -> tuple[str, list[str]]:
        raise AssertionError("offline must not fetch")

    offline = Resolver(cache_dir=cache / "registry", offline=True, fetch=no_network)
    assert offline.platforms(f"{registry}/test/single:1") == ["linux/amd64"]
    r = run_xlint("check", "--select", "XL302", "--resolve", "--offline", "Dockerfile", cwd=proj, env=env)
    assert r.returncode == 1 and "has no linux/arm64 image" in r.stdout


def test_tag_answers_expire_digest_answers_do_not(registry: str, tmp_path: Path) -> None:
    ref = f"{registry}/test/moving:1"
    r1 = Resolver(cache_dir=tmp_path)
    assert r1.platforms(ref) == ["linux/amd64"]
    # the tag moves to a multi-arch index
    push_index(registry, "test/moving", "1", [("amd64", None), ("arm64", None)], attestation=False)
    fresh = Resolver(cache_dir=tmp_path)
    assert fresh.platforms(ref) == ["linux/amd64"]  # the cached tag answer is still fresh
    assert fresh.lookups == 0
    expired = Resolver(cache_dir=tmp_path, ttl=0)
    assert expired.platforms(ref) == ["linux/amd64", "linux/arm64"]
    assert expired.lookups == 1
    # a reference pinned by digest needs no tag lookup at all
    digest = json.loads(next((tmp_path / "refs").iterdir()).read_text())["digest"]
    pinned = Resolver(cache_dir=tmp_path, ttl=0, fetch=lambda _r: (_ for _ in ()).throw(ResolveError("no")))
    assert pinned.platforms(f"{ref}@{digest}") == ["linux/amd64", "linux/arm64"]
