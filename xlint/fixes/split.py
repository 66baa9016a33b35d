"""The single-stage split (unsafe): a final stage that compiles becomes a builder on the build platform
plus the final stage, which copies the compile's outputs from it.
"""

from __future__ import annotations

from pathlib import Path

from xlint.diagnostics import Edit
from xlint.fixes.dotnet import dotnet_outputs, dotnet_stage_edits
from xlint.fixes.go import CGO_NOTE, cgo_state, go_command_edits, go_compiles, go_outputs
from xlint.fixes.jvm import jvm_outputs
from xlint.fixes.outputs import resolve_path, workdir_at
from xlint.fixes.plan import Plan, no_fix
from xlint.fixes.site import site_outputs
from xlint.fixes.stages import numeric_reference
from xlint.fixes.style import (
    block_start,
    chain_after,
    indent_of,
    keyword,
    line_start,
    shell_style,
    with_edits,
)
from xlint.model import Model, Stage
from xlint.shell import SimpleCommand, run_commands
from xlint.syntax.tree import Instruction
from xlint.toolchains import (
    Compile,
    Invocation,
    Toolchain,
    classify,
    invocation,
    package_manager_install,
    settings,
    stage_chain,
    stage_commands,
)

HELPERS = frozenset({"cd", "mkdir", "true", "set", ":"})


_DEP_DOWNLOADS: dict[str, tuple[str, ...]] = {
    "go": ("go mod download", "go mod verify", "go mod tidy"),
    "jvm": ("dependency:go-offline", "dependency:resolve", "dependencies", "update"),
    "dotnet": ("dotnet restore",),
}


def is_dep_download(toolchain: Toolchain, cmd: SimpleCommand) -> bool:
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
            return is_dep_download(self.toolchain, cmd) or cmd.basename in HELPERS
        # system setup: package managers and their cleanup
        if package_manager_install(cmd) is not None:
            return True
        return cmd.basename in ("apt-get", "apt", "apk", "yum", "dnf", "microdnf", "zypper", "rm", "update-ca-certificates")


def _builder_name(model: Model) -> str:
    taken = {s.name.lower() for s in model.stages if s.name}
    for name in ("build", "builder", "build-stage", "xlint-build"):
        if name not in taken:
            return name
    return f"build{len(model.stages)}"


_SETUP = frozenset({"WORKDIR", "COPY", "ADD", "ENV", "ARG", "SHELL", "USER"})


_GO_OUT = "/go-build-out/"
SPLIT_TITLE = "Split the build into a `--platform=$BUILDPLATFORM` builder stage and COPY its outputs"


def split_plan(model: Model, stage: Stage, toolchain: Toolchain, context: Path | None) -> Plan:
    """Unsafe fix: move the final stage's compile to a new builder stage on the build platform."""
    tree = model.tree
    if model.target is None or stage.index != model.target.index or stage.index != len(model.stages) - 1:
        return no_fix("the compile is not in the last stage")
    if stage.base_stage is not None or stage.is_scratch or stage.platform.kind != "target":
        return no_fix("the final stage is built on another stage or has a --platform")
    compile_runs: list[Instruction] = []
    dl_runs: list[Instruction] = []
    for instr, cmd in stage_commands(model, stage):
        comp = classify(cmd)
        if comp is None or comp.toolchain != toolchain:
            if comp is not None and comp.toolchain != toolchain:
                return no_fix(f"the stage also runs `{comp.label}`")
            continue
        if is_dep_download(toolchain, cmd):
            if instr not in dl_runs:
                dl_runs.append(instr)
            continue
        if instr not in compile_runs:
            compile_runs.append(instr)
    if len(compile_runs) != 1:
        return no_fix("the stage compiles in more than one RUN")
    run = compile_runs[0]
    if run.json or run.heredocs:
        return no_fix("the compile RUN is in exec form or a heredoc")
    if any(d.span.start > run.span.start for d in dl_runs):
        return no_fix("a toolchain step follows the compile")
    # what the compile RUN does
    cwd = workdir_at(model, stage, run)
    pairs: list[tuple[str, str]] = []  # (path in the builder, path in the image)
    extra: list[Edit] = []
    compiles: list[tuple[Instruction, Compile]] = []
    for cmd in run_commands(run):
        if cmd.context:
            return no_fix("the compile is inside a compound command")
        if cmd.basename == "cd":
            target = cmd.argv[1].value if len(cmd.argv) == 2 else None
            cwd = resolve_path(cwd, target) if target is not None else None
            continue
        if cmd.basename in HELPERS:
            continue
        comp = classify(cmd)
        if comp is None or comp.toolchain != toolchain:
            return no_fix(f"the compile RUN also runs `{cmd.name}`")
        if is_dep_download(toolchain, cmd) or not comp.produces:
            continue
        outs = _outputs(toolchain, comp.inv, cwd, context)
        if outs is None and toolchain == "go" and comp.label == "go build" and cwd is not None and not any(
                v == "-o" or v.startswith("-o=") for v in comp.inv.values()):
            # the binary's name comes from the module or the package: build into a folder of its own
            # and copy the folder's content to the working directory, where the original build wrote it
            sub = next((w for w in comp.inv.words[1:] if w.value == "build"), None)
            if sub is not None:
                extra.append(Edit(sub.span.end, sub.span.end, f" -o {_GO_OUT}"))
                pairs.append((_GO_OUT, cwd.rstrip("/") + "/"))
                compiles.append((run, comp))
                continue
        if outs is None:
            return no_fix(f"the outputs of `{comp.label}` cannot be determined")
        pairs.extend((o, o) for o in outs if (o, o) not in pairs)
        compiles.append((run, comp))
    if not pairs:
        return no_fix("the compile has no output to copy")
    # cross settings of the compile (and of dependency downloads that go to the builder)
    edits: list[Edit] = list(extra)
    arg_names: list[str] = []
    note = ""
    if toolchain == "go":
        gcomp, reason = go_compiles(model, stage)
        if reason:
            return no_fix(reason)
        cgo, reason = cgo_state(model, gcomp, stage, context)
        if reason:
            return no_fix(reason)
        note = CGO_NOTE if cgo is None else ""
        for instr, comp in gcomp:
            got = go_command_edits(model, stage, instr, comp, cgo, context)
            if got.reason:
                return no_fix(got.reason)
            edits.extend(got.edits)
            arg_names.extend(n for n in got.arg_names if n not in arg_names)
        arg_names = [n for n in ("TARGETOS", "TARGETARCH", "TARGETVARIANT") if n in arg_names]
    elif toolchain == "dotnet":
        got_edits, first, reason = dotnet_stage_edits(model, stage, context)
        if reason:
            return no_fix(reason)
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
            if _run_is(ins, _Pred(toolchain, "dl")) and any(is_dep_download(toolchain, c) for c in cmds):
                setup.append(ins)
                moved.append(ins)  # only fills the toolchain's caches: the builder does it now
            elif cmds and all(c.basename in HELPERS for c in cmds):
                setup.append(ins)
            elif _run_is(ins, _Pred(toolchain, "system")):
                continue
            else:
                return no_fix("a RUN before the compile may be needed by it")
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
        body = with_edits(ins, edits)
        if missing and body != ins.text:
            # the first step that reads TARGET* ARGs: declare them just before it
            lines.append(f"{indent_of(tree, ins)}{keyword(tree, ins, 'ARG')} {' '.join(missing)}{nl}")
            missing = []
        lines.append(body if body.endswith("\n") else body + nl)
    builder = "".join(lines) + nl
    at = line_start(tree, from_instr)
    out_edits = [Edit(at, at, builder)]
    copy_kw = keyword(tree, run, "COPY")
    copies = "".join(f"{indent_of(tree, run)}{copy_kw} --from={name} {src} {dest}{nl}" for src, dest in pairs)
    if not run.text.endswith("\n"):
        copies = copies[: -len(nl)]
    out_edits.append(Edit(run.span.start, run.span.end, copies))
    for ins in moved:
        out_edits.append(Edit(ins.span.start, ins.span.end, ""))
    return Plan(out_edits, note=note, applicability="unsafe", title=SPLIT_TITLE)


def _outputs(toolchain: Toolchain, inv: Invocation, cwd: str | None, context: Path | None) -> list[str] | None:
    if toolchain == "go":
        return go_outputs(inv, cwd, context)
    if toolchain == "jvm":
        return jvm_outputs(inv, cwd)
    if toolchain == "dotnet":
        return dotnet_outputs(inv, cwd)
    if toolchain == "site":
        return site_outputs(inv, cwd)
    return None


# -------------------------------------------------------------------------------------------------
# Go tools installed into the final image (a build image): built in a builder on the build platform

_CLEANUP = frozenset({"rm", "true", ":"})
TOOLS_TITLE = "Build the Go tools in a `--platform=$BUILDPLATFORM` stage and COPY them into the image"


def _tool_run(model: Model, stage: Stage, instr: Instruction) -> list[SimpleCommand] | None:
    """The `go install PKG@version` commands of a RUN that does nothing else (but clean up), or None."""
    cmds = run_commands(instr)
    installs: list[SimpleCommand] = []
    for c in cmds:
        comp = classify(c)
        if comp is not None and comp.toolchain == "go" and comp.label == "go install" and comp.tool_install:
            if c.context or instr.json:
                return None
            installs.append(c)
        elif c.basename not in _CLEANUP:
            return None
    return installs or None


def go_tools_split(model: Model, stage: Stage) -> Plan:
    """Unsafe fix for a final stage that installs Go tools (`go install PKG@version`) into itself: the
    installs move to a new stage on the build platform (cross-compiled, CGO_ENABLED=0) and the image
    copies the binaries from there."""
    tree = model.tree
    if model.target is None or stage.index != model.target.index:
        return no_fix("the tools are not installed in the final stage")
    if numeric_reference(model) is not None:
        return no_fix("a stage is referred to by its index: a new stage would shift it; name it first")
    runs: list[tuple[Instruction, list[SimpleCommand]]] = []
    for ins in stage.instructions:
        if ins.keyword != "RUN":
            continue
        installs = _tool_run(model, stage, ins)
        if installs is not None:
            runs.append((ins, installs))
            continue
        for c in run_commands(ins):
            comp = classify(c)
            if comp is not None and comp.toolchain == "go" and comp.produces:
                return no_fix(f"`{comp.label}` in the final stage is not a `go install PKG@version` of its own RUN")
    if not runs:
        return no_fix("no `go install PKG@version` RUN in the final stage")
    first, last = runs[0][0], runs[-1][0]
    env = settings(model, stage, last, runs[-1][1][0])
    gobin = env.get("GOBIN")
    gopath = env.get("GOPATH")
    # the tools stage installs into its $GOPATH/bin (GOBIN cleared: a cross `go install` refuses it), the
    # image gets them where its own `go install` put them ($GOBIN, else $GOPATH/bin)
    if gopath is not None and gopath.raw:
        if gopath.value is None or ":" in gopath.value:
            return no_fix("GOPATH is dynamic or a list: where `go install` puts the tools is unknown")
        srcdir = gopath.value.rstrip("/") + "/bin"
    elif "golang" in stage_chain(model, stage)[0].base.lower():
        srcdir = "/go/bin"  # the golang images' GOPATH
    else:
        return no_fix("where `go install` puts the tools (GOPATH) is unknown in this image")
    bindir = srcdir
    if gobin is not None and gobin.raw:
        if gobin.value is None:
            return no_fix("GOBIN is dynamic: where the tools go is unknown")
        bindir = gobin.value.rstrip("/")
    name = "go-tools"
    taken = {s.name.lower() for s in model.stages if s.name}
    n = 2
    while name in taken:
        name = f"go-tools{n}"
        n += 1
    nl = tree.newline
    style = shell_style(tree)
    from_instr = stage.from_instr
    image = from_instr.args[0].value
    as_kw = "as" if keyword(tree, from_instr, "FROM") == "from" else "AS"
    lines = [f"{keyword(tree, from_instr, 'FROM')} --platform=$BUILDPLATFORM {image} {as_kw} {name}{nl}"]
    for ins in stage.instructions:
        if ins.span.start >= last.span.start:
            break
        if ins.keyword in ("ENV", "ARG") and not any(
                a.value.partition("=")[0] in ("TARGETOS", "TARGETARCH") for a in ins.args):
            lines.append(ins.text if ins.text.endswith("\n") else ins.text + nl)
    lines.append(f"{keyword(tree, from_instr, 'ARG')} TARGETOS TARGETARCH{nl}")
    cross_dir = '"$(go env GOPATH)/bin/${TARGETOS}_${TARGETARCH}"'
    move = f"if [ -d {cross_dir} ]; then mv {cross_dir}/* \"{srcdir}/\" && rmdir {cross_dir}; fi"
    for ins, installs in runs:
        edits: list[Edit] = []
        for c in installs:
            at = c.argv[0].span.start
            prefix = "CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH " + ("GOBIN= " if gobin is not None else "")
            edits.append(Edit(at, at, prefix))
            edits.append(Edit(c.span.end, c.span.end, chain_after(style, [move])))
        body = with_edits(ins, edits)
        # the comments above a RUN describe it: they move with it
        lines.append(tree.text[block_start(tree, ins):line_start(tree, ins)])
        lines.append(body if body.endswith("\n") else body + nl)
    at = line_start(tree, from_instr)
    out = [Edit(at, at, "".join(lines) + nl)]
    copy = f"{keyword(tree, first, 'COPY')} --from={name} {srcdir}/ {bindir}/"
    out.append(Edit(block_start(tree, first), first.span.end,
                    indent_of(tree, first) + copy + ("\n" if first.text.endswith("\n") else "")))
    for ins, _ in runs[1:]:
        out.append(Edit(block_start(tree, ins), ins.span.end, ""))
    return Plan(out, applicability="unsafe", title=TOOLS_TITLE,
                note="CGO_ENABLED=0 assumed for the tools: their sources are not in the build context")
