r"""XL209 constant-platform.

## What it does
Reports a FROM whose `--platform` is a constant (`FROM --platform=linux/amd64 ...`), unless the stage
name carries that OS or architecture (`AS build-amd64`), as BuildKit's own check allows.

## Why is this bad?
A constant platform forces the stage onto that platform for every target of a multi-platform build.
For a stage whose files reach the image, the arm64 image then ships amd64 binaries (`exec format error`
on arm64 nodes); on an arm64 build machine the stage runs emulated even when building for arm64.
The intent is almost always `$BUILDPLATFORM` (a native builder that cross-compiles) or no flag at all
(the target platform).

## Example
```dockerfile
FROM --platform=linux/amd64 golang:1.22 AS build
RUN go build -o /out/app .
FROM alpine
COPY --from=build /out/app /app
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETOS TARGETARCH
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
FROM alpine
COPY --from=build /out/app /app
```

## References
- BuildKit check FromPlatformFlagConstDisallowed
  (docs.docker.com/reference/build-checks/from-platform-flag-const-disallowed/)
- moby/buildkit `dockerfile2llb/convert.go` `reportConstPlatformDisallowed`
"""

from __future__ import annotations

from xlint.expand import parse_platform, referenced_names
from xlint.rule import Context, Invalid, Rule, Valid


class ConstantPlatform(Rule):
    __doc__ = __doc__
    code = "XL209"
    name = "constant-platform"
    severity = "warning"
    message = "`--platform={value}` forces stage '{stage}' onto {value} for every target platform"
    hint = ("Use `--platform=$BUILDPLATFORM` for a builder that cross-compiles, or drop the flag to build "
            "for each target; name the stage after the platform (`AS build-{arch}`) if it is deliberate.")

    def check(self, ctx: Context) -> None:
        model = ctx.model
        for stage in model.stages:
            flag = stage.from_instr.flag("platform")
            if flag is None or flag.value is None or stage.platform.flag_ignored:
                continue
            if referenced_names(flag.value, model.tree.escape):
                continue  # BuildKit: any substitution means it is not a constant
            parsed = parse_platform(flag.value)
            if parsed is None:
                continue
            os_name, arch, _variant = parsed
            lowered = (stage.name or "").lower()
            if lowered and (os_name in lowered or arch in lowered):
                continue
            ctx.report(
                self,
                flag.span,
                self.message.format(value=flag.value, stage=stage.label),
                hint=self.hint.format(arch=arch),
            )


ConstantPlatform.valid = [
    Valid("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM alpine\n"),
    Valid("FROM --platform=linux/amd64 alpine AS fetch-amd64\nFROM --platform=linux/arm64 alpine AS fetch_arm64\n"),
    Valid("FROM --platform=linux/arm64 alpine AS linux-tools\n"),
    Valid("ARG P=linux/amd64\nFROM --platform=$P alpine\n"),
    Valid("FROM alpine AS base\nFROM --platform=linux/amd64 base\n"),  # ignored flag: XL203's report
]

ConstantPlatform.invalid = [
    Invalid("FROM --platform=linux/amd64 golang:1.22 AS build\nFROM alpine\n", line=1),
    Invalid("FROM --platform=linux/arm64/v8 debian:bookworm\nRUN echo hi\n", line=1),
    Invalid("FROM alpine AS a\nfrom --platform=linux/arm/v7 alpine as builder\n", line=2),
    Invalid("FROM --platform=amd64 alpine AS build-arm64\n", line=1),
]
