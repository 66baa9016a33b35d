"""A Rust build's hard-coded target triple mapped to each platform's (xlint/fixes/rust.py), and a Go smoke
test of the program just built kept to the native build (xlint/fixes/go.py)."""

from __future__ import annotations

from pathlib import Path

import dockerfile
import pytest

from xlint.checker import check_text
from xlint.fixes.engine import fix_text
from xlint.fixes.xx import xx_rewrite
from xlint.model import Model
from xlint.rule import CheckOptions, all_rules
from xlint.syntax import parse

GO_CONTEXT = {"go.mod": "module example.com/app\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() {}\n"}


def _fix(text: str, context: Path | None = None) -> str:
    return fix_text(text, "Dockerfile", CheckOptions(context=context), all_rules(), unsafe=True).text


def _checked(text: str, context: Path | None = None) -> set[str]:
    return {d.code for d in check_text(text, "Dockerfile", CheckOptions(context=context), all_rules())}


def _fixed(text: str, context: Path | None = None) -> str:
    fixed = _fix(text, context)
    assert fixed != text
    dockerfile.parse_string(fixed)
    assert _fix(fixed, context) == fixed  # idempotent
    # no finding left: nothing emulated, and the wrong-arch findings of a hard-coded triple (XL206) go with it
    assert not _checked(fixed, context), _checked(fixed, context)
    return fixed


def _reason(text: str) -> str:
    model = Model(parse(text), ("linux/amd64", "linux/arm64"), "linux/amd64")
    res = xx_rewrite(model, model.stages[0], "rust")
    assert res.edits is None
    assert _fix(text) == text
    return res.reason


def test_aarch64_triple_and_chained_rustup() -> None:
    # an aarch64 triple is as wrong for amd64; `rustup target add` before the sources loses only that
    # target, and the platform's is added after ARG TARGETPLATFORM
    text = ("FROM rust:1.79 AS build\n"
            "RUN rustup target add aarch64-unknown-linux-gnu && rustup component add clippy\n"
            "WORKDIR /src\n"
            "COPY . .\n"
            "RUN cargo build --release --target aarch64-unknown-linux-gnu --bin api \\\n"
            " && cp target/aarch64-unknown-linux-gnu/release/api /usr/local/bin/api\n"
            "FROM debian:bookworm-slim\n"
            "COPY --from=build /usr/local/bin/api /usr/local/bin/api\n")
    fixed = _fixed(text)
    assert "RUN rustup component add clippy\n" in fixed
    assert "aarch64-unknown-linux-gnu" not in fixed
    assert fixed.index("ARG TARGETPLATFORM") < fixed.index('RUN rustup target add "$(xx-cargo --print-target-triple)"')
    # the binary is read from where it is copied back, in the same step
    assert ("RUN xx-cargo build --release --bin api \\\n"
            " && xx-verify target/$(xx-cargo --print-target-triple)/release/api \\\n"
            " && mkdir -p target/release \\\n"
            " && cp target/$(xx-cargo --print-target-triple)/release/api target/release/api \\\n"
            " && cp target/release/api /usr/local/bin/api\n") in fixed


def test_prefix_setting_and_other_references() -> None:
    # CARGO_BUILD_TARGET as a prefix goes; a folder of the triple that is not a binary names the platform's
    text = ("FROM rust:1.79 AS build\n"
            "WORKDIR /src\n"
            "COPY . .\n"
            "RUN CARGO_BUILD_TARGET=x86_64-unknown-linux-gnu cargo build --release \\\n"
            " && find target/x86_64-unknown-linux-gnu/release -maxdepth 1 -type f -perm /a+x -exec cp {} /out/ \\;\n"
            "FROM debian:bookworm-slim\n"
            "COPY --from=build /out/ /usr/local/bin/\n")
    fixed = _fixed(text)
    assert "RUN xx-cargo build --release \\\n" in fixed
    assert "find target/$(xx-cargo --print-target-triple)/release -maxdepth 1" in fixed


def test_chef_cook_and_build_targets_both_go() -> None:
    text = ("FROM rust:1.79-alpine AS chef\n"
            "RUN apk add --no-cache musl-dev && cargo install cargo-chef\n"
            "WORKDIR /app\n"
            "FROM chef AS planner\n"
            "COPY . .\n"
            "RUN cargo chef prepare --recipe-path recipe.json\n"
            "FROM chef AS builder\n"
            "COPY --from=planner /app/recipe.json recipe.json\n"
            "RUN cargo chef cook --release --target x86_64-unknown-linux-musl --recipe-path recipe.json\n"
            "COPY . .\n"
            "RUN cargo build --release \\\n"
            "      --target x86_64-unknown-linux-musl \\\n"
            "      --bin server\n"
            "FROM scratch\n"
            "COPY --from=builder /app/target/x86_64-unknown-linux-musl/release/server /server\n")
    fixed = _fixed(text)
    assert "RUN xx-cargo chef cook --release --recipe-path recipe.json\n" in fixed
    assert "RUN xx-cargo build --release \\\n      --bin server \\\n" in fixed
    assert "COPY --from=builder /app/target/release/server /server\n" in fixed


def test_cargo_install_target() -> None:
    text = ("FROM rust:1.79-alpine AS build\n"
            "RUN apk add --no-cache musl-dev\n"
            "WORKDIR /src\n"
            "COPY . .\n"
            "RUN cargo install --path . --target=x86_64-unknown-linux-musl --root /out\n"
            "FROM alpine:3.20\n"
            "COPY --from=build /out/bin/app /usr/local/bin/app\n")
    fixed = _fixed(text)
    assert "RUN xx-cargo install --path . --root /out \\\n    && xx-verify /out/bin/app\n" in fixed


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # Debian's rustc has no musl standard library, and nothing installs rustup
        ("FROM debian:bookworm AS b\nRUN apt-get update && apt-get install -y cargo\nWORKDIR /src\n"
         "RUN cargo build --release --target x86_64-unknown-linux-musl\n"
         "FROM scratch\nCOPY --from=b /src/target/x86_64-unknown-linux-musl/release/app /app\n",
         "only rustup installs"),
        # the COPY reads the host-artifact folder, not the cross build's
        ("FROM rust:1.79 AS b\nWORKDIR /src\nRUN cargo build --release --target x86_64-unknown-linux-gnu\n"
         "FROM debian\nCOPY --from=b /src/target/release/app /app\n", "not a binary of the cross build's folder"),
        ("FROM rust:1.79 AS b\nWORKDIR /src\nRUN cargo build --release --target x86_64-unknown-linux-gnu "
         "--target aarch64-unknown-linux-gnu\nFROM debian\nCOPY --from=b /src/target/x /app\n", "several targets"),
        ("FROM rust:1.79 AS b\nARG TRIPLE=x86_64-unknown-linux-gnu\nWORKDIR /src\n"
         "RUN cargo build --release --target $TRIPLE\nFROM debian\nCOPY --from=b /src/target/x /app\n", "dynamic"),
        ("FROM rust:1.79 AS b\nWORKDIR /src\nRUN cargo build --release --target x86_64-unknown-linux-gnu && "
         "./target/x86_64-unknown-linux-gnu/release/app --version | grep -q 1.0\n"
         "FROM debian\nCOPY --from=b /src/target/x86_64-unknown-linux-gnu/release/app /app\n",
         "its output is read"),
        ("FROM rust:1.79 AS b\nWORKDIR /src\nRUN cargo build --release --target x86_64-unknown-linux-gnu && "
         "find 'target/x86_64-unknown-linux-gnu/release' -name app -exec cp {} /app \\;\n"
         "FROM debian\nCOPY --from=b /app /app\n",
         "single quotes"),
        ("FROM rust:1.79 AS b\nENV CARGO_BUILD_TARGET=x86_64-unknown-linux-gnu CARGO_INCREMENTAL=0\nWORKDIR /src\n"
         "RUN cargo build --release\nFROM debian\nCOPY --from=b /src/target/x86_64-unknown-linux-gnu/release/a /a\n",
         "sets other variables too"),
    ],
)
def test_hard_coded_target_refusals(text: str, reason: str) -> None:
    assert reason in _reason(text)


def _go(tmp_path: Path, text: str) -> tuple[str, Path]:
    for name, content in GO_CONTEXT.items():
        (tmp_path / name).write_text(content)
    return text, tmp_path


def test_go_smoke_guard_keeps_redirect_to_dev_null(tmp_path: Path) -> None:
    text, ctx = _go(tmp_path, "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\n"
                              "RUN go build -o /usr/local/bin/app . && app --version >/dev/null 2>&1\n"
                              "FROM alpine:3.20\nCOPY --from=build /usr/local/bin/app /app\n")
    fixed = _fixed(text, ctx)
    assert ('&& if [ "$TARGETPLATFORM" = "$BUILDPLATFORM" ]; then app --version; fi >/dev/null 2>&1\n') in fixed
    res = fix_text(text, "Dockerfile", CheckOptions(context=ctx), all_rules(), unsafe=False)
    assert res.text == text  # unsafe: the test no longer runs for the cross-built platforms


@pytest.mark.parametrize(
    ("run", "reason"),
    [
        ("go build -o /out/app . && /out/app version | grep -q 1.2", "its output is read"),
        ('go build -o /out/app . && echo "$(/out/app version)" > /out/VERSION', "its output is read"),
        ("go build -o /out/app . && /out/app completion zsh >> /out/_app", "it writes `/out/_app`"),
        ("go build -o /out/app . && if true; then /out/app --version; fi", "inside a shell construct"),
    ],
)
def test_go_smoke_refusals(tmp_path: Path, run: str, reason: str) -> None:
    text, ctx = _go(tmp_path, f"FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN {run}\n"
                              "FROM alpine:3.20\nCOPY --from=build /out/ /usr/local/bin/\n")
    diags = [d for d in check_text(text, "Dockerfile", CheckOptions(context=ctx), all_rules()) if d.code == "XL101"]
    assert diags and all(reason in (d.hint or "") for d in diags), [d.hint for d in diags]
    assert _fix(text, ctx) == text


def test_rust_smoke_test_of_the_triple_folder_reads_the_copy() -> None:
    text = ("FROM rust:1.79 AS build\nWORKDIR /src\nCOPY . .\n"
            "RUN cargo build --release --target x86_64-unknown-linux-gnu\n"
            "RUN ./target/x86_64-unknown-linux-gnu/release/app --version\n"
            "FROM debian:bookworm-slim\n"
            "COPY --from=build /src/target/x86_64-unknown-linux-gnu/release/app /usr/local/bin/app\n")
    fixed = _fixed(text)
    assert 'RUN if [ "$TARGETPLATFORM" = "$BUILDPLATFORM" ]; then ./target/release/app --version; fi\n' in fixed
    assert fixed.index("ARG BUILDPLATFORM") < fixed.index("RUN xx-cargo build")
    applied = fix_text(text, "Dockerfile", CheckOptions(), all_rules(), unsafe=True).applied
    fix = applied[0].fix
    assert fix is not None and fix.applicability == "unsafe"
    assert "runs only when the target is the build platform" in fix.title


def test_go_cgo_smoke_test_is_guarded(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    (tmp_path / "main.go").write_text('package main\n\n// #include <stdio.h>\nimport "C"\n\nfunc main() {}\n')
    text = ("FROM golang:1.22-bookworm AS build\nWORKDIR /src\nCOPY . .\n"
            "RUN CGO_ENABLED=1 go build -o /out/app . && /out/app --version\n"
            "FROM debian:bookworm-slim\nCOPY --from=build /out/app /usr/local/bin/app\n")
    fixed = _fixed(text, tmp_path)
    assert ('&& xx-verify /out/app && if [ "$TARGETPLATFORM" = "$BUILDPLATFORM" ]; then /out/app --version; fi\n'
            in fixed)
    assert fixed.index("ARG BUILDPLATFORM") < fixed.index("RUN CGO_ENABLED=1 xx-go build")


def test_go_smoke_test_by_relative_path_and_by_path_lookup(tmp_path: Path) -> None:
    text, ctx = _go(tmp_path, "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\n"
                              "RUN go build -o bin/app . && ./bin/app --version\n"
                              "RUN go build -o /usr/local/bin/tool . && tool selftest\n"
                              "RUN go build -o /out/other . && other --help\n"  # /out is not on PATH: not it
                              "FROM alpine:3.20\nCOPY --from=build /src/bin/app /usr/local/bin/tool /out/other /\n")
    fixed = _fix(text, ctx)
    assert 'then ./bin/app --version; fi\n' in fixed and 'then tool selftest; fi\n' in fixed
    assert "&& other --help\n" in fixed


ROOT = Path(__file__).resolve().parent.parent
FIXBUILD = ROOT / "tests" / "data" / "fixbuild"


@pytest.mark.parametrize(
    ("dockerfile", "context", "shape"),
    [
        (FIXBUILD / "go-smoke" / "Dockerfile", ROOT / "fixtures" / "go-hello",
         ("FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS build",
          "ARG TARGETOS TARGETARCH TARGETPLATFORM BUILDPLATFORM",
          'go build -o /out/hello . && if [ "$TARGETPLATFORM" = "$BUILDPLATFORM" ]; then /out/hello -version; fi\n',
          'RUN if [ "$TARGETPLATFORM" = "$BUILDPLATFORM" ]; then /out/hello -version; fi > /dev/null\n')),
        (FIXBUILD / "rust-target" / "Dockerfile", FIXBUILD / "rust-chain",
         ("FROM --platform=$BUILDPLATFORM debian:bookworm AS build",
          "RUN xx-cargo build --release --offline \\\n",
          " && cp target/$(xx-cargo --print-target-triple)/release/chain target/release/chain \\\n"
          " && ls -l target/release/chain\n",
          "COPY --from=build /src/target/release/chain /usr/local/bin/chain\n")),
    ],
    ids=["go-smoke", "rust-target"],
)
def test_real_build_fixtures_fix_to_their_shape(dockerfile: Path, context: Path, shape: tuple[str, ...]) -> None:
    # the real-build fixtures (tests/data/fixbuild/) fix to the shape their real builds expect
    fixed = _fixed(dockerfile.read_text(), context)
    assert not [s for s in shape if s not in fixed], fixed


def test_alpine_strip_becomes_llvm_strip() -> None:
    # the build machine's strip cannot read an aarch64 binary: llvm-strip (Alpine's llvm package) reads any
    text = ("FROM rust:1.79-alpine AS build\nRUN apk add --no-cache musl-dev\nWORKDIR /src\nCOPY . .\n"
            "RUN cargo build --release --target x86_64-unknown-linux-musl"
            " && strip target/x86_64-unknown-linux-musl/release/app\n"
            "FROM scratch\nCOPY --from=build /src/target/x86_64-unknown-linux-musl/release/app /app\n")
    fixed = _fixed(text)
    assert "RUN apk add --no-cache musl-dev clang lld llvm\n" in fixed
    assert "target/release/app && llvm-strip target/release/app\n" in fixed
