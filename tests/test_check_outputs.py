"""`xlint check --format markdown` (the Action's job summary), repository-relative annotation paths, and
`-o` into a folder that does not exist yet (written atomically, never a traceback)."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GO_HELLO = ROOT / "fixtures" / "go-hello"


def check(*args: str, cwd: Path = GO_HELLO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlint", "check", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


def test_markdown_table() -> None:
    r = check("--format", "markdown", ".")
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0] == "### xlint check: 3 findings (1 error, 2 warnings)"
    assert "| `Dockerfile.emulated:8:5` | XL101 `go-compile-emulated` | warning |" in r.stdout
    assert lines[-1] == "2 fixable with `xlint fix`."
    clean = check("--format", "markdown", str(GO_HELLO / "Dockerfile"))
    assert clean.returncode == 0 and clean.stdout == "### xlint check: no findings\n"


def test_github_annotations_are_repository_relative() -> None:
    r = check("--format", "github", ".")
    files = sorted(line.split(",", 1)[0] for line in r.stdout.splitlines())
    assert files == ["::error file=Dockerfile.undeclared", "::warning file=Dockerfile.emulated",
                     "::warning file=Dockerfile.single"]


def test_output_into_a_new_folder_and_over_a_file(tmp_path: Path) -> None:
    out = tmp_path / "new" / "xlint.sarif"
    r = check("--format", "sarif", "-o", str(out), ".")
    assert r.returncode == 1 and r.stdout == "" and out.read_text().lstrip().startswith("{")
    out.chmod(0o600)
    check("--format", "json", "-o", str(out), ".")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.read_text().lstrip().startswith("[")
    blocked = tmp_path / "file"
    blocked.write_text("")
    r = check("--format", "json", "-o", str(blocked / "x.json"), ".")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"xlint: error: {blocked / 'x.json'}: cannot write")
