"""The install split (unsafe): a stage that must stay on the target (the image itself) builds a C library
or tool from fetched sources in one step of a RUN (fetch, configure, make, make install). That step moves
to a builder stage of its own on the build platform, which cross-compiles it with tonistiigi/xx and
installs it into ``/out`` (``DESTDIR``); the image copies the installed tree from there and keeps the rest
of its RUN (downloads, packages) as it was.

The step is recognised only when it is self-contained: the sources are fetched into one folder in the
same step (``git clone``, ``curl | tar``), the build is autotools (``./configure`` or an ``./autogen.sh``
that runs it) or CMake, it writes nothing outside its folder but through ``make install``, and nothing
after it in the stage reads that folder.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from xlint.diagnostics import Edit
from xlint.fixes.chains import drop_build_packages, separator, text_with_edits
from xlint.fixes.outputs import resolve_path, workdir_at
from xlint.fixes.plan import Example, Plan, no_fix
from xlint.fixes.runtimes import name_of, pgo_flag, pgo_reason, runtime_of, runtime_reason
from xlint.fixes.stages import numeric_reference
from xlint.fixes.style import block_start, chain_after, keyword, line_start, shell_style
from xlint.fixes.xx import XX_IMAGE, Distro, stage_distro, target_libraries
from xlint.model import Model, Stage, expand_word, stage_chain, variable_references
from xlint.records import record
from xlint.rx import rx
from xlint.shell import SimpleCommand, Word, assignments, run_commands
from xlint.syntax.tree import Instruction
from xlint.toolchains import classify, package_manager_install, package_name

INSTALL_SPLIT_TITLE = ("Build the fetched C sources in a `--platform=$BUILDPLATFORM` stage with tonistiigi/xx "
                       "and COPY what their install step installs")
_OUT = "/out"
_FETCH = frozenset({"git", "curl", "wget", "tar", "unzip", "bsdtar"})
# commands a self-contained build step may run besides the build tools
_STEP = frozenset({"cd", "git", "curl", "wget", "tar", "unzip", "bsdtar", "mkdir", "patch", "sed", "echo", "printf",
                   "sha256sum", "sha512sum", "true", ":", "autoreconf", "autoconf", "automake", "aclocal",
                   "libtoolize", "autoheader", "nproc", "cp", "mv", "ln", "rm", "touch", "chmod", "test", "["})
_HELPERS = frozenset({"rm", "sha256sum", "sha512sum", "sha1sum", "md5sum", "echo", "printf", "true", ":"})
_WRITES = frozenset({"cp", "mv", "ln", "rm", "mkdir", "touch", "chmod", "sed", "patch"})
_BUILD_TOOLS = frozenset({"make", "gmake", "ninja", "cmake"})
_DIR_FLAGS = ("--prefix", "--exec-prefix", "--bindir", "--sbindir", "--libexecdir", "--sysconfdir",
              "--localstatedir", "--libdir", "--includedir", "--datarootdir", "--datadir", "--mandir", "--docdir")
_ROOT = frozenset({"root", "0", "root:root", "0:0"})
_BUILD_ENV = frozenset({"CC", "CXX", "CPP", "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "LIBS", "PKG_CONFIG_PATH",
                        "MAKEFLAGS", "PATH", "LD_LIBRARY_PATH", "ACLOCAL_PATH", "CMAKE_PREFIX_PATH", "AR", "LD"})
_REPO_FLAGS = {"apk": ("--repository", "-X", "--allow-untrusted"), "apt-get": ("-t", "--target-release"),
               "apt": ("-t", "--target-release")}  # installs from a repository of their own
_SHELL_VARS = frozenset({"PATH", "HOME", "PWD", "OLDPWD", "SHELL", "USER", "HOSTNAME", "TERM", "IFS"})


def _is_configure(c: SimpleCommand) -> bool:
    return c.basename == "configure" and "/" in (c.name or "")


def _is_autogen(c: SimpleCommand) -> bool:
    return c.basename in ("autogen.sh", "bootstrap.sh") and "/" in (c.name or "")


def _is_cmake_configure(c: SimpleCommand) -> bool:
    vals = c.args()
    return c.basename == "cmake" and not any(v in ("--build", "--install", "-E", "-P") for v in vals)


def _is_install(c: SimpleCommand) -> bool:
    vals = c.args()
    if c.basename in ("make", "gmake", "ninja"):
        return any(v is not None and v.startswith("install") for v in vals)
    if c.basename != "cmake":
        return False
    targets = [vals[k + 1] for k, v in enumerate(vals[:-1]) if v in ("--target", "-t")]
    return "--install" in vals or ("--build" in vals and "install" in targets)


def _mentions(c: SimpleCommand, src: str, cwd: str | None) -> bool:
    for w in c.argv[1:]:
        v = w.value
        if v is None:
            continue
        path = resolve_path(cwd, v) if not v.startswith("-") and "://" not in v else None
        if path is not None and (path.rstrip("/") == src or path.startswith(src + "/")):
            return True
    return False


def _paths(c: SimpleCommand, cwd: str | None) -> set[str]:
    """The files a fetch command names (its path words, resolved), and what a download writes without
    naming it (`wget URL`, `curl -O URL`: the URL's last part in the working directory)."""
    out: set[str] = set()
    vals = c.args()
    for v in vals:
        if v is None or v.startswith("-") or v == "-":
            continue
        if "://" in v:
            if cwd is not None and (c.basename == "wget" and not any(
                    x is not None and x.startswith(("-O", "--output-document")) for x in vals) or (
                    c.basename == "curl" and any(x is not None and (x == "-O" or (
                        x.startswith("-") and not x.startswith("--") and "O" in x)) for x in vals))):
                name = v.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
                if name:
                    out.add(posixpath.join(cwd, name))
            continue
        path = resolve_path(cwd, v)
        if path is not None:
            out.add(path.rstrip("/"))
    return out


def _unpacks_into(c: SimpleCommand, cwd: str | None) -> str | None:
    """The folder a `tar -x...`/`unzip` unpacks an archive's top folder into: the working directory, or
    the folder of `-C DIR`/`--directory=DIR`/`-d DIR`; None for other commands, for an unpack that strips
    the top folder (`--strip-components`: the folder named is the sources' own) and for a dynamic folder."""
    vals = [v or "" for v in c.args()]
    target: str | None = cwd
    if c.basename == "unzip":
        if "-d" in vals:
            k = vals.index("-d")
            target = resolve_path(cwd, vals[k + 1]) if k + 1 < len(vals) and vals[k + 1] else None
        return target.rstrip("/") or "/" if target else None
    if c.basename not in ("tar", "bsdtar"):
        return None
    extract = any(v.startswith("--extract") or (v.startswith("-") and not v.startswith("--") and "x" in v)
                  or (not v.startswith("-") and k == 0 and "x" in v) for k, v in enumerate(vals))
    if not extract or any(v.startswith("--strip-components") for v in vals):
        return None
    for k, v in enumerate(vals):
        value = None
        if v in ("-C", "--directory"):
            value = vals[k + 1] if k + 1 < len(vals) else ""
        elif v.startswith("--directory="):
            value = v.split("=", 1)[1]
        elif v.startswith("-C") and len(v) > 2:
            value = v[2:]
        elif v.startswith("-") and not v.startswith("--") and v.endswith("C"):
            value = vals[k + 1] if k + 1 < len(vals) else ""  # `-xzC DIR`
        elif v.startswith("-") and not v.startswith("--") and "C" in v:
            return None
        if value is not None:
            target = resolve_path(cwd, value) if value else None  # (a dynamic word's value is "")
    return target.rstrip("/") or "/" if target else None


def _known_value(model: Model, stage: Stage, run: Instruction, word: Word) -> str | None:
    """A word's value, with the stage's ARG/ENV values put in (`cd /usr/src/Python-${PY}` after
    `ARG PY=3.12.4`); None when it reads a variable that is unknown or set in the RUN itself."""
    if word.value is not None:
        return word.value
    refs = {name for name, _s, _e in variable_references(word.raw, model.tree.escape)}
    if not refs or refs & {a.name for a in assignments(run)}:
        return None
    env = model.env_before(stage, run)
    if not all(isinstance(env.get(r), str) for r in refs):
        return None
    return expand_word(word.raw, env, model.tree.escape)


# commands whose bare words are not paths (packages, users, text)
_NO_PATHS = frozenset({"apk", "apt-get", "apt", "dpkg", "echo", "printf", "true", ":", "export", "set", "adduser",
                       "addgroup", "useradd", "groupadd", "usermod", "update-ca-certificates", "ldconfig", "nproc"})
_MODE = rx(r"^(?:[0-7]{3,4}|[ugoa]*[-+=][rwxXst]+(?:,[ugoa]*[-+=][rwxXst]+)*)$")


def _relative_paths(c: SimpleCommand) -> str | None:
    """A word of ``c`` that may name a path relative to the working directory (a bare `lib.so`, `doc/x`,
    `.`), or None. Package managers and echo take no paths; numbers, flags, absolute paths, URLs and
    chmod modes are not relative paths."""
    if c.basename in _NO_PATHS:
        return None
    if c.name is None or not c.name.startswith("/") and "/" in c.name:
        return c.name or c.argv[0].raw
    for k, w in enumerate(c.argv[1:]):
        v = w.value
        if v is None:
            bare = w.raw.lstrip("\"'")
            if not bare.startswith(("$", "/", "-")) and "://" not in bare:
                return w.raw
            continue
        if not v or v.startswith(("/", "-")) or v.isdigit() or "://" in v or (
                c.basename == "chmod" and k == 0 and _MODE.match(v)):
            continue
        return v
    return None


@record
class _Step:
    """The build step of a RUN: ``top[first:last + 1]`` of its top-level commands (pipelines included),
    from the fetch to the install, building the sources in ``src``."""

    run: Instruction
    cmds: list[SimpleCommand]  # every command of the RUN, nested ones included
    top: list[SimpleCommand]
    first: int
    last: int
    cd_at: int  # the `cd` into the sources
    src: str
    cwds: list[str | None]  # the working directory at each top-level command
    files: set[str]  # files the fetch writes and reads (archives)
    configures: list[int]

    @property
    def commands(self) -> list[SimpleCommand]:
        return self.top[self.first:self.last + 1]

    @property
    def inner(self) -> list[SimpleCommand]:
        start, end = self.top[self.first].span.start, self.top[self.last].span.end
        return [c for c in self.cmds if start <= c.span.start < end]


def _find_step(model: Model, stage: Stage) -> _Step | str:
    """The stage's one self-contained build step, or why there is none."""
    tree = model.tree
    runs = [ins for ins in stage.instructions if ins.keyword == "RUN" and any(
        (comp := classify(c)) is not None and comp.toolchain == "c" for c in run_commands(ins))]
    if len(runs) != 1:
        return "the stage compiles in more than one RUN"
    run = runs[0]
    if run.json or run.heredocs:
        return "the compile RUN is in exec form or a heredoc"
    user = None
    for ins in stage.instructions:
        if ins is run:
            break
        if ins.keyword == "USER" and ins.args:
            user = ins.args[0].value
    if user is not None and user not in _ROOT:
        return "the compile runs as another user than root"
    cmds = run_commands(run)
    top = [c for c in cmds if not set(c.context) - {"|"}]
    compiles = [i for i, c in enumerate(top) if (comp := classify(c)) is not None and comp.toolchain == "c"]
    installs = [i for i, c in enumerate(top) if _is_install(c)]
    if not compiles or not installs or installs[-1] < compiles[-1]:
        return "the build does not end with `make install`"
    last = installs[-1]
    for c in top[:compiles[0]]:  # a runtime's own sources, whatever configures them (Perl's ./Configure)
        target = _known_value(model, stage, run, c.argv[1]) if c.basename == "cd" and len(c.argv) == 2 else None
        runtime = runtime_of([target]) if target else None
        if runtime is not None:
            return runtime_reason(runtime, target or "")
    configures = [i for i, c in enumerate(top) if _is_configure(c) or _is_cmake_configure(c)
                  or (_is_autogen(c) and not any(_is_configure(d) for d in top[i + 1:last + 1]))]
    if not configures or configures[0] > compiles[0]:
        return ("only autotools (`./configure`) and CMake builds are split out (the compiler of a plain "
                "make is unknown)")
    # the source folder: the last `cd` before the configure step
    cwd: str | None = workdir_at(model, stage, run)  # None: the image's own WORKDIR
    cwds: list[str | None] = []
    src: str | None = None
    cd_at = -1
    for i, c in enumerate(top):
        cwds.append(cwd)
        if c.basename == "cd":
            target = _known_value(model, stage, run, c.argv[1]) if len(c.argv) == 2 else None
            cwd = resolve_path(cwd, target) if target is not None else None
            cwd = cwd.rstrip("/") or "/" if cwd is not None else None
            if i < configures[0]:
                src, cd_at = cwd, i
    if src is None or cd_at < 0 or src == "/":
        cds = [c for c in top[:configures[0]] if c.basename == "cd"]
        if cds and len(cds[-1].argv) == 2 and cds[-1].argv[1].value is None:
            word = cds[-1].argv[1]
            runtime = runtime_of([name_of(None, word.raw)])
            if runtime is not None:
                return runtime_reason(runtime, word.raw)
            refs = [n for n, _s, _e in variable_references(word.raw, tree.escape)]
            set_here = [n for n in refs if n in {a.name for a in assignments(run)}]
            env = model.env_before(stage, run)
            if set_here:
                where = f"`${set_here[0]}`, set earlier in the RUN"
            else:
                name = next((n for n in refs if not isinstance(env.get(n), str)), refs[0] if refs else "?")
                where = (f"`${name}`, a build argument without a default" if name in set(iter(env))
                         else f"`${name}`, which the Dockerfile does not set (it may come from the base image)")
            return f"the folder of the sources, `cd {word.raw}`, reads {where}: where the sources are is unknown"
        return "the build does not `cd` into the folder of its sources"
    runtime = runtime_of([src])
    if runtime is not None:
        return runtime_reason(runtime, src)
    pgo = pgo_flag(v for c in top[configures[0]:last + 1] for v in c.args())
    if pgo is not None:
        return pgo_reason(pgo)
    # walk back from the `cd` over the commands (whole pipelines) that fetch into that folder: they name
    # it, or a file an included command reads (`curl -o x.tgz` before `tar -xzf x.tgz -C DIR`), or they
    # unpack an archive in the folder's parent (`tar -xf x.tgz` before `cd x`)
    first = cd_at
    files: set[str] = set()
    pending: set[str] = set()  # paths of cleanup and checksum steps, kept when an earlier fetch ties them in
    i = cd_at - 1
    while i >= 0:
        j = i
        while j > 0 and "|" in top[j].context and "|" in top[j - 1].context and separator(
                tree.text[top[j - 1].span.end:top[j].span.start], tree.escape, ("|",)):
            j -= 1
        group = top[j:i + 1]
        paths = {p for k, c in enumerate(group) for p in _paths(c, cwds[j + k])}
        unpacks = first == cd_at and any(_unpacks_into(c, cwds[j + k]) == posixpath.dirname(src)
                                         for k, c in enumerate(group))
        if any(_mentions(c, src, cwds[j + k]) for k, c in enumerate(group)) or paths & (files | pending) or unpacks:
            files |= paths | pending
            pending = set()
            first = j
        elif all(c.basename in _HELPERS for c in group):
            pending |= paths
        else:
            break
        i = j - 1
    if compiles[0] < first:
        return "the RUN compiles before the step that fetches and builds its sources"
    if not any(c.basename in _FETCH for c in top[first:cd_at]):
        fetch = next((c for c in top[:cd_at] if c.basename in _FETCH), None)
        if fetch is not None:
            return (f"`{fetch.name}` fetches something before the build, but nothing ties it to `{src}`, "
                    "the folder the build runs in")
        return f"the sources in `{src}` are not fetched in the same RUN (git clone, curl | tar)"
    urls = [name_of(_known_value(model, stage, run, w), w.raw) for c in top[first:cd_at] if c.basename in _FETCH
            for w in c.argv[1:] if "://" in w.raw]
    for url in urls:
        runtime = runtime_of([url])
        if runtime is not None:
            return runtime_reason(runtime, url)
    return _Step(run, cmds, top, first, last, cd_at, src, cwds, files, configures)


def _check_step(model: Model, stage: Stage, st: _Step) -> str:
    """Why the step cannot run in a stage of its own ("" when it can): it runs only fetch and build tools,
    writes only into its folder, is joined by `&&`, and reads no shell variable set before it."""
    tree, run, top, first, last, src, cwds, files = model.tree, st.run, st.top, st.first, st.last, st.src, st.cwds, st.files
    step = st.commands
    for k, c in enumerate(step):
        comp = classify(c)
        if c.basename not in _STEP and c.basename not in _BUILD_TOOLS and not _is_configure(c) and not _is_autogen(c):
            return f"the build step also runs `{c.name}`"
        if comp is not None and comp.toolchain == "c" and c.basename not in _BUILD_TOOLS and not _is_configure(c):
            return f"`{comp.label}` is not rewritten (only configure/CMake builds are split out)"
        if c.basename in _WRITES:
            for w in c.argv[1:]:
                path = resolve_path(cwds[first + k], w.value) if w.value and not w.value.startswith("-") else None
                if w.value is None or (path is not None and path.startswith("/") and path not in files and not (
                        path.rstrip("/") == src or path.startswith(src + "/") or path.startswith("/tmp/"))):
                    if c.basename != "mkdir" or w.value is None:
                        return (f"`{c.name}` in the build step writes outside its folder: the image would "
                                "lose what it writes")
    # the step's commands are joined by && (or pipes), and so is the step to the rest of the RUN
    esc = tree.escape
    inner = st.inner
    if any(set(c.context) - {"|", "$(...)", "`...`"} for c in inner):
        return "the build step is inside a shell construct (if/for/subshell)"
    for a, b in zip(step, step[1:], strict=False):
        if separator(tree.text[a.span.end:b.span.start], esc, ("&&", "|")) is None:
            return "the commands of the build step are not joined by `&&`"
    before = top[first - 1] if first > 0 else None
    after = top[last + 1] if last + 1 < len(top) else None
    if before is not None and separator(tree.text[before.span.end:step[0].span.start], esc, ("&&", ";")) is None:
        return "the build step is not joined to the commands before it by `&&`"
    if after is not None and separator(tree.text[step[-1].span.end:after.span.start], esc, ("&&", ";")) is None:
        return "the build step is not joined to the commands after it by `&&`"
    if after is None and tree.text[step[-1].span.end:run.span.end].strip(f" \t\r\n{esc}"):
        return "the build step ends with a redirection or a construct"
    # the step reads only the stage's ARG/ENV and what it sets itself: not shell variables set before it
    known = set(model.env_before(stage, run)) | _SHELL_VARS
    own = {a.name for a in assignments(run) if step[0].span.start <= a.span.start < step[-1].span.end}
    own |= {e.name for c in inner for e in c.env}
    for assign in assignments(run):
        if assign.span.start < step[0].span.start and assign.name in _BUILD_ENV:
            return (f"`{assign.name}` is set earlier in the RUN for the build, which its own stage would "
                    "not have")
    for name, _s, _e in variable_references(tree.text[step[0].span.start:step[-1].span.end], esc):
        if name not in known and name not in own:
            return f"the build step reads `${name}`, set earlier in the RUN, which its own stage would not have"
    return ""


def _after_step(model: Model, stage: Stage, st: _Step) -> list[Edit] | str:
    """Edits for what follows the step in the stage (a relative `cd` made absolute), or why it reads the
    step's folder."""
    run, top, last, src, cwds = st.run, st.top, st.last, st.src, st.cwds
    # nothing after the step reads the folder (but to remove it) or a path relative to the step's `cd`
    back: list[Edit] = []
    for c in top[last + 1:]:
        if c.basename == "cd":
            target = _known_value(model, stage, run, c.argv[1]) if len(c.argv) == 2 else None
            if target is not None and not target.startswith("/"):
                # relative to where the build left the shell: made absolute, as the step no longer runs
                where = resolve_path(cwds[last], target)
                if where is None or where.rstrip("/") == src or where.startswith(src + "/"):
                    return f"`cd {target}` after the build stays in its folder"
                w = c.argv[1]
                back.append(Edit(w.span.start, w.span.end, where.rstrip("/") or "/"))
            elif target is None:
                return "a `cd` after the build is dynamic"
            break
        if c.basename != "rm" and _mentions(c, src, "/"):
            return f"`{c.name}` after the build reads `{src}`"
        rel = _relative_paths(c)
        if rel is not None:
            return f"`{rel}` after the build may be a path relative to `{src}`, where the build ran"
    for ins in stage.instructions:
        if ins.span.start > run.span.start and ins.keyword == "RUN" and any(
                _mentions(c, src, "/") for c in run_commands(ins)):
            return f"a later RUN reads `{src}`"
    return back


def compiles_later(model: Model, stage: Stage, run: Instruction) -> bool:
    """A RUN after ``run`` in ``stage``, or in a stage built on it, compiles or installs packages that may
    (`pip install`, `gem install`, `npm ci`): a compiler the stage installs may serve it."""
    for st in model.stages:
        if stage not in stage_chain(model, st):
            continue
        for ins in st.instructions:
            if ins.keyword == "RUN" and (st is not stage or ins.span.start > run.span.start) and any(
                    classify(c) is not None for c in run_commands(ins)):
                return True
    return False


def _cross_edits(st: _Step) -> tuple[list[Edit], list[str]] | str:
    """The edits that make the step cross-compile and install into /out, and the folders it installs to."""
    top, configures, step = st.top, st.configures, st.commands
    # the cross-compile edits of the step, and where `make install` puts files
    edits: list[Edit] = []
    dirs: list[str] = []
    for c in step:
        vals = c.args()
        word = c.argv[0]
        if _is_configure(c) or (_is_autogen(c) and top.index(c) in configures):
            if any(v is not None and v.startswith(("--host", "CC=", "--target")) for v in vals) or any(
                    e.name in ("CC", "CXX") for e in c.env):
                return "the configure already picks a host or a compiler"
            edits.append(Edit(word.span.start, word.span.start, "CC=xx-clang CXX=xx-clang++ "))
            edits.append(Edit(c.span.end, c.span.end, " --host=$(xx-clang --print-target-triple)"))
            prefix = "/usr/local"
            for k, v in enumerate(vals):
                for flag in _DIR_FLAGS:
                    value = v[len(flag) + 1:] if v is not None and v.startswith(flag + "=") else (
                        vals[k + 1] if v == flag and k + 1 < len(vals) else None)
                    if value is None and v is not None and (v.startswith(flag + "=") or v == flag):
                        return f"`{flag}` of the configure is dynamic: where it installs is unknown"
                    if value is None:
                        continue
                    if flag == "--prefix":
                        prefix = value
                    elif value.startswith("/"):
                        dirs.append(value)
            dirs.insert(0, prefix)
        elif _is_cmake_configure(c):
            if any(v is None or v.startswith(("-DCMAKE_TOOLCHAIN_FILE", "-DCMAKE_C_COMPILER", "--toolchain"))
                   for v in vals if v is None or v.startswith("-D")):
                return "the cmake configure already picks a toolchain, or sets a dynamic option"
            edits.append(Edit(c.span.end, c.span.end, " $(xx-clang --print-cmake-defines)"))
            prefix = next((v.split("=", 1)[1] for v in vals if v is not None and v.startswith(
                ("-DCMAKE_INSTALL_PREFIX=", "-DCMAKE_INSTALL_PREFIX:PATH="))), "/usr/local")
            dirs.insert(0, prefix)
        elif _is_install(c):
            if any(v is not None and v.startswith("DESTDIR") for v in vals) or any(e.name == "DESTDIR" for e in c.env):
                return "`make install` already sets DESTDIR"
            if c.basename in ("make", "gmake"):
                edits.append(Edit(c.span.end, c.span.end, f" DESTDIR={_OUT}"))
            else:
                edits.append(Edit(word.span.start, word.span.start, f"DESTDIR={_OUT} "))
    roots: list[str] = []
    for d in dirs:
        d = posixpath.normpath(d)
        if not d.startswith("/") or "$" in d or d == "/":
            return f"the install folder `{d}` is not a fixed absolute path"
        if not any(d == r or d.startswith(r.rstrip("/") + "/") for r in roots):
            roots = [r for r in roots if not r.startswith(d + "/")] + [d]
    return edits, roots


def _builder(model: Model, stage: Stage, st: _Step, distro: Distro, edits: list[Edit], roots: list[str]
             ) -> tuple[str, str] | str:
    """The new stages' text (the xx stage when there is none, then the builder) and the builder's name."""
    tree, run, src, step = model.tree, st.run, st.src, st.commands
    # the builder stage
    nl = tree.newline
    style = shell_style(tree)
    from_instr = stage.from_instr
    fk = keyword(tree, from_instr, "FROM")
    as_kw = "as" if fk == "from" else "AS"
    taken = {s.name.lower() for s in model.stages if s.name}
    base_name = re.sub(r"[^a-z0-9._-]+", "-", posixpath.basename(src).lower()).strip("-._") or "src"
    name = f"{base_name}-build"
    n = 2
    while name in taken:
        name = f"{base_name}-build{n}"
        n += 1
    xx_name = next((s.name for s in model.stages if s.name and s.index < stage.index
                    and s.base.split("@")[0].split(":")[0] == XX_IMAGE), None)  # (defined before it is copied)
    lines: list[str] = []
    if xx_name is None:
        if "xx" in taken:
            return "a stage is already named xx"
        xx_name = "xx"
        lines.append(f"{fk} --platform=$BUILDPLATFORM {XX_IMAGE} {as_kw} xx{nl}")
    image = from_instr.args[0].value
    lines.append(f"{fk} --platform=$BUILDPLATFORM {image} {as_kw} {name}{nl}")
    lines.append(f"{keyword(tree, run, 'COPY')} --from={xx_name} / /{nl}")
    packages: list[str] = []
    for ins in stage.instructions:
        if ins.span.start >= run.span.start:
            break
        if ins.keyword in ("COPY", "ADD") and any(
                f.name.lower() == "chown" and not re.fullmatch(r"\d+(?::\d+)?", f.value or "") for f in ins.flags):
            return "a COPY --chown before the build names a user the builder stage does not have"
        if ins.keyword in ("ARG", "ENV", "SHELL", "WORKDIR", "COPY", "ADD"):
            lines.append(ins.text if ins.text.endswith("\n") else ins.text + nl)
    for ins in stage.instructions:
        if ins.span.start > run.span.start or ins.keyword != "RUN":
            continue
        for c in run_commands(ins):
            if ins is run and c.span.start >= step[0].span.start:
                break
            found = package_manager_install(c)
            if found is None:
                continue
            if any(v is not None and v.startswith(_REPO_FLAGS.get(c.basename or "", ())) for v in c.args()):
                return f"`{c.name}` installs from a repository of its own: the builder's packages would differ"
            for w in found[1]:
                if w.value is None:
                    return f"the package list `{w.raw}` is dynamic: the builder's packages are unknown"
                if w.value not in packages:
                    packages.append(w.value)
    native = [*packages, *(p for p in ("clang", "lld") if p not in {package_name(q) for q in packages})]
    if distro == "alpine":
        lines.append(f"RUN apk add --no-cache {' '.join(native)}{nl}")
        libs = ["musl-dev", "gcc", "g++"]
    else:
        lines.append(f"RUN apt-get update && apt-get install -y --no-install-recommends {' '.join(native)}{nl}")
        libs = ["gcc", "libc6-dev", "g++"]
    libs += [p for p in target_libraries(model, stage, distro) if p not in libs]
    lines.append(f"ARG TARGETPLATFORM{nl}")
    if distro == "alpine":
        lines.append(f"RUN xx-apk add --no-cache {' '.join(libs)}{nl}")
    else:
        lines.append(f"RUN xx-apt-get install -y {' '.join(libs)}{nl}")
    body = text_with_edits(tree.text, step[0].span.start, step[-1].span.end, edits)
    flags = "".join(f"{f.text} " for f in run.flags)
    tail = chain_after(style, [f"mkdir -p {' '.join(_OUT + r for r in roots)}"])
    lines.append(f"{keyword(tree, run, 'RUN')} {flags}{body}{tail}{nl}")
    return "".join(lines) + nl, name


def install_split(model: Model, stage: Stage, context: Path | None) -> Plan:
    """Unsafe fix: the self-contained C build step of ``stage`` (the image, or a stage other stages are
    built FROM) moves to a cross-compiling builder on the build platform; the stage copies what it
    installs."""
    tree = model.tree
    if stage.base_stage is not None or stage.is_scratch or stage.platform.kind != "target":
        return no_fix("the stage is built on another stage or has a --platform")
    if numeric_reference(model) is not None:
        return no_fix("a stage is referred to by its index: a new stage would shift it; name it first")
    distro = stage_distro(model, stage)
    if distro is None:
        return no_fix("unknown distribution of the base image (xx supports Debian, Ubuntu and Alpine)")
    st = _find_step(model, stage)
    if isinstance(st, str):
        return no_fix(st)
    reason = _check_step(model, stage, st)
    if reason:
        return no_fix(reason)
    back = _after_step(model, stage, st)
    if isinstance(back, str):
        return no_fix(back)
    cross = _cross_edits(st)
    if isinstance(cross, str):
        return no_fix(cross)
    edits, roots = cross
    built = _builder(model, stage, st, distro, edits, roots)
    if isinstance(built, str):
        return no_fix(built)
    block, name = built
    run, top, first, last, step = st.run, st.top, st.first, st.last, st.commands
    esc, nl, from_instr = tree.escape, tree.newline, stage.from_instr
    before = top[first - 1] if first > 0 else None
    after = top[last + 1] if last + 1 < len(top) else None
    image = from_instr.args[0].value
    at = block_start(tree, from_instr)
    out = [Edit(at, at, block)]
    copies = "".join(f"{keyword(tree, run, 'COPY')} --from={name} {_OUT}{r} {r}{nl}" for r in roots)
    run_at = block_start(tree, run)
    out.append(Edit(run_at, run_at, copies))
    out.extend(back)
    # the step leaves the RUN (with the operator before it, or after it when it comes first)
    if before is not None:
        out.append(Edit(before.span.end, step[-1].span.end, ""))
    elif after is not None:
        out.append(Edit(step[0].span.start, after.span.start, ""))
    else:
        out.append(Edit(line_start(tree, run), run.span.end, ""))
    rest = [c for k, c in enumerate(top) if not first <= k <= last]
    dropped: list[str] = []
    unused = not compiles_later(model, stage, run)
    if rest:
        out.extend(drop_build_packages(tree.text, esc, rest, unused, dropped))
    if unused:  # the compilers that earlier RUNs of the stage installed for the step
        for ins in stage.instructions:
            if ins.span.start < run.span.start and ins.keyword == "RUN" and not ins.json and not ins.heredocs:
                cmds = [c for c in run_commands(ins) if not set(c.context) - {"|"}]
                out.extend(drop_build_packages(tree.text, esc, cmds, True, dropped))
    how = ("CMake takes the compiler from `xx-clang --print-cmake-defines`" if any(_is_cmake_configure(c) for c in step)
           else "configure and make take the compiler from --host and CC")
    note = f"{how}; what the install puts under {', '.join(roots)} is copied into the image before its RUN"
    if dropped:
        note += (f"; the image no longer installs {', '.join(f'`{d}`' for d in dict.fromkeys(dropped))}, "
                 "which only the build used")
    if "$" in image:
        note += f"; the builder runs the image's own base `{image}` on the build platform: it must be a multi-platform image"
    return Plan(out, applicability="unsafe", title=INSTALL_SPLIT_TITLE, note=note)


# BEFORE/AFTER examples (run by tests/test_fix_recipes.py)
EXAMPLES: list[Example] = [
    Example(
        "autotools-alpine",
        before="""\
FROM alpine:3.20
ARG LIBFOO_VERSION=1.2.3
WORKDIR /usr/src
RUN apk add --no-cache curl ca-certificates zlib \\
    && apk add --no-cache --virtual .build-deps build-base zlib-dev \\
    && mkdir -p /usr/src/libfoo \\
    && curl -fsSL "https://example.org/libfoo-${LIBFOO_VERSION}.tar.gz" | tar -xz --strip-components=1 -C /usr/src/libfoo \\
    && cd /usr/src/libfoo \\
    && ./configure --prefix=/usr/local --sysconfdir=/etc \\
    && make -j"$(nproc)" \\
    && make install \\
    && curl -fsSL -o /usr/local/bin/tool https://example.org/tool \\
    && apk del .build-deps \\
    && rm -rf /usr/src/libfoo
CMD ["foo"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM alpine:3.20 AS libfoo-build
COPY --from=xx / /
ARG LIBFOO_VERSION=1.2.3
WORKDIR /usr/src
RUN apk add --no-cache curl ca-certificates zlib build-base zlib-dev clang lld
ARG TARGETPLATFORM
RUN xx-apk add --no-cache musl-dev gcc g++ zlib-dev
RUN mkdir -p /usr/src/libfoo \\
    && curl -fsSL "https://example.org/libfoo-${LIBFOO_VERSION}.tar.gz" | tar -xz --strip-components=1 -C /usr/src/libfoo \\
    && cd /usr/src/libfoo \\
    && CC=xx-clang CXX=xx-clang++ ./configure --prefix=/usr/local --sysconfdir=/etc --host=$(xx-clang --print-target-triple) \\
    && make -j"$(nproc)" \\
    && make install DESTDIR=/out \\
    && mkdir -p /out/usr/local /out/etc

FROM alpine:3.20
ARG LIBFOO_VERSION=1.2.3
WORKDIR /usr/src
COPY --from=libfoo-build /out/usr/local /usr/local
COPY --from=libfoo-build /out/etc /etc
RUN apk add --no-cache curl ca-certificates zlib \\
    && curl -fsSL -o /usr/local/bin/tool https://example.org/tool \\
    && rm -rf /usr/src/libfoo
CMD ["foo"]
""",
    ),
    Example(
        "cmake-debian",
        before="""\
FROM debian:bookworm-slim
RUN apt-get update \\
    && apt-get install -y --no-install-recommends ca-certificates git cmake g++ make \\
    && git clone --depth 1 https://example.org/bar.git /opt/bar \\
    && cd /opt/bar \\
    && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \\
    && cmake --build build -j 4 \\
    && cmake --install build \\
    && cd / && rm -rf /opt/bar \\
    && apt-get purge -y git cmake g++ make && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["bar"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS bar-build
COPY --from=xx / /
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates git cmake g++ make clang lld
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev g++
RUN git clone --depth 1 https://example.org/bar.git /opt/bar \\
    && cd /opt/bar \\
    && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release $(xx-clang --print-cmake-defines) \\
    && cmake --build build -j 4 \\
    && DESTDIR=/out cmake --install build \\
    && mkdir -p /out/usr/local

FROM debian:bookworm-slim
COPY --from=bar-build /out/usr/local /usr/local
RUN apt-get update \\
    && apt-get install -y --no-install-recommends ca-certificates \\
    && cd / && rm -rf /opt/bar \\
    && apt-get purge -y git cmake g++ make && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["bar"]
""",
    ),
    Example(
        "wget-tar-cd",  # unpacked in the folder's parent; `cd ..` after the build is made absolute
        before="""\
FROM debian:bookworm-slim
WORKDIR /usr/src
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates wget build-essential \\
    && wget https://example.org/qux-1.2.tar.gz \\
    && echo "0123abcd  qux-1.2.tar.gz" | sha256sum -c - \\
    && tar -xzf qux-1.2.tar.gz \\
    && rm qux-1.2.tar.gz \\
    && cd qux-1.2 \\
    && ./configure --prefix=/usr/local \\
    && make -j"$(nproc)" \\
    && make install \\
    && cd .. \\
    && rm -rf qux-1.2 \\
    && apt-get purge -y --auto-remove build-essential wget
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS qux-1.2-build
COPY --from=xx / /
WORKDIR /usr/src
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates wget build-essential clang lld
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev g++
RUN wget https://example.org/qux-1.2.tar.gz \\
    && echo "0123abcd  qux-1.2.tar.gz" | sha256sum -c - \\
    && tar -xzf qux-1.2.tar.gz \\
    && rm qux-1.2.tar.gz \\
    && cd qux-1.2 \\
    && CC=xx-clang CXX=xx-clang++ ./configure --prefix=/usr/local --host=$(xx-clang --print-target-triple) \\
    && make -j"$(nproc)" \\
    && make install DESTDIR=/out \\
    && mkdir -p /out/usr/local

FROM debian:bookworm-slim
WORKDIR /usr/src
COPY --from=qux-1.2-build /out/usr/local /usr/local
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates wget \\
    && cd /usr/src \\
    && rm -rf qux-1.2 \\
    && apt-get purge -y --auto-remove build-essential wget
""",
    ),
    Example(
        "base-stage",  # other stages are built FROM it: it stays on the target, its C build moves out
        before="""\
FROM debian:bookworm-slim AS base
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates git build-essential autoconf \\
    && git clone --depth 1 https://example.org/libz.git /usr/src/libz \\
    && cd /usr/src/libz \\
    && ./configure \\
    && make \\
    && make install \\
    && rm -rf /usr/src/libz

FROM base AS app
COPY app /usr/local/bin/app
CMD ["app"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS libz-build
COPY --from=xx / /
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates git build-essential autoconf clang lld
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev g++
RUN git clone --depth 1 https://example.org/libz.git /usr/src/libz \\
    && cd /usr/src/libz \\
    && CC=xx-clang CXX=xx-clang++ ./configure --host=$(xx-clang --print-target-triple) \\
    && make \\
    && make install DESTDIR=/out \\
    && mkdir -p /out/usr/local

FROM debian:bookworm-slim AS base
COPY --from=libz-build /out/usr/local /usr/local
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates git \\
    && rm -rf /usr/src/libz

FROM base AS app
COPY app /usr/local/bin/app
CMD ["app"]
""",
    ),
    Example(
        "build-env",  # CFLAGS exported earlier in the RUN: the builder stage would build without them
        before="""\
FROM alpine:3.20
RUN apk add --no-cache --virtual .build-deps build-base curl \\
    && export CFLAGS="-O2 -fPIC" \\
    && mkdir -p /usr/src/lib \\
    && curl -fsSL https://example.org/lib.tar.gz | tar -xz -C /usr/src/lib \\
    && cd /usr/src/lib \\
    && ./configure \\
    && make \\
    && make install \\
    && apk del .build-deps
""",
        reason="`CFLAGS` is set earlier in the RUN for the build",
    ),
    Example(
        "relative-after",
        before="""\
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y build-essential curl ca-certificates \\
    && mkdir -p /usr/src/baz \\
    && curl -fsSL https://example.org/baz.tar.gz | tar -xz -C /usr/src/baz \\
    && cd /usr/src/baz \\
    && ./configure \\
    && make \\
    && make install \\
    && cp libbaz.so.1 /usr/lib/ \\
    && rm -rf /usr/src/baz
""",
        reason="`libbaz.so.1` after the build may be a path relative to `/usr/src/baz`",
    ),
    Example(
        "tar-into-parent",  # `tar -C /opt` unpacks the archive's top folder, which the build then enters
        before="""\
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends build-essential curl ca-certificates \\
    && curl -fsSL https://example.org/libq-2.1.tar.gz | tar -xz -C /opt \\
    && cd /opt/libq-2.1 \\
    && ./configure \\
    && make \\
    && make install \\
    && rm -rf /opt/libq-2.1
CMD ["q"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS libq-2.1-build
COPY --from=xx / /
RUN apt-get update && apt-get install -y --no-install-recommends build-essential curl ca-certificates clang lld
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev g++
RUN curl -fsSL https://example.org/libq-2.1.tar.gz | tar -xz -C /opt \\
    && cd /opt/libq-2.1 \\
    && CC=xx-clang CXX=xx-clang++ ./configure --host=$(xx-clang --print-target-triple) \\
    && make \\
    && make install DESTDIR=/out \\
    && mkdir -p /out/usr/local

FROM debian:bookworm-slim
COPY --from=libq-2.1-build /out/usr/local /usr/local
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \\
    && rm -rf /opt/libq-2.1
CMD ["q"]
""",
    ),
    Example(
        "compiler-in-earlier-run",  # the compiler an earlier RUN installed for the step leaves the image too
        before="""\
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends build-essential curl ca-certificates
RUN curl -fsSL https://example.org/libz-1.3.tar.gz | tar -xz -C /opt \\
 && cd /opt/libz-1.3 \\
 && ./configure \\
 && make \\
 && make install \\
 && rm -rf /opt/libz-1.3
CMD ["sh"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM debian:bookworm-slim AS libz-1.3-build
COPY --from=xx / /
RUN apt-get update && apt-get install -y --no-install-recommends build-essential curl ca-certificates clang lld
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev g++
RUN curl -fsSL https://example.org/libz-1.3.tar.gz | tar -xz -C /opt \\
 && cd /opt/libz-1.3 \\
 && CC=xx-clang CXX=xx-clang++ ./configure --host=$(xx-clang --print-target-triple) \\
 && make \\
 && make install DESTDIR=/out \\
 && mkdir -p /out/usr/local

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates
COPY --from=libz-1.3-build /out/usr/local /usr/local
RUN rm -rf /opt/libz-1.3
CMD ["sh"]
""",
    ),
    Example(
        "runtime-src",  # refused: building an interpreter for the target needs one on the build machine
        before="""\
FROM debian:bookworm-slim
ARG RUBY_VERSION=3.3.5
RUN apt-get update && apt-get install -y --no-install-recommends build-essential curl ca-certificates libssl-dev \\
    && curl -fsSL https://example.org/pub/ruby-${RUBY_VERSION}.tar.gz | tar -xz -C /usr/src \\
    && cd /usr/src/ruby-${RUBY_VERSION} \\
    && ./configure --disable-install-doc \\
    && make -j"$(nproc)" \\
    && make install \\
    && rm -rf /usr/src/ruby-${RUBY_VERSION}
CMD ["irb"]
""",
        reason="building the runtime itself for the target (Ruby, from `/usr/src/ruby-3.3.5`)",
    ),
    Example(
        "pgo",  # refused: a profile-guided build runs what it has just built
        before="""\
FROM alpine:3.20
RUN apk add --no-cache build-base git \\
    && git clone --depth 1 https://example.org/interp.git /usr/src/interp \\
    && cd /usr/src/interp \\
    && ./configure --enable-optimizations \\
    && make \\
    && make install
""",
        reason="a profile-guided build (`--enable-optimizations`) runs the program it has just built",
    ),
]
