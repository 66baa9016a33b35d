r"""XL208 cgo-implicit.

## What it does
Reports a Go cross build (`go build`/`go install` with `GOARCH` set, or `xx-go build`, in a stage that
runs on the build platform) without an explicit `CGO_ENABLED` for the command: as a prefix
(`CGO_ENABLED=0 go build`), `export`, `ENV`, `ARG` of the stage, or `go env -w`.

## Why is this bad?
Go's default for cgo flips: it is on for native builds (when a C compiler is present) and off for
cross builds. The same Dockerfile then gives a dynamically linked binary for the build machine's
platform and a static one for the others; the dynamic one fails in `scratch` or distroless/static
images (`no such file or directory`: its loader is missing), and only on that one platform. Say which
one you want.

## Example
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETOS TARGETARCH
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM scratch
COPY --from=build /out/app /app
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM scratch
COPY --from=build /out/app /app
```
(With cgo: `CGO_ENABLED=1` and a C cross toolchain, e.g. tonistiigi/xx `xx-go`.)

`xlint fix` adds `CGO_ENABLED=0` when the build context's Go files can be read and none has `import "C"`
(nor a go.mod requiring a module that needs cgo); otherwise it reports only.

## References
- Go `cmd/cgo` docs: "The cgo tool is enabled by default for native builds on systems where it is
  expected to work. It is disabled by default when cross-compiling."
"""

from __future__ import annotations

from xlint.rule import Context, Invalid, Rule, Valid
from xlint.toolchains import implicit_cgo_builds


class CgoImplicit(Rule):
    __doc__ = __doc__
    code = "XL208"
    name = "cgo-implicit"
    message = ("`{cmd}` cross-compiles without an explicit `CGO_ENABLED`: cgo is on for the native platform and "
               "off for the others, so the binaries differ in linking (dynamic vs static)")
    hint = ("Set `CGO_ENABLED=0` for a static binary (or `CGO_ENABLED=1` with a C cross toolchain such as "
            "tonistiigi/xx) on the build command or with `ENV`.")
    fix_title = "Add `CGO_ENABLED=0`"
    fix_applicability = "safe"

    def check(self, ctx: Context) -> None:
        model = ctx.model
        builds = implicit_cgo_builds(model)
        if not builds:
            return
        from xlint.fixes.go import cgo_fix  # (the fix recipes load only for a file with a finding)

        edits, reason = cgo_fix(model, ctx.options.context)
        hint = self.hint if edits else f"{self.hint} Not fixed automatically: {reason}."
        for _instr, cmd, comp in builds:
            ctx.report(self, cmd.span, self.message.format(cmd=comp.label), hint=hint, edits=edits or None)


CgoImplicit.valid = [
    Valid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n"
        "FROM scratch\nCOPY --from=build /out/app /app\n"
    ),
    Valid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ENV CGO_ENABLED=0\n"
        "ARG TARGETARCH\n"
        "RUN GOARCH=$TARGETARCH go build -o /out/a ./a\n"
        "RUN go env -w CGO_ENABLED=1 && export GOARCH=$TARGETARCH && go build -o /out/b ./b\n"
        "FROM scratch\nCOPY --from=build /out /out\n"
    ),
    # not a cross build: no GOARCH, or a target-platform stage
    Valid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS gen\n"
        "RUN go run ./cmd/gen && go test ./...\n"
        "FROM golang:1.22 AS build\n"
        "ARG TARGETARCH\n"
        "RUN GOARCH=$TARGETARCH go build -o /app .\n"
        "FROM scratch\nCOPY --from=build /app /app\nCOPY --from=gen /x /x\n"
    ),
    Valid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETARCH CGO_ENABLED=0\n"
        "RUN env GOARCH=$TARGETARCH go build -o /app .\n"
        "FROM scratch\nCOPY --from=build /app /app\n"
    ),
]

CgoImplicit.invalid = [
    Invalid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n"
        "FROM scratch\nCOPY --from=build /out/app /app\n",
        line=3,
    ),
    Invalid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n"
        "FROM scratch\nCOPY --from=build /out/app /app\n",
        line=3,
        context={"go.mod": "module example.com/app\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() {}\n"},
        fixed="FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n"
        "FROM scratch\nCOPY --from=build /out/app /app\n",
    ),
    Invalid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "COPY --from=tonistiigi/xx / /\n"
        "ARG TARGETPLATFORM\n"
        "RUN xx-go build -o /out/app . && xx-verify /out/app\n"
        "FROM alpine\nCOPY --from=build /out/app /app\n",
        line=4,
    ),
    Invalid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETARCH\n"
        "ENV GOARCH=$TARGETARCH\n"
        "RUN sh -c 'go build -o /a ./a' && (CGO_ENABLED=0 go build -o /b ./b) && go install ./c\n"
        "FROM alpine\nCOPY --from=build /a /a\n",
        line=4,
        count=2,
    ),
]
