r"""XL101 go-compile-emulated.

## What it does
Reports `go build`, `go install`, `go test` and `go run` (and the builders that run `go build` for the GOOS/GOARCH
of their environment: `xcaddy build`, `garble build`, `goreleaser build --single-target`) in a stage that runs on the target platform when some
target platform differs from the build platform (`--platform linux/amd64,linux/arm64` on an amd64
runner): for the other platforms the Go compiler itself runs under QEMU. `go mod download`, `go vet`,
`go env` and `go version` are not reported. Only stages the build needs are checked.

## Why is this bad?
Compiling under emulation is 5-10x slower than natively. Measured (2 vCPU, Go 1.19, a small net/http
program, cold cache): native 4.1 s, cross-compiled amd64->arm64 10.8 s, arm64 under qemu-aarch64
29.4 s (7.2x native; 9.8x for a full rebuild). The Go toolchain cross-compiles by itself: there is no
reason to emulate it. Setting `GOARCH=$TARGETARCH` on a builder without `--platform` (the kubebuilder
layout) gives correct binaries, still compiled under QEMU.

## Example
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
```

`xlint fix` does this for a builder stage (its binaries reach the final image only through `COPY
--from`): `--platform=$BUILDPLATFORM` (on the chain's root, or a new build-platform root, when the stage
is built `FROM` another one), `ARG TARGETOS TARGETARCH` (+ `TARGETVARIANT` for arm) before the first
compile, `GOOS`/`GOARCH`(/`GOARM`) prefixes on the commands that build the shipped binaries (also on a
`make` that drives them; not on `go test` or tools the stage runs itself), `go env GOARCH` probes
replaced by the target's value, `CGO_ENABLED=0` when the build context's Go files have no `import "C"`
(an unsafe fix that says so when the context cannot be read), local `go install` rewritten to `go build
-o $(go env GOPATH)/bin/` and a cross `go install PKG@version`/`go get` moved back from
`$GOPATH/bin/linux_<arch>/`. cgo builds (`CGO_ENABLED=1`, `-buildmode=c-shared`, `import "C"`, or a C
compiler installed with cgo use unknown) get the unsafe tonistiigi/xx rewrite (`xx-go`). A `strip`,
`ldd` or run of the new binary after the compile keeps the stage as it is, with the reason. With
`--unsafe-fixes`, a final stage that compiles is split into a builder stage and a `COPY --from` of the
outputs, and Go tools installed into the final image are built in a build-platform stage it copies from.

## References
- BuildKit docs, multi-platform builds: "not recommended for CPU intensive tasks like compiling"
- Docker blog "Faster Multi-Platform Builds: Dockerfile Cross-Compilation Guide"
- kubernetes-sigs/kubebuilder#4560
"""

from __future__ import annotations

from xlint.derived import report_derived
from xlint.fixes.emulated import report_emulated
from xlint.rule import Context, Invalid, Rule, Valid


class GoCompileEmulated(Rule):
    __doc__ = __doc__
    code = "XL101"
    name = "go-compile-emulated"
    message = ("`{cmd}` runs under QEMU emulation in stage '{stage}' for {platforms}: compiles run 5-10x "
               "slower emulated (measured: a Go build 7.2x native)")
    hint = ("Cross-compile natively: `FROM --platform=$BUILDPLATFORM golang... AS build`, `go mod download` "
            "first, then `ARG TARGETOS TARGETARCH` and `CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build`"
            " (add `GOARM=${TARGETVARIANT#v}` for arm; tonistiigi/xx `xx-go` when cgo is needed), then COPY "
            "the binary into the runtime stage.")
    fix_title = "Move the Go build to a `--platform=$BUILDPLATFORM` builder with GOOS/GOARCH from TARGETOS/TARGETARCH"
    fix_applicability = "safe"
    emulation = True

    def check(self, ctx: Context) -> None:
        report_emulated(self, ctx, "go")
        report_derived(self, ctx, "go")


GoCompileEmulated.valid = [
    # goreleaser without --single-target builds the targets its config lists, not the image's platform
    Valid("FROM golang:1.22\nCOPY . .\nRUN goreleaser release --snapshot && xcaddy version\n"),
    Valid("FROM alpine:3.20\nCOPY build.sh ./\nRUN ./build.sh\n"),  # no compiler in the stage
    Valid("FROM golang:1.22\nCOPY hack/install.sh ./\nRUN ./install.sh helm\n"),  # installs are often downloads
    Valid("FROM golang:1.22\nRUN ./configure-db && /usr/local/bin/build\n"),  # not a build script's name / absolute
    Valid("FROM golang:1.22\nCOPY . .\nRUN ./fetch.sh && sh scripts/gen.py\n",
          context={"fetch.sh": "#!/bin/sh\ngo mod download\n", "scripts/gen.py": "#!/usr/bin/env python3\n"}),
    # the correct cross build
    Valid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "RUN go mod download\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n"
        "FROM scratch\n"
        "COPY --from=build /out/app /app\n"
    ),
    # downloads and vet are not compiles
    Valid("FROM golang:1.22\nRUN go mod download && go vet ./... && go version\n"),
    # one target, the build platform itself: nothing is emulated
    Valid("FROM golang:1.22\nRUN go build -o /app .\n", platforms=("linux/amd64",)),
    # the emulated stage is not needed by the final stage
    Valid("FROM golang:1.22 AS unused\nRUN go build -o /app .\nFROM alpine\nRUN echo hi\n"),
    # native arm64 runner building arm64 only
    Valid("FROM golang:1.22\nRUN go install ./cmd/app\n", platforms=("linux/arm64",), build_platform="linux/arm64"),
]

GoCompileEmulated.invalid = [
    # an install script run after the stage installed a library's headers: it builds against them
    Invalid("FROM golang:1.22\nRUN apt-get update && apt-get install -y libseccomp-dev\n"
            "COPY script/install-runtime ./\nRUN ./install-runtime\n", line=4),
    # `go run` compiles the program it runs (no fix: what it writes may be the platform's own)
    Invalid("FROM golang:1.22 AS gen\nCOPY . .\nRUN go run ./cmd/gen > /out.json\n"
            "FROM alpine:3.20\nCOPY --from=gen /out.json /data.json\n", line=3),
    # Go builders that run `go build` themselves
    Invalid("FROM caddy:2-builder AS build\nRUN xcaddy build --with github.com/example/plugin\n"
            "FROM caddy:2\nCOPY --from=build /usr/bin/caddy /usr/bin/caddy\n", line=2),
    Invalid("FROM golang:1.22\nCOPY . .\nRUN goreleaser build --single-target --snapshot -o /app && garble build .\n",
            line=3, count=2),
    # the compile is in a script of the build context, or in a variable: reported at the step, not fixed
    Invalid("FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN ./build.sh\n", line=4,
            context={"build.sh": "#!/bin/sh\nset -e\nCGO_ENABLED=0 go build -o /out/app ./cmd/app\n"}),
    Invalid("FROM golang:1.22\nENV BUILD=\"go build -o /out/app .\"\nRUN sh -c \"$BUILD\"\n", line=3),
    # without the context, a build script run where the compiler is
    Invalid("ARG GO_IMAGE=golang\nFROM ${GO_IMAGE}:1.22 AS go\nFROM go\nCOPY build ./\nRUN ./build\n", line=5),
    # a cgo builder: cross-compiled with tonistiigi/xx (unsafe: adds a stage and packages)
    Invalid(
        "FROM golang:1.22-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /out/app /app\n",
        line=4,
        context={"go.mod": "module x\n\ngo 1.22\n",
                 "main.go": 'package main\n\n// #include <stdio.h>\nimport "C"\n\nfunc main() {}\n'},
        unsafe=True,
        fixed="FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx\n"
        "FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS build\nCOPY --from=xx / /\n"
        "RUN apt-get update && apt-get install -y clang lld\nWORKDIR /src\nCOPY . .\nARG TARGETPLATFORM\n"
        "RUN xx-apt-get install -y gcc libc6-dev\nRUN CGO_ENABLED=1 xx-go build -o /out/app . \\\n"
        "    && xx-verify /out/app\nFROM debian:bookworm-slim\nCOPY --from=build /out/app /app\n",
    ),
    Invalid(
        "FROM golang:1.22 AS build\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "RUN go mod download\n"
        "RUN CGO_ENABLED=0 go build -o /out/app .\n"
        "FROM busybox\n"
        "COPY --from=build /out/app /app\n",
        line=5,
        fixed="FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "RUN go mod download\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n"
        "FROM busybox\n"
        "COPY --from=build /out/app /app\n",
    ),
    # kubebuilder layout: right binaries, compiled under QEMU
    Invalid(
        "FROM golang:1.22 AS builder\n"
        "ARG TARGETOS\n"
        "ARG TARGETARCH\n"
        "RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -a -o manager cmd/main.go\n"
        "FROM gcr.io/distroless/static:nonroot\n"
        "COPY --from=builder /workspace/manager .\n",
        line=4,
        fixed="FROM --platform=$BUILDPLATFORM golang:1.22 AS builder\n"
        "ARG TARGETOS\n"
        "ARG TARGETARCH\n"
        "RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -a -o manager cmd/main.go\n"
        "FROM gcr.io/distroless/static:nonroot\n"
        "COPY --from=builder /workspace/manager .\n",
    ),
    # single stage, two commands: one report each
    Invalid("FROM golang:1.22\nRUN go test ./... && \\\n    go install ./cmd/app\n", line=2, count=2),
    # inside sh -c
    Invalid("FROM golang:1.22\nRUN sh -c 'cd /src && go build -o /app .'\n", line=2),
    # arm64 runner, amd64 target
    Invalid("FROM golang:1.22\nRUN go build .\n", platforms=("linux/amd64", "linux/arm64"),
            build_platform="linux/arm64", line=2),
    # `go install` in a builder: cross-compiled it would write to $GOPATH/bin/linux_<arch>/
    Invalid(
        "FROM golang:1.22 AS build\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "RUN CGO_ENABLED=0 go install ./cmd/app\n"
        "FROM alpine\n"
        "COPY --from=build /go/bin/app /usr/local/bin/app\n",
        line=4,
        fixed="FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o $(go env GOPATH)/bin/ ./cmd/app\n"
        "FROM alpine\n"
        "COPY --from=build /go/bin/app /usr/local/bin/app\n",
    ),
    # lower-case file, arm targets: the existing ARG line is extended, GOARM from TARGETVARIANT
    Invalid(
        "from golang:1.22 as build\n"
        "arg TARGETOS\n"
        "run CGO_ENABLED=0 GOOS=$TARGETOS go build -o /app .\n"
        "from scratch\n"
        "copy --from=build /app /app\n",
        line=3,
        platforms=("linux/amd64", "linux/arm64", "linux/arm/v7"),
        fixed="from --platform=$BUILDPLATFORM golang:1.22 as build\n"
        "arg TARGETOS TARGETARCH TARGETVARIANT\n"
        "run CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=${TARGETVARIANT#v} go build -o /app .\n"
        "from scratch\n"
        "copy --from=build /app /app\n",
    ),
    # single stage (unsafe fix): split into a builder on the build platform
    Invalid(
        "FROM golang:1.22\n"
        "WORKDIR /src\n"
        "COPY go.mod go.sum ./\n"
        "RUN go mod download\n"
        "COPY . .\n"
        "RUN CGO_ENABLED=0 go build -o /usr/local/bin/app ./cmd/app\n"
        "CMD [\"app\"]\n",
        line=6,
        unsafe=True,
        fixed="FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "WORKDIR /src\n"
        "COPY go.mod go.sum ./\n"
        "RUN go mod download\n"
        "COPY . .\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /usr/local/bin/app ./cmd/app\n"
        "\n"
        "FROM golang:1.22\n"
        "WORKDIR /src\n"
        "COPY go.mod go.sum ./\n"
        "COPY . .\n"
        "COPY --from=build /usr/local/bin/app /usr/local/bin/app\n"
        "CMD [\"app\"]\n",
    ),
    # cgo on: needs a C cross toolchain (tonistiigi/xx); not fixed here
    Invalid(
        "FROM golang:1.22 AS build\n"
        "RUN CGO_ENABLED=1 go build -o /app .\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=build /app /app\n",
        line=2,
    ),
]
