"""Stage shape and chains: which stages can move to the build platform, and the plain platform move.

A *builder* is a stage whose files reach the final image only through ``COPY --from`` or
``RUN --mount=from`` (it is not the final stage and no stage is built ``FROM`` it). Moving it to
``--platform=$BUILDPLATFORM`` changes where it runs, not what the final image holds, as long as its output
is arch-independent (jars, bundled assets, sites) or built with the toolchain's cross settings.
"""

from __future__ import annotations

from collections.abc import Iterable

from xlint.fixes.jvm import jvm_reason
from xlint.fixes.node import asset_reason
from xlint.fixes.outputs import path_parts
from xlint.fixes.plan import Plan, no_fix
from xlint.fixes.style import add_platform_flag
from xlint.model import Model, Stage
from xlint.toolchains import (
    Toolchain,
    classify,
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


def _arch_specific_copy(sources: Iterable[str]) -> str | None:
    for src in sources:
        parts = path_parts(src)
        if "node_modules" in parts:
            return f"`{src}` (node_modules) is copied into the runtime image: native modules would be the wrong arch"
        if not parts or parts[0] in _SYSTEM_DIRS or ("go" in parts[:1] and "bin" in parts):
            return f"`{src}` copied from the builder may hold arch-specific files"
    return None


def platform_only_plan(model: Model, stage: Stage, toolchain: Toolchain) -> Plan:
    """XL104/XL105/XL109 safe fix: `--platform=$BUILDPLATFORM` on a builder whose output is
    arch-independent."""
    reason = builder_reason(model, stage)
    if reason:
        return no_fix(reason)
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
    reason = _arch_specific_copy(sources)
    if reason:
        return no_fix(reason)
    if toolchain == "node":
        reason = asset_reason(sources)
        if reason:
            return no_fix(reason)
    flag = add_platform_flag(model.tree, stage)
    return Plan([flag]) if flag is not None else no_fix("the stage is already on the build platform")
