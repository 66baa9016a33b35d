"""Entry points for the emulation rules (XL101-XL106, XL109): each finding carries its stage's fix, or
the reason there is none in its hint. Every finding of a stage carries the same edits: the first one
applied fixes them all.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from xlint.model import Model, Stage
from xlint.rule import Context, Rule
from xlint.toolchains import (
    Toolchain,
    emulated_compiles,
    emulated_platforms,
    stage_commands,
)

if TYPE_CHECKING:
    from xlint.fixes.plan import Plan


def load_recipes() -> None:
    """Import every recipe :func:`stage_plan` and the rules may use (for a process about to fork)."""
    import xlint.fixes.c_split
    import xlint.fixes.dotnet
    import xlint.fixes.go
    import xlint.fixes.node
    import xlint.fixes.split
    import xlint.fixes.stages
    import xlint.fixes.xx  # noqa: F401


def stage_plan(model: Model, stage: Stage, toolchain: Toolchain, context: Path | None, unsafe_split: bool
               ) -> Plan:
    """The fix for an emulated ``toolchain`` step in ``stage``: the builder fix (a Go stage driven by make
    gets the Go recipe, whichever rule reports it), or for the final stage the split (when
    ``unsafe_split``). The recipes are imported here: a check that finds no emulated step never loads
    them."""
    from xlint.fixes.c_split import install_split
    from xlint.fixes.dotnet import dotnet_builder_plan
    from xlint.fixes.go import go_builder_plan, go_stage
    from xlint.fixes.node import node_builder_plan, node_stage
    from xlint.fixes.plan import Plan, no_fix
    from xlint.fixes.runtimes import cannot_cross
    from xlint.fixes.split import go_tools_split, split_plan
    from xlint.fixes.stages import platform_only_plan
    from xlint.fixes.xx import xx_rewrite
    from xlint.images import single_arch_base

    if model.target is not None and stage.index == model.target.index:
        single = single_arch_base(model, stage)
        if single:
            return no_fix(single)
        if toolchain in ("c", "rust") and _installs_into_image(model, stage):
            why = ("that build runs for the target in place, and moving it would mean cross-building "
                   "everything it installs")
            if toolchain == "c" and unsafe_split:
                split = install_split(model, stage, context)
                if split.ok:
                    return split
                if cannot_cross(split.reason):
                    return no_fix(split.reason)
                why = f"it is not a self-contained step to split out: {split.reason}"
            return no_fix(f"the final stage builds software and installs it into the image itself (`make install`): "
                          f"{why}")
        runtime = _builds_for_own_runtime(model, stage)
        if runtime:
            return no_fix(runtime)
        if not unsafe_split or toolchain not in ("go", "jvm", "dotnet", "site"):
            return no_fix("the build is in the final stage: move it to a `--platform=$BUILDPLATFORM` builder stage")
        plan = split_plan(model, stage, toolchain, context)
        if not plan.ok and toolchain == "go":
            tools = go_tools_split(model, stage)
            if tools.ok:
                return tools
        return plan
    if toolchain == "go" or (toolchain == "c" and go_stage(model, stage)):
        return go_builder_plan(model, stage, context)
    if toolchain == "node" or (toolchain == "c" and node_stage(model, stage)):
        plan = node_builder_plan(model, stage, context)  # (make may drive a JS build)
        if toolchain == "c" and plan.ok and not plan.title:
            plan.title = "Move the asset builder (make drives its JS build) to `--platform=$BUILDPLATFORM`"
        return plan
    if toolchain in ("rust", "c"):
        xx = xx_rewrite(model, stage, "rust" if toolchain == "rust" else "c", context)
        if not xx.ok and toolchain == "c" and unsafe_split and _installs_into_image(model, stage):
            # a stage that stays on the target (other stages are built FROM it) and installs a C build into itself
            split = install_split(model, stage, context)
            if split.ok:
                return split
        return Plan(xx.edits or [], reason=xx.reason, applicability="unsafe", note=xx.note)
    if toolchain == "dotnet":
        return dotnet_builder_plan(model, stage, context)
    return platform_only_plan(model, stage, toolchain)


# builds of extensions against the image's own interpreter (its headers and config tools): they must run
# for the target, in the image
_EXTENSION_BUILDERS = {"docker-php-ext-install": "PHP", "pecl": "PHP", "phpize": "PHP"}


def _builds_for_own_runtime(model: Model, stage: Stage) -> str | None:
    for _instr, cmd in stage_commands(model, stage):
        lang = _EXTENSION_BUILDERS.get(cmd.basename or "")
        if lang:
            return (f"`{cmd.basename}` builds {lang} extensions against the image's own {lang} (its headers and "
                    "php-config) and loads them into it: they are built for the target, in the image")
    return None


def _installs_into_image(model: Model, stage: Stage) -> bool:
    for _instr, cmd in stage_commands(model, stage):
        vals = cmd.args()
        if cmd.basename in ("make", "gmake", "ninja") and "install" in vals:
            return True
        if cmd.basename == "cmake" and "--install" in vals:
            return True
    return False


def report_emulated(rule: Rule, ctx: Context, toolchain: Toolchain) -> None:
    """Report every emulated ``toolchain`` step (XL101-XL106, XL109) with its stage's fix, or why there is
    none in the hint. Every finding of a stage carries the same edits: the first one applied fixes them
    all."""
    model = ctx.model
    plans: dict[int, Plan] = {}
    for stage, _instr, comp in emulated_compiles(model, toolchain):
        plan = plans.get(stage.index)
        if plan is None:
            plan = plans[stage.index] = stage_plan(model, stage, toolchain, ctx.options.context, True)
        title = plan.title or rule.fix_title
        if plan.note:
            title = f"{title} ({plan.note})"
        lead = "No automatic fix" if toolchain in ("rust", "c") else "Not fixed automatically"
        ctx.report(
            rule,
            comp.inv.cmd.span,
            rule.message.format(cmd=comp.label, stage=stage.label,
                                platforms=", ".join(emulated_platforms(model, stage))),
            hint=rule.hint if plan.ok else f"{rule.hint} {lead}: {plan.reason}.",
            edits=plan.edits or None,
            applicability=plan.applicability,
            fix_title=title,
        )


def report_emulated_xx(rule: Rule, ctx: Context, toolchain: Literal["rust", "c"]) -> None:
    """XL102, XL103: :func:`report_emulated` for the tonistiigi/xx recipes."""
    report_emulated(rule, ctx, toolchain)
