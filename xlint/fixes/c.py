"""Recipe: C/C++ with tonistiigi/xx: `xx-clang` for plain compiler calls, `$(xx-clang --print-cmake-defines)`
for CMake, target libraries with xx-apt-get/xx-apk, outputs verified with `xx-verify` (XL103).
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from xlint.diagnostics import Edit
from xlint.fixes.context import read_text
from xlint.fixes.hostprobe import copy_operands
from xlint.fixes.outputs import copied_sources, dash_o, relative_to, static_workdir
from xlint.fixes.plan import Example
from xlint.fixes.runtimes import name_of, pgo_flag, pgo_reason, runtime_of, runtime_reason
from xlint.fixes.xx import XxPlan, all_cmds, verify_tail
from xlint.model import Stage
from xlint.shell import SimpleCommand
from xlint.syntax.tree import Instruction
from xlint.toolchains import (
    Compile,
    invocation,
)

_PLAIN_CC = {"gcc": "xx-clang", "cc": "xx-clang", "clang": "xx-clang",
             "g++": "xx-clang++", "c++": "xx-clang++", "clang++": "xx-clang++"}

_CMAKE_CROSS = ("-DCMAKE_C_COMPILER", "-DCMAKE_CXX_COMPILER", "-DCMAKE_TOOLCHAIN_FILE", "--toolchain")


def _runtime_build(stage: Stage, mine: list[tuple[Instruction, SimpleCommand, Compile]]) -> str:
    """Why the stage's configure/make build cannot cross-compile (class 10), or "": it builds a language
    runtime (its WORKDIR, a `cd` or a fetched URL names CPython, Ruby...) or profiles what it builds."""
    if not any(comp.label == "./configure" or comp.inv.tool in ("make", "gmake") for _i, _c, comp in mine):
        return ""
    for _i, _c, comp in mine:
        flag = pgo_flag(comp.inv.values())
        if flag is not None:
            return pgo_reason(flag)
    words: list[str] = [a.value for ins in stage.instructions if ins.keyword == "WORKDIR"
                        for a in ins.args[:1] if a.value]
    for _i, c, _ in all_cmds(stage):
        if c.basename == "cd" and len(c.argv) == 2:
            words.append(name_of(c.argv[1].value, c.argv[1].raw))
        elif c.basename in ("curl", "wget", "git"):
            words.extend(name_of(w.value, w.raw) for w in c.argv[1:] if "://" in w.raw)
    for w in words:
        runtime = runtime_of([w])
        if runtime is not None:
            return runtime_reason(runtime, w)
    return ""


def c_steps(plan: XxPlan, mine: list[tuple[Instruction, SimpleCommand, Compile]], context: Path | None) -> (
        Instruction | None | str):
    stage = plan.stage
    why = _runtime_build(stage, mine)
    if why:
        return why
    cmake_cfg: list[tuple[Instruction, SimpleCommand]] = []
    for ins, c in ((i, c) for i, c, _ in all_cmds(stage)):
        inv = invocation(c)
        if inv is not None and inv.tool == "cmake" and "--build" not in inv.values() and not any(
                v in ("-E", "-P", "--install") for v in inv.values()):
            cmake_cfg.append((ins, c))
    cxx = False
    first: Instruction | None = None
    tails: dict[int, tuple[SimpleCommand, list[str]]] = {}
    verified: list[str] = []
    configured = False  # ./configure --host: the make that follows uses the cross compiler
    make_outputs = False
    for ins, c in cmake_cfg:
        inv = invocation(c)
        assert inv is not None
        if c.context:
            return "the cmake configure is nested in a shell construct"
        if any(v.startswith(_CMAKE_CROSS) or "xx-clang" in v for v in inv.values()):
            return "the cmake configure already picks a compiler or toolchain file"
        plan.edits.append(Edit(c.span.end, c.span.end, " $(xx-clang --print-cmake-defines)"))
        cxx = cxx or _cmake_cxx(context)
        first = first or ins
    for ins, c, comp in mine:
        tool = comp.inv.tool
        word = comp.inv.words[0]
        if tool in _PLAIN_CC and word.value == tool:
            plan.edits.append(Edit(word.span.start, word.span.end, _PLAIN_CC[tool]))
            cxx = cxx or "++" in tool
            out = dash_o(comp.inv.values())
            if out is None:
                return f"`{tool}` has no -o output to verify"
            tails[ins.span.start] = (c, tails.get(ins.span.start, (c, []))[1] + [f"xx-verify {out}"])
            verified.append(out)
        elif comp.label == "./configure":
            if c.context:
                return "the configure is nested in a shell construct"
            vals = comp.inv.values()
            if any(v.startswith(("--host", "--build=", "CC=", "--target")) for v in vals) or any(
                    e.name in ("CC", "CXX") for e in comp.inv.env):
                return "the configure already picks a host or a compiler"
            plan.edits.append(Edit(word.span.start, word.span.start, "CC=xx-clang CXX=xx-clang++ "))
            plan.edits.append(Edit(c.span.end, c.span.end, " --host=$(xx-clang --print-target-triple)"))
            configured = True
            cxx = True
            plan.notes.append("configure and make take the compiler from --host and CC: a build script that "
                              "hard-codes its compiler still builds for the build machine")
        elif comp.label == "cmake --build" or tool in ("make", "gmake", "ninja"):
            after_cmake = bool(cmake_cfg) and cmake_cfg[0][0].span.start <= ins.span.start
            if not after_cmake and not configured:
                if tool not in ("make", "gmake") or word.value != tool or c.context:
                    return (f"`{comp.label}` runs a build script whose compiler is unknown: "
                            "use CMake with $(xx-clang --print-cmake-defines) or make with CC=xx-clang")
                vals = comp.inv.values()
                if not any(v.startswith(("CC=", "CXX=")) for v in vals) and not any(
                        e.name in ("CC", "CXX") for e in comp.inv.env):
                    plan.edits.append(Edit(word.span.end, word.span.end, " CC=xx-clang CXX=xx-clang++"))
                    cxx = True
                    plan.notes.append("make takes the compiler from CC/CXX: a Makefile that hard-codes its "
                                      "compiler still builds for the build machine")
                make_outputs = True
                wd = static_workdir(plan.model, plan.stage, ins) if not after_cmake and not configured else None
                copied = _copied_out(plan, ins, wd) if wd is not None else []
                if copied:
                    tails[ins.span.start] = (c, tails.get(ins.span.start, (c, []))[1] +
                                             [f"xx-verify {o}" for o in copied])
                    verified.extend(copied)
            if comp.label == "cmake --build":
                outs = _cmake_outputs(plan, ins, comp.inv.values())
                if isinstance(outs, str):
                    return outs
                if outs:
                    tails[ins.span.start] = (c, [f"xx-verify {o}" for o in outs])
                    verified.extend(outs)
        else:
            return f"`{comp.label}` is not rewritten (only cc/gcc/clang and CMake builds are)"
        first = first or ins
    if not verified and not (make_outputs or configured):
        return "the outputs of the build are unknown (nothing to xx-verify)"
    reason = _after_build(plan, mine[0][1])
    if reason:
        return reason
    for c, cmds in tails.values():
        plan.edits.append(Edit(c.span.end, c.span.end, verify_tail(plan, cmds)))
    if cxx:
        plan.packages.append("g++")
    plan.verified.extend(verified)
    return first


def _after_build(plan: XxPlan, first: SimpleCommand) -> str:
    """Steps after the first compile that act on its outputs with build-machine tools: `strip` becomes
    `llvm-strip` (it reads every target; Debian's llvm package), `ldd` keeps the stage where it is."""
    after = False
    for _i, c, _ in all_cmds(plan.stage):
        if c is first:
            after = True
        if not after:
            continue
        if c.basename == "ldd":
            return "`ldd` after the build lists the build machine's libraries, not the target's"
        if c.basename == "strip" and c.name == "strip":
            if plan.distro != "debian":
                return "`strip` after the build is the build machine's: it cannot read the target's binary"
            plan.edits.append(Edit(c.argv[0].span.start, c.argv[0].span.end, "llvm-strip"))
            if "llvm" not in plan.native:
                plan.native.append("llvm")
    return ""


def _cmake_cxx(context: Path | None) -> bool:
    """Does the CMake project use C++? (True when unknown: CMake enables C and CXX by default.)"""
    if context is None:
        return True
    text = read_text(str(context / "CMakeLists.txt"))
    if text is None:
        return True
    m = re.search(r"\bproject\s*\(([^)]*)\)", text, re.IGNORECASE)
    if m is None:
        return True
    words = m.group(1).split()
    langs = words[words.index("LANGUAGES") + 1:] if "LANGUAGES" in words else words[1:]
    langs = [w for w in langs if w.isupper() and w not in ("VERSION", "DESCRIPTION", "HOMEPAGE_URL")]
    return not langs or "CXX" in langs


def _cmake_outputs(plan: XxPlan, instr: Instruction, vals: list[str]) -> list[str] | str:
    model, stage = plan.model, plan.stage
    try:
        build_dir = vals[vals.index("--build") + 1]
    except (ValueError, IndexError):
        return "cmake --build without a build directory"
    wd = static_workdir(model, stage, instr)
    sources = copied_sources(model, stage)
    if wd is None or sources is None:
        return "the WORKDIR or the paths copied from the stage are dynamic"
    bdir = posixpath.normpath(posixpath.join(wd, build_dir))
    outs: list[str] = []
    for src in sources:
        if posixpath.dirname(src) == bdir and not src.endswith("/"):
            outs.append(relative_to(src, wd))
    outs.extend(o for o in _copied_out(plan, instr, wd, bdir) if o not in outs)
    return outs


def _copied_out(plan: XxPlan, instr: Instruction, wd: str, folder: str | None = None) -> list[str]:
    """Files of ``folder`` (default: the working directory ``wd``) that a command after ``instr``'s build
    copies out (`cp build/tool /usr/local/bin/`, `cp server /server`), relative to ``wd``: the build's
    outputs, to xx-verify."""
    folder = folder or wd
    outs: list[str] = []
    for ins, c, _ in all_cmds(plan.stage):
        copy = copy_operands(c) if c.basename in ("cp", "install", "mv") else None
        if copy is None or ins.span.start < instr.span.start or any(v is None for v in c.args()) or c.context:
            continue
        for v in copy[0]:
            assert v is not None  # (no dynamic word: see above)
            path = posixpath.normpath(posixpath.join(wd, v))
            if posixpath.dirname(path) == folder and not any(ch in v for ch in "*?[") and \
                    relative_to(path, wd) not in outs:
                outs.append(relative_to(path, wd))
    return outs


# BEFORE/AFTER examples (run by tests/test_fix_recipes.py)
EXAMPLES: list[Example] = [
    Example(
        "autotools",
        before="""\
FROM alpine:3.20 AS build
RUN apk add --no-cache build-base autoconf automake libtool zlib-dev
WORKDIR /src
COPY . .
RUN ./autogen.sh && ./configure --prefix=/usr/local && make && make install DESTDIR=/out

FROM alpine:3.20
COPY --from=build /out/usr/local /usr/local
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM alpine:3.20 AS build
COPY --from=xx / /
RUN apk add --no-cache build-base autoconf automake libtool zlib-dev clang lld
WORKDIR /src
COPY . .
ARG TARGETPLATFORM
RUN xx-apk add --no-cache musl-dev gcc g++ zlib-dev
RUN ./autogen.sh && CC=xx-clang CXX=xx-clang++ ./configure --prefix=/usr/local --host=$(xx-clang --print-target-triple) && make && make install DESTDIR=/out

FROM alpine:3.20
COPY --from=build /out/usr/local /usr/local
""",
    ),
    Example(
        "cmake",
        before="""\
FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y cmake gcc libz-dev
WORKDIR /src
COPY . .
RUN cmake -S . -B build && cmake --build build

FROM debian:bookworm-slim
COPY --from=build /src/build/app /usr/local/bin/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM debian:bookworm AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y cmake gcc libz-dev clang lld
WORKDIR /src
COPY . .
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev g++ libz-dev
RUN cmake -S . -B build $(xx-clang --print-cmake-defines) && cmake --build build \\
    && xx-verify build/app

FROM debian:bookworm-slim
COPY --from=build /src/build/app /usr/local/bin/app
""",
    ),
    Example(
        "make",
        before="""\
FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y build-essential
WORKDIR /src
COPY . .
RUN make

FROM debian:bookworm-slim
COPY --from=build /src/app /usr/local/bin/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM debian:bookworm AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y build-essential clang lld
WORKDIR /src
COPY . .
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev g++
RUN make CC=xx-clang CXX=xx-clang++

FROM debian:bookworm-slim
COPY --from=build /src/app /usr/local/bin/app
""",
    ),
    Example(
        "make-strip",  # the build machine's strip cannot read the target's binary: llvm-strip reads every target
        before="""\
FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y build-essential
WORKDIR /src
COPY . .
RUN make && strip app

FROM debian:bookworm-slim
COPY --from=build /src/app /usr/local/bin/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM debian:bookworm AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y build-essential clang lld llvm
WORKDIR /src
COPY . .
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev g++
RUN make CC=xx-clang CXX=xx-clang++ && llvm-strip app

FROM debian:bookworm-slim
COPY --from=build /src/app /usr/local/bin/app
""",
    ),
    Example(
        "strip-alpine",
        before="""\
FROM alpine:3.20 AS build
RUN apk add --no-cache build-base
WORKDIR /src
COPY . .
RUN gcc -O2 -o app app.c && strip app

FROM alpine:3.20
COPY --from=build /src/app /usr/local/bin/app
""",
        reason="`strip` after the build is the build machine's: it cannot read the target's binary",
    ),
    # the binary leaves the build directory by a `cp` in the same step: xx-verify checks it where CMake wrote it
    Example(
        "cmake-copied-out",
        before="""\
FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y g++ cmake libssl-dev
WORKDIR /src
COPY . .
RUN cmake -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build && cp build/tool /usr/local/bin/tool

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y libssl3
COPY --from=build /usr/local/bin/tool /usr/local/bin/tool
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM debian:bookworm AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y g++ cmake libssl-dev clang lld
WORKDIR /src
COPY . .
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev g++ libssl-dev
RUN cmake -B build -DCMAKE_BUILD_TYPE=Release $(xx-clang --print-cmake-defines) && cmake --build build \\
    && xx-verify build/tool && cp build/tool /usr/local/bin/tool

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y libssl3
COPY --from=build /usr/local/bin/tool /usr/local/bin/tool
""",
    ),
    # a plain make whose output a `cp` names: xx-verify checks it before it is copied
    Example(
        "make-copied-out",
        before="""\
FROM gcc:13 AS build
WORKDIR /app
COPY . .
RUN make CFLAGS="-O2 -static" && cp server /server

FROM scratch
COPY --from=build /server /server
ENTRYPOINT ["/server"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM gcc:13 AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y clang lld
WORKDIR /app
COPY . .
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev g++
RUN make CC=xx-clang CXX=xx-clang++ CFLAGS="-O2 -static" \\
    && xx-verify server && cp server /server

FROM scratch
COPY --from=build /server /server
ENTRYPOINT ["/server"]
""",
    ),
    Example(
        "runtime-builder",  # refused: a builder stage that builds an interpreter (Erlang/OTP) from source
        before="""\
FROM debian:bookworm AS otp
RUN apt-get update && apt-get install -y build-essential curl libncurses-dev libssl-dev
WORKDIR /usr/src/otp
RUN curl -fsSL https://example.org/download/otp_src_27.1.tar.gz | tar -xz --strip-components=1
RUN ./configure --prefix=/opt/erlang && make -j4 && make install

FROM debian:bookworm-slim
COPY --from=otp /opt/erlang /opt/erlang
""",
        reason="building the runtime itself for the target (Erlang/OTP, from `/usr/src/otp`)",
    ),
    Example(
        "shared-xx",  # a C and a Rust builder fixed in one run copy from one xx stage
        before="""\
FROM debian:bookworm AS lib
RUN apt-get update && apt-get install -y gcc
COPY q.c .
RUN gcc -O2 -o /q q.c

FROM rust:1.80 AS tool
COPY . .
RUN cargo install --path . --root /out

FROM debian:bookworm-slim
COPY --from=lib /q /usr/local/bin/q
COPY --from=tool /out/bin/tool /usr/local/bin/tool
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM debian:bookworm AS lib
COPY --from=xx / /
RUN apt-get update && apt-get install -y gcc clang lld
COPY q.c .
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev
RUN xx-clang -O2 -o /q q.c \\
    && xx-verify /q

FROM --platform=$BUILDPLATFORM rust:1.80 AS tool
COPY --from=xx / /
RUN apt-get update && apt-get install -y clang lld
COPY . .
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev
RUN xx-cargo install --path . --root /out \\
    && xx-verify /out/bin/tool

FROM debian:bookworm-slim
COPY --from=lib /q /usr/local/bin/q
COPY --from=tool /out/bin/tool /usr/local/bin/tool
""",
    ),
]
