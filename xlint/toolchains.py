"""Shared command classification for the emulation (XL1xx) and cross-build (XL204/XL207/XL208) rules.

Given one :class:`~xlint.shell.SimpleCommand` of a RUN, this module tells

- which toolchain the command runs (:func:`classify`): Go, Rust, C/C++, Node, JVM, .NET, Python or a
  static-site generator, with a short label for messages (``"go build"``, ``"cmake --build"``);
- (re-exported from :mod:`xlint.packages`) which compiler toolchain packages a package-manager command
  installs (:func:`toolchain_packages`), and whether a compiler is there for a step;
- which settings are in force for the command (:func:`settings`): prefix assignments (``GOARCH=arm64 go
  build``, ``env GOARCH=arm64 go build``), earlier ``export``/assignments of the same RUN, ``go env -w``
  in earlier RUNs of the stage chain, ``ENV`` of the stage chain and ``ARG`` of the stage;
- whether a compile targets the target platform rather than the build machine: Go ``GOOS``/``GOARCH``,
  cargo ``--target``, dotnet ``-a``/``-r``/``--arch``, C cross toolchains (``CC=aarch64-linux-gnu-gcc``,
  ``xx-clang``, ``--host=``, ``crossbuild-essential-*``...).

Wrappers (``env``, ``sudo``, ``exec``, ``time``, ``nohup``, ``nice``, ``command``...) and runners are
unwrapped by :mod:`xlint.invocation`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from xlint.invocation import ENV_WORD
from xlint.invocation import EnvWord as EnvWord
from xlint.invocation import Invocation as Invocation
from xlint.invocation import invocation as invocation
from xlint.model import Model, Stage, earlier_instructions, variable_references
from xlint.model import stage_chain as stage_chain
from xlint.packages import compiler_image as compiler_image
from xlint.packages import has_compiler
from xlint.packages import installs_compiler as installs_compiler
from xlint.packages import known_values as known_values
from xlint.packages import package_manager_install as package_manager_install
from xlint.packages import package_name as package_name
from xlint.packages import toolchain_packages as toolchain_packages
from xlint.records import field, record
from xlint.rx import rx
from xlint.shell import SimpleCommand, Word, assignments, run_commands
from xlint.syntax.tree import Instruction

Toolchain = Literal["go", "rust", "c", "node", "jvm", "dotnet", "python", "site"]

TARGET_NAMES = frozenset({"TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT"})
_UNSET: Any = object()

# -------------------------------------------------------------------------------------------------
# Toolchain classification


@record(frozen=True)
class Compile:
    """A toolchain command. ``label`` names it in messages; ``produces`` is False for commands whose
    output is not shipped (tests, dependency restores); ``tool_install`` marks installs of tools for the
    builder itself (``go install pkg@version``, ``cargo install crate``)."""

    toolchain: Toolchain
    label: str
    inv: Invocation
    produces: bool = True
    tool_install: bool = False
    needs_compiler: bool = False  # a compile only where the stage has a C compiler (native gems)


def _positionals(inv: Invocation, value_flags: Iterable[str] = ()) -> list[str]:
    """Non-flag arguments, skipping the values of the given flags (``-C dir``)."""
    vf = set(value_flags)
    out: list[str] = []
    vals = inv.value_view()
    i = 0
    while i < len(vals):
        v = vals[i]
        if v == "--":
            out.extend(vals[i + 1 :])
            break
        if v.startswith("-"):
            i += 2 if v in vf else 1
            continue
        out.append(v)
        i += 1
    return out


def _has_flag(inv: Invocation, *names: str) -> bool:
    for v in inv.value_view():
        for n in names:
            if v == n or (n.startswith("--") and v.startswith(n + "=")):
                return True
            if not n.startswith("--") and len(n) == 2 and v.startswith(n) and len(v) > 2 and not v.startswith("--"):
                return True  # -ax64 / -rlinux-x64
    return False


def _flag_value(inv: Invocation, *names: str) -> str | None:
    vals = inv.value_view()
    for i, v in enumerate(vals):
        for n in names:
            if v == n and i + 1 < len(vals):
                return vals[i + 1]
            if v.startswith(n + "="):
                return v[len(n) + 1 :]
    return None


_C_COMPILERS = rx(r"^(?:[A-Za-z0-9_.]+-)*(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+)(?:-\d+(?:\.\d+)*)?$")
_MAKES = frozenset({"make", "gmake", "bmake", "ninja", "scons"})
_NODE_PMS = frozenset({"npm", "yarn", "pnpm", "bun"})
_NODE_INSTALLS = frozenset({"install", "i", "ci", "add", "rebuild", "build", "run", "run-script", "exec", "dlx",
                            "x"})
_NODE_TOOLS = {
    "tsc": None, "vite": None, "webpack": None, "esbuild": None, "rollup": None, "next": "build",
    "parcel": "build", "ng": "build", "nuxt": "build", "astro": "build", "svelte-kit": "build",
    "react-scripts": "build", "tsup": None, "swc": None, "babel": None, "gatsby": "build",
}
_ELEVENTY = frozenset({"eleventy", "@11ty/eleventy"})
_JVM = frozenset({"mvn", "mvnw", "gradle", "gradlew", "sbt", "ant", "lein", "javac", "native-image", "kotlinc"})
_PYTHON_RE = rx(r"^python(?:\d+(?:\.\d+)?)?$")
_PIP_RE = rx(r"^pip(?:\d+(?:\.\d+)?)?$")
_VERSION_ONLY = frozenset({"-v", "--version", "-version", "version", "-h", "--help", "help"})


def classify(cmd: SimpleCommand) -> Compile | None:
    """The toolchain work a command does, or None (not a build command, or a dynamic command name).
    Cached on the (immutable) command."""
    cached = getattr(cmd, "_xlint_classify", _UNSET)
    if cached is _UNSET:
        cached = _classify(cmd)
        object.__setattr__(cmd, "_xlint_classify", cached)
    return cached


def _classify(cmd: SimpleCommand) -> Compile | None:
    inv = invocation(cmd)
    if inv is None:
        return None
    tool = inv.tool
    vals = inv.value_view()
    if vals and all(v in _VERSION_ONLY for v in vals):
        return None
    if tool in ("go", "xx-go"):
        return _go(inv)
    if tool in _GO_BUILDERS:
        return _go_builder(inv)
    if tool in ("cargo", "xx-cargo"):
        return _cargo(inv)
    if tool == "rustc":
        return Compile("rust", "rustc", inv)
    c = _c(inv)
    if c is not None:
        return c
    if tool in _NODE_PMS or tool in ("npx", "bunx") or tool in _NODE_TOOLS:
        return _node(inv)
    if tool in ("grunt", "gulp") and _positionals(inv)[:1] in (["build"], ["dist"], ["default"], []):
        return Compile("node", f"{tool} {(_positionals(inv) or ['default'])[0]}", inv)
    if tool in ("rails", "rake"):
        if "assets:precompile" in vals:
            return Compile("node", f"{tool} assets:precompile", inv)  # the asset pipeline's JS/CSS build
        return None
    if tool in _JVM:
        name = tool if tool not in ("mvnw", "gradlew") else f"./{tool}"
        pos = _positionals(inv, ("-f", "--file", "-s", "--settings", "-p", "--project-dir", "-d", "-cp",
                                 "-classpath", "-o"))
        return Compile("jvm", f"{name} {pos[0]}" if pos and tool not in ("javac", "kotlinc", "native-image")
                       else name, inv)
    if tool == "dotnet":
        return _dotnet(inv)
    py = _python(inv)
    if py is not None:
        return py
    return _site(inv)


def _go(inv: Invocation) -> Compile | None:
    pos = _positionals(inv, ("-C",))
    if not pos:
        return None
    sub = pos[0]
    if sub == "get":
        # GOPATH-mode `go get` (no `@version` query, no `-d`) downloads, builds and installs
        if _has_flag(inv, "-d") or len(pos) < 2 or any("@" in p for p in pos[1:]):
            return None
        return Compile("go", f"{inv.tool} get", inv)
    if sub == "run" and len(pos) > 1:
        return Compile("go", f"{inv.tool} run", inv, produces=False)  # (compiles the program it runs)
    if sub not in ("build", "install", "test"):
        return None
    label = f"{inv.tool} {sub}"
    if sub == "test":
        return Compile("go", label, inv, produces=_has_flag(inv, "-c"))
    tool_install = sub == "install" and any("@" in p for p in pos[1:])
    return Compile("go", label, inv, tool_install=tool_install)


# programs that run `go build` themselves and take the target from GOOS/GOARCH like it
_GO_BUILDERS = frozenset({"xcaddy", "garble", "goreleaser"})


def _go_builder(inv: Invocation) -> Compile | None:
    """``xcaddy build`` (Caddy with plugins), ``garble build``, ``goreleaser build --single-target`` (the
    one GOOS/GOARCH of the environment; without it goreleaser builds every target of its config)."""
    pos = _positionals(inv, ("-o", "--output", "--with", "--id", "-f", "--config", "-p", "--parallelism"))
    if not pos or pos[0] != "build":
        return None
    if inv.tool == "goreleaser" and not _has_flag(inv, "--single-target"):
        return None
    return Compile("go", f"{inv.tool} build", inv)


def _cargo(inv: Invocation) -> Compile | None:
    vals = [v for v in inv.value_view() if not v.startswith("+")]
    pos = [v for v in vals if not v.startswith("-")]
    if not pos:
        return None
    sub = pos[0]
    if sub in ("b",):
        sub = "build"
    if sub in ("t",):
        sub = "test"
    if sub == "chef" and pos[1:2] == ["cook"]:
        return Compile("rust", f"{inv.tool} chef cook", inv, produces=False)  # compiles every dependency
    if sub not in ("build", "install", "test", "rustc", "zigbuild", "auditable"):
        return None
    label = f"{inv.tool} {sub}"
    if sub == "test":
        return Compile("rust", label, inv, produces=False)
    if sub == "install":
        return Compile("rust", label, inv, tool_install=not _has_flag(inv, "--path"))
    return Compile("rust", label, inv)


# make targets named for chores that build nothing: cleaning, linting, printing, fetching prebuilt files
_CHORE_TARGET = rx(r"^(?:clean|distclean|mrproper|lint|fmt|format|help|version|print-[\w.-]+|"
                           r"(?:download|fetch|load|pull)(?:[-_][\w.-]+)?)$")


def _only_chores(inv: Invocation) -> bool:
    """``make clean``, ``make download-ui``: every target asked for is a chore by its name."""
    targets = _positionals(inv, ("-C", "--directory", "-f", "--file", "--makefile", "-j", "--jobs", "-o", "-W",
                                 "-I", "--include-dir"))
    targets = [t for t in targets if "=" not in t]
    return bool(targets) and all(_CHORE_TARGET.match(t) for t in targets)


def _c(inv: Invocation) -> Compile | None:
    tool = inv.tool
    if _C_COMPILERS.match(tool) and not tool.endswith("-config"):
        return Compile("c", tool, inv)
    if tool in _MAKES:
        if tool != "ninja" and _only_chores(inv):
            return None
        return Compile("c", tool, inv)
    if tool == "cmake":
        if _has_flag(inv, "--build"):
            return Compile("c", "cmake --build", inv)
        return None
    if tool == "meson":
        pos = _positionals(inv, ("-C",))
        if pos and pos[0] == "compile":
            return Compile("c", "meson compile", inv)
        return None
    if tool == "configure" and "/" in (inv.words[0].value or ""):
        return Compile("c", "./configure", inv)
    if tool in ("docker-php-ext-install", "phpize"):
        return Compile("c", tool, inv)  # the PHP image's helpers compile extensions with the image's gcc
    if tool not in ("pecl", "bundle", "gem"):
        return None
    pos = _positionals(inv, ("-j", "--jobs", "--path", "-i", "--install-dir", "-v", "--version"))
    if tool == "pecl" and pos[:1] == ["install"]:
        return Compile("c", "pecl install", inv)
    if tool in ("bundle", "gem") and pos[:1] == ["install"] or tool == "bundle" and not pos:
        return Compile("c", f"{tool} install", inv, needs_compiler=True)  # native extensions
    return None


def _node(inv: Invocation) -> Compile | None:
    tool = inv.tool
    vals = inv.value_view()
    if tool in _NODE_TOOLS:
        needed = _NODE_TOOLS[tool]
        pos = _positionals(inv)
        if needed is None or (pos and pos[0] == needed):
            return Compile("node", f"{tool} {needed}" if needed else tool, inv)
        return None
    if tool in _NODE_TASK_RUNNERS:
        return _task_runner(inv, tool)
    if tool in ("npx", "bunx") or (tool in _NODE_PMS and _positionals(inv)[:1] in (["exec"], ["dlx"], ["x"])):
        pos = _positionals(inv, ("-p", "--package"))
        if pos and pos[0] in ("exec", "dlx", "x") and tool in _NODE_PMS:
            pos = pos[1:]
        if not pos:
            return None
        name = pos[0].split("@")[0] if not pos[0].startswith("@") else "@" + pos[0][1:].split("@")[0]
        if name in _ELEVENTY:
            return Compile("site", f"{tool} {pos[0]}", inv)
        if name in _NODE_TASK_RUNNERS:
            return _task_runner(inv, name, pos[1:])
        if name in _NODE_TOOLS:
            needed = _NODE_TOOLS[name]
            if needed is None or (len(pos) > 1 and pos[1] == needed):
                return Compile("node", f"{tool} {' '.join(pos[:2] if needed else pos[:1])}", inv)
        return None
    pos = _positionals(inv, ("--prefix", "--cwd", "-C", "--dir", "--filter", "-F", "-w", "--workspace"))
    if not pos:
        if tool == "yarn" or tool == "bun" and not vals:
            return Compile("node", tool, inv, needs_compiler=production_install(inv))  # bare `yarn` installs
        return None
    sub = pos[0]
    if tool == "yarn" and sub == "workspaces" and pos[1:2] == ["focus"]:
        return Compile("node", "yarn workspaces focus", inv)  # installs the workspace's dependencies
    if tool == "yarn" and sub == "workspace" and len(pos) >= 3:
        return Compile("node", f"yarn workspace {pos[1]} {pos[2]}", inv)
    if tool == "pnpm" and sub == "deploy":
        # installs the package's production dependencies
        return Compile("node", "pnpm deploy", inv, needs_compiler=production_install(inv))
    if sub not in _NODE_INSTALLS:
        if tool in ("yarn", "pnpm", "bun") and sub in ("build", "compile", "bundle", "dist", "generate"):
            return Compile("node", f"{tool} {sub}", inv)
        return None
    if sub in ("install", "i", "add") and _has_flag(inv, "-g", "--global"):
        return None  # a global tool install, not the project's build
    if sub in ("run", "run-script"):
        if len(pos) < 2:
            return None
        return Compile("node", f"{tool} {sub} {pos[1]}", inv)
    if sub in ("exec", "dlx", "x"):
        return None
    # a production install fetches the target's prebuilt addons: it compiles only where there is a compiler
    prod = sub in ("install", "i", "ci") and len(pos) == 1 and production_install(inv)
    return Compile("node", f"{tool} {sub}", inv, needs_compiler=prod)


_PRODUCTION_FLAGS = frozenset({"--omit=dev", "--only=prod", "--only=production", "--production", "--prod", "-P",
                               "--production=true"})


def production_install(inv: Invocation) -> bool:
    """``npm ci --omit=dev``, ``pnpm install --prod``, ``yarn install --production``, ``bun install
    --production``: only the dependencies a runtime needs."""
    vals = inv.value_view()
    return any(v in _PRODUCTION_FLAGS for v in vals) or any(
        a == "--omit" and b == "dev" for a, b in zip(vals, vals[1:], strict=False))


# monorepo task runners: `turbo build`, `turbo run build`, `nx build app`, `nx run app:build`
_NODE_TASK_RUNNERS = frozenset({"turbo", "nx"})


def _task_runner(inv: Invocation, name: str, pos: list[str] | None = None) -> Compile | None:
    pos = _positionals(inv, ("--filter", "-F", "--cwd", "--concurrency")) if pos is None else pos
    task = pos[1] if pos[:1] in (["run"], ["run-many"]) and len(pos) > 1 else (pos[0] if pos else "")
    if pos[:1] == ["run-many"]:
        task = _flag_value(inv, "--target", "-t") or ""
    if task.rsplit(":", 1)[-1] != "build":
        return None
    return Compile("node", f"{name} build", inv)


def _dotnet(inv: Invocation) -> Compile | None:
    pos = _positionals(inv, ("-c", "--configuration", "-r", "--runtime", "-a", "--arch", "-o", "--output", "-f",
                             "--framework", "--os", "-v", "--verbosity", "-s", "--source"))
    if not pos or pos[0] not in ("restore", "build", "publish", "test", "pack"):
        return None
    sub = pos[0]
    return Compile("dotnet", f"dotnet {sub}", inv, produces=sub in ("build", "publish"))


def _python(inv: Invocation) -> Compile | None:
    tool = inv.tool
    vals = inv.value_view()
    if _PYTHON_RE.match(tool):
        if len(vals) >= 2 and vals[0] == "-m" and _PIP_RE.match(vals[1]):
            return Compile("python", f"{tool} -m pip {vals[2] if len(vals) > 2 else ''}".strip(), inv)
        if len(vals) >= 2 and vals[0] == "-m" and vals[1] == "build":
            return Compile("python", f"{tool} -m build", inv)
        if len(vals) >= 3 and vals[0] == "-m" and vals[1] == "mkdocs" and vals[2] in ("build", "b"):
            return Compile("site", "mkdocs build", inv)
        if len(vals) >= 2 and vals[0] == "-m" and vals[1] == "sphinx":
            return Compile("site", "sphinx-build", inv)
        if vals and vals[0].endswith("setup.py") and len(vals) > 1:
            return Compile("python", f"setup.py {vals[1]}", inv)
        return None
    if _PIP_RE.match(tool):
        pos = _positionals(inv)
        if pos and pos[0] in ("install", "wheel"):
            return Compile("python", f"{tool} {pos[0]}", inv)
        return None
    if tool == "uv":
        pos = _positionals(inv)
        if pos[:2] == ["pip", "install"]:
            return Compile("python", "uv pip install", inv)
        if pos and pos[0] in ("sync", "build"):
            return Compile("python", f"uv {pos[0]}", inv)
        return None
    if tool == "maturin":
        pos = _positionals(inv, ("-m", "--manifest-path", "-i", "--interpreter", "-o", "--out", "--target"))
        if pos and pos[0] in ("build", "develop"):
            return Compile("python", f"maturin {pos[0]}", inv)
        return None
    if tool in ("tox", "nox"):
        return Compile("python", tool, inv, produces=False)  # creates its environments: pip installs into them
    if tool in ("poetry", "pipenv", "pdm", "hatch"):
        pos = _positionals(inv)
        if pos and pos[0] in ("install", "build", "sync"):
            return Compile("python", f"{tool} {pos[0]}", inv)
    return None


_SITE_BUILDERS = frozenset({"jekyll", "mkdocs", "zola"})  # a site build with `build`
_SITE_PLAIN = frozenset({"sphinx-build", "eleventy"})  # a site build whatever the arguments
_SITE_TOOLS = _SITE_BUILDERS | _SITE_PLAIN | {"hugo"}  # every tool _site names


def _site(inv: Invocation) -> Compile | None:
    tool = inv.tool
    if tool not in _SITE_TOOLS:
        return None
    pos = _positionals(inv, ("-s", "--source", "-d", "--destination", "-b", "--baseURL", "-e", "--environment",
                             "-f", "--config-file", "--config"))
    if tool == "hugo":
        if not pos or pos[0] == "build":
            return Compile("site", "hugo", inv)
        return None
    if tool in _SITE_BUILDERS:
        if pos and pos[0] in ("build", "b"):
            return Compile("site", f"{tool} build", inv)
        return None
    if tool in _SITE_PLAIN:
        return Compile("site", tool, inv)
    return None


# -------------------------------------------------------------------------------------------------
# Settings in force for a command


@record(frozen=True)
class Setting:
    """A variable set for a command: ``raw`` as written, ``value`` when literal, ``source`` one of
    ``prefix``, ``export`` (same RUN), ``go-env`` (``go env -w``), ``ENV``, ``ARG``."""

    name: str
    raw: str
    value: str | None
    source: str

    @property
    def from_target(self) -> bool:
        """True when the value refers to a TARGET* platform ARG (or xx-info, which reads it)."""
        names = {n for n, _, _ in variable_references(self.raw)}
        return bool(names & TARGET_NAMES) or "xx-info" in self.raw


def _go_env_writes(cmds: Iterable[SimpleCommand]) -> list[Setting]:
    out: list[Setting] = []
    for c in cmds:
        inv = invocation(c)
        if inv is None or inv.tool != "go":
            continue
        vals = inv.value_view()
        if len(vals) >= 2 and vals[0] == "env" and "-w" in vals:
            for w in inv.args[1:]:
                raw = w.value if w.value is not None else w.raw
                m = ENV_WORD.match(raw)
                if m:
                    out.append(Setting(m.group(1), m.group(2), m.group(2) if w.value is not None else None, "go-env"))
    return out


def settings(model: Model, stage: Stage, instr: Instruction, cmd: SimpleCommand) -> dict[str, Setting]:
    """Variables set for ``cmd`` (a command of RUN ``instr`` in ``stage``), the closest setting winning:
    prefix > earlier assignment/export in the RUN > ``go env -w`` > ARG of the stage / ENV of the chain."""
    found: dict[str, Setting] = {}
    for st, ins in earlier_instructions(model, stage, instr):
        if ins.keyword == "ENV":
            vals = ins.value
            for i in range(0, len(vals) - 1, 2):
                found[vals[i]] = Setting(vals[i], vals[i + 1], _literal(vals[i + 1]), "ENV")
        elif ins.keyword == "ARG" and st is stage:
            for arg in ins.args:
                name, eq, default = arg.value.partition("=")
                found[name] = Setting(name, default, _literal(default) if eq else None, "ARG")
        elif ins.keyword == "RUN":
            for s in _go_env_writes(run_commands(ins)):
                found[s.name] = s
    earlier = [c for c in run_commands(instr) if c.span.start < cmd.span.start]
    for s in _go_env_writes(earlier):
        found[s.name] = s
    for a in assignments(instr):
        if a.span.start >= cmd.span.start:
            continue
        if tuple(cmd.context[: len(a.context)]) != tuple(a.context):
            continue
        found[a.name] = Setting(a.name, a.raw_value, a.value, "export")
    inv = invocation(cmd)
    for e in inv.env if inv is not None else [EnvWord(a.name, a.raw_value, a.value, a.span) for a in cmd.env]:
        found[e.name] = Setting(e.name, e.raw, e.value, "prefix")
    return found


def _literal(raw: str) -> str | None:
    if "$" in raw:
        return None
    return raw.strip("\"'")


# -------------------------------------------------------------------------------------------------
# Target settings per toolchain


@record
class CrossCheck:
    """Does a compile build for the target platform? ``targeted`` True when it does (or may: dynamic
    values get the benefit of the doubt); ``what`` names the settings that are missing otherwise."""

    targeted: bool
    what: str = ""
    found: dict[str, Setting] = field(default_factory=dict)


def _mentions_target(words: Iterable[Word]) -> bool:
    for w in words:
        if {n for n, _, _ in variable_references(w.raw)} & TARGET_NAMES or "xx-info" in w.raw:
            return True
    return False


def go_cross(model: Model, stage: Stage, instr: Instruction, comp: Compile) -> CrossCheck:
    """Go: GOARCH (and GOOS when a target OS differs from the build OS) set for the command."""
    env = settings(model, stage, instr, comp.inv.cmd)
    if comp.inv.tool == "xx-go" or (comp.inv.tool == "go" and xx_go_wrapped(model, stage, instr)):
        return CrossCheck(True, found=env)
    missing = [n for n in ("GOARCH",) if n not in env or env[n].raw == ""]
    if any(t[0] != model.build_platform[0] for t in model.targets) and ("GOOS" not in env or env["GOOS"].raw == ""):
        missing.append("GOOS")
    if missing:
        return CrossCheck(False, "/".join(sorted(missing, reverse=True)), env)
    return CrossCheck(True, found=env)


def _is_xx_image(image: str) -> bool:
    name = image.split("@", 1)[0].removeprefix("docker.io/")
    return name == "tonistiigi/xx" or name.startswith("tonistiigi/xx:")


def xx_go_wrapped(model: Model, stage: Stage, instr: Instruction) -> bool:
    """``go`` is tonistiigi/xx's wrapper (GOOS/GOARCH/GOARM from TARGETPLATFORM) for ``instr``: the stage
    chain copied xx's golang variant in (``COPY --from=xx / /`` of ``tonistiigi/xx:golang``), or an earlier
    ``xx-go --wrap`` replaced ``go``."""
    for st, ins in earlier_instructions(model, stage, instr):
        if ins.keyword == "RUN" and "xx-go" in ins.text:
            if any(c.basename == "xx-go" and "--wrap" in c.args() for c in run_commands(ins)):
                return True
        if ins.keyword != "COPY":
            continue
        src = ins.flag("from")
        if src is None or src.value is None:
            continue
        idx = model.stage_index(src.value, st.index)
        image = model.stages[idx].base if idx is not None else src.value
        if _is_xx_image(image) and ":" in image.split("@", 1)[0] and "golang" in image.split(":", 1)[1]:
            return True
    return False


def cargo_cross(model: Model, stage: Stage, instr: Instruction, comp: Compile) -> CrossCheck:
    inv = comp.inv
    if inv.tool == "xx-cargo" or _has_flag(inv, "--target"):
        return CrossCheck(True)
    env = settings(model, stage, instr, inv.cmd)
    if "CARGO_BUILD_TARGET" in env:
        return CrossCheck(True, found=env)
    return CrossCheck(False, "--target")


def dotnet_cross(comp: Compile) -> CrossCheck:
    inv = comp.inv
    if _has_flag(inv, "-a", "--arch", "-r", "--runtime"):
        return CrossCheck(True)
    for v in inv.value_view():
        low = v.lower()
        if ("runtimeidentifier" in low or "platformtarget" in low) and low.startswith(("-p:", "/p:", "-property:",
                                                                                      "/property:")):
            return CrossCheck(True)
    return CrossCheck(False, "-a $TARGETARCH")


_CROSS_CC = rx(r"(?:^|[/\s=])(?:xx-|[a-z0-9_]+-(?:linux|w64|apple|unknown|none)-)")
_CROSS_ARGS = ("--host", "--target", "-target", "--cross-file", "-DCMAKE_TOOLCHAIN_FILE", "-DCMAKE_C_COMPILER",
               "-DCMAKE_SYSTEM_PROCESSOR", "CC=", "CXX=", "CROSS_COMPILE=", "ARCH=", "HOST=", "CHOST=")
_C_ENV = ("CC", "CXX", "CROSS_COMPILE", "CMAKE_TOOLCHAIN_FILE", "HOST", "CHOST", "CROSS_TRIPLE", "TARGET_TRIPLE")


def _cross_indicator(cmd: SimpleCommand) -> bool:
    """A command that sets up or uses a cross C toolchain (anywhere in the stage)."""
    inv = invocation(cmd)
    if inv is None:
        return False
    tool = inv.tool
    if tool.startswith("xx-"):
        return True
    if _CROSS_CC.search(tool) and _C_COMPILERS.match(tool):
        return True
    vals = inv.value_view()
    if tool == "dpkg" and "--add-architecture" in vals:
        return True
    if tool in ("configure", "cmake", "meson") and any(
            v.startswith(_CROSS_ARGS) or "xx-" in v for v in vals):
        return True
    found = package_manager_install(cmd)
    if found is not None and any(w.value and re.match(r"^(crossbuild-essential-|gcc-.*-linux-|g\+\+-.*-linux-)",
                                                      w.value) for w in found[1]):
        return True
    return False


def c_cross(model: Model, stage: Stage, instr: Instruction, comp: Compile) -> CrossCheck:
    """C/C++: a cross compiler or sysroot is in use for the command or set up in the stage."""
    inv = comp.inv
    tool = inv.tool
    if _CROSS_CC.search(tool):
        return CrossCheck(True)
    if _mentions_target(inv.args) or any({n for n, _, _ in variable_references(e.raw)} & TARGET_NAMES
                                         for e in inv.env):
        return CrossCheck(True)
    for v in inv.value_view():
        if v.startswith(_CROSS_ARGS) or "xx-" in v:
            return CrossCheck(True)
    env = settings(model, stage, instr, inv.cmd)
    if any(n in env for n in _C_ENV) or any(s.from_target for s in env.values()):
        return CrossCheck(True, found=env)
    if tool in _MAKES and any(stage.declaration(n, before=instr) is not None for n in TARGET_NAMES):
        return CrossCheck(True, found=env)  # the build script can read the declared TARGET* ARGs
    if any(_cross_indicator(c) for c in run_commands(instr) if c.span.start < inv.cmd.span.start):
        return CrossCheck(True, found=env)
    for _, ins in earlier_instructions(model, stage, instr):
        src = ins.flag("from") if ins.keyword == "COPY" else None
        if src is not None and src.value is not None and "xx" in src.value:
            return CrossCheck(True)
        if ins.keyword == "RUN" and any(_cross_indicator(c) for c in run_commands(ins)):
            return CrossCheck(True)
    return CrossCheck(False, "a cross toolchain")


def cross_check(model: Model, stage: Stage, instr: Instruction, comp: Compile) -> CrossCheck | None:
    """Target settings of a compile whose output is arch-specific; None for other toolchains."""
    if comp.toolchain == "go":
        return go_cross(model, stage, instr, comp)
    if comp.toolchain == "rust":
        return cargo_cross(model, stage, instr, comp)
    if comp.toolchain == "dotnet":
        return dotnet_cross(comp)
    if comp.toolchain == "c":
        return c_cross(model, stage, instr, comp)
    return None


def go_cross_build(model: Model, stage: Stage, instr: Instruction, comp: Compile) -> dict[str, Setting] | None:
    """Settings of a Go cross build (a ``go build``/``go install`` with GOARCH set, or ``xx-go``, in a
    stage that runs on the build platform or a constant one), else None."""
    if comp.toolchain != "go" or comp.label.endswith(" test"):
        return None
    if stage.platform.kind not in ("build", "constant"):
        return None
    env = settings(model, stage, instr, comp.inv.cmd)
    if comp.inv.tool == "xx-go" or ("GOARCH" in env and env["GOARCH"].raw != ""):
        return env
    return None


def implicit_cgo_builds(model: Model) -> list[tuple[Instruction, SimpleCommand, Compile]]:
    """Go cross builds of the stages the target needs that leave ``CGO_ENABLED`` to its default
    (XL208's findings and its fix's edit points)."""
    out = []
    for stage in model.stages:
        if stage.index not in model.reachable:
            continue
        for instr, cmd in stage_commands(model, stage):
            comp = classify(cmd)
            if comp is None:
                continue
            env = go_cross_build(model, stage, instr, comp)
            if env is not None and "CGO_ENABLED" not in env:
                out.append((instr, cmd, comp))
    return out


def goarm_unset_builds(model: Model) -> list[tuple[Stage, Instruction, SimpleCommand, Compile]]:
    """Go cross builds for arm (GOARCH from the target, or a literal ``arm``) of the stages the target
    needs that set no ``GOARM`` (XL207's findings and its fix's edit points); ``xx-go`` sets it itself."""
    out = []
    for stage in model.stages:
        if stage.index not in model.reachable:
            continue
        for instr, cmd in stage_commands(model, stage):
            comp = classify(cmd)
            if comp is None or comp.inv.tool == "xx-go":
                continue
            env = go_cross_build(model, stage, instr, comp)
            if env is None or "GOARM" in env:
                continue
            goarch = env["GOARCH"].value
            if goarch is not None and goarch != "arm":
                continue  # a literal other arch: not an arm build
            out.append((stage, instr, cmd, comp))
    return out


def stage_commands(model: Model, stage: Stage) -> list[tuple[Instruction, SimpleCommand]]:
    """Every command of every RUN of the stage, in order (kept on the model: every rule asks)."""
    known = model._xlint_stage_commands
    out = known.get(id(stage))
    if out is None:
        out = known[id(stage)] = []
        for ins in stage.instructions:
            if ins.keyword == "RUN":
                out.extend((ins, c) for c in run_commands(ins))
    return list(out)


def ships_to_target(model: Model, stage: Stage) -> bool:
    """True when files of ``stage`` can end up in the target image: it is the target, or a stage that does
    not run on the build platform reads it (COPY --from, --mount=from, FROM), or a stage built on it
    (FROM) ships to the target. A build-platform stage that copies from it is taken to run it as a tool
    (a code generator), not to pass its binaries on."""
    if model.target is None or stage.index not in model.reachable:
        return False
    seen: set[int] = set()
    todo = [stage.index]
    while todo:
        idx = todo.pop()
        if idx in seen:
            continue
        seen.add(idx)
        if idx == model.target.index:
            return True
        for edge in model.users(idx):
            if edge.target not in model.reachable:
                continue
            if model.stages[edge.target].platform.kind != "build":
                return True
            if edge.kind == "base":
                todo.append(edge.target)
    return False


# -------------------------------------------------------------------------------------------------
# Emulated steps (XL1xx)


def emulated_platforms(model: Model, stage: Stage) -> list[str]:
    """The platforms (``linux/arm64``) on which the stage runs other than the build platform."""
    from xlint.expand import format_platform

    build = format_platform(model.build_platform)
    out: list[str] = []
    for p in model.concrete_platforms(stage):
        name = format_platform(p)
        if name != build and name not in out:
            out.append(name)
    return out


def emulated_commands(model: Model) -> list[tuple[Stage, Instruction, SimpleCommand]]:
    """Every RUN command of the stages the build needs (``model.reachable``) that run under emulation
    for some target platform."""
    known = model._xlint_emulated_commands
    if known is None:
        known = []
        for stage in model.stages:
            if stage.index not in model.reachable or not model.runs_emulated(stage):
                continue
            for instr, cmd in stage_commands(model, stage):
                known.append((stage, instr, cmd))
        model._xlint_emulated_commands = known  # (kept on the model: every XL1xx rule asks)
    return list(known)


def _emulated_by_toolchain(model: Model) -> dict[str, list[tuple[Stage, Instruction, Compile]]]:
    """The emulated commands that do toolchain work, by toolchain, in order (kept on the model: each
    XL1xx rule asks for its toolchain)."""
    known = model._xlint_emulated_by_toolchain
    if known is None:
        known = {}
        for stage, instr, cmd in emulated_commands(model):
            comp = classify(cmd)
            if comp is not None:
                known.setdefault(comp.toolchain, []).append((stage, instr, comp))
        model._xlint_emulated_by_toolchain = known
    return known


def emulated_compiles(model: Model, toolchain: Toolchain) -> list[tuple[Stage, Instruction, Compile]]:
    """The emulated commands of one toolchain."""
    out: list[tuple[Stage, Instruction, Compile]] = []
    for stage, instr, comp in _emulated_by_toolchain(model).get(toolchain, ()):
        if comp.needs_compiler and not has_compiler(model, stage, instr):
            continue
        if comp.inv.tool in _MAKES and model.context is not None and _make_runs_no_compiler(model.context, comp):
            continue
        out.append((stage, instr, comp))
    return out


def makefile_of(context: Path, comp: Compile) -> tuple[Path | None, list[str]]:
    """The context's Makefile a ``make`` command reads (None when there is none) and the targets asked for."""
    vals = comp.inv.value_view()
    folder, makefile, targets, i = context, None, [], 0
    while i < len(vals):
        v = vals[i]
        if v in ("-C", "--directory", "-f", "--file", "--makefile") and i + 1 < len(vals):
            if v in ("-C", "--directory"):
                # a relative folder of the context; an absolute one is where the context was copied to
                folder = folder if vals[i + 1].startswith("/") else folder / vals[i + 1]
            else:
                makefile = vals[i + 1]
            i += 2
            continue
        if not v.startswith("-") and "=" not in v:
            targets.append(v)
        i += 1
    candidates = [makefile] if makefile else ["GNUmakefile", "makefile", "Makefile"]
    from xlint.contextfiles import is_file

    return next((folder / c for c in candidates if is_file(folder / c)), None), targets


def _make_runs_no_compiler(context: Path, comp: Compile) -> bool:
    """``make version`` whose recipe (the context's Makefile) runs no compiler is no compile."""
    from xlint.makefiles import runs_no_compiler

    path, targets = makefile_of(context, comp)
    return path is not None and runs_no_compiler(path, targets)


_NODE_IMAGE = rx(r"(?:^|/)(?:node|bun|deno)(?::|@|$)")
JsMake = Literal["read", "assumed"]


def js_make(model: Model, stage: Stage, instr: Instruction, comp: Compile) -> JsMake | None:
    """A ``make`` that drives a JS build (its output is arch-independent): ``"read"`` when the build
    context's Makefile shows its recipes run yarn/npm/node and no compiler; ``"assumed"`` when no Makefile
    can be read and the stage is a plain Node stage (a Node image, no other toolchain than the JS one and
    make, no C compiler installed: node-gyp addons need one); None otherwise."""
    if comp.inv.tool not in ("make", "gmake") or comp.inv.words[0].value != comp.inv.tool:
        return None
    if model.context is not None:
        path, targets = makefile_of(model.context, comp)
        if path is not None:
            from xlint.makefiles import runs_js_build_only

            return "read" if runs_js_build_only(path, targets) else None
    if _NODE_IMAGE.search(stage_chain(model, stage)[0].base.lower().split("@")[0]) is None:
        return None
    for st in stage_chain(model, stage):
        for _i, cmd in stage_commands(model, st):
            other = classify(cmd)
            if other is not None and other.toolchain != "node" and not (
                    other.toolchain == "c" and other.inv.tool in ("make", "gmake")):
                return None
    return None if installs_compiler(model, stage, instr) else "assumed"
