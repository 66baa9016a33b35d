r"""XL301 arch-specific-base-image.

## What it does
Reports a FROM image that exists for one architecture only: an official per-arch repository
(`amd64/alpine`, `arm64v8/debian`, `arm32v7/...`), a tag or repository name ending in an architecture
(`myorg/tool:1.2-amd64`, `busybox-linux-arm64`), or a non-platform ARG spliced into the image as the
architecture (`FROM ${ARCH}/alpine`, `FROM tool:1.2-${ARCH}` with `ARG ARCH=amd64`), and old tags of official images
that were only ever published for amd64 (`ubuntu:12.04`, `golang:1.6`, `openjdk:8-jdk-alpine`, the retired
`microsoft/aspnetcore`). A digest (`FROM busybox@sha256:...`, or `@sha256:${DIGEST}` from a global
ARG) is reported when the comment right above the FROM or the ARG says in a sentence about the pin which
one architecture it is (`# we pin the amd64 digest`): a digest names either an index or one platform's
manifest, and only the comment tells which.

## Why is this bad?
A multi-platform build pulls the same single-arch image for every target. BuildKit then either fails
(`no match for platform in manifest`) or builds the arm64 image on an amd64 base (BuildKit's
InvalidBaseImagePlatform warning) that fails on arm64 nodes with `exec format error`. The plain
multi-arch name (`alpine:3.20`) resolves to the right image for each target; where a per-arch name is
needed, `$TARGETARCH` selects it.

## Example
```dockerfile
FROM amd64/alpine:3.20
```

## Use instead
```dockerfile
FROM alpine:3.20
```

## References
- Docker official images: per-architecture repositories (github.com/docker-library/official-images#architectures-other-than-amd64)
- BuildKit check InvalidBaseImagePlatform
"""

from __future__ import annotations

import re

from xlint.archnames import differs_from_targets, literal_arch
from xlint.expand import referenced_names
from xlint.images import legacy_single_arch
from xlint.model import PLATFORM_ARGS, Model, Stage, expand_word
from xlint.rule import Context, Invalid, Rule, Valid
from xlint.rx import rx

# Official per-architecture namespaces on Docker Hub.
_ARCH_ORGS: dict[str, tuple[str, str]] = {
    "amd64": ("amd64", ""),
    "arm64v8": ("arm64", ""),
    "arm32v7": ("arm", "v7"),
    "arm32v6": ("arm", "v6"),
    "arm32v5": ("arm", "v5"),
    "i386": ("386", ""),
    "ppc64le": ("ppc64le", ""),
    "s390x": ("s390x", ""),
    "riscv64": ("riscv64", ""),
    "mips64le": ("mips64le", ""),
}
_SUFFIX_RE = rx(r"[-_.]([A-Za-z0-9_]+)$")
_PREFIX_RE = rx(r"^([A-Za-z0-9]+(?:_64)?)[-.]")


class ArchSpecificBaseImage(Rule):
    __doc__ = __doc__
    code = "XL301"
    name = "arch-specific-base-image"
    severity = "warning"
    message = "Base image `{image}` is {arch}-only: every platform of the build ({targets}) gets an {arch} base"
    message_arg = "`${name}` picks the architecture of base image `{image}`: it is the same for every platform"
    hint = ("Use the multi-arch image name (`{plain}`), or `$TARGETARCH`/`$TARGETPLATFORM` if a per-arch "
            "name is really needed.")

    message_legacy = ("Base image `{image}` exists for amd64 only ({why}): the other platforms of the build "
                      "({targets}) get no base image or an amd64 one")
    hint_legacy = "Move to a tag that is published for every target platform (a current release of the image)."

    message_digest = ("Base image `{image}` is pinned to a digest the comment above calls {arch}'s: a "
                      "single-platform digest gives every platform of the build ({targets}) the {arch} image")
    hint_digest = ("Pin the digest of the image index (`docker buildx imagetools inspect IMAGE` prints it), "
                   "which serves every platform.")

    def check(self, ctx: Context) -> None:
        model = ctx.model
        targets = ", ".join("/".join(x for x in t if x) for t in model.targets)
        for stage in model.stages:
            if stage.base_stage is not None or stage.is_scratch or stage.index not in model.reachable:
                continue
            args = stage.from_instr.args
            if not args:
                continue
            span = args[0].span
            spliced = _spliced_arch_arg(model, stage)
            if spliced is not None:
                ctx.report(self, span, self.message_arg.format(name=spliced, image=stage.base),
                           hint=self.hint.format(plain=stage.base))
                continue
            image = expand_word(stage.base, model.global_env(), model.tree.escape) or stage.base
            pinned = _digest_comment_arch(model, stage)
            if pinned is not None and differs_from_targets(pinned[0], pinned[1], model.concrete_platforms(stage)):
                ctx.report(self, span, self.message_digest.format(image=stage.base, arch=pinned[0], targets=targets),
                           hint=self.hint_digest)
                continue
            found = _image_arch(image)
            legacy = legacy_single_arch(image) if found is None else None
            if legacy is not None and differs_from_targets("amd64", "", model.concrete_platforms(stage)):
                ctx.report(self, span, self.message_legacy.format(image=image, why=legacy, targets=targets),
                           hint=self.hint_legacy)
                continue
            if found is None:
                continue
            arch, variant, plain = found
            if not _wrong(model, stage, arch, variant):
                continue
            label = f"{arch}/{variant}" if variant else arch
            ctx.report(self, span, self.message.format(image=image, arch=label, targets=targets),
                       hint=self.hint.format(plain=plain))


_WORD_RE = rx(r"[A-Za-z0-9_]+")
_PIN_RE = rx(r"\b(?:pin\w*|sha\w*|digests?)\b", re.I)


def _digest_comment_arch(model: Model, stage: Stage) -> tuple[str, str] | None:
    """The one architecture that the comments right above a digest-pinned FROM (or above the global ARG
    holding its digest) name in a sentence about the pin: ``# we pin to the amd64 sha.`` A digest is either an index (every platform)
    or one platform's manifest; only such a comment tells which."""
    base = stage.base
    if "@" not in base:
        return None
    texts = model.tree.comments_above(stage.from_instr)
    for name, _start, _end in referenced_names(base.split("@", 1)[1]):
        decl = model.global_default(name)
        if decl is not None:
            texts += model.tree.comments_above(decl.instruction)
    sentences = [x for t in texts for x in re.split(r"[.;!?]\s", t) if _PIN_RE.search(x)]
    found = {a for x in sentences for w in _WORD_RE.findall(x) if (a := literal_arch(w)) is not None}
    return found.pop() if len(found) == 1 else None


def _wrong(model: Model, stage: Stage, arch: str, variant: str) -> bool:
    kind = stage.platform.kind
    if kind == "build":
        return differs_from_targets(arch, variant, [model.build_platform])
    if kind == "constant" and stage.platform.constant:
        parts = stage.platform.constant.split("/")
        return differs_from_targets(arch, variant, [(parts[0], parts[1], parts[2] if len(parts) > 2 else None)])
    if kind == "unknown":
        return False
    return differs_from_targets(arch, variant, model.targets)


def _image_arch(image: str) -> tuple[str, str, str] | None:
    """(arch, variant, multi-arch name) when the reference names one architecture."""
    ref = image.split("@", 1)[0]
    parts = ref.split("/")
    # registry host: has a dot or a port, or is localhost
    start = 1 if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost") else 0
    path = parts[start:]
    if len(path) >= 2 and path[0].lower() in _ARCH_ORGS:
        arch, variant = _ARCH_ORGS[path[0].lower()]
        return arch, variant, "/".join(path[1:])
    last = path[-1] if path else ""
    name, _, tag = last.partition(":")
    for piece, rebuild in ((tag, lambda s: f"{name}:{s}"), (name, lambda s: s + (f":{tag}" if tag else ""))):
        if not piece:
            continue
        found = literal_arch(piece)
        if found is not None and piece is tag:
            return found[0], found[1], name
        m = _PREFIX_RE.match(piece) if piece is tag else None
        found = literal_arch(m.group(1)) if m is not None else None
        if m is not None and found is not None:  # linuxserver's `arm64v8-3.15`, `amd64-latest`
            return found[0], found[1], f"{name}:{piece[m.end():]}"
        m = _SUFFIX_RE.search(piece)
        if m is None:
            continue
        found = literal_arch(m.group(1))
        if found is None:
            continue
        stem = piece[: m.start()]
        if stem.endswith(("-linux", "_linux")):
            stem = stem[: -len("-linux")]
        plain = "/".join(parts[:start] + path[:-1] + [rebuild(stem)])
        return found[0], found[1], plain
    return None


def _spliced_arch_arg(model: Model, stage: Stage) -> str | None:
    """A non-platform ARG used as the architecture part of the image reference."""
    base = stage.base
    for name, s, e in referenced_names(base, model.tree.escape):
        if name in PLATFORM_ARGS:
            continue
        decl = model.global_default(name)
        default = decl.default if decl is not None else None
        before, after = base[:s], base[e:]
        org_slot = (before == "" or before.endswith("/")) and after.startswith("/")
        suffix_slot = before.endswith(("-", "_", ":")) and (after == "" or after.startswith(("@", ":")))
        if not (org_slot or suffix_slot):
            continue
        default_is_arch = default is not None and (literal_arch(default) is not None or default in _ARCH_ORGS)
        if default_is_arch or "ARCH" in name.upper():
            return name
    return None


ArchSpecificBaseImage.valid = [
    # an index digest: the comment names no single architecture of the pin
    Valid("# pinned multi-arch digest (amd64 and arm64)\nFROM alpine@sha256:0123abcd\n"),
    Valid("# builds for arm64 too\nFROM alpine@sha256:0123abcd\n"),
    Valid("FROM alpine:3.20\n"),
    Valid("FROM ghcr.io/linuxserver/baseimage-alpine:3.15\nFROM node:20-bookworm\nFROM example.com/x:v7-slim\n"),
    Valid("FROM ubuntu:14.04\nFROM golang:1.22-alpine\nFROM openjdk:21-jdk-slim\nFROM debian:12\n"),
    Valid("FROM --platform=$BUILDPLATFORM golang:1.6 AS tools\nRUN go version > /v\nFROM alpine\n"
          "COPY --from=tools /v /v\n"),  # runs on the amd64 build machine
    Valid("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM gcr.io/distroless/static-debian12\n"),
    Valid("ARG TARGETARCH\nFROM example.com/tool:1.2-${TARGETARCH}\n"),
    Valid("ARG BASE_IMAGE=debian:bookworm-slim\nFROM ${BASE_IMAGE}\n"),
    Valid("FROM --platform=linux/amd64 amd64/alpine AS fetch-amd64\nFROM alpine\nCOPY --from=fetch-amd64 /a /a\n"),
    Valid("FROM amd64/alpine\n", platforms=("linux/amd64",)),
    Valid("FROM nginx:1.27-alpine\nFROM eclipse-temurin:21-jre\n"),
]

ArchSpecificBaseImage.invalid = [
    # the comment says the digest is one platform's manifest
    Invalid("# We pin to the amd64 sha. Run make to adjust it for arm64.\nARG BASE_SHA=0123abcd\n"
            "FROM quay.io/org/busybox@sha256:${BASE_SHA}\nCOPY app /bin/app\n", line=3),
    Invalid("FROM ghcr.io/linuxserver/baseimage-alpine:arm64v8-3.15\n", line=1),
    # old tags published before multi-arch indexes, or never ported
    Invalid("FROM ubuntu:12.04\nRUN apt-get update\n", line=1),
    Invalid("FROM golang:1.6.2\nRUN go build -o /app .\n", line=1),
    Invalid("FROM openjdk:8-jdk-alpine\nCOPY app.jar /app.jar\n", line=1),
    Invalid("FROM microsoft/aspnetcore:2.0.5\nCOPY out /app\n", line=1),
    Invalid("FROM amd64/alpine:3.20\nRUN echo hi\n", line=1),
    Invalid("FROM docker.io/arm64v8/debian:bookworm\n", line=1),
    Invalid("FROM golang AS x\nFROM example.com/team/tool:1.2-amd64\nCOPY --from=x /a /a\n", line=2),
    Invalid("ARG ARCH=amd64\nFROM ${ARCH}/alpine:3.20\n", line=2),
    Invalid("ARG ARCH=x86_64\nFROM example.com/tool:1.2-$ARCH\n", line=2),
    Invalid("FROM quay.io/prometheus/busybox-linux-arm64:latest\n", line=1),
]
