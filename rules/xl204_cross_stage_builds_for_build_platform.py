r"""XL204 cross-stage-builds-for-build-platform.

## What it does
Reports a compiler run in a stage that runs on the build platform (`FROM --platform=$BUILDPLATFORM`)
without target settings, when that stage's files reach the image of another platform (the stage is
the final stage, or a target-platform stage reads it through `COPY --from`, `RUN --mount=from` or
`FROM`):

- Go `go build`/`go install` without `GOARCH` (set by prefix, `export`, `ENV`, `ARG`, `go env -w`, or
  `xx-go`); `go install pkg@version` (a tool for the builder) and `go test` are not reported;
- `cargo build|rustc` or `cargo install --path` without `--target` (or `CARGO_BUILD_TARGET`, `xx-cargo`);
- `dotnet publish|build` without `-a`/`--arch`/`-r`/`--runtime` (or a `RuntimeIdentifier` property);
- `gcc`, `cc`, `clang`, `make`, `cmake --build`, `ninja`... without a cross toolchain: a cross compiler
  (`aarch64-linux-gnu-gcc`, `xx-clang`), `CC=`/`CROSS_COMPILE=`, `--host=`, `--target=`,
  `CMAKE_TOOLCHAIN_FILE`, `crossbuild-essential-*`, `dpkg --add-architecture` or tonistiigi/xx in the
  stage, or TARGET* ARGs passed to the command.
  A `make` that drives a JS build is not reported: the build context's Makefile shows its recipes run
  yarn/npm/node and no compiler, or, when no Makefile can be read, the stage is a Node image's that runs
  no other toolchain and installs no C compiler.

Hard-coded values (`GOARCH=amd64`, `-r linux-x64`) are target settings for this rule; XL206 reports
them.

## Why is this bad?
The stage runs natively on the build machine, so without target settings the compiler builds for the
build machine. Every platform's image then ships that binary, and it fails on the others at start-up:
`exec format error` (docker/buildx#1805). The build itself succeeds and is fast, so the problem shows
only when the image runs on another architecture.

## Example
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
COPY . /src
RUN cd /src && CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
COPY . /src
ARG TARGETOS TARGETARCH
RUN cd /src && CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/app /app
```

## References
- BuildKit docs: automatic platform ARGs, "cross-compilation"
- docker/buildx#1805, awslabs/soci-snapshotter#695
- tonistiigi/xx README
"""

from __future__ import annotations

from xlint.expand import format_platform
from xlint.rule import Context, Invalid, Rule, Valid
from xlint.toolchains import classify, cross_check, js_make, ships_to_target, stage_commands

_CURE = {
    "go": "declare `ARG TARGETOS TARGETARCH` and build with `GOOS=$TARGETOS GOARCH=$TARGETARCH` (or use `xx-go`)",
    "rust": "declare `ARG TARGETPLATFORM` and build with `--target <triple>` and the target linker, or `xx-cargo`",
    "dotnet": "declare `ARG TARGETARCH` and pass `-a $TARGETARCH` to restore and publish",
    "c": ("use a cross toolchain: tonistiigi/xx (`xx-clang`, `xx-apt-get`), Debian `crossbuild-essential-<arch>` "
          "with `CC=<triple>-gcc`, or autotools `--host`"),
}


class CrossStageBuildsForBuildPlatform(Rule):
    __doc__ = __doc__
    code = "XL204"
    name = "cross-stage-builds-for-build-platform"
    severity = "error"
    message = ("`{cmd}` in stage '{stage}' runs on the build platform ({build}) without target settings "
               "({missing}): it builds for {build}, and the {targets} image gets that binary (`exec format error`)")
    hint = ("The stage is `--platform=$BUILDPLATFORM`: give the compiler the target platform (Go GOOS/GOARCH, "
            "cargo --target, dotnet -a, a C cross toolchain) from the TARGET* ARGs.")

    def check(self, ctx: Context) -> None:
        model = ctx.model
        build = format_platform(model.build_platform)
        others = sorted({format_platform(t) for t in model.targets} - {build})
        if not others:
            return
        for stage in model.stages:
            if stage.platform.kind != "build" or not ships_to_target(model, stage):
                continue
            for instr, cmd in stage_commands(model, stage):
                comp = classify(cmd)
                if comp is None or not comp.produces or comp.tool_install or comp.label == "./configure":
                    continue
                if js_make(model, stage, instr, comp) is not None:
                    continue  # make drives a JS build: its output is arch-independent
                check = cross_check(model, stage, instr, comp)
                if check is None or check.targeted:
                    continue
                ctx.report(
                    self,
                    cmd.span,
                    self.message.format(cmd=comp.label, stage=stage.label, build=build, missing=check.what,
                                        targets=", ".join(others)),
                    hint=f"The stage is `--platform=$BUILDPLATFORM`: {_CURE[comp.toolchain]}.",
                )


CrossStageBuildsForBuildPlatform.valid = [
    Valid(
        "FROM --platform=$BUILDPLATFORM caddy:2-builder AS build\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH xcaddy build --with github.com/example/plugin --output /caddy\n"
        "FROM caddy:2\n"
        "COPY --from=build /caddy /usr/bin/caddy\n"
    ),
    Valid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "RUN go mod download\n"
        "RUN go install github.com/golang/mock/mockgen@v1.6.0\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n"
        "FROM scratch\n"
        "COPY --from=build /out/app /app\n"
    ),
    # target settings from ENV, from `export`, and xx
    Valid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETARCH\n"
        "ENV GOARCH=$TARGETARCH\n"
        "RUN go build -o /out/a ./a && export GOARCH=$TARGETARCH && go build -o /out/b ./b\n"
        "FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx\n"
        "FROM --platform=$BUILDPLATFORM rust:1 AS rs\n"
        "COPY --from=xx / /\n"
        "ARG TARGETPLATFORM\n"
        "RUN xx-cargo build --release && cargo build --target aarch64-unknown-linux-gnu\n"
        "FROM alpine\n"
        "COPY --from=build /out /out\n"
        "COPY --from=rs /t /t\n"
    ),
    # a build-platform tool stage whose binary is only run by another build-platform stage
    Valid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS tools\n"
        "RUN go build -o /bin/gen ./cmd/gen\n"
        "FROM --platform=$BUILDPLATFORM alpine AS gen\n"
        "COPY --from=tools /bin/gen /bin/gen\n"
        "RUN gen > /out/data.json\n"
        "FROM alpine\n"
        "COPY --from=gen /out/data.json /data.json\n"
    ),
    # Debian multiarch cross toolchain; dotnet with -a
    Valid(
        "FROM --platform=$BUILDPLATFORM debian:bookworm AS build\n"
        "RUN dpkg --add-architecture arm64 && apt-get update && apt-get install -y crossbuild-essential-arm64\n"
        "RUN make CC=aarch64-linux-gnu-gcc && make install\n"
        "FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS net\n"
        "ARG TARGETARCH\n"
        "RUN dotnet publish -a $TARGETARCH -o /out && dotnet test\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=build /out /out\n"
        "COPY --from=net /out /app\n"
    ),
    # every target is the build platform: the build-arch binary is right
    Valid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN go build -o /app .\n"
        "FROM scratch\nCOPY --from=build /app /app\n",
        platforms=("linux/amd64",),
    ),
    # make drives a JS build: the context's Makefile runs yarn; without a Makefile, a plain Node stage
    Valid("FROM --platform=$BUILDPLATFORM node:20 AS ui\nWORKDIR /ui\nCOPY . .\nRUN make install build\n"
          "FROM nginx:1.27\nCOPY --from=ui /ui/build /usr/share/nginx/html\n",
          context={"Makefile": "install:\n\tyarn install\nbuild: install\n\tyarn build\n"}),
    Valid("FROM --platform=$BUILDPLATFORM node:20-alpine AS ui\nRUN apk add --no-cache make\nCOPY . .\n"
          "RUN make dist\nFROM nginx:1.27\nCOPY --from=ui /dist /usr/share/nginx/html\n"),
    # kubebuilder layout: target-platform builder (XL101's business, not this rule's)
    Valid("FROM golang:1.22 AS b\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /m .\n"
          "FROM scratch\nCOPY --from=b /m /m\n"),
]

CrossStageBuildsForBuildPlatform.invalid = [
    # xcaddy runs `go build` itself, for the GOOS/GOARCH of its environment
    Invalid(
        "FROM --platform=$BUILDPLATFORM caddy:2-builder AS build\n"
        "RUN xcaddy build --with github.com/example/plugin --output /caddy\n"
        "FROM caddy:2\n"
        "COPY --from=build /caddy /usr/bin/caddy\n",
        line=2,
    ),
    Invalid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "RUN CGO_ENABLED=0 go build -o /out/app .\n"
        "FROM gcr.io/distroless/static-debian12\n"
        "COPY --from=build /out/app /app\n",
        line=4,
    ),
    Invalid(
        "FROM --platform=$BUILDPLATFORM rust:1.79 AS build\n"
        "RUN cargo build --release\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=build /src/target/release/app /app\n",
        line=2,
    ),
    Invalid(
        "FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build\n"
        "RUN dotnet restore\n"
        "RUN dotnet publish -c Release -o /out\n"
        "FROM mcr.microsoft.com/dotnet/runtime:8.0\n"
        "COPY --from=build /out /app\n",
        line=3,
    ),
    Invalid(
        "FROM --platform=$BUILDPLATFORM debian:bookworm AS build\n"
        "RUN apt-get update && apt-get install -y gcc make\n"
        "RUN gcc -O2 -o /hello hello.c && make -C lib\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=build /hello /hello\n",
        line=3,
        count=2,
    ),
    # make in a Node stage that installs a C compiler (node-gyp addons), or whose Makefile runs gcc
    Invalid("FROM --platform=$BUILDPLATFORM node:20-alpine AS ui\nRUN apk add --no-cache make g++ python3\n"
            "COPY . .\nRUN make dist\nFROM nginx:1.27\nCOPY --from=ui /dist /usr/share/nginx/html\n", line=4),
    Invalid("FROM --platform=$BUILDPLATFORM node:20 AS ui\nCOPY . .\nRUN make dist\n"
            "FROM nginx:1.27\nCOPY --from=ui /dist /usr/share/nginx/html\n", line=3,
            context={"Makefile": "dist:\n\tyarn build\n\tgcc -o dist/helper helper.c\n"}),
    # a build-platform final stage ships build-arch binaries itself
    Invalid("FROM --platform=$BUILDPLATFORM golang:1.22\nRUN go build -o /app .\nCMD [\"/app\"]\n", line=2),
    # through a stage chain: FROM build-stage AS runtime inherits the build platform, COPY into a target stage
    Invalid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS base\n"
        "FROM base AS build\n"
        "RUN go install ./cmd/app\n"
        "FROM alpine\n"
        "COPY --from=build /go/bin/app /app\n",
        line=3,
    ),
]
