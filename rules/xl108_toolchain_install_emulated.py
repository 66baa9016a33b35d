r"""XL108 toolchain-install-emulated.

## What it does
Reports a package manager (`apt-get`, `apt`, `apk`, `dnf`, `yum`, `microdnf`, `zypper`) installing a
compiler toolchain (`build-essential`, `gcc`, `g++`, `clang`, `golang*`, `rustc`, `cargo`, `*-jdk`,
`maven`, `gradle`, `dotnet-sdk*`, cross compilers...) in a stage that runs on the target platform when
some target platform differs from the build platform. Other packages (`ca-certificates`, `curl`,
`libssl-dev`) are not reported.

## Why is this bad?
The install itself runs emulated (dpkg/apk triggers and maintainer scripts under QEMU), and a toolchain
in a target-platform stage means the compile that follows runs emulated too: 5-10x slower than
natively (measured here: a Go build 7.2x native). Install the toolchain in a
`--platform=$BUILDPLATFORM` builder and cross-compile; install only target libraries for the target
(`xx-apt-get`, `xx-apk`, Debian multiarch `libfoo-dev:arm64`).

## Example
```dockerfile
FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y build-essential
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM debian:bookworm AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y clang lld
ARG TARGETPLATFORM
RUN xx-apt-get install -y libc6-dev
```

## References
- BuildKit docs, multi-platform builds
- tonistiigi/xx README (`xx-apt-get`, `xx-apk`)
- Debian wiki: CrossToolchains
"""

from __future__ import annotations

from xlint.invocation import invocation
from xlint.model import Model, Stage, root_image, stage_chain
from xlint.packages import compiler_image, known_values, package_manager_install, toolchain_packages
from xlint.rule import Context, Invalid, Rule, Valid
from xlint.shell import SimpleCommand, run_commands
from xlint.syntax.tree import Instruction
from xlint.toolchains import classify, emulated_commands, emulated_platforms


class ToolchainInstallEmulated(Rule):
    __doc__ = __doc__
    code = "XL108"
    name = "toolchain-install-emulated"
    message = ("`{tool}` installs a compiler toolchain ({packages}) under QEMU emulation in stage '{stage}' for "
               "{platforms}: the install and the compiles it serves run 5-10x slower emulated (measured: a Go "
               "build 7.2x native)")
    hint = ("Install the toolchain in a `FROM --platform=$BUILDPLATFORM` builder and cross-compile there "
            "(tonistiigi/xx `xx-apt-get`/`xx-apk` or Debian `crossbuild-essential-<arch>` for the target's "
            "libraries); keep only runtime packages in target-platform stages.")
    emulation = True

    def check(self, ctx: Context) -> None:
        model = ctx.model
        for stage, instr, cmd in emulated_commands(model):
            inv = invocation(cmd)
            if inv is None or package_manager_install(cmd) is None:
                continue
            packages = toolchain_packages(cmd, known_values(model, stage, instr, cmd),
                                          compiler_image(root_image(model, stage)))
            if not packages:
                continue
            names = ", ".join(w.value or w.raw for w in packages)
            ctx.report(
                self,
                cmd.span,
                self.message.format(tool=f"{inv.tool} {inv.values()[0] if inv.values() else ''}".strip(),
                                    packages=names, stage=stage.label,
                                    platforms=", ".join(emulated_platforms(model, stage))),
                hint=self.hint if _compiles_after(model, stage, instr, cmd) else f"{self.hint} {UNUSED}",
            )


UNUSED = ("Not fixed automatically: nothing after it in the stage (or in a stage built on it) compiles, so the "
          "compiler only ships in the image; leave it out of the install unless the image needs one at run "
          "time.")


def _compiles_after(model: Model, stage: Stage, instr: Instruction, cmd: SimpleCommand) -> bool:
    """A command after ``cmd`` in ``stage``, or in a stage built on it, compiles (or installs packages that
    may: `pip install`, `gem install`, `npm ci`)."""
    for st in model.stages:
        if stage not in stage_chain(model, st):
            continue
        for ins in st.instructions:
            if ins.keyword != "RUN" or (st is stage and ins.span.start < instr.span.start):
                continue
            if any(classify(c) is not None for c in run_commands(ins)
                   if ins is not instr or c.span.start > cmd.span.start):
                return True
    return False


ToolchainInstallEmulated.valid = [
    # headers without a compiler in the image are a runtime detail
    Valid("FROM alpine:3.20\nRUN apk add --no-cache musl-dev\n"),
    Valid("FROM debian:bookworm\nENV RUNTIME_DEPS curl ca-certificates\nRUN apt-get install -y $RUNTIME_DEPS\n"),
    Valid("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y ca-certificates curl libssl-dev\n"),
    Valid(
        "FROM --platform=$BUILDPLATFORM debian:bookworm AS build\n"
        "RUN apt-get update && apt-get install -y build-essential crossbuild-essential-arm64\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=build /out /out\n"
    ),
    Valid("FROM alpine:3.20\nRUN apk add --no-cache gcc musl-dev\n", platforms=("linux/amd64",)),
    Valid("FROM alpine:3.20\nRUN apk del gcc && apt-get remove -y gcc && echo gcc\n"),
]

ToolchainInstallEmulated.invalid = [
    # package lists held in variables
    Invalid("FROM php:8.3-alpine\nENV BUILD_DEPS autoconf dpkg-dev g++ gcc make\n"
            "RUN apk add --no-cache --virtual .build-deps $BUILD_DEPS libxml2-dev\n", line=3),
    Invalid("FROM debian:bookworm\nRUN buildDeps='gcc make libssl-dev' \\\n && apt-get update "
            "&& apt-get install -y $buildDeps\n", line=3),
    Invalid("FROM alpine:3.20\nARG TOOLS=\"clang-17 lld\"\nRUN apk add ${TOOLS}\n", line=3),
    Invalid("FROM alpine:3.20\nRUN apk add --no-cache build-base\n", line=2),
    # a cross compiler installed in an emulated stage is installed (and run) under QEMU too
    Invalid("FROM debian:bookworm\nRUN apt-get install -y clang-3.9 gcc-aarch64-linux-gnu g++-4.9-multilib\n",
            line=2),
    # the image has the compiler; the headers complete it
    Invalid("FROM rust:1.79-alpine AS build\nRUN apk add --no-cache musl-dev openssl-dev\n"
            "RUN cargo build --release\n", line=2),
    Invalid("FROM debian:bookworm AS build\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends "
            "build-essential cmake\nFROM debian:bookworm-slim\nCOPY --from=build /x /x\n", line=3),
    Invalid("FROM alpine:3.20\nRUN apk add --no-cache go=1.22.5-r0 git\n", line=2),
    Invalid("FROM fedora:40\nRUN dnf install -y gcc-c++ java-17-openjdk-devel maven\n", line=2),
    Invalid("FROM ubuntu:24.04\nRUN apt install -y golang-go && apt-get install -y dotnet-sdk-8.0\n", line=2,
            count=2),
    Invalid("FROM opensuse/leap\nRUN zypper --non-interactive in -y gcc13 clang17 rust\n", line=2),
]
