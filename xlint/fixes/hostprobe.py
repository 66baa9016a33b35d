"""Arch probes that pick the build machine's own tools: right where they are once the stage runs on
``$BUILDPLATFORM``.

A probe such as ``$(apk --print-arch)`` or ``$(uname -m)`` describes the machine the stage runs on. Moved to
the build platform, it describes the build machine. That is wrong for files that reach the image (a
downloaded program the image ships) and right for a tool the stage itself runs (a compiler toolchain
unpacked into ``/usr/local/go`` and put on ``PATH``): the build machine must execute that one.

``host_tool_probe`` tells the second case apart, from what the probe's RUN writes:

- every command of the RUN writes to known paths only (``tar -C DIR``, ``curl -o FILE``, ``mkdir``,
  ``mv``/``cp``/``install`` targets...) or nothing at all (``rm``, ``chmod``, ``case``...); no redirection
  writes a file;
- none of those paths is copied out of the stage (or out of a stage built on it): the image never gets them;
- the stage (or a stage built on it) runs a program from there: a ``PATH`` entry or a command path lies
  under one of them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from xlint.archnames import is_arch_probe
from xlint.diagnostics import Edit
from xlint.fixes.outputs import DEFAULT_PATH, path_parts, resolve_path, workdir_at
from xlint.model import Model, Stage
from xlint.rx import rx
from xlint.shell import SimpleCommand, run_commands
from xlint.syntax.tree import Instruction

# commands that write no file (their redirections are checked separately)
_NO_WRITE = frozenset({
    "rm", "rmdir", "chmod", "chown", "read", "echo", "printf", "exit", "test", "[", "true", "false", "set",
    "export", "cd", ":", "sha256sum", "sha512sum", "md5sum", "grep", "cat", "head", "tail", "uname", "arch",
    "apk", "dpkg", "rpm", "dpkg-architecture", "ls", "env", "which", "command", "sleep", "basename", "dirname",
})
_GLOB = rx(r"[*?\[]")
# a redirection to a file: `> f`, `>> f`, `2> f` (not `>&2`, not /dev/null)
_REDIRECT = rx(r"(?<![<>&])>>?\s*(?!&)(?!/dev/)([^\s;&|)]+)")


def _operands(cmd: SimpleCommand, with_value: frozenset[str]) -> Iterator[str | None]:
    """The non-option arguments of ``cmd`` (options listed in ``with_value`` take the next word)."""
    args = cmd.args()
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a is None:
            yield None
        elif a.startswith("-") and a != "-":
            skip = a in with_value
        else:
            yield a


def _option(cmd: SimpleCommand, short: str, long: str) -> tuple[bool, str | None]:
    """Whether ``cmd`` has the option (``-C DIR``, ``-CDIR``, ``--directory=DIR``, ``--directory DIR``),
    and its value (None when dynamic)."""
    args = cmd.args()
    for i, a in enumerate(args):
        if a is None:
            continue
        if a in (short, long):
            return True, args[i + 1] if i + 1 < len(args) else None
        if a.startswith(long + "="):
            return True, a[len(long) + 1:]
        if short and a.startswith(short) and not a.startswith("--") and len(a) > len(short):
            return True, a[len(short):]
        if short and a.startswith("-") and not a.startswith("--"):  # bundled: `-fsSLo FILE`, `-qO-`
            k = a.find(short[1], 1)
            if k > 1 and a[1:k].isalpha():
                rest = a[k + 1:]
                return True, rest if rest else (args[i + 1] if i + 1 < len(args) else None)
    return False, ""


def _writes(cmd: SimpleCommand, cwd: str | None) -> list[tuple[str | None, str | None]] | None:
    """The paths ``cmd`` writes, as written and resolved (None: unknown), or None when it is not
    understood."""
    got = _paths(cmd)
    if got is None:
        return None
    return [(lit, resolve_path(cwd, lit) if lit else None) for lit in got]


def _paths(cmd: SimpleCommand) -> list[str | None] | None:
    """The paths ``cmd`` writes, as written (``"."``: the working directory), or None when it is not
    understood."""
    name = cmd.basename
    if name in _NO_WRITE:
        return []
    if name == "go" and cmd.args()[:1] == ["env"]:
        return []  # (`go env GOARCH`: a probe)
    if name == "tar":
        args = [a for a in cmd.args() if a is not None]
        bundled = args[:1] if args and not args[0].startswith("-") else []  # `tar xzf ...`
        if not any("x" in a for a in bundled) and not any(
                a in ("--extract", "--get") or (a.startswith("-") and not a.startswith("--") and "x" in a)
                for a in args):
            return None  # creating or listing: not a download's unpacking
        has, value = _option(cmd, "-C", "--directory")
        return [value] if has else ["."]
    if name == "curl":
        has, value = _option(cmd, "-o", "--output")
        if has:
            return [value]
        if "-O" in cmd.args() or "--remote-name" in cmd.args():
            return ["."]
        return []  # to standard output
    if name == "wget":
        has, value = _option(cmd, "-O", "--output-document")
        if has:
            return [] if value == "-" else [value]
        has, value = _option(cmd, "-P", "--directory-prefix")
        return [value] if has else ["."]
    if name == "mkdir":
        return [a for a in _operands(cmd, frozenset({"-m", "--mode"}))]
    if name in _COPIES:
        if name == "install" and "-d" in cmd.args():
            return list(_operands(cmd, _COPY_VALUES))
        got = copy_operands(cmd)
        return [got[1]] if got is not None else None
    if name == "unzip":
        has, value = _option(cmd, "-d", "")
        return [value] if has else ["."]
    return None


_COPIES = frozenset({"mv", "cp", "install", "ln"})
_COPY_VALUES = frozenset({"-m", "--mode", "-o", "--owner", "-g", "--group", "-S"})


def copy_operands(cmd: SimpleCommand) -> tuple[list[str | None], str | None] | None:
    """The sources and the destination of a ``cp``, ``mv``, ``install`` or ``ln`` (``-t DIR`` included;
    None for a dynamic word); None for another command or one without operands."""
    if cmd.basename not in _COPIES:
        return None
    has, target = _option(cmd, "-t", "--target-directory")
    ops = list(_operands(cmd, _COPY_VALUES | {"-t", "--target-directory"}))
    if has:
        return ops, target
    return (ops[:-1], ops[-1]) if ops else None


def _under(path: str, root: str) -> bool:
    p, r = path_parts(path), path_parts(root)
    return p[: len(r)] == r


def _overlap(a: str, b: str) -> bool:
    return _under(a, b) or _under(b, a)


def _literal_prefix(src: str) -> str:
    """The directory part of a COPY source before its first glob character."""
    m = _GLOB.search(src)
    if m is None:
        return src
    return posixpath.dirname(src[: m.start()]) or "/"


def _descendants(model: Model, stage: Stage) -> list[Stage] | None:
    """``stage`` and every stage built on it; None when one of them is the image itself."""
    out = [stage]
    i = 0
    while i < len(out):
        st = out[i]
        if model.target is not None and st.index == model.target.index:
            return None
        out.extend(model.stages[e.target] for e in model.users(st.index) if e.kind == "base")
        i += 1
    return out


def _path_entries(model: Model, stages: list[Stage]) -> list[str]:
    """The literal absolute directories that ENV PATH settings of ``stages`` put on PATH."""
    out: list[str] = []
    for st in stages:
        for ins in st.instructions:
            if ins.keyword != "ENV":
                continue
            words = [a.value for a in ins.args]  # name, value, name, value...
            values = [v for k, v in zip(words[0::2], words[1::2], strict=False) if k == "PATH"]
            for v in values:
                if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
                    v = v[1:-1]
                out.extend(e for e in v.split(":") if e.startswith("/") and "$" not in e)
    return out


def _known_writes(model: Model, stage: Stage, instr: Instruction) -> tuple[list[str], bool]:
    """The paths the RUN writes that are known, and whether that is all it writes. A file the RUN removes
    again (`curl -o go.tgz ... && rm go.tgz`) is no write."""
    if instr.json or _REDIRECT.search(instr.text):
        return [], False
    cwd = workdir_at(model, stage, instr)
    cmds = run_commands(instr)
    removed = {a for c in cmds if c.basename == "rm" for a in c.args() if a and not a.startswith("-")}
    written: list[str] = []
    complete = True
    for cmd in cmds:
        if "sh -c" in cmd.context or "heredoc" in cmd.context:
            complete = False
            continue
        got = _writes(cmd, cwd)
        if got is None:
            complete = False
            continue
        for literal, path in got:
            if literal in removed and cmd.basename in ("curl", "wget"):
                continue
            if path is None:
                complete = False
            else:
                written.append(path)
    return written, complete


def _reaches_image(model: Model, family: list[Stage], written: list[str]) -> bool:
    for st in family:
        for edge in model.users(st.index):
            if edge.kind == "mount":
                return True
            if edge.kind == "copy":
                for arg in edge.instruction.args[:-1]:
                    src = arg.value
                    if "$" in src or any(_overlap(_literal_prefix(resolve_path("/", src) or "/"), w)
                                         for w in written):
                        return True
    return False


def _run_from(model: Model, family: list[Stage], instr: Instruction, written: list[str]) -> str | None:
    """The directory under ``written`` that the stages run a program from (PATH, or a command's path)."""
    for entry in _path_entries(model, family):
        if any(_under(entry, w) for w in written):
            return entry
    for st in family:
        for ins in st.instructions:
            if ins.keyword != "RUN" or ins.span.start <= instr.span.start:
                continue
            for c in run_commands(ins):
                if c.name is None:
                    continue
                if c.name.startswith("/") and any(_under(c.name, w) for w in written):
                    return posixpath.dirname(c.name)
                if "/" not in c.name and (found := _on_default_path(c.name, instr, written)):
                    return found
    return None


def _on_default_path(name: str, instr: Instruction, written: list[str]) -> str | None:
    """The default PATH folder from which a later command ``name`` runs what ``instr`` wrote there: the
    file itself (``curl -o /usr/local/bin/lint``), or a download into the folder (or one above it: ``tar
    -C /usr/local``) whose text names it (``... lint-linux-amd64.tar.gz | tar -xz -C /usr/local/bin``)."""
    for w in written:
        w = w.rstrip("/") or "/"
        if posixpath.dirname(w) in DEFAULT_PATH and posixpath.basename(w) == name:
            return posixpath.dirname(w)
        if len(name) > 2 and name in instr.text:
            inside = [p for p in DEFAULT_PATH if _under(p, w)]  # (`tar -C /usr/local`: its bin/ too)
            if inside:
                return inside[0]
    return None


def host_tool_probe(model: Model, stage: Stage, instr: Instruction) -> str | None:
    """When ``instr`` (a RUN of ``stage``) installs only a tool that the stage runs itself and that never
    reaches the image, so that the architecture it picks must be the machine's the stage runs on: the
    directory the tool is run from; else None."""
    family = _descendants(model, stage)
    if family is None:
        return None
    written, complete = _known_writes(model, stage, instr)
    if not complete or not written or _reaches_image(model, family, written):
        return None
    return _run_from(model, family, instr, written)


def feeds_stage_tool(model: Model, stage: Stage, instr: Instruction) -> str | None:
    """The directory of a program the stage runs that ``instr`` writes (what else it writes aside), or
    None."""
    family = _descendants(model, stage) or [stage]
    written, _complete = _known_writes(model, stage, instr)
    return _run_from(model, family, instr, written) if written else None


# a cross toolchain is named after the architecture it builds for, and that is the target's on purpose
_CROSS = rx(r"cross|-linux-(?:gnu|musl)|\bgcc|clang|sysroot|\bndk\b|zig", re.I)
_TARGET_REF = rx(r"(\$\{?)TARGET(ARCH|OS|PLATFORM|VARIANT)\b")


def tool_run_edits(model: Model, stage: Stage, ins: Instruction) -> tuple[list[Edit], list[str]] | str | None:
    """For a RUN of a stage on (or moving to) the build platform that picks the download of a tool the
    stage runs by `$TARGETARCH` (TARGETOS, TARGETPLATFORM, TARGETVARIANT): the edits naming BUILD* instead
    and the BUILD* ARGs they need; why not, when the RUN writes other files too (they may be meant for
    the target); None when the RUN is no such download."""
    if ins.keyword != "RUN" or ins.json or not _TARGET_REF.search(ins.text) or _CROSS.search(ins.text):
        return None
    tool_dir = feeds_stage_tool(model, stage, ins)
    if tool_dir is None:
        return None  # a download for the image: the target's is right
    if host_tool_probe(model, stage, ins) is None:
        return (f"a RUN picks the download of `{tool_dir}`, a tool the stage runs, by the target's "
                "architecture, and writes other files too: on the build machine the tool must be the build "
                "machine's, the rest perhaps the target's")
    edits: list[Edit] = []
    names: list[str] = []
    for m in _TARGET_REF.finditer(ins.text):
        at = ins.span.start + m.start() + len(m.group(1))
        edits.append(Edit(at, at + len("TARGET"), "BUILD"))
        name = "BUILD" + m.group(2)
        if name not in names:
            names.append(name)
    return edits, names


def tool_download_edits(model: Model, stage: Stage) -> tuple[list[Edit], list[str], str]:
    """``tool_run_edits`` for every RUN of a stage moving to the build platform: the edits, the ARGs to
    declare, or why the stage cannot move."""
    edits: list[Edit] = []
    names: list[str] = []
    for ins in stage.instructions:
        got = tool_run_edits(model, stage, ins)
        if got is None:
            continue
        if isinstance(got, str):
            return [], [], got
        edits.extend(got[0])
        names.extend(n for n in got[1] if n not in names)
    return edits, names, ""


def target_ref_span(ins: Instruction) -> tuple[int, int] | None:
    """Offsets of the first `$TARGET*` reference of an instruction."""
    m = _TARGET_REF.search(ins.text)
    return (ins.span.start + m.start(), ins.span.start + m.end()) if m else None


def probes_of(instr: Instruction) -> list[SimpleCommand]:
    """The arch probes of a RUN."""
    return [c for c in run_commands(instr) if is_arch_probe(c.basename, c.args())]
