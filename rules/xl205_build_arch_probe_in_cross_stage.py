"""XL205 build-arch-probe-in-cross-stage.

## What it does
Reports `uname -m`, `arch`, `dpkg --print-architecture`, `apk --print-arch` or `rpm --eval %_arch` in a
stage that runs on the build platform (`FROM --platform=$BUILDPLATFORM`, or built on such a stage) when
that stage's files reach the target image.

## Why is this bad?
In a build-platform stage these commands describe the build machine, not the platform the image is
for. A download such as `curl .../tool-$(uname -m).tar.gz` then fetches the x86-64 tool for every
target, and the arm64 image fails on arm64 nodes with `exec format error`
(NVIDIA/nvidia-container-toolkit#384). The build itself succeeds, so nothing warns about it.

## Example
```dockerfile
FROM --platform=$BUILDPLATFORM alpine AS fetch
RUN wget -O /tool.tgz https://example.com/tool-linux-$(uname -m).tgz
FROM alpine
COPY --from=fetch /tool.tgz /tool.tgz
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM alpine AS fetch
ARG TARGETARCH
RUN case "$TARGETARCH" in amd64) ARCH=x86_64;; arm64) ARCH=aarch64;; esac \\
 && wget -O /tool.tgz "https://example.com/tool-linux-$ARCH.tgz"
FROM alpine
COPY --from=fetch /tool.tgz /tool.tgz
```

## References
- tonistiigi/xx `xx-info` (the target arch in every vocabulary)
- NVIDIA/nvidia-container-toolkit#384
- BuildKit docs: "Multi-platform builds", automatic platform ARGs
"""

from __future__ import annotations

from xlint.archnames import is_arch_probe
from xlint.rule import Context, Invalid, Rule, Valid
from xlint.shell import run_commands


class BuildArchProbeInCrossStage(Rule):
    __doc__ = __doc__
    code = "XL205"
    name = "build-arch-probe-in-cross-stage"
    severity = "warning"
    message = ("`{command}` in stage '{stage}' reports the build machine's architecture, not the target's: "
               "the stage runs on $BUILDPLATFORM and its files reach the image")
    hint = ("Declare `ARG TARGETARCH` and map it to the name you need, e.g. "
            "`case \"$TARGETARCH\" in amd64) ARCH=x86_64;; arm64) ARCH=aarch64;; esac`.")
    fix_title = "Replace the probe with a mapping from `TARGETARCH`"
    fix_applicability = "unsafe"
    fix_available = False

    def check(self, ctx: Context) -> None:
        model = ctx.model
        if not model.multi_platform:
            return
        for stage in model.stages:
            if stage.platform.kind != "build" or not model.reaches_target_via_files(stage.index):
                continue
            for instr in stage.instructions:
                if instr.keyword != "RUN":
                    continue
                for cmd in run_commands(instr):
                    if not is_arch_probe(cmd.basename, cmd.args()):
                        continue
                    ctx.report(
                        self,
                        cmd.span,
                        self.message.format(command=" ".join(w.raw for w in cmd.argv), stage=stage.label),
                    )


BuildArchProbeInCrossStage.valid = [
    # target-platform stage: uname -m is the target's arch
    Valid("FROM alpine\nRUN wget https://example.com/tool-$(uname -m).tgz\n"),
    # build-platform stage not used by the image
    Valid("FROM --platform=$BUILDPLATFORM alpine AS unused\nRUN uname -m\nFROM alpine\nRUN echo hi\n"),
    Valid("FROM --platform=$BUILDPLATFORM alpine AS fetch\nARG TARGETARCH\n"
          "RUN uname -a && echo $TARGETARCH > /arch\nFROM alpine\nCOPY --from=fetch /arch /arch\n"),
    # single-platform build on the build machine: the probe is right
    Valid("FROM --platform=$BUILDPLATFORM alpine AS fetch\nRUN apk --print-arch > /arch\n"
          "FROM alpine\nCOPY --from=fetch /arch /arch\n", platforms=("linux/amd64",)),
    Valid("FROM --platform=$BUILDPLATFORM debian AS b\nRUN dpkg-architecture -a arm64 -qDEB_HOST_ARCH\n"
          "FROM debian\nCOPY --from=b /x /x\n"),
]

BuildArchProbeInCrossStage.invalid = [
    Invalid("FROM --platform=$BUILDPLATFORM alpine AS fetch\n"
            "RUN wget -O /tool.tgz https://example.com/tool-linux-$(uname -m).tgz\n"
            "FROM alpine\nCOPY --from=fetch /tool.tgz /tool.tgz\n", line=2),
    Invalid("FROM --platform=$BUILDPLATFORM debian AS deps\n"
            "RUN ARCH=`dpkg --print-architecture` && echo $ARCH > /arch\n"
            "FROM deps AS more\nRUN echo more\nFROM debian\nCOPY --from=more /arch /arch\n", line=2),
    Invalid("FROM --platform=$BUILDPLATFORM alpine AS a\nRUN <<EOF\nset -e\nA=$(apk --print-arch)\n"
            "echo $A > /a\nEOF\nFROM alpine\nRUN --mount=from=a,target=/m cp /m/a /a\n", line=4),
    Invalid("FROM --platform=$BUILDPLATFORM fedora AS r\nRUN sh -c 'rpm --eval %_arch > /a' && arch\n"
            "FROM fedora\nCOPY --from=r /a /a\n", line=2, count=2),
]
