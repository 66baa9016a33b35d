r"""XL211 arch-name-mismatch.

## What it does
Reports `$TARGETARCH` used where a tool or vendor expects another architecture vocabulary:
- npm/yarn/pnpm `--cpu`/`--arch` and `npm_config_arch` (Node says `x64`, not `amd64`);
- Rust and GNU target triples (`$TARGETARCH-unknown-linux-gnu`: the triple says `x86_64`/`aarch64`);
- downloads from vendors that use `uname -m`/Alpine/Node names (`nodejs.org`, `alpinelinux.org`,
  `awscli.amazonaws.com`, Docker static binaries, CMake);
- `apk --arch`, Debian multiarch (`dpkg --add-architecture`, `crossbuild-essential-*`, `pkg:$TARGETARCH`:
  `armhf`, `ppc64el`);
- .NET `-r linux-$TARGETARCH` / `-a $TARGETARCH` on SDKs older than 8 (which know `x64` only).
It is reported only when the names differ for one of the target platforms.

## Why is this bad?
`TARGETARCH` uses Go's names (`amd64`, `arm64`, `arm`). Passed where another vocabulary is expected, the
build fails with a 404 or an unknown-target error, or worse, succeeds with the wrong or no native
package (npm skips optional deps whose `cpu` doesn't match, and the image fails at run time).

## Example
```dockerfile
FROM --platform=$BUILDPLATFORM node:20 AS deps
ARG TARGETARCH
RUN npm ci --os=linux --cpu=$TARGETARCH
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM node:20 AS deps
ARG TARGETARCH
RUN case "$TARGETARCH" in amd64) CPU=x64;; *) CPU=$TARGETARCH;; esac \
 && npm ci --os=linux --cpu=$CPU
```

## References
- tonistiigi/xx `xx-info` (arch names per vocabulary)
- hadolint#874
- npm docs: `--cpu`, `--os`, `--libc` (npm >= 10.1)
- dotnet/sdk#30762 (`-a amd64` accepted since SDK 8)
"""

from __future__ import annotations

from xlint.archnames import (
    VOCABULARY_LABEL,
    Vocabulary,
    case_mapping,
    mismatches,
    option_values,
    targetarch_references,
)
from xlint.model import Model, Stage
from xlint.rule import Context, Invalid, Rule, Valid
from xlint.rx import rx
from xlint.shell import SimpleCommand, assignments, run_commands
from xlint.syntax.tree import Span

_TRIPLE_RE = rx(r"\$(?:TARGETARCH|\{TARGETARCH\})-(?:unknown-|pc-|none-|linux-gnu|linux-musl)")
_NODE_TOOLS = frozenset({"npm", "yarn", "pnpm", "bun", "npx"})
_DOWNLOADERS = frozenset({"curl", "wget", "aria2c"})
_VENDORS: tuple[tuple[str, Vocabulary], ...] = (
    ("nodejs.org", "node"),
    ("unofficial-builds.nodejs.org", "node"),
    ("alpinelinux.org", "alpine"),
    ("awscli.amazonaws.com", "uname"),
    ("download.docker.com/linux/static", "uname"),
    ("github.com/Kitware/CMake", "uname"),
    ("cmake.org/files", "uname"),
)
_NPM_ENV = frozenset({"NPM_CONFIG_ARCH", "NPM_CONFIG_CPU", "NPM_CONFIG_TARGET_ARCH"})
_SDK_RE = rx(r"dotnet/(?:core/)?sdk:(\d+)")


class ArchNameMismatch(Rule):
    __doc__ = __doc__
    code = "XL211"
    name = "arch-name-mismatch"
    severity = "warning"
    message = "`$TARGETARCH` is {got} here, but {tool} expects {vocab} names ({expected})"
    hint = "Map it first: `{mapping}`, then use `$ARCH`."

    def check(self, ctx: Context) -> None:
        model = ctx.model
        for stage in model.stages:
            if stage.index not in model.reachable:
                continue
            for span, vocab, tool in _uses(model, stage):
                pairs = mismatches(vocab, model.targets)
                if not pairs:
                    continue
                ctx.report(
                    self,
                    span,
                    self.message.format(
                        got=", ".join(f"`{a}`" for a, _ in pairs),
                        tool=tool,
                        vocab=VOCABULARY_LABEL[vocab],
                        expected=", ".join(f"`{e}`" for _, e in pairs),
                    ),
                    hint=self.hint.format(mapping=case_mapping(vocab)),
                )


def _uses(model: Model, stage: Stage) -> list[tuple[Span, Vocabulary, str]]:
    out: list[tuple[Span, Vocabulary, str]] = []
    sdk = _sdk_major(model, stage)
    for instr in stage.instructions:
        if instr.keyword == "ENV":
            for arg in instr.args:
                if _TRIPLE_RE.search(arg.value):
                    out.append((arg.span, "rust", "a target triple"))
                elif arg.value.partition("=")[0].upper() in _NPM_ENV and targetarch_references(arg.value):
                    out.append((arg.span, "node", "npm"))
        elif instr.keyword == "ADD":
            for arg in instr.args[:-1]:
                out.extend(_url(arg.value, arg.span))
        elif instr.keyword == "RUN":
            seen: set[Span] = set()
            for cmd in run_commands(instr):
                if "case" in cmd.context:
                    continue
                out.extend(_command(cmd, sdk))
                for a in cmd.env:
                    seen.add(a.span)
                    out.extend(_assignment(a.name, a.raw_value, a.span))
            for a in assignments(instr):
                if a.span not in seen and "case" not in a.context:
                    out.extend(_assignment(a.name, a.raw_value, a.span))
    return out


def _assignment(name: str, raw: str, span: Span) -> list[tuple[Span, Vocabulary, str]]:
    if _TRIPLE_RE.search(raw):
        return [(span, "rust", "a target triple")]
    if name.upper() in _NPM_ENV and targetarch_references(raw):
        return [(span, "node", "npm")]
    return []


def _url(raw: str, span: Span) -> list[tuple[Span, Vocabulary, str]]:
    if not targetarch_references(raw):
        return []
    for host, vocab in _VENDORS:
        if host.lower() in raw.lower():
            return [(span, vocab, host)]
    return []


def _command(cmd: SimpleCommand, sdk: int | None) -> list[tuple[Span, Vocabulary, str]]:
    out: list[tuple[Span, Vocabulary, str]] = []
    name = cmd.basename
    words = cmd.argv[1:]
    raws = [w.raw for w in words]
    for w in words:
        if _TRIPLE_RE.search(w.raw):
            out.append((w.span, "rust", "a target triple"))
    if out:
        return out
    if name in _DOWNLOADERS:
        for w in words:
            out.extend(_url(w.raw, w.span))
    elif name in _NODE_TOOLS:
        for idx, value in option_values(raws, ("--cpu", "--arch", "--target_arch")):
            if targetarch_references(value):
                out.append((words[idx].span, "node", f"`{name} --cpu`"))
    elif name == "apk":
        for idx, value in option_values(raws, ("--arch",)):
            if targetarch_references(value):
                out.append((words[idx].span, "alpine", "`apk --arch`"))
    elif name == "dpkg":
        for idx, value in option_values(raws, ("--add-architecture",)):
            if targetarch_references(value):
                out.append((words[idx].span, "debian", "`dpkg --add-architecture`"))
    elif name in ("apt-get", "apt"):
        for w in words:
            if targetarch_references(w.raw) and (":$" in w.raw or "crossbuild-essential-" in w.raw):
                out.append((w.span, "debian", f"`{name}` (Debian multiarch)"))
    elif name == "dotnet" and sdk is not None and sdk < 8:
        for idx, value in option_values(raws, ("-r", "--runtime", "-a", "--arch")):
            if targetarch_references(value):
                out.append((words[idx].span, "dotnet", f".NET SDK {sdk}"))
    return out


def _sdk_major(model: Model, stage: Stage) -> int | None:
    s = stage
    while s.base_stage is not None:
        s = model.stages[s.base_stage]
    m = _SDK_RE.search(s.base)
    return int(m.group(1)) if m else None


ArchNameMismatch.valid = [
    Valid("FROM --platform=$BUILDPLATFORM node:20 AS deps\nARG TARGETARCH\n"
          "RUN case \"$TARGETARCH\" in amd64) CPU=x64;; *) CPU=$TARGETARCH;; esac && npm ci --cpu=$CPU\n"),
    Valid("FROM alpine\nARG TARGETARCH\nRUN wget https://get.helm.sh/helm-v3.15.0-linux-${TARGETARCH}.tar.gz\n"),
    Valid("FROM mcr.microsoft.com/dotnet/sdk:8.0\nARG TARGETARCH\nRUN dotnet publish -a $TARGETARCH\n"),
    # Debian names only differ for arm and ppc64le
    Valid("FROM debian\nARG TARGETARCH\nRUN dpkg --add-architecture $TARGETARCH\n"),
    Valid("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS TARGETARCH\n"
          "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n"),
]

ArchNameMismatch.invalid = [
    Invalid("FROM --platform=$BUILDPLATFORM node:20 AS deps\nARG TARGETARCH\n"
            "RUN npm ci --os=linux --cpu=$TARGETARCH\n", line=3),
    Invalid("FROM --platform=$BUILDPLATFORM rust:1.79 AS build\nARG TARGETARCH\n"
            "RUN cargo build --release --target ${TARGETARCH}-unknown-linux-musl\n", line=3),
    Invalid("FROM debian\nARG TARGETARCH\n"
            "RUN curl -fsSL https://awscli.amazonaws.com/awscli-exe-linux-${TARGETARCH}.zip -o a.zip\n",
            line=3),
    Invalid("FROM debian\nARG TARGETARCH\nRUN dpkg --add-architecture $TARGETARCH\n", line=3,
            platforms=("linux/amd64", "linux/arm/v7")),
    Invalid("FROM mcr.microsoft.com/dotnet/sdk:6.0 AS build\nARG TARGETARCH\n"
            "RUN dotnet publish -r linux-$TARGETARCH -o /out\n", line=3),
    Invalid("FROM alpine\nARG TARGETARCH\nADD https://nodejs.org/dist/v20.15.0/node-v20.15.0-linux-$TARGETARCH.tar.xz /opt/\n",
            line=3),
]
