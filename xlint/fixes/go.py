"""Recipe: Go. The builder on the build platform with GOOS/GOARCH (GOARM) from the target, `go install`
rewritten to `go build -o` into the same place, CGO_ENABLED=0 when the context's sources need no cgo,
else tonistiigi/xx `xx-go` with the target's C toolchain (XL101, XL207, XL208).

A smoke test of the program just built (`go build -o /out/app . && /out/app --version`, or a later
`RUN /out/app version` in the builder) is kept to the build whose target is the build platform, an
unsafe fix (see :mod:`xlint.fixes.smoke` for why it is not moved into the target stage); a run whose
output is kept (`/out/app completion bash > /out/app.bash`) keeps the stage where it is.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from xlint.archnames import is_arch_probe
from xlint.diagnostics import Edit
from xlint.fixes.context import (
    go_module_name,
    go_uses_cgo,
    makefile_arch_var,
)
from xlint.fixes.hostprobe import host_tool_probe, tool_download_edits
from xlint.fixes.outputs import DEFAULT_PATH, GO_BIN_DIRS, dash_o, flag_arg, resolve_path, workdir_at
from xlint.fixes.plan import Example, Plan, no_fix
from xlint.fixes.smoke import guard_edits, smoke_reason
from xlint.fixes.smoke import note as smoke_note
from xlint.fixes.stages import stage_move
from xlint.fixes.style import arg_edit, chain_after, shell_style
from xlint.fixes.xx import XxPlan, verify_tail, xx_rewrite
from xlint.makefiles import runs_own_go_tool
from xlint.model import Model, Stage
from xlint.packages import installed_packages
from xlint.records import field, record
from xlint.rx import rx
from xlint.shell import SimpleCommand
from xlint.syntax.tree import Instruction
from xlint.toolchains import (
    Compile,
    Invocation,
    Setting,
    classify,
    goarm_unset_builds,
    implicit_cgo_builds,
    invocation,
    makefile_of,
    settings,
    stage_chain,
    stage_commands,
)

GOARM_VALUE = "${TARGETVARIANT#v}"


def _needs_arm(model: Model) -> bool:
    return any(t[1] == "arm" for t in model.targets)


def _is_set(env: dict[str, Setting], name: str) -> bool:
    return name in env and env[name].raw != ""


_MAKES = frozenset({"make", "gmake"})
_GO_IMAGE = rx(r"(?:^|/)(?:golang|go)(?::|@|$)")
_TARGET_VALUES = {"GOOS": ("$TARGETOS", "TARGETOS"), "GOARCH": ("$TARGETARCH", "TARGETARCH"),
                  "GOARM": (GOARM_VALUE, "TARGETVARIANT")}
# cgo is required by these build modes (a pure-Go cross build cannot make them)
_CGO_BUILDMODES = ("c-shared", "c-archive", "plugin")


def go_stage(model: Model, stage: Stage) -> bool:
    """True when the stage builds Go: its chain starts from a Go image or it runs `go build`/`go install`,
    and the only other build tool it runs is make (which then drives `go build`)."""
    chain = stage_chain(model, stage)
    go_image = _GO_IMAGE.search(chain[0].base.lower().split("@")[0]) is not None
    runs_go = False
    for _instr, cmd in stage_commands(model, stage):
        comp = classify(cmd)
        if comp is None:
            continue
        if comp.toolchain == "go":
            runs_go = True
        elif comp.toolchain != "c" or comp.inv.tool not in _MAKES:
            return False
    return go_image or runs_go


def _installed_name(pkg: str) -> str:
    """The binary `go install PKG[@version]` writes: the last path element without a major-version suffix."""
    parts = pkg.split("@")[0].rstrip("/").split("/")
    if len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]):
        parts.pop()
    return parts[-1]


def _used_later(model: Model, stage: Stage, instr: Instruction, cmd: SimpleCommand, names: set[str]) -> bool:
    """True when a later command of the stage runs one of ``names`` (a tool installed for the build), or
    runs something that calls tools by itself (protoc plugins, `go generate`, make, scripts)."""
    seen = False
    for _ins, c in stage_commands(model, stage):
        if c is cmd:
            seen = True
            continue
        if not seen:
            continue
        if c.basename in names or c.basename in _TOOL_RUNNERS:
            return True
        if c.basename == "go" and c.args()[:1] in (["generate"], ["run"]):
            return True
        if c.name is not None and c.name.endswith(".sh"):
            return True
    return False


# commands that run installed tools without naming them (protoc finds protoc-gen-*, make runs recipes)
_TOOL_RUNNERS = frozenset({"protoc", "buf", "make", "gmake", "sh", "bash", "task", "mage", "just"})


def _go_get_installs(cmd: SimpleCommand) -> bool:
    """`go get PKG` without -d: GOPATH-mode Go builds and installs the command (`go get` is not a compile
    for the detection, but its binary lands in $GOPATH/bin and may ship)."""
    if cmd.basename != "go":
        return False
    vals = [v for v in cmd.args() if v is not None]
    if any("@" in v for v in vals[1:] if not v.startswith("-")):
        return False  # `go get PKG@version` is module mode: since Go 1.18 it only edits go.mod
    return bool(vals) and vals[0] == "get" and "-d" not in vals and any(not v.startswith("-") for v in vals[1:])


@record
class _GoEdits:
    edits: list[Edit]
    arg_names: list[str]
    reason: str = ""


def _installs_to_gopath(comp: Compile) -> bool:
    return comp.label.endswith(" install") and comp.inv.tool == "go"


def _normalise_bin(env: dict[str, Setting]) -> str:
    """A cross `go install`/`go get` writes $GOPATH/bin/<os>_<arch>/ (a native one writes $GOPATH/bin):
    move the binaries to where the native build puts them."""
    cross_dir = '"$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}"'
    dest = '"$GOBIN/"' if "GOBIN" in env and env["GOBIN"].raw else '"$(go env GOPATH)/bin/"'
    return f"if [ -d {cross_dir} ]; then mv {cross_dir}/* {dest} && rmdir {cross_dir}; fi"


def go_command_edits(model: Model, stage: Stage, instr: Instruction, comp: Compile, cgo: bool | None,
                     context: Path | None = None) -> _GoEdits:
    """Cross settings for one Go compile (prefix assignments; a dynamic GOOS/GOARCH/GOARM that does not
    come from the target, such as `$(cat /goarch)`, is replaced), and the output moves of `go install`."""
    cmd = comp.inv.cmd
    env = settings(model, stage, instr, cmd)
    words: list[str] = []
    names: list[str] = []
    edits: list[Edit] = []
    if not _is_set(env, "CGO_ENABLED") and cgo is not True:
        words.append("CGO_ENABLED=0")
    for var in ("GOOS", "GOARCH", "GOARM"):
        value, arg = _TARGET_VALUES[var]
        if var == "GOARM" and not _needs_arm(model):
            continue
        setting = env.get(var)
        if setting is None or setting.raw == "":
            words.append(f"{var}={value}")
            names.append(arg)
        elif setting.value is None and not setting.from_target:
            prefix = next((e for e in comp.inv.env if e.name == var), None)
            if prefix is None:
                return _GoEdits([], [], f"{var} is set from `{setting.raw}`, which describes the build machine "
                                        "once the stage moves")
            edits.append(Edit(prefix.span.start, prefix.span.end, f"{var}={value}"))
            names.append(arg)
    if words:
        at = cmd.argv[0].span.start
        edits.append(Edit(at, at, " ".join(words) + " "))
    if comp.inv.tool in _MAKES:
        if context is not None:
            makefile, targets = makefile_of(context, comp)
            tool = runs_own_go_tool(makefile, targets) if makefile is not None else None
            if tool:
                return _GoEdits([], [], f"the Makefile builds and runs a Go program of its own (`{tool}`): with "
                                        "GOOS/GOARCH for the target in make's environment it would be built for "
                                        "the target and could not run (set them on the make target that builds "
                                        "the shipped binary alone)")
        arch_var = makefile_arch_var(context)
        if arch_var:
            end = comp.inv.words[0].span.end
            edits.append(Edit(end, end, f" {arch_var}=$TARGETARCH"))
            names.append("TARGETARCH")
        return _GoEdits(edits, names)
    if comp.label.endswith(" install") and not comp.tool_install and not _installs_pkg_at_version(comp) \
            and _local_packages(comp):
        sub = next((w for w in comp.inv.words[1:] if w.value == "install"), None)
        if sub is None:
            return _GoEdits([], [], "`go install` could not be rewritten")
        gobin = env.get("GOBIN")
        out = f"{gobin.value}/" if gobin is not None and gobin.value else "$(go env GOPATH)/bin/"
        if gobin is not None and not gobin.value:
            return _GoEdits([], [], "`go install` with a dynamic GOBIN")
        # cross-compiled `go install` writes to $GOPATH/bin/linux_<arch>/: build into the same place
        edits.append(Edit(sub.span.start, sub.span.end, f"build -o {out}"))
    elif comp.label.endswith(" install") or _go_get_installs(cmd):
        if cmd.context:
            return _GoEdits([], [], "a cross `go install` writes $GOPATH/bin/linux_<arch>/, and this one is "
                                    "nested in a shell construct")
        if "GOBIN" in env and env["GOBIN"].raw:
            # a cross `go install` refuses GOBIN, and with it cleared the native one writes $GOPATH/bin
            return _GoEdits([], [], "a cross `go install` refuses GOBIN, and without GOBIN the native one "
                                    "writes $GOPATH/bin: the platforms' binaries would land in different places")
        edits.append(Edit(cmd.span.end, cmd.span.end, chain_after(shell_style(model.tree), [_normalise_bin(env)])))
        names.extend(n for n in ("TARGETOS", "TARGETARCH") if n not in names)
    return _GoEdits(edits, names)


# `go build`/`go install` flags that take the next word as their value
_GO_VALUE_FLAGS = frozenset({"-o", "-ldflags", "-gcflags", "-asmflags", "-gccgoflags", "-tags", "-p", "-mod",
                             "-modfile", "-overlay", "-pkgdir", "-installsuffix", "-toolexec", "-compiler",
                             "-pgo", "-covermode", "-coverpkg", "-buildmode", "-C"})


def go_packages(comp: Compile) -> list[str]:
    """The package operands of a `go build`/`go install` (after the subcommand, flags and their values
    left out)."""
    vals = comp.inv.values()
    sub = next((i for i, v in enumerate(vals) if v in ("build", "install")), None)
    if sub is None:
        return []
    out: list[str] = []
    skip = False
    for v in vals[sub + 1:]:
        if skip:
            skip = False
        elif v.startswith("-"):
            skip = v.lstrip("-") != v and "-" + v.lstrip("-") in _GO_VALUE_FLAGS and "=" not in v
        else:
            out.append(v)
    return out


def _local_packages(comp: Compile) -> bool:
    """True when every package of the `go install` is a directory of the build context (`.`, `./cmd/x`,
    `./...`): commands the image ships, which `go build -o DIR/` writes straight to DIR. Import paths
    (`github.com/x/y`) may be libraries (a cache warm-up): `go build -o DIR/` fails on those with "no main
    packages to build", so they keep `go install`, with its output moved up from bin/<os>_<arch>/."""
    pkgs = go_packages(comp)
    return not pkgs or all(p == "." or p.startswith(("./", "../", "/")) for p in pkgs)


def _installs_pkg_at_version(comp: Compile) -> bool:
    return any("@" in (v or "") for v in comp.inv.values()[1:] if not v.startswith("-"))


@record
class GoSteps:
    """The commands of a Go stage that need target settings (``compiles``), or why there is none."""

    compiles: list[tuple[Instruction, Compile]]
    reason: str = ""
    cgo_required: str = ""  # why the build needs cgo (explicit CGO_ENABLED=1, -buildmode=c-shared)
    driven_by_make: bool = False


def go_compiles(model: Model, stage: Stage, toolchains: frozenset[str] = frozenset({"go"})
                 ) -> tuple[list[tuple[Instruction, Compile]], str]:
    """The stage's Go compiles that need target settings, or why the stage cannot be fixed."""
    steps = go_steps(model, stage)
    if steps.cgo_required and not steps.reason:
        return [], f"{steps.cgo_required}: a cross build needs a C cross toolchain (needs xx: tonistiigi/xx `xx-go`)"
    return steps.compiles, steps.reason


def go_steps(model: Model, stage: Stage) -> GoSteps:
    out: list[tuple[Instruction, Compile]] = []
    cgo_required = ""
    make = False
    is_go = go_stage(model, stage)
    for instr, cmd in stage_commands(model, stage):
        comp = classify(cmd)
        if comp is None:
            if _go_get_installs(cmd) and not _used_later(model, stage, instr, cmd, _get_names(cmd)):
                inv = invocation(cmd)
                if inv is not None:
                    out.append((instr, Compile("go", "go get", inv)))
            continue
        if comp.toolchain == "c" and comp.inv.tool in _MAKES and is_go:
            if _make_chores(comp):
                continue
            make = True
        elif comp.toolchain != "go":
            return GoSteps([], f"the stage also runs `{comp.label}`")
        elif not comp.produces:
            continue  # tests run fine on the build platform, for the build platform
        elif comp.tool_install:
            pkgs = [v for v in comp.inv.values()[1:] if not v.startswith("-")]
            if _used_later(model, stage, instr, cmd, {_installed_name(p) for p in pkgs}):
                continue  # a tool for the builder itself: it stays on the build arch
        if comp.inv.tool == "xx-go":
            continue
        if instr.json:
            return GoSteps([], f"`{comp.label}` is in an exec-form RUN")
        env = settings(model, stage, instr, cmd)
        cgo = env.get("CGO_ENABLED")
        if cgo is not None and cgo.value != "0":
            cgo_required = cgo_required or "cgo is enabled"
        mode = next((v for v in _buildmodes(comp) if v in _CGO_BUILDMODES), None)
        if mode is not None:
            cgo_required = cgo_required or f"`-buildmode={mode}` needs cgo"
        if any(a == "-C" or a.startswith("-C=") for a in comp.inv.values()):
            return GoSteps([], "`go -C` changes directory")
        out.append((instr, comp))
    return GoSteps(out, "", cgo_required, make)


# make targets that build nothing that ships
_CHORES = frozenset({"clean", "distclean", "test", "check", "lint", "fmt", "vet", "deps", "tools", "generate",
                     "mod", "tidy", "vendor", "help"})


def _make_chores(comp: Compile) -> bool:
    targets = [v for v in comp.inv.values() if not v.startswith("-") and "=" not in v]
    return bool(targets) and all(t in _CHORES for t in targets)


def _get_names(cmd: SimpleCommand) -> set[str]:
    return {_installed_name(v) for v in cmd.args()[1:] if v is not None and not v.startswith("-")}


def _buildmodes(comp: Compile) -> list[str]:
    vals = comp.inv.values()
    out = []
    for i, v in enumerate(vals):
        if v == "-buildmode" and i + 1 < len(vals):
            out.append(vals[i + 1])
        elif v.startswith("-buildmode="):
            out.append(v.split("=", 1)[1])
    return out


def cgo_state(model: Model, compiles: list[tuple[Instruction, Compile]], stage: Stage,
               context: Path | None) -> tuple[bool | None, str]:
    """(cgo use, reason not to fix). Explicit CGO_ENABLED=0 on every compile makes the context moot."""
    if all(_is_set(settings(model, stage, i, c.inv.cmd), "CGO_ENABLED") for i, c in compiles):
        return False, ""
    cgo = go_uses_cgo(context)
    if cgo:
        return True, ("the Go sources use cgo (`import \"C\"` or a cgo module): needs xx "
                      "(tonistiigi/xx `xx-go` and the target's C toolchain)")
    return cgo, ""


CGO_NOTE = "CGO_ENABLED=0 assumed: the build context's Go files could not be read"
MAKE_TITLE = ("Move the Go build (driven by make) to a `--platform=$BUILDPLATFORM` builder with GOOS/GOARCH "
              "from TARGETOS/TARGETARCH")
MAKE_NOTE = ("GOOS/GOARCH reach every `go` command make runs: a Go tool that make builds and runs itself "
             "would be built for the target")


_C_COMPILER_PACKAGES = frozenset({"gcc", "g++", "build-base", "build-essential", "alpine-sdk", "musl-dev",
                                  "libc6-dev", "libc-dev", "clang"})


def _installs_c_compiler(model: Model, stage: Stage) -> str | None:
    """A C compiler or C library (`lib*-dev`) package the stage (or its chain) installs, if any."""
    for name in installed_packages(i for st in stage_chain(model, stage) for i in st.instructions):
        if name in _C_COMPILER_PACKAGES or (name.endswith("-dev") and name.startswith("lib")):
            return name
    return None


def _probe_edits(model: Model, stage: Stage) -> tuple[list[Edit], list[tuple[Instruction, list[str]]], str]:
    """`go env GOARCH` (GOOS, GOARM) in a stage that moves to the build platform reports the build
    machine: it becomes the target's value. Other arch probes (`uname -m`, `dpkg --print-architecture`...)
    keep the stage where it is, with the reason."""
    edits: list[Edit] = []
    needs: list[tuple[Instruction, list[str]]] = []
    for instr, cmd in stage_commands(model, stage):
        if is_arch_probe(cmd.basename, cmd.args()) and host_tool_probe(model, stage, instr) is None:
            return [], [], (f"`{' '.join(w.raw for w in cmd.argv)}` in the stage would report the build machine's "
                            "architecture once it runs there")
        vals = cmd.args()
        if cmd.basename == "go" and vals[:1] == ["env"] and "-w" not in vals:
            asked = [v for v in vals[1:] if v in _TARGET_VALUES or v == "GOHOSTARCH"]
            if not asked or host_tool_probe(model, stage, instr) is not None:
                continue  # (a probe picking a tool the stage runs: the build machine's is the one to run)
            if len(vals) != 2 or vals[1] == "GOHOSTARCH":
                return [], [], f"`{' '.join(w.raw for w in cmd.argv)}` asks the build machine for its platform"
            value, arg = _TARGET_VALUES[asked[0]]
            edits.append(Edit(cmd.span.start, cmd.span.end, f'echo "{value}"'))
            needs.append((instr, [arg]))
    return edits, needs, ""


_STRIPS = frozenset({"strip", "ldd"})
_PATH_DIRS = frozenset(DEFAULT_PATH) | GO_BIN_DIRS
@record
class _AfterCompile:
    """What the steps after the compile do with its outputs: the smoke tests to guard, or why the stage
    cannot move."""

    reason: str = ""
    smoke: list[tuple[Instruction, SimpleCommand]] = field(default_factory=list)


def _after_compile(model: Model, stage: Stage, compiles: list[tuple[Instruction, Compile]],
                   context: Path | None) -> _AfterCompile:
    """Why a step after the compile cannot run on the build platform: `strip`/`ldd` of the build machine on
    a target binary, or a program just built whose output a later step needs; and the smoke tests (runs of
    the program just built that only check it) to keep to the builds whose target is the build platform."""
    out = _AfterCompile()
    if not compiles:
        return out
    first = compiles[0][1].inv.cmd
    outputs: set[str] = set()
    names: set[str] = set()  # their file names (for a relative path in an unknown working directory)
    on_path: set[str] = set()  # the names of those written to a directory on PATH
    started = False
    for instr, cmd in stage_commands(model, stage):
        if cmd is first:
            started = True
        if not started:
            continue
        comp = next((c for i, c in compiles if c.inv.cmd is cmd), None)
        if comp is not None:
            outs = go_outputs(comp.inv, workdir_at(model, stage, instr), context) or []
            outputs.update(outs)
            names.update(posixpath.basename(o) for o in outs)
            on_path.update(posixpath.basename(o) for o in outs if posixpath.dirname(o) in _PATH_DIRS)
            continue
        name = cmd.basename
        if name in _STRIPS:
            return _AfterCompile(f"`{name}` after the compile is the build machine's and cannot read a binary built "
                                 "for the target (drop it: `-ldflags='-s -w'` strips a Go binary)")
        if cmd.name is None:
            continue
        if "/" not in cmd.name:
            runs = cmd.name in on_path  # found through PATH
        else:
            where = resolve_path(workdir_at(model, stage, instr), cmd.name)
            runs = where in outputs if where is not None else posixpath.basename(cmd.name) in names
        if runs:
            why = smoke_reason(model, instr, cmd)
            if why:
                return _AfterCompile(why)
            out.smoke.append((instr, cmd))
    return out


def go_builder_plan(model: Model, stage: Stage, context: Path | None) -> Plan:
    """XL101 fix: the Go builder on the build platform, cross-compiling for the target (safe when the
    context shows no cgo and nothing but `go` builds; unsafe with its caveat otherwise)."""
    move = stage_move(model, stage)
    if isinstance(move, str):
        return no_fix(move)
    steps = go_steps(model, stage)
    if steps.reason:
        return no_fix(steps.reason)
    compiles = steps.compiles
    if not compiles:
        if any((c := classify(cmd)) is not None and c.label.endswith(" run") for _i, cmd in stage_commands(model, stage)):
            return no_fix("`go run` runs the program it builds, and what that writes may be the platform's own: "
                          "the stage builds nothing else to cross-compile")
        return no_fix("no Go compile to give target settings to")
    cgo, reason = cgo_state(model, compiles, stage, context)
    if cgo is True or steps.cgo_required:
        # cgo needs the target's C toolchain: the tonistiigi/xx rewrite (structural, so unsafe)
        why = steps.cgo_required or reason
        xx = xx_rewrite(model, stage, "go-cgo", context)
        if xx.edits:
            return Plan(list(xx.edits), applicability="unsafe", note=xx.note,
                        title="Rewrite the builder to cross-compile cgo with tonistiigi/xx (`xx-go`, `xx-verify`)")
        return no_fix(f"{why}: needs tonistiigi/xx `xx-go` and the target's C toolchain; {xx.reason}")
    compiler = _installs_c_compiler(model, stage) if cgo is None else None
    if compiler is not None:
        # cgo use unknown, but the stage installs a C compiler for it: xx-go builds right either way
        xx = xx_rewrite(model, stage, "go-cgo", context)
        if xx.edits:
            return Plan(list(xx.edits), applicability="unsafe", note=xx.note,
                        title=("Rewrite the builder to cross-compile with tonistiigi/xx (`xx-go`, `xx-verify`): "
                               f"the stage installs `{compiler}`, so cgo may be in use and the build context's Go "
                               "files could not be read"))
        if compiler.endswith("-dev") and compiler not in ("musl-dev", "libc6-dev", "libc-dev"):
            return no_fix(f"the stage installs `{compiler}`, a C library for cgo: its Go build needs "
                          "tonistiigi/xx (`xx-go`, or `xx-go --wrap` under make) with the target's library")
    probes, probe_args, reason = _probe_edits(model, stage)
    if reason:
        return no_fix(reason)
    after = _after_compile(model, stage, compiles, context)
    if after.reason:
        return no_fix(after.reason)
    tools, tool_args, reason = tool_download_edits(model, stage) if move.edits else ([], [], "")
    if reason:
        return no_fix(reason)
    edits: list[Edit] = list(move.edits) + probes + tools + guard_edits(after.smoke)
    names: list[str] = []
    for instr, comp in compiles:
        got = go_command_edits(model, stage, instr, comp, cgo, context)
        if got.reason:
            return no_fix(got.reason)
        edits.extend(got.edits)
        names.extend(n for n in got.arg_names if n not in names)
    tool_runs = [i for i in stage.instructions if any(i.span.start <= e.start < i.span.end for e in tools)]
    first = min([compiles[0][0]] + [i for i, _ in probe_args] + tool_runs, key=lambda i: i.span.start)
    for _i, args in probe_args:
        names.extend(a for a in args if a not in names)
    names.extend(a for a in tool_args if a not in names)
    if after.smoke:
        names.extend(a for a in ("TARGETPLATFORM", "BUILDPLATFORM") if a not in names)
    ordered = [n for n in ("TARGETOS", "TARGETARCH", "TARGETVARIANT", "TARGETPLATFORM", "BUILDOS", "BUILDARCH",
                           "BUILDVARIANT", "BUILDPLATFORM") if n in names]
    arg = arg_edit(model, stage, first, ordered)
    if arg is not None:
        edits.append(arg)
    notes = [n for n, on in ((CGO_NOTE, cgo is None), (MAKE_NOTE, steps.driven_by_make)) if on]
    if after.smoke:
        notes.append(smoke_note(after.smoke))
    unsafe = bool(notes) or move.unsafe
    title = MAKE_TITLE if steps.driven_by_make else ""
    return Plan(edits, note="; ".join(notes + ([move.note] if move.note else [])),
                applicability="unsafe" if unsafe else "safe", title=title)


def goarm_fix(model: Model) -> list[Edit]:
    """XL207: `GOARM=${TARGETVARIANT#v}` on every Go cross build without GOARM (whole file), and
    `ARG TARGETVARIANT` where needed."""
    edits: list[Edit] = []
    first_in_stage: dict[int, tuple[Stage, Instruction]] = {}
    for stage, instr, cmd, comp in goarm_unset_builds(model):
        if instr.json:
            return []
        goarch_prefix = next((e for e in comp.inv.env if e.name == "GOARCH"), None)
        if goarch_prefix is not None:
            edits.append(Edit(goarch_prefix.span.end, goarch_prefix.span.end, f" GOARM={GOARM_VALUE}"))
        else:
            at = cmd.argv[0].span.start
            edits.append(Edit(at, at, f"GOARM={GOARM_VALUE} "))
        first_in_stage.setdefault(stage.index, (stage, instr))
    for stage, first in first_in_stage.values():
        arg = arg_edit(model, stage, first, ["TARGETVARIANT"])
        if arg is not None:
            edits.append(arg)
    return edits


def cgo_fix(model: Model, context: Path | None) -> tuple[list[Edit], str]:
    """XL208: `CGO_ENABLED=0` on every Go cross build without it (whole file), when the context's Go
    sources do not use cgo; else no edits and the reason."""
    cgo = go_uses_cgo(context)
    if cgo is None:
        return [], "the build context's Go files could not be read, so cgo use is unknown"
    if cgo:
        return [], "the Go sources use cgo: set `CGO_ENABLED=1` and use a C cross toolchain (tonistiigi/xx)"
    edits: list[Edit] = []
    for instr, cmd, comp in implicit_cgo_builds(model):
        if comp.inv.tool == "xx-go":
            return [], "`xx-go` is usually used for cgo builds: say which one you want"
        if instr.json:
            return [], "exec-form RUN"
        edits.append(Edit(cmd.span.start, cmd.span.start, "CGO_ENABLED=0 "))
    return edits, ""


_GO_VALUE_FLAGS = frozenset({"-o", "-ldflags", "-gcflags", "-asmflags", "-tags", "-p", "-mod", "-modfile", "-pkgdir",
                             "-buildmode", "-compiler", "-installsuffix", "-overlay", "-pgo", "-toolexec", "-gccgoflags",
                             "-covermode", "-coverpkg", "-buildvcs", "-C"})


def go_outputs(inv: Invocation, cwd: str | None, context: Path | None) -> list[str] | None:
    vals = inv.values()
    if any(w.value is None for w in inv.words[1:]):
        return None
    if vals[:1] != ["build"]:
        return None
    has_o, out = flag_arg(vals, ("-o", "--o"))
    if has_o:
        return [p] if out is not None and (p := resolve_path(cwd, out)) else None
    pkgs: list[str] = []
    i = 1
    while i < len(vals):
        v = vals[i]
        if v.startswith("-"):
            i += 2 if v in _GO_VALUE_FLAGS else 1
            continue
        pkgs.append(v)
        i += 1
    if len(pkgs) > 1 or any(p.endswith(".go") or "..." in p for p in pkgs):
        return None
    pkg = pkgs[0] if pkgs else "."
    name = go_module_name(context) if pkg in (".", "./") else posixpath.basename(pkg.rstrip("/"))
    if not name or not pkg.startswith((".", "/")) and pkgs:
        return None
    p = resolve_path(cwd, name)
    return [p] if p else None


def go_xx_steps(plan: XxPlan, mine: list[tuple[Instruction, SimpleCommand, Compile]]) -> Instruction | None | str:
    model, stage = plan.model, plan.stage
    first: Instruction | None = None
    for ins, c, comp in mine:
        if not comp.produces or comp.tool_install:
            continue
        word = comp.inv.words[0]
        if comp.label != "go build":
            return f"`{comp.label}` is not rewritten (use `go build -o`)"
        out = dash_o(comp.inv.values())
        if out is None:
            return "`go build` without -o: the output to verify is unknown"
        env = settings(model, stage, ins, c)
        prefix = "" if "CGO_ENABLED" in env else "CGO_ENABLED=1 "
        plan.edits.append(Edit(word.span.start, word.span.end, prefix + "xx-go"))
        plan.edits.append(Edit(c.span.end, c.span.end, verify_tail(plan, [f"xx-verify {out}"])))
        plan.verified.append(out)
        first = first or ins
    if first is None:
        return "no `go build` to rewrite"
    builds = [(ins, comp) for ins, _c, comp in mine if comp.produces and not comp.tool_install]
    after = _after_compile(model, stage, builds, None)
    if after.reason:
        return after.reason
    if after.smoke:
        # the cross build's program cannot run here either: the smoke test is kept to the native build
        plan.edits.extend(guard_edits(after.smoke))
        if stage.declaration("BUILDPLATFORM", before=first) is None:
            plan.after_arg.append("ARG BUILDPLATFORM")
        plan.notes.append(smoke_note(after.smoke))
    return first


# BEFORE/AFTER examples (run by tests/test_fix_recipes.py)
EXAMPLES: list[Example] = [
    Example(
        "builder",
        before="""\
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM alpine:3.20
COPY --from=build /out/app /usr/local/bin/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app ./cmd/app

FROM alpine:3.20
COPY --from=build /out/app /usr/local/bin/app
""",
    ),
    Example(
        "cgo-shared",
        before="""\
FROM golang:1.22-bookworm AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=1 go build -buildmode=c-shared -o /out/plugin.so ./plugin

FROM debian:bookworm-slim
COPY --from=build /out/plugin.so /usr/lib/plugin.so
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y clang lld
WORKDIR /src
COPY . .
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev
RUN CGO_ENABLED=1 xx-go build -buildmode=c-shared -o /out/plugin.so ./plugin \\
    && xx-verify /out/plugin.so

FROM debian:bookworm-slim
COPY --from=build /out/plugin.so /usr/lib/plugin.so
""",
    ),
    Example(
        "chain",
        before="""\
FROM golang:1.22 AS base
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download

FROM base AS build
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

FROM base AS test
COPY . .
RUN go test ./...

FROM alpine:3.20
COPY --from=build /out/app /app
""",
        after="""\
FROM golang:1.22 AS base
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download

FROM --platform=$BUILDPLATFORM golang:1.22 AS build-base
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download

FROM build-base AS build
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app ./cmd/app

FROM base AS test
COPY . .
RUN go test ./...

FROM alpine:3.20
COPY --from=build /out/app /app
""",
    ),
    Example(
        "gcc-unknown-cgo",
        before="""\
FROM golang:1.22-alpine AS build
RUN apk add --no-cache gcc musl-dev
WORKDIR /src
COPY . .
RUN go build -o /out/app ./cmd/app

FROM alpine:3.20
COPY --from=build /out/app /app
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM golang:1.22-alpine AS build
COPY --from=xx / /
RUN apk add --no-cache gcc musl-dev clang lld
WORKDIR /src
COPY . .
ARG TARGETPLATFORM
RUN xx-apk add --no-cache musl-dev gcc
RUN CGO_ENABLED=1 xx-go build -o /out/app ./cmd/app \\
    && xx-verify /out/app

FROM alpine:3.20
COPY --from=build /out/app /app
""",
    ),
    Example(
        "install-tools",
        before="""\
FROM golang:1.22 AS tools
RUN go install github.com/example/lint/cmd/lint@v1.2.0 \\
 && go install github.com/example/gen@v0.3.0 \\
 && gen --version

FROM debian:bookworm-slim
COPY --from=tools /go/bin/lint /usr/local/bin/lint
""",
        after="""\
FROM --platform=$BUILDPLATFORM golang:1.22 AS tools
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go install github.com/example/lint/cmd/lint@v1.2.0 \\
 && if [ -d "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}" ]; then mv "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}"/* "$(go env GOPATH)/bin/" && rmdir "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}"; fi \\
 && go install github.com/example/gen@v0.3.0 \\
 && gen --version

FROM debian:bookworm-slim
COPY --from=tools /go/bin/lint /usr/local/bin/lint
""",
    ),
    Example(
        "make-arch-var",
        before="""\
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN make build

FROM alpine:3.20
COPY --from=build /src/bin/app /usr/local/bin/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
WORKDIR /src
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH make ARCH=$TARGETARCH build

FROM alpine:3.20
COPY --from=build /src/bin/app /usr/local/bin/app
""",
        context={'go.mod': 'module example.com/app\n\ngo 1.22\n', 'main.go': 'package main\n\nfunc main() {}\n', 'Makefile': 'ARCH ?= amd64\nGOARCH = $(ARCH)\n\nbuild:\n\tCGO_ENABLED=0 GOARCH=$(GOARCH) go build -o bin/app .\n'},
    ),
    Example(
        "make-cgo-lib",
        before="""\
FROM golang:1.22-bookworm AS runc
RUN apt-get update && apt-get install -y libseccomp-dev
WORKDIR /src
COPY . .
RUN make runc

FROM debian:bookworm-slim
COPY --from=runc /src/runc /usr/local/bin/runc
""",
        reason="the stage installs `libseccomp-dev`, a C library for cgo: its Go build needs tonistiigi/xx (`xx-go`, or `xx-go --wrap` under make) with the target's library",
    ),
    Example(
        "make-probe",
        before="""\
FROM golang:1.22 AS build
RUN go env GOARCH > /goarch
WORKDIR /src
COPY . .
RUN make clean && GOARCH=$(cat /goarch) make build

FROM alpine:3.20
COPY --from=build /src/bin/app /usr/local/bin/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETOS TARGETARCH
RUN echo "$TARGETARCH" > /goarch
WORKDIR /src
COPY . .
RUN make clean && GOARCH=$TARGETARCH CGO_ENABLED=0 GOOS=$TARGETOS make build

FROM alpine:3.20
COPY --from=build /src/bin/app /usr/local/bin/app
""",
        context={'go.mod': 'module example.com/app\n\ngo 1.22\n', 'main.go': 'package main\n\nfunc main() {}\n'},
    ),
    Example(
        "protoc-plugin",
        before="""\
FROM golang:1.22 AS build
RUN apt-get update && apt-get install -y protobuf-compiler
RUN go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.34.0
WORKDIR /src
COPY . .
RUN protoc --go_out=. api/api.proto
RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server

FROM gcr.io/distroless/static
COPY --from=build /out/server /server
""",
        after="""\
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
RUN apt-get update && apt-get install -y protobuf-compiler
RUN go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.34.0
WORKDIR /src
COPY . .
RUN protoc --go_out=. api/api.proto
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/server ./cmd/server

FROM gcr.io/distroless/static
COPY --from=build /out/server /server
""",
    ),
    Example(
        "split-no-o",
        before="""\
FROM golang:1.22-alpine
WORKDIR /app
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -ldflags="-s -w"
EXPOSE 8080
CMD ["./server"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM golang:1.22-alpine AS build
WORKDIR /app
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /go-build-out/ -ldflags="-s -w"

FROM golang:1.22-alpine
WORKDIR /app
COPY go.mod go.sum ./
COPY . .
COPY --from=build /go-build-out/ /app/
EXPOSE 8080
CMD ["./server"]
""",
    ),
    Example(
        "split",
        before="""\
FROM golang:1.22-alpine
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /usr/local/bin/app .
CMD ["app"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM golang:1.22-alpine AS build
WORKDIR /src
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /usr/local/bin/app .

FROM golang:1.22-alpine
WORKDIR /src
COPY . .
COPY --from=build /usr/local/bin/app /usr/local/bin/app
CMD ["app"]
""",
    ),
    Example(
        "strip",
        before="""\
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app . && strip /out/app

FROM alpine:3.20
COPY --from=build /out/app /app
""",
        reason="`strip` after the compile is the build machine's and cannot read a binary built for the target (drop it: `-ldflags='-s -w'` strips a Go binary)",
    ),
    Example(
        "tools-image",
        before="""\
FROM golang:1.22-bookworm
ENV GOFLAGS=-mod=mod
RUN go install golang.org/x/tools/cmd/goimports@v0.20.0
RUN go install github.com/example/mockgen@v1.6.0 && rm -rf /go/pkg/mod
COPY build.sh /build.sh
ENTRYPOINT ["/build.sh"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS go-tools
ENV GOFLAGS=-mod=mod
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go install golang.org/x/tools/cmd/goimports@v0.20.0 \\
    && if [ -d "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}" ]; then mv "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}"/* "/go/bin/" && rmdir "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}"; fi
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go install github.com/example/mockgen@v1.6.0 \\
    && if [ -d "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}" ]; then mv "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}"/* "/go/bin/" && rmdir "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}"; fi && rm -rf /go/pkg/mod

FROM golang:1.22-bookworm
ENV GOFLAGS=-mod=mod
COPY --from=go-tools /go/bin/ /go/bin/
COPY build.sh /build.sh
ENTRYPOINT ["/build.sh"]
""",
    ),
    # an arch probe that picks the toolchain the stage runs (unpacked to /opt/go, on PATH, never copied
    # out) is right on the build machine: it stays; an import path keeps `go install` (it may be a library,
    # and `go build -o DIR/` fails on those), with its cross output moved up from bin/<os>_<arch>/
    Example(
        "host-toolchain-probe",
        before="""\
FROM alpine:3.20 AS build
WORKDIR /src
RUN case "$(uname -m)" in x86_64) A=amd64 ;; aarch64) A=arm64 ;; *) exit 1 ;; esac && \\
    wget -O /tmp/go.tgz "https://example.com/go/go-linux-$A.tgz" && \\
    mkdir -p /opt/go && tar -C /opt/go --strip-components=1 -xzf /tmp/go.tgz && rm /tmp/go.tgz
ENV GOPATH=/go PATH=/opt/go/bin:/go/bin:$PATH
COPY go.mod go.sum ./
RUN go install golang.org/x/example/lib/pkg
COPY . .
RUN go install -ldflags="-s -w" ./cmd/app

FROM alpine:3.20
COPY --from=build /go/bin/* /usr/local/bin/
""",
        after="""\
FROM --platform=$BUILDPLATFORM alpine:3.20 AS build
WORKDIR /src
RUN case "$(uname -m)" in x86_64) A=amd64 ;; aarch64) A=arm64 ;; *) exit 1 ;; esac && \\
    wget -O /tmp/go.tgz "https://example.com/go/go-linux-$A.tgz" && \\
    mkdir -p /opt/go && tar -C /opt/go --strip-components=1 -xzf /tmp/go.tgz && rm /tmp/go.tgz
ENV GOPATH=/go PATH=/opt/go/bin:/go/bin:$PATH
COPY go.mod go.sum ./
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go install golang.org/x/example/lib/pkg && \\
    if [ -d "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}" ]; then mv "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}"/* "$(go env GOPATH)/bin/" && rmdir "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}"; fi
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o $(go env GOPATH)/bin/ -ldflags="-s -w" ./cmd/app

FROM alpine:3.20
COPY --from=build /go/bin/* /usr/local/bin/
""",
    ),
    # the same probe when its download is copied into the image: it would ship the build machine's program
    Example(
        "probe-ships",
        before="""\
FROM alpine:3.20 AS build
WORKDIR /src
RUN case "$(uname -m)" in x86_64) A=amd64 ;; aarch64) A=arm64 ;; *) exit 1 ;; esac && \\
    wget -O /tmp/go.tgz "https://example.com/go/go-linux-$A.tgz" && \\
    mkdir -p /opt/go && tar -C /opt/go --strip-components=1 -xzf /tmp/go.tgz && rm /tmp/go.tgz
ENV GOPATH=/go PATH=/opt/go/bin:/go/bin:$PATH
COPY go.mod go.sum ./
RUN go install golang.org/x/example/lib/pkg
COPY . .
RUN go install -ldflags="-s -w" ./cmd/app

FROM alpine:3.20
COPY --from=build /go/bin/* /usr/local/bin/
COPY --from=build /opt/go/bin/gofmt /usr/local/bin/
""",
        reason=("stage 'FROM alpine:3.20' copies `/opt/go/bin/gofmt` from stage 'build', which installs it for the "
                "machine it runs on: on the build platform it would be the build machine's"),
    ),
    # GOBIN in the image: the tools stage clears it (a cross `go install` refuses it) and installs into
    # $GOPATH/bin, which the image copies to its GOBIN; the unnamed image stage's other finding stays the same
    # finding although the new stage renumbers it (stage-0 -> stage-1)
    Example(
        "tools-gobin",
        before="""\
FROM golang:1.22-bookworm
ENV GOBIN=/usr/local/bin
# the formatter the build script runs
RUN go install golang.org/x/tools/cmd/goimports@v0.20.0
RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu
ENTRYPOINT ["/build.sh"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS go-tools
ENV GOBIN=/usr/local/bin
ARG TARGETOS TARGETARCH
# the formatter the build script runs
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOBIN= go install golang.org/x/tools/cmd/goimports@v0.20.0 \\
    && if [ -d "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}" ]; then mv "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}"/* "/go/bin/" && rmdir "$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}"; fi

FROM golang:1.22-bookworm
ENV GOBIN=/usr/local/bin
COPY --from=go-tools /go/bin/ /usr/local/bin/
RUN apt-get update && apt-get install -y gcc-aarch64-linux-gnu
ENTRYPOINT ["/build.sh"]
""",
    ),
    # the image's base exists for amd64 only: splitting the build off leaves that base, and the arm64 build
    # still stops at its FROM; which multi-arch release to use instead is the user's choice
    Example(
        "split-amd64-only-base",
        before="""\
FROM golang:1.6
WORKDIR /go/src/app
COPY . .
RUN CGO_ENABLED=0 go build -o /usr/local/bin/app .
CMD ["app"]
""",
        reason="the image's base `golang:1.6` exists for amd64 only (Go images older than 1.8 predate multi-arch tags), so the linux/arm64 build stops at its FROM",
    ),
    Example(
        "script-amd64-only-base",
        before="""\
FROM ubuntu:12.04
RUN apt-get update && apt-get install -y golang
ADD . /opt/app
RUN cd /opt/app && ./build
ENTRYPOINT ["/opt/app/app"]
""",
        reason="the image's base `ubuntu:12.04` exists for amd64 only (Ubuntu's arm64 images start with 14.04), so the linux/arm64 build stops at its FROM",
    ),
    # a builder on such a base moves: on the build machine (amd64) the image exists, and Go >= 1.5
    # cross-compiles for arm64
    Example(
        "builder-amd64-only-base",
        before="""\
FROM golang:1.6 AS build
WORKDIR /go/src/app
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /app
""",
        after="""\
FROM --platform=$BUILDPLATFORM golang:1.6 AS build
WORKDIR /go/src/app
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /app
""",
    ),
    # the toolchain download was picked by the target's architecture, right while the stage ran there: on the
    # build machine the stage runs the build machine's toolchain (BUILDARCH)
    Example(
        "host-toolchain-targetarch",
        before="""\
FROM alpine:3.20 AS build
ARG TARGETARCH
RUN wget -O /tmp/go.tgz "https://example.com/go/go-linux-${TARGETARCH}.tgz" && \\
    tar -C /usr/local -xzf /tmp/go.tgz && rm /tmp/go.tgz
ENV PATH="/usr/local/go/bin:${PATH}"
WORKDIR /src
COPY . .
RUN go build -o /out/app ./cmd/app

FROM alpine:3.20
COPY --from=build /out/app /app
""",
        after="""\
FROM --platform=$BUILDPLATFORM alpine:3.20 AS build
ARG TARGETARCH TARGETOS BUILDARCH
RUN wget -O /tmp/go.tgz "https://example.com/go/go-linux-${BUILDARCH}.tgz" && \\
    tar -C /usr/local -xzf /tmp/go.tgz && rm /tmp/go.tgz
ENV PATH="/usr/local/go/bin:${PATH}"
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app ./cmd/app

FROM alpine:3.20
COPY --from=build /out/app /app
""",
    ),
    # ... unless the RUN writes other files too, which may be meant for the target
    Example(
        "host-toolchain-mixed",
        before="""\
FROM alpine:3.20 AS build
ARG TARGETARCH
RUN wget -O /tmp/go.tgz "https://example.com/go/go-linux-${TARGETARCH}.tgz" && \\
    tar -C /usr/local -xzf /tmp/go.tgz && rm /tmp/go.tgz && ./fetch-assets.sh "$TARGETARCH"
ENV PATH="/usr/local/go/bin:${PATH}"
WORKDIR /src
COPY . .
RUN go build -o /out/app ./cmd/app

FROM alpine:3.20
COPY --from=build /out/app /app
""",
        reason="a RUN picks the download of `/usr/local/go/bin`, a tool the stage runs, by the target's architecture, and writes other files too",
    ),
    Example(
        "smoke-test",  # the check runs where the program can run: the build whose target is the build platform
        before="""\
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app . && /out/app --version && echo built
RUN /out/app selftest

FROM alpine:3.20
COPY --from=build /out/app /usr/local/bin/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
WORKDIR /src
COPY . .
ARG TARGETOS TARGETARCH TARGETPLATFORM BUILDPLATFORM
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app . && if [ "$TARGETPLATFORM" = "$BUILDPLATFORM" ]; then /out/app --version; fi && echo built
RUN if [ "$TARGETPLATFORM" = "$BUILDPLATFORM" ]; then /out/app selftest; fi

FROM alpine:3.20
COPY --from=build /out/app /usr/local/bin/app
""",
        context={'go.mod': 'module example.com/app\n\ngo 1.22\n', 'main.go': 'package main\n\nfunc main() {}\n'},
    ),
    Example(
        "smoke-output",  # the run writes a file the image needs: not a test
        before="""\
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app . \\
 && /out/app completion bash > /out/app.bash

FROM alpine:3.20
COPY --from=build /out/app /out/app.bash /usr/local/bin/
""",
        reason="`/out/app` runs the program just built, which is built for the target, on the build machine, and it writes `/out/app.bash`",
        context={'go.mod': 'module example.com/app\n\ngo 1.22\n', 'main.go': 'package main\n\nfunc main() {}\n'},
    ),
    # a program the builder installs for itself (tini) and the image copies: the builder stays, or the image would
    # get the build machine's tini
    Example(
        "installed-program-copied",
        before="""\
FROM golang:1.22-alpine AS build
RUN apk add --no-cache tini
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM scratch
COPY --from=build /sbin/tini /tini
COPY --from=build /out/app /app
ENTRYPOINT ["/tini", "--", "/app"]
""",
        reason=("stage 'FROM scratch' copies `/sbin/tini` from stage 'build', which installs it for the machine it "
                "runs on: on the build platform it would be the build machine's"),
    ),
    # the same from the chain's root: the root stays on the target for the image's copy, and a new root on the
    # build platform replays its setup for the builder
    Example(
        "root-program-copied",
        before="""\
FROM golang:1.22-bookworm AS base
RUN apt-get update && apt-get install -y --no-install-recommends tini
WORKDIR /src

FROM base AS build
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM debian:bookworm-slim
COPY --from=base /usr/bin/tini /usr/bin/tini
COPY --from=build /out/app /usr/local/bin/app
ENTRYPOINT ["/usr/bin/tini", "--", "app"]
""",
        after="""\
FROM golang:1.22-bookworm AS base
RUN apt-get update && apt-get install -y --no-install-recommends tini
WORKDIR /src

FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS build-base
RUN apt-get update && apt-get install -y --no-install-recommends tini
WORKDIR /src

FROM build-base AS build
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM debian:bookworm-slim
COPY --from=base /usr/bin/tini /usr/bin/tini
COPY --from=build /out/app /usr/local/bin/app
ENTRYPOINT ["/usr/bin/tini", "--", "app"]
""",
    ),
    # a tool the stage runs, saved straight into a folder of the default PATH and picked by $TARGETARCH: on the
    # build platform it must be the build machine's
    Example(
        "tool-on-default-path",
        before="""\
FROM golang:1.22 AS build
ARG TARGETARCH
RUN curl -fsSL -o /usr/local/bin/lint https://example.com/lint-linux-${TARGETARCH} && chmod +x /usr/local/bin/lint
WORKDIR /src
COPY . .
RUN lint ./... && CGO_ENABLED=0 go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /app
""",
        after="""\
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETARCH TARGETOS BUILDARCH
RUN curl -fsSL -o /usr/local/bin/lint https://example.com/lint-linux-${BUILDARCH} && chmod +x /usr/local/bin/lint
WORKDIR /src
COPY . .
RUN lint ./... && CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /app
""",
    ),
    # the same picked by `go env GOARCH`: on the build platform that already names the build machine's arch,
    # so the probe stays as it is
    Example(
        "tool-by-go-env",
        before="""\
FROM golang:1.22 AS build
RUN curl -fsSL -o /usr/local/bin/task "https://example.com/task_linux_$(go env GOARCH)" && chmod +x /usr/local/bin/task
WORKDIR /src
COPY . .
RUN task generate && CGO_ENABLED=0 go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /app
""",
        after="""\
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
RUN curl -fsSL -o /usr/local/bin/task "https://example.com/task_linux_$(go env GOARCH)" && chmod +x /usr/local/bin/task
WORKDIR /src
COPY . .
ARG TARGETOS TARGETARCH
RUN task generate && CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /app
""",
    ),
    # make builds a generator and runs it: with GOOS/GOARCH for the target in make's environment the generator
    # would be an arm64 program on the build machine
    Example(
        "make-runs-own-tool",
        before="""\
FROM golang:1.22-alpine AS build
RUN apk add --no-cache make
WORKDIR /src
COPY . .
RUN make all

FROM alpine:3.20
COPY --from=build /src/bin/server /server
""",
        context={"Makefile": "all: gen server\ngen:\n\tgo build -o bin/gen ./tools/gen\n\t./bin/gen -o gen.go\n"
                             "server:\n\tCGO_ENABLED=0 go build -o bin/server ./cmd/server\n",
                 "go.mod": "module example.com/app\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() {}\n"},
        reason=("the Makefile builds and runs a Go program of its own (`./bin/gen -o gen.go`): with GOOS/GOARCH for "
                "the target in make's environment it would be built for the target and could not run (set them on "
                "the make target that builds the shipped binary alone)"),
    ),
]
