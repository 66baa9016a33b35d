r"""XL102 rust-compile-emulated.

## What it does
Reports `cargo build|install|test|rustc` and `rustc` in a stage that runs on the target platform when
some target platform differs from the build platform: for those platforms rustc runs under QEMU.
`cargo fetch` is not reported.

## Why is this bad?
Compiling under emulation is 5-10x slower than natively (measured here for Go: 7.2x native); rustc
with LLVM optimisations is among the heaviest compiles there are, and release builds of real crates
routinely take tens of minutes under QEMU. Rust cross-compiles with `--target` and a target linker.

## Example
```dockerfile
FROM rust:1.79 AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
COPY --from=build /src/target/release/app /usr/local/bin/app
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM rust:1.79 AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y clang lld
WORKDIR /src
COPY . .
RUN cargo fetch --locked
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev && \
    xx-cargo build --release --locked && \
    xx-verify target/$(xx-cargo --print-target-triple)/release/app && \
    cp target/$(xx-cargo --print-target-triple)/release/app /app

FROM debian:bookworm-slim
COPY --from=build /app /usr/local/bin/app
```

`xlint fix --unsafe-fixes` does this for a builder stage: `xx-cargo` for `cargo build`, `cargo install
--path` and a cargo-chef cook, `g++` for the target too when the stage installs C/C++ build tools, the
binaries copied back from `target/<triple>/<profile>/` to where later steps and stages read them, and
`strip` turned into `llvm-strip` (Debian). When the profile is chosen at build time
(`$(test "$P" = release && echo --release)`), later references into the target directory (a `find
target/$DIR -perm /a+x` collector) are pointed at `target/$(xx-cargo --print-target-triple)/` instead;
a `COPY --from` of the target directory then refuses the fix, with the reason.

## References
- BuildKit docs, multi-platform builds: "not recommended for CPU intensive tasks like compiling"
- tonistiigi/xx README: Rust (`xx-cargo`)
"""

from __future__ import annotations

from xlint.derived import report_derived
from xlint.fixes.emulated import report_emulated_xx
from xlint.rule import Context, Invalid, Rule, Valid


class RustCompileEmulated(Rule):
    __doc__ = __doc__
    code = "XL102"
    name = "rust-compile-emulated"
    message = ("`{cmd}` runs under QEMU emulation in stage '{stage}' for {platforms}: compiles run 5-10x "
               "slower emulated (measured: a Go build 7.2x native; rustc is heavier)")
    hint = ("Cross-compile natively: a `--platform=$BUILDPLATFORM` builder, `cargo fetch` first, then "
            "`ARG TARGETPLATFORM` and `cargo build --target <triple>` with the target linker "
            "(`CARGO_TARGET_<TRIPLE>_LINKER`), or tonistiigi/xx `xx-cargo build` + `xx-verify`.")
    fix_title = "Rewrite the builder to cross-compile with tonistiigi/xx (`xx-cargo`)"
    fix_applicability = "unsafe"
    emulation = True

    def check(self, ctx: Context) -> None:
        report_emulated_xx(self, ctx, "rust")
        report_derived(self, ctx, "rust")


RustCompileEmulated.valid = [
    Valid(
        "FROM --platform=$BUILDPLATFORM rust:1.79 AS build\n"
        "COPY --from=tonistiigi/xx / /\n"
        "RUN cargo fetch\n"
        "ARG TARGETPLATFORM\n"
        "RUN xx-cargo build --release\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=build /src/target /t\n"
    ),
    Valid("FROM rust:1.79\nRUN cargo fetch && cargo --version && rustc --version\n"),
    Valid("FROM rust:1.79\nRUN cargo build --release\n", platforms=("linux/amd64",)),
    Valid("FROM --platform=linux/amd64 rust:1.79\nRUN cargo build --release\n"),
]

RustCompileEmulated.invalid = [
    Invalid(
        "FROM rust:1.79 AS build\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "RUN cargo build --release --locked\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=build /src/target/release/app /app\n",
        line=4,
        unsafe=True,
        fixed="FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx\n"
        "FROM --platform=$BUILDPLATFORM rust:1.79 AS build\n"
        "COPY --from=xx / /\n"
        "RUN apt-get update && apt-get install -y clang lld\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "RUN cargo fetch --locked\n"
        "ARG TARGETPLATFORM\n"
        "RUN xx-apt-get install -y gcc libc6-dev\n"
        "RUN xx-cargo build --release --locked \\\n"
        "    && xx-verify target/$(xx-cargo --print-target-triple)/release/app \\\n"
        "    && mkdir -p target/release \\\n"
        "    && cp target/$(xx-cargo --print-target-triple)/release/app target/release/app\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=build /src/target/release/app /app\n",
    ),
    Invalid("FROM rust:1.79\nRUN cargo install --path . && cargo test\n", line=2, count=2),
    Invalid("FROM rust:1.79\nRUN rustc -O main.rs -o /app\n", line=2),
    Invalid("FROM rust:1.79\nRUN cargo +nightly build -Z build-std\n", line=2),
]
