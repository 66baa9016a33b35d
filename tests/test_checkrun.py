"""A plain ``xlint check`` runs without click (:func:`xlint.checkrun.parse_argv`): its arguments must mean
what click makes of them, and anything click would refuse or treat otherwise must go to click."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from xlint.checkrun import parse_argv
from xlint.cli import cli

BUGGY = "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN GOARCH=$TARGETARCH go build -o /app .\n"


def click_params(argv: list[str]) -> dict[str, Any] | None:
    """The check command's parameters as click parses ``argv``; None when click refuses it."""
    import click

    command = cli.commands["check"]
    try:
        ctx = command.make_context("check", list(argv[1:]), resilient_parsing=False)
    except (click.exceptions.UsageError, click.exceptions.BadParameter, click.exceptions.Exit):
        return None
    return dict(ctx.params)


PLAIN = [
    ["check", "Dockerfile"],
    ["check", "--no-cache", "--exit-zero", "Dockerfile", "b.Dockerfile"],
    ["check", "--select", "XL1", "--select=XL2,XL3", "--ignore", "XL101", "Dockerfile"],
    ["check", "Dockerfile", "--platform", "linux/arm64", "--platform=linux/amd64", "--build-platform", "linux/amd64"],
    ["check", "--format", "json", "-o", "out.json", "--failure-threshold=warning", "Dockerfile"],
    ["check", "--color", "--no-color", "--resolve", "--no-resolve", "--offline", "Dockerfile"],
    ["check", "--target", "build", "--context", "ctx", "--config", "cfg.yaml", "--cache-dir", "cache", "Dockerfile"],
    ["check", "--stdin-filename", "x/Dockerfile", "-"],
    ["check", "--", "--odd-name", "-"],
    ["check"],
    ["check", "--format", "sarif", "--format", "github", "--select", ""],
]
TO_CLICK = [
    ["check", "--help"], ["check", "-h"], ["check", "--unknown", "Dockerfile"], ["check", "-oout.json", "Dockerfile"],
    ["check", "--format", "yaml", "Dockerfile"], ["check", "--format"], ["check", "--exit-zero=1", "Dockerfile"],
    ["check", "--failure-threshold", "fatal"], ["check", "--context", "afile", "Dockerfile"],
    ["check", "--config", "adir", "Dockerfile"], ["check", "-o", "adir", "Dockerfile"],
    ["check", "--cache-dir", "afile"], ["--version"], ["fix", "Dockerfile"], [],
]


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("argv", PLAIN, ids=" ".join)
def test_plain_checks_are_read_as_click_reads_them(in_tmp: Path, argv: list[str]) -> None:
    mine = parse_argv(argv)
    theirs = click_params(argv)
    assert mine is not None and theirs is not None
    defaults = {k: v for k, v in theirs.items() if k not in mine}
    assert defaults == {k: click_params(["check"])[k] for k in defaults}  # type: ignore[index]
    assert {**defaults, **mine} == theirs


@pytest.mark.parametrize("argv", TO_CLICK, ids=lambda a: " ".join(a) or "(none)")
def test_what_click_refuses_or_treats_otherwise_goes_to_click(in_tmp: Path, argv: list[str]) -> None:
    assert parse_argv(argv) is None
    if argv[:1] == ["check"] and not set(argv) & {"--help", "-h", "-oout.json"}:
        assert click_params(argv) is None  # (click refuses it: its own error message is the answer)


def _run(entry: str, args: list[str], cwd: Path, stdin: str = "") -> tuple[str, str, int]:
    code = ("import sys, atexit\n"
            "atexit.register(lambda: print('CLICK' if 'click' in sys.modules else 'NOCLICK', file=sys.stderr))\n"
            f"sys.argv = ['xlint', *sys.argv[1:]]\nfrom {entry} import main\nmain()\n" if entry == "xlint.runcache" else
            "import sys\nfrom xlint.cli import main\nmain(sys.argv[1:])\n")
    env = {**os.environ, "XLINT_CACHE_DIR": str(cwd / "cache"), "XLINT_FULL_EXIT": "1"}  # (atexit runs)
    r = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, input=stdin, capture_output=True, text=True,
                       timeout=120, env=env)
    return r.stdout, r.stderr, r.returncode


@pytest.mark.parametrize("args", [
    ["check", "--no-cache", "Dockerfile"],
    ["check", "--no-cache", "--format", "json", "Dockerfile", "ok.Dockerfile"],
    ["check", "--no-cache", "--select", "XL2", "--exit-zero", "."],
    ["check", "--no-cache", "--stdin-filename", "in/Dockerfile", "-"],
    ["check", "--no-cache", "missing.Dockerfile"],
    ["check", "--no-cache", "--select", "XL999", "Dockerfile"],
    ["check", "--no-cache", "--platform", "linux/sparc", "Dockerfile"],
    ["check", "--no-cache", "broken.Dockerfile"],
])
def test_both_ways_print_the_same(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "Dockerfile").write_text(BUGGY)
    (tmp_path / "ok.Dockerfile").write_text("FROM alpine\n")
    (tmp_path / "broken.Dockerfile").write_text("FROM alpine\nRUN ['unterminated\nONBUILD\n")
    fast_out, fast_err, fast_rc = _run("xlint.runcache", args, tmp_path, stdin=BUGGY)
    click_out, click_err, click_rc = _run("xlint.cli", args, tmp_path, stdin=BUGGY)
    assert fast_err.endswith("NOCLICK\n"), fast_err  # the plain check did not import click
    assert (fast_out, fast_err.removesuffix("NOCLICK\n"), fast_rc) == (click_out, click_err, click_rc)
    assert fast_out or fast_err


def test_a_plain_check_leaves_at_once_with_its_report_and_exit_code(tmp_path: Path) -> None:
    """The fast path ends with ``os._exit`` after flushing: the whole report is out, the exit code kept,
    and no exit handler runs (``XLINT_FULL_EXIT`` lets them, for coverage tools)."""
    (tmp_path / "Dockerfile").write_text(BUGGY)
    code = ("import sys, atexit\natexit.register(lambda: print('HANDLER', file=sys.stderr))\n"
            "sys.argv = ['xlint', *sys.argv[1:]]\nfrom xlint.runcache import main\nmain()\n")
    for env, handler in (({}, False), ({"XLINT_FULL_EXIT": "1"}, True)):
        r = subprocess.run([sys.executable, "-c", code, "check", "--no-cache", "Dockerfile"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120,
                           env={k: v for k, v in os.environ.items() if k != "XLINT_FULL_EXIT"} | env)
        assert r.returncode == 1 and "XL201" in r.stdout and r.stdout.endswith("fixable with `xlint fix`).\n")
        assert ("HANDLER" in r.stderr) == handler
