r"""XL212 same-binary-every-platform.

## What it does
Reports a `COPY` or `ADD` of a file from the build context into a program location (`/bin`,
`/usr/local/bin`, `/opt/<app>/bin`..., a `--chmod` with execute bits, or the file the `ENTRYPOINT`/`CMD`
runs) whose source path names no platform (`$TARGETPLATFORM`, `$TARGETOS`, `$TARGETARCH`,
`$TARGETVARIANT`), in a stage of the image of a build for several architectures. Scripts (a `#!` line
in the context, or a script extension) and folders are not reported; nor is a context file that is
no ELF program when the context can be read, nor a file from a repository's script folder (`bin/`,
`scripts/`, `hack/`...: committed scripts, where a build output would not be committed), nor a program copied to the root of a `scratch` image
(goreleaser's `dockers` layout: goreleaser builds each platform alone, with that platform's binary in
the context).

## Why is this bad?
The build context is the same for every platform of the build, so the same prebuilt file lands in the
linux/amd64 and the linux/arm64 image. At most one of them gets a binary of its own architecture; on
the other nodes the container fails at start with `exec format error`, although the build succeeded
and the image has every platform in its index.

## Example
```dockerfile
FROM gcr.io/distroless/static-debian12
COPY app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
```

## Use instead
```dockerfile
FROM gcr.io/distroless/static-debian12
ARG TARGETPLATFORM
COPY dist/$TARGETPLATFORM/app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
```
(the layout goreleaser and `make` targets per platform write), or build the program in a
`FROM --platform=$BUILDPLATFORM` stage with `GOOS=$TARGETOS GOARCH=$TARGETARCH` and `COPY --from` it.

## References
- Docker docs, multi-platform builds: "Pre-built binaries" (`COPY` per `TARGETPLATFORM`)
- goreleaser: `dockers_v2` puts each platform's binary under `$TARGETPLATFORM/`
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from xlint import contextfiles
from xlint.archnames import find_arch_literals
from xlint.expand import referenced_names
from xlint.model import TARGET_ARGS, Model, Stage
from xlint.rule import Context, Invalid, Rule, Valid
from xlint.shell import run_commands
from xlint.syntax.tree import Instruction

_PROGRAM_DIRS = ("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/go/bin")
_SCRIPT_EXT = frozenset(
    ".sh .bash .zsh .ksh .py .rb .pl .pm .js .mjs .cjs .ts .php .lua .tcl .r .ps1 .jar .war .ear .class .json "
    ".yaml .yml .toml .ini .conf .cfg .txt .md .html .htm .css .xml .properties .env .sql .csv .gz .tgz .zip "
    ".xz .bz2 .tar .zst .pem .crt .key .so .a".split()
)


# folders of a repository that hold committed scripts (a prebuilt binary is not committed)
_SCRIPT_DIRS = frozenset({"bin", "scripts", "script", "hack", "tools", "docker", "contrib", "ci"})


class SameBinaryEveryPlatform(Rule):
    __doc__ = __doc__
    code = "XL212"
    name = "same-binary-every-platform"
    severity = "warning"
    message = ("`{src}` from the build context is copied to `{dest}` in the image of every platform ({targets}): "
               "one prebuilt binary, so all platforms but one get the wrong architecture")
    hint = ("Give each platform its own file and select it: `ARG TARGETPLATFORM` then "
            "`COPY dist/$TARGETPLATFORM/app /usr/local/bin/app` (goreleaser's layout), or build it in a "
            "`--platform=$BUILDPLATFORM` stage with GOOS/GOARCH from TARGETOS/TARGETARCH and `COPY --from` it.")

    def check(self, ctx: Context) -> None:
        model = ctx.model
        if len({(arch, variant) for _os, arch, variant in model.targets}) < 2:
            return
        targets = ", ".join("/".join(x for x in t if x) for t in model.targets)
        for stage in model.stages:
            if stage.index not in model.reachable or stage.platform.kind != "target":
                continue
            for instr in stage.instructions:
                if instr.keyword not in ("COPY", "ADD") or instr.flag("from") is not None or len(instr.args) < 2:
                    continue
                dest = instr.args[-1].value
                for arg in instr.args[:-1]:
                    if not _is_program_copy(model, stage, instr, arg.value, dest, ctx.options.context):
                        continue
                    ctx.report(self, arg.span, self.message.format(src=arg.value, dest=dest, targets=targets))


def _is_program_copy(model: Model, stage: Stage, instr: Instruction, src: str, dest: str,
                     context: Path | None) -> bool:
    if "$" in src or "://" in src or src.startswith("<<") or find_arch_literals(src):
        return False  # per-platform by a variable (or XL206's literal), a download, or a heredoc
    base = posixpath.basename(src.rstrip("/"))
    if src.endswith("/") or base in ("", ".", "..") or any(c in base for c in "*?["):
        return False
    if posixpath.splitext(base)[1].lower() in _SCRIPT_EXT or base.lower().startswith(("entrypoint", "docker-")):
        return False
    if set(posixpath.dirname(src.lstrip("./")).split("/")) & _SCRIPT_DIRS:
        return False  # a repository's bin/, scripts/, hack/: committed scripts, not build outputs
    if "$" in dest and not _names_no_platform(dest, model.tree.escape):
        return False
    if context is not None:
        kind = _context_kind(context, src)
        if kind is not None and kind != "elf":
            return False
    target = _target_path(stage, instr, dest, base)
    if stage.is_scratch and posixpath.dirname(target) == "/":
        return False  # goreleaser's `dockers` layout: one build per platform, each with its own binary
    chmod = instr.flag("chmod")
    if chmod is not None and chmod.value and _executable_mode(chmod.value):
        return True
    if posixpath.dirname(target) in _PROGRAM_DIRS or "/bin/" in target:
        return True
    return target in _run_targets(model, stage)


def _names_no_platform(text: str, escape: str) -> bool:
    return not ({name for name, _s, _e in referenced_names(text, escape)} & set(TARGET_ARGS))


def _context_kind(context: Path, src: str) -> str | None:
    """"elf", "script" or "other" for a readable context file; None when it cannot be read."""
    try:
        path = contextfiles.resolve(context / src.lstrip("/"))
        if not path.is_relative_to(contextfiles.resolve(context)):
            return None
    except OSError:
        return None
    head = contextfiles.read_head(path, 4)  # None: not a readable regular file
    if head is None:
        return None
    if head == b"\x7fELF":
        return "elf"
    return "script" if head.startswith(b"#!") else "other"


def _target_path(stage: Stage, instr: Instruction, dest: str, base: str) -> str:
    workdir = "/"
    for ins in stage.instructions:
        if ins is instr:
            break
        if ins.keyword == "WORKDIR" and ins.args:
            workdir = posixpath.join(workdir, ins.args[0].value)
    path = posixpath.join(workdir, dest)
    if dest.endswith("/") or dest in (".", "./"):
        path = posixpath.join(path, base)
    return posixpath.normpath(path)


def _run_targets(model: Model, stage: Stage) -> set[str]:
    """Absolute paths of the programs the image's ENTRYPOINT/CMD run (the last of each kind)."""
    workdir = "/"
    found: dict[str, str] = {}
    chain = [s for s in model.stages if s.index == stage.index]
    for s in chain:
        for ins in s.instructions:
            if ins.keyword == "WORKDIR" and ins.args:
                workdir = posixpath.join(workdir, ins.args[0].value)
            elif ins.keyword in ("ENTRYPOINT", "CMD"):
                cmds = run_commands(ins)
                if cmds and cmds[0].name:
                    found[ins.keyword] = posixpath.normpath(posixpath.join(workdir, cmds[0].name))
    return set(found.values())


def _executable_mode(mode: str) -> bool:
    if mode.isdigit():
        return any(int(c) & 1 for c in mode[-3:])
    return "x" in mode


SameBinaryEveryPlatform.valid = [
    Valid("FROM alpine\nARG TARGETPLATFORM\nCOPY dist/$TARGETPLATFORM/app /usr/local/bin/app\n"),
    Valid("FROM alpine\nARG TARGETOS TARGETARCH\nCOPY .build/${TARGETOS}-${TARGETARCH}/app /bin/app\n"),
    Valid("FROM alpine\nCOPY docker-entrypoint.sh /usr/local/bin/\nENTRYPOINT [\"docker-entrypoint.sh\"]\n"),
    Valid("FROM alpine\nCOPY config.yaml /etc/app/config.yaml\nCOPY static/ /srv/static/\n"),
    Valid("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN go build -o /out/app .\n"
          "FROM alpine\nCOPY --from=build /out/app /usr/local/bin/app\n"),
    Valid("FROM alpine\nCOPY app /usr/local/bin/app\n", platforms=("linux/arm64",)),
    Valid("FROM alpine\nCOPY run /usr/local/bin/run\n", context={"run": "#!/bin/sh\nexec app\n"}),
    Valid("FROM scratch\nCOPY mybin /\nENTRYPOINT [\"/mybin\"]\n"),
    Valid("FROM python:3.12\nWORKDIR /opt/app\nADD bin/app bin/app-supervisor bin/\n"),  # the repository's scripts  # goreleaser's per-platform builds
    # the builder stage only: what reaches the image is built from it per platform
    Valid("FROM --platform=$BUILDPLATFORM alpine AS tools\nCOPY protoc /usr/local/bin/protoc\n"
          "RUN protoc --version > /v\nFROM alpine\nCOPY --from=tools /v /v\n"),
]

SameBinaryEveryPlatform.invalid = [
    Invalid("FROM gcr.io/distroless/static-debian12\nCOPY app /usr/local/bin/app\n"
            "ENTRYPOINT [\"/usr/local/bin/app\"]\n", line=2),
    Invalid("FROM alpine\nWORKDIR /srv\nCOPY server .\nENTRYPOINT [\"./server\"]\n", line=3),
    Invalid("FROM busybox\nCOPY --chmod=755 tool /opt/tool\n", line=2),
    Invalid("FROM alpine\nADD prometheus promtool /bin/\n", line=2, count=2),
    Invalid("FROM alpine\nCOPY app /usr/bin/app\n", line=2, context={"app": "\x7fELF\x02\x01\x01"}),
]
