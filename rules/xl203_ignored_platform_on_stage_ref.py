r"""XL203 ignored-platform-on-stage-ref.

## What it does
Reports `FROM --platform=... <stage>` where `<stage>` is an earlier stage of the same Dockerfile and the
flag asks for another platform than the one the stage inherits, in a stage the image is built from.

## Why is this bad?
BuildKit ignores `--platform` on a FROM that names another stage: the new stage inherits the platform of
the stage it is built on (moby/buildkit#2946, #4929). `FROM --platform=$BUILDPLATFORM base AS build`
therefore still runs on the target platform when `base` does: the compile the flag was meant to move to
the build machine runs under QEMU (5-10x slower, .NET restore can hang), and nothing warns about it.

## Example
```dockerfile
FROM golang:1.22 AS base
WORKDIR /src
RUN go mod download
FROM --platform=$BUILDPLATFORM base AS build
ARG TARGETOS TARGETARCH
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS base
WORKDIR /src
RUN go mod download
FROM base AS build
ARG TARGETOS TARGETARCH
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
```
The fix moves the flag to the stage that is inherited from, when every user of that stage asks for the
build platform; otherwise the stages need to be split by hand.

## References
- moby/buildkit#2946, moby/buildkit#4929
- BuildKit docs: "Multi-platform builds", `FROM --platform`
"""

from __future__ import annotations

from xlint.diagnostics import Edit
from xlint.expand import referenced_names
from xlint.model import BUILD_ARGS, Model, Stage, expand_word
from xlint.rule import Context, Invalid, Rule, Valid
from xlint.syntax.tree import Flag

_PROBE = {"BUILDPLATFORM": "xlbos/xlbarch/xlbvar", "BUILDOS": "xlbos", "BUILDARCH": "xlbarch",
          "BUILDVARIANT": "xlbvar"}


class IgnoredPlatformOnStageRef(Rule):
    __doc__ = __doc__
    code = "XL203"
    name = "ignored-platform-on-stage-ref"
    severity = "warning"
    message = ("`--platform={value}` is ignored: stage '{stage}' is built on stage '{parent}' and inherits "
               "its platform")
    hint = ("Stage '{stage}' runs on {parent_platform}. Put `--platform` on the FROM of stage '{root}' "
            "(the stage that pulls the image).")
    fix_title = "Move `--platform` to the FROM of the inherited stage"
    fix_applicability = "safe"

    def check(self, ctx: Context) -> None:
        model = ctx.model
        for stage in model.stages:
            flag = stage.platform.flag
            if not stage.platform.flag_ignored or flag is None or stage.base_stage is None:
                continue
            if stage.index not in model.reachable or _same_as_inherited(model, stage, flag):
                continue
            root = _root(model, stage)
            moved = _move_edits(ctx, stage, flag, root)
            hint = self.hint.format(stage=stage.label, parent_platform=_describe(root), root=root.label)
            edits = None
            if isinstance(moved, str):
                hint = f"{hint} No automatic fix: {moved}."
            else:
                edits = moved
            ctx.report(
                self,
                flag.span,
                self.message.format(value=flag.value or "", stage=stage.label,
                                    parent=model.stages[stage.base_stage].label),
                hint=hint,
                edits=edits,
            )


def _same_as_inherited(model: Model, stage: Stage, flag: Flag) -> bool:
    """The ignored flag asks for the platform the stage inherits anyway: nothing changes."""
    asked, inherited = model.classify_platform(flag), stage.platform
    if asked.kind in ("unknown",) or asked.kind != inherited.kind:
        return False
    return asked.kind != "constant" or asked.constant == inherited.constant


def _root(model: Model, stage: Stage) -> Stage:
    """The stage that pulls the image this stage is (transitively) built on."""
    s = stage
    while s.base_stage is not None:
        s = model.stages[s.base_stage]
    return s


def _describe(stage: Stage) -> str:
    p = stage.platform
    if p.kind == "build":
        return "the build platform"
    if p.kind == "target":
        return "the target platform"
    if p.kind == "constant" and p.constant:
        return p.constant
    return "set by its own FROM"


def _wants_build(flag: Flag | None, escape: str) -> bool:
    """The flag spells the build platform (``$BUILDPLATFORM``, ``${BUILDOS}/${BUILDARCH}``...)."""
    if flag is None or flag.value is None:
        return False
    names = {n for n, _s, _e in referenced_names(flag.value, escape)}
    if not names or not names <= set(BUILD_ARGS):
        return False
    value = expand_word(flag.value, _PROBE, escape)
    return value in ("xlbos/xlbarch/xlbvar", "xlbos/xlbarch")


def _move_edits(ctx: Context, stage: Stage, flag: Flag, root: Stage) -> list[Edit] | str:
    """Edits that move the flag to ``root``'s FROM, or why not (it would change another stage)."""
    model = ctx.model
    text = model.tree.text
    escape = model.tree.escape
    if not _wants_build(flag, escape):
        return (f"the flag asks for another platform than the build platform, and whether stage '{root.label}' "
                "may run there is for the author to decide")
    remove = _remove_flag(text, flag)
    if root.platform.kind == "build" and root.platform.flag is not None:
        return [remove]  # the flag already sits where it matters; this one only misleads
    if root.platform.flag is not None:
        return f"stage '{root.label}' asks for its own platform on purpose; moving the flag there would change it"
    # every direct user of root must want the build platform: stages built on it asking for it with
    # their (ignored) flag, stages reading its files that run on the build platform themselves
    removals = {flag.span.start: remove}
    for edge in model.users(root.index):
        user = model.stages[edge.target]
        if edge.kind == "base":
            if not _wants_build(user.platform.flag, escape):
                return (f"stage '{user.label}' is also built on stage '{root.label}' and runs on the target "
                        f"platform; give this stage its own `FROM --platform=$BUILDPLATFORM` root instead")
            if user.platform.flag is not None:  # once the root moves, the sibling flags only mislead
                removals.setdefault(user.platform.flag.span.start, _remove_flag(text, user.platform.flag))
        elif user.platform.kind != "build":
            return (f"stage '{user.label}' copies from stage '{root.label}' on the target platform, and moving "
                    f"'{root.label}' would change what it gets")
    keyword = root.from_instr.keyword_span
    flag_text = text[flag.span.start : flag.span.end]
    return [*sorted(removals.values(), key=lambda e: e.start), Edit(keyword.end, keyword.end, " " + flag_text)]


def _remove_flag(text: str, flag: Flag) -> Edit:
    end = flag.span.end
    while end < len(text) and text[end] in " \t":
        end += 1
    return Edit(flag.span.start, end, "")


IgnoredPlatformOnStageRef.valid = [
    # the ignored flag asks for the platform the stage inherits anyway
    Valid("FROM --platform=$BUILDPLATFORM node:20 AS deps\nFROM --platform=$BUILDPLATFORM deps AS build\n"
          "FROM nginx\nCOPY --from=build /app/dist /usr/share/nginx/html\n"),
    # not part of the image being built
    Valid("FROM golang:1.22 AS base\nFROM --platform=$BUILDPLATFORM base AS unused\nFROM alpine\n"),
    Valid("FROM --platform=$BUILDPLATFORM golang:1.22 AS base\nFROM base AS build\nRUN go version\n"),
    Valid("FROM alpine AS a\nFROM a AS b\nFROM b\n"),
    Valid("FROM --platform=$BUILDPLATFORM alpine AS a\nFROM --platform=$BUILDPLATFORM busybox AS b\n"
          "COPY --from=a /x /x\n"),
]

IgnoredPlatformOnStageRef.invalid = [
    Invalid(
        "FROM golang:1.22 AS base\nRUN go mod download\n"
        "FROM --platform=$BUILDPLATFORM base AS build\nRUN go build -o /out/app .\n"
        "FROM alpine\nCOPY --from=build /out/app /app\n",
        line=3,
        fixed="FROM --platform=$BUILDPLATFORM golang:1.22 AS base\nRUN go mod download\n"
        "FROM base AS build\nRUN go build -o /out/app .\n"
        "FROM alpine\nCOPY --from=build /out/app /app\n",
    ),
    # base is also the image's base: moving the flag would move the image; report only
    Invalid(
        "FROM alpine AS base\nFROM --platform=$BUILDPLATFORM base AS tools\nRUN echo tools\n"
        "FROM base\nCOPY --from=tools /x /x\n",
        line=2,
    ),
    Invalid("FROM alpine AS a\nFROM --platform=linux/arm64 a\n", line=2),
    Invalid(
        "from debian AS base\nfrom --platform=${BUILDOS}/${BUILDARCH} base AS b1\n"
        "from --platform=${BUILDOS}/${BUILDARCH} base AS b2\nfrom busybox\ncopy --from=b1 /a /a\n"
        "copy --from=b2 /b /b\n",
        line=2,
        count=2,
        fixed="from --platform=${BUILDOS}/${BUILDARCH} debian AS base\nfrom base AS b1\n"
        "from base AS b2\nfrom busybox\ncopy --from=b1 /a /a\ncopy --from=b2 /b /b\n",
    ),
]
