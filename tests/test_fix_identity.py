"""A finding's identity across a fix: stable when the fix inserts named stages (which renumbers the unnamed
ones) or lines, so the safety net does not take a moved finding for a new one."""

from __future__ import annotations

from xlint.diagnostics import Diagnostic
from xlint.fixes.engine import fix_text, keyer
from xlint.rule import CheckOptions, all_rules
from xlint.syntax import parse


def _d(message: str, code: str = "XL108") -> Diagnostic:
    return Diagnostic("Dockerfile", code, "x", "warning", message, 1, 1, 1, 1)


def test_unnamed_stage_keeps_its_identity_when_a_named_stage_is_inserted() -> None:
    before = parse("FROM a\nRUN x\nFROM b\nRUN y\n")
    after = parse("FROM a\nRUN x\nFROM c AS tools\nFROM b\nRUN y\n")
    assert keyer(before)(_d("in stage 'stage-1' for linux/arm64")) == keyer(after)(_d("in stage 'stage-2' for linux/arm64"))
    # two unnamed stages stay apart
    assert keyer(after)(_d("in stage 'stage-0'")) != keyer(after)(_d("in stage 'stage-2'"))


def test_named_stage_labels_and_codes_are_kept() -> None:
    tree = parse("FROM a AS stage-5\nFROM b\n")
    key = keyer(tree)
    assert key(_d("in stage 'stage-5'")) == ("XL108", "in stage 'stage-5'")  # a name, not an index
    assert key(_d("in stage 'stage-1'", code="XL101")) != key(_d("in stage 'stage-1'"))


def test_line_numbers_are_not_identity() -> None:
    key = keyer(parse("FROM a\n"))
    assert key(_d("`x` which `COPY ...` at line 7 uses")) == key(_d("`x` which `COPY ...` at line 12 uses"))


def test_tools_stage_before_an_unnamed_image_with_another_finding() -> None:
    # the image keeps an emulated cross-compiler install (XL108); moving its tool installs into a new named
    # stage renumbers it, and the fix is still made, with the XL108 left and explained
    text = ("FROM golang:1.22-bookworm\n"
            "RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu\n"
            "RUN go install golang.org/x/tools/cmd/goimports@v0.20.0\n"
            'ENTRYPOINT ["/build.sh"]\n')
    options = CheckOptions(platforms=("linux/amd64", "linux/arm64"), build_platform="linux/amd64")
    result = fix_text(text, "Dockerfile", options, all_rules(), unsafe=True)
    assert "AS go-tools" in result.text and not result.dropped
    left = [d for d in result.remaining if d.code == "XL108"]
    assert len(left) == 1 and "stage 'FROM golang:1.22-bookworm'" in left[0].message
    assert result.why_not(left[0])
