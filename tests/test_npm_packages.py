"""The npm tarballs of the node-deps real-build case (tests/npm_packages.py): npm's layout, reproducible."""

from __future__ import annotations

import base64
import hashlib
import json
import tarfile
from pathlib import Path

from npm_packages import integrity, pack

PROJECT = Path(__file__).resolve().parent / "data" / "fixbuild" / "node-deps"


def test_pack_lays_out_the_package_like_npm_and_is_reproducible(tmp_path: Path) -> None:
    program = tmp_path / "prog"
    program.write_bytes(b"\x7fELF not really")
    first, second = tmp_path / "a.tgz", tmp_path / "b.tgz"
    pkg = PROJECT / "packages" / "archinfo-linux-arm64"
    pack(pkg, first, {"bin/archinfo": program})
    program.touch()  # a newer mtime changes nothing
    pack(pkg, second, {"bin/archinfo": program})
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert sorted(members) == ["package/bin/archinfo", "package/package.json"]
        assert members["package/bin/archinfo"].mode == 0o755 and members["package/package.json"].mode == 0o644
        assert {m.mtime for m in members.values()} == {0} and {m.uid for m in members.values()} == {0}
        f = tar.extractfile("package/bin/archinfo")
        assert f is not None and f.read() == program.read_bytes()
    want = base64.b64encode(hashlib.sha512(first.read_bytes()).digest()).decode()
    assert integrity(first) == "sha512-" + want


def test_the_lockfile_names_every_package_the_project_packs() -> None:
    lock = json.loads((PROJECT / "package-lock.json").read_text())
    resolved = {e["resolved"] for e in lock["packages"].values() if "resolved" in e}
    packed = {f"file:vendor/{p.name}-{json.loads((p / 'package.json').read_text())['version']}.tgz"
              for p in (PROJECT / "packages").iterdir()}
    assert resolved == packed
