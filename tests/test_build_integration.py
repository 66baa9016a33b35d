"""`xlint build` against the real engine: docker buildx (BuildKit in dockerd), qemu-aarch64, local registry.

The engine comes from `sudo scripts/setup-engine.sh` (base images as OCI layouts, fed with
--build-context because there is no Docker Hub). With CI set these tests must run: a missing engine
fails them. Without CI they are skipped with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import ENGINE_DIR, require_engine

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
GO_HELLO = ROOT / "fixtures" / "go-hello"
DATA = ROOT / "tests" / "data" / "build"
REGISTRY = os.environ.get("XLINT_REGISTRY", "127.0.0.1:5000")


@pytest.fixture(scope="session")
def engine() -> None:
    require_engine(("golang", "busybox"))


def _contexts() -> list[str]:
    golang = f"oci-layout://{ENGINE_DIR / 'oci' / 'golang'}:latest"
    busybox = f"oci-layout://{ENGINE_DIR / 'oci' / 'busybox'}:latest"
    out: list[str] = []
    for name, src in (
        ("golang:1.22-bookworm", golang),
        ("busybox:1.36", busybox),
        ("gcr.io/distroless/static-debian12", busybox),
    ):
        out += ["--build-context", f"{name}={src}"]
    return out


def offline_copy(src: Path, dest_dir: Path) -> Path:
    """The fixture Dockerfile with its `# syntax=` line neutralised (the frontend image lives on Docker Hub),
    keeping every line number."""
    lines = src.read_text().splitlines(keepends=True)
    out = ["# (syntax directive removed: offline engine)\n" if ln.lower().startswith("# syntax=") else ln
           for ln in lines]
    dest = dest_dir / src.name
    dest.write_text("".join(out))
    return dest


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None
    summary: str
    cwd: Path


def xlint_build(args: list[str], tmp: Path, env: dict[str, str] | None = None) -> Run:
    report_file = tmp / "report.json"
    summary = tmp / "summary.md"
    full_env = dict(os.environ)
    full_env["GITHUB_STEP_SUMMARY"] = str(summary)
    full_env.update(env or {})
    cmd = [sys.executable, "-c", "import sys; from xlint.cli import main; sys.exit(main())", "build",
           "--report", "json", "--report-file", str(report_file), "--rawjson-file", str(tmp / "build.rawjson"), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, cwd=tmp, timeout=900, check=False)
    report = json.loads(report_file.read_text()) if report_file.is_file() else None
    return Run(proc.returncode, proc.stdout, proc.stderr, report,
               summary.read_text() if summary.is_file() else "", tmp)


def steps_at(report: dict[str, Any], line: int, platform: str) -> list[dict[str, Any]]:
    return [s for s in report["steps"] if s["line"] == line and s["platform"] == platform]


@pytest.fixture(scope="session")
def cross_build(engine: None, tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("cross")
    df = offline_copy(GO_HELLO / "Dockerfile", tmp)
    return xlint_build(["-f", str(df), "--no-cache", "--provenance=false", "-t", "xlint-test/hello:cross",
                        *_contexts(), str(GO_HELLO)], tmp)


@pytest.fixture(scope="session")
def naive_build(engine: None, tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("naive")
    df = offline_copy(GO_HELLO / "Dockerfile.emulated", tmp)
    return xlint_build(["-f", str(df), "--no-cache", "--provenance=false", "--max-emulated-seconds", "1",
                        *_contexts(), str(GO_HELLO)], tmp)


@pytest.fixture(scope="session")
def broken_build(engine: None, tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("broken")
    return xlint_build(["-f", str(DATA / "go-broken" / "Dockerfile"), "--provenance=false", *_contexts(),
                        str(GO_HELLO)], tmp)


def _line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line and not line.lstrip().startswith("#"):
            return i
    raise AssertionError(f"{needle!r} not in {path}")


# ----------------------------------------------------------------------------- cross build
def test_cross_build_compiles_arm64_natively(cross_build: Run) -> None:
    assert cross_build.rc == 0, cross_build.stderr[-3000:]
    report = cross_build.report
    assert report is not None and report["ok"]
    line = _line_of(GO_HELLO / "Dockerfile", "go build")
    arm = steps_at(report, line, "linux/arm64")
    assert arm, report["steps"]
    assert all(s["placement"] == "cross" and s["exec_platform"] == "linux/amd64" for s in arm)
    assert all(not s["cached"] and s["duration_s"] > 0 for s in arm)
    emulated = [s for s in report["steps"] if s["placement"] == "emulated" and "go " in s["instruction"]]
    assert emulated == []
    assert report["emulated_seconds"]["linux/arm64"] < 1.0
    assert "cross amd64->arm64" in cross_build.stdout
    assert f"Dockerfile:{line}" in cross_build.stdout


def test_cross_build_is_verified(cross_build: Run) -> None:
    report = cross_build.report
    assert report is not None
    assert report["verify"] is not None and report["verify"]["ok"], cross_build.stdout
    assert report["output"].endswith("dist/hello.oci.tar")
    assert Path(cross_build.stderr) or True
    assert "| Dockerfile:" in cross_build.summary and "cross amd64->arm64" in cross_build.summary


# ----------------------------------------------------------------------------- naive (emulated) build
def test_verify_run_starts_the_entrypoint_for_each_platform(cross_build: Run) -> None:
    """`xlint verify --run`: the image is loaded into the engine and its entrypoint started per platform
    (arm64 under QEMU); the program prints the platform it was built for."""
    assert cross_build.report is not None
    archive = cross_build.cwd / cross_build.report["output"]
    proc = subprocess.run([sys.executable, "-m", "xlint", "verify", "--run", "--run-arg", "-version", "--format", "json",
                           str(archive)], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)
    runs = {p["platform"]: p["run"] for p in result["platforms"]}
    assert set(runs) == {"linux/amd64", "linux/arm64"}
    for platform, run in runs.items():
        assert run["exit"] == 0 and run["ok"], run
        assert platform in run["output"], run


def test_naive_build_reports_emulated_go_build(naive_build: Run) -> None:
    report = naive_build.report
    assert report is not None and report["ok"], naive_build.stderr[-3000:]
    line = _line_of(GO_HELLO / "Dockerfile.emulated", "go build")
    (arm,) = steps_at(report, line, "linux/arm64")
    assert arm["placement"] == "emulated" and arm["exec_platform"] == "linux/arm64"
    assert arm["keyword"] == "RUN" and "go build" in arm["instruction"]
    assert arm["duration_s"] > 1.0
    (amd,) = steps_at(report, line, "linux/amd64")
    assert amd["placement"] == "native"
    assert report["top_emulated"][0]["line"] in (line, _line_of(GO_HELLO / "Dockerfile.emulated", "go mod"))
    assert report["emulated_seconds"]["linux/arm64"] >= arm["duration_s"]
    assert f"Dockerfile.emulated:{line}" in naive_build.stdout
    assert "emulated on linux/arm64" in naive_build.stdout


def test_naive_build_gate_exits_1(naive_build: Run) -> None:
    assert naive_build.rc == 1
    report = naive_build.report
    assert report is not None and report["ok"]  # the build itself succeeded
    assert any("--max-emulated-seconds 1" in g for g in report["gate_failures"])
    assert "gate failed" in naive_build.stderr


# ----------------------------------------------------------------------------- broken build
def test_broken_build_fails_verify_naming_app(broken_build: Run) -> None:
    assert broken_build.rc == 1, broken_build.stderr[-3000:]
    report = broken_build.report
    assert report is not None and report["ok"]  # built fine, wrong content
    assert report["verify"] is not None and not report["verify"]["ok"]
    text = report["verify"]["text"]
    arm_lines = [ln for ln in text.splitlines() if "/app" in ln]
    assert arm_lines, text
    assert any("x86-64" in ln or "x86_64" in ln for ln in arm_lines), text
    assert "linux/arm64" in text


# ----------------------------------------------------------------------------- registry
def test_push_to_local_registry_and_verify(cross_build: Run, tmp_path: Path) -> None:
    ref = f"{REGISTRY}/xlint-test/hello:ci"
    df = offline_copy(GO_HELLO / "Dockerfile", tmp_path)
    run = xlint_build(["-f", str(df), "--provenance=false", "--push", "-t", ref, *_contexts(), str(GO_HELLO)],
                      tmp_path)
    assert run.rc == 0, run.stderr[-3000:]
    assert run.report is not None and run.report["output"] == ref
    assert run.report["verify"]["ok"], run.stdout


# ----------------------------------------------------------------------------- errors
def test_daemon_unreachable_is_one_line_exit_2(engine: None, tmp_path: Path) -> None:
    run = xlint_build([str(GO_HELLO)], tmp_path, env={"DOCKER_HOST": "unix:///nonexistent"})
    assert run.rc == 2
    err = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(err) == 1, run.stderr
    assert "Docker daemon not reachable at unix:///nonexistent" in err[0]
    assert "Traceback" not in run.stderr


def _platform_the_builder_lacks() -> str:
    """A valid Linux platform the default builder does not offer on this host. Which ones it offers depends on
    the binfmt handlers registered when dockerd started (qemu-user-static registers every one QEMU has), and
    BuildKit keeps that list for the daemon's life, so the test asks the builder instead of assuming."""
    from xlint.build.buildx import parse_inspect

    out = subprocess.run(["docker", "buildx", "inspect", "--bootstrap"], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    offered = {p for node in parse_inspect(out)[1] for p in node}
    # sparc64 last: BuildKit never probes an emulator for it, so some candidate is always absent
    for candidate in ("linux/s390x", "linux/ppc64le", "linux/riscv64", "linux/mips64le", "linux/sparc64"):
        if candidate not in offered:
            return candidate
    raise AssertionError(f"the builder offers every candidate platform: {sorted(offered)}")


def test_platform_without_binfmt_is_exit_2(engine: None, tmp_path: Path) -> None:
    platform = _platform_the_builder_lacks()
    run = xlint_build(["--platform", platform, "--no-check", str(GO_HELLO)], tmp_path)
    assert run.rc == 2, run.stderr[-2000:]
    assert f"{platform} not supported by builder" in run.stderr
    assert "qemu-user-static" in run.stderr
    assert "Traceback" not in run.stderr


def test_no_docker_binary_is_exit_2(tmp_path: Path) -> None:
    run = xlint_build([str(GO_HELLO)], tmp_path, env={"PATH": str(tmp_path)})
    assert run.rc == 2
    assert "docker not found" in run.stderr and "Traceback" not in run.stderr


# ----------------------------------------------------------------------------- buildah backend
@pytest.fixture(scope="session")
def buildah_engine(engine: None) -> None:
    if shutil.which("buildah") is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but buildah is not installed (scripts/setup-engine.sh installs it)")
        pytest.skip("buildah is not installed (run: sudo scripts/setup-engine.sh)")


def test_buildah_backend_builds_and_exports(buildah_engine: None, tmp_path: Path) -> None:
    df = DATA / "buildah" / "Dockerfile"
    run = xlint_build(["--engine", "buildah", "--no-check", "-f", str(df), "--build-context",
                       f"busybox:1.36=oci-layout://{ENGINE_DIR / 'oci' / 'busybox'}:latest", str(df.parent)], tmp_path)
    assert run.rc == 0, run.stderr[-3000:] + run.stdout[-3000:]
    report = run.report
    assert report is not None and report["engine"] == "buildah"
    assert (tmp_path / "dist" / "buildah.oci.tar").is_file()
    assert report["verify"]["ok"], run.stdout
    (tools_arm,) = steps_at(report, 5, "linux/arm64")
    assert tools_arm["placement"] == "cross" and tools_arm["exec_platform"] == "linux/amd64"
    (final_arm,) = steps_at(report, 9, "linux/arm64")
    assert final_arm["placement"] == "emulated" and final_arm["duration_s"] > 0
    (final_amd,) = steps_at(report, 9, "linux/amd64")
    assert final_amd["placement"] == "native"


def test_no_buildx_plugin_is_exit_2(tmp_path: Path) -> None:
    shim = tmp_path / "bin"
    shim.mkdir()
    docker = shim / "docker"
    docker.write_text("#!/bin/sh\necho \"docker: 'buildx' is not a docker command.\" >&2\nexit 1\n")
    docker.chmod(0o755)
    run = xlint_build(["--no-check", str(GO_HELLO)], tmp_path, env={"PATH": f"{shim}:/usr/bin:/bin"})
    assert run.rc == 2
    err = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(err) == 1 and "docker buildx plugin not found" in err[0] and "docker-buildx" in err[0]
