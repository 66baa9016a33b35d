r"""XL210 redundant-target-platform.

## What it does
Reports `FROM --platform=$TARGETPLATFORM` (or `${TARGETPLATFORM}`): the flag repeats the default.

## Why is this bad?
A stage is built for the target platform unless told otherwise, so the flag changes nothing for
BuildKit (its own check `RedundantTargetPlatform`, hadolint DL3065). It is noise that hides the flags
that matter (`--platform=$BUILDPLATFORM` on cross-compiling builders) and suggests to readers that the
other stages run somewhere else. Exception: buildah 1.28 needs it on the final stage when
`BUILDPLATFORM` is passed as a build arg (containers/buildah#4742); keep it there with
`# xlint: ignore=XL210` if you build with that buildah.

## Example
```dockerfile
FROM --platform=$TARGETPLATFORM alpine:3.20
```

## Use instead
```dockerfile
FROM alpine:3.20
```

## References
- BuildKit check RedundantTargetPlatform (docs.docker.com/reference/build-checks/redundant-target-platform/)
- hadolint DL3065
- containers/buildah#4742
"""

from __future__ import annotations

from xlint.diagnostics import Edit
from xlint.expand import referenced_names
from xlint.model import expand_word
from xlint.rule import Context, Invalid, Rule, Valid
from xlint.syntax.tree import Flag

_PROBE = "xlos/xlarch/xlvariant"


class RedundantTargetPlatform(Rule):
    __doc__ = __doc__
    code = "XL210"
    name = "redundant-target-platform"
    severity = "info"
    message = "`--platform={value}` is redundant: stages are built for the target platform by default"
    hint = "Remove the flag (buildah 1.28 is the exception: containers/buildah#4742)."
    fix_title = "Remove the redundant `--platform` flag"
    fix_applicability = "safe"

    def check(self, ctx: Context) -> None:
        model = ctx.model
        pinned = model.global_default("TARGETPLATFORM")
        if pinned is not None and pinned.default is not None:
            return  # pinned globally (XL202): the flag is not the automatic value
        for stage in model.stages:
            flag = stage.from_instr.flag("platform")
            if flag is None or flag.value is None or stage.platform.flag_ignored:
                continue
            if not _is_target_platform(flag, model.tree.escape):
                continue
            ctx.report(
                self,
                flag.span,
                self.message.format(value=flag.value),
                edits=[_remove_flag(model.tree.text, flag)],
            )


def _is_target_platform(flag: Flag, escape: str) -> bool:
    """Only ``TARGETPLATFORM`` is referenced and the value is exactly its value (as BuildKit checks)."""
    assert flag.value is not None
    names = {name for name, _s, _e in referenced_names(flag.value, escape)}
    if names != {"TARGETPLATFORM"}:
        return False
    return expand_word(flag.value, {"TARGETPLATFORM": _PROBE}, escape) == _PROBE


def _remove_flag(text: str, flag: Flag) -> Edit:
    """Remove the flag and the blanks after it (not a line continuation)."""
    end = flag.span.end
    while end < len(text) and text[end] in " \t":
        end += 1
    return Edit(flag.span.start, end, "")


RedundantTargetPlatform.valid = [
    Valid("FROM alpine:3.20\n"),
    Valid("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM alpine\n"),
    Valid("FROM --platform=linux/$TARGETARCH alpine\n"),
    Valid("ARG TARGETPLATFORM=linux/amd64\nFROM --platform=$TARGETPLATFORM alpine\n"),
    Valid("FROM alpine AS a\nFROM --platform=$TARGETPLATFORM a\n"),  # XL203's report
]

RedundantTargetPlatform.invalid = [
    Invalid(
        "FROM --platform=$TARGETPLATFORM alpine:3.20\nRUN echo hi\n",
        line=1,
        fixed="FROM alpine:3.20\nRUN echo hi\n",
    ),
    Invalid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "FROM --platform=${TARGETPLATFORM}  gcr.io/distroless/static AS final\n",
        line=2,
        fixed="FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "FROM gcr.io/distroless/static AS final\n",
    ),
    Invalid(
        "from --platform=\"$TARGETPLATFORM\" \\\n    alpine\r\n",
        line=1,
        fixed="from \\\n    alpine\r\n",
    ),
    Invalid(
        "FROM --link --platform=$TARGETPLATFORM alpine\n",
        line=1,
        fixed="FROM --link alpine\n",
    ),
]
