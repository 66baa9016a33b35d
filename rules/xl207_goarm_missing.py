r"""XL207 goarm-missing.

## What it does
Reports a Go cross build (`go build`/`go install` with `GOARCH` set in a stage that runs on the build
platform) when the target platforms include `linux/arm/v6` or `linux/arm/v7` and no `GOARM` is set for
the command (prefix, `export`, `ENV`, `ARG` or `go env -w`). `xx-go` sets GOARM itself and is not
reported.

## Why is this bad?
`TARGETARCH` is `arm` for both ARMv6 and ARMv7; the variant is only in `TARGETVARIANT`. A cross Go
build defaults to `GOARM=7`, so the `linux/arm/v6` image (Raspberry Pi Zero/1) gets ARMv7
instructions and crashes with `SIGILL: illegal instruction`.

## Example
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETOS TARGETARCH TARGETVARIANT
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=${TARGETVARIANT#v} go build -o /out/app .
```

`xlint fix` adds `GOARM=${TARGETVARIANT#v}` to every such build and `ARG TARGETVARIANT` to the stage.

## References
- Go wiki: GoArm
- tonistiigi/xx `xx-go` (sets GOARM from TARGETVARIANT)
"""

from __future__ import annotations

from xlint.rule import Context, Invalid, Rule, Valid
from xlint.toolchains import goarm_unset_builds


class GoarmMissing(Rule):
    __doc__ = __doc__
    code = "XL207"
    name = "goarm-missing"
    message = ("`{cmd}` cross-compiles for {arms} without `GOARM`: Go defaults to GOARM=7, so the "
               "linux/arm/v6 image gets ARMv7 code (SIGILL)")
    hint = "Declare `ARG TARGETVARIANT` and set `GOARM=${TARGETVARIANT#v}` for the build (or use `xx-go`)."
    fix_title = "Add `GOARM=${TARGETVARIANT#v}` (and `ARG TARGETVARIANT`)"
    fix_applicability = "safe"

    def check(self, ctx: Context) -> None:
        model = ctx.model
        arms = [f"linux/arm/{t[2]}" for t in model.targets if t[1] == "arm" and t[2] in ("v6", "v7")]
        if not arms:
            return
        builds = goarm_unset_builds(model)
        if not builds:
            return
        from xlint.fixes.go import goarm_fix  # (the fix recipes load only for a file with a finding)

        edits = goarm_fix(model)
        for _stage, _instr, cmd, comp in builds:
            ctx.report(self, cmd.span, self.message.format(cmd=comp.label, arms=", ".join(arms)),
                       edits=edits or None)


_ARM = ("linux/amd64", "linux/arm64", "linux/arm/v7")

GoarmMissing.valid = [
    Valid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETOS TARGETARCH TARGETVARIANT\n"
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=${TARGETVARIANT#v} go build -o /out/app .\n"
        "FROM scratch\nCOPY --from=build /out/app /app\n",
        platforms=_ARM,
    ),
    # no arm target
    Valid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n"
        "FROM scratch\nCOPY --from=build /out/app /app\n"
    ),
    # xx-go sets GOARM; ENV GOARM counts
    Valid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "COPY --from=tonistiigi/xx / /\n"
        "ARG TARGETPLATFORM TARGETVARIANT\n"
        "RUN xx-go build -o /out/a ./a\n"
        "ENV GOARM=${TARGETVARIANT#v}\n"
        "ARG TARGETARCH\n"
        "RUN GOARCH=$TARGETARCH go build -o /out/b ./b\n"
        "FROM scratch\nCOPY --from=build /out /out\n",
        platforms=_ARM,
    ),
    # native (emulated) build on the target platform: not a cross build
    Valid("FROM golang:1.22\nRUN go build -o /app .\n", platforms=_ARM),
]

GoarmMissing.invalid = [
    Invalid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n"
        "FROM scratch\nCOPY --from=build /out/app /app\n",
        line=3,
        platforms=_ARM,
        fixed="FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETOS TARGETARCH TARGETVARIANT\n"
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=${TARGETVARIANT#v} go build -o /out/app .\n"
        "FROM scratch\n"
        "COPY --from=build /out/app /app\n",
    ),
    Invalid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETARCH\n"
        "ENV CGO_ENABLED=0 GOARCH=$TARGETARCH\n"
        "RUN go build -o /out/a ./a && go install ./cmd/b\n"
        "FROM scratch\nCOPY --from=build /out /out\n",
        line=4,
        count=2,
        platforms=("linux/arm/v6", "linux/arm/v7"),
        fixed="FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETARCH TARGETVARIANT\n"
        "ENV CGO_ENABLED=0 GOARCH=$TARGETARCH\n"
        "RUN GOARM=${TARGETVARIANT#v} go build -o /out/a ./a && GOARM=${TARGETVARIANT#v} go install ./cmd/b\n"
        "FROM scratch\n"
        "COPY --from=build /out /out\n",
    ),
    Invalid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETARCH\n"
        "RUN export GOARCH=$TARGETARCH && go build -o /app .\n"
        "FROM alpine\nCOPY --from=build /app /app\n",
        line=3,
        platforms=("linux/arm/v7",),
        fixed="FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETARCH TARGETVARIANT\n"
        "RUN export GOARCH=$TARGETARCH && GOARM=${TARGETVARIANT#v} go build -o /app .\n"
        "FROM alpine\n"
        "COPY --from=build /app /app\n",
    ),
]
