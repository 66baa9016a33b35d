"""The tonistiigi/xx rewrite (XL102/XL103 unsafe fixes, and the cgo entry point for XL101)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlint.fixes.engine import fix_text
from xlint.fixes.xx import xx_rewrite
from xlint.model import Model
from xlint.rule import CheckOptions, all_rules
from xlint.syntax import parse

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "fixxx"


def _fix(text: str, context: Path | None = None, unsafe: bool = True) -> str:
    res = fix_text(text, "Dockerfile", CheckOptions(context=context), all_rules(), unsafe=unsafe)
    return res.text


def _buildkit_parses(text: str) -> None:
    dockerfile = pytest.importorskip("dockerfile")
    parsed = dockerfile.parse_string(text)
    ours = parse(text)
    assert [c.cmd.upper() for c in parsed] == [i.keyword for i in ours.instructions]


@pytest.mark.parametrize("name", ["rust-cli", "c-cmake"])
def test_fixture_rewrite_exact(name: str) -> None:
    src = ROOT / "fixtures" / name / "Dockerfile"
    fixed = _fix(src.read_text(), src.parent)
    assert fixed == (DATA / f"{name}.Dockerfile").read_text()
    _buildkit_parses(fixed)
    assert _fix(fixed, src.parent) == fixed  # idempotent
    # safe fixes alone never do the structural rewrite
    assert "AS xx" not in _fix(src.read_text(), src.parent, unsafe=False)


def test_rust_rewrite_shape() -> None:
    fixed = (DATA / "rust-cli.Dockerfile").read_text()
    assert "FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx\nFROM --platform=$BUILDPLATFORM rust" in fixed
    # dependencies are fetched before the target ARG: shared by every target
    assert fixed.index("RUN cargo fetch --locked") < fixed.index("ARG TARGETPLATFORM") < fixed.index("RUN xx-cargo")
    # the final stage's COPY path still exists after the cross build
    assert "cp target/$(xx-cargo --print-target-triple)/release/rust-cli target/release/rust-cli" in fixed
    assert "COPY --from=build /src/target/release/rust-cli /usr/local/bin/rust-cli" in fixed


def _model(text: str) -> Model:
    return Model(parse(text), ("linux/amd64", "linux/arm64"), "linux/amd64")


def test_alpine_rust_and_style() -> None:
    text = ("from rust:1.79-alpine as build\n"
            "workdir /app\n"
            "copy . .\n"
            "run cargo build --release && \\\n"
            "  ls -l target/release/app\n"
            "from alpine\n"
            "copy --from=build /app/target/release/app /usr/bin/app\n")
    fixed = _fix(text)
    assert fixed == (
        "from --platform=$BUILDPLATFORM tonistiigi/xx as xx\n"
        "from --platform=$BUILDPLATFORM rust:1.79-alpine as build\n"
        "copy --from=xx / /\n"
        "run apk add --no-cache clang lld\n"
        "workdir /app\n"
        "copy . .\n"
        "run cargo fetch\n"
        "arg TARGETPLATFORM\n"
        "run xx-apk add --no-cache musl-dev gcc\n"
        "run xx-cargo build --release && \\\n"
        "  xx-verify target/$(xx-cargo --print-target-triple)/release/app && \\\n"
        "  mkdir -p target/release && \\\n"
        "  cp target/$(xx-cargo --print-target-triple)/release/app target/release/app && \\\n"
        "  ls -l target/release/app\n"
        "from alpine\n"
        "copy --from=build /app/target/release/app /usr/bin/app\n"
    )
    _buildkit_parses(fixed)


def test_gcc_direct_with_dev_libraries() -> None:
    text = ("FROM debian:bookworm AS build\r\n"
            "RUN apt-get update && apt-get install -y gcc libz-dev\r\n"
            "COPY hello.c /src/\r\n"
            "RUN gcc -O2 -o /out/hello /src/hello.c -lz\r\n"
            "FROM debian:bookworm-slim\r\n"
            "COPY --from=build /out/hello /hello\r\n")
    fixed = _fix(text)
    assert fixed == (
        "FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx\r\n"
        "FROM --platform=$BUILDPLATFORM debian:bookworm AS build\r\n"
        "COPY --from=xx / /\r\n"
        "RUN apt-get update && apt-get install -y gcc libz-dev clang lld\r\n"
        "COPY hello.c /src/\r\n"
        "ARG TARGETPLATFORM\r\n"
        "RUN xx-apt-get install -y gcc libc6-dev libz-dev\r\n"
        "RUN xx-clang -O2 -o /out/hello /src/hello.c -lz \\\r\n"
        "    && xx-verify /out/hello\r\n"
        "FROM debian:bookworm-slim\r\n"
        "COPY --from=build /out/hello /hello\r\n"
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("FROM debian AS b\nRUN ninja\nFROM debian\nCOPY --from=b /x /x\n", "compiler is unknown"),
        ("FROM fedora AS b\nRUN gcc -o /x x.c\nFROM fedora\nCOPY --from=b /x /x\n", "unknown distribution"),
        ("FROM rust:1.79\nRUN cargo build --release\n", "the image itself"),
        ("FROM rust:1.79 AS b\nRUN cargo build --release\nFROM b AS c\nRUN true\nFROM debian\n"
         "COPY --from=c /x /x\n", "is built FROM it"),
        ("FROM rust:1.79 AS b\nWORKDIR /src\nRUN cargo build --release\nFROM debian\n"
         "COPY --from=b /src/target/release/deps/app /app\n", "not a binary of the cargo target directory"),
        ("FROM alpine:3.20 AS b\nRUN apk add --no-cache build-base\nRUN gcc -O2 -o /x x.c && strip /x\n"
         "FROM alpine\nCOPY --from=b /x /x\n", "`strip` after the build is the build machine's"),
        ("FROM rust:1.79 AS b\nWORKDIR /src\nRUN cargo build --release && ./target/release/app --version | tee /v\n"
         "FROM debian\nCOPY --from=b /src/target/release/app /app\n", "runs the program just built"),
        ("FROM rust:1.79 AS b\nRUN cargo rustc --release -- -C opt-level=3\nFROM debian\nCOPY --from=b /x /x\n",
         "only `cargo build`"),
    ],
)
def test_no_fix_with_reason(text: str, reason: str) -> None:
    model = _model(text)
    stage = model.stages[0]
    toolchain = "rust" if "cargo" in text else "c"
    res = xx_rewrite(model, stage, toolchain)  # type: ignore[arg-type]
    assert res.edits is None and reason in res.reason
    # the rule reports the recipe and why there is no fix, and `fix` leaves the text alone
    assert "AS xx" not in _fix(text)


def test_cgo_entry_point() -> None:
    text = ("FROM golang:1.22-alpine AS build\n"
            "WORKDIR /src\n"
            "COPY . .\n"
            "RUN go build -o /out/app ./cmd/app\n"
            "FROM alpine\n"
            "COPY --from=build /out/app /app\n")
    model = _model(text)
    res = xx_rewrite(model, model.stages[0], "go-cgo")
    assert res.edits is not None, res.reason
    from xlint.fixes.engine import apply_edits

    out = apply_edits(text, res.edits)
    assert out == (
        "FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx\n"
        "FROM --platform=$BUILDPLATFORM golang:1.22-alpine AS build\n"
        "COPY --from=xx / /\n"
        "RUN apk add --no-cache clang lld\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "ARG TARGETPLATFORM\n"
        "RUN xx-apk add --no-cache musl-dev gcc\n"
        "RUN CGO_ENABLED=1 xx-go build -o /out/app ./cmd/app \\\n"
        "    && xx-verify /out/app\n"
        "FROM alpine\n"
        "COPY --from=build /out/app /app\n"
    )
    assert res.verified == ["/out/app"]
    parse(out)


def test_debian_dev_packages_without_lib_prefix_go_to_the_target() -> None:
    text = ("FROM debian:bookworm AS build\n"
            "RUN apt-get update && apt-get install -y gcc zlib1g-dev uuid-dev python3-dev\n"
            "RUN gcc -O2 -o /out/hello hello.c -lz -luuid\n"
            "FROM debian:bookworm-slim\n"
            "COPY --from=build /out/hello /hello\n")
    fixed = _fix(text)
    # C libraries for the target; python3-dev (an interpreter's headers) is not installed for it
    assert "RUN xx-apt-get install -y gcc libc6-dev zlib1g-dev uuid-dev\n" in fixed
