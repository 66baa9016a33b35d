r"""XL201 undeclared-platform-arg.

## What it does
Reports a platform ARG (`TARGETPLATFORM`, `TARGETOS`, `TARGETARCH`, `TARGETVARIANT`, `BUILDPLATFORM`,
`BUILDOS`, `BUILDARCH`, `BUILDVARIANT`) used inside a stage (RUN, ENV, COPY, ADD, WORKDIR, LABEL...)
when that stage has no `ARG NAME` line before the use. A stage built `FROM` an earlier stage starts
with the ARGs its parent declared (BuildKit copies them; buildah 1.28 does not), and a default that is
right for every target (`${TARGETOS:-linux}`) is not reported.

## Why is this bad?
BuildKit defines the platform ARGs in the global scope only. A stage sees them after its own
`ARG NAME`; before that they expand to an empty string, silently. `GOARCH=$TARGETARCH go build` then
builds for the build machine, and the arm64 image ships an x86-64 binary that fails on arm64 nodes with
`exec format error` (docker/buildx#1805, awslabs/soci-snapshotter#695). A global `ARG TARGETARCH` before
the first FROM does not help: global ARGs are visible only in FROM lines.

## Example
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
RUN GOARCH=$TARGETARCH go build -o /out/app .
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETARCH
RUN GOARCH=$TARGETARCH go build -o /out/app .
```

## References
- BuildKit: "Automatic platform ARGs in the global scope" (docs/reference "Understand how ARG and FROM interact")
- docker/buildx#1805
"""

from __future__ import annotations

import re

from xlint.diagnostics import Edit
from xlint.expand import referenced_names
from xlint.model import PLATFORM_ARGS, Stage, platform_arg_values, variable_references
from xlint.rule import Context, Invalid, Rule, Valid
from xlint.syntax.tree import Instruction, Span

# Instructions whose variables are expanded at build time (by BuildKit or by the RUN shell).
# CMD/ENTRYPOINT/HEALTHCHECK run later, in the container, where build ARGs don't exist at all.
_BUILD_TIME = {"RUN", "ENV", "COPY", "ADD", "WORKDIR", "LABEL", "USER", "EXPOSE", "VOLUME", "STOPSIGNAL", "ARG",
               "SHELL"}


def references(ctx: Context, instr: Instruction) -> list[tuple[str, Span]]:
    """Platform-ARG references in one instruction, with their source spans."""
    tree = ctx.model.tree
    found: list[tuple[str, Span]] = []
    if instr.keyword == "RUN":
        # the shell expands these, even inside `sh -c '...'` strings
        logical = instr.logical
        for name, s, e in variable_references(logical.text):
            found.append((name, logical.source_span(s, e)))
        for doc in instr.heredocs:
            body = tree.text[doc.content_span.start : doc.content_span.end]
            for name, s, e in variable_references(body):
                found.append((name, Span(doc.content_span.start + s, doc.content_span.start + e)))
    else:
        logical = instr.logical
        for name, s, e in referenced_names(logical.text, tree.escape):
            found.append((name, logical.source_span(s, e)))
        if instr.keyword in ("COPY", "ADD"):
            for doc in instr.heredocs:
                if doc.quoted:
                    continue
                body = tree.text[doc.content_span.start : doc.content_span.end]
                for name, s, e in referenced_names(body, tree.escape):
                    found.append((name, Span(doc.content_span.start + s, doc.content_span.start + e)))
    for flag in instr.flags:
        if flag.value_span is None:
            continue
        raw = tree.text[flag.value_span.start : flag.value_span.end]
        for name, s, e in referenced_names(raw, tree.escape):
            found.append((name, Span(flag.value_span.start + s, flag.value_span.start + e)))
    return [(n, sp) for n, sp in found if n in PLATFORM_ARGS]


def insertion(ctx: Context, stage: Stage, name: str, use: Instruction) -> Edit:
    """Insert `ARG NAME` with the stage's ARG lines: after the last ARG before the first use (so that
    steps before it stay shared by all targets), else right after FROM."""
    tree = ctx.model.tree
    anchor = stage.from_instr
    for instr in stage.instructions:
        if instr.span.start >= use.span.start:
            break
        if instr.keyword == "ARG":
            anchor = instr
    line_start = tree.offset(use.start_line, 1)
    indent = ""
    for ch in tree.text[line_start:]:
        if ch not in " \t":
            break
        indent += ch
    written = tree.text[anchor.keyword_span.start : anchor.keyword_span.end]
    keyword = "arg" if written.islower() else "ARG"
    nl = tree.newline
    text = f"{indent}{keyword} {name}{nl}"
    if not anchor.text.endswith(("\n", "\r")):
        text = nl + f"{indent}{keyword} {name}"
    return Edit(anchor.span.end, anchor.span.end, text)


class UndeclaredPlatformArg(Rule):
    __doc__ = __doc__
    code = "XL201"
    name = "undeclared-platform-arg"
    severity = "error"
    message = "`${name}` is used in stage '{stage}' without `ARG {name}` in that stage: it expands to an empty string"
    hint = "Declare it inside the stage (`ARG NAME`): platform ARGs are global and a stage only sees them after its own `ARG NAME`."
    fix_title = "Insert `ARG {name}` in the stage"
    fix_applicability = "safe"

    def check(self, ctx: Context) -> None:
        for stage in ctx.model.stages:
            if stage.index not in ctx.model.reachable:
                continue  # not part of the image being built
            reported: set[str] = set()
            for instr in stage.instructions:
                if instr.keyword not in _BUILD_TIME:
                    continue
                same_instr = {d.arg.value.partition("=")[0] for d in stage.args if d.instruction is instr}
                for name, span in references(ctx, instr):
                    if name in reported or name in same_instr:
                        continue
                    if stage.declaration(name, before=instr) is not None or _inherited(ctx, stage, name):
                        continue
                    if _default_is_right(ctx, span, name):
                        continue
                    if _set_by_env(ctx, stage, instr, name):
                        continue
                    reported.add(name)
                    ctx.report(
                        self,
                        span,
                        self.message.format(name=name, stage=stage.label),
                        edits=[insertion(ctx, stage, name, instr)],
                        fix_title=self.fix_title.format(name=name),
                    )


def _inherited(ctx: Context, stage: Stage, name: str) -> bool:
    """``FROM <earlier stage>`` starts with the parent's build args: an ``ARG NAME`` there serves here."""
    seen: set[int] = set()
    parent = stage.base_stage
    while parent is not None and parent not in seen:
        seen.add(parent)
        st = ctx.model.stages[parent]
        if st.declaration(name) is not None:
            return True
        parent = st.base_stage
    return False


def _default_is_right(ctx: Context, span: Span, name: str) -> bool:
    """``${TARGETOS:-linux}`` when every target's TARGETOS is ``linux``: the empty value never shows."""
    m = re.compile(r"\$\{" + name + r":?-([^}$]*)\}").match(ctx.model.tree.text, span.start)
    if m is None:
        return False
    default = m.group(1).strip("\"'")
    values = {platform_arg_values(t, ctx.model.build_platform)[name] for t in ctx.model.targets}
    return values == {default}


def _set_by_env(ctx: Context, stage: Stage, before: Instruction, name: str) -> bool:
    """True when an ENV of this stage (or of a stage it is built on) sets the name before the use."""
    s: Stage | None = stage
    while s is not None:
        for instr in s.instructions:
            if s is stage and instr.span.start >= before.span.start:
                break
            if instr.keyword == "ENV" and name in instr.value[0::2]:
                return True
        s = ctx.model.stages[s.base_stage] if s.base_stage is not None else None
    return False


UndeclaredPlatformArg.valid = [
    # a stage built on another starts with the parent's ARGs (BuildKit; moby/buildkit#5381 documents it)
    Valid("FROM alpine AS a\nARG TARGETARCH\nFROM a\nRUN <<EOF\necho $TARGETARCH\nEOF\n"),
    Valid("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETARCH\n"
          "FROM build AS publish\nRUN GOARCH=$TARGETARCH go build -o /out/app .\n"),
    # a default that is right for every target
    Valid("FROM alpine\nRUN echo ${TARGETOS:-linux} > /os\n"),
    Valid("FROM alpine\nCOPY dist/${TARGETOS:-linux}/app /app\n"),
    Valid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n"
    ),
    Valid("ARG TARGETARCH\nFROM --platform=linux/$TARGETARCH alpine\nRUN echo hi\n"),
    Valid("FROM alpine\nARG TARGETARCH=amd64\nRUN echo ${TARGETARCH}\n"),
    Valid("FROM alpine\nCMD echo $TARGETARCH\n"),
    Valid("FROM alpine\nENV TARGETARCH=arm64\nRUN echo $TARGETARCH\n"),
    Valid("FROM alpine\nRUN echo \\$TARGETARCH $HOME\n"),
    Valid("FROM alpine\nCOPY <<'EOF' /x\n$TARGETARCH\nEOF\n"),
]

UndeclaredPlatformArg.invalid = [
    # the default is right for one target only
    Invalid("FROM alpine\nRUN echo ${TARGETARCH:-amd64} > /arch\n", line=2,
            fixed="FROM alpine\nARG TARGETARCH\nRUN echo ${TARGETARCH:-amd64} > /arch\n"),
    Invalid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETOS\n"
        "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n",
        line=3,
        fixed="FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETOS\n"
        "ARG TARGETARCH\n"
        "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n",
    ),
    Invalid(
        "ARG TARGETARCH\nFROM alpine\nRUN wget https://example.com/tool-${TARGETARCH}.tar.gz\n",
        line=3,
        fixed="ARG TARGETARCH\nFROM alpine\nARG TARGETARCH\nRUN wget https://example.com/tool-${TARGETARCH}.tar.gz\n",
    ),
    Invalid(
        "from alpine as base\n  workdir /src\n  copy --from=tools /bin/tool-$BUILDARCH /usr/bin/tool\n",
        line=3,
        fixed="from alpine as base\n  arg BUILDARCH\n  workdir /src\n  copy --from=tools /bin/tool-$BUILDARCH /usr/bin/tool\n",
    ),
    Invalid(
        "FROM --platform=$BUILDPLATFORM golang AS build\nCOPY go.* ./\nRUN go mod download\nARG TARGETOS\n"
        "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /app .\n",
        line=5,
        fixed="FROM --platform=$BUILDPLATFORM golang AS build\nCOPY go.* ./\nRUN go mod download\nARG TARGETOS\n"
        "ARG TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /app .\n",
    ),
    Invalid(
        "FROM alpine\r\nENV ARCH=${TARGETARCH:-amd64}\r\n",
        line=2,
        fixed="FROM alpine\r\nARG TARGETARCH\r\nENV ARCH=${TARGETARCH:-amd64}\r\n",
    ),
    Invalid("FROM alpine\nRUN sh -c 'echo $TARGETPLATFORM'", line=2,
            fixed="FROM alpine\nARG TARGETPLATFORM\nRUN sh -c 'echo $TARGETPLATFORM'"),
]
