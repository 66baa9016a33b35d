"""The install split (``xlint/fixes/c_split.py``) built for real: the fixed Dockerfile's new builder stage
cross-compiles the image's C program with (the local stand-in of) tonistiigi/xx on the build platform, for
linux/amd64 and linux/arm64, and installs it under ``/out``.

The image's own stage is the toolchains image (the only local one with make and gcc), several GB per
platform: building and exporting the whole image twice (original and fixed) would cost more disk than the
check is worth. So the test appends a ``FROM scratch`` stage that copies the builder's ``/out`` and
exports only that, per platform (``--output type=local``), and checks that

- the fix is the install split, and the image's stage copies exactly the installed tree back;
- each platform's program is an ELF of that platform's machine (x86-64, AArch64);
- the amd64 one runs here and prints what the original prints.

With CI set a missing engine fails the test; elsewhere it skips with the reason.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from engine_helpers import ENGINE_DIR, require_engine

from xlint.fixes.engine import fix_text
from xlint.rule import CheckOptions, all_rules

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "fixbuild"
CONTEXT = DATA / "c-install"
MACHINES = {"linux/amd64": 62, "linux/arm64": 183}  # ELF e_machine: EM_X86_64, EM_AARCH64


def _machine(path: Path) -> int:
    head = path.read_bytes()[:20]
    assert head[:4] == b"\x7fELF", f"{path} is not an ELF file"
    return int.from_bytes(head[18:20], "little")


def test_install_split_builds_each_platform(tmp_path: Path) -> None:
    require_engine(("toolchains",))
    original = (CONTEXT / "Dockerfile").read_text()
    opts = CheckOptions(platforms=tuple(MACHINES), build_platform="linux/amd64", context=CONTEXT)
    res = fix_text(original, "Dockerfile", opts, all_rules(), unsafe=True)
    assert [d.code for d in res.applied] == ["XL103"], res.dropped
    fixed = res.text
    assert "FROM --platform=$BUILDPLATFORM debian:bookworm AS hello-build" in fixed
    assert "COPY --from=hello-build /out/usr/local /usr/local" in fixed
    assert "make install DESTDIR=/out" in fixed
    dockerfile = tmp_path / "Dockerfile.fixed"
    dockerfile.write_text(fixed + "\nFROM scratch AS xlint-out\nCOPY --from=hello-build /out/ /\n")
    out = tmp_path / "out"
    cmd = ["docker", "buildx", "build", "--progress=plain", "--no-cache", "--provenance=false",
           "--platform", ",".join(MACHINES), "-f", str(dockerfile), "--target", "xlint-out",
           "--build-context", f"debian:bookworm=oci-layout://{ENGINE_DIR / 'oci' / 'toolchains'}:latest",
           "--build-context", f"tonistiigi/xx={DATA / 'xx'}",
           "--output", f"type=local,dest={out}", str(CONTEXT)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1200, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    for platform, machine in MACHINES.items():
        program = out / platform.replace("/", "_") / "usr" / "local" / "bin" / "hello"
        assert program.is_file(), sorted(str(p.relative_to(out)) for p in out.rglob("*"))
        assert _machine(program) == machine, platform
    run = subprocess.run([str(out / "linux_amd64" / "usr" / "local" / "bin" / "hello"), "fixbuild"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.stdout == "hello, fixbuild, from x86_64\n"
