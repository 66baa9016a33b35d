"""XL202-XL211 and XL301 over fixtures/: exactly the planted problems, and nothing on clean files."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlint.checker import check_paths, check_text
from xlint.files import discover
from xlint.rule import CheckOptions, rule_by_code

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CODES = ["XL202", "XL203", "XL205", "XL206", "XL209", "XL210", "XL211", "XL301"]
PLATFORMS = ["linux/amd64", "linux/arm64"]


def _found(build_platform: str = "linux/amd64") -> set[tuple[str, int, str]]:
    files = list(discover([str(FIXTURES)]))
    diags = check_paths(files, platforms=PLATFORMS, build_platform=build_platform, select=CODES)
    return {(Path(d.path).relative_to(FIXTURES).as_posix(), d.line, d.code) for d in diags}


EXPECTED = {
    # `dotnet restore -r linux-x64` and `dotnet publish -r linux-x64`: x64 output for every target
    ("dotnet-console/Dockerfile", 8, "XL206"),
    ("dotnet-console/Dockerfile", 10, "XL206"),
    # the per-arch copies (XL405's subject), read as multi-platform Dockerfiles: `GOARCH=amd64`/`arm64`
    # and the dumb-init download named `_x86_64`/`_aarch64` pin one architecture for every target
    ("multiarch-k8s/Dockerfile.amd64", 5, "XL206"),
    ("multiarch-k8s/Dockerfile.amd64", 8, "XL206"),
    ("multiarch-k8s/Dockerfile.arm64", 5, "XL206"),
    ("multiarch-k8s/Dockerfile.arm64", 8, "XL206"),
}


def test_exact_reports_over_fixtures() -> None:
    assert _found() == EXPECTED


def test_same_reports_on_an_arm64_runner() -> None:
    assert _found("linux/arm64") == EXPECTED


@pytest.mark.parametrize("name", ["go-hello/Dockerfile", "edge-cases/app.Dockerfile"])
def test_correct_cross_dockerfiles_are_clean(name: str) -> None:
    text = (FIXTURES / name).read_text()
    rules = [r for r in (rule_by_code(c) for c in CODES) if r is not None]
    assert len(rules) == len(CODES)
    for platforms in (("linux/amd64", "linux/arm64"), ("linux/amd64", "linux/arm64", "linux/arm/v7")):
        diags = check_text(text, name, CheckOptions(platforms=platforms, build_platform="linux/amd64"), rules)
        assert diags == []


def test_single_platform_build_keeps_quiet_on_matching_literals() -> None:
    text = (FIXTURES / "dotnet-console/Dockerfile").read_text()
    rule = rule_by_code("XL206")
    assert rule is not None
    diags = check_text(text, "Dockerfile", CheckOptions(platforms=("linux/amd64",), build_platform="linux/amd64"),
                       [rule])
    assert diags == []
    diags = check_text(text, "Dockerfile", CheckOptions(platforms=("linux/arm64",), build_platform="linux/amd64"),
                       [rule])
    assert [d.line for d in diags] == [8, 10]


def test_xl203_reports_without_fix_when_the_parent_serves_the_image() -> None:
    rule = rule_by_code("XL203")
    assert rule is not None
    text = ("FROM alpine AS base\nFROM --platform=$BUILDPLATFORM base AS tools\nRUN echo tools\n"
            "FROM base\nCOPY --from=tools /x /x\n")
    diags = check_text(text, "Dockerfile", CheckOptions(), [rule])
    assert [(d.line, d.fix) for d in diags] == [(2, None)]
    text = "FROM alpine AS a\nFROM --platform=linux/arm64 a\n"
    diags = check_text(text, "Dockerfile", CheckOptions(), [rule])
    assert [(d.line, d.fix) for d in diags] == [(2, None)]


def test_xl210_and_xl202_fixes_are_marked_safe() -> None:
    for code, text in (("XL210", "FROM --platform=$TARGETPLATFORM alpine\n"),
                       ("XL202", "FROM alpine\nARG TARGETARCH=amd64\n")):
        rule = rule_by_code(code)
        assert rule is not None
        diags = check_text(text, "Dockerfile", CheckOptions(), [rule])
        assert len(diags) == 1 and diags[0].fix is not None and diags[0].fix.applicability == "safe"


def test_xl206_literal_inside_variable_default_is_not_reported() -> None:
    rule = rule_by_code("XL206")
    assert rule is not None
    text = "FROM alpine\nARG TARGETARCH\nRUN wget https://example.com/tool-${TARGETARCH:-amd64}.tgz\n"
    assert check_text(text, "Dockerfile", CheckOptions(), [rule]) == []
