"""Recipe: Go. The builder on the build platform with GOOS/GOARCH (GOARM) from the target, `go install`
rewritten to `go build -o` into the same place, CGO_ENABLED=0 when the context's sources need no cgo,
else tonistiigi/xx `xx-go` with the target's C toolchain (XL101, XL207, XL208).
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from xlint.diagnostics import Edit
from xlint.fixes.outputs import dash_o, flag_arg, resolve_path
from xlint.fixes.plan import Example, Plan, no_fix
from xlint.fixes.stages import builder_reason
from xlint.fixes.style import add_platform_flag, arg_edit
from xlint.fixes.xx import XxPlan, verify_tail, xx_rewrite
from xlint.model import Model, Stage
from xlint.shell import SimpleCommand
from xlint.syntax.tree import Instruction
from xlint.toolchains import (
    Compile,
    Invocation,
    Setting,
    classify,
    goarm_unset_builds,
    implicit_cgo_builds,
    settings,
    stage_commands,
)

GOARM_VALUE = "${TARGETVARIANT#v}"


_CGO_IMPORT = re.compile(r'(?m)^\s*import\s+"C"\s*(?://.*)?$|^\s*import\s*\(\s*"C"\s*\)')


# modules that need cgo to work (their pure-Go fallback is a stub that fails at run time)
_CGO_MODULES = ("github.com/mattn/go-sqlite3", "github.com/confluentinc/confluent-kafka-go",
                "github.com/libgit2/git2go", "github.com/google/gopacket/pcap", "github.com/tecbot/gorocksdb",
                "github.com/linxGnu/grocksdb", "github.com/DataDog/zstd", "github.com/go-gl/glfw",
                "github.com/miekg/pkcs11", "github.com/ceph/go-ceph")


_SKIP_DIRS = frozenset({".git", "node_modules", "testdata", ".hg", ".svn"})


_MAX_FILES = 5000


def go_uses_cgo(context: Path | None) -> bool | None:
    """True when the Go sources of the build context use cgo (``import "C"`` in a non-test ``.go`` file,
    or a go.mod requiring a module known to need cgo); False when they can be read and do not; None
    when the context is unknown or holds no Go files."""
    if context is None:
        return None
    return _cgo_in(str(context))


@lru_cache(maxsize=64)
def _cgo_in(root: str) -> bool | None:
    seen = 0
    found_go = False
    try:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
            for name in filenames:
                if name == "go.mod":
                    text = _read(os.path.join(dirpath, name))
                    if text is None:
                        return None
                    if any(m in text for m in _CGO_MODULES):
                        return True
                if not name.endswith(".go") or name.endswith("_test.go"):
                    continue
                seen += 1
                if seen > _MAX_FILES:
                    return None
                text = _read(os.path.join(dirpath, name))
                if text is None:
                    return None
                found_go = True
                if _CGO_IMPORT.search(text):
                    return True
    except OSError:
        return None
    return False if found_go else None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def _go_module_name(context: Path | None) -> str | None:
    """Last element of the context's module path (the default name of `go build`'s output)."""
    if context is None:
        return None
    text = _read(str(context / "go.mod"))
    if text is None:
        return None
    m = re.search(r"(?m)^\s*module\s+\"?([^\s\"]+)", text)
    if m is None:
        return None
    parts = m.group(1).rstrip("/").split("/")
    if len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]):
        parts.pop()
    return parts[-1] or None


def _needs_arm(model: Model) -> bool:
    return any(t[1] == "arm" for t in model.targets)


def _is_set(env: dict[str, Setting], name: str) -> bool:
    return name in env and env[name].raw != ""


@dataclass
class _GoEdits:
    edits: list[Edit]
    arg_names: list[str]
    reason: str = ""


def go_command_edits(model: Model, stage: Stage, instr: Instruction, comp: Compile, cgo: bool | None
                      ) -> _GoEdits:
    """Cross settings for one Go compile (prefix assignments) and the `go install` rewrite."""
    cmd = comp.inv.cmd
    env = settings(model, stage, instr, cmd)
    words: list[str] = []
    names: list[str] = []
    if not _is_set(env, "CGO_ENABLED") and cgo is False:
        words.append("CGO_ENABLED=0")
    if not _is_set(env, "GOOS"):
        words.append("GOOS=$TARGETOS")
        names.append("TARGETOS")
    if not _is_set(env, "GOARCH"):
        words.append("GOARCH=$TARGETARCH")
        names.append("TARGETARCH")
    if _needs_arm(model) and not _is_set(env, "GOARM"):
        words.append(f"GOARM={GOARM_VALUE}")
        names.append("TARGETVARIANT")
    edits: list[Edit] = []
    if words:
        at = cmd.argv[0].span.start
        edits.append(Edit(at, at, " ".join(words) + " "))
    if comp.label.endswith(" install"):
        sub = next((w for w in comp.inv.words[1:] if w.value == "install"), None)
        if sub is None:
            return _GoEdits([], [], "`go install` could not be rewritten")
        gobin = env.get("GOBIN")
        out = f"{gobin.value}/" if gobin is not None and gobin.value else "$(go env GOPATH)/bin/"
        if gobin is not None and not gobin.value:
            return _GoEdits([], [], "`go install` with a dynamic GOBIN")
        # cross-compiled `go install` writes to $GOPATH/bin/linux_<arch>/: build into the same place
        edits.append(Edit(sub.span.start, sub.span.end, f"build -o {out}"))
    return _GoEdits(edits, names)


def go_compiles(model: Model, stage: Stage, toolchains: frozenset[str] = frozenset({"go"})
                 ) -> tuple[list[tuple[Instruction, Compile]], str]:
    """The stage's Go compiles that need target settings, or why the stage cannot be fixed."""
    out: list[tuple[Instruction, Compile]] = []
    for instr, cmd in stage_commands(model, stage):
        comp = classify(cmd)
        if comp is None:
            continue
        if comp.toolchain not in toolchains:
            return [], f"the stage also runs `{comp.label}`"
        if comp.tool_install or not comp.produces:
            continue  # tools for the builder itself and tests run fine on the build platform
        if comp.inv.tool == "xx-go":
            continue
        if instr.json:
            return [], f"`{comp.label}` is in an exec-form RUN"
        env = settings(model, stage, instr, cmd)
        cgo = env.get("CGO_ENABLED")
        if cgo is not None and cgo.value != "0":
            return [], ("cgo is enabled: a cross build needs a C cross toolchain "
                        "(needs xx: tonistiigi/xx `xx-go`)")
        if any(a == "-C" or a.startswith("-C=") for a in comp.inv.values()):
            return [], "`go -C` changes directory"
        out.append((instr, comp))
    return out, ""


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


CGO_NOTE = "CGO_ENABLED left as is: the build context's Go files could not be read"


def go_builder_plan(model: Model, stage: Stage, context: Path | None) -> Plan:
    """XL101 safe fix: the Go builder on the build platform, cross-compiling for the target."""
    reason = builder_reason(model, stage)
    if reason:
        return no_fix(reason)
    compiles, reason = go_compiles(model, stage)
    if reason:
        return no_fix(reason)
    if not compiles:
        return no_fix("no Go compile to give target settings to")
    cgo, reason = cgo_state(model, compiles, stage, context)
    if cgo is True:
        # cgo needs the target's C toolchain: the tonistiigi/xx rewrite (structural, so unsafe)
        xx = xx_rewrite(model, stage, "go-cgo", context)
        if xx.edits:
            return Plan(list(xx.edits), applicability="unsafe",
                        title="Rewrite the builder to cross-compile cgo with tonistiigi/xx (`xx-go`, `xx-verify`)")
        return no_fix(f"{reason}; {xx.reason}" if xx.reason else reason)
    if reason:
        return no_fix(reason)
    flag = add_platform_flag(model.tree, stage)
    edits: list[Edit] = [flag] if flag is not None else []
    names: list[str] = []
    for instr, comp in compiles:
        got = go_command_edits(model, stage, instr, comp, cgo)
        if got.reason:
            return no_fix(got.reason)
        edits.extend(got.edits)
        names.extend(n for n in got.arg_names if n not in names)
    ordered = [n for n in ("TARGETOS", "TARGETARCH", "TARGETVARIANT") if n in names]
    arg = arg_edit(model, stage, compiles[0][0], ordered)
    if arg is not None:
        edits.append(arg)
    return Plan(edits, note=CGO_NOTE if cgo is None else "")


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
    name = _go_module_name(context) if pkg in (".", "./") else posixpath.basename(pkg.rstrip("/"))
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
]
