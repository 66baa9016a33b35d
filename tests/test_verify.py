"""xlint verify on real OCI layouts/archives built here (tarfile + json + hashlib) with real host
ELF binaries (/bin/true and its glibc loader) and hand-assembled aarch64/arm/s390x ELF headers."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from xlint.verify import Limits, VerifyInputError, verify_image
from xlint.verify.elf import read_elf, read_elf_bytes
from xlint.verify.layers import ImageFS, TarStream
from xlint.verifycmd import verify_command

HOST_TRUE = Path("/bin/true").resolve()
HOST_LOADER = Path("/lib64/ld-linux-x86-64.so.2").resolve()
pytestmark = pytest.mark.skipif(
    not HOST_LOADER.exists() or os.uname().machine != "x86_64", reason="needs an x86-64 glibc host"
)


# ---------------------------------------------------------------- ELF bytes


def make_elf(machine: int, elfclass: int = 2, data: int = 1, interp: str | None = None, pad: int = 0) -> bytes:
    """A minimal valid ELF executable: header, [PT_INTERP], PT_LOAD, interp string.
    ``pad`` bytes are put between the header and the program headers (PT_INTERP beyond 4 KiB)."""
    e = "<" if data == 1 else ">"
    ehsize, phsize = (64, 56) if elfclass == 2 else (52, 32)
    phoff = ehsize + pad
    phnum = 2 if interp else 1
    interp_off = phoff + phnum * phsize
    ib = (interp.encode() + b"\0") if interp else b""
    total = interp_off + len(ib)
    ident = b"\x7fELF" + bytes([elfclass, data, 1, 0]) + bytes(8)
    if elfclass == 2:
        hdr = ident + struct.pack(e + "HHIQQQIHHHHHH", 2, machine, 1, 0x400000, phoff, 0, 0, ehsize, phsize, phnum, 64, 0, 0)
    else:
        hdr = ident + struct.pack(e + "HHIIIIIHHHHHH", 2, machine, 1, 0x10000, phoff, 0, 0, ehsize, phsize, phnum, 40, 0, 0)
    phdrs = b""
    if interp:
        phdrs += _phdr(e, elfclass, 3, interp_off, len(ib))
    phdrs += _phdr(e, elfclass, 1, 0, total)
    return hdr + bytes(pad) + phdrs + ib


def _phdr(e: str, elfclass: int, ptype: int, off: int, size: int) -> bytes:
    if elfclass == 2:
        return struct.pack(e + "IIQQQQQQ", ptype, 4, off, off, off, size, size, 8)
    return struct.pack(e + "IIIIIIII", ptype, off, off, off, size, size, 4, 4)


ARM64_LOADER = "/lib/ld-linux-aarch64.so.1"
ARM64_STATIC = make_elf(183)
ARM64_DYNAMIC = make_elf(183, interp=ARM64_LOADER)
ARM64_SO = make_elf(183)


# ---------------------------------------------------------------- OCI building


def tar_layer(entries: list[tuple[Any, ...]]) -> bytes:
    """entries: ("f", path, data[, mode]) ("d", path) ("l", path, target) ("h", path, target) ("raw", name)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for ent in entries:
            kind, path = ent[0], ent[1]
            ti = tarfile.TarInfo(path)
            if kind == "f":
                data = ent[2]
                ti.size = len(data)
                ti.mode = ent[3] if len(ent) > 3 else 0o755
                t.addfile(ti, io.BytesIO(data))
                continue
            if kind == "d":
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            elif kind == "l":
                ti.type, ti.linkname = tarfile.SYMTYPE, ent[2]
            elif kind == "h":
                ti.type, ti.linkname = tarfile.LNKTYPE, ent[2]
            t.addfile(ti)
    return buf.getvalue()


def compress(data: bytes, how: str) -> tuple[bytes, str]:
    base = "application/vnd.oci.image.layer.v1.tar"
    if how == "gzip":
        return gzip.compress(data, 6), base + "+gzip"
    if how == "zstd":
        zstandard = pytest.importorskip("zstandard")
        return zstandard.ZstdCompressor().compress(data), base + "+zstd"
    return data, base


class OCI:
    """Blobs + index, written as a layout directory or an archive."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.top: list[dict[str, Any]] = []

    def blob(self, data: bytes, media_type: str, **extra: Any) -> dict[str, Any]:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        self.blobs[digest] = data
        return {"mediaType": media_type, "digest": digest, "size": len(data), **extra}

    def image(
        self,
        platform: str,
        layers: list[bytes],
        how: str = "gzip",
        config: dict[str, Any] | None = None,
        config_platform: str | None = None,
    ) -> dict[str, Any]:
        os_, arch, *variant = platform.split("/")
        cos, carch, *cvariant = (config_platform or platform).split("/")
        descs = [self.blob(*compress(layer, how)) for layer in layers]
        cfg = {
            "architecture": carch,
            "os": cos,
            **({"variant": cvariant[0]} if cvariant else {}),
            "config": config if config is not None else {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin"], "Entrypoint": ["/app"]},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest() for layer in layers]},
        }
        cdesc = self.blob(json.dumps(cfg).encode(), "application/vnd.oci.image.config.v1+json")
        man: dict[str, Any] = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": cdesc, "layers": descs}
        plat = {"architecture": arch, "os": os_, **({"variant": variant[0]} if variant else {})}
        return self.blob(json.dumps(man).encode(), man["mediaType"], platform=plat)

    def attestation(self, for_digest: str) -> dict[str, Any]:
        cdesc = self.blob(b"{}", "application/vnd.oci.image.config.v1+json")
        layer = self.blob(b'{"_type": "https://in-toto.io/Statement/v0.1"}', "application/vnd.in-toto+json")
        man: dict[str, Any] = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": cdesc, "layers": [layer]}
        return self.blob(
            json.dumps(man).encode(), man["mediaType"], platform={"architecture": "unknown", "os": "unknown"},
            annotations={"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": for_digest},
        )

    def index(self, manifests: list[dict[str, Any]], nested: bool = True) -> None:
        """buildx style: index.json -> index blob -> manifests (or flat when nested=False)."""
        if nested:
            inner: dict[str, Any] = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests}
            desc = self.blob(json.dumps(inner).encode(), inner["mediaType"],
                             annotations={"io.containerd.image.name": "test/img:latest"})
            self.top = [desc]
        else:
            self.top = manifests

    def index_json(self) -> bytes:
        return json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": self.top}).encode()

    def write_layout(self, path: Path) -> Path:
        (path / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        (path / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
        (path / "index.json").write_bytes(self.index_json())
        for d, data in self.blobs.items():
            (path / "blobs" / "sha256" / d.split(":")[1]).write_bytes(data)
        return path

    def write_archive(self, path: Path) -> Path:
        with tarfile.open(path, "w") as t:
            for name, data in [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'), ("index.json", self.index_json())] + [
                (f"blobs/sha256/{d.split(':')[1]}", b) for d, b in self.blobs.items()
            ]:
                ti = tarfile.TarInfo(name)
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
        return path


def amd64_rootfs(app: bytes | None = None) -> list[tuple[Any, ...]]:
    """A glibc-like amd64 root: the host's real /bin/true as /app and its real loader, merged-/usr
    style (/lib64 -> usr/lib64, the loader itself a relative symlink)."""
    return [
        ("d", "usr/lib/x86_64-linux-gnu"),
        ("f", "usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", HOST_LOADER.read_bytes()),
        ("d", "usr/lib64"),
        ("l", "usr/lib64/ld-linux-x86-64.so.2", "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
        ("l", "lib64", "usr/lib64"),
        ("f", "app", app if app is not None else HOST_TRUE.read_bytes()),
    ]


def arm64_rootfs() -> list[tuple[Any, ...]]:
    return [
        ("d", "lib"),
        ("f", "lib/ld-linux-aarch64.so.1", ARM64_SO),
        ("f", "app", ARM64_DYNAMIC),
        ("f", "bin/busybox", ARM64_STATIC),
        ("h", "bin/sh", "bin/busybox"),
    ]


def run_cli(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(verify_command, list(args))
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, r.stdout, r.stderr


def good_image(how: str = "gzip") -> OCI:
    oci = OCI()
    amd = oci.image("linux/amd64", [tar_layer(amd64_rootfs())], how)
    arm = oci.image("linux/arm64", [tar_layer(arm64_rootfs())], how)
    oci.index([amd, arm, oci.attestation(amd["digest"]), oci.attestation(arm["digest"])])
    return oci


# ---------------------------------------------------------------- the tests


def test_elf_reader_on_host_binaries_agrees_with_readelf() -> None:
    if shutil.which("readelf") is None:
        pytest.skip("readelf (binutils) not installed")
    for p in ["/bin/true", "/bin/sh", str(HOST_LOADER)]:
        data = Path(p).resolve().read_bytes()
        info = read_elf_bytes(data)
        assert info is not None and info.machine == 62 and info.elfclass == 2 and info.data == 1
        out = subprocess.run(["readelf", "-lW", p], capture_output=True, text=True).stdout
        want = out.split("[Requesting program interpreter: ")[1].split("]")[0] if "interpreter:" in out else None
        assert info.interp == want


def test_elf_interp_beyond_4k_read_from_stream() -> None:
    data = make_elf(183, interp=ARM64_LOADER, pad=6000)
    stream = io.BytesIO(data)
    head = stream.read(4096)
    info = read_elf(head, stream.read, len(data))
    assert info is not None and info.interp == ARM64_LOADER and info.machine == 183
    assert read_elf_bytes(make_elf(22, data=2)) == (2, 2, 2, 22, None)
    assert read_elf_bytes(b"#!/bin/sh\n") is None


def test_good_two_platform_archive_passes(tmp_path: Path) -> None:
    path = good_image().write_archive(tmp_path / "img.oci.tar")
    code, out, err = run_cli(str(path))
    assert code == 0, out + err
    assert "linux/amd64" in out and "linux/arm64" in out and "result: ok" in out
    res = verify_image(str(path), None)
    assert res.ok and [p.platform for p in res.platforms] == ["linux/amd64", "linux/arm64"]
    amd = res.platforms[0]
    assert amd.program == "/app" and amd.dynamic_elf_files == 1 and amd.elf_files == 2
    assert len(res.skipped) == 2  # attestations
    assert res.to_json()["platforms"][1]["ok"] is True


def test_good_layout_json_and_flat_index(tmp_path: Path) -> None:
    oci = good_image()
    oci.index(oci.top and json.loads(oci.blobs[oci.top[0]["digest"]])["manifests"], nested=False)
    path = oci.write_layout(tmp_path / "layout")
    code, out, _ = run_cli(str(path), "--format", "json", "--platform", "linux/arm64")
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] and doc["kind"] == "oci-layout" and [p["platform"] for p in doc["platforms"]] == ["linux/arm64"]


def test_wrong_arch_binary_in_arm64_image(tmp_path: Path) -> None:
    oci = OCI()
    amd = oci.image("linux/amd64", [tar_layer(amd64_rootfs())])
    rootfs = [e for e in arm64_rootfs() if e[1] != "app"] + [("f", "app", HOST_TRUE.read_bytes())]
    arm = oci.image("linux/arm64", [tar_layer(rootfs)])
    oci.index([amd, arm])
    code, out, _ = run_cli(str(oci.write_archive(tmp_path / "a.tar")))
    assert code == 1
    arm_part = out.split("linux/arm64", 1)[1]
    assert "/app: ELF 64-bit LSB x86-64, expected ELF 64-bit LSB aarch64" in arm_part
    assert "exec format error" in arm_part  # the entrypoint check says what users will see
    assert "linux/amd64    ok" in out


def test_glibc_binary_in_busybox_image_names_missing_loader(tmp_path: Path) -> None:
    oci = OCI()
    busybox_like = [("f", "bin/busybox", HOST_TRUE.read_bytes()), ("l", "bin/sh", "busybox"), ("f", "app", HOST_TRUE.read_bytes())]
    oci.index([oci.image("linux/amd64", [tar_layer(busybox_like)])])
    code, out, _ = run_cli(str(oci.write_layout(tmp_path / "l")), "--platform", "linux/amd64")
    assert code == 1
    assert "interpreter /lib64/ld-linux-x86-64.so.2 not found in the image, needed by /app, /bin/busybox" in out
    assert "/app needs /lib64/ld-linux-x86-64.so.2, which is missing" in out


def test_whiteout_removes_wrong_arch_file_and_opaque_dir(tmp_path: Path) -> None:
    bad = HOST_TRUE.read_bytes()
    lower = tar_layer(arm64_rootfs() + [("f", "opt/tool/bad", bad), ("f", "opt/tool/sub/bad2", bad), ("f", "stray", bad)])
    upper = tar_layer([("f", ".wh.stray", b""), ("d", "opt/tool"), ("f", "opt/tool/.wh..wh..opq", b""),
                       ("f", "opt/tool/good", ARM64_STATIC)])
    oci = OCI()
    oci.index([oci.image("linux/arm64", [lower, upper], how="none")])
    path = str(oci.write_archive(tmp_path / "w.tar"))
    res = verify_image(path, ["linux/arm64"])
    assert res.ok, res.render_text()
    # without the upper layer the same files fail
    oci2 = OCI()
    oci2.index([oci2.image("linux/arm64", [lower])])
    res2 = verify_image(str(oci2.write_archive(tmp_path / "w2.tar")), ["linux/arm64"])
    assert {f.path for f in res2.platforms[0].failures if f.check == "arch"} == {"/opt/tool/bad", "/opt/tool/sub/bad2", "/stray"}


def test_imagefs_whiteouts_opaque_and_symlinks() -> None:
    fs = ImageFS()
    fs.apply_layer(TarStream(io.BytesIO(tar_layer([
        ("f", "a/x", b"1"), ("f", "a/y", b"2"), ("d", "a/d"), ("f", "a/d/z", b"3"),
        ("l", "lib64", "usr/lib64"), ("f", "usr/lib64/ld.so", b"ld"), ("l", "loop1", "loop2"), ("l", "loop2", "loop1"),
        ("l", "up", "../../../usr/lib64"),
    ])), "l1"))
    fs.apply_layer(TarStream(io.BytesIO(tar_layer([
        ("f", "a/.wh..wh..opq", b""), ("f", "a/new", b"4"), ("f", "lib64/extra", b"e"), ("f", ".wh.loop2", b""),
    ])), "l2"))
    assert sorted(p for p in fs.entries if p.startswith("a/")) == ["a/new"]
    assert fs.resolve("/lib64/ld.so") == "usr/lib64/ld.so"
    assert fs.resolve("/up/ld.so") == "usr/lib64/ld.so"  # .. stops at the root
    assert "usr/lib64/extra" in fs.entries  # written through the symlinked parent
    assert fs.resolve("/loop1") is None and "loop2" not in fs.entries
    fs.apply_layer(TarStream(io.BytesIO(tar_layer([("l", "loop2", "loop1")])), "l3"))
    assert fs.resolve("/loop1") is None  # loop bound


def test_symlink_loop_loader_fails(tmp_path: Path) -> None:
    rootfs = [e for e in arm64_rootfs() if not e[1].startswith("lib/")] + [
        ("l", "lib/ld-linux-aarch64.so.1", "ld2"), ("l", "lib/ld2", "/lib/ld-linux-aarch64.so.1")]
    oci = OCI()
    oci.index([oci.image("linux/arm64", [tar_layer(rootfs)])])
    res = verify_image(str(oci.write_archive(tmp_path / "x.tar")), ["linux/arm64"])
    assert not res.ok
    assert any(f.check == "loader" and f.path == ARM64_LOADER for f in res.platforms[0].failures)


@pytest.mark.parametrize("how", ["gzip", "zstd", "none"])
def test_compressions(tmp_path: Path, how: str) -> None:
    path = good_image(how).write_layout(tmp_path / how)
    res = verify_image(str(path), None)
    assert res.ok, res.render_text()
    assert res.platforms[0].uncompressed_bytes > 0


def test_config_platform_mismatch(tmp_path: Path) -> None:
    oci = OCI()
    oci.index([oci.image("linux/arm64", [tar_layer(arm64_rootfs())], config_platform="linux/amd64")])
    code, out, _ = run_cli(str(oci.write_archive(tmp_path / "m.tar")), "--platform", "linux/arm64")
    assert code == 1 and "index says linux/arm64 but the image config says linux/amd64" in out


def test_missing_platform_fails(tmp_path: Path) -> None:
    oci = OCI()
    oci.index([oci.image("linux/amd64", [tar_layer(amd64_rootfs())])])
    code, out, _ = run_cli(str(oci.write_archive(tmp_path / "m.tar")), "--platform", "linux/amd64,linux/arm64")
    assert code == 1 and "no image for linux/arm64 in the index (it has: linux/amd64)" in out


def test_entrypoint_resolution(tmp_path: Path) -> None:
    oci = OCI()
    shell_form = {"Env": ["PATH=/usr/bin:/bin"], "Cmd": ["/bin/sh", "-c", "exec /app"]}
    by_path = {"Env": ["PATH=/usr/local/bin:/bin"], "Entrypoint": ["busybox"], "Cmd": ["--help"]}
    missing = {"Entrypoint": ["nothere"]}
    script = {"Entrypoint": ["/run.sh"]}
    layer = tar_layer(arm64_rootfs() + [("f", "run.sh", b"#!/bin/bash\nexec /app\n")])
    imgs = [oci.image("linux/arm64", [layer], config=c) for c in (shell_form, by_path, missing, script)]
    for i, img in enumerate(imgs):
        oci.index([img])
        res = verify_image(str(oci.write_layout(tmp_path / str(i))), ["linux/arm64"])
        p = res.platforms[0]
        if i == 0:
            assert p.ok and p.program == "/bin/sh"
        elif i == 1:
            assert p.ok and p.program == "/bin/busybox"
        elif i == 2:
            assert [f.message for f in p.failures] == [
                "ENTRYPOINT/CMD program nothere not found on PATH /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        else:
            assert [f.message for f in p.failures] == ["ENTRYPOINT/CMD script /run.sh needs /bin/bash, which is missing"]


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_corrupt_archive_exit_2_one_line(tmp_path: Path) -> None:
    path = good_image().write_archive(tmp_path / "c.tar")
    data = path.read_bytes()
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(data[: len(data) // 2])
    code, _, err = run_cli(str(truncated))
    assert code == 2
    line = _one_error_line(err)
    assert str(truncated) in line
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"this is not a tar file" * 100)
    code, _, err = run_cli(str(junk))
    assert code == 2 and "corrupt or not a tar archive" in _one_error_line(err)
    # a real subprocess too: no traceback on the way out of the console script
    xlint = Path(os.environ.get("VIRTUAL_ENV", "/work/venv")) / "bin" / "xlint"
    if xlint.exists():
        p = subprocess.run([str(xlint), "verify", str(truncated)], capture_output=True, text=True)
        assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1


def test_digest_mismatch_exit_2(tmp_path: Path) -> None:
    oci = good_image()
    layout = oci.write_layout(tmp_path / "l")
    man = json.loads(oci.blobs[json.loads(oci.blobs[oci.top[0]["digest"]])["manifests"][1]["digest"]])
    layer = layout / "blobs" / "sha256" / man["layers"][0]["digest"].split(":")[1]
    data = bytearray(gzip.decompress(layer.read_bytes()))
    data[600] ^= 1  # same size, valid gzip, different content
    layer.write_bytes(gzip.compress(bytes(data))[: man["layers"][0]["size"]].ljust(man["layers"][0]["size"], b"\0"))
    code, _, err = run_cli(str(layout))
    assert code == 2
    line = _one_error_line(err)
    assert "layer 1" in line and man["layers"][0]["digest"][:19] in line
    # an edited config blob: digest mismatch on a JSON blob
    cfg = layout / "blobs" / "sha256" / man["config"]["digest"].split(":")[1]
    cfg.write_bytes(cfg.read_bytes().replace(b"arm64", b"amd64"))
    layer.write_bytes(oci.blobs[man["layers"][0]["digest"]])
    code, _, err = run_cli(str(layout))
    assert code == 2 and "digest mismatch" in _one_error_line(err)


def test_path_traversal_rejected(tmp_path: Path) -> None:
    for name in ["../../etc/passwd", "usr/../../x"]:
        oci = OCI()
        oci.index([oci.image("linux/arm64", [tar_layer(arm64_rootfs() + [("f", name, b"evil")])])])
        code, _, err = run_cli(str(oci.write_archive(tmp_path / "t.tar")), "--platform", "linux/arm64")
        assert code == 2
        assert f"path traversal in layer member {name!r}" in _one_error_line(err)


def test_decompression_bomb_rejected(tmp_path: Path) -> None:
    oci = OCI()
    oci.index([oci.image("linux/arm64", [tar_layer(arm64_rootfs() + [("f", "zeros", bytes(16 << 20))])])])
    path = str(oci.write_archive(tmp_path / "b.tar"))
    with pytest.raises(VerifyInputError, match="decompression bomb"):
        verify_image(path, ["linux/arm64"], limits=Limits(max_ratio=50, ratio_grace=1 << 20))
    with pytest.raises(VerifyInputError, match="expands past the limit"):
        verify_image(path, ["linux/arm64"], limits=Limits(max_uncompressed=4 << 20))
    code, _, err = run_cli(path, "--platform", "linux/arm64", "--max-size", str(1 << 20))
    assert code == 2 and "--max-size" in _one_error_line(err)
    assert verify_image(path, ["linux/arm64"]).ok  # default limits: a legit sparse-ish file passes


def test_allow_glob_and_other_arches(tmp_path: Path) -> None:
    oci = OCI()
    fw = tar_layer(arm64_rootfs() + [("f", "usr/lib/firmware/dsp.elf", make_elf(22, data=2))])
    oci.index([oci.image("linux/arm64", [fw]),
               oci.image("linux/s390x", [tar_layer([("f", "app", make_elf(22, data=2))])])])
    path = str(oci.write_archive(tmp_path / "f.tar"))
    res = verify_image(path, ["linux/arm64"])
    assert [f.message for f in res.platforms[0].failures] == [
        "/usr/lib/firmware/dsp.elf: ELF 64-bit MSB IBM S/390, expected ELF 64-bit LSB aarch64 for linux/arm64"]
    assert verify_image(path, ["linux/arm64"], allow=["/usr/lib/firmware/*"]).ok
    res = verify_image(path, ["all"])
    assert [p.platform for p in res.platforms] == ["linux/arm64", "linux/s390x"]
    assert res.platforms[1].ok


def test_bad_platform_and_bad_reference() -> None:
    code, _, err = run_cli("/nonexistent/img.tar")
    assert code == 2 and "no such file" in _one_error_line(err)
    with pytest.raises(VerifyInputError):
        verify_image("Not A Ref!!", None)
