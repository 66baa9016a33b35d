"""`xlint check fixtures/`: every planted problem is reported where it is, and nothing else."""

from __future__ import annotations

from pathlib import Path

from xlint.checker import check_paths
from xlint.files import discover

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_fixtures_are_found() -> None:
    files = list(discover([str(FIXTURES)]))
    assert len(files) >= 14
    names = {Path(f).name for f in files}
    assert {"Dockerfile", "Containerfile", "app.Dockerfile", "Dockerfile.undeclared"} <= names


def test_xl201_exactly_where_it_applies() -> None:
    files = list(discover([str(FIXTURES)]))
    diags = check_paths(files, select=["XL201"])
    found = [(Path(d.path).relative_to(FIXTURES).as_posix(), d.line, d.column, d.code) for d in diags]
    assert found == [("go-hello/Dockerfile.undeclared", 12, 41, "XL201")]
    assert "TARGETARCH" in diags[0].message


def test_no_parse_errors_in_fixtures() -> None:
    files = list(discover([str(FIXTURES)]))
    assert not [d for d in check_paths(files, select=["XL9"]) if d.code == "XL901"]
