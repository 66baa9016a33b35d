"""xlint verify by reference against a real registry (Debian's docker-registry) on 127.0.0.1,
with the test image pushed through the registry HTTP API v2 by our own small push code."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from test_verify import HOST_TRUE, OCI, amd64_rootfs, arm64_rootfs, good_image, run_cli, tar_layer

from xlint.verify import verify_image
from xlint.verify.registry import docker_credentials, parse_reference


@pytest.fixture(scope="module")
def registry(local_registry: str) -> str:
    return local_registry


def _put(url: str, data: bytes, content_type: str) -> None:
    req = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": content_type})
    urllib.request.urlopen(req, timeout=30).close()


def push(oci: OCI, host: str, repo: str, tag: str) -> None:
    """Blobs (monolithic upload), then manifests by digest, then the top index by tag."""
    base = f"http://{host}/v2/{repo}"
    manifests: dict[str, tuple[bytes, str]] = {}
    for digest, data in oci.blobs.items():
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            doc = None
        if isinstance(doc, dict) and ("layers" in doc or "manifests" in doc):
            manifests[digest] = (data, doc["mediaType"])
            continue
        req = urllib.request.Request(f"{base}/blobs/uploads/", data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 202
            loc = resp.headers["Location"]
        loc = loc if loc.startswith("http") else f"http://{host}{loc}"
        _put(f"{loc}{'&' if '?' in loc else '?'}digest={digest}", data, "application/octet-stream")
    images = {d: m for d, m in manifests.items() if "layers" in json.loads(m[0])}
    for digest, (data, mt) in [*images.items(), *[(d, m) for d, m in manifests.items() if d not in images]]:
        _put(f"{base}/manifests/{digest}", data, mt)
    top = oci.top[0]
    _put(f"{base}/manifests/{tag}", oci.blobs[top["digest"]], top["mediaType"])


def test_verify_by_reference(registry: str) -> None:
    push(good_image(), registry, "test/img", "good")
    ref = f"{registry}/test/img:good"
    code, out, err = run_cli(ref)
    assert code == 0, out + err
    assert f"verify {ref} (registry" in out and "result: ok" in out
    res = verify_image(ref, ["linux/amd64", "linux/arm64"])
    assert res.ok and res.kind == "registry" and len(res.skipped) == 2
    # by digest too
    man = urllib.request.urlopen(urllib.request.Request(
        f"http://{registry}/v2/test/img/manifests/good",
        headers={"Accept": "application/vnd.oci.image.index.v1+json"}), timeout=10)
    digest = man.headers["Docker-Content-Digest"]
    assert verify_image(f"{registry}/test/img@{digest}", None).ok


def test_wrong_arch_by_reference(registry: str) -> None:
    oci = OCI()
    amd = oci.image("linux/amd64", [tar_layer(amd64_rootfs())])
    bad = [e for e in arm64_rootfs() if e[1] != "app"] + [("f", "app", HOST_TRUE.read_bytes())]
    arm = oci.image("linux/arm64", [tar_layer(bad)])
    oci.index([amd, arm])
    push(oci, registry, "test/bad", "v1")
    code, out, _ = run_cli(f"{registry}/test/bad:v1", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    arm64 = doc["platforms"][1]
    assert arm64["platform"] == "linux/arm64" and not arm64["ok"]
    assert any(f["path"] == "/app" and "x86-64" in f["message"] for f in arm64["failures"])


def test_unknown_tag_and_unreachable_registry(registry: str, free_port: int) -> None:
    code, _, err = run_cli(f"{registry}/test/img:nope")
    assert code == 2 and "HTTP 404" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(f"127.0.0.1:{free_port}/test/img:x")
    assert code == 2 and "cannot reach registry" in err


def test_reference_parsing_and_docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = parse_reference("debian:bookworm")
    assert r is not None and (r.registry, r.repository, r.tag) == ("registry-1.docker.io", "library/debian", "bookworm")
    r = parse_reference("localhost:5000/a/b")
    assert r is not None and (r.registry, r.repository, r.tag) == ("localhost:5000", "a/b", "latest")
    assert parse_reference("Bad Ref") is None
    (tmp_path / "config.json").write_text(json.dumps({"auths": {
        "https://index.docker.io/v1/": {"auth": base64.b64encode(b"hubuser:hubpw").decode()},
        "ghcr.io": {"auth": base64.b64encode(b"me:tok:en").decode()},
    }}))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    assert docker_credentials("registry-1.docker.io") == ("hubuser", "hubpw")
    assert docker_credentials("ghcr.io") == ("me", "tok:en")
    assert docker_credentials("quay.io") is None
