"""Real pre-commit runs both hooks from this repository (`pre-commit try-repo`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUGGY = "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN GOARCH=$TARGETARCH go build -o /app .\n"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})


def _pre_commit() -> list[str]:
    exe = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    if exe:
        return [exe]
    return [sys.executable, "-m", "pre_commit"]


def test_hooks_with_real_pre_commit(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.fail("git is needed for pre-commit")
    repo = tmp_path / "project"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "Dockerfile").write_text(BUGGY)
    (repo / "Containerfile").write_text(BUGGY)
    (repo / "api.dockerfile").write_text(BUGGY)
    (repo / "README.md").write_text("FROM not a dockerfile\n")
    (repo / ".xlint.yaml").write_text("select: [XL201]\n")  # the project's own config is honoured
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "init")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    check = subprocess.run([*_pre_commit(), "try-repo", str(ROOT), "xlint", "--all-files"], cwd=repo,
                           capture_output=True, text=True, env=env, timeout=900)
    out = check.stdout + check.stderr
    assert check.returncode == 1, out
    for name in ("Dockerfile", "Containerfile", "api.dockerfile"):
        assert f"{name}:2:" in out and "XL201" in out, out
    assert "README.md" not in out.split("Failed", 1)[-1]
    fix = subprocess.run([*_pre_commit(), "try-repo", str(ROOT), "xlint-fix", "--all-files"], cwd=repo,
                         capture_output=True, text=True, env=env, timeout=900)
    assert fix.returncode == 1, fix.stdout + fix.stderr  # a fixing hook fails by modifying files
    assert "files were modified by this hook" in fix.stdout
    fixed = BUGGY.replace("AS build\n", "AS build\nARG TARGETARCH\n")
    for name in ("Dockerfile", "Containerfile", "api.dockerfile"):
        assert (repo / name).read_text() == fixed
    again = subprocess.run([*_pre_commit(), "try-repo", str(ROOT), "xlint", "--all-files"], cwd=repo,
                           capture_output=True, text=True, env=env, timeout=900)
    assert again.returncode == 0, again.stdout + again.stderr
