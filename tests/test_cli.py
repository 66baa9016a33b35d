"""The command line, run as a user runs it (a subprocess of the installed console script)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def xlint(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("xlint", path=os.path.dirname(sys.executable)) or shutil.which("xlint")
    cmd = [exe] if exe else [sys.executable, "-m", "xlint"]
    return subprocess.run([*cmd, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120)


BUGGY = "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN GOARCH=$TARGETARCH go build -o /app .\n"


def test_version() -> None:
    r = xlint("--version")
    assert r.returncode == 0 and "xlint, version" in r.stdout


def test_check_reports_and_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(BUGGY)
    r = xlint("check", "--select", "XL201", str(tmp_path / "Dockerfile"))
    assert r.returncode == 1
    first = r.stdout.splitlines()[0]
    assert first.startswith(f"{tmp_path / 'Dockerfile'}:2:") and " XL201" in first
    assert "hint:" in r.stdout
    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN true\n")
    r = xlint("check", str(tmp_path / "Dockerfile"))
    assert r.returncode == 0, r.stdout


def test_json_format_shape(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(BUGGY)
    r = xlint("check", "--select", "XL201", "--format", "json", str(tmp_path / "Dockerfile"))
    rows = json.loads(r.stdout)
    assert len(rows) == 1
    row = rows[0]
    assert set(row) >= {"path", "line", "column", "end_line", "end_column", "code", "name", "severity", "message",
                        "fix"}
    assert (row["code"], row["name"], row["line"]) == ("XL201", "undeclared-platform-arg", 2)
    assert row["fix"]["applicability"] == "safe"
    assert row["fix"]["edits"] == [{"start": [2, 1], "end": [2, 1], "text": "ARG TARGETARCH\n"}]


def test_parse_error_is_one_line_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text("FROM alpine\nRUN <<EOF\necho\n")
    r = xlint("check", str(f))
    assert r.returncode == 2
    assert r.stdout.splitlines()[0].startswith(f"{f}:2:") and "XL901" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr


@pytest.mark.parametrize("args", [["check", "--nope"], ["check", "/does/not/exist"], ["check", "--platform", "bogus"],
                                  ["explain", "XL000"], ["check", "--select", "ZZ9"]])
def test_bad_usage_is_one_line_exit_2(args: list[str]) -> None:
    r = xlint(*args)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith("xlint: error:")
    assert "Traceback" not in r.stderr


def test_stdin_and_directory_discovery(tmp_path: Path) -> None:
    r = xlint("check", "-", stdin=BUGGY)
    assert r.returncode == 1 and r.stdout.startswith("-:2:")
    for name in ["Dockerfile", "Containerfile", "api.Dockerfile", "x.dockerfile", "Dockerfile.dev", "notes.txt"]:
        (tmp_path / name).write_text(BUGGY)
    for skipped in [".hidden", "node_modules", "vendor"]:
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "Dockerfile").write_text(BUGGY)
    r = xlint("check", "--format", "json", str(tmp_path))
    paths = sorted({Path(row["path"]).name for row in json.loads(r.stdout)})
    assert paths == ["Containerfile", "Dockerfile", "Dockerfile.dev", "api.Dockerfile", "x.dockerfile"]
    # a file named explicitly is checked whatever its name
    r = xlint("check", str(tmp_path / "notes.txt"))
    assert r.returncode == 1


def test_single_native_target_silences_emulation_only(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(BUGGY)
    r = xlint("check", "--platform", "linux/amd64", "--build-platform", "linux/amd64", str(tmp_path))
    assert r.returncode == 1  # XL201 is a correctness bug on any platform


def test_select_ignore_and_pragmas(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(BUGGY)
    assert xlint("check", "--select", "XL2", "--ignore", "XL201,XL208", str(f)).returncode == 0
    assert xlint("check", "--select", "XL201", str(f)).returncode == 1
    assert xlint("check", "--select", "XL9", str(f)).returncode == 0
    sel = ("--select", "XL201,XL902")
    f.write_text("FROM golang AS build\n# xlint: ignore=XL201\nRUN GOARCH=$TARGETARCH go build .\n")
    assert xlint("check", *sel, str(f)).returncode == 0
    f.write_text("FROM golang AS build\nRUN GOARCH=$TARGETARCH go build .  # xlint: ignore=XL201\n")
    assert xlint("check", *sel, str(f)).returncode == 0
    f.write_text("# xlint: global ignore=XL201\nFROM golang AS build\nRUN GOARCH=$TARGETARCH go build .\n")
    assert xlint("check", *sel, str(f)).returncode == 0
    f.write_text("FROM golang AS build\n# xlint: ignore=XL2O1\nRUN GOARCH=$TARGETARCH go build .\n")
    assert xlint("check", *sel, str(f)).returncode == 1
    r = xlint("check", *sel, "--format", "json", str(f))
    assert sorted(row["code"] for row in json.loads(r.stdout)) == ["XL201", "XL902"]


def test_config_file_and_invalid_config(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(BUGGY)
    (tmp_path / ".xlint.yaml").write_text("select: [XL2]\nignore: [XL201, XL208]\n")
    assert xlint("check", str(f)).returncode == 0
    (tmp_path / ".xlint.yaml").write_text("ignore: [XL201\n")
    r = xlint("check", str(f))
    assert r.returncode == 2 and ".xlint.yaml" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    (tmp_path / ".xlint.yaml").write_text("colour: red\n")
    r = xlint("check", str(f))
    assert r.returncode == 2 and "unknown key 'colour'" in r.stderr
    (tmp_path / ".xlint.yaml").unlink()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.xlint]\nselect = ["XL201"]\nper-file-ignores = { "Dockerfile" = ["XL201"] }\n')
    assert xlint("check", str(f)).returncode == 0


def test_fix_in_place_keeps_mode_and_is_idempotent(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(BUGGY)
    f.chmod(0o640)
    r = xlint("fix", "--select", "XL201", "--diff", str(f))
    assert r.returncode == 1 and "+ARG TARGETARCH" in r.stdout
    assert f.read_text() == BUGGY  # --diff writes nothing
    r = xlint("fix", "--select", "XL201", str(f))
    assert r.returncode == 0, r.stderr
    assert f.read_text() == BUGGY.replace("AS build\n", "AS build\nARG TARGETARCH\n")
    assert stat.S_IMODE(f.stat().st_mode) == 0o640
    assert "fixed XL201" in r.stdout
    assert xlint("fix", "--select", "XL201", "--diff", str(f)).returncode == 0
    assert xlint("check", "--select", "XL201", str(f)).returncode == 0


def test_fix_refuses_read_only_and_broken_files(tmp_path: Path) -> None:
    f = tmp_path / "Dockerfile"
    f.write_text(BUGGY)
    f.chmod(0o444)
    if os.geteuid() != 0:
        r = xlint("fix", str(f))
        assert r.returncode == 2 and "read-only" in r.stderr
        assert f.read_text() == BUGGY
    g = tmp_path / "broken.Dockerfile"
    g.write_text("FROM alpine\nRUN <<EOF\n")
    r = xlint("fix", str(g))
    assert r.returncode == 2 and f"{g}:2:" in r.stderr
    assert g.read_text() == "FROM alpine\nRUN <<EOF\n"
    assert not [p for p in tmp_path.iterdir() if "xlint-tmp" in p.name]


def test_rules_and_explain() -> None:
    r = xlint("rules")
    assert r.returncode == 0 and "XL201" in r.stdout and "undeclared-platform-arg" in r.stdout
    r = xlint("explain", "XL201")
    assert r.returncode == 0 and "## Why is this bad?" in r.stdout and "ARG TARGETARCH" in r.stdout
    assert xlint("explain", "undeclared-platform-arg").returncode == 0


@pytest.mark.parametrize("fmt", ["sarif", "github", "junit"])
def test_other_formats(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "Dockerfile").write_text(BUGGY)
    r = xlint("check", "--select", "XL201", "--format", fmt, str(tmp_path / "Dockerfile"))
    assert r.returncode == 1
    if fmt == "sarif":
        doc = json.loads(r.stdout)
        res = doc["runs"][0]["results"]
        assert res[0]["ruleId"] == "XL201" and "partialFingerprints" in res[0]
        assert any(rule["id"] == "XL201" for rule in doc["runs"][0]["tool"]["driver"]["rules"])
    elif fmt == "github":
        assert r.stdout.startswith("::error file=") and ",line=2," in r.stdout
    else:
        assert "<testsuites" in r.stdout and "XL201" in r.stdout


def test_many_files_checked_in_parallel_give_the_same_report(tmp_path: Path) -> None:
    from xlint.checker import check_paths
    from xlint.checkrun import PARALLEL_MIN_FILES

    for i in range(PARALLEL_MIN_FILES + 5):
        body = BUGGY if i % 2 else "FROM alpine\nARG TARGETARCH=amd64\nRUN echo $TARGETARCH\n"
        (tmp_path / f"s{i:03d}.Dockerfile").write_text(body)
    r = xlint("check", "--format", "json", str(tmp_path))
    assert r.returncode == 1
    got = [(row["path"], row["line"], row["column"], row["code"]) for row in json.loads(r.stdout)]
    files = sorted(str(p) for p in tmp_path.iterdir())
    want = [(d.path, d.line, d.column, d.code) for d in check_paths(files)]
    assert got == want and len(got) > PARALLEL_MIN_FILES


def _fail_in_children(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on a file checked in a forked child raises (in this process it is checked as usual)."""
    from xlint import checkrun as cli

    parent = os.getpid()
    real = cli._check_file_job

    def failing_in_children(job: cli.Job) -> tuple[list[object], list[object]]:
        if os.getpid() != parent:
            raise RuntimeError("child failure")
        return real(job)  # type: ignore[return-value]

    monkeypatch.setattr(cli, "_check_file_job", failing_in_children)


def test_forked_checks_match_and_a_failed_child_is_checked_again(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The forked children's findings come back whole; a child that fails (here: every child, its
    process is not this one) has its share checked again in this process."""
    from xlint import checkrun as cli

    files = []
    for i in range(9):
        body = BUGGY if i % 2 else "FROM alpine\nARG TARGETARCH=amd64\nRUN echo $TARGETARCH\n"
        (tmp_path / f"s{i}.Dockerfile").write_text(body)
        files.append(str(tmp_path / f"s{i}.Dockerfile"))
    sel = cli.Selection(None, [], None, None, None)
    jobs: list[cli.Job] = [(f, Path(f).read_bytes(), f, sel, None, None) for f in files]
    one = [cli._check_file_job(j) for j in jobs]
    marker: cli.ProjectResult = ([], {"x": "y"})
    assert cli._forked(jobs, 3) == (one, None) and sum(len(d) for d, _ in one) >= 9
    assert cli._forked(jobs, 2, lambda: marker) == (one, marker)  # the project check, run meanwhile

    def broken() -> cli.ProjectResult:
        raise RuntimeError("project check failed")

    with pytest.raises(RuntimeError, match="project check failed"):
        cli._forked(jobs, 3, broken)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # every child was waited for
    _fail_in_children(monkeypatch)
    assert cli._forked(jobs, 3) == (one, None)


def test_forked_jobs_beyond_the_queue_are_shared_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs are handed out through a pipe; those beyond what it holds are split among the processes, and
    every job is checked once: each child reports which jobs it took."""
    from xlint import checkrun as cli

    sel = cli.Selection(None, [], None, None, None)
    jobs: list[cli.Job] = []
    for i in range(11):
        path = tmp_path / f"s{i}.Dockerfile"
        path.write_text(BUGGY if i % 3 else f"FROM alpine:3.{i}\n")
        jobs.append((str(path), path.read_bytes(), str(path), sel, None, None))
    one = [cli._check_file_job(j) for j in jobs]
    for most in (0, 3, 100):
        monkeypatch.setattr(cli, "_QUEUE_MOST", most)
        assert cli._forked(jobs, 3) == (one, None), most


# ------------------------------------------------------------------ platforms that are no target
def _one_line_exit_2(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert "All checks passed" not in r.stdout and "QEMU emulation" not in r.stdout
    return lines[0]


@pytest.mark.parametrize("command", ["check", "fix"])
@pytest.mark.parametrize(("flag", "value", "expected"), [
    ("--platform", "linux/foo", "unknown architecture 'foo' in platform 'linux/foo' (known: 386, amd64,"),
    ("--platform", "linux/amd64,plan10/arm64", "unknown OS 'plan10' in platform 'plan10/arm64' (known: aix,"),
    ("--platform", "linux/arm64/v8/x", "invalid platform 'linux/arm64/v8/x' (expected os/arch[/variant]"),
    ("--build-platform", "linux/x86", "unknown architecture 'x86' in platform 'linux/x86'"),
])
def test_unknown_platform_is_usage_error(tmp_path: Path, command: str, flag: str, value: str, expected: str) -> None:
    (tmp_path / "Dockerfile").write_text(BUGGY)
    line = _one_line_exit_2(xlint(command, flag, value, str(tmp_path / "Dockerfile")))
    assert line.startswith(f"xlint: error: {flag}: {expected}"), line
    assert (tmp_path / "Dockerfile").read_text() == BUGGY


def test_windows_target_is_not_called_emulation(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM golang:1.22\nRUN go build -o /app .\n")
    line = _one_line_exit_2(xlint("check", "--platform", "linux/amd64,windows/amd64", str(tmp_path / "Dockerfile")))
    assert "'windows/amd64' is not a Linux platform" in line and "windows builder" in line


@pytest.mark.parametrize(("config", "expected"), [
    ("platforms: [linux/amd64, linux/foo]\n", "'platforms': unknown architecture 'foo'"),
    ("build-platform: windows/amd64\n", "'build-platform': platform 'windows/amd64' is not a Linux platform"),
])
def test_unknown_platform_in_config_is_usage_error(tmp_path: Path, config: str, expected: str) -> None:
    (tmp_path / ".xlint.yaml").write_text(config)
    (tmp_path / "Dockerfile").write_text(BUGGY)
    line = _one_line_exit_2(xlint("check", str(tmp_path / "Dockerfile")))
    assert str(tmp_path / ".xlint.yaml") in line and expected in line, line


def test_build_rejects_unknown_platform_before_the_engine(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(BUGGY)
    line = _one_line_exit_2(xlint("build", "--platform", "linux/foo", str(tmp_path)))
    assert line.startswith("xlint: error: --platform: unknown architecture 'foo'"), line


def test_forked_children_that_sent_everything_are_waited_for_after_the_report(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch
                                                                               ) -> None:
    """``wait=False``: a child whose findings came whole is waited for by reap_children (its exit overlaps
    the report); one that failed sent no end mark, is waited for at once and its jobs are checked here."""
    from xlint import checkrun as cli

    sel = cli.Selection(None, [], None, None, None)
    jobs: list[cli.Job] = []
    for i in range(6):
        path = tmp_path / f"s{i}.Dockerfile"
        path.write_text(BUGGY if i % 2 else "FROM alpine\n")
        jobs.append((str(path), path.read_bytes(), str(path), sel, None, None))
    one = [cli._check_file_job(j) for j in jobs]
    assert cli._forked(jobs, 3, wait=False) == (one, None)
    assert len(cli._UNREAPED) == 2
    cli.reap_children()
    assert cli._UNREAPED == []
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
    _fail_in_children(monkeypatch)
    marker: cli.ProjectResult = ([], {"x": "y"})

    def slow_project_check() -> cli.ProjectResult:
        time.sleep(1.0)  # (meanwhile the one child takes a job, and fails on it)
        return marker

    assert cli._forked(jobs, 2, slow_project_check, wait=False) == (one, marker)
    assert cli._UNREAPED == []  # waited for at once: it sent no end mark
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
