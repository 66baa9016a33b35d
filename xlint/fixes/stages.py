"""Stage shape and chains: which stages can move to the build platform, and the plain platform move.

A *builder* is a stage whose files reach the final image only through ``COPY --from`` or
``RUN --mount=from`` (it is not the final stage and no stage is built ``FROM`` it). Moving it to
``--platform=$BUILDPLATFORM`` changes where it runs, not what the final image holds, as long as its output
is arch-independent (jars, bundled assets, sites) or built with the toolchain's cross settings.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from xlint.archnames import is_arch_probe
from xlint.diagnostics import Edit
from xlint.fixes.hostprobe import copy_operands, host_tool_probe
from xlint.fixes.jvm import jvm_reason
from xlint.fixes.outputs import (
    CARGO_BIN_DIRS,
    DEFAULT_PATH,
    GO_BIN_DIRS,
    dash_o,
    path_parts,
    resolve_path,
    workdir_at,
)
from xlint.fixes.plan import Plan, no_fix
from xlint.fixes.style import add_platform_flag, keyword
from xlint.model import Model, Stage
from xlint.records import record
from xlint.shell import run_commands
from xlint.syntax.tree import Instruction
from xlint.toolchains import (
    Toolchain,
    classify,
    stage_chain,
    stage_commands,
)


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


_SYSTEM_DIRS = frozenset({"usr", "bin", "sbin", "lib", "lib64", "opt", "etc", "nix"})


def arch_specific_copy(sources: Iterable[str]) -> str | None:
    """Why a path copied from a builder may hold arch-specific files (system folders, node_modules)."""
    for src in sources:
        parts = path_parts(src)
        if "node_modules" in parts:
            return f"`{src}` (node_modules) is copied into the runtime image: native modules would be the wrong arch"
        system = bool(parts) and parts[0] in _SYSTEM_DIRS and parts[:2] != ["usr", "src"]  # /usr/src/app: a source tree
        if not parts or system or ("go" in parts[:1] and "bin" in parts):
            return f"`{src}` copied from the builder may hold arch-specific files"
    return None


# where a stage's programs and libraries live: what is copied from there out of a stage that moves to the
# build platform is the build machine's, unless the stage's own build wrote it
_PROGRAM_DIRS = frozenset(DEFAULT_PATH) | GO_BIN_DIRS | CARGO_BIN_DIRS
_LIBRARY_DIRS = ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/libexec", "/usr/local/lib", "/usr/local/libexec",
                 "/usr/local/go", "/usr/local/cargo", "/usr/local/rustup", "/opt")


_DRIVERS = frozenset({"make", "gmake", "cmake", "ninja", "meson", "bazel", "bazelisk", "mage", "task", "just", "scons"})


def _written(model: Model, stage: Stage, own: bool) -> tuple[set[str], set[str]] | None:
    """The paths the stage's commands name as their outputs (``-o FILE``, the destination of ``cp``,
    ``mv``, ``install``, ``ln``), and the program folders its ``go install``/``cargo install`` write to.
    ``own``: the stage whose compiles the fix cross-builds (every ``go install``/``cargo install`` of it
    is cross-built; in another stage only the project's own ``go install ./x``/``cargo install --path``
    is, the rest install tools for the machine it runs on). None for an ``own`` stage whose outputs are
    unknown (a build driven by make, cmake, a script...)."""
    files: set[str] = set()
    folders: set[str] = set()
    for instr, cmd in stage_commands(model, stage):
        vals = [v for v in cmd.args() if v is not None]  # (a dynamic word names no path)
        if own and (cmd.basename in _DRIVERS or (cmd.name or "").endswith(".sh")):
            return None
        cwd = workdir_at(model, stage, instr)
        copy = copy_operands(cmd)
        out = dash_o(vals) if copy is None else None
        if out is not None:
            files.update(p.rstrip("/") for p in [resolve_path(cwd, out)] if p)
        if copy is not None and copy[0] and copy[1] is not None:
            dest = resolve_path(cwd, copy[1])
            if dest is not None:
                files.add(dest.rstrip("/"))
                files.update(posixpath.join(dest, posixpath.basename(src.rstrip("/"))) for src in copy[0] if src)
        if cmd.basename == "go" and vals[:1] in (["install"], ["get"]) and (own or not any("@" in v for v in vals[1:])):
            folders.update(GO_BIN_DIRS - {"/usr/local/go/bin"})
        if cmd.basename == "cargo" and vals[:1] == ["install"] and (own or "--path" in vals):
            folders.update(CARGO_BIN_DIRS)
    return files, folders


def foreign_copy(model: Model, moving: Iterable[Stage], staying: set[int], own: Stage | None = None) -> str | None:
    """Why moving ``moving`` to the build platform would put the build machine's programs into an image:
    a stage that stays on the target (``staying``) copies from one of them a file of a program or library
    folder (``/sbin/tini``, ``/usr/local/go/bin/go``, ``/usr/lib/...``) that the stage's own build did not
    write (it was installed or downloaded there, for the machine the stage runs on). ``own``: the stage
    whose compiles the fix cross-builds. None when nothing is."""
    for st in moving:
        written = _written(model, st, own is not None and st.index == own.index)
        if written is None:
            continue
        files, folders = written
        for edge in model.users(st.index):
            if edge.kind != "copy" or edge.target not in staying:
                continue
            for arg in edge.instruction.args[:-1]:
                src = resolve_path("/", arg.value)
                if src is None or "$" in src:
                    continue
                src = src.rstrip("/") or "/"
                if src in files or any(src.startswith(f + "/") for f in files):
                    continue
                folder = posixpath.dirname(src)
                program = folder in _PROGRAM_DIRS or src in _PROGRAM_DIRS
                library = any(src == d or src.startswith(d + "/") for d in _LIBRARY_DIRS)
                if (program and folder not in folders) or (library and not program):
                    return (f"stage '{model.stages[edge.target].label}' copies `{arg.value}` from stage "
                            f"'{st.label}', which installs it for the machine it runs on: on the build platform "
                            "it would be the build machine's")
    return None


def platform_only_plan(model: Model, stage: Stage, toolchain: Toolchain) -> Plan:
    """XL104/XL105/XL109 safe fix: `--platform=$BUILDPLATFORM` on a builder whose output is
    arch-independent."""
    move = stage_move(model, stage)
    if isinstance(move, str):
        return no_fix(move)
    for _instr, cmd in stage_commands(model, stage):
        comp = classify(cmd)
        if comp is not None and comp.toolchain in ("go", "rust", "c", "dotnet"):
            return no_fix(f"the stage also runs `{comp.label}`, whose output is arch-specific")
    if toolchain == "jvm":
        reason = jvm_reason(model, stage)
        if reason:
            return no_fix(reason)
    sources = _copy_sources(model, stage)
    if sources is None:
        return no_fix("a RUN mounts the builder: what it reads from it is unknown")
    reason = arch_specific_copy(sources)
    if reason:
        return no_fix(reason)
    if not move.edits:
        return no_fix("the stage is already on the build platform")
    return Plan(move.edits, note=move.note, applicability="unsafe" if move.unsafe else "safe")


# -------------------------------------------------------------------------------------------------
# Stage chains: `--platform` on a stage built FROM another stage is ignored


@record
class Move:
    """The edits that put a stage on the build platform: its own `--platform` flag, the flag on its
    chain's root, or a new root on the build platform replaying the chain's setup."""

    edits: list[Edit]
    unsafe: bool = False
    note: str = ""


# instructions of a chain that set up the filesystem or environment a build uses
_REPLAYED = frozenset({"ARG", "ENV", "WORKDIR", "RUN", "COPY", "ADD", "USER", "SHELL"})
_DROPPED = frozenset({"LABEL", "EXPOSE", "CMD", "ENTRYPOINT", "HEALTHCHECK", "VOLUME", "STOPSIGNAL", "MAINTAINER"})


def family(model: Model, root: Stage) -> list[Stage]:
    """``root`` and every stage built on it, directly or through other stages."""
    return [s for s in model.stages if stage_chain(model, s)[0].index == root.index]


def numeric_reference(model: Model) -> str | None:
    """A stage referred to by its index (`COPY --from=0`, `FROM 1`): a new stage would shift it."""
    for st in model.stages:
        for edge in st.edges:
            if edge.stage is not None and edge.source.isdigit():
                return edge.source
    return None


def _probes(model: Model, stage: Stage) -> str | None:
    """An arch probe of the stage that must keep running on the target (not one that picks a tool the
    stage runs itself: see hostprobe)."""
    for ins in stage.instructions:
        if ins.keyword != "RUN":
            continue
        for c in run_commands(ins):
            if is_arch_probe(c.basename, c.args()) and host_tool_probe(model, stage, ins) is None:
                return " ".join(w.raw for w in c.argv)
    return None


def _wants_build_platform(model: Model, member: Stage, stage: Stage, ancestors: set[int]) -> str | None:
    """Why ``member`` of the chain's family must stay on the target platform (None: it may move)."""
    if model.target is not None and member.index == model.target.index:
        return f"stage '{member.label}' is the image itself"
    probe = _probes(model, member)
    if probe:
        return f"stage '{member.label}' runs `{probe}`"
    for _instr, cmd in stage_commands(model, member):
        comp = classify(cmd)
        if comp is not None and comp.produces and not comp.tool_install and comp.toolchain in (
                "go", "rust", "c", "dotnet", "python"):
            return f"stage '{member.label}' builds with `{comp.label}` for the target"
    users = model.users(member.index)
    if not users:
        return f"stage '{member.label}' may be built as a target of its own"
    fam = {s.index for s in family(model, stage_chain(model, stage)[0])}
    for edge in users:
        if edge.kind != "base" and edge.target not in fam and member.index not in ancestors:
            if any(i.keyword == "RUN" for i in member.instructions):
                return f"stage '{model.stages[edge.target].label}' copies files that stage '{member.label}' installs"
    return None


def stage_move(model: Model, stage: Stage) -> Move | str:
    """How to put ``stage`` on the build platform, or why it cannot move. A stage built FROM another one
    takes its platform from its chain's root: the flag goes there when every stage built on the root can
    move too, else a new root on the build platform replays the chain's setup for ``stage`` alone."""
    if model.target is not None and stage.index == model.target.index:
        return "the compile is in the final stage (an unsafe fix splits it into a builder stage)"
    chain = stage_chain(model, stage)
    root = chain[0]
    if root.platform.kind not in ("target", "build"):
        return "the stage has a constant or unknown --platform"
    for edge in model.users(stage.index):
        if edge.kind == "base":
            user = model.stages[edge.target]
            return f"stage '{user.label}' is built FROM it and would move to the build platform too"
    if root is stage:
        staying = {s.index for s in model.stages if s.index != stage.index}
        why = foreign_copy(model, [stage], staying, own=stage)
        if why:
            return why
        flag = add_platform_flag(model.tree, stage)
        return Move([flag] if flag is not None else [])
    ancestors = {s.index for s in chain[:-1]}
    fam = family(model, root)
    outside = {s.index for s in model.stages} - {s.index for s in fam}
    blockers = [why for m in fam if m.index != stage.index
                and (why := _wants_build_platform(model, m, stage, ancestors))]
    copied = foreign_copy(model, [s for s in chain if s.index != stage.index], outside)
    if copied:
        blockers.append(copied)  # (the chain's setup is replayed for the builder instead)
    own = foreign_copy(model, [stage], outside, own=stage)
    if own:
        return own
    if not blockers:
        flag = add_platform_flag(model.tree, root)
        return Move([flag] if flag is not None else [], unsafe=True,
                    note=f"stage '{root.label}', the root of its chain, moves with it")
    return _new_root(model, stage, chain, blockers[0])


def _new_root(model: Model, stage: Stage, chain: list[Stage], blocker: str) -> Move | str:
    """A new root `FROM --platform=$BUILDPLATFORM <root image>` replaying the chain's setup, and the stage
    built on it."""
    tree = model.tree
    why = f"the chain's root cannot move ({blocker})"
    index = numeric_reference(model)
    if index is not None:
        return f"{why}, and a stage is referred to by its index (`{index}`): name it first"
    lines: list[str] = []
    for st in chain[:-1]:
        for ins in st.instructions:
            if ins.keyword in _DROPPED:
                continue
            if ins.keyword not in _REPLAYED:
                return f"{why}, and its `{ins.keyword}` cannot be replayed"
            if ins.keyword == "RUN" and _probes_in(ins):
                return f"{why}, and its setup probes the machine's architecture"
            text = ins.text if ins.text.endswith("\n") else ins.text + tree.newline
            lines.append(text)
    root = chain[0]
    taken = {s.name.lower() for s in model.stages if s.name}
    base_name = f"{stage.name or 'build'}-base"
    name = base_name
    n = 2
    while name.lower() in taken:
        name = f"{base_name}{n}"
        n += 1
    from_instr = root.from_instr
    image = from_instr.args[0].value if from_instr.args else root.base
    as_word = "as" if keyword(tree, from_instr, "FROM") == "from" else "AS"
    head = f"{keyword(tree, from_instr, 'FROM')} --platform=$BUILDPLATFORM {image} {as_word} {name}{tree.newline}"
    block = head + "".join(lines) + tree.newline
    at = tree.offset(stage.from_instr.start_line, 1)
    edits = [Edit(at, at, block)]
    base_arg = stage.from_instr.args[0]
    edits.append(Edit(base_arg.span.start, base_arg.span.end, name))
    return Move(edits, unsafe=True, note=f"a new root '{name}' on the build platform replays the setup of "
                                         f"stage '{chain[-2].label}', which stays on the target platform")


def _probes_in(ins: Instruction) -> bool:
    return any(is_arch_probe(c.basename, c.args()) for c in run_commands(ins))
