"""Every emulated finding that `xlint fix` leaves says why (findings without a fix included)."""

from __future__ import annotations

import pytest

from xlint.fixes.engine import fix_text
from xlint.rule import CheckOptions, all_rules

OPTIONS = CheckOptions(platforms=("linux/amd64", "linux/arm64"), build_platform="linux/amd64")


@pytest.mark.parametrize(("text", "reason"), [
    # a build script the context does not hold
    ("FROM golang:1.22 AS build\nCOPY . .\nRUN ./build.sh\nFROM alpine\nCOPY --from=build /out /out\n",
     "the command is in `./build.sh`, and xlint does not rewrite scripts"),
    # the same in an image on an amd64-only base: that is what stops it
    ("FROM ubuntu:12.04\nRUN apt-get update && apt-get install -y golang\nADD . /opt/app\n"
     "RUN cd /opt/app && ./build\nENTRYPOINT [\"/opt/app/app\"]\n",
     "the image's base `ubuntu:12.04` exists for amd64 only"),
])
def test_a_derived_compile_says_why_it_is_not_fixed(text: str, reason: str) -> None:
    result = fix_text(text, "Dockerfile", OPTIONS, all_rules(), unsafe=True)
    left = [d for d in result.remaining if d.code == "XL101"]
    assert left and all(reason in result.why_not(d) for d in left)
