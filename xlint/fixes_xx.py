"""The tonistiigi/xx rewrite: turn an emulated Rust, C/C++ or cgo builder stage into a cross-compiling one.

Given the model, a builder stage and a toolchain, :func:`xx_rewrite` returns the edits that

- add ``FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx`` just before the builder's FROM (or reuse an
  existing ``tonistiigi/xx`` stage);
- put the builder on ``--platform=$BUILDPLATFORM`` and ``COPY --from=xx / /`` right after its FROM;
- install ``clang lld`` for the build platform (appended to the stage's own native install, else a new
  RUN after the COPY);
- Rust: ``RUN cargo fetch`` before ``ARG TARGETPLATFORM`` so that crates are downloaded once for all
  targets;
- declare ``ARG TARGETPLATFORM`` just before the first target-specific step and install the target's libc
  and libraries with ``xx-apt-get install -y gcc libc6-dev ...`` (Debian/Ubuntu) or
  ``xx-apk add musl-dev gcc ...`` (Alpine); ``-dev`` libraries the stage installed move along;
- compile with ``xx-cargo`` / ``xx-clang`` (``$(xx-clang --print-cmake-defines)`` for CMake) / ``xx-go``
  and ``xx-verify`` the outputs. Cargo writes to ``target/<triple>/<profile>/``: the binary is copied
  back to ``target/<profile>/`` so that the ``COPY --from`` of later stages stays valid.

Where the rewrite cannot be made sound it returns no edits and the reason (unknown distribution or
build system, a Makefile whose compiler is unknown, a stage other stages are built on...). The reason
is meant for the finding's hint.

API (also used by XL101 for cgo builders)::

    result = xx_rewrite(model, stage, "go-cgo", context=ctx.options.context)
    if result.edits is None:
        hint += f" (no automatic fix: {result.reason})"
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from xlint.diagnostics import Edit
from xlint.edits import add_platform_flag, indentation, insert_after, line_text
from xlint.fixes_archmap import Style, chain_after, shell_style
from xlint.model import Model, Stage
from xlint.rule import Context, Rule
from xlint.shell import SimpleCommand, run_commands
from xlint.syntax.tree import Instruction
from xlint.toolchains import (
    Compile,
    classify,
    invocation,
    package_manager_install,
    package_name,
    settings,
    stage_chain,
)

XxToolchain = Literal["rust", "c", "go-cgo"]

XX_IMAGE = "tonistiigi/xx"

RECIPES: dict[str, str] = {
    "rust": ("FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx; builder on --platform=$BUILDPLATFORM with "
             "COPY --from=xx / /, clang lld installed, RUN cargo fetch, ARG TARGETPLATFORM, "
             "xx-apt-get install -y gcc libc6-dev (xx-apk add musl-dev gcc on Alpine), "
             "xx-cargo build --release && xx-verify target/$(xx-cargo --print-target-triple)/release/<bin>"),
    "c": ("FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx; builder on --platform=$BUILDPLATFORM with "
          "COPY --from=xx / /, clang lld installed, ARG TARGETPLATFORM, xx-apt-get install -y gcc libc6-dev "
          "(xx-apk add musl-dev gcc), then CC=xx-clang / cmake $(xx-clang --print-cmake-defines) / "
          "./configure --host=$(xx-clang --print-target-triple), and xx-verify the output"),
    "go-cgo": ("FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx; builder on --platform=$BUILDPLATFORM with "
               "COPY --from=xx / /, clang lld installed, ARG TARGETPLATFORM, xx-apt-get install -y gcc "
               "libc6-dev (xx-apk add musl-dev gcc), CGO_ENABLED=1 xx-go build -o <out> && xx-verify <out>"),
}


@dataclass
class XxResult:
    """The edits of the rewrite, or None and the reason it cannot be made."""

    edits: list[Edit] | None
    reason: str = ""
    verified: list[str] = field(default_factory=list)  # paths passed to xx-verify

    @property
    def ok(self) -> bool:
        return self.edits is not None


def _no(reason: str) -> XxResult:
    return XxResult(None, reason)


# -- distribution ---------------------------------------------------------------------------------------
Distro = Literal["debian", "alpine"]
_DEBIAN_IMAGES = re.compile(r"(?:^|/)(?:rust|golang|gcc|debian|ubuntu|buildpack-deps)(?::|@|$)")


def _distro(model: Model, stage: Stage) -> Distro | None:
    base = stage.base.lower()
    if "alpine" in base:
        return "alpine"
    tools: set[str] = set()
    for st in stage_chain(model, stage):
        for ins in st.instructions:
            if ins.keyword == "RUN":
                for c in run_commands(ins):
                    inv = invocation(c)
                    if inv is not None:
                        tools.add(inv.tool)
    if "apk" in tools:
        return "alpine"
    if tools & {"apt-get", "apt"}:
        return "debian"
    if _DEBIAN_IMAGES.search(base.split("@")[0]) and "alpine" not in base:
        return "debian"
    return None


_TOOLCHAIN_LIBS = frozenset({"libc6-dev", "musl-dev", "libc-dev", "linux-libc-dev", "linux-headers"})


def _target_libraries(model: Model, stage: Stage, distro: Distro) -> list[str]:
    """``-dev`` libraries the stage installs for itself: they must be installed for the target too."""
    out: list[str] = []
    for ins in stage.instructions:
        if ins.keyword != "RUN":
            continue
        for c in run_commands(ins):
            found = package_manager_install(c)
            if found is None:
                continue
            for w in found[1]:
                if w.value is None:
                    continue
                name = package_name(w.value)
                if name in _TOOLCHAIN_LIBS or name in out:
                    continue
                if name.endswith("-dev") and (distro == "alpine" or name.startswith("lib")):
                    out.append(name)
    return out


# -- paths ----------------------------------------------------------------------------------------------
def _workdir(model: Model, stage: Stage, before: Instruction) -> str | None:
    """The working directory in force at ``before`` (None when it depends on a variable)."""
    wd = "/"
    for st in stage_chain(model, stage):
        for ins in st.instructions:
            if st is stage and ins.span.start >= before.span.start:
                break
            if ins.keyword == "WORKDIR" and ins.args:
                value = ins.args[0].value
                if "$" in value:
                    return None
                wd = posixpath.normpath(posixpath.join(wd, value))
    return wd


def _copied_sources(model: Model, stage: Stage) -> list[str] | None:
    """Source paths that later stages ``COPY --from`` this stage (None when one of them is dynamic or
    the stage is read by a ``RUN --mount``)."""
    out: list[str] = []
    for edge in model.users(stage.index):
        if edge.kind == "mount":
            return None
        if edge.kind != "copy":
            continue
        srcs = [a.value for a in edge.instruction.args[:-1]]
        if any("$" in s for s in srcs):
            return None
        out.extend(posixpath.normpath(s if s.startswith("/") else "/" + s) for s in srcs)
    return out


def _relative(path: str, wd: str) -> str:
    rel = posixpath.relpath(path, wd)
    return path if rel.startswith("..") or wd == "/" else rel


# -- the common skeleton -------------------------------------------------------------------------------
@dataclass
class _Plan:
    model: Model
    stage: Stage
    distro: Distro
    style: Style
    edits: list[Edit] = field(default_factory=list)
    before_arg: list[str] = field(default_factory=list)  # bodies inserted before ARG TARGETPLATFORM
    packages: list[str] = field(default_factory=list)  # target packages
    after_copy: list[str] = field(default_factory=list)  # bodies inserted after COPY --from=xx
    verified: list[str] = field(default_factory=list)

    def insert_before(self, anchor: Instruction, bodies: list[str]) -> None:
        tree = self.model.tree
        start = tree.offset(anchor.start_line, 1)
        indent = indentation(tree, anchor)
        lines = [line_text(tree, self.stage.from_instr, b).lstrip(" \t") for b in bodies]
        text = "".join(f"{indent}{line}{tree.newline}" for line in lines)
        self.edits.append(Edit(start, start, text))


def _xx_stage(model: Model, stage: Stage) -> tuple[str, bool] | str:
    """The name of the xx stage to copy from, and whether it must be added; or why there is none."""
    for st in model.stages:
        if st.index < stage.index and st.base.split("@")[0].split(":")[0] == XX_IMAGE and st.name:
            return st.name, False
    names = {s.name.lower() for s in model.stages if s.name}
    if "xx" in names:
        return "a stage is already named xx"
    return "xx", True


def _native_install(plan: _Plan, before: Instruction) -> None:
    """Make sure clang and lld are installed for the build platform before ``before``."""
    stage = plan.stage
    tool = "apk" if plan.distro == "alpine" else "apt-get"
    last = None
    for ins in stage.instructions:
        if ins.span.start >= before.span.start:
            break
        if ins.keyword != "RUN":
            continue
        for c in run_commands(ins):
            found = package_manager_install(c)
            if found is None or found[0].tool not in (tool, "apt"):
                continue
            names = {package_name(w.value) for w in found[1] if w.value is not None}
            if {"clang", "lld"} <= names:
                return
            if found[1] and not c.context:
                last = (found[1], names)
    if last is not None:
        words, names = last
        extra = " ".join(p for p in ("clang", "lld") if p not in names)
        end = words[-1].span.end
        plan.edits.append(Edit(end, end, " " + extra))
        return
    if plan.distro == "alpine":
        plan.after_copy.append("RUN apk add --no-cache clang lld")
    else:
        plan.after_copy.append("RUN apt-get update && apt-get install -y clang lld")


def _skeleton(model: Model, stage: Stage) -> _Plan | str:
    if model.target is not None and stage.index == model.target.index:
        return "the stage is the image itself, not a builder"
    if stage.base_stage is not None:
        return "the stage is built on another stage (its --platform would be ignored)"
    if any(e.kind == "base" for e in model.users(stage.index)):
        return "other stages are built on this stage"
    if stage.platform.kind not in ("target", "build"):
        return "the stage has a constant or unknown --platform"
    distro = _distro(model, stage)
    if distro is None:
        return "unknown distribution of the base image (xx supports Debian, Ubuntu and Alpine)"
    return _Plan(model, stage, distro, shell_style(model.tree))


def _finish(plan: _Plan, first_target: Instruction, xx_name: str, add_stage: bool) -> list[Edit]:
    model, stage = plan.model, plan.stage
    tree = model.tree
    from_instr = stage.from_instr
    edits = list(plan.edits)
    if add_stage:
        start = tree.offset(from_instr.start_line, 1)
        edits.append(Edit(start, start, line_text(tree, from_instr,
                                                  f"FROM --platform=$BUILDPLATFORM {XX_IMAGE} AS xx")
                          .replace(" AS xx", f" {_as_word(tree, from_instr)} xx") + tree.newline))
    flag = add_platform_flag(tree, stage)
    if flag is not None:
        edits.append(flag)
    copies = [f"COPY --from={xx_name} / /"] + plan.after_copy
    if not _copies_xx(stage, xx_name):
        edits.append(insert_after(tree, from_instr, copies, like=from_instr))
    elif plan.after_copy:
        edits.append(insert_after(tree, from_instr, plan.after_copy, like=from_instr))
    bodies = list(plan.before_arg)
    if stage.declaration("TARGETPLATFORM", before=first_target) is None:
        bodies.append("ARG TARGETPLATFORM")
    if plan.packages:
        if plan.distro == "alpine":
            bodies.append("RUN xx-apk add --no-cache " + " ".join(plan.packages))
        else:
            bodies.append("RUN xx-apt-get install -y " + " ".join(plan.packages))
    if bodies:
        plan.edits = []
        plan.insert_before(first_target, bodies)
        edits.extend(plan.edits)
    return edits


def _as_word(tree: object, from_instr: Instruction) -> str:
    for a in from_instr.args[1:2]:
        if a.value.lower() == "as":
            return a.value
    return "AS" if not from_instr.text.lstrip().startswith("from") else "as"


def _copies_xx(stage: Stage, xx_name: str) -> bool:
    for ins in stage.instructions:
        f = ins.flag("from") if ins.keyword == "COPY" else None
        if f is not None and f.value == xx_name:
            return True
    return False


# -- entry point ------------------------------------------------------------------------------------------
def xx_rewrite(model: Model, stage: Stage, toolchain: XxToolchain, context: Path | None = None) -> XxResult:
    """Edits that make ``stage`` cross-compile with tonistiigi/xx, or None with the reason."""
    skel = _skeleton(model, stage)
    if isinstance(skel, str):
        return _no(skel)
    plan = skel
    xx = _xx_stage(model, stage)
    if isinstance(xx, str):
        return _no(xx)
    xx_name, add_stage = xx
    compiles = _compiles(model, stage)
    lang = "rust" if toolchain == "rust" else "go" if toolchain == "go-cgo" else "c"
    mine = [(i, c, comp) for i, c, comp in compiles if comp.toolchain == lang]
    if not mine:
        return _no(f"no {toolchain} build found in the stage")
    others = {comp.toolchain for _i, _c, comp in compiles} - {lang}
    if others - {"c"} or (lang != "c" and "c" in others):
        return _no("the stage also builds with other toolchains")
    if any(c.context for _i, c, _comp in mine):
        return _no("the build command is nested in a shell construct (if/for/subshell...)")
    first = mine[0][0]
    if toolchain == "rust":
        res = _rust(plan, mine)
    elif toolchain == "go-cgo":
        res = _go(plan, mine)
    else:
        res = _c(plan, mine, context)
    if isinstance(res, str):
        return _no(res)
    first = res if res is not None else first
    _native_install(plan, first)
    libs = "musl-dev gcc" if plan.distro == "alpine" else "gcc libc6-dev"
    plan.packages = libs.split() + plan.packages + _target_libraries(model, stage, plan.distro)
    return XxResult(_finish(plan, first, xx_name, add_stage), verified=plan.verified)


def _compiles(model: Model, stage: Stage) -> list[tuple[Instruction, SimpleCommand, Compile]]:
    out = []
    for ins in stage.instructions:
        if ins.keyword != "RUN":
            continue
        for c in run_commands(ins):
            comp = classify(c)
            if comp is not None:
                out.append((ins, c, comp))
    return out


def _verify_tail(plan: _Plan, cmds: list[str]) -> str:
    return chain_after(plan.style, cmds)


# -- Rust -------------------------------------------------------------------------------------------------
_CARGO_OUT = re.compile(r"^(?P<dir>/.*)/target/(?P<profile>[^/]+)/(?P<bin>[^/*?\[]+)$")


def _rust(plan: _Plan, mine: list[tuple[Instruction, SimpleCommand, Compile]]) -> Instruction | None | str:
    model, stage = plan.model, plan.stage
    builds = [(i, c, comp) for i, c, comp in mine if comp.label in ("cargo build", "xx-cargo build")]
    if len(builds) != len([m for m in mine if m[2].produces]) or not builds:
        return "only `cargo build` is rewritten (cargo install/rustc: copy the recipe by hand)"
    if len(builds) > 1:
        return "more than one cargo build in the stage"
    instr, cmd, comp = builds[0]
    inv = comp.inv
    vals = inv.values()
    if any(v.startswith(("--target", "--manifest-path", "-Z")) for v in vals) or any(
            v.startswith("+") for v in vals):
        return "the cargo build already sets a target, target dir, manifest path or toolchain"
    env = settings(model, stage, instr, cmd)
    if any(n in env for n in ("CARGO_TARGET_DIR", "CARGO_BUILD_TARGET", "CARGO_BUILD_TARGET_DIR")):
        return "the target directory or target is set through the environment"
    if any(c.name == "cd" and c.span.start < cmd.span.start for c in run_commands(instr)):
        return "the RUN changes directory before the build"
    profile = "release" if "--release" in vals or "-r" in vals else "debug"
    for i, v in enumerate(vals):
        if v == "--profile" and i + 1 < len(vals):
            profile = {"dev": "debug", "release": "release"}.get(vals[i + 1], vals[i + 1])
        elif v.startswith("--profile="):
            p = v.split("=", 1)[1]
            profile = {"dev": "debug", "release": "release"}.get(p, p)
    wd = _workdir(model, stage, instr)
    if wd is None:
        return "the WORKDIR depends on a variable"
    sources = _copied_sources(model, stage)
    if sources is None:
        return "later stages read this stage through a mount or a dynamic path"
    bins: list[str] = []
    for src in sources:
        m = _CARGO_OUT.match(src)
        if m is None or posixpath.normpath(m.group("dir")) != wd or m.group("profile") != profile:
            return f"`{src}` copied from the stage is not a binary of the cargo target directory"
        if m.group("bin") not in bins:
            bins.append(m.group("bin"))
    if not bins:
        return "no binary of the build is copied into a later stage"
    # cargo fetch before ARG TARGETPLATFORM (shared by every target)
    fetch = "RUN "
    mounts = " ".join(f.text for f in instr.flags if f.name.lower() == "mount")
    if mounts:
        fetch += mounts + " "
    fetch += "cargo fetch" + (" --locked" if "--locked" in vals else "") + (" --offline" if "--offline" in vals
                                                                              else "")
    if not any(c.name == "cargo" and "fetch" in c.args() for i2, c, _ in _all_cmds(stage)):
        plan.before_arg.append(fetch)
    word = inv.words[0]
    if word.value == "cargo":
        plan.edits.append(Edit(word.span.start, word.span.end, "xx-cargo"))
    triple = "$(xx-cargo --print-target-triple)"
    tail: list[str] = []
    for b in bins:
        tail.append(f"xx-verify target/{triple}/{profile}/{b}")
    tail.append(f"mkdir -p target/{profile}")
    for b in bins:
        tail.append(f"cp target/{triple}/{profile}/{b} target/{profile}/{b}")
    plan.edits.append(Edit(cmd.span.end, cmd.span.end, _verify_tail(plan, tail)))
    plan.verified.extend(f"{wd.rstrip('/')}/target/<triple>/{profile}/{b}" for b in bins)
    return instr


def _all_cmds(stage: Stage) -> list[tuple[Instruction, SimpleCommand, None]]:
    return [(i, c, None) for i in stage.instructions if i.keyword == "RUN" for c in run_commands(i)]


# -- C/C++ ------------------------------------------------------------------------------------------------
_PLAIN_CC = {"gcc": "xx-clang", "cc": "xx-clang", "clang": "xx-clang",
             "g++": "xx-clang++", "c++": "xx-clang++", "clang++": "xx-clang++"}
_CMAKE_CROSS = ("-DCMAKE_C_COMPILER", "-DCMAKE_CXX_COMPILER", "-DCMAKE_TOOLCHAIN_FILE", "--toolchain")


def _c(plan: _Plan, mine: list[tuple[Instruction, SimpleCommand, Compile]], context: Path | None) -> (
        Instruction | None | str):
    stage = plan.stage
    cmake_cfg: list[tuple[Instruction, SimpleCommand]] = []
    for ins, c in ((i, c) for i, c, _ in _all_cmds(stage)):
        inv = invocation(c)
        if inv is not None and inv.tool == "cmake" and "--build" not in inv.values() and not any(
                v in ("-E", "-P", "--install") for v in inv.values()):
            cmake_cfg.append((ins, c))
    cxx = False
    first: Instruction | None = None
    tails: dict[int, tuple[SimpleCommand, list[str]]] = {}
    verified: list[str] = []
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
            out = _output(comp.inv.values())
            if out is None:
                return f"`{tool}` has no -o output to verify"
            tails[ins.span.start] = (c, tails.get(ins.span.start, (c, []))[1] + [f"xx-verify {out}"])
            verified.append(out)
        elif comp.label == "cmake --build" or tool in ("make", "gmake", "ninja"):
            if not cmake_cfg or cmake_cfg[0][0].span.start > ins.span.start:
                return (f"`{comp.label}` runs a build script whose compiler is unknown (Makefile): "
                        "pass CC=xx-clang or use CMake with $(xx-clang --print-cmake-defines)")
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
    if not verified:
        return "the outputs of the build are unknown (nothing to xx-verify)"
    for c, cmds in tails.values():
        plan.edits.append(Edit(c.span.end, c.span.end, _verify_tail(plan, cmds)))
    if cxx:
        plan.packages.append("g++")
    plan.verified.extend(verified)
    return first


def _output(vals: list[str]) -> str | None:
    for i, v in enumerate(vals):
        if v == "-o" and i + 1 < len(vals):
            return vals[i + 1]
        if v.startswith("-o") and len(v) > 2:
            return v[2:]
    return None


def _cmake_cxx(context: Path | None) -> bool:
    """Does the CMake project use C++? (True when unknown: CMake enables C and CXX by default.)"""
    if context is None:
        return True
    from xlint.contextfiles import read_text

    text = read_text(context / "CMakeLists.txt")
    if text is None:
        return True
    m = re.search(r"\bproject\s*\(([^)]*)\)", text, re.IGNORECASE)
    if m is None:
        return True
    words = m.group(1).split()
    langs = words[words.index("LANGUAGES") + 1:] if "LANGUAGES" in words else words[1:]
    langs = [w for w in langs if w.isupper() and w not in ("VERSION", "DESCRIPTION", "HOMEPAGE_URL")]
    return not langs or "CXX" in langs


def _cmake_outputs(plan: _Plan, instr: Instruction, vals: list[str]) -> list[str] | str:
    model, stage = plan.model, plan.stage
    try:
        build_dir = vals[vals.index("--build") + 1]
    except (ValueError, IndexError):
        return "cmake --build without a build directory"
    wd = _workdir(model, stage, instr)
    sources = _copied_sources(model, stage)
    if wd is None or sources is None:
        return "the WORKDIR or the paths copied from the stage are dynamic"
    bdir = posixpath.normpath(posixpath.join(wd, build_dir))
    outs: list[str] = []
    for src in sources:
        if posixpath.dirname(src) == bdir and not src.endswith("/"):
            outs.append(_relative(src, wd))
    return outs


# -- Go with cgo ------------------------------------------------------------------------------------------
def _go(plan: _Plan, mine: list[tuple[Instruction, SimpleCommand, Compile]]) -> Instruction | None | str:
    model, stage = plan.model, plan.stage
    first: Instruction | None = None
    for ins, c, comp in mine:
        if not comp.produces or comp.tool_install:
            continue
        word = comp.inv.words[0]
        if comp.label != "go build":
            return f"`{comp.label}` is not rewritten (use `go build -o`)"
        out = _output(comp.inv.values())
        if out is None:
            return "`go build` without -o: the output to verify is unknown"
        env = settings(model, stage, ins, c)
        prefix = "" if "CGO_ENABLED" in env else "CGO_ENABLED=1 "
        plan.edits.append(Edit(word.span.start, word.span.end, prefix + "xx-go"))
        plan.edits.append(Edit(c.span.end, c.span.end, _verify_tail(plan, [f"xx-verify {out}"])))
        plan.verified.append(out)
        first = first or ins
    if first is None:
        return "no `go build` to rewrite"
    return first


def report_emulated_xx(rule: Rule, ctx: Context, toolchain: Literal["rust", "c"]) -> None:
    """Report every emulated ``toolchain`` compile (XL102, XL103) with its stage's xx rewrite, or with
    why there is none in the hint. Every finding of a stage carries the same edits."""
    from xlint.toolchains import emulated_compiles, emulated_platforms

    model = ctx.model
    rewrites: dict[int, XxResult] = {}
    for stage, _instr, comp in emulated_compiles(model, toolchain):
        if stage.index not in rewrites:
            rewrites[stage.index] = xx_rewrite(model, stage, toolchain, ctx.options.context)
        result = rewrites[stage.index]
        hint = rule.hint if result.edits else f"{rule.hint} No automatic fix: {result.reason}."
        ctx.report(
            rule,
            comp.inv.cmd.span,
            rule.message.format(cmd=comp.label, stage=stage.label,
                                platforms=", ".join(emulated_platforms(model, stage))),
            hint=hint,
            edits=result.edits,
        )
