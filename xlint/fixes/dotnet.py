"""Recipe: .NET. The SDK stage on the build platform, `ARG TARGETARCH` and `-a $TARGETARCH` on restore,
build and publish, a Linux RID rewritten to `-a` (`--os linux-musl` kept) (XL106). A Native AOT publish is
refused: it links native code with the platform's own linker, which cannot link for another architecture
without the target's C runtime and libraries.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from xlint.contextfiles import memoized, walk
from xlint.diagnostics import Edit
from xlint.fixes.context import read_text
from xlint.fixes.outputs import flag_arg, resolve_path
from xlint.fixes.plan import Example, Plan, no_fix
from xlint.fixes.stages import stage_move
from xlint.fixes.style import arg_edit
from xlint.model import Model, Stage, stage_chain
from xlint.packages import installed_packages
from xlint.rx import rx
from xlint.syntax.tree import Instruction
from xlint.toolchains import (
    Compile,
    Invocation,
    classify,
    stage_commands,
)

_RID = rx(r"^linux-(musl-)?(x64|arm64|arm|x86|s390x|ppc64le|riscv64|loongarch64)$")


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


_AOT_WHY = ("links the program with the platform's own linker (clang), and a cross-architecture link needs "
            "the target's C runtime objects and libraries, so the SDK stage stays on the target platform")
_AOT_PROP = rx(r"^(?:-p|/p|--property|-property|/property):(.*)$", re.I)
_AOT_XML = rx(r"<PublishAot>\s*true\s*</PublishAot>", re.I)
_PROJECT_FILES = (".csproj", ".fsproj", ".vbproj")
_PROPS_FILES = frozenset({"directory.build.props", "directory.build.targets"})
_NATIVE_LINKERS = rx(r"^(?:clang|lld|llvm)(?:-\d+)?$")


def _aot_property(values: list[str]) -> str | None:
    """The word of a command that turns Native AOT on (``-p:PublishAot=true``, ``/p:PublishAot=$AOT``)."""
    for v in values:
        m = _AOT_PROP.match(v)
        if m is None:
            continue
        for prop in re.split(r"[;,]", m.group(1)):
            name, eq, value = prop.partition("=")
            if eq and name.strip().lower() == "publishaot" and value.strip().strip("\"'").lower() != "false":
                return v
    return None


@memoized(maxsize=64)
def _aot_projects(root: str) -> tuple[str, ...]:
    """The project files (and Directory.Build.props) under ``root`` that set ``<PublishAot>true``."""
    found: list[str] = []
    seen = 0
    for dirpath, dirnames, filenames in walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".git", "node_modules", "bin", "obj")]
        for name in filenames:
            if not name.lower().endswith(_PROJECT_FILES) and name.lower() not in _PROPS_FILES:
                continue
            seen += 1
            if seen > 500:
                return tuple(found)
            text = read_text(os.path.join(dirpath, name))
            if text is not None and _AOT_XML.search(text):
                found.append(os.path.relpath(os.path.join(dirpath, name), root))
    return tuple(found)


def native_aot(model: Model, stage: Stage, context: Path | None) -> str:
    """Why the stage's publish is a Native AOT one (empty when it is not known to be): ``PublishAot`` on
    a command line or in a project file of the build context, or the AOT linker installed next to it."""
    found = [(instr, comp) for instr, cmd in stage_commands(model, stage)
             if (comp := classify(cmd)) is not None and comp.label in ("dotnet publish", "dotnet build")]
    if not found:
        return ""
    publishes = [comp for _instr, comp in found]
    for instr, comp in found:
        word = _aot_property(comp.inv.values())
        if word is not None:
            return f"`{word}` is a Native AOT publish, which {_AOT_WHY}"
        # MSBuild takes environment variables as properties: `ENV PublishAot=true`
        env = model.env_before(stage, instr)
        name = next((k for k in env if k.lower() == "publishaot"), None)
        value = env.get(name) if name is not None else None
        if name is not None and (not isinstance(value, str) or value.strip().lower() != "false"):
            return f"`{name}` in the environment makes the publish a Native AOT one, which {_AOT_WHY}"
    if context is not None:
        named = {os.path.basename(v).lower() for comp in publishes for v in comp.inv.values()
                 if v.lower().endswith(_PROJECT_FILES)}
        for rel in _aot_projects(str(context)):
            base = os.path.basename(rel).lower()
            if base in _PROPS_FILES or not named or base in named:
                return f"`{rel}` sets `<PublishAot>true</PublishAot>`: a Native AOT publish {_AOT_WHY}"
    chain = [i for st in stage_chain(model, stage) for i in st.instructions]
    linker = next((n for n in installed_packages(chain) if _NATIVE_LINKERS.match(n)), None)
    if linker is not None:
        return (f"the stage installs `{linker}` for its publish (the Native AOT linker): a Native AOT publish "
                f"{_AOT_WHY}")
    return ""


def dotnet_builder_plan(model: Model, stage: Stage, context: Path | None = None) -> Plan:
    """XL106 safe fix: SDK stage on the build platform, `ARG TARGETARCH`, `-a $TARGETARCH`."""
    move = stage_move(model, stage)
    if isinstance(move, str):
        return no_fix(move)
    edits, first, reason = dotnet_stage_edits(model, stage, context)
    if reason:
        return no_fix(reason)
    edits.extend(move.edits)
    if first is not None:
        arg = arg_edit(model, stage, first, ["TARGETARCH"])
        if arg is not None:
            edits.append(arg)
    return Plan(edits, note=move.note, applicability="unsafe" if move.unsafe else "safe")


def dotnet_stage_edits(model: Model, stage: Stage, context: Path | None = None
                       ) -> tuple[list[Edit], Instruction | None, str]:
    """The ``-a $TARGETARCH`` edits of the stage's restore/build/publish: (edits, the first RUN using
    TARGETARCH, or why the stage cannot move)."""
    aot = native_aot(model, stage, context)
    if aot:
        return [], None, aot
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
    Example(
        "aot-flag",  # refused: Native AOT links with the platform's linker
        before="""\
FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish -c Release /p:PublishAot=True -o /app

FROM mcr.microsoft.com/dotnet/runtime-deps:8.0
COPY --from=build /app/App /usr/local/bin/app
ENTRYPOINT ["app"]
""",
        reason="is a Native AOT publish, which links the program with the platform's own linker",
    ),
    Example(
        "aot-project",  # refused: the project file turns Native AOT on
        before="""\
FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY Tool.csproj .
RUN dotnet restore
COPY . .
RUN dotnet publish Tool.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/runtime-deps:8.0
COPY --from=build /app/Tool /usr/local/bin/tool
""",
        context={"Tool.csproj": "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n"
                                "    <OutputType>Exe</OutputType>\n    <PublishAot>true</PublishAot>\n"
                                "  </PropertyGroup>\n</Project>\n"},
        reason="`Tool.csproj` sets `<PublishAot>true</PublishAot>`",
    ),
    Example(
        "aot-linker",  # refused: clang installed next to the publish is the AOT linker
        before="""\
FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
RUN apt-get update && apt-get install -y clang zlib1g-dev
WORKDIR /src
COPY . .
RUN dotnet publish -c Release -o /app

FROM mcr.microsoft.com/dotnet/runtime-deps:8.0
COPY --from=build /app/App /usr/local/bin/app
""",
        reason="the stage installs `clang` for its publish (the Native AOT linker)",
    ),
]
