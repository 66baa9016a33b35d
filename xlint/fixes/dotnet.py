"""Recipe: .NET. The SDK stage on the build platform, `ARG TARGETARCH` and `-a $TARGETARCH` on restore,
build and publish, a Linux RID rewritten to `-a` (`--os linux-musl` kept) (XL106).
"""

from __future__ import annotations

import re

from xlint.diagnostics import Edit
from xlint.fixes.outputs import flag_arg, resolve_path
from xlint.fixes.plan import Example, Plan, no_fix
from xlint.fixes.stages import stage_move
from xlint.fixes.style import arg_edit
from xlint.model import Model, Stage
from xlint.syntax.tree import Instruction
from xlint.toolchains import (
    Compile,
    Invocation,
    classify,
    stage_commands,
)

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
        if v in ("--use-current-runtime", "--ucr"):
            # the current runtime is the build machine's once the stage moves
            return [Edit(w.span.start, w.span.end, "-a $TARGETARCH")], True, ""
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
    move = stage_move(model, stage)
    if isinstance(move, str):
        return no_fix(move)
    edits, first, reason = dotnet_stage_edits(model, stage)
    if reason:
        return no_fix(reason)
    edits.extend(move.edits)
    if first is not None:
        arg = arg_edit(model, stage, first, ["TARGETARCH"])
        if arg is not None:
            edits.append(arg)
    return Plan(edits, note=move.note, applicability="unsafe" if move.unsafe else "safe")


def dotnet_stage_edits(model: Model, stage: Stage) -> tuple[list[Edit], Instruction | None, str]:
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


def dotnet_outputs(inv: Invocation, cwd: str | None) -> list[str] | None:
    has_o, out = flag_arg(inv.values(), ("-o", "--output"))
    if not has_o or out is None:
        return None
    p = resolve_path(cwd, out)
    return [p] if p else None


# BEFORE/AFTER examples (run by tests/test_fix_recipes.py)
EXAMPLES: list[Example] = [
    Example(
        "publish",
        before="""\
FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY *.csproj ./
RUN dotnet restore
COPY . .
RUN dotnet publish -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:8.0
COPY --from=build /app /app
ENTRYPOINT ["dotnet", "/app/App.dll"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY *.csproj ./
ARG TARGETARCH
RUN dotnet restore -a $TARGETARCH
COPY . .
RUN dotnet publish -a $TARGETARCH -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:8.0
COPY --from=build /app /app
ENTRYPOINT ["dotnet", "/app/App.dll"]
""",
    ),
    Example(
        "rid",
        before="""\
FROM mcr.microsoft.com/dotnet/sdk:8.0-alpine AS build
WORKDIR /src
COPY . .
RUN dotnet publish -c Release -r linux-musl-x64 -o /app

FROM mcr.microsoft.com/dotnet/runtime-deps:8.0-alpine
COPY --from=build /app /app
ENTRYPOINT ["/app/App"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0-alpine AS build
WORKDIR /src
COPY . .
ARG TARGETARCH
RUN dotnet publish -c Release --os linux-musl -a $TARGETARCH -o /app

FROM mcr.microsoft.com/dotnet/runtime-deps:8.0-alpine
COPY --from=build /app /app
ENTRYPOINT ["/app/App"]
""",
    ),
    Example(
        "ucr",
        before="""\
FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY . .
RUN dotnet restore --use-current-runtime
RUN dotnet publish -c Release --use-current-runtime --self-contained false --no-restore -o /app

FROM mcr.microsoft.com/dotnet/runtime:8.0
COPY --from=build /app /app
ENTRYPOINT ["/app/App"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY . .
ARG TARGETARCH
RUN dotnet restore -a $TARGETARCH
RUN dotnet publish -c Release -a $TARGETARCH --self-contained false --no-restore -o /app

FROM mcr.microsoft.com/dotnet/runtime:8.0
COPY --from=build /app /app
ENTRYPOINT ["/app/App"]
""",
    ),
]
