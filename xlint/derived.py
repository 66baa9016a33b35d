"""Commands a RUN step runs that its own text does not show.

- a shell script from the build context: ``RUN ./build.sh``, ``RUN sh scripts/build.sh``, ``RUN bash -e
  hack/make.sh`` (the path as written, read from the context folder when it is known);
- a script held in a variable the model knows: ``ENV BUILD="make -C src all"`` then ``RUN sh -c "$BUILD"``
  or ``RUN eval "$BUILD"``;
- without the script's text, a build script by its name (``./build``, ``script/build/x``) in a stage that
  has a compiler, or an ``install-*`` script after the stage installed a library's headers (``lib*-dev``);
- a compiler installed for one step only: a RUN that installs a compiler, runs a command no toolchain
  reader knows (``ghost install``, ``luarocks install``), then removes the compiler again (``apt-get
  purge``, ``apk del .build-deps``). Nobody installs a compiler for one step without compiling in it.

Their commands are parsed like a RUN's own. They have no place in the Dockerfile text, so findings about
them point at the command that runs them and carry no edits: a fix never rewrites a script or a variable.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from xlint import contextfiles
from xlint.images import single_arch_base
from xlint.invocation import invocation
from xlint.model import Model, Stage, root_image, stage_chain
from xlint.packages import (
    has_compiler,
    installs_dev_headers,
    known_values,
    lone_reference,
    package_manager_install,
    removes_packages,
    toolchain_packages,
)
from xlint.records import record
from xlint.rule import Context, Rule
from xlint.rx import rx
from xlint.shell import SHELLS, SimpleCommand, parse_script, run_commands
from xlint.syntax.tree import Instruction
from xlint.toolchains import Compile, Toolchain, classify, emulated_commands, emulated_platforms

if TYPE_CHECKING:
    from xlint.fixes.plan import Plan

__all__ = ["Derived", "derived_compiles", "report_derived"]

MAX_SCRIPT_BYTES = 256 * 1024


@record(frozen=True)
class Derived:
    """A command found inside ``origin`` (a script path or ``$NAME``), run by ``runner`` of ``instr``."""

    stage: Stage
    instr: Instruction
    runner: SimpleCommand
    origin: str
    compile: Compile
    where: str | None = None  # how the step runs it, when not from ``origin``'s text


def _script_path(cmd: SimpleCommand) -> str | None:
    """The context-relative script a command runs: ``./build.sh``, ``sh build.sh``, ``bash -e x/y.sh``."""
    name = cmd.name
    if name is None:
        return None
    if cmd.basename in SHELLS:
        for v in (w.value for w in cmd.argv[1:]):
            if v is None or (v.startswith("-") and not v.startswith("--") and "c" in v[1:]):
                return None  # dynamic, or `-c`/`-ec`: the script is a string (the shell view reads it)
            if not v.startswith(("-", "+")):
                return v if not v.startswith("/") else None
        return None
    if "/" in name and not name.startswith("/"):
        return name
    return None


def _read_script(context: Path, path: str) -> str | None:
    try:
        root = contextfiles.resolve(context)
        file = contextfiles.resolve(root / path)
    except OSError:
        return None
    if not file.is_relative_to(root):
        return None
    text = contextfiles.read_text(file, max_size=MAX_SCRIPT_BYTES)  # None: missing, not a file, too big
    if text is None:
        return None
    first = text.split("\n", 1)[0]
    if first.startswith("#!") and not any(sh in first for sh in SHELLS):
        return None  # a Python or Perl script: not shell
    if not first.startswith("#!") and not path.endswith(".sh"):
        return None
    return text


def _variable_script(model: Model, stage: Stage, instr: Instruction, cmd: SimpleCommand) -> tuple[str, str] | None:
    """``sh -c "$NAME"`` / ``eval "$NAME"`` with a known value: (``$NAME``, value)."""
    words = cmd.argv
    if cmd.basename == "eval" and len(words) == 2:
        word = words[1]
    elif cmd.basename in SHELLS and len(words) >= 3 and words[-2].value is not None and words[-2].value.startswith("-") \
            and "c" in words[-2].value[1:]:
        word = words[-1]
    else:
        return None
    name = lone_reference(word.raw, quoted=True)
    if name is None:
        return None
    value = known_values(model, stage, instr, cmd).get(name)
    return (f"${name}", value) if value else None


def derived_compiles(model: Model, toolchain: Toolchain) -> list[Derived]:
    """Compiles of ``toolchain`` in scripts and known variables that emulated RUN steps run."""
    return [d for d in _derived(model) if d.compile.toolchain == toolchain]


def _derived(model: Model) -> list[Derived]:
    """The compiles of every toolchain, found once per model (each XL1xx rule asks for its own)."""
    cached = model._xlint_derived
    if cached is None:
        cached = model._xlint_derived = _find_derived(model)
    return list(cached)


def _find_derived(model: Model) -> list[Derived]:
    out: list[Derived] = []
    by_step: dict[int, tuple[Stage, Instruction, list[SimpleCommand]]] = {}
    for stage, instr, cmd in emulated_commands(model):
        by_step.setdefault(id(instr), (stage, instr, []))[2].append(cmd)
        found: tuple[str, str] | None = None
        path = _script_path(cmd) if model.context is not None else None
        if path is not None and model.context is not None:
            text = _read_script(model.context, path)
            found = (path, text) if text is not None else None
        if found is None:
            found = _variable_script(model, stage, instr, cmd)
        if found is None:
            known = path is not None and model.context is not None and contextfiles.exists(model.context / path)
            named = _named_build_script(model, stage, instr, cmd, known)
            if named is not None:
                out.append(named)
            continue
        origin, script = found
        for inner in parse_script(script):
            comp = classify(inner)
            if comp is not None and not comp.needs_compiler:
                out.append(Derived(stage, instr, cmd, origin, comp))
    for stage, instr, cmds in by_step.values():
        found_temp = _temporary_toolchain(model, stage, instr, cmds)
        if found_temp is not None:
            out.append(found_temp)
    return out


# commands that move files, fetch, unpack, manage packages or users: what a build step does around a build
_PLUMBING = frozenset({
    "set", "cd", "pushd", "popd", "mkdir", "rmdir", "chown", "chmod", "chgrp", "ln", "rm", "cp", "mv", "install",
    "echo", "printf", "readlink", "realpath", "test", "[", "[[", "true", "false", "export", "unset", "command",
    "which", "type", "apt-get", "apt", "apt-mark", "apk", "dpkg", "dpkg-query", "yum", "dnf", "microdnf", "zypper",
    "rpm", "curl", "wget", "tar", "unzip", "gzip", "gunzip", "xz", "bzip2", "zstd", "gpg", "gpgconf", "gpgv",
    "sha256sum", "sha512sum", "sha1sum", "md5sum", "sed", "grep", "egrep", "awk", "find", "tee", "cat", "touch",
    "git", "ls", "sort", "uniq", "tr", "cut", "head", "tail", "wc", "du", "env", "sleep", "useradd", "groupadd",
    "adduser", "addgroup", "usermod", "id", "ldconfig", "strip", "update-ca-certificates", "scanelf", "ldd",
    "file", "xargs", "basename", "dirname", "mktemp", "date", "tput", "stat", "sync", "exit", "return", "shift",
    "read", "local", "trap", "wait", "hash", "uname", "nproc", "getconf", "arch", "dpkg-architecture", "locale-gen",
    "update-alternatives", "ssh-keyscan", "svn", "hg", "jq", "yq", "patch", "diff", "npm", "pnpm", "yarn",
    "corepack", "gem", "pip", "pip3", "python", "python3", "node", "go", "cargo", "rustup",
})


def _temporary_toolchain(model: Model, stage: Stage, instr: Instruction,
                         cmds: list[SimpleCommand]) -> Derived | None:
    """A RUN that installs a compiler, runs commands and removes it again: the first command in between
    that no toolchain reader classifies and that is no plumbing compiles, as far as anyone can tell. When a
    classified compile sits in between, its own rule speaks (or decided not to)."""
    start = next((i for i, c in enumerate(cmds) if package_manager_install(c) is not None
                  and toolchain_packages(c, known_values(model, stage, instr, c))), None)
    if start is None:
        return None
    end = next((j for j in range(start + 1, len(cmds)) if removes_packages(cmds[j])), None)
    if end is None:
        return None
    between = cmds[start + 1:end]
    if any(classify(c) is not None for c in between):
        return None
    for c in between:
        inv = invocation(c)
        if inv is None or inv.tool in _PLUMBING or package_manager_install(c) is not None:
            continue
        label = " ".join([inv.tool, *[v for v in inv.values()[:1] if not v.startswith("-")]])
        return Derived(stage, instr, c, label, Compile(_stage_toolchain(model, stage), label, inv),
                       where="run between the step's install of a compiler and its removal")
    return None


# `install-*` scripts are as often a download of prebuilt tools as a build: they count only after the stage
# installed a library's headers to compile against
_BUILD_NAME = rx(r"^(?:build|compile|make)(?:[-_.][\w.-]*)?$")
_INSTALL_NAME = rx(r"^install(?:[-_.][\w.-]*)?$")


def _named_build_script(model: Model, stage: Stage, instr: Instruction, cmd: SimpleCommand,
                        in_context: bool) -> Derived | None:
    """Without the script's text (no context, or not in it): a relative ``./build``, ``./build.sh``,
    ``script/build/x`` run in a stage that has a compiler builds with it, as far as anyone can tell. A
    script the context holds was read (or is no shell script): its name proves nothing more."""
    if in_context or cmd.name is None or cmd.name.startswith("/") or "/" not in cmd.name:
        return None
    parts = cmd.name.removeprefix("./").split("/")
    named = _BUILD_NAME.match(parts[-1]) or "build" in parts[:-1]
    if not named and not (_INSTALL_NAME.match(parts[-1]) and installs_dev_headers(model, stage, instr)):
        return None
    if not has_compiler(model, stage, instr):
        return None
    inv = invocation(cmd)
    if inv is None:
        return None
    return Derived(stage, instr, cmd, cmd.name, Compile(_stage_toolchain(model, stage), cmd.name, inv))


def _stage_toolchain(model: Model, stage: Stage) -> Toolchain:
    """The compiler a stage has: its image's (golang, rust), else the one it installs, else C."""
    repo = root_image(model, stage).split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    if repo in ("golang", "rust"):
        return "go" if repo == "golang" else "rust"
    for st in stage_chain(model, stage):
        for ins in st.instructions:
            for c in run_commands(ins) if ins.keyword == "RUN" else ():
                for w in toolchain_packages(c):
                    name = (w.value or "").lower()
                    if name.startswith(("golang", "go=")) or name == "go":
                        return "go"
                    if name in ("rust", "rustc", "cargo"):
                        return "rust"
    return "c"


def report_derived(rule: Rule, ctx: Context, toolchain: Toolchain,
                   fixer: Callable[[Model, Derived], Plan] | None = None) -> None:
    """Report each compile of ``toolchain`` that an emulated step runs from a script or a variable, at the
    command that runs it (once per command: its first compile). Only a compile between a compiler's install
    and removal may get a fix, from ``fixer`` (it edits that install, never a script)."""
    seen: set[int] = set()
    for d in derived_compiles(ctx.model, toolchain):
        key = d.runner.span.start
        if key in seen:
            continue
        seen.add(key)
        message = rule.message.format(cmd=d.compile.label, stage=d.stage.label,
                                      reason="a build xlint reads no further" if d.where else "run from a script",
                                      platforms=", ".join(emulated_platforms(ctx.model, d.stage)))
        where = d.where or ("a build script, in a stage that has a compiler" if d.origin == d.compile.label
                            else f"in `{d.origin}`, run by this step")
        hint = (f"{rule.hint} No automatic fix: xlint does not know what `{d.origin}` builds or needs." if d.where
                else f"{rule.hint} Move the step that runs `{d.origin}`, or the cross settings, into the builder. "
                     f"No automatic fix: the command is in `{d.origin}`, and xlint does not rewrite scripts "
                     "or guess what they build.")
        plan = fixer(ctx.model, d) if fixer is not None and d.where else None
        if plan is not None and not plan.ok and plan.reason:
            hint = f"{hint[:-1]}, and keeps its compiler: {plan.reason}."
        if plan is not None and plan.ok:
            title = f"{plan.title} ({plan.note})" if plan.note else plan.title
            ctx.report(rule, d.runner.span, f"{message} ({where})", hint=rule.hint, edits=plan.edits,
                       applicability=plan.applicability, fix_title=title)
            continue
        if ctx.model.target is not None and d.stage.index == ctx.model.target.index:
            single = single_arch_base(ctx.model, d.stage)
            if single:
                hint = f"{rule.hint} No automatic fix: {single}."
        ctx.report(rule, d.runner.span, f"{message} ({where})", hint=hint)
