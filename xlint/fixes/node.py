"""Recipe: Node. A JS build moves to the build platform when what other stages copy from it is assets
(dist/, build/, ...), never node_modules with native addons (XL104).
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from xlint.derived import Derived
from xlint.diagnostics import Edit
from xlint.fixes.node_writes import writes_modules
from xlint.fixes.outputs import path_parts, resolve_path, static_workdir
from xlint.fixes.plan import Example, Plan, no_fix
from xlint.fixes.stages import arch_specific_copy, numeric_reference, stage_move
from xlint.fixes.style import block_start, drop_command, insert_after, keyword, with_edits
from xlint.invocation import invocation
from xlint.model import Edge, Model, Stage, earlier_instructions
from xlint.packages import (
    compiler_image,
    known_values,
    package_manager_install,
    package_name,
    removes_packages,
    toolchain_packages,
)
from xlint.rx import rx
from xlint.shell import SimpleCommand, run_commands
from xlint.syntax.tree import Instruction
from xlint.toolchains import Compile, classify, js_make, production_install, stage_chain, stage_commands

ASSET_DIRS = frozenset({"dist", "build", "public", "out", "static", "_site", "site", "www", "html",
                        "storybook-static", "assets"})


_ASSET_SUFFIX = rx(r"[-_.](?:dist|build|public|static|assets|out)$")


def _asset_dir(part: str) -> bool:
    """`dist`, `build`... or a name ending in one (`ui-dist`, `cloudprem_ui_build`)."""
    return part in ASSET_DIRS or _ASSET_SUFFIX.search(part) is not None


def asset_reason(sources: list[str]) -> str | None:
    """Why what other stages copy from a Node builder may not be arch-independent (None: it is assets)."""
    unknown = [s for s in sources if not any(_asset_dir(p) for p in path_parts(s))
               and not s.endswith((".js", ".mjs", ".cjs"))]
    if unknown:
        return f"`{unknown[0]}` copied from the builder is not a known asset folder (dist/, build/...)"
    return None


_NODE_IMAGE = rx(r"(?:^|/)(?:node|bun|deno)(?::|@|$)")

MAKE_NOTE = ("make is taken to drive the JS build: its Makefile was not read, and one that compiles C would "
             "build for the build machine")


def node_stage(model: Model, stage: Stage) -> bool:
    """True when the stage's chain starts from a Node image and the only build tool besides the JS
    toolchain is a make that drives the JS build (:func:`xlint.toolchains.js_make`)."""
    if _NODE_IMAGE.search(stage_chain(model, stage)[0].base.lower().split("@")[0]) is None:
        return False
    for instr, cmd in stage_commands(model, stage):
        comp = classify(cmd)
        if comp is not None and comp.toolchain != "node" and js_make(model, stage, instr, comp) is None:
            return False
    return True


# -------------------------------------------------------------------------------------------------
# A Node builder group: the stages that move to the build platform together, and the runtime's
# node_modules installed for the target in a stage of their own

_PRODUCTION_FLAG = {"npm": "--omit=dev", "pnpm": "--prod", "bun": "--production"}
_COMPILES = ("go", "rust", "c", "dotnet")


def _sources(edge: Edge) -> list[str]:
    return [a.value for a in edge.instruction.args[:-1]]


def _has_modules(sources: list[str]) -> bool:
    return any("node_modules" in path_parts(s) for s in sources)


def _builds_node(model: Model, stage: Stage) -> bool:
    return any((c := classify(cmd)) is not None and c.toolchain == "node" for _i, cmd in stage_commands(model, stage))


def node_group(model: Model, stage: Stage) -> list[Stage] | str:
    """``stage`` and the Node stages that pass node_modules to it or take them from it to build: they run
    on one platform (a build-platform builder must not run the target's node_modules, nor the reverse)."""
    seen = {stage.index}
    todo = [stage]
    while todo:
        st = todo.pop()
        linked: list[int] = []
        for edge in st.edges:
            if edge.kind == "copy" and edge.stage is not None and _has_modules(_sources(edge)):
                linked.append(edge.stage)
        for edge in model.users(st.index):
            if edge.kind == "mount":
                return f"a RUN of stage '{model.stages[edge.target].label}' mounts stage '{st.label}': what it reads is unknown"
            user = model.stages[edge.target]
            final = model.target is not None and user.index == model.target.index
            if edge.kind == "copy" and _has_modules(_sources(edge)) and not final and _builds_node(model, user):
                linked.append(user.index)
        for i in linked:
            if i not in seen:
                seen.add(i)
                todo.append(model.stages[i])
    return [model.stages[i] for i in sorted(seen)]


def _module_dirs(model: Model, group: list[Stage]) -> set[str]:
    """The folders whose node_modules the group's Node installs fill (the install's working directory,
    its --prefix/--dir, `pnpm deploy`'s target), less those a later command of the stage removes again
    (`rm -rf node_modules`)."""
    dirs: set[str] = set()
    for st in group:
        for instr, cmd in stage_commands(model, st):
            cwd = static_workdir(model, st, instr) or "/"
            comp = classify(cmd)
            if comp is not None and comp.toolchain == "node" and comp.inv.tool in _NODE_PMS:
                vals = comp.inv.values()
                words = comp.label.split(" ")
                if words[1:2] in (["install"], ["i"], ["ci"], ["add"], []) or comp.label == "pnpm deploy":
                    where = cwd
                    for j, v in enumerate(vals):
                        if v in ("--prefix", "--dir", "-C", "--cwd") and j + 1 < len(vals):
                            where = resolve_path(cwd, vals[j + 1]) or cwd
                        elif v.startswith(("--prefix=", "--dir=", "--cwd=")):
                            where = resolve_path(cwd, v.split("=", 1)[1]) or cwd
                    if comp.label == "pnpm deploy":
                        pos = [v for v in vals if not v.startswith("-")]
                        target = pos[pos.index("deploy") + 1] if "deploy" in pos and pos[-1] != "deploy" else None
                        where = (resolve_path(cwd, target) or cwd) if target is not None else cwd
                    dirs.add(where.rstrip("/") or "/")
            elif cmd.basename == "rm":
                for arg in cmd.args():
                    if arg is not None and path_parts(arg)[-1:] == ["node_modules"]:
                        gone = resolve_path(cwd, arg)
                        if gone is not None:
                            dirs.discard(posixpath.dirname(gone.rstrip("/")) or "/")
    return dirs


def _context_copies(model: Model, stage: Stage) -> list[str]:
    """Where the stage chain copies files of the build context to (a source tree)."""
    out: list[str] = []
    for st in stage_chain(model, stage):
        for ins in st.instructions:
            if ins.keyword in ("COPY", "ADD") and ins.flag("from") is None and ins.args:
                dest = resolve_path(static_workdir(model, st, ins), ins.args[-1].value)
                if dest is not None:
                    out.append(dest.rstrip("/") or "/")
    return out


def _under(path: str, folder: str) -> bool:
    return path == folder or folder == "/" or path.startswith(folder.rstrip("/") + "/")


def _copy_reason(model: Model, stage: Stage, sources: list[str], module_dirs: set[str],
                 tree_copies: list[str]) -> str | None:
    """Why what a runtime copies from a Node builder may be arch-specific (None: it is assets, or a source
    tree the build wrote its output into that holds no node_modules; those go into ``tree_copies``)."""
    reason = arch_specific_copy(sources)
    if reason:
        return reason
    trees = _context_copies(model, stage)
    tree_copies.clear()
    for src in sources:
        path = (resolve_path("/", src) or src).rstrip("/") or "/"
        holder = next((d for d in sorted(module_dirs) if _under(d, path)), None)
        if holder is not None:
            return (f"`{src}` holds the node_modules installed in `{holder}`: its native addons would be the "
                    "build platform's")
        last = path_parts(path)[-1:] or [""]
        if last[0].endswith((".node", ".so")) or ".so." in last[0]:
            return f"`{src}` is a native library: it would be the build platform's"
        if asset_reason([src]) is None:
            continue
        if not any(_under(path, t) for t in trees if t != "/"):
            return asset_reason([src])
        tree_copies.append(src)
        inside = next((d for d in sorted(module_dirs) if _under(path, d) and d != "/"), None)
        if inside is not None and "." not in last[0]:
            # a folder of the project (a workspace package?) may hold node_modules of its own
            return (f"`{src}` is a folder of the project installed in `{inside}`, which may hold node_modules "
                    "of its own")
    return None


def _standalone(path: str) -> bool:
    parts = path_parts(path)
    return any(a == ".next" and b == "standalone" for a, b in zip(parts, parts[1:], strict=False))


def node_builder_plan(model: Model, stage: Stage, context: Path | None = None) -> Plan:
    """XL104: move a Node builder (with the Node stages it shares node_modules with) to the build platform
    when what the runtime copies from it is assets; when it copies node_modules or a Next.js standalone
    output, a new target-platform stage installs the runtime's production node_modules and they take the
    place of the builder's."""
    group = node_group(model, stage)
    if isinstance(group, str):
        return no_fix(group)
    members = {s.index for s in group}
    edits: list[Edit] = []
    unsafe = False
    notes: list[str] = []
    for st in group:
        make_ok = node_stage(model, st)
        for instr, cmd in stage_commands(model, st):
            comp = classify(cmd)
            if make_ok and comp is not None and js_make(model, st, instr, comp) is not None:
                continue  # make drives the JS build
            if comp is not None and comp.toolchain in _COMPILES:
                return no_fix(f"stage '{st.label}' also runs `{comp.label}`, whose output is arch-specific")
        move = stage_move(model, st)
        if isinstance(move, str):
            return no_fix(move if st is stage else f"stage '{st.label}' shares node_modules with it, and {move}")
        edits.extend(move.edits)
        unsafe = unsafe or move.unsafe
        if move.note:
            notes.append(move.note)
        caveat = make_note(model, st) if make_ok else ""
        if caveat and caveat not in notes:
            notes.append(caveat)
            unsafe = True
    needs: list[tuple[Edge, str]] = []  # runtime copies of node_modules or standalone output
    module_dirs = _module_dirs(model, group)
    trees: list[str] = []  # source trees copied with the build's output in them
    for st in group:
        for edge in model.users(st.index):
            if edge.target in members or edge.kind != "copy":
                continue
            sources = _sources(edge)
            runtime = [s for s in sources if _standalone(s) or "node_modules" in path_parts(s)]
            if runtime:
                if len(sources) > 1:
                    return no_fix(f"`{edge.instruction.text.strip()}` copies node_modules with other files in one step")
                needs.append((edge, runtime[0]))
                continue
            found: list[str] = []
            reason = _copy_reason(model, st, sources, module_dirs, found)
            if reason:
                return no_fix(reason)
            trees.extend(found)
    if not edits:
        return no_fix("the stage is already on the build platform")
    if needs:
        modules = target_modules(model, group, needs, edits, context)
        if isinstance(modules, str):
            return no_fix(modules)
        edits.extend(modules[0])
        notes.append(modules[1])
        unsafe = True
    if trees:
        unsafe = True
        notes.append(f"unsafe: `{trees[0]}` comes from the build context's tree, taken to hold only sources and "
                     "the build's JS output, no native files")
    edits.sort(key=lambda e: (e.start, e.end))
    title = ("Move the Node build to `--platform=$BUILDPLATFORM` and install the runtime's node_modules for the "
             "target" if needs else "")
    return Plan(edits, note="; ".join(notes), applicability="unsafe" if unsafe else "safe", title=title)


def _installs(model: Model, group: list[Stage]) -> tuple[Stage, Instruction, list[tuple[SimpleCommand, Compile]]] | str:
    """The group's one Node dependency install step: one install, or one per package manager in the
    branches of an `if [ -f yarn.lock ] ... elif [ -f package-lock.json ]` (alternatives)."""
    found: list[tuple[Stage, Instruction, SimpleCommand, Compile]] = []
    for st in group:
        for instr, cmd in stage_commands(model, st):
            comp = classify(cmd)
            if comp is not None and comp.toolchain == "node" and comp.label.split(" ")[1:2] in (
                    ["install"], ["i"], ["ci"], []) and comp.inv.tool in _NODE_PMS:
                found.append((st, instr, cmd, comp))
    steps = {id(f[1]) for f in found}
    alternatives = len(found) > 1 and len(steps) == 1 and all("if" in f[2].context for f in found)
    if not found or (len(found) > 1 and not alternatives):
        return (f"the builder runs {len(found)} Node dependency installs: which one the runtime's node_modules "
                "come from is unclear")
    return found[0][0], found[0][1], [(f[2], f[3]) for f in found]


_YARN1 = ("--frozen-lockfile", "--pure-lockfile", "--non-interactive", "--prefer-offline", "--network-timeout")


def _production_flag(comp: Compile) -> str | None:
    """The flag that makes the install production-only (None: no one flag; "": already is)."""
    if production_install(comp.inv):
        return ""
    vals = comp.inv.values()
    if any(v.startswith(("--production=", "--prod=", "--include=dev")) for v in vals):
        return None  # asks for dev dependencies on purpose
    if comp.inv.tool == "yarn":
        return "--production" if any(v in _YARN1 for v in vals) else None  # yarn 1 (classic) only
    return _PRODUCTION_FLAG.get(comp.inv.tool)


_NODE_PMS = frozenset({"npm", "pnpm", "yarn", "bun"})
_REPLAY = frozenset({"ARG", "ENV", "WORKDIR", "USER", "SHELL"})
_SKIP = frozenset({"LABEL", "EXPOSE", "CMD", "ENTRYPOINT", "HEALTHCHECK", "VOLUME", "STOPSIGNAL", "MAINTAINER"})
_GYP_PACKAGES = frozenset({"g++", "gcc", "c++", "gcc-c++", "make", "python3", "python", "python-is-python3",
                           "build-essential", "build-base", "libc6-dev", "musl-dev"})


def _without_toolchain(model: Model, stage: Stage, instr: Instruction) -> tuple[list[Edit], bool] | str:
    """Edits that take the compiler installs out of a RUN (whole commands when they install only
    node-gyp's toolchain), and whether nothing is left of the step."""
    cmds = run_commands(instr)
    edits: list[Edit] = []
    dropped = 0
    top = [c for c in cmds if not c.context]
    for i, cmd in enumerate(cmds):
        tools = toolchain_packages(cmd, known_values(model, stage, instr, cmd))
        if not tools:
            continue
        found = package_manager_install(cmd)
        assert found is not None
        words = found[1]
        if any(w.value is None for w in words):
            return f"`{cmd_text(cmd)}` installs packages named by a variable"
        if all(package_name(w.value or "").lower() in _GYP_PACKAGES for w in words):
            vals = found[0].values()
            virtual = {vals[j + 1] for j, v in enumerate(vals[:-1]) if v in ("--virtual", "-t")}
            if virtual and _removed_later(model, stage, instr, cmd, virtual):
                return f"`{cmd_text(cmd)}` installs a virtual package that the setup removes again"
            if len(top) == 1 and top[0] is cmd:
                return [], True
            edit = drop_command(model.tree, cmds, i)
            if edit is None:
                return f"`{cmd_text(cmd)}` cannot be taken out of its step"
            edits.append(edit)
            dropped += 1
            continue
        for w in tools:
            if package_name(w.value or "").lower() not in _GYP_PACKAGES:
                return f"`{cmd_text(cmd)}` installs a compiler ({w.value}) that is not node-gyp's"
            at = w.span.start
            while at > 0 and model.tree.text[at - 1] in " \t":
                at -= 1
            edits.append(Edit(at, w.span.end, ""))
    return edits, False


def _removed_later(model: Model, stage: Stage, instr: Instruction, cmd: SimpleCommand, names: set[str]) -> bool:
    """A command of the stage after ``cmd`` (before its Node install is all that is replayed) removes one
    of ``names``."""
    for ins, c in stage_commands(model, stage):
        if ins.span.start < instr.span.start or (ins is instr and c.span.start <= cmd.span.start):
            continue
        if removes_packages(c) and names & {v for v in c.args() if v is not None}:
            return True
    return False


def cmd_text(cmd: SimpleCommand) -> str:
    return " ".join(w.raw for w in cmd.argv)


def target_modules(model: Model, group: list[Stage], needs: list[tuple[Edge, str]], moved: list[Edit],
                   context: Path | None = None) -> tuple[list[Edit], str] | str:
    """A target-platform stage that replays the install stage's setup without the compiler and installs
    the production dependencies, and the runtime's copies of node_modules taken from it. ``moved``: the
    edits that put the group on the build platform."""
    tree = model.tree
    found = _installs(model, group)
    if isinstance(found, str):
        return found
    ist, install_instr, installs = found
    writes = writes_modules(model, group, ist, install_instr, [c for c, _ in installs], context)
    if writes:
        return writes
    label = installs[0][1].label
    flags: list[tuple[SimpleCommand, str]] = []
    for cmd, comp in installs:
        flag = _production_flag(comp)
        if flag is None:
            return (f"`{comp.label}` has no one production-install flag here (yarn 1 `--production`, yarn 2+ "
                    "`workspaces focus --production`): install the runtime's node_modules for the target by hand")
        if flag:
            flags.append((cmd, flag))
        if any(v in ("--prefix", "-C", "--dir", "--cwd") or v.startswith(("--prefix=", "--dir=", "--cwd="))
               for v in comp.inv.values()):
            return f"where `{comp.label}` puts node_modules is not known"
    if numeric_reference(model) is not None:
        return "a stage is referred to by its index: a new stage would shift it"
    if install_instr.heredocs or install_instr.json:
        return f"`{label}` is not a plain command of its RUN"
    chain = stage_chain(model, ist)
    root = chain[0]
    if any(root.from_instr.span.start <= e.start < root.from_instr.span.end for e in moved) and len(chain) > 1:
        return f"stage '{root.label}', which the install stage is built on, moves to the build platform"
    cwd = static_workdir(model, ist, install_instr)
    if cwd is None or any(c.basename == "cd" for c in run_commands(install_instr)):
        return f"where `{label}` puts node_modules is not known"
    image = root.base
    for edge, src in needs:
        runtime = model.stages[edge.target]
        rroot = stage_chain(model, runtime)[0]
        if rroot.base != image and (len(chain) > 1 or not _same_family(rroot.base, image)):
            return (f"stage '{runtime.label}' runs on `{rroot.base}`, not the install stage's `{image}`: its "
                    "node_modules must be installed on its own Node and libc")
        image = rroot.base
        want = posixpath.join(cwd, "node_modules")
        path = resolve_path("/", src) or src
        if _standalone(src):
            if path.rstrip("/") != posixpath.join(cwd, ".next/standalone"):
                return f"`{src}` is not the standalone output of the project `{cwd}` that `{label}` installs"
        elif path.rstrip("/") != want:
            return f"`{src}` is not the node_modules folder `{want}` that `{label}` installs"
    if _NODE_IMAGE.search(image.lower().split("@")[0]) is None:
        return f"`{image}` is not a Node image: a target-platform install needs its npm"
    if compiler_image(image) or _full_node(image):
        return (f"`{image}` ships a C compiler, so a production install on it for the target compiles addons "
                "under QEMU too: use a -slim or -alpine runtime image")
    for st in chain[:-1]:
        for ins in st.instructions:
            if ins.keyword == "RUN" and any(toolchain_packages(c) for c in run_commands(ins)):
                return f"stage '{st.label}', which the install stage is built on, installs a compiler"
    # the new stage: the install stage's setup without the compiler, then the production install
    lines: list[str] = []
    nl = tree.newline
    for ins in ist.instructions:
        if ins is install_instr:
            break
        if ins.keyword in _SKIP:
            continue
        if ins.keyword in ("COPY", "ADD") and ins.flag("from") is None:
            lines.append(ins.text)
        elif ins.keyword in _REPLAY:
            lines.append(ins.text)
        elif ins.keyword == "RUN":
            if any(classify(cmd) is not None for cmd in run_commands(ins)):
                return f"stage '{ist.label}' builds before it installs: the setup cannot be replayed"
            taken = _without_toolchain(model, ist, ins)
            if isinstance(taken, str):
                return taken
            if not taken[1]:
                lines.append(with_edits(ins, taken[0]))
        else:
            return f"the `{ins.keyword}` of stage '{ist.label}' cannot be replayed in a target-platform stage"
    step, why = _install_step(model, install_instr, installs, flags)
    if why:
        return why
    lines.append(step)
    names = {s.name.lower() for s in model.stages if s.name}
    name = f"{ist.name or 'node'}-prod"
    n = 2
    while name.lower() in names:
        name = f"{ist.name or 'node'}-prod{n}"
        n += 1
    from_kw = keyword(tree, ist.from_instr, "FROM")
    as_kw = "as" if from_kw == "from" else "AS"
    base = ist.base if len(chain) > 1 else image
    first = min(model.stages[e.target].index for e, _ in needs)
    at = block_start(tree, model.stages[first].from_instr)
    spaced = tree.text[:at].endswith(nl + nl)  # the file parts its stages with blank lines
    block = (f"{from_kw} {base} {as_kw} {name}{nl}" + "".join(t if t.endswith("\n") else t + nl for t in lines)
             + (nl if spaced else ""))
    edits = [Edit(at, at, block)]
    for edge, src in needs:
        ins = edge.instruction
        assert edge.flag is not None and edge.flag.value_span is not None
        if _standalone(src):
            dest = ins.args[-1].value
            flags_text = " ".join(f"--from={name}" if f.name == "from" else f.text for f in ins.flags)
            target = (dest.rstrip("/") or ".") + "/node_modules" if dest not in (".", "./") else "./node_modules"
            body = f"COPY {flags_text} {posixpath.join(cwd, 'node_modules')} {target}"
            edits.append(insert_after(tree, ins, [body]))
        else:
            edits.append(Edit(edge.flag.value_span.start, edge.flag.value_span.end, name))
    return edits, (f"unsafe: new stage '{name}' installs production dependencies only, without a compiler: an "
                   "addon without a prebuilt binary for the target fails to install instead of compiling under QEMU")


def _install_step(model: Model, instr: Instruction, installs: list[tuple[SimpleCommand, Compile]],
                  flags: list[tuple[SimpleCommand, str]]) -> tuple[str, str]:
    """The install RUN for the new stage: up to its one install (what follows it is the build), or whole
    when it picks one install per lockfile; with the production flags added. (text, "") or ("", why not)."""
    tree = model.tree
    others = [c for c in run_commands(instr) if classify(c) is not None and all(c is not i for i, _ in installs)]
    if len(installs) == 1 and not installs[0][0].context:
        cmd = installs[0][0]
        end = cmd.span.end
        rest = tree.text[end : instr.span.end]
        if rest.strip(" \t\r\n\\") and not rest.lstrip(" \t\\\r\n").startswith(("&&", ";")):
            return "", f"`{installs[0][1].label}` is followed by more than `&&` or `;` in its step"
    elif others:
        return "", f"the install step also runs `{cmd_text(others[0])}`"
    else:
        end = instr.span.end
    inside = [Edit(c.span.end, c.span.end, f" {f}") for c, f in flags]
    text = tree.text[instr.span.start : end]
    for e in sorted(inside, key=lambda e: e.start, reverse=True):
        at = e.start - instr.span.start
        text = text[:at] + e.text + text[at:]
    return text.rstrip("\r\n"), ""


def _same_family(a: str, b: str) -> bool:
    """Two Node images of one distribution (``node:20`` and ``node:20-slim``; both alpine)."""
    ra, rb = a.lower().split("@")[0], b.lower().split("@")[0]
    if _NODE_IMAGE.search(ra) is None or _NODE_IMAGE.search(rb) is None:
        return False
    return ("alpine" in ra) == ("alpine" in rb) and ra.split(":")[0] == rb.split(":")[0]


def _full_node(image: str) -> bool:
    ref = image.lower().split("@")[0].removeprefix("docker.io/").removeprefix("library/")
    repo, _, tag = ref.partition(":")
    return repo == "node" and not any(v in tag for v in ("slim", "alpine"))


# -------------------------------------------------------------------------------------------------
# node-gyp's compiler around an install of a Node program: prebuilt addons instead

_PREBUILT = frozenset({("linux", "amd64"), ("linux", "arm64")})
_GLOBAL_ADD = {"npm": ("install", "i", "add"), "pnpm": ("add", "install", "i"), "yarn": ("global",)}


def _global_packages(model: Model, stage: Stage, before: Instruction) -> list[str]:
    """The names of the packages earlier RUNs of the chain install globally (`npm install -g ghost-cli`)."""
    out: list[str] = []
    for _st, ins in earlier_instructions(model, stage, before):
        if ins.keyword != "RUN":
            continue
        for cmd in run_commands(ins):
            inv = invocation(cmd)
            if inv is None or inv.tool not in _GLOBAL_ADD:
                continue
            vals = inv.values()
            pos = [v for v in vals if not v.startswith("-")]
            glob = inv.tool == "yarn" and pos[:2] == ["global", "add"] or "-g" in vals or "--global" in vals
            if not glob or not pos or pos[0] not in _GLOBAL_ADD[inv.tool]:
                continue
            for raw in pos[2 if inv.tool == "yarn" else 1:]:
                name = raw.strip("\"'")
                name = "@" + name[1:].split("@")[0] if name.startswith("@") else name.split("@")[0]
                out.append(name)
    return out


def node_gyp_plan(model: Model, d: Derived) -> Plan:
    """A RUN that installs node-gyp's toolchain (g++, make, python3) around a Node program's install
    (`ghost install`, from `npm install -g ghost-cli`) on a linux/amd64 and linux/arm64 target: without the
    compiler its addons take their prebuilt binaries, and nothing compiles under QEMU."""
    stage, instr = d.stage, d.instr
    if _NODE_IMAGE.search(stage_chain(model, stage)[0].base.lower().split("@")[0]) is None:
        return no_fix("the stage is not on a Node image")
    odd = [t for t in model.targets if (t[0], t[1]) not in _PREBUILT]
    if odd:
        return no_fix(f"addons ship prebuilt binaries for linux/amd64 and linux/arm64, not for {'/'.join(odd[0][:2])}")
    tool = invocation(d.runner)
    if tool is None:
        return no_fix("the command is dynamic")
    owners = [p for p in _global_packages(model, stage, instr) if tool.tool in re.split(r"[-_./@]", p)]
    if not owners:
        return no_fix(f"`{tool.tool}` is not a program installed from npm")
    taken = _without_toolchain(model, stage, instr)
    if isinstance(taken, str):
        return no_fix(taken)
    if taken[1] or not taken[0]:
        return no_fix("the compiler install cannot be taken out of the step")
    return Plan(taken[0], applicability="unsafe",
                title=f"Drop node-gyp's compiler from the step: `{d.compile.label}` (from `{owners[0]}`) takes its "
                      "addons' prebuilt binaries for linux/amd64 and linux/arm64",
                note="unsafe: an addon without a prebuilt binary for the target then fails to install instead "
                     "of compiling under QEMU")


def make_note(model: Model, stage: Stage) -> str:
    """The caveat of moving a Node stage whose make was not read (empty when every make was read)."""
    for instr, cmd in stage_commands(model, stage):
        comp = classify(cmd)
        if comp is not None and js_make(model, stage, instr, comp) == "assumed":
            return MAKE_NOTE
    return ""


# BEFORE/AFTER examples (run by tests/test_fix_recipes.py)
EXAMPLES: list[Example] = [
    Example(
        "assets",
        before="""\
FROM node:20 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM nginx:1.27-alpine
COPY --from=build /app/dist /usr/share/nginx/html
""",
        after="""\
FROM --platform=$BUILDPLATFORM node:20 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM nginx:1.27-alpine
COPY --from=build /app/dist /usr/share/nginx/html
""",
    ),
    Example(
        "make-assets",
        before="""\
FROM node:20-alpine AS ui
RUN apk add --no-cache make
WORKDIR /src
COPY ui .
RUN make build

FROM golang:1.22 AS build
WORKDIR /src
COPY . .
COPY --from=ui /src/dist ./ui/dist
RUN CGO_ENABLED=0 go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /app
""",
        after="""\
FROM --platform=$BUILDPLATFORM node:20-alpine AS ui
RUN apk add --no-cache make
WORKDIR /src
COPY ui .
RUN make build

FROM --platform=$BUILDPLATFORM golang:1.22 AS build
WORKDIR /src
COPY . .
COPY --from=ui /src/dist ./ui/dist
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /app
""",
    ),
    Example(
        "make-read",
        before="""\
FROM node:20 AS ui
WORKDIR /ui
COPY . .
RUN make install build

FROM nginx:1.27-alpine
COPY --from=ui /ui/build /usr/share/nginx/html
""",
        after="""\
FROM --platform=$BUILDPLATFORM node:20 AS ui
WORKDIR /ui
COPY . .
RUN make install build

FROM nginx:1.27-alpine
COPY --from=ui /ui/build /usr/share/nginx/html
""",
        unsafe=False,  # the Makefile shows make runs yarn only: a safe move
        context={"Makefile": ".PHONY: install build\ninstall:\n\tyarn install\nbuild:\n\tyarn build\n"},
    ),
    Example(
        "make-native",  # a C compiler in the stage: make may compile, so the C recipe cross-compiles it
        before="""\
FROM node:20-alpine AS ui
RUN apk add --no-cache make g++ python3
WORKDIR /ui
COPY . .
RUN make dist

FROM nginx:1.27-alpine
COPY --from=ui /ui/dist /usr/share/nginx/html
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM node:20-alpine AS ui
COPY --from=xx / /
RUN apk add --no-cache make g++ python3 clang lld
WORKDIR /ui
COPY . .
ARG TARGETPLATFORM
RUN xx-apk add --no-cache musl-dev gcc g++
RUN make CC=xx-clang CXX=xx-clang++ dist

FROM nginx:1.27-alpine
COPY --from=ui /ui/dist /usr/share/nginx/html
""",
    ),
    Example(
        "modules",
        before="""\
FROM node:20 AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM node:20-slim
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
CMD ["node", "dist/server.js"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM node:20 AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM node:20-slim AS build-prod
WORKDIR /app
COPY . .
RUN npm ci --omit=dev

FROM node:20-slim
WORKDIR /app
COPY --from=build-prod /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
CMD ["node", "dist/server.js"]
""",
    ),
    Example(
        # Next.js `output: "standalone"`: the traced node_modules of the build platform get the target's
        # production node_modules laid over them
        "next-standalone",
        before="""\
FROM node:22-alpine AS deps
WORKDIR /app
COPY package.json pnpm-lock.yaml ./
RUN apk add --no-cache libc6-compat \\
 && apk add --no-cache --virtual .gyp python3 make g++ \\
 && npm install -g pnpm
RUN pnpm install --frozen-lockfile

FROM node:22-alpine AS builder
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm install -g pnpm && pnpm run build

# the runtime
FROM node:22-alpine AS runner
WORKDIR /app
COPY --from=builder --chown=1000:1000 /app/.next/standalone ./
COPY --from=builder /app/.next/static ./.next/static
CMD ["node", "server.js"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM node:22-alpine AS deps
WORKDIR /app
COPY package.json pnpm-lock.yaml ./
RUN apk add --no-cache libc6-compat \\
 && apk add --no-cache --virtual .gyp python3 make g++ \\
 && npm install -g pnpm
RUN pnpm install --frozen-lockfile

FROM --platform=$BUILDPLATFORM node:22-alpine AS builder
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm install -g pnpm && pnpm run build

FROM node:22-alpine AS deps-prod
WORKDIR /app
COPY package.json pnpm-lock.yaml ./
RUN apk add --no-cache libc6-compat \\
 && npm install -g pnpm
RUN pnpm install --frozen-lockfile --prod

# the runtime
FROM node:22-alpine AS runner
WORKDIR /app
COPY --from=builder --chown=1000:1000 /app/.next/standalone ./
COPY --from=deps-prod --chown=1000:1000 /app/node_modules ./node_modules
COPY --from=builder /app/.next/static ./.next/static
CMD ["node", "server.js"]
""",
    ),
    Example(
        "modules-full-image",
        before="""\
FROM node:20 AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM node:20
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
""",
        reason="`node:20` ships a C compiler, so a production install on it for the target compiles addons "
               "under QEMU too: use a -slim or -alpine runtime image",
    ),
    Example(
        "modules-yarn",
        before="""\
FROM node:20-alpine AS build
WORKDIR /app
COPY . .
RUN yarn install --immutable && yarn build

FROM node:20-alpine
COPY --from=build /app/node_modules /app/node_modules
COPY --from=build /app/dist /app/dist
""",
        reason="`yarn install` has no one production-install flag here (yarn 1 `--production`, yarn 2+ `workspaces "
               "focus --production`): install the runtime's node_modules for the target by hand",
    ),
    Example(
        # one install per lockfile, all on a shared base stage that the runtime is built on too
        "next-lockfiles",
        before="""\
FROM node:22-alpine AS base

FROM base AS deps
WORKDIR /app
COPY package.json yarn.lock* package-lock.json* ./
RUN if [ -f yarn.lock ]; then yarn --frozen-lockfile; \\
    elif [ -f package-lock.json ]; then npm ci; \\
    else exit 1; fi

FROM base AS builder
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run build

FROM base AS runner
WORKDIR /app
COPY --from=builder /app/.next/standalone ./
COPY --from=builder /app/.next/static ./.next/static
CMD ["node", "server.js"]
""",
        after="""\
FROM node:22-alpine AS base

FROM --platform=$BUILDPLATFORM node:22-alpine AS deps-base

FROM deps-base AS deps
WORKDIR /app
COPY package.json yarn.lock* package-lock.json* ./
RUN if [ -f yarn.lock ]; then yarn --frozen-lockfile; \\
    elif [ -f package-lock.json ]; then npm ci; \\
    else exit 1; fi

FROM --platform=$BUILDPLATFORM node:22-alpine AS builder-base

FROM builder-base AS builder
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run build

FROM base AS deps-prod
WORKDIR /app
COPY package.json yarn.lock* package-lock.json* ./
RUN if [ -f yarn.lock ]; then yarn --frozen-lockfile --production; \\
    elif [ -f package-lock.json ]; then npm ci --omit=dev; \\
    else exit 1; fi

FROM base AS runner
WORKDIR /app
COPY --from=builder /app/.next/standalone ./
COPY --from=deps-prod /app/node_modules ./node_modules
COPY --from=builder /app/.next/static ./.next/static
CMD ["node", "server.js"]
""",
    ),
    Example(
        # the build writes its bundle into the source tree and removes node_modules: the tree is arch-neutral
        "source-tree",
        before="""\
FROM node:20-alpine AS ui
COPY web /srv/web
WORKDIR /srv/web
RUN npm ci && npm run bundle && rm -rf node_modules

FROM python:3.12-slim
COPY --from=ui /srv/web /srv/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM node:20-alpine AS ui
COPY web /srv/web
WORKDIR /srv/web
RUN npm ci && npm run bundle && rm -rf node_modules

FROM python:3.12-slim
COPY --from=ui /srv/web /srv/app
""",
    ),
    Example(
        "deploy-modules",
        before="""\
FROM node:20-alpine AS build
WORKDIR /src
COPY . .
RUN corepack enable && pnpm install --frozen-lockfile && pnpm run build
RUN pnpm --filter=api deploy /out/api --prod

FROM node:20-alpine
COPY --from=build /out/api /app
""",
        reason="`/out/api` holds the node_modules installed in `/out/api`: its native addons would be the build "
               "platform's",
    ),
    Example(
        # node-gyp's compiler installed for one step around a Node program's install: prebuilt addons instead
        "gyp-toolchain",
        before="""\
FROM node:22-bookworm-slim
RUN npm install -g "blog-cli@1.2.3"
RUN set -eux; \\
    apt-get update; \\
    apt-get install -y --no-install-recommends g++ make python3; \\
    blog install 5.0 --dir /srv/blog; \\
    apt-get purge -y --auto-remove g++ make python3; \\
    rm -rf /var/lib/apt/lists/*
""",
        after="""\
FROM node:22-bookworm-slim
RUN npm install -g "blog-cli@1.2.3"
RUN set -eux; \\
    apt-get update; \\
    blog install 5.0 --dir /srv/blog; \\
    apt-get purge -y --auto-remove g++ make python3; \\
    rm -rf /var/lib/apt/lists/*
""",
    ),
    Example(
        "gyp-toolchain-other-target",
        before="""\
FROM node:22-bookworm-slim
RUN npm install -g blog-cli
RUN apt-get update && apt-get install -y g++ make python3 && blog install 5.0 && apt-get purge -y g++
""",
        platforms=("linux/amd64", "linux/arm64", "linux/s390x"),
        reason="xlint does not know what `blog install` builds or needs, and keeps its compiler: addons ship prebuilt "
               "binaries for linux/amd64 and linux/arm64, not for linux/s390x",
    ),
    Example(
        "generated-client",  # refused: the Prisma client generated into node_modules after the install
        before="""\
FROM node:22-alpine AS deps
WORKDIR /srv
COPY package.json package-lock.json ./
COPY schema.prisma ./
RUN npm ci
RUN npx prisma generate --schema schema.prisma
COPY . .
RUN npm run build

FROM node:22-alpine
WORKDIR /srv
COPY --from=deps /srv/node_modules ./node_modules
COPY --from=deps /srv/build ./build
CMD ["node", "build/index.js"]
""",
        reason="`npx prisma generate --schema schema.prisma` writes into node_modules after the install",
    ),
    Example(
        "postinstall-patches",  # refused: package.json's postinstall patches node_modules with a dev tool
        before="""\
FROM node:20-slim AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM node:20-slim
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
CMD ["node", "dist/main.js"]
""",
        context={"package.json": '{"scripts": {"postinstall": "patch-package", "build": "tsc"}, '
                                 '"devDependencies": {"patch-package": "^8.0.0"}}\n'},
        reason="the `postinstall` script of package.json (`patch-package`) writes into node_modules",
    ),
]
