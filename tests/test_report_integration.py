"""`xlint report` on a log recorded now from the real engine: a plain `docker buildx build
--progress=rawjson ... 2> build.json` of fixtures/go-hello/Dockerfile.emulated for linux/amd64 and
linux/arm64 (QEMU for arm64), made the way a CI job makes it, without xlint driving the build."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from engine_helpers import ENGINE_DIR, require_engine
from test_report import DOCKERFILE, FORMATS, ROOT, emulated_go_build_named, xlint

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_engine(("golang", "busybox"))
    tmp = tmp_path_factory.mktemp("recorded")
    log = tmp / "build.json"
    oci = ENGINE_DIR / "oci"
    cmd = ["docker", "buildx", "build", "--progress=rawjson", "--no-cache", "--provenance=false",
           "--platform", "linux/amd64,linux/arm64", "-f", str(DOCKERFILE),
           "--build-context", f"golang:1.22-bookworm=oci-layout://{oci / 'golang'}:latest",
           "--build-context", f"busybox:1.36=oci-layout://{oci / 'busybox'}:latest",
           "--output", "type=cacheonly", str(DOCKERFILE.parent)]
    with open(log, "wb") as err:
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=err, timeout=900, check=False)
    assert proc.returncode == 0, log.read_text()[-3000:]
    return log


@pytest.mark.parametrize("fmt", FORMATS)
def test_fresh_log_names_the_emulated_go_build(recorded: Path, fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    r = xlint("report", str(recorded), "-f", str(DOCKERFILE.relative_to(ROOT)), "--format", fmt, "-o", str(out))
    assert r.returncode == 0, r.stderr
    emulated_go_build_named(fmt, out.read_text())


def test_fresh_log_gate_exits_1(recorded: Path) -> None:
    r = xlint("report", str(recorded), "-f", str(DOCKERFILE), "--max-emulated-seconds", "5")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "exceeds --max-emulated-seconds 5" in r.stderr


def test_fresh_log_agrees_with_the_kept_copy(recorded: Path) -> None:
    """The copy under tests/data/report has the same steps, placements and lines as a fresh recording."""
    def shape(log: Path) -> list[tuple[str, str, int | None, str]]:
        data = json.loads(xlint("report", str(log), "-f", str(DOCKERFILE), "--format", "json").stdout)
        return sorted((s["platform"], s["placement"], s["line"], s["instruction"]) for s in data["steps"])

    assert shape(recorded) == shape(ROOT / "tests" / "data" / "report" / "go-emulated.rawjson")
