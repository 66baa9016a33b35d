"""The build context of the node-deps real-build case (tests/data/fixbuild/node-deps), made per session.

Its npm dependencies are local tarballs (``vendor/*.tgz``): ``archinfo`` (JS) and one optional package per
platform (``archinfo-linux-x64``, ``archinfo-linux-arm64``, with ``os``/``cpu`` in their package.json) that
holds a native program. The programs are not committed: they are compiled here from ``native/`` with the
host's Go (Debian golang-go, cross-compiled: ``CGO_ENABLED=0 GOARCH=...``, no emulation), and the packages
are packed the way ``npm pack`` lays them out (``package/`` prefix, fixed times and owners). The project's
package-lock.json names the tarballs; their ``integrity`` is taken from the tarballs made here (the
compiled bytes depend on the Go release).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

# npm's cpu name -> GOARCH
NATIVE_PACKAGES = {"archinfo-linux-x64": "amd64", "archinfo-linux-arm64": "arm64"}
PROGRAM = "bin/archinfo"  # inside each native package


def go_problem() -> str | None:
    """Why the native programs cannot be compiled here (None when they can)."""
    if shutil.which("go") is None:
        return "go is not installed (Debian golang-go; .ci/run installs it)"
    return None


def compile_program(source: Path, goarch: str, out: Path) -> None:
    env = {**os.environ, "CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": goarch, "GOFLAGS": "-mod=mod"}
    run = subprocess.run(["go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", str(out), "."],
                         cwd=source, env=env, capture_output=True, text=True, timeout=600, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"go build for {goarch} failed: {run.stderr.strip()}")


def pack(package: Path, dest: Path, extra: dict[str, Path] | None = None) -> None:
    """``package``'s files (and ``extra``: name in the package -> file, executable) as an npm tarball:
    entries under ``package/``, sorted, mtime 0, owner 0, modes 0644 (0755 for ``extra``)."""
    files = {p.relative_to(package).as_posix(): (p, 0o644) for p in package.rglob("*") if p.is_file()}
    for name, path in (extra or {}).items():
        files[name] = (path, 0o755)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(files):
            path, mode = files[name]
            data = path.read_bytes()
            info = tarfile.TarInfo("package/" + name)
            info.size, info.mode, info.mtime = len(data), mode, 0
            tar.addfile(info, io.BytesIO(data))
    with dest.open("wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as gz:
        gz.write(raw.getvalue())


def integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def make_context(project: Path, out: Path) -> Path:
    """A copy of ``project`` with ``vendor/`` filled (programs compiled, packages packed) and the lockfile's
    integrity of each vendor tarball set. Returns the new context folder."""
    ctx = out / project.name
    shutil.copytree(project, ctx)
    vendor = ctx / "vendor"
    vendor.mkdir()
    build = out / "native-build"
    build.mkdir()
    for name in sorted(p.name for p in (ctx / "packages").iterdir()):
        version = json.loads((ctx / "packages" / name / "package.json").read_text())["version"]
        extra = {}
        if name in NATIVE_PACKAGES:
            program = build / f"{name}-archinfo"
            compile_program(ctx / "native", NATIVE_PACKAGES[name], program)
            extra[PROGRAM] = program
        pack(ctx / "packages" / name, vendor / f"{name}-{version}.tgz", extra)
    lock_path = ctx / "package-lock.json"
    lock = json.loads(lock_path.read_text())
    for entry in lock["packages"].values():
        resolved = entry.get("resolved", "")
        if resolved.startswith("file:vendor/"):
            entry["integrity"] = integrity(ctx / resolved.removeprefix("file:"))
    lock_path.write_text(json.dumps(lock, indent=2) + "\n")
    return ctx
