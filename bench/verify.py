#!/usr/bin/env python3
"""Benchmark of ``xlint verify``: MB/s of layer data through the streaming verifier on a large
image made here (a rootfs layer from this machine's /usr, gzip, as an OCI archive), beside
``skopeo inspect`` and ``docker buildx imagetools inspect`` when they are installed.

    python bench/verify.py [--mb 400] [--ref REGISTRY/REPO:TAG] [--keep DIR]

Goal: at least 200 MB/s of layer data.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from xlint.verify import verify_image
from xlint.verify.layers import _inflate


def rootfs_layer(limit: int) -> tuple[bytes, int]:
    """A tar of /usr (regular files, dirs, symlinks) up to ``limit`` bytes of file data."""
    buf = io.BytesIO()
    total = 0
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for top in ("/usr/bin", "/usr/lib", "/usr/share", "/usr/local", "/usr/libexec", "/usr/sbin"):
            for dirpath, dirnames, filenames in os.walk(top):
                dirnames.sort()
                for name in sorted(filenames) + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                    p = os.path.join(dirpath, name)
                    try:
                        st = os.lstat(p)
                        if not (os.path.isfile(p) or os.path.islink(p)):
                            continue
                        ti = t.gettarinfo(p, p.lstrip("/"))
                        if ti.isreg():
                            if total + ti.size > limit:
                                continue
                            with open(p, "rb") as f:
                                t.addfile(ti, f)
                            total += st.st_size
                        else:
                            t.addfile(ti)
                    except OSError:
                        continue
                if total >= limit:
                    break
    return buf.getvalue(), total


def write_archive(path: Path, layer_gz: bytes, diff_id: str) -> None:
    blobs: dict[str, bytes] = {}

    def blob(data: bytes, mt: str, **extra: Any) -> dict[str, Any]:
        d = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs[d] = data
        return {"mediaType": mt, "digest": d, "size": len(data), **extra}

    ldesc = blob(layer_gz, "application/vnd.oci.image.layer.v1.tar+gzip")
    cfg = {"architecture": "amd64", "os": "linux", "config": {"Entrypoint": ["/usr/bin/true"]},
           "rootfs": {"type": "layers", "diff_ids": [diff_id]}}
    cdesc = blob(json.dumps(cfg).encode(), "application/vnd.oci.image.config.v1+json")
    man: dict[str, Any] = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": cdesc, "layers": [ldesc]}
    mdesc = blob(json.dumps(man).encode(), man["mediaType"], platform={"architecture": "amd64", "os": "linux"},
                 annotations={"org.opencontainers.image.ref.name": "bench"})
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [mdesc]}
    with tarfile.open(path, "w") as t:
        for name, data in [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'), ("index.json", json.dumps(index).encode())] + [
            (f"blobs/sha256/{d.split(':')[1]}", b) for d, b in blobs.items()
        ]:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))


def timed(cmd: list[str]) -> float | str:
    exe = shutil.which(cmd[0])
    if exe is None:
        return "not installed"
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        return f"failed: {(p.stderr or p.stdout).strip().splitlines()[-1:] or p.returncode}"
    return dt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=400, help="uncompressed file data in the layer (MB)")
    ap.add_argument("--ref", help="also verify this registry reference and inspect it with the peers")
    ap.add_argument("--keep", help="directory to keep the archive in")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    work = Path(args.keep or tempfile.mkdtemp(prefix="xlint-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    archive = work / "bench.oci.tar"
    if not archive.exists():
        t0 = time.perf_counter()
        layer, files_bytes = rootfs_layer(args.mb * 1_000_000)
        gz = gzip.compress(layer, compresslevel=1)
        write_archive(archive, gz, "sha256:" + hashlib.sha256(layer).hexdigest())
        print(f"built {archive}: layer {len(layer) / 1e6:.0f} MB tar ({files_bytes / 1e6:.0f} MB of files), "
              f"{len(gz) / 1e6:.0f} MB gzip, in {time.perf_counter() - t0:.1f} s")
        del layer, gz

    best = float("inf")
    res = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = verify_image(str(archive), ["linux/amd64"])
        best = min(best, time.perf_counter() - t0)
    assert res is not None
    p = res.platforms[0]
    mbps = p.compressed_bytes / 1e6 / best
    print(f"xlint verify: {best:.2f} s, {p.compressed_bytes / 1e6:.0f} MB layer data ({p.uncompressed_bytes / 1e6:.0f} MB "
          f"uncompressed), {p.files} files, {p.elf_files} ELF -> {mbps:.0f} MB/s layer data, "
          f"{p.uncompressed_bytes / 1e6 / best:.0f} MB/s uncompressed; checks {'ok' if res.ok else 'FAIL'}")
    if not res.ok:
        print(f"  (checks fail as expected for a bare /usr: {p.failures[0].message[:100]})")
    # the floor: gunzip + sha256 of the same bytes in this process, nothing else
    with tarfile.open(archive) as t:
        m = next(m for m in t.getmembers() if m.size == p.compressed_bytes)
        f = t.extractfile(m)
        assert f is not None
        t0 = time.perf_counter()
        h, d = hashlib.sha256(), _inflate.decompressobj(31)
        while chunk := f.read(1 << 20):
            h.update(chunk)
            d.decompress(chunk)
        floor = time.perf_counter() - t0
    print(f"floor ({_inflate.__name__} gunzip + sha256 only): {floor:.2f} s -> xlint verify is {best / floor:.2f}x the floor")
    umbps = p.uncompressed_bytes / 1e6 / best
    print(f"goal 200 MB/s: {'met' if mbps >= 200 else 'NOT met'} on compressed layer bytes ({mbps:.0f}), "
          f"{'met' if umbps >= 200 else 'NOT met'} on uncompressed tar bytes ({umbps:.0f})")

    peers = [
        ("skopeo inspect oci-archive:", ["skopeo", "inspect", f"oci-archive:{archive}"]),
    ]
    if args.ref:
        peers.append(("skopeo inspect docker://", ["skopeo", "inspect", "--tls-verify=false", f"docker://{args.ref}"]))
        peers.append(("docker buildx imagetools inspect", ["docker", "buildx", "imagetools", "inspect", args.ref]))
    for name, cmd in peers:
        r = timed(cmd)
        if isinstance(r, str):
            print(f"{name}: {r}")
        else:
            print(f"{name}: {r:.2f} s (xlint verify / peer = {best / r:.2f}x; the peer reads metadata only)")
    if not args.ref:
        have = shutil.which("docker") is not None
        print("docker buildx imagetools inspect: " + ("needs a registry reference (--ref)" if have else "not installed"))
    else:
        t0 = time.perf_counter()
        rr = verify_image(args.ref, ["all"], insecure=True)
        dt = time.perf_counter() - t0
        print(f"xlint verify {args.ref}: {dt:.2f} s, {rr.layer_bytes / 1e6 / dt:.0f} MB/s layer data")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
