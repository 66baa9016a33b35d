r"""XL202 platform-arg-default.

## What it does
Reports a default value on a platform ARG (`ARG TARGETARCH=amd64`, `ARG TARGETPLATFORM=linux/amd64`,
`ARG BUILDARCH=amd64`...), in a stage or in the global scope before the first FROM.

## Why is this bad?
BuildKit sets the platform ARGs automatically for each target platform, but a default written in the
Dockerfile replaces the automatic value unless `--build-arg TARGETARCH=...` is passed. Every platform
of a multi-platform build then sees `amd64`: the arm64 image gets an x86-64 binary or download and fails
on arm64 nodes with `exec format error`, although the build succeeds.

## Example
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETOS=linux TARGETARCH=amd64
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETOS TARGETARCH
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
```
Where a fallback is needed (a builder without BuildKit), give it at the point of use:
`GOARCH=${TARGETARCH:-amd64}`.

## References
- BuildKit: "Automatic platform ARGs in the global scope" (Dockerfile reference, `ARG`)
- moby/buildkit `frontend/dockerfile/dockerfile2llb/convert.go` (`dispatchArg`, `buildMetaArgs`)
"""

from __future__ import annotations

from xlint.diagnostics import Edit
from xlint.model import PLATFORM_ARGS, ArgDecl
from xlint.rule import Context, Invalid, Rule, Valid
from xlint.syntax.tree import Span


class PlatformArgDefault(Rule):
    __doc__ = __doc__
    code = "XL202"
    name = "platform-arg-default"
    severity = "error"
    message = "`ARG {name}={default}` pins {name} to `{default}` for every platform of the build"
    hint = ("Declare it without a value (`ARG {name}`): BuildKit then sets it per target platform. "
            "Put a fallback at the use site instead: `${{{name}:-{default}}}`.")
    fix_title = "Drop the default (`ARG {name}`)"
    fix_applicability = "safe"

    def check(self, ctx: Context) -> None:
        model = ctx.model
        decls: list[ArgDecl] = list(model.global_args)
        for stage in model.stages:
            decls.extend(stage.args)
        for decl in decls:
            if decl.name not in PLATFORM_ARGS or decl.default is None:
                continue
            edit = _drop_default(ctx, decl)
            ctx.report(
                self,
                decl.arg.span,
                self.message.format(name=decl.name, default=decl.default),
                hint=self.hint.format(name=decl.name, default=decl.default),
                edits=[edit] if edit is not None else None,
            )


def _drop_default(ctx: Context, decl: ArgDecl) -> Edit | None:
    """Remove ``=value`` from the ARG word (the name and everything around the word stays)."""
    span: Span = decl.arg.span
    source = ctx.model.tree.text[span.start : span.end]
    eq = source.find("=")
    if eq < 0:
        return None
    return Edit(span.start + eq, span.end, "")


PlatformArgDefault.valid = [
    Valid("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS TARGETARCH\n"
          "RUN GOOS=$TARGETOS GOARCH=${TARGETARCH:-amd64} go build -o /out/app .\n"),
    Valid("ARG TARGETARCH\nFROM --platform=linux/$TARGETARCH alpine\n"),
    Valid("ARG ARCH=amd64\nFROM alpine\nARG VERSION=1.0\nRUN echo $VERSION\n"),
    Valid("FROM alpine\nENV TARGETARCH_NAME=amd64\n"),
]

PlatformArgDefault.invalid = [
    Invalid(
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS=linux TARGETARCH=amd64\n"
        "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n",
        line=2,
        count=2,
        fixed="FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS TARGETARCH\n"
        "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n",
    ),
    Invalid(
        "ARG TARGETPLATFORM=linux/amd64\nFROM --platform=$TARGETPLATFORM alpine\n",
        line=1,
        fixed="ARG TARGETPLATFORM\nFROM --platform=$TARGETPLATFORM alpine\n",
    ),
    Invalid(
        "FROM alpine\narg TARGETARCH=\"arm64\"\nRUN wget https://example.com/tool-$TARGETARCH.tgz\n",
        line=2,
        fixed="FROM alpine\narg TARGETARCH\nRUN wget https://example.com/tool-$TARGETARCH.tgz\n",
    ),
    Invalid(
        "FROM alpine\r\nARG VERSION=1 \\\r\n    BUILDARCH=amd64\r\nRUN echo $BUILDARCH\r\n",
        line=3,
        fixed="FROM alpine\r\nARG VERSION=1 \\\r\n    BUILDARCH\r\nRUN echo $BUILDARCH\r\n",
    ),
]
