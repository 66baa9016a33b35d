"""The tonistiigi/xx skeleton shared by the Rust, C/C++ and cgo recipes.

Given the model, a builder stage and a toolchain, :func:`xx_rewrite` returns the edits that

- add ``FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx`` just before the builder's FROM (or reuse an
  existing ``tonistiigi/xx`` stage);
- put the builder on ``--platform=$BUILDPLATFORM`` and ``COPY --from=xx / /`` right after its FROM;
- install ``clang lld`` for the build platform (appended to the stage's own native install, else a new
  RUN after the COPY);
- declare ``ARG TARGETPLATFORM`` just before the first target-specific step and install the target's libc
  and libraries with ``xx-apt-get install -y gcc libc6-dev ...`` (Debian/Ubuntu) or
  ``xx-apk add musl-dev gcc ...`` (Alpine); ``-dev`` libraries the stage installed move along;
- let the toolchain's recipe (:mod:`xlint.fixes.rust`, :mod:`xlint.fixes.c`, :mod:`xlint.fixes.go`)
  rewrite the compile and ``xx-verify`` its outputs.

Where the rewrite cannot be made sound it returns no edits and the reason (meant for the finding's hint).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from xlint.diagnostics import Edit
from xlint.fixes.hostprobe import tool_download_edits
from xlint.fixes.stages import Move, numeric_reference, stage_move
from xlint.fixes.style import (
    Style,
    arg_edit,
    chain_after,
    indentation,
    insert_after,
    line_text,
    shell_style,
)
from xlint.model import Model, Stage
from xlint.packages import installed_packages
from xlint.records import field, record
from xlint.rx import rx
from xlint.shell import SimpleCommand, run_commands
from xlint.syntax.tree import Instruction
from xlint.toolchains import (
    Compile,
    classify,
    invocation,
    package_manager_install,
    package_name,
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


@record
class XxResult:
    """The edits of the rewrite, or None and the reason it cannot be made."""

    edits: list[Edit] | None
    reason: str = ""
    verified: list[str] = field(default_factory=list)  # paths passed to xx-verify
    note: str = ""  # a caveat of the rewrite

    @property
    def ok(self) -> bool:
        return self.edits is not None


def _no(reason: str) -> XxResult:
    return XxResult(None, reason)


Distro = Literal["debian", "alpine"]


_DEBIAN_IMAGES = rx(r"(?:^|/)(?:rust|golang|gcc|debian|ubuntu|buildpack-deps)(?::|@|$)")


def _distro(model: Model, stage: Stage) -> Distro | None:
    base = stage_chain(model, stage)[0].base.lower()
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


# Debian -dev packages of C libraries whose names do not start with lib
_DEBIAN_DEV = frozenset({"zlib1g-dev", "uuid-dev", "nettle-dev", "comerr-dev", "e2fslibs-dev"})
_TOOLCHAIN_LIBS = frozenset({"libc6-dev", "musl-dev", "libc-dev", "linux-libc-dev", "linux-headers"})


# shared libraries a runtime stage installs -> the development package the builder links against
_RUNTIME_DEV: dict[Distro, list[tuple[re.Pattern[str], str]]] = {
    "debian": [(rx(r"^libssl(?:\d[\w.]*)?$"), "libssl-dev"), (rx(r"^libpq5$"), "libpq-dev"),
               (rx(r"^libsqlite3-0$"), "libsqlite3-dev"), (rx(r"^libzstd1$"), "libzstd-dev"),
               (rx(r"^zlib1g$"), "zlib1g-dev"), (rx(r"^libseccomp2$"), "libseccomp-dev")],
    "alpine": [(rx(r"^(?:openssl|libssl3|libcrypto3)$"), "openssl-dev"), (rx(r"^libpq$"), "libpq-dev"),
               (rx(r"^sqlite-libs$"), "sqlite-dev"), (rx(r"^zstd-libs$"), "zstd-dev"),
               (rx(r"^zlib$"), "zlib-dev"), (rx(r"^libseccomp$"), "libseccomp-dev")],
}


def _runtime_libraries(model: Model, stage: Stage, distro: Distro) -> list[str]:
    """The ``-dev`` packages for the shared libraries that the stages copying from ``stage`` install for
    themselves (``libssl3`` in the runtime: the binary links OpenSSL, so the target needs ``libssl-dev``)."""
    out: list[str] = []
    for edge in model.users(stage.index):
        for name in installed_packages(model.stages[edge.target].instructions):
            dev = next((d for pat, d in _RUNTIME_DEV[distro] if pat.match(name)), None)
            if dev is not None and dev not in out:
                out.append(dev)
    return out


def _target_libraries(model: Model, stage: Stage, distro: Distro) -> list[str]:
    """``-dev`` libraries the stage (or its chain) installs for itself, and those of the libraries its
    runtime installs: they must be installed for the target too."""
    out: list[str] = []
    for name in installed_packages(i for st in stage_chain(model, stage) for i in st.instructions):
        if name in _TOOLCHAIN_LIBS or name in out:
            continue
        if name.endswith("-dev") and (distro == "alpine" or name.startswith("lib") or name in _DEBIAN_DEV):
            out.append(name)
    return out + [d for d in _runtime_libraries(model, stage, distro) if d not in out]


@record
class XxPlan:
    model: Model
    stage: Stage
    distro: Distro
    style: Style
    edits: list[Edit] = field(default_factory=list)
    before_arg: list[str] = field(default_factory=list)  # bodies inserted before ARG TARGETPLATFORM
    after_arg: list[str] = field(default_factory=list)  # bodies inserted after it (and the target's packages)
    packages: list[str] = field(default_factory=list)  # target packages
    after_copy: list[str] = field(default_factory=list)  # bodies inserted after COPY --from=xx
    verified: list[str] = field(default_factory=list)
    move: Move | None = None  # how the stage gets on the build platform
    native: list[str] = field(default_factory=list)  # more build-platform packages (llvm for llvm-strip)
    notes: list[str] = field(default_factory=list)  # caveats of the rewrite, for the fix's title

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
    name, n = "xx", 2
    while name in names:  # (an xx stage defined after this one cannot be copied from here: another one)
        name, n = f"xx{n}", n + 1
    return name, True


def _native_install(plan: XxPlan, before: Instruction) -> None:
    """Make sure clang and lld (and the recipe's other build-platform packages) are installed for the
    build platform before ``before``."""
    stage = plan.stage
    tool = "apk" if plan.distro == "alpine" else "apt-get"
    wanted = ["clang", "lld", *plan.native]
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
            if set(wanted) <= names:
                return
            if found[1] and not c.context:
                last = (found[1], names)
    if last is not None:
        words, names = last
        extra = " ".join(p for p in wanted if p not in names)
        end = words[-1].span.end
        plan.edits.append(Edit(end, end, " " + extra))
        return
    if plan.distro == "alpine":
        plan.after_copy.append(f"RUN apk add --no-cache {' '.join(wanted)}")
    else:
        plan.after_copy.append(f"RUN apt-get update && apt-get install -y {' '.join(wanted)}")


def _skeleton(model: Model, stage: Stage) -> XxPlan | str:
    if model.target is not None and stage.index == model.target.index:
        return "the stage is the image itself, not a builder"
    move = stage_move(model, stage)
    if isinstance(move, str):
        return move
    distro = _distro(model, stage)
    if distro is None:
        return "unknown distribution of the base image (xx supports Debian, Ubuntu and Alpine)"
    return XxPlan(model, stage, distro, shell_style(model.tree), move=move)


def _finish(plan: XxPlan, first_target: Instruction, xx_name: str, add_stage: bool) -> list[Edit]:
    model, stage = plan.model, plan.stage
    tree = model.tree
    from_instr = stage.from_instr
    edits = list(plan.edits)
    if add_stage:
        start = tree.offset(from_instr.start_line, 1)
        edits.append(Edit(start, start, line_text(tree, from_instr,
                                                  f"FROM --platform=$BUILDPLATFORM {XX_IMAGE} AS xx")
                          .replace(" AS xx", f" {_as_word(tree, from_instr)} xx") + tree.newline))
    assert plan.move is not None
    edits.extend(plan.move.edits)
    first_user = _user_at(model, stage, None)
    # the image's own user is unknown: when the stage switches user before the build (`USER root` for its
    # installs), the native packages are installed after that switch, next to the target's
    late = first_user is None and any(ins.keyword == "USER" for ins in stage.instructions
                                      if ins.span.start < first_target.span.start)
    early = [] if late else _as_root(plan.after_copy, first_user)
    if not _copies_xx(stage, xx_name):
        edits.append(insert_after(tree, from_instr, [f"COPY --from={xx_name} / /", *early], like=from_instr))
    elif early:
        edits.append(insert_after(tree, from_instr, early, like=from_instr))
    bodies = (_as_root(plan.after_copy, _user_at(model, stage, first_target)) if late else []) + list(plan.before_arg)
    if stage.declaration("TARGETPLATFORM", before=first_target) is None:
        bodies.append("ARG TARGETPLATFORM")
    if plan.packages:
        if plan.distro == "alpine":
            install = "RUN xx-apk add --no-cache " + " ".join(plan.packages)
        else:
            install = "RUN xx-apt-get install -y " + " ".join(plan.packages)
        bodies.extend(_as_root([install], _user_at(model, stage, first_target)))
    bodies.extend(plan.after_arg)
    if bodies:
        plan.edits = []
        plan.insert_before(first_target, bodies)
        edits.extend(plan.edits)
    return edits


_ROOT = frozenset({"root", "0", "root:root", "0:0"})


def _user_at(model: Model, stage: Stage, before: Instruction | None) -> str | None:
    """The USER in force at ``before`` (at the start of the stage when None), through the stage's chain."""
    user: str | None = None
    for st in stage_chain(model, stage):
        for ins in st.instructions:
            if st is stage and (before is None or ins.span.start >= before.span.start):
                return user
            if ins.keyword == "USER" and ins.args:
                user = ins.args[0].value
    return user


def _as_root(bodies: list[str], user: str | None) -> list[str]:
    """Package installs run as root: switch to it and back when the stage runs as another user."""
    if not bodies or user is None or user in _ROOT:
        return bodies
    return ["USER root", *bodies, f"USER {user}"]


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
    index = numeric_reference(model)
    if add_stage and index is not None:
        return _no(f"a stage is referred to by its index (`{index}`): a new xx stage would shift it; name it first")
    compiles = _compiles(model, stage)
    lang = "rust" if toolchain == "rust" else "go" if toolchain == "go-cgo" else "c"
    mine = [(i, c, comp) for i, c, comp in compiles if comp.toolchain == lang]
    if not mine:
        return _no(f"no {toolchain} build found in the stage")
    others = {comp.toolchain for _i, c_steps, comp in compiles} - {lang}
    if others - {"c"} or (lang != "c" and "c" in others):
        return _no("the stage also builds with other toolchains")
    if any(c.context for _i, c, _comp in mine):
        return _no("the build command is nested in a shell construct (if/for/subshell...)")
    first = mine[0][0]
    user = _user_at(model, stage, first)
    if user is not None and user not in _ROOT:
        return _no(f"the build runs as user `{user}`, and xx's helpers set themselves up as root when first run "
                   "(links in /usr/bin, locks in /var/lock): run the build steps as root, or cross-compile by hand")
    # the recipe modules build on this skeleton: imported here, when they are loaded
    from xlint.fixes.c import c_steps
    from xlint.fixes.go import go_xx_steps
    from xlint.fixes.rust import rust_steps

    if toolchain == "rust":
        res = rust_steps(plan, mine)
    elif toolchain == "go-cgo":
        res = go_xx_steps(plan, mine)
    else:
        res = c_steps(plan, mine, context)
    if isinstance(res, str):
        return _no(res)
    first = res if res is not None else first
    # a tool the stage runs, downloaded by $TARGETARCH: the build machine's once the stage moves
    tools, tool_args, why = tool_download_edits(model, stage)
    if why:
        return _no(why)
    if tools:
        plan.edits.extend(tools)
        tool_run = next(i for i in stage.instructions if i.span.start <= tools[0].start < i.span.end)
        arg = arg_edit(model, stage, tool_run, tool_args)
        if arg is not None:
            plan.edits.append(arg)
    _native_install(plan, first)
    libs = "musl-dev gcc" if plan.distro == "alpine" else "gcc libc6-dev"
    plan.packages = libs.split() + plan.packages + _target_libraries(model, stage, plan.distro)
    assert plan.move is not None
    notes = list(dict.fromkeys(plan.notes + ([plan.move.note] if plan.move.note else [])))
    return XxResult(_finish(plan, first, xx_name, add_stage), verified=plan.verified, note="; ".join(notes))


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


def verify_tail(plan: XxPlan, cmds: list[str]) -> str:
    return chain_after(plan.style, cmds)


def all_cmds(stage: Stage) -> list[tuple[Instruction, SimpleCommand, None]]:
    return [(i, c, None) for i in stage.instructions if i.keyword == "RUN" for c in run_commands(i)]


def stage_distro(model: Model, stage: Stage) -> Distro | None:
    """The distribution of the stage's image as xx knows them (Debian/Ubuntu or Alpine), or None."""
    return _distro(model, stage)


def target_libraries(model: Model, stage: Stage, distro: Distro) -> list[str]:
    """The ``-dev`` libraries the stage installs for itself, to install for the target too."""
    return _target_libraries(model, stage, distro)
