"""Two builders rewritten with tonistiigi/xx in one run share one `xx` stage: the fix that adds it first in
the file goes first, and the other, computed again on its result, copies from it (two stages of one name
are undefined behaviour in BuildKit; a stage can be copied from only after it is defined)."""

from __future__ import annotations

import dockerfile
import pytest

from xlint.checker import check_text
from xlint.fixes.engine import fix_text, keyer
from xlint.rule import CheckOptions, all_rules
from xlint.syntax import parse

OPTIONS = CheckOptions(platforms=("linux/amd64", "linux/arm64"), build_platform="linux/amd64")

RUST = "FROM rust:1.80 AS tool\nCOPY . .\nRUN cargo build --release --bin tool\n\n"
C = "FROM debian:bookworm AS lib\nRUN apt-get update && apt-get install -y gcc\nCOPY q.c .\nRUN gcc -o /q q.c\n\n"
FINAL = "FROM debian:bookworm-slim\nCOPY --from=tool /target/release/tool /tool\nCOPY --from=lib /q /q\n"


@pytest.mark.parametrize("first", ["rust", "c"])
def test_one_xx_stage_for_two_builders(first: str) -> None:
    text = (RUST + C if first == "rust" else C + RUST) + FINAL
    result = fix_text(text, "Dockerfile", OPTIONS, all_rules(), unsafe=True)
    assert {d.code for d in result.applied} == {"XL102", "XL103"}, result.dropped
    got = result.text
    assert got.count("tonistiigi/xx AS xx") == 1
    assert got.startswith("FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx\n")
    assert got.count("COPY --from=xx / /") == 2
    assert "RUN xx-clang -o /q q.c" in got and "xx-cargo build --release --bin tool" in got
    dockerfile.parse_string(got)
    again = fix_text(got, "Dockerfile", OPTIONS, all_rules(), unsafe=True)
    assert again.text == got  # idempotent
    before = {keyer(parse(text))(d) for d in check_text(text, "Dockerfile", OPTIONS, all_rules())}
    assert not [d for d in again.remaining if keyer(parse(got))(d) not in before]  # adds no finding
