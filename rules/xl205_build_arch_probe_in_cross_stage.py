r"""XL205 build-arch-probe-in-cross-stage.

## What it does
Reports `uname -m`, `arch`, `dpkg --print-architecture`, `apk --print-arch` or `rpm --eval %_arch` in a
stage that runs on the build platform (`FROM --platform=$BUILDPLATFORM`, or built on such a stage) when
that stage's files reach the target image. A probe that picks a tool the stage runs itself (a toolchain
unpacked to a directory on its `PATH` that no stage copies out) is the build machine's on purpose and is
not reported; the converse is: `$TARGETARCH` picking the download of such a tool, which the build machine
then cannot run natively.

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
RUN case "$TARGETARCH" in amd64) ARCH=x86_64;; arm64) ARCH=aarch64;; esac \
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

from xlint.archnames import Vocabulary, is_arch_probe
from xlint.diagnostics import Edit
from xlint.model import Model, Stage
from xlint.rule import Context, Invalid, Rule, Valid
from xlint.shell import SimpleCommand, run_commands
from xlint.syntax.tree import Instruction, Span


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
    message_tool = ("`$TARGETARCH` in stage '{stage}' picks the download of `{tool}`, a tool the stage runs, "
                    "but the stage runs on $BUILDPLATFORM: the build machine gets the target's build of it "
                    "(`exec format error`, or QEMU)")
    hint_tool = ("Pick the tools the build runs with `$BUILDARCH` (`ARG BUILDARCH`); `$TARGETARCH` is for what "
                 "the image ships.")
    fix_title_tool = "Pick the build machine's tool with `$BUILDARCH`"
    fix_applicability = "unsafe"

    def check(self, ctx: Context) -> None:
        model = ctx.model
        if not model.multi_platform:
            return
        found: list[tuple[Stage, Instruction, SimpleCommand, str]] = []
        for stage in model.stages:
            if stage.platform.kind != "build" or not model.reaches_target_via_files(stage.index):
                continue
            for instr in stage.instructions:
                if instr.keyword != "RUN":
                    continue
                probes = [cmd for cmd in run_commands(instr) if is_arch_probe(cmd.basename, cmd.args())]
                if not probes:
                    continue
                from xlint.fixes.hostprobe import host_tool_probe  # (loaded for a RUN that probes only)

                if host_tool_probe(model, stage, instr) is not None:
                    continue  # (a probe picking a tool the stage runs itself is right on the build machine)
                for cmd in probes:
                    message = self.message.format(command=" ".join(w.raw for w in cmd.argv), stage=stage.label)
                    found.append((stage, instr, cmd, message))
        if found:
            self._report(ctx, found)
        self._target_picked_tools(ctx)

    def _report(self, ctx: Context, found: list[tuple[Stage, Instruction, SimpleCommand, str]]) -> None:
        from xlint.fixes.archmap import group_fixes

        model = ctx.model
        units: dict[int, tuple[list[Edit] | str, tuple[str, ...]]] = {}
        for stage, instr, _cmd, _m in found:
            if instr.span.start not in units:
                units[instr.span.start] = _run_fix(model, stage, instr)
        items = [(m, stage, instr, units[instr.span.start][0], units[instr.span.start][1])
                 for stage, instr, _cmd, m in found]
        for (_stage, _instr, cmd, message), fix in zip(found, group_fixes(model, items), strict=True):
            hint = self.hint if not isinstance(fix, str) else f"{self.hint} No automatic fix: {fix}."
            ctx.report(self, cmd.span, message, hint=hint, edits=fix if isinstance(fix, list) else None)

    def _target_picked_tools(self, ctx: Context) -> None:
        """The converse: `$TARGETARCH` picking the download of a tool that a build-platform stage runs."""
        model = ctx.model
        for stage in model.stages:
            if stage.platform.kind != "build" or stage.index not in model.reachable:
                continue
            for ins in stage.instructions:
                if ins.keyword != "RUN" or "TARGET" not in ins.text:
                    continue  # (a download picked by $TARGETARCH, TARGETOS... names it)
                from xlint.fixes.hostprobe import feeds_stage_tool, target_ref_span, tool_run_edits
                from xlint.fixes.style import arg_edit

                got = tool_run_edits(model, stage, ins)
                at = target_ref_span(ins)
                if got is None or at is None:
                    continue
                tool = feeds_stage_tool(model, stage, ins) or ""
                message = self.message_tool.format(stage=stage.label, tool=tool)
                if isinstance(got, str):
                    ctx.report(self, Span(*at), message, hint=f"{self.hint_tool} No automatic fix: {got}.")
                    continue
                edits, names = got
                arg = arg_edit(model, stage, ins, names)
                ctx.report(self, Span(*at), message, hint=self.hint_tool, edits=edits + ([arg] if arg else []),
                           applicability="unsafe", fix_title=self.fix_title_tool)


_PROBE_VOCABULARY: dict[str, Vocabulary] = {"uname": "uname", "arch": "uname", "dpkg": "debian",
                                            "dpkg-architecture": "debian", "apk": "alpine"}


def _run_fix(model: Model, stage: Stage, instr: Instruction) -> tuple[list[Edit] | str, tuple[str, ...]]:
    """Edits replacing every probe of the RUN by the mapped target arch (one mapping per RUN)."""
    probes = [c for c in run_commands(instr) if is_arch_probe(c.basename, c.args())]
    vocabs = {_PROBE_VOCABULARY.get(c.basename or "") for c in probes}
    if None in vocabs:
        return "no TARGETARCH mapping for this probe (rpm)", ()
    if len(vocabs) != 1:
        return "the RUN asks for the architecture in more than one naming", ()
    if any("sh -c" in c.context or "heredoc" in c.context for c in probes):
        return "the probe runs in `sh -c` or a heredoc script", ()
    if any(c.name == "uname" and any(a not in ("-m", "--machine") for a in c.args()) for c in probes):
        return "`uname` prints more than the machine name here", ()
    vocab = vocabs.pop()
    assert vocab is not None
    from xlint.fixes.archmap import mapping, script_start

    m = mapping(model, stage, instr, vocab)
    if isinstance(m, str):
        return m, ()
    start = script_start(model, instr)
    if start is None:
        return "the RUN is in exec form or a heredoc script", ()
    text = model.tree.text
    edits: list[Edit] = []
    for c in probes:
        before = text[: c.span.start].rstrip(" \t")
        after_at = c.span.end
        while after_at < len(text) and text[after_at] in " \t":
            after_at += 1
        if before.endswith("$(") and text.startswith(")", after_at):
            edits.append(Edit(len(before) - 2, after_at + 1, m.reference))
        elif before.endswith("`") and text.startswith("`", after_at) and "`...`" in c.context:
            edits.append(Edit(len(before) - 1, after_at + 1, m.reference))
        elif not c.context:
            edits.append(Edit(c.span.start, c.span.end, f'echo "{m.reference}"'))
        else:
            return "the probe is nested in a shell construct", ()
    if m.prefix:
        edits.insert(0, Edit(start, start, m.prefix))
    return edits, m.args

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
    # the probe picks the toolchain the stage runs (on PATH, never copied out): the build machine's is right
    Valid("FROM --platform=$BUILDPLATFORM alpine AS build\n"
          "RUN wget -O /tmp/t.tgz https://example.com/go-$(uname -m).tgz && mkdir -p /opt/go "
          "&& tar -C /opt/go -xzf /tmp/t.tgz\nENV PATH=/opt/go/bin:$PATH\nRUN go build -o /out/app .\n"
          "FROM alpine\nCOPY --from=build /out/app /app\n"),
    Valid("FROM --platform=$BUILDPLATFORM debian AS b\nRUN dpkg-architecture -a arm64 -qDEB_HOST_ARCH\n"
          "FROM debian\nCOPY --from=b /x /x\n"),
]

BuildArchProbeInCrossStage.invalid = [
    # the toolchain the build-platform stage runs, downloaded for the target
    Invalid("FROM --platform=$BUILDPLATFORM alpine AS build\nARG TARGETARCH\n"
            "RUN wget -O /tmp/go.tgz https://example.com/go-linux-$TARGETARCH.tgz && tar -C /usr/local -xzf /tmp/go.tgz "
            "&& rm /tmp/go.tgz\nENV PATH=/usr/local/go/bin:$PATH\nRUN go build -o /out/app .\n"
            "FROM alpine\nCOPY --from=build /out/app /app\n", line=3, unsafe=True,
            fixed="FROM --platform=$BUILDPLATFORM alpine AS build\nARG TARGETARCH BUILDARCH\n"
            "RUN wget -O /tmp/go.tgz https://example.com/go-linux-$BUILDARCH.tgz && tar -C /usr/local -xzf /tmp/go.tgz "
            "&& rm /tmp/go.tgz\nENV PATH=/usr/local/go/bin:$PATH\nRUN go build -o /out/app .\n"
            "FROM alpine\nCOPY --from=build /out/app /app\n"),
    Invalid("FROM --platform=$BUILDPLATFORM alpine AS fetch\n"
            "RUN wget -O /tool.tgz https://example.com/tool-linux-$(uname -m).tgz\n"
            "FROM alpine\nCOPY --from=fetch /tool.tgz /tool.tgz\n", line=2, unsafe=True,
            fixed="FROM --platform=$BUILDPLATFORM alpine AS fetch\n"
            "ARG TARGETARCH\n"
            "RUN case \"$TARGETARCH\" in amd64) ARCH=x86_64;; arm64) ARCH=aarch64;; "
            "*) echo \"unsupported architecture: $TARGETARCH\" >&2; exit 1;; esac \\\n"
            "    && wget -O /tool.tgz https://example.com/tool-linux-${ARCH}.tgz\n"
            "FROM alpine\nCOPY --from=fetch /tool.tgz /tool.tgz\n"),
    Invalid("FROM --platform=$BUILDPLATFORM debian AS deps\n"
            "RUN ARCH=`dpkg --print-architecture` && echo $ARCH > /arch\n"
            "FROM deps AS more\nRUN echo more\nFROM debian\nCOPY --from=more /arch /arch\n", line=2, unsafe=True,
            fixed="FROM --platform=$BUILDPLATFORM debian AS deps\nARG TARGETARCH\n"
            "RUN ARCH=${TARGETARCH} && echo $ARCH > /arch\n"
            "FROM deps AS more\nRUN echo more\nFROM debian\nCOPY --from=more /arch /arch\n"),
    Invalid("FROM --platform=$BUILDPLATFORM alpine AS a\nRUN <<EOF\nset -e\nA=$(apk --print-arch)\n"
            "echo $A > /a\nEOF\nFROM alpine\nRUN --mount=from=a,target=/m cp /m/a /a\n", line=4),
    Invalid("FROM --platform=$BUILDPLATFORM fedora AS r\nRUN sh -c 'rpm --eval %_arch > /a' && arch\n"
            "FROM fedora\nCOPY --from=r /a /a\n", line=2, count=2),
]
