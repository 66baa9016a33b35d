r"""XL206 hardcoded-arch.

## What it does
Reports an architecture literal where the target architecture belongs, in a Dockerfile built for
several platforms:
- download URLs and file names in `curl`, `wget` and `ADD` (`linux-amd64`, `x86_64`, `aarch64`, `arm64`,
  `x64`) in a stage that runs on the target platform;
- an apt source written for one architecture (`echo "deb [arch=amd64] https://..." > /etc/apt/sources.list.d/x.list`)
  in a stage that runs on the target platform;
- compiler and tool settings in any stage that reaches the image: `GOARCH=amd64`, `dotnet -r linux-x64`
  / `-a x64`, `cargo --target x86_64-unknown-linux-gnu`, `npm --cpu=x64`, `--platform linux/amd64` or
  `--platform manylinux2014_x86_64` passed to a tool.

Literals inside a mapping (`case "$TARGETARCH" in amd64) ARCH=x86_64;; esac`, or an `if` that tests the
architecture) are the cure, not the problem, and are not reported. Nothing is reported when every target
platform has the literal's architecture.

## Why is this bad?
The literal is the same for every platform of the build: the arm64 image gets the amd64 download or
an x64 .NET publish, and fails on arm64 nodes with `exec format error` (or, for .NET,
`cannot execute binary file`), although the build succeeds. Vendors also name architectures their own
way (hadolint#874), so the fix is a mapping from `TARGETARCH`, not a copy of the literal.

## Example
```dockerfile
FROM alpine
RUN wget -O /tmp/helm.tgz https://get.helm.sh/helm-v3.15.0-linux-amd64.tar.gz
```

## Use instead
```dockerfile
FROM alpine
ARG TARGETARCH
RUN wget -O /tmp/helm.tgz https://get.helm.sh/helm-v3.15.0-linux-${TARGETARCH}.tar.gz
```
For .NET: `dotnet publish -a $TARGETARCH` (SDK 8 maps `amd64` to `x64`) instead of `-r linux-x64`.

## References
- hadolint#874 (arch names differ per vendor)
- tonistiigi/xx `xx-info` (the target arch in every vocabulary)
- dotnet/sdk#30762 (`-a amd64` accepted)
"""

from __future__ import annotations

import re

from xlint.archnames import differs_from_targets, find_arch_literals, literal_arch, name_in, option_values
from xlint.diagnostics import Edit
from xlint.expand import referenced_names
from xlint.model import PLATFORM_ARGS, Model, Stage, span_of_arg
from xlint.records import record
from xlint.rule import Context, Invalid, Rule, Valid
from xlint.rx import rx
from xlint.shell import Assignment, SimpleCommand, Word, assignments, run_commands
from xlint.syntax.tree import Instruction, Span

_DOWNLOADERS = frozenset({"curl", "wget", "aria2c"})
_NODE_TOOLS = frozenset({"npm", "yarn", "pnpm", "bun", "npx"})
_ARCH_VARS = ("TARGETARCH", "TARGETPLATFORM", "TARGETVARIANT", "BUILDARCH", "uname", "dpkg", "apk --print-arch",
              "arch)")
_ENV_NAMES = {"GOARCH": "go", "CARGO_BUILD_TARGET": "rust", "NPM_CONFIG_ARCH": "node", "NPM_CONFIG_CPU": "node",
              "RUNTIME_IDENTIFIER": "dotnet"}
# `deb [arch=amd64 signed-by=...] URL suite component`: apt uses the source for that architecture only
_APT_ARCH_RE = rx(r"^\s*deb(?:-src)?\s+\[[^\]]*\barch=([A-Za-z0-9_]+)\b(?![,\w])")
_UNSAFE_TITLE = "Map `TARGETARCH` to the vendor's architecture name"
_RID_RE = rx(r"^linux-(musl-)?([A-Za-z0-9_]+)$")
_DOTNET_HINT = ("Declare `ARG TARGETARCH` and pass `-a $TARGETARCH` instead of the RID (SDK 8 maps amd64 to x64; "
                "keep musl with `--os linux-musl`).")


@record
class _Finding:
    span: Span
    literal: str
    arch: str
    variant: str
    what: str
    kind: str = ""  # "dotnet", "goarch", "download", "add" (fixable kinds), "" otherwise
    instr: Instruction | None = None
    word: Word | None = None
    words: list[Word] | None = None  # the command's arguments (dotnet)
    unsafe: bool = False
    message: str = ""  # instead of the rule's message (an architecture from a build argument)


class HardcodedArch(Rule):
    __doc__ = __doc__
    code = "XL206"
    name = "hardcoded-arch"
    severity = "warning"
    message = "`{literal}` hard-codes {arch} in {what}: every platform of the build ({targets}) gets {arch}"
    hint = ("Use the target's architecture: declare `ARG TARGETARCH` and use `$TARGETARCH`, or map it to the "
            "vendor's name (`case \"$TARGETARCH\" in amd64) ARCH=x86_64;; arm64) ARCH=aarch64;; esac`).")
    fix_title = "Use `$TARGETARCH` instead of the literal"
    fix_applicability = "safe"

    def check(self, ctx: Context) -> None:
        model = ctx.model
        targets = ", ".join("/".join(x for x in t if x) for t in model.targets)
        found: list[tuple[Stage, _Finding, str]] = []
        for stage in model.stages:
            if stage.platform.kind not in ("build", "target") or stage.index not in model.reachable:
                continue
            for f in _stage_findings(model, stage):
                if not differs_from_targets(f.arch, f.variant, model.targets):
                    continue
                arch = f"{f.arch}/{f.variant}" if f.variant else f.arch
                message = f.message.format(targets=targets) if f.message else self.message.format(
                    literal=f.literal, arch=arch, what=f.what, targets=targets)
                found.append((stage, f, message))
        if not found:
            return
        from xlint.fixes.archmap import group_fixes  # (the fix helpers load only for a file with a finding)

        items = []
        for stage, f, message in found:
            edits, args = _fix(model, stage, f)
            assert f.instr is not None
            items.append((message, stage, f.instr, edits, args))
        fixes = group_fixes(model, items)
        for (_stage, f, message), fix in zip(found, fixes, strict=True):
            hint = _DOTNET_HINT if ".NET" in f.what else self.hint
            if isinstance(fix, str):
                hint = f"{hint} No automatic fix: {fix}." if fix else hint
            ctx.report(self, f.span, message, hint=hint, edits=fix if isinstance(fix, list) else None,
                       applicability="unsafe" if f.unsafe else "safe",
                       fix_title=_UNSAFE_TITLE if f.unsafe else self.fix_title)


def _fix(model: Model, stage: Stage, f: _Finding) -> tuple[list[Edit] | str, tuple[str, ...]]:
    """The edits of one finding (the ARG lines excepted) and the platform ARGs they need."""
    if f.kind == "dotnet":
        return _dotnet_fix(model, f), ("TARGETARCH",)
    if f.kind == "goarch":
        return _goarch_fix(model, f)
    if f.kind == "add":
        return _add_fix(model, f), ("TARGETARCH",)
    if f.kind == "download":
        return _download_fix(model, stage, f)
    return "only .NET RIDs, GOARCH values and downloads are fixed", ()


def _dotnet_fix(model: Model, f: _Finding) -> list[Edit] | str:
    text = model.tree.text
    w, words = f.word, f.words or []
    if w is None or w.value is None or not any(x is w for x in words):
        return "the RID is not a literal"
    idx = next(i for i, x in enumerate(words) if x is w)
    if w.value.startswith("-"):
        flag, _, value = w.value.partition("=") if w.value.startswith("--") else (w.value[:2], "", w.value[2:])
        start = w.span.start
    else:
        if idx == 0 or words[idx - 1].value is None:
            return "the RID is not a literal"
        flag, value, start = words[idx - 1].value or "", w.value, words[idx - 1].span.start
    if "\n" in text[start : w.span.end]:
        return "the option is split over lines"
    if flag in ("-r", "--runtime"):
        m = _RID_RE.match(value)
        if m is None or literal_arch(m.group(2)) is None:
            return f"`{value}` is not a Linux RID"
        new = "-a $TARGETARCH" + (" --os linux-musl" if m.group(1) else "")
    elif flag in ("-a", "--arch") and literal_arch(value) is not None:
        new = "-a $TARGETARCH"
    else:
        return "unknown .NET option"
    return [Edit(start, w.span.end, new)]


def _goarch_fix(model: Model, f: _Finding) -> tuple[list[Edit] | str, tuple[str, ...]]:
    text = model.tree.text
    name = f.literal.partition("=")[0]
    start, end = f.span.start, f.span.end
    if text[start:end] == name and f.instr is not None and f.instr.keyword == "ENV":
        # an ENV finding points at the name: the edit replaces the whole `NAME=value` word
        m = re.compile(re.escape(name) + r"=[A-Za-z0-9_.-]+(?=\s|$)").match(text, start)
        end = m.end() if m is not None else end
    written = text[start:end]
    if not written.startswith(name + "=") or "\n" in written:
        return "the assignment is not a plain NAME=value", ()
    new = f"{name}=$TARGETARCH"
    args: tuple[str, ...] = ("TARGETARCH",)
    assert f.instr is not None
    if any(a == "arm" for _os, a, _v in model.targets) and "GOARM" not in f.instr.text:
        new += " GOARM=${TARGETVARIANT#v}"
        args = ("TARGETARCH", "TARGETVARIANT")
    return [Edit(start, end, new)], args


def _add_fix(model: Model, f: _Finding) -> list[Edit] | str:
    from xlint.fixes.archmap import identity, vocabulary_of_literal

    text = model.tree.text
    lits = find_arch_literals(f.literal)
    if not lits or text[f.span.start : f.span.end] != f.literal:
        return "the ADD source is not written plainly"
    lit = lits[0]
    vocab = vocabulary_of_literal(lit.text)
    if vocab is None or name_in(vocab, lit.arch, lit.variant) != lit.text or not identity(model.targets, vocab):
        return "the vendor's name differs from TARGETARCH and ADD cannot map it: download in a RUN"
    return [Edit(f.span.start + lit.start, f.span.start + lit.end, "${TARGETARCH}")]


def _download_fix(model: Model, stage: Stage, f: _Finding) -> tuple[list[Edit] | str, tuple[str, ...]]:
    from xlint.fixes.archmap import in_single_quotes, mapping, script_start, vocabulary_of_literal

    instr, w = f.instr, f.word
    assert instr is not None and w is not None
    lits = find_arch_literals(w.raw)
    if not lits:
        return "no literal", ()
    lit = lits[0]
    vocab = vocabulary_of_literal(lit.text)
    if vocab is None or name_in(vocab, lit.arch, lit.variant) != lit.text:
        return f"unknown naming scheme for `{lit.text}`", ()
    if re.search(r"(?<![A-Za-z0-9_])case(?![A-Za-z0-9_])", instr.text):
        return "the RUN already has a case statement", ()
    m = mapping(model, stage, instr, vocab)
    if isinstance(m, str):
        return m, ()
    start = script_start(model, instr)
    if start is None:
        return "the RUN is in exec form or a heredoc script", ()
    text = model.tree.text
    edits: dict[tuple[int, int], Edit] = {}
    for cmd in run_commands(instr):
        if "sh -c" in cmd.context:
            return "the download runs in `sh -c`", ()
        for word in list(cmd.argv) + [a for a in cmd.env]:
            raw = word.raw if isinstance(word, Word) else text[word.span.start : word.span.end]
            for other in find_arch_literals(raw):
                if other.text != lit.text:
                    return "the RUN names architectures in more than one way", ()
                if text[word.span.start : word.span.end] != raw or in_single_quotes(raw, other.start):
                    return "the file name is quoted or split over lines", ()
                at = word.span.start + other.start
                edits[(at, at + len(other.text))] = Edit(at, at + len(other.text), m.reference)
    for ins in model.tree.instructions:
        if ins.span.start > instr.span.start and any(x.text == lit.text for x in find_arch_literals(ins.text)):
            line = ins.start_line
            return f"`{lit.text}` is used again at line {line} (a file name the mapping would change)", ()
    out = sorted(edits.values())
    if m.prefix:
        out.insert(0, Edit(start, start, m.prefix))
    return out, m.args


def _stage_findings(model: Model, stage: Stage) -> list[_Finding]:
    out: list[_Finding] = []
    downloads = stage.platform.kind == "target"
    for instr in stage.instructions:
        if instr.keyword == "ADD" and downloads:
            for arg in instr.args[:-1]:
                out.extend(_mark(_literals_in(arg.value, arg.span, "an ADD source"), "add", instr, unsafe=True))
        elif instr.keyword == "COPY" and downloads and not instr.heredocs:
            for arg in instr.args[:-1]:
                out.extend(_mark(_literals_in(arg.value, arg.span, "a COPY source path"), "", instr))
        elif instr.keyword == "ENV":
            vals = instr.value
            for i in range(0, len(vals) - 1, 2):
                if vals[i].upper() in _ENV_NAMES:
                    out.extend(_mark(_env_literal(vals[i], vals[i + 1], _env_span(instr, vals[i])), "", instr))
        elif instr.keyword == "RUN":
            out.extend(_mark(_run_findings(instr, downloads), "", instr))
    out.extend(_variable_findings(model, stage))
    return out


def _variable_findings(model: Model, stage: Stage) -> list[_Finding]:
    """``ARG ARCH=amd64`` / ``ENV TARBALL=go1.22.linux-amd64.tar.gz`` (not a tool setting: those are
    reported where they are set) whose value a later COPY, ADD or RUN of the stage uses: one value for
    every platform. A stage ``ARG ARCH`` without a default takes the global one's."""
    escape = model.tree.escape
    carriers: list[tuple[str, Instruction, Span, str]] = []  # name, instruction, span, value
    for decl in stage.args:
        if decl.name in PLATFORM_ARGS or decl.name.upper() in _ENV_NAMES:
            continue
        value = decl.default
        if value is None:
            glob = model.global_default(decl.name)
            value = glob.default if glob is not None else None
        if value and "$" not in value:
            carriers.append((decl.name, decl.instruction, span_of_arg(decl.arg), value.strip("\"'")))
    for instr in stage.instructions:
        if instr.keyword != "ENV":
            continue
        vals = instr.value
        for i in range(0, len(vals) - 1, 2):
            if vals[i].upper() not in _ENV_NAMES and "$" not in vals[i + 1]:
                carriers.append((vals[i], instr, _env_span(instr, vals[i]), vals[i + 1]))
    out: list[_Finding] = _arch_build_args(model, stage)
    for name, decl_instr, span, value in carriers:
        lits = find_arch_literals(value)
        if not lits:
            continue
        user = next((ins for ins in stage.instructions if ins.span.start > decl_instr.span.start
                     and ins.keyword in ("RUN", "COPY", "ADD") and _uses(ins, name, escape)), None)
        if user is None or any(k in user.text for k in _ARCH_VARS):
            continue
        what = f"`{name}`, which `{_snippet(user)}` uses"
        out.append(_Finding(span, f"{name}={value}", lits[0].arch, lits[0].variant, what, instr=decl_instr))
    return out


def _snippet(instr: Instruction) -> str:
    """The instruction's first words, on one line (a message names it by its text, not its line)."""
    words = instr.text.split()
    text = " ".join(words[:4])
    return text if len(words) <= 4 else f"{text} ..."


_ARCH_NAME = rx(r"(?:^|_)ARCH(?:$|_)|ARCH$", re.I)


def _arch_build_args(model: Model, stage: Stage) -> list[_Finding]:
    """``ARG BUILD_ARCH`` without a default, used by a later step: a build argument the user passes once,
    so every platform gets the same architecture (and an empty one when it is not passed)."""
    out: list[_Finding] = []
    for decl in stage.args:
        if decl.name in PLATFORM_ARGS or decl.default is not None or not _ARCH_NAME.search(decl.name):
            continue
        glob = model.global_default(decl.name)
        if glob is not None and glob.default is not None:
            continue
        for ins in stage.instructions:
            if ins.span.start <= decl.instruction.span.start or ins.keyword not in ("RUN", "COPY", "ADD"):
                continue
            m = re.search(rf"\$\{{?{re.escape(decl.name)}(?![A-Za-z0-9_])", ins.text)
            if m is None or not _uses(ins, decl.name, model.tree.escape):
                continue
            at = ins.span.start + m.start()
            message = (f"`{decl.name}` is a build argument, not the target's architecture: one `--build-arg` value "
                       "serves every platform of the build ({targets}), and an empty one when it is not given")
            # no literal to compare with the targets: any single value is wrong for all platforms but one
            out.append(_Finding(Span(at, at + len(m.group(0))), f"${decl.name}", "", "", "", instr=ins,
                                message=message))
            break
    return out


def _uses(instr: Instruction, name: str, escape: str) -> bool:
    if instr.keyword == "RUN":
        return re.search(rf"\$(?:{re.escape(name)}(?![A-Za-z0-9_])|\{{{re.escape(name)}\b)", instr.text) is not None
    return any(ref == name for arg in instr.args for ref, _s, _e in referenced_names(arg.value, escape))


def _mark(found: list[_Finding], kind: str, instr: Instruction, unsafe: bool = False) -> list[_Finding]:
    for f in found:
        f.instr = instr
        if kind:
            f.kind = kind
            f.unsafe = unsafe
    return found


def _env_span(instr: Instruction, name: str) -> Span:
    for arg in instr.args:
        if arg.value.startswith(name + "=") or arg.value == name:
            return arg.span
    return instr.keyword_span


def _run_findings(instr: Instruction, downloads: bool) -> list[_Finding]:
    out: list[_Finding] = []
    aware = any(k in instr.text for k in _ARCH_VARS)
    seen: set[Span] = set()

    def mapped(context: tuple[str, ...]) -> bool:
        return "case" in context or (aware and "if" in context)

    for cmd in run_commands(instr):
        for a in cmd.env:
            seen.add(a.span)
            if not mapped(cmd.context):
                out.extend(_assignment(a))
        if mapped(cmd.context):
            continue
        out.extend(_command_findings(cmd, downloads))
    for a in assignments(instr):
        if a.span in seen or mapped(a.context) or aware:
            continue
        out.extend(_assignment(a))
    return out


def _assignment(a: Assignment) -> list[_Finding]:
    if a.name.upper() not in _ENV_NAMES or a.value is None:
        return []
    return _env_literal(a.name, a.value, a.span)


def _env_literal(name: str, value: str, span: Span) -> list[_Finding]:
    kind = _ENV_NAMES[name.upper()]
    if kind == "go":
        go = literal_arch(value) if value not in ("arm", "386") else (value, "")
        if go is None:
            return []
        return [_Finding(span, f"{name}={value}", go[0], "", "the Go target", kind="goarch")]
    return [_Finding(span, f"{name}={value}", lit.arch, lit.variant, f"`{name}`")
            for lit in find_arch_literals(value)][:1]


def _literals_in(text: str, span: Span, what: str) -> list[_Finding]:
    return [_Finding(span, text, lit.arch, lit.variant, what) for lit in find_arch_literals(text)][:1]


def _command_findings(cmd: SimpleCommand, downloads: bool) -> list[_Finding]:
    name = cmd.basename
    words: list[Word] = cmd.argv[1:]
    raws = [w.raw for w in words]
    out: list[_Finding] = []
    if name in _DOWNLOADERS and downloads:
        for w in words:
            if w.raw.startswith("-") and "://" not in w.raw:
                continue
            for f in _literals_in(w.raw, w.span, f"a `{name}` download"):
                f.kind, f.word, f.unsafe = "download", w, True
                out.append(f)
        return out
    if name in ("echo", "printf") and downloads:
        for w in words:
            m = _APT_ARCH_RE.search(w.value or w.raw)
            if m is not None:
                out.extend(_literals_in(m.group(1), w.span, "an apt source's `arch=` option"))
        return out
    if name == "dotnet":
        for idx, value in option_values(raws, ("-r", "--runtime", "-a", "--arch")):
            for f in _literals_in(value, words[idx].span, "the .NET runtime identifier"):
                f.kind, f.word, f.words = "dotnet", words[idx], words
                out.append(f)
    elif name in ("cargo", "rustc", "cross"):
        for idx, value in option_values(raws, ("--target",)):
            out.extend(_literals_in(value, words[idx].span, "the Rust target"))
    elif name in _NODE_TOOLS:
        for idx, value in option_values(raws, ("--cpu", "--arch", "--target_arch")):
            out.extend(_literals_in(value, words[idx].span, "the npm CPU"))
    for idx, value in option_values(raws, ("--platform",)):
        out.extend(_literals_in(value, words[idx].span, f"the `{name}` platform"))
    return out


HardcodedArch.valid = [
    Valid("FROM ubuntu:24.04\nRUN echo \"deb [arch=$(dpkg --print-architecture)] https://example.com/apt stable main\" "
          "> /etc/apt/sources.list.d/x.list\n"),
    Valid("FROM ubuntu:24.04\nRUN echo \"deb [arch=amd64,arm64] https://example.com/apt stable main\" > /etc/apt/x.list\n"),
    Valid("FROM alpine\nARG TARGETARCH\nCOPY bin/linux_${TARGETARCH}/app /app\n"),
    # a build-platform stage may use the build machine's tools
    Valid("FROM --platform=$BUILDPLATFORM alpine AS gen\nCOPY tools/linux-amd64/gen /gen\nRUN /gen > /out\n"
          "FROM alpine\nCOPY --from=gen /out /out\n"),
    Valid("FROM alpine\nARG ARCH=amd64\nRUN echo building\n"),  # the value feeds nothing
    Valid("FROM alpine\nARG TARGETARCH\nARG ARCH=amd64\n"
          "RUN [ \"$TARGETARCH\" = arm64 ] && ARCH=aarch64; wget https://example.com/t-$ARCH.tgz\n"),
    Valid("FROM alpine\nENV APP_ARCH_NOTE=amd64\nCOPY app.conf /etc/app.conf\n"),
    Valid("FROM alpine\nARG TARGETARCH\nARG ARCH=$TARGETARCH\nRUN curl -fLO https://dl.example.com/tool-$ARCH.tgz\n"),
    Valid("FROM alpine\nARG BUILD_ARCH\nRUN echo no use\n"),
    Valid("FROM alpine\nARG TARGETARCH\nRUN wget https://get.helm.sh/helm-v3.15.0-linux-${TARGETARCH}.tar.gz\n"),
    Valid("FROM alpine\nARG TARGETARCH\n"
          "RUN case \"$TARGETARCH\" in amd64) ARCH=x86_64;; arm64) ARCH=aarch64;; esac \\\n"
          " && wget https://example.com/tool-linux-$ARCH.tgz\n"),
    Valid("FROM alpine\nARG TARGETARCH\nRUN if [ \"$TARGETARCH\" = amd64 ]; then "
          "wget https://example.com/tool-x86_64.tgz; fi\n"),
    # one target platform, matching the literal
    Valid("FROM alpine\nRUN wget https://example.com/tool-linux-amd64.tgz\n", platforms=("linux/amd64",)),
    # a build-platform stage fetching a tool it runs itself
    Valid("FROM --platform=$BUILDPLATFORM alpine AS gen\nRUN wget https://example.com/protoc-linux-x86_64.zip\n"
          "FROM alpine\nCOPY --from=gen /out /out\n"),
    Valid("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS TARGETARCH\n"
          "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n"
          "FROM scratch\nCOPY --from=build /out/app /app\n"),
    Valid("FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nARG TARGETARCH\n"
          "RUN dotnet publish -a $TARGETARCH -o /out\n"),
]

HardcodedArch.invalid = [
    # an ENV line of several settings: the fix replaces the GOARCH word only
    Invalid("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nENV CGO_ENABLED=0 GOOS=linux GOARCH=amd64\n"
            "RUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n", line=2,
            fixed="FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETARCH\n"
                  "ENV CGO_ENABLED=0 GOOS=linux GOARCH=$TARGETARCH\n"
                  "RUN go build -o /app .\nFROM scratch\nCOPY --from=build /app /app\n"),
    # a path with one architecture's name, copied into every platform's image
    Invalid("FROM golang:1.22 AS build\nRUN make release\nFROM alpine\n"
            "COPY --from=build /src/bin/linux-amd64/server /usr/bin/server\n", line=4),
    Invalid("FROM debian:bookworm-slim\nCOPY --from=build /usr/lib/x86_64-linux-gnu/libfoo.so.1 /usr/lib/\n", line=2),
    # an apt source for amd64 only: arm64's apt skips it and the install finds no package
    Invalid("FROM ubuntu:24.04\nRUN echo \"deb [arch=amd64 signed-by=/k.gpg] https://example.com/apt stable main\" "
            "> /etc/apt/sources.list.d/x.list && apt-get update && apt-get install -y tool\n", line=2),
    # an architecture passed as a build argument is one value for every platform
    Invalid("FROM alpine\nARG BUILD_ARCH\nRUN curl -fLO https://dl.example.com/tool-${BUILD_ARCH}.tar.xz\n", line=3),
    # a variable carries the literal to the COPY, the download or the tarball name
    Invalid("ARG ARCH=amd64\nFROM busybox\nARG ARCH=amd64\nARG OS=linux\nCOPY .build/${OS}-${ARCH}/app /bin/app\n",
            line=3),
    Invalid("ARG ARCH=amd64\nFROM busybox\nARG ARCH\nCOPY .build/linux-${ARCH}/app /bin/app\n", line=3),
    Invalid("FROM alpine\nARG PLATFORM=linux/amd64\n"
            "RUN curl -sLo /usr/local/bin/kubectl https://dl.example.com/v1.30/bin/${PLATFORM}/kubectl\n", line=2),
    Invalid("FROM debian\nENV GO_TARBALL go1.22.linux-amd64.tar.gz\n"
            "RUN curl -O https://dl.example.com/$GO_TARBALL && tar -xzf $GO_TARBALL -C /usr/local\n", line=2),
    Invalid("FROM alpine\nRUN wget -O /tmp/helm.tgz https://get.helm.sh/helm-v3.15.0-linux-amd64.tar.gz\n",
            line=2, unsafe=True,
            fixed="FROM alpine\nARG TARGETARCH\n"
            "RUN wget -O /tmp/helm.tgz https://get.helm.sh/helm-v3.15.0-linux-${TARGETARCH}.tar.gz\n"),
    Invalid("FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nRUN dotnet restore -r linux-x64\n"
            "RUN dotnet publish -c Release -r linux-x64 --no-restore -o /out\n"
            "FROM mcr.microsoft.com/dotnet/runtime:8.0\nCOPY --from=build /out /app\n", line=2, count=2,
            fixed="FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nARG TARGETARCH\nRUN dotnet restore -a $TARGETARCH\n"
            "RUN dotnet publish -c Release -a $TARGETARCH --no-restore -o /out\n"
            "FROM mcr.microsoft.com/dotnet/runtime:8.0\nCOPY --from=build /out /app\n"),
    Invalid("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
            "RUN CGO_ENABLED=0 GOARCH=amd64 go build -o /out/app .\n"
            "FROM scratch\nCOPY --from=build /out/app /app\n", line=2,
            fixed="FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETARCH\n"
            "RUN CGO_ENABLED=0 GOARCH=$TARGETARCH go build -o /out/app .\n"
            "FROM scratch\nCOPY --from=build /out/app /app\n"),
    Invalid("FROM --platform=$BUILDPLATFORM rust:1.79 AS build\n"
            "RUN cargo build --release --target x86_64-unknown-linux-gnu\n"
            "FROM debian\nCOPY --from=build /src/target /app\n", line=2),
    Invalid("FROM debian\nADD https://example.com/tool_1.0_linux_aarch64.tar.gz /opt/\n", line=2),
    Invalid("FROM debian\nRUN curl -fsSLO https://example.com/tool_1.0_linux_x86_64.tar.gz \\\n"
            "  && tar -xzf tool_1.0_linux_x86_64.tar.gz -C /opt\n", line=2, unsafe=True,
            fixed="FROM debian\nARG TARGETARCH\n"
            "RUN case \"$TARGETARCH\" in amd64) ARCH=x86_64;; arm64) ARCH=aarch64;; "
            "*) echo \"unsupported architecture: $TARGETARCH\" >&2; exit 1;; esac \\\n"
            "  && curl -fsSLO https://example.com/tool_1.0_linux_${ARCH}.tar.gz \\\n"
            "  && tar -xzf tool_1.0_linux_${ARCH}.tar.gz -C /opt\n"),
    Invalid("FROM mcr.microsoft.com/dotnet/sdk:8.0-alpine AS build\n"
            "RUN dotnet publish --runtime=linux-musl-x64 -o /out\n"
            "FROM alpine\nCOPY --from=build /out /app\n", line=2,
            fixed="FROM mcr.microsoft.com/dotnet/sdk:8.0-alpine AS build\nARG TARGETARCH\n"
            "RUN dotnet publish -a $TARGETARCH --os linux-musl -o /out\n"
            "FROM alpine\nCOPY --from=build /out /app\n"),
    Invalid("FROM --platform=$BUILDPLATFORM python:3.12 AS deps\n"
            "RUN pip install --platform manylinux2014_x86_64 --only-binary=:all: --target /deps -r req.txt\n"
            "FROM python:3.12\nCOPY --from=deps /deps /deps\n", line=2),
    Invalid("FROM golang:1.22\nENV GOARCH=arm64\n", line=2),
]
