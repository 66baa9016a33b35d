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
from xlint.fixes.outputs import path_parts, resolve_path, workdir_at
from xlint.model import Model, Stage
from xlint.shell import SimpleCommand, run_commands
from xlint.syntax.tree import Instruction

# commands that write no file (their redirections are checked separately)
_NO_WRITE = frozenset({
    "rm", "rmdir", "chmod", "chown", "read", "echo", "printf", "exit", "test", "[", "true", "false", "set",
    "export", "cd", ":", "sha256sum", "sha512sum", "md5sum", "grep", "cat", "head", "tail", "uname", "arch",
    "apk", "dpkg", "rpm", "dpkg-architecture", "ls", "env", "which", "command", "sleep", "basename", "dirname",
})
_GLOB = re.compile(r"[*?\[]")
# a redirection to a file: `> f`, `>> f`, `2> f` (not `>&2`, not /dev/null)
_REDIRECT = re.compile(r"(?<![<>&])>>?\s*(?!&)(?!/dev/)([^\s;&|)]+)")


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
    return False, ""


def _writes(cmd: SimpleCommand, cwd: str | None) -> list[str | None] | None:
    """The paths ``cmd`` writes (a None entry: an unknown one), or None when it is not understood."""
    name = cmd.basename
    if name in _NO_WRITE:
        return []
    if name == "tar":
        args = [a for a in cmd.args() if a is not None]
        bundled = args[:1] if args and not args[0].startswith("-") else []  # `tar xzf ...`
        if not any("x" in a for a in bundled) and not any(
                a in ("--extract", "--get") or (a.startswith("-") and not a.startswith("--") and "x" in a)
                for a in args):
            return None  # creating or listing: not a download's unpacking
        has, value = _option(cmd, "-C", "--directory")
        return [resolve_path(cwd, value) if value else None] if has else [cwd]
    if name == "curl":
        has, value = _option(cmd, "-o", "--output")
        if has:
            return [resolve_path(cwd, value) if value else None]
        if "-O" in cmd.args() or "--remote-name" in cmd.args():
            return [cwd]
        return []  # to standard output
    if name == "wget":
        has, value = _option(cmd, "-O", "--output-document")
        if has:
            return [] if value == "-" else [resolve_path(cwd, value) if value else None]
        has, value = _option(cmd, "-P", "--directory-prefix")
        return [resolve_path(cwd, value) if value else None] if has else [cwd]
    if name == "mkdir":
        return [resolve_path(cwd, a) if a else None for a in _operands(cmd, frozenset({"-m", "--mode"}))]
    if name in ("mv", "cp", "install", "ln"):
        has, value = _option(cmd, "-t", "--target-directory")
        if has:
            return [resolve_path(cwd, value) if value else None]
        ops = list(_operands(cmd, frozenset({"-m", "--mode", "-o", "--owner", "-g", "--group", "-S"})))
        if name == "install" and "-d" in cmd.args():
            return [resolve_path(cwd, a) if a else None for a in ops]
        return [resolve_path(cwd, ops[-1]) if ops[-1] else None] if ops else None
    if name == "unzip":
        has, value = _option(cmd, "-d", "")
        return [resolve_path(cwd, value) if value else None] if has else [cwd]
    return None


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
                out.extend(e for e in v.split(":") if e.startswith("/") and "$" not in e)
    return out


def host_tool_probe(model: Model, stage: Stage, instr: Instruction) -> str | None:
    """When the arch probes of ``instr`` (a RUN of ``stage``) only pick a tool that the stage runs itself
    and that never reaches the image: the directory the tool is run from; else None."""
    family = _descendants(model, stage)
    if family is None or instr.json:
        return None
    if _REDIRECT.search(instr.text):
        return None
    cwd = workdir_at(model, stage, instr)
    written: list[str] = []
    for cmd in run_commands(instr):
        if "sh -c" in cmd.context or "heredoc" in cmd.context:
            return None
        got = _writes(cmd, cwd)
        if got is None or any(p is None for p in got):
            return None
        written.extend(p for p in got if p is not None)
    if not written:
        return None
    for st in family:
        for edge in model.users(st.index):
            if edge.kind == "mount":
                return None
            if edge.kind == "copy":
                for arg in edge.instruction.args[:-1]:
                    src = arg.value
                    if src.startswith("--"):
                        continue
                    if "$" in src or any(_overlap(_literal_prefix(resolve_path("/", src) or "/"), w)
                                         for w in written):
                        return None
    for entry in _path_entries(model, family):
        if any(_under(entry, w) for w in written):
            return entry
    for st in family:
        for ins in st.instructions:
            if ins.keyword != "RUN" or ins.span.start <= instr.span.start:
                continue
            for c in run_commands(ins):
                if c.name is not None and c.name.startswith("/") and any(_under(c.name, w) for w in written):
                    return posixpath.dirname(c.name)
    return None


def probes_of(instr: Instruction) -> list[SimpleCommand]:
    """The arch probes of a RUN."""
    return [c for c in run_commands(instr) if is_arch_probe(c.basename, c.args())]
