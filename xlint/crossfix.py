"""Fixes that move emulated builds to cross-compiling builder stages (XL101, XL104-XL106, XL109,
XL207, XL208).

Each ``*_plan`` function looks at one stage and returns a :class:`Plan`: the edits of a fix (for the
whole stage, so that every finding of the stage is fixed at once and a second run finds nothing), or
the reason why no fix is offered. Edits follow the file's style (:mod:`xlint.edits`).

- A *builder* is a stage whose files reach the final image only through ``COPY --from`` or
  ``RUN --mount=from`` (it is not the final stage and no stage is built ``FROM`` it). Moving it to
  ``--platform=$BUILDPLATFORM`` changes where it runs, not what the final image holds, as long as its
  output is arch-independent (jars, bundled assets, sites) or built with the toolchain's cross settings
  (Go ``GOOS``/``GOARCH``, .NET ``-a``).
- The *split* (unsafe) turns a final stage that compiles into a builder on the build platform plus the
  final stage, which copies the compile's outputs from it.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xlint.contextfiles import memoized, read_text, walk
from xlint.diagnostics import Applicability, Edit
from xlint.edits import add_platform_flag, keyword
from xlint.model import TARGET_ARGS, Model, Stage
from xlint.rule import Context, Rule
from xlint.shell import SimpleCommand, run_commands
from xlint.syntax.tree import Comment, Dockerfile, Instruction
from xlint.toolchains import (
    Compile,
    Invocation,
    Setting,
    Toolchain,
    classify,
    emulated_compiles,
    emulated_platforms,
    goarm_unset_builds,
    implicit_cgo_builds,
    invocation,
    package_manager_install,
    settings,
    stage_commands,
)

__all__ = [
    "Plan",
    "builder_reason",
    "cgo_fix",
    "dotnet_builder_plan",
    "go_builder_plan",
    "go_uses_cgo",
    "goarm_fix",
    "platform_only_plan",
    "report_emulated",
    "split_plan",
    "stage_plan",
]

GOARM_VALUE = "${TARGETVARIANT#v}"


@dataclass
class Plan:
    """A fix for a stage (``edits``), or why there is none (``reason``)."""

    edits: list[Edit] = field(default_factory=list)
    reason: str = ""
    note: str = ""  # a caveat of the fix, shown in its title
    applicability: Applicability = "safe"
    title: str = ""  # overrides the rule's fix title

    @property
    def ok(self) -> bool:
        return bool(self.edits)


def _no(reason: str) -> Plan:
    return Plan(reason=reason)


# -------------------------------------------------------------------------------------------------
# cgo in the build context


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


@memoized(maxsize=64)
def _cgo_in(root: str) -> bool | None:
    seen = 0
    found_go = False
    try:
        for dirpath, dirnames, filenames in walk(root):
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
    return read_text(path)


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


# -------------------------------------------------------------------------------------------------
# Stage shape


def builder_reason(model: Model, stage: Stage) -> str | None:
    """Why ``stage`` is not a builder that can move to the build platform, or None when it is."""
    if model.target is not None and stage.index == model.target.index:
        return "the compile is in the final stage (an unsafe fix splits it into a builder stage)"
    if stage.base_stage is not None:
        base = model.stages[stage.base_stage]
        return (f"the stage is built on stage '{base.label}' and takes its platform from there: "
                f"put `--platform=$BUILDPLATFORM` on that stage")
    for edge in model.users(stage.index):
        if edge.kind == "base":
            user = model.stages[edge.target]
            return f"stage '{user.label}' is built FROM it and would move to the build platform too"
    if stage.platform.kind != "target":
        return "the stage has a constant or unknown --platform"
    return None


def _copy_sources(model: Model, stage: Stage) -> list[str] | None:
    """The paths other stages copy from ``stage`` (None when a RUN mounts it: what it reads is unknown)."""
    out: list[str] = []
    for edge in model.users(stage.index):
        if edge.kind == "mount":
            return None
        if edge.kind == "copy":
            out.extend(a.value for a in edge.instruction.args[:-1])
    return out


_ASSET_DIRS = frozenset({"dist", "build", "public", "out", "static", "_site", "site", "www", "html",
                         "storybook-static", "assets"})
_SYSTEM_DIRS = frozenset({"usr", "bin", "sbin", "lib", "lib64", "opt", "etc", "nix"})


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


def _arch_specific_copy(sources: Iterable[str]) -> str | None:
    for src in sources:
        parts = _parts(src)
        if "node_modules" in parts:
            return f"`{src}` (node_modules) is copied into the runtime image: native modules would be the wrong arch"
        if not parts or parts[0] in _SYSTEM_DIRS or ("go" in parts[:1] and "bin" in parts):
            return f"`{src}` copied from the builder may hold arch-specific files"
    return None


# -------------------------------------------------------------------------------------------------
# Small edit helpers


def _needs_arm(model: Model) -> bool:
    return any(t[1] == "arm" for t in model.targets)


def _line_start(tree: Dockerfile, instr: Instruction) -> int:
    return tree.offset(instr.start_line, 1)


def _block_start(tree: Dockerfile, instr: Instruction) -> int:
    """Start of the comment lines directly above ``instr`` (they describe it; pragmas apply to it)."""
    start = _line_start(tree, instr)
    children = tree.children
    idx = next((i for i, c in enumerate(children) if c is instr), None)
    if idx is None:
        return start
    i = idx - 1
    while i >= 0 and isinstance(children[i], Comment):
        start = children[i].span.start
        i -= 1
    return start


def _indent_of(tree: Dockerfile, instr: Instruction) -> str:
    start = _line_start(tree, instr)
    end = start
    while end < len(tree.text) and tree.text[end] in " \t":
        end += 1
    return tree.text[start:end]


def _arg_edit(model: Model, stage: Stage, before: Instruction, names: Sequence[str]) -> Edit | None:
    """Declare ``names`` in ``stage`` for ``before``: appended to an ARG line of the stage that already
    declares TARGET* ARGs (before ``before``), else a new ARG line just above ``before``."""
    tree = model.tree
    missing = [n for n in names if stage.declaration(n, before=before) is None]
    if not missing:
        return None
    for ins in reversed(stage.instructions):
        if ins.span.start >= before.span.start or ins.keyword != "ARG" or not ins.args:
            continue
        if any(a.value.partition("=")[0] in TARGET_ARGS for a in ins.args):
            end = ins.args[-1].span.end
            return Edit(end, end, " " + " ".join(missing))
    at = _block_start(tree, before)
    text = f"{_indent_of(tree, before)}{keyword(tree, before, 'ARG')} {' '.join(missing)}{tree.newline}"
    return Edit(at, at, text)


def _is_set(env: dict[str, Setting], name: str) -> bool:
    return name in env and env[name].raw != ""


# -------------------------------------------------------------------------------------------------
# Go


@dataclass
class _GoEdits:
    edits: list[Edit]
    arg_names: list[str]
    reason: str = ""


def _go_command_edits(model: Model, stage: Stage, instr: Instruction, comp: Compile, cgo: bool | None
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


def _go_compiles(model: Model, stage: Stage, toolchains: frozenset[str] = frozenset({"go"})
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


def _cgo_state(model: Model, compiles: list[tuple[Instruction, Compile]], stage: Stage,
               context: Path | None) -> tuple[bool | None, str]:
    """(cgo use, reason not to fix). Explicit CGO_ENABLED=0 on every compile makes the context moot."""
    if all(_is_set(settings(model, stage, i, c.inv.cmd), "CGO_ENABLED") for i, c in compiles):
        return False, ""
    cgo = go_uses_cgo(context)
    if cgo:
        return True, ("the Go sources use cgo (`import \"C\"` or a cgo module): needs xx "
                      "(tonistiigi/xx `xx-go` and the target's C toolchain)")
    return cgo, ""


_CGO_NOTE = "CGO_ENABLED left as is: the build context's Go files could not be read"


def go_builder_plan(model: Model, stage: Stage, context: Path | None) -> Plan:
    """XL101 safe fix: the Go builder on the build platform, cross-compiling for the target."""
    reason = builder_reason(model, stage)
    if reason:
        return _no(reason)
    compiles, reason = _go_compiles(model, stage)
    if reason:
        return _no(reason)
    if not compiles:
        return _no("no Go compile to give target settings to")
    cgo, reason = _cgo_state(model, compiles, stage, context)
    if cgo is True:
        # cgo needs the target's C toolchain: the tonistiigi/xx rewrite (structural, so unsafe)
        from xlint.fixes_xx import xx_rewrite

        xx = xx_rewrite(model, stage, "go-cgo", context)
        if xx.edits:
            return Plan(list(xx.edits), applicability="unsafe",
                        title="Rewrite the builder to cross-compile cgo with tonistiigi/xx (`xx-go`, `xx-verify`)")
        return _no(f"{reason}; {xx.reason}" if xx.reason else reason)
    if reason:
        return _no(reason)
    flag = add_platform_flag(model.tree, stage)
    edits: list[Edit] = [flag] if flag is not None else []
    names: list[str] = []
    for instr, comp in compiles:
        got = _go_command_edits(model, stage, instr, comp, cgo)
        if got.reason:
            return _no(got.reason)
        edits.extend(got.edits)
        names.extend(n for n in got.arg_names if n not in names)
    ordered = [n for n in ("TARGETOS", "TARGETARCH", "TARGETVARIANT") if n in names]
    arg = _arg_edit(model, stage, compiles[0][0], ordered)
    if arg is not None:
        edits.append(arg)
    return Plan(edits, note=_CGO_NOTE if cgo is None else "")


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
        arg = _arg_edit(model, stage, first, ["TARGETVARIANT"])
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


# -------------------------------------------------------------------------------------------------
# Arch-independent outputs: JVM, Node assets, static sites


_JVM_NATIVE = frozenset({"jlink", "native-image", "jpackage"})


def _jvm_reason(model: Model, stage: Stage) -> str | None:
    for _instr, cmd in stage_commands(model, stage):
        inv = invocation(cmd)
        if inv is None:
            continue
        vals = inv.values()
        if inv.tool in _JVM_NATIVE:
            return f"the stage runs `{inv.tool}`: its output is arch-specific"
        if inv.tool == "javac" and any(v == "-h" for v in vals):
            return "the stage builds JNI headers (`javac -h`): native code is arch-specific"
        if any(v in ("-Pnative", "nativeCompile", "nativeBuild") or v.startswith("-Pnative") for v in vals):
            return "the stage runs a GraalVM native build: it cannot cross-compile"
    return None


def platform_only_plan(model: Model, stage: Stage, toolchain: Toolchain) -> Plan:
    """XL104/XL105/XL109 safe fix: `--platform=$BUILDPLATFORM` on a builder whose output is
    arch-independent."""
    reason = builder_reason(model, stage)
    if reason:
        return _no(reason)
    for _instr, cmd in stage_commands(model, stage):
        comp = classify(cmd)
        if comp is not None and comp.toolchain in ("go", "rust", "c", "dotnet"):
            return _no(f"the stage also runs `{comp.label}`, whose output is arch-specific")
    if toolchain == "jvm":
        reason = _jvm_reason(model, stage)
        if reason:
            return _no(reason)
    sources = _copy_sources(model, stage)
    if sources is None:
        return _no("a RUN mounts the builder: what it reads from it is unknown")
    reason = _arch_specific_copy(sources)
    if reason:
        return _no(reason)
    if toolchain == "node":
        unknown = [s for s in sources if not set(_parts(s)) & _ASSET_DIRS and not s.endswith(".js")]
        if unknown:
            return _no(f"`{unknown[0]}` copied from the builder is not a known asset folder (dist/, build/...)")
    flag = add_platform_flag(model.tree, stage)
    return Plan([flag]) if flag is not None else _no("the stage is already on the build platform")


# -------------------------------------------------------------------------------------------------
# .NET

_RID = re.compile(r"^linux-(musl-)?(x64|arm64|arm|x86|s390x|ppc64le|riscv64|loongarch64)$")
_DOTNET_NEEDS_ARCH = ("dotnet restore", "dotnet build", "dotnet publish")


def _rid_edit(start: int, end: int, rid: str) -> tuple[list[Edit], bool, str]:
    m = _RID.match(rid)
    if m is None:
        return [], False, f"the runtime identifier `{rid}` is not a Linux one"
    new = ("--os linux-musl " if m.group(1) else "") + "-a $TARGETARCH"
    return [Edit(start, end, new)], True, ""


def _dotnet_command_edits(comp: Compile) -> tuple[list[Edit], bool, str]:
    """Edits giving one restore/build/publish `-a $TARGETARCH`: (edits, uses TARGETARCH, reason)."""
    words = comp.inv.words
    for i, w in enumerate(words[1:], 1):
        v = w.value if w.value is not None else w.raw
        if v in ("-a", "--arch") or v.startswith(("-a=", "-a:", "--arch=", "--arch:")) or (
                v.startswith("-a") and len(v) > 2 and not v.startswith("--")):
            return [], False, ""  # already targeted (or a constant arch, kept as it is)
        if v in ("-r", "--runtime"):
            if i + 1 >= len(words):
                return [], False, f"`{v}` without a value"
            nxt = words[i + 1]
            if nxt.value is None:
                if "TARGET" in nxt.raw:
                    return [], False, ""
                return [], False, f"`{v} {nxt.raw}` is dynamic"
            return _rid_edit(w.span.start, nxt.span.end, nxt.value)
        rid: str | None = None
        for prefix in ("-r=", "-r:", "--runtime=", "--runtime:"):
            if v.startswith(prefix):
                rid = v[len(prefix):]
        if rid is None and v.startswith("-r") and len(v) > 2 and not v.startswith("--"):
            rid = v[2:]
        if rid is None:
            continue
        if w.value is None:
            if "TARGET" in w.raw:
                return [], False, ""
            return [], False, f"`{w.raw}` is dynamic"
        return _rid_edit(w.span.start, w.span.end, rid)
    for v in comp.inv.values():
        low = v.lower()
        if "runtimeidentifier" in low or "platformtarget" in low:
            return [], False, f"`{v}` sets the runtime"
    sub = next((w for w in words[1:] if w.value in ("restore", "build", "publish")), None)
    if sub is None:
        return [], False, "the dotnet subcommand is dynamic"
    return [Edit(sub.span.end, sub.span.end, " -a $TARGETARCH")], True, ""


def dotnet_builder_plan(model: Model, stage: Stage) -> Plan:
    """XL106 safe fix: SDK stage on the build platform, `ARG TARGETARCH`, `-a $TARGETARCH`."""
    reason = builder_reason(model, stage)
    if reason:
        return _no(reason)
    edits, first, reason = _dotnet_stage_edits(model, stage)
    if reason:
        return _no(reason)
    flag = add_platform_flag(model.tree, stage)
    if flag is not None:
        edits.append(flag)
    if first is not None:
        arg = _arg_edit(model, stage, first, ["TARGETARCH"])
        if arg is not None:
            edits.append(arg)
    return Plan(edits)


def _dotnet_stage_edits(model: Model, stage: Stage) -> tuple[list[Edit], Instruction | None, str]:
    edits: list[Edit] = []
    first: Instruction | None = None
    for instr, cmd in stage_commands(model, stage):
        comp = classify(cmd)
        if comp is None:
            continue
        if comp.toolchain not in ("dotnet", "node"):
            return [], None, f"the stage also runs `{comp.label}`"
        if comp.toolchain != "dotnet" or comp.label not in _DOTNET_NEEDS_ARCH:
            continue
        if instr.json:
            return [], None, f"`{comp.label}` is in an exec-form RUN"
        got, uses, reason = _dotnet_command_edits(comp)
        if reason:
            return [], None, reason
        edits.extend(got)
        if uses and first is None:
            first = instr
    return edits, first, ""


# -------------------------------------------------------------------------------------------------
# The single-stage split (unsafe)

_HELPERS = frozenset({"cd", "mkdir", "true", "set", ":"})
_DEP_DOWNLOADS: dict[str, tuple[str, ...]] = {
    "go": ("go mod download", "go mod verify", "go mod tidy"),
    "jvm": ("dependency:go-offline", "dependency:resolve", "dependencies", "update"),
    "dotnet": ("dotnet restore",),
}


def _is_dep_download(toolchain: Toolchain, cmd: SimpleCommand) -> bool:
    inv = invocation(cmd)
    if inv is None:
        return False
    vals = inv.values()
    if toolchain == "go":
        return inv.tool == "go" and len(vals) >= 2 and vals[0] == "mod" and vals[1] in ("download", "verify")
    if toolchain == "jvm":
        return inv.tool in ("mvn", "mvnw", "gradle", "gradlew") and any(
            v.startswith("dependency:") or v == "dependencies" for v in vals)
    if toolchain == "dotnet":
        comp = classify(cmd)
        return comp is not None and comp.label == "dotnet restore"
    return False


def _run_is(instr: Instruction, pred: _Pred) -> bool:
    cmds = run_commands(instr)
    return bool(cmds) and all(pred(c) for c in cmds)


class _Pred:
    def __init__(self, toolchain: Toolchain, kind: str) -> None:
        self.toolchain = toolchain
        self.kind = kind

    def __call__(self, cmd: SimpleCommand) -> bool:
        if self.kind == "dl":
            return _is_dep_download(self.toolchain, cmd) or cmd.basename in _HELPERS
        # system setup: package managers and their cleanup
        if package_manager_install(cmd) is not None:
            return True
        return cmd.basename in ("apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "rm", "update-ca-certificates")


def _resolve(cwd: str | None, path: str) -> str | None:
    if path.startswith("/"):
        return posixpath.normpath(path) + ("/" if path.endswith("/") and path != "/" else "")
    if cwd is None:
        return None
    return posixpath.normpath(posixpath.join(cwd, path)) + ("/" if path.endswith("/") else "")


def _workdir(model: Model, stage: Stage, before: Instruction) -> str | None:
    """The working directory at ``before`` (None when unknown: the base image's own WORKDIR)."""
    cwd: str | None = None
    for ins in stage.instructions:
        if ins.span.start >= before.span.start:
            break
        if ins.keyword == "WORKDIR" and ins.args:
            value = model.expand(ins.args[0].value, stage, ins)
            cwd = _resolve(cwd, value) if value is not None else None
            if cwd is not None:
                cwd = cwd.rstrip("/") or "/"
    return cwd


_GO_VALUE_FLAGS = frozenset({"-o", "-ldflags", "-gcflags", "-asmflags", "-tags", "-p", "-mod", "-modfile", "-pkgdir",
                             "-buildmode", "-compiler", "-installsuffix", "-overlay", "-pgo", "-toolexec", "-gccgoflags",
                             "-covermode", "-coverpkg", "-buildvcs", "-C"})


def _flag_arg(vals: list[str], names: Iterable[str]) -> tuple[bool, str | None]:
    """(present, value) of a flag given as `-o X`, `-o=X` or `--o=X`."""
    names = tuple(names)
    for i, v in enumerate(vals):
        for n in names:
            if v == n:
                return True, vals[i + 1] if i + 1 < len(vals) else None
            if v.startswith(n + "="):
                return True, v[len(n) + 1:]
    return False, None


def _go_outputs(inv: Invocation, cwd: str | None, context: Path | None) -> list[str] | None:
    vals = inv.values()
    if any(w.value is None for w in inv.words[1:]):
        return None
    if vals[:1] != ["build"]:
        return None
    has_o, out = _flag_arg(vals, ("-o", "--o"))
    if has_o:
        return [p] if out is not None and (p := _resolve(cwd, out)) else None
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
    p = _resolve(cwd, name)
    return [p] if p else None


def _jvm_outputs(inv: Invocation, cwd: str | None) -> list[str] | None:
    vals = inv.values()
    if inv.tool in ("mvn", "mvnw"):
        has_f, f = _flag_arg(vals, ("-f", "--file"))
        base: str | None = cwd
        if has_f:
            if f is None:
                return None
            base = _resolve(cwd, f if not f.endswith(".xml") else posixpath.dirname(f) or ".")
        p = _resolve(base, "target") if base else None
        return [p] if p else None
    if inv.tool in ("gradle", "gradlew"):
        has_p, pdir = _flag_arg(vals, ("-p", "--project-dir"))
        gbase = _resolve(cwd, pdir) if has_p and pdir else (cwd if not has_p else None)
        p = _resolve(gbase, "build") if gbase else None
        return [p] if p else None
    if inv.tool == "javac":
        has_d, d = _flag_arg(vals, ("-d",))
        p = _resolve(cwd, d) if has_d and d else None
        return [p] if p else None
    return None


def _dotnet_outputs(inv: Invocation, cwd: str | None) -> list[str] | None:
    has_o, out = _flag_arg(inv.values(), ("-o", "--output"))
    if not has_o or out is None:
        return None
    p = _resolve(cwd, out)
    return [p] if p else None


def _site_outputs(inv: Invocation, cwd: str | None) -> list[str] | None:
    vals = inv.values()
    tool = inv.tool
    out: str | None
    if tool == "hugo":
        has_s, _ = _flag_arg(vals, ("-s", "--source"))
        has_d, out = _flag_arg(vals, ("-d", "--destination"))
        if not has_d:
            out = None if has_s else "public"
        elif has_s and out is not None and not out.startswith("/"):
            return None
    elif tool == "mkdocs":
        has_d, out = _flag_arg(vals, ("-d", "--site-dir"))
        out = out if has_d else "site"
    elif tool == "jekyll":
        has_d, out = _flag_arg(vals, ("-d", "--destination"))
        out = out if has_d else (None if _flag_arg(vals, ("-s", "--source"))[0] else "_site")
    elif tool == "zola":
        has_d, out = _flag_arg(vals, ("-o", "--output-dir"))
        out = out if has_d else "public"
    elif tool == "sphinx-build":
        pos = [v for v in vals if not v.startswith("-")]
        out = pos[-1] if len(pos) >= 2 and not any(v in ("-c", "-d", "-D", "-t", "-j", "-w") for v in vals) else None
    else:
        has_d, out = _flag_arg(vals, ("--output",))
        out = out if has_d else "_site"
    p = _resolve(cwd, out) if out else None
    return [p] if p else None


def _builder_name(model: Model) -> str:
    taken = {s.name.lower() for s in model.stages if s.name}
    for name in ("build", "builder", "build-stage", "xlint-build"):
        if name not in taken:
            return name
    return f"build{len(model.stages)}"


_SETUP = frozenset({"WORKDIR", "COPY", "ADD", "ENV", "ARG", "SHELL", "USER"})


def split_plan(model: Model, stage: Stage, toolchain: Toolchain, context: Path | None) -> Plan:
    """Unsafe fix: move the final stage's compile to a new builder stage on the build platform."""
    tree = model.tree
    if model.target is None or stage.index != model.target.index or stage.index != len(model.stages) - 1:
        return _no("the compile is not in the last stage")
    if stage.base_stage is not None or stage.is_scratch or stage.platform.kind != "target":
        return _no("the final stage is built on another stage or has a --platform")
    compile_runs: list[Instruction] = []
    dl_runs: list[Instruction] = []
    for instr, cmd in stage_commands(model, stage):
        comp = classify(cmd)
        if comp is None or comp.toolchain != toolchain:
            if comp is not None and comp.toolchain != toolchain:
                return _no(f"the stage also runs `{comp.label}`")
            continue
        if _is_dep_download(toolchain, cmd):
            if instr not in dl_runs:
                dl_runs.append(instr)
            continue
        if instr not in compile_runs:
            compile_runs.append(instr)
    if len(compile_runs) != 1:
        return _no("the stage compiles in more than one RUN")
    run = compile_runs[0]
    if run.json or run.heredocs:
        return _no("the compile RUN is in exec form or a heredoc")
    if any(d.span.start > run.span.start for d in dl_runs):
        return _no("a toolchain step follows the compile")
    # what the compile RUN does
    cwd = _workdir(model, stage, run)
    outputs: list[str] = []
    compiles: list[tuple[Instruction, Compile]] = []
    for cmd in run_commands(run):
        if cmd.context:
            return _no("the compile is inside a compound command")
        if cmd.basename == "cd":
            target = cmd.argv[1].value if len(cmd.argv) == 2 else None
            cwd = _resolve(cwd, target) if target is not None else None
            continue
        if cmd.basename in _HELPERS:
            continue
        comp = classify(cmd)
        if comp is None or comp.toolchain != toolchain:
            return _no(f"the compile RUN also runs `{cmd.name}`")
        if _is_dep_download(toolchain, cmd) or not comp.produces:
            continue
        outs = _outputs(toolchain, comp.inv, cwd, context)
        if outs is None:
            return _no(f"the outputs of `{comp.label}` cannot be determined")
        outputs.extend(o for o in outs if o not in outputs)
        compiles.append((run, comp))
    if not outputs:
        return _no("the compile has no output to copy")
    # cross settings of the compile (and of dependency downloads that go to the builder)
    edits: list[Edit] = []
    arg_names: list[str] = []
    note = ""
    if toolchain == "go":
        gcomp, reason = _go_compiles(model, stage)
        if reason:
            return _no(reason)
        cgo, reason = _cgo_state(model, gcomp, stage, context)
        if reason:
            return _no(reason)
        note = _CGO_NOTE if cgo is None else ""
        for instr, comp in gcomp:
            got = _go_command_edits(model, stage, instr, comp, cgo)
            if got.reason:
                return _no(got.reason)
            edits.extend(got.edits)
            arg_names.extend(n for n in got.arg_names if n not in arg_names)
        arg_names = [n for n in ("TARGETOS", "TARGETARCH", "TARGETVARIANT") if n in arg_names]
    elif toolchain == "dotnet":
        got_edits, first, reason = _dotnet_stage_edits(model, stage)
        if reason:
            return _no(reason)
        edits.extend(got_edits)
        if first is not None:
            arg_names = ["TARGETARCH"]
    # the builder: FROM, setup instructions, ARG, the compile
    setup: list[Instruction] = []
    moved: list[Instruction] = []
    for ins in stage.instructions:
        if ins.span.start >= run.span.start:
            break
        if ins.keyword == "RUN":
            cmds = run_commands(ins)
            if _run_is(ins, _Pred(toolchain, "dl")) and any(_is_dep_download(toolchain, c) for c in cmds):
                setup.append(ins)
                moved.append(ins)  # only fills the toolchain's caches: the builder does it now
            elif cmds and all(c.basename in _HELPERS for c in cmds):
                setup.append(ins)
            elif _run_is(ins, _Pred(toolchain, "system")):
                continue
            else:
                return _no("a RUN before the compile may be needed by it")
        elif ins.keyword in _SETUP:
            setup.append(ins)
    name = _builder_name(model)
    nl = tree.newline
    from_instr = stage.from_instr
    base_text = " ".join(a.value for a in from_instr.args[:1])
    as_kw = "as" if keyword(tree, from_instr, "FROM") == "from" else "AS"
    lines = [f"{keyword(tree, from_instr, 'FROM')} --platform=$BUILDPLATFORM {base_text} {as_kw} {name}{nl}"]
    declared = {a.value.partition("=")[0] for s in setup if s.keyword == "ARG" for a in s.args}
    missing = [n for n in arg_names if n not in declared]
    for ins in [*setup, run]:
        body = _with_edits(ins, edits)
        if missing and body != ins.text:
            # the first step that reads TARGET* ARGs: declare them just before it
            lines.append(f"{_indent_of(tree, ins)}{keyword(tree, ins, 'ARG')} {' '.join(missing)}{nl}")
            missing = []
        lines.append(body if body.endswith("\n") else body + nl)
    builder = "".join(lines) + nl
    at = _line_start(tree, from_instr)
    out_edits = [Edit(at, at, builder)]
    copy_kw = keyword(tree, run, "COPY")
    copies = "".join(f"{_indent_of(tree, run)}{copy_kw} --from={name} {o} {o}{nl}" for o in outputs)
    if not run.text.endswith("\n"):
        copies = copies[: -len(nl)]
    out_edits.append(Edit(run.span.start, run.span.end, copies))
    for ins in moved:
        out_edits.append(Edit(ins.span.start, ins.span.end, ""))
    return Plan(out_edits, note=note, applicability="unsafe")


def _outputs(toolchain: Toolchain, inv: Invocation, cwd: str | None, context: Path | None) -> list[str] | None:
    if toolchain == "go":
        return _go_outputs(inv, cwd, context)
    if toolchain == "jvm":
        return _jvm_outputs(inv, cwd)
    if toolchain == "dotnet":
        return _dotnet_outputs(inv, cwd)
    if toolchain == "site":
        return _site_outputs(inv, cwd)
    return None


def _with_edits(instr: Instruction, edits: list[Edit]) -> str:
    """The instruction's text with the edits that fall inside it applied."""
    text = instr.text
    base = instr.span.start
    inside = sorted((e for e in edits if instr.span.start <= e.start and e.end <= instr.span.end),
                    key=lambda e: (e.start, e.end))
    out: list[str] = []
    pos = 0
    for e in inside:
        out.append(text[pos : e.start - base])
        out.append(e.text)
        pos = e.end - base
    out.append(text[pos:])
    return "".join(out)


# -------------------------------------------------------------------------------------------------
# Entry point for the emulation rules


def stage_plan(model: Model, stage: Stage, toolchain: Toolchain, context: Path | None, unsafe_split: bool
               ) -> Plan:
    """The fix for an emulated ``toolchain`` step in ``stage``: the builder fix, or for the final stage
    the split (when ``unsafe_split``)."""
    if model.target is not None and stage.index == model.target.index:
        if not unsafe_split or toolchain not in ("go", "jvm", "dotnet", "site"):
            return _no("the build is in the final stage: move it to a `--platform=$BUILDPLATFORM` builder stage")
        return split_plan(model, stage, toolchain, context)
    if toolchain == "go":
        return go_builder_plan(model, stage, context)
    if toolchain == "dotnet":
        return dotnet_builder_plan(model, stage)
    return platform_only_plan(model, stage, toolchain)


SPLIT_TITLE = "Split the build into a `--platform=$BUILDPLATFORM` builder stage and COPY its outputs"


def report_emulated(rule: Rule, ctx: Context, toolchain: Toolchain) -> None:
    """Report every emulated ``toolchain`` step (XL101, XL104-XL106, XL109) with its stage's fix. Every
    finding of a stage carries the same edits: the first one applied fixes them all."""
    model = ctx.model
    plans: dict[int, Plan] = {}
    for stage, _instr, comp in emulated_compiles(model, toolchain):
        plan = plans.get(stage.index)
        if plan is None:
            plan = plans[stage.index] = stage_plan(model, stage, toolchain, ctx.options.context, True)
        title = plan.title or (SPLIT_TITLE if plan.applicability == "unsafe" else rule.fix_title)
        if plan.note:
            title = f"{title} ({plan.note})"
        ctx.report(
            rule,
            comp.inv.cmd.span,
            rule.message.format(cmd=comp.label, stage=stage.label,
                                platforms=", ".join(emulated_platforms(model, stage))),
            hint=rule.hint if plan.ok else f"{rule.hint} Not fixed automatically: {plan.reason}.",
            edits=plan.edits or None,
            applicability=plan.applicability,
            fix_title=title,
        )
