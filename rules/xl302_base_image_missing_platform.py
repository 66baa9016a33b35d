r"""XL302 base-image-missing-platform.

## What it does
With `--resolve` (or `resolve: true` in the config; off by default, as it needs the network), looks up
each base image's index in its registry (registry HTTP API v2: anonymous token auth as Docker Hub, GHCR,
Quay and gcr.io use; credentials from the Docker config) and reports the target platforms the image
lacks. A stage on `--platform=$BUILDPLATFORM` only needs the build platform. Answers are cached on disk
(a tag's digest for 24 hours, a digest's platforms for good); `--offline` answers from the cache only.

## Why is this bad?
BuildKit fails the build for that platform with `no match for platform in manifest`, or, for an image
that is a single manifest, silently builds the target image on the wrong-arch base (the
InvalidBaseImagePlatform warning) that fails on the target nodes with `exec format error`. Knowing it
before the build saves a failed CI run per platform.

## Example
```dockerfile
# --platform linux/amd64,linux/arm64
# published for linux/amd64 only:
FROM registry.acme.io/base/runtime:1.4
```

## Use instead
```dockerfile
# an index with linux/amd64 and linux/arm64:
FROM registry.acme.io/base/runtime:1.5
```
(or publish the base image for every target platform first).

## References
- Distribution registry HTTP API v2 (`GET /v2/<name>/manifests/<reference>`), OCI image index
- Docker Hub token authentication (`WWW-Authenticate: Bearer realm=...`)
"""

from __future__ import annotations

from typing import ClassVar

from xlint.model import expand_word
from xlint.resolver import current
from xlint.rule import Context, Invalid, Rule, Valid
from xlint.workloads.examples import ProjectInvalid, ProjectValid


class BaseImageMissingPlatform(Rule):
    __doc__ = __doc__
    code = "XL302"
    name = "base-image-missing-platform"
    severity = "error"
    message = "Base image `{image}` has no {missing} image (it has {have})"
    hint = "Use a tag published for every target platform, or drop the missing platforms from the build."
    kind: ClassVar[str] = "resolve"
    valid: ClassVar[list[Valid]] = []
    invalid: ClassVar[list[Invalid]] = []
    project_valid: ClassVar[list[ProjectValid]] = []
    project_invalid: ClassVar[list[ProjectInvalid]] = []

    def check(self, ctx: Context) -> None:
        resolver = current()
        if resolver is None:
            return
        from xlint.workloads.resolve import covers

        model = ctx.model
        for stage in model.stages:
            if stage.base_stage is not None or stage.is_scratch or stage.index not in model.reachable:
                continue
            args = stage.from_instr.args
            if not args or stage.platform.kind == "unknown":
                continue
            image = expand_word(stage.base, model.global_env(), model.tree.escape)
            if not image or "$" in image:
                continue
            have = resolver.platforms(image)
            if have is None or not have:
                continue
            missing = []
            for p in model.concrete_platforms(stage):
                if not covers(have, p):
                    label = "/".join(x for x in p if x)
                    if label not in missing:
                        missing.append(label)
            if missing:
                ctx.report(self, args[0].span, self.message.format(image=image, missing=", ".join(missing),
                                                                   have=", ".join(have)))


_MULTI = {"alpine:3.20": ["linux/amd64", "linux/arm64/v8", "linux/arm/v7"],
          "registry.acme.io/base/runtime:1.4": ["linux/amd64"],
          "golang:1.22": ["linux/amd64", "linux/arm64/v8"]}

BaseImageMissingPlatform.project_valid = [
    ProjectValid({"Dockerfile": "FROM alpine:3.20\nRUN true\n"}, images=_MULTI),
    # the builder runs on the build platform only
    ProjectValid({"Dockerfile": "FROM --platform=$BUILDPLATFORM registry.acme.io/base/runtime:1.4 AS b\n"
                                "RUN make\nFROM alpine:3.20\nCOPY --from=b /out /out\n"}, images=_MULTI),
    # an image the registry does not know: no answer, no report
    ProjectValid({"Dockerfile": "FROM ghcr.io/acme/unknown:1\n"}, images=_MULTI),
    ProjectValid({"Dockerfile": "FROM registry.acme.io/base/runtime:1.4\n"}, images=_MULTI,
                 platforms=("linux/amd64",)),
]

BaseImageMissingPlatform.project_invalid = [
    ProjectInvalid({"Dockerfile": "FROM registry.acme.io/base/runtime:1.4\nCOPY app /app\n"}, path="Dockerfile",
                   line=1, images=_MULTI),
    ProjectInvalid({"Dockerfile": "ARG BASE=registry.acme.io/base/runtime:1.4\nFROM golang:1.22 AS build\n"
                                  "FROM ${BASE}\nCOPY --from=build /go/bin/app /app\n"}, path="Dockerfile",
                   line=3, images=_MULTI),
    ProjectInvalid({"Dockerfile": "FROM golang:1.22\nRUN go build .\n"}, path="Dockerfile", line=1,
                   images=_MULTI, platforms=("linux/amd64", "linux/arm64", "linux/arm/v7")),
]
