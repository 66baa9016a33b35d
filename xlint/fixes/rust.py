"""Recipe: Rust with tonistiigi/xx: `cargo fetch` once, `xx-cargo build`, the binary verified and copied
back from ``target/<triple>/<profile>/`` to where later stages read it (XL102).

A build that hard-codes its Linux target (`cargo build --target x86_64-unknown-linux-musl`, or
`CARGO_BUILD_TARGET`) builds that architecture on every platform: under emulation on arm64, and an
x86_64 binary into the arm64 image (XL206). The target gives way to the platform's own: xx-cargo passes
`--target=$(xx-cargo --print-target-triple)`, which keeps the libc of the image (musl on Alpine, glibc on
Debian; a musl target on Debian keeps musl with `ENV XX_LIBC=musl`, and needs rustup). `rustup target add`
adds the platform's triple, after `ARG TARGETPLATFORM`; later steps that name
``target/x86_64-unknown-linux-musl/release/app`` read the binary copied back to the fixed
``target/release/app`` (COPY sources included: a COPY cannot run `xx-cargo`), other references to the
triple's folder name the platform's triple (:mod:`xlint.fixes.rust_target`).
"""

from __future__ import annotations

import posixpath
import re

from xlint.diagnostics import Edit
from xlint.fixes.archmap import in_single_quotes
from xlint.fixes.outputs import copied_source_args, flag_arg, static_workdir
from xlint.fixes.plan import Example
from xlint.fixes.rust_target import (
    BUILD_TARGET_VAR,
    XX_TRIPLE,
    Hardcoded,
    hardcoded,
    target_of,
    triple_ref,
    use_target,
)
from xlint.fixes.smoke import Smoke, guard_edits, smoke_reason
from xlint.fixes.smoke import note as smoke_note
from xlint.fixes.xx import XxPlan, all_cmds, verify_tail
from xlint.model import Stage
from xlint.packages import installed_packages
from xlint.records import field, record
from xlint.rx import rx
from xlint.shell import SimpleCommand, run_commands
from xlint.syntax.tree import Instruction
from xlint.toolchains import (
    Compile,
    invocation,
    settings,
    stage_chain,
)


def _target_ref(target_dir: str) -> re.Pattern[str]:
    """`<target dir>/<profile>/<binary>` as later steps name it (relative or absolute)."""
    name = re.escape(posixpath.basename(target_dir))
    return re.compile(rf"(?:^|/){name}/(?P<profile>[A-Za-z0-9_-]+)/(?P<bin>[A-Za-z0-9_.-]+)$")


def _is_chef_cook(cmd: SimpleCommand) -> bool:
    vals = cmd.args()
    return cmd.basename == "cargo" and vals[:2] == ["chef", "cook"]


def _profile(vals: list[str]) -> str:
    profile = "release" if "--release" in vals or "-r" in vals else "debug"
    for i, v in enumerate(vals):
        if v == "--profile" and i + 1 < len(vals):
            profile = {"dev": "debug", "release": "release"}.get(vals[i + 1], vals[i + 1])
        elif v.startswith("--profile="):
            p = v.split("=", 1)[1]
            profile = {"dev": "debug", "release": "release"}.get(p, p)
    return profile


@record
class _Later:
    """What the stage does with the build's outputs after the build."""

    bins: list[str] = field(default_factory=list)  # `<target dir>/<profile>/<bin>` named: copied back
    strips: list[SimpleCommand] = field(default_factory=list)
    smoke: list[Smoke] = field(default_factory=list)  # runs of the program just built: kept to the native build
    rewrites: list[Edit] = field(default_factory=list)  # other references: pointed at <target dir>/<triple>/
    reason: str = ""


def _target_prefix(src: str, target_dir: str, rel_dir: str) -> int | None:
    """The length of the target directory prefix (`target/`, `./target/`, `/src/target/`, after an
    opening double quote) a word's source text starts with, or None."""
    quote = 1 if src.startswith('"') else 0
    for prefix in (f"{rel_dir}/", f"./{rel_dir}/", f"{target_dir}/"):
        if src.startswith(prefix, quote):
            return quote + len(prefix)
    return None


def _later_refs(plan: XxPlan, build: SimpleCommand, profile: str | None, target_dir: str, rel_dir: str,
                hard: Hardcoded | None = None) -> _Later:
    """Binaries that later commands of the stage name under ``<target dir>/<profile>/``, the `strip`
    commands after the build, and edits that point every other reference into the target directory (a
    dynamic one, `target/$PROFILE`, or any when the profile is dynamic) at ``<target dir>/<triple>/``,
    where cargo writes when it cross-compiles; or why a later step cannot stay. With a hard-coded target
    (``hard``), the references name its folder, ``<target dir>/x86_64-unknown-linux-musl/``: the triple
    in them becomes the target's own."""
    out = _Later()
    ref = _target_ref(target_dir)
    text = plan.model.tree.text
    name = posixpath.basename(target_dir)
    after = False
    for ins, c, _ in all_cmds(plan.stage):
        if c is build:
            after = True
            continue
        if not after:
            continue
        for w in c.argv:  # (the command word too: a smoke test runs target/release/app)
            src = text[w.span.start:w.span.end]
            if hard is not None:
                m = triple_ref(target_dir, hard.triple).search(w.value or "")
                folder = f"{name}/{hard.triple}/"
                if m and m.group("profile") == profile and folder in src:
                    # a binary of the build: read where it is copied back, <target dir>/<profile>/<bin>
                    if m.group("bin") not in out.bins:
                        out.bins.append(m.group("bin"))
                    cut = w.span.start + src.index(folder) + len(name) + 1
                    out.rewrites.append(Edit(cut, cut + len(hard.triple) + 1, ""))
                    continue
                hits = [(m.start(), m.end()) for m in re.finditer(re.escape(hard.triple), src)]
                if hard.env:
                    hits += [(m.start(), m.end()) for m in BUILD_TARGET_VAR.finditer(src)]
                for start, end in hits:
                    if in_single_quotes(src, start):
                        return _Later(reason=f"`{w.raw}` names the target in single quotes")
                    out.rewrites.append(Edit(w.span.start + start, w.span.start + end, XX_TRIPLE))
                if not hits and f"{name}/" in w.raw and w.value is None:
                    return _Later(reason=f"`{w.raw}` is read after the build: the cross build writes under "
                                         f"{name}/<triple>/")
                continue
            m = ref.search(w.value or "")
            if w.value is not None and profile is not None and m and m.group("profile") == profile:
                if m.group("bin") not in out.bins:
                    out.bins.append(m.group("bin"))
                continue
            at = _target_prefix(src, target_dir, rel_dir)
            if at is not None:
                out.rewrites.append(Edit(w.span.start + at, w.span.start + at, f"{XX_TRIPLE}/"))
            elif f"{name}/" in w.raw and (w.value is None or profile is None):
                return _Later(reason=f"`{w.raw}` is read after the build: cargo writes under "
                                     f"{name}/<triple>/ when it cross-compiles")
        if c.basename == "strip":
            out.strips.append(c)
        elif c.basename == "ldd":
            return _Later(reason="`ldd` after the build lists the build machine's libraries, not the target's")
        elif c.name is not None and (ref.search(c.name) or (hard is not None and hard.triple in c.name)):
            why = smoke_reason(plan.model, ins, c)
            if why:
                return _Later(reason=why)
            out.smoke.append((ins, c))
    return out


_CXX_TOOLS = rx(r"^(?:g\+\+|clang|clang\+\+|cmake|build-essential|build-base)(?:-[\d.]+)?$")


def _builds_cxx(plan: XxPlan) -> bool:
    """The stage installs C/C++ build tools (cmake, clang, g++): crates build C++ code with them (the cc
    and cmake crates), so the target's C++ library is needed too."""
    chain = (i for st in stage_chain(plan.model, plan.stage) for i in st.instructions)
    return any(_CXX_TOOLS.match(name) for name in installed_packages(chain))


def _install_steps(plan: XxPlan, installs: list[tuple[Instruction, SimpleCommand, Compile]]) -> Instruction | str:
    """`cargo install --path DIR`: xx-cargo installs the target's binary into the same bin folder (cargo
    install writes <root>/bin/ whatever the target), so later stages copy it from where they did. A
    hard-coded Linux target (`--target x86_64-unknown-linux-musl`) gives way to the target platform's."""
    hard = hardcoded(plan, installs)
    if isinstance(hard, str):
        return hard
    for _i, c, comp in installs:
        if c.context:
            return "the cargo install is nested in a shell construct"
        word = comp.inv.words[0]
        if word.value != "cargo":
            return "the cargo command is dynamic"
        plan.edits.append(Edit(word.span.start, word.span.end, "xx-cargo"))
    sources = [path for _a, path in copied_source_args(plan.model, plan.stage) or []]
    bins = [src for src in sources if posixpath.basename(posixpath.dirname(src)) == "bin"]
    last = installs[-1][1]
    if bins:
        plan.edits.append(Edit(last.span.end, last.span.end, verify_tail(plan, [f"xx-verify {b}" for b in bins])))
        plan.verified.extend(bins)
    if hard is not None:
        reason = use_target(plan, hard, installs[0][0])
        if reason:
            return reason
    return installs[0][0]


def rust_steps(plan: XxPlan, mine: list[tuple[Instruction, SimpleCommand, Compile]]) -> Instruction | None | str:
    model, stage = plan.model, plan.stage
    installs = [(i, c, comp) for i, c, comp in mine if comp.label == "cargo install" and not comp.tool_install]
    builds = [(i, c, comp) for i, c, comp in mine if comp.label in ("cargo build", "xx-cargo build")]
    if installs and not builds and len(installs) == len([m for m in mine if m[2].produces and not m[2].tool_install]):
        return _install_steps(plan, installs)
    if len(builds) != len([m for m in mine if m[2].produces and not m[2].tool_install]) or not builds:
        return "only `cargo build` and `cargo install --path` are rewritten (rustc: copy the recipe by hand)"
    dynamic: str | None = None  # a command substitution or --profile value: the profile is chosen at build time
    for bld in builds:
        words = bld[2].inv.words
        for k, w in enumerate(words[1:], 1):
            if w.value is not None:
                continue
            prev = words[k - 1].value or ""
            if prev in ("--target-dir", "--target", "--manifest-path") or any(
                    f in w.raw for f in ("--target", "--manifest-path")):
                return f"`{w.raw}` in the cargo build is dynamic: the target or target directory is unknown"
            if prev == "--profile" or "$(" in w.raw or "`" in w.raw:
                dynamic = dynamic or w.raw
    shapes = {(_profile(b[2].inv.values()) if dynamic is None else dynamic,
               flag_arg(b[2].inv.values(), ("--target-dir",)), static_workdir(model, stage, b[0])) for b in builds}
    if len(shapes) > 1:
        return "the cargo builds of the stage use different profiles, target or working directories"
    # the binaries are copied back after the last build: steps between the builds must not read them
    instr, cmd, comp = builds[-1]
    first_build = builds[0][1]
    inv = comp.inv
    vals = inv.values()
    if any(v.startswith(("--manifest-path", "-Z")) or v.startswith("+") for b in builds for v in b[2].inv.values()):
        return "the cargo build already sets a manifest path or toolchain"
    # a hard-coded target (`--target x86_64-unknown-linux-musl`, CARGO_BUILD_TARGET) gives way to the platform's
    hard = hardcoded(plan, builds)
    if isinstance(hard, str):
        return hard
    env = settings(model, stage, instr, cmd)
    if "CARGO_BUILD_TARGET_DIR" in env:
        return "the target directory is set through the environment"
    has_dir, dir_value = flag_arg(vals, ("--target-dir",))
    if not has_dir and "CARGO_TARGET_DIR" in env:
        has_dir, dir_value = True, env["CARGO_TARGET_DIR"].value
    if has_dir and not dir_value:
        return "the target directory is dynamic"
    if any(c.name == "cd" and c.span.start < cmd.span.start for c in run_commands(instr)):
        return "the RUN changes directory before the build"
    profile: str | None = _profile(vals) if dynamic is None else None
    wd = static_workdir(model, stage, instr)
    if wd is None:
        return "the WORKDIR depends on a variable"
    source_args = copied_source_args(model, stage)
    if source_args is None:
        return "later stages read this stage through a mount or a dynamic path"
    bins: list[str] = []
    target_dir = posixpath.normpath(posixpath.join(wd, dir_value or "target"))
    rel_dir = posixpath.relpath(target_dir, wd) if target_dir.startswith(wd.rstrip("/") + "/") else target_dir
    text = model.tree.text
    for arg, src in source_args:
        if src != target_dir and not src.startswith(target_dir + "/"):
            continue  # not a build output (sources, configuration): the same on every platform
        if profile is None:
            return (f"`{src}` is copied from the cargo target directory, and `{dynamic}` chooses the profile "
                    "at build time: the cross build's folder is unknown to COPY")
        rest = src[len(target_dir) + 1:].split("/")
        if hard is not None:
            # target/x86_64-unknown-linux-musl/release/app: the platform's binary is copied back to target/release/
            written = text[arg.span.start:arg.span.end]
            if len(rest) != 3 or rest[0] != hard.triple or f"{hard.triple}/" not in written:
                return (f"`{src}` copied from the stage is not a binary of the cross build's folder "
                        f"({posixpath.basename(target_dir)}/{hard.triple}/{profile}/)")
            at = arg.span.start + written.index(f"{hard.triple}/")
            plan.edits.append(Edit(at, at + len(hard.triple) + 1, ""))
            rest = rest[1:]
        if len(rest) != 2 or rest[0] != profile or not rest[1] or any(ch in rest[1] for ch in "*?["):
            return f"`{src}` copied from the stage is not a binary of the cargo target directory"
        if rest[1] not in bins:
            bins.append(rest[1])
    # every reference after the first build that is not a binary copied back points at <target dir>/<triple>/
    refs = _later_refs(plan, first_build, profile, target_dir, rel_dir, hard)
    if refs.reason:
        return refs.reason
    later = _later_refs(plan, cmd, profile, target_dir, rel_dir, hard) if len(builds) > 1 else refs
    if len(builds) > 1 and set(refs.bins) - set(later.bins):
        return "a step between the cargo builds reads their outputs"
    bins.extend(b for b in later.bins if b not in bins)
    copied = list(bins)  # later steps read target/<profile>/<bin>: every binary named is copied back
    if profile is not None:
        for _i, _c, build in builds:
            bvals = build.inv.values()
            for i, v in enumerate(bvals):
                name = v.split("=", 1)[1] if v.startswith("--bin=") else bvals[i + 1] if (
                    v == "--bin" and i + 1 < len(bvals)) else None
                if name and name not in bins:
                    bins.append(name)
                    if hard is None:
                        copied.append(name)  # (a hard-coded target's later steps read its own folder)
    if not bins and not refs.rewrites:
        return "no binary of the build is copied into a later stage"
    if later.strips:
        # the build machine's strip cannot read the target's binary: llvm-strip reads every target (the llvm
        # package of Debian and Alpine, which xx also links `<triple>-strip` to)
        for c in later.strips:
            plan.edits.append(Edit(c.argv[0].span.start, c.argv[0].span.end, "llvm-strip"))
        plan.native.append("llvm")
    plan.edits.extend(refs.rewrites)
    if later.smoke:
        # a smoke test of the cross build's program: kept to the build whose target is the build platform
        plan.edits.extend(guard_edits(later.smoke))
        if stage.declaration("BUILDPLATFORM", before=instr) is None:
            plan.after_arg.append("ARG BUILDPLATFORM")
        plan.notes.append(smoke_note(later.smoke))
    if _builds_cxx(plan):
        plan.packages.append("g++")
    cooks = [(i, c, comp) for i, c, comp in _cooks(stage) if c.span.start < cmd.span.start]
    if hard is not None:
        # cargo-chef cooks for the build's target: it gives way to the platform's too (others, wasm32, stay)
        cooks = [k for k in cooks if target_of(k[2].inv) in (None, hard.triple)]
        cooked = hardcoded(plan, [k for k in cooks if target_of(k[2].inv) == hard.triple])
        if isinstance(cooked, str):
            return cooked
        if cooked is not None:
            plan.edits.extend(e for e in cooked.edits if e not in plan.edits)
    else:
        cooks = [k for k in cooks if target_of(k[2].inv) is None]  # wasm32 and such stay as they are
    for _i, c, _comp in cooks:
        # cargo-chef cooks the dependencies for the same target as the build, or the cache is useless
        plan.edits.append(Edit(c.argv[0].span.start, c.argv[0].span.end, "xx-cargo"))
    first = cooks[0][0] if cooks else builds[0][0]
    if not cooks:
        # cargo fetch before ARG TARGETPLATFORM (shared by every target)
        fetch = "RUN "
        mounts = " ".join(f.text for f in instr.flags if f.name.lower() == "mount")
        if mounts:
            fetch += mounts + " "
        fetch += "cargo fetch" + (" --locked" if "--locked" in vals else "") + (
            " --offline" if "--offline" in vals else "")
        if not any(c.name == "cargo" and "fetch" in c.args() for i2, c, _ in all_cmds(stage)):
            plan.before_arg.append(fetch)
    for _i, _c, build in builds:
        word = build.inv.words[0]
        if word.value == "cargo":
            plan.edits.append(Edit(word.span.start, word.span.end, "xx-cargo"))
    if hard is not None:
        reason = use_target(plan, hard, first)
        if reason:
            return reason
    if profile is None:
        plan.notes.append(f"`{dynamic}` chooses the cargo profile at build time: later steps read "
                          f"{rel_dir}/<triple>/, and the binaries are not xx-verified")
        return first
    tail: list[str] = []
    td = rel_dir
    for b in bins:
        tail.append(f"xx-verify {td}/{XX_TRIPLE}/{profile}/{b}")
    if copied:
        # cargo writes <target dir>/<triple>/<profile>/ when it cross-compiles: copy the binaries back to
        # where every later step and stage reads them
        tail.append(f"mkdir -p {td}/{profile}")
    for b in copied:
        tail.append(f"cp {td}/{XX_TRIPLE}/{profile}/{b} {td}/{profile}/{b}")
    if tail:
        plan.edits.append(Edit(cmd.span.end, cmd.span.end, verify_tail(plan, tail)))
    plan.verified.extend(f"{target_dir}/<triple>/{profile}/{b}" for b in bins)
    return first


def _cooks(stage: Stage) -> list[tuple[Instruction, SimpleCommand, Compile]]:
    """The `cargo chef cook` commands of the stage."""
    out = []
    for i, c, _ in all_cmds(stage):
        if _is_chef_cook(c):
            inv = invocation(c)
            if inv is not None:
                out.append((i, c, Compile("rust", "cargo chef cook", inv, produces=False)))
    return out


# BEFORE/AFTER examples (run by tests/test_fix_recipes.py)
EXAMPLES: list[Example] = [
    Example(
        "builder",
        before="""\
FROM rust:1.79 AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
COPY --from=build /src/target/release/app /usr/local/bin/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM rust:1.79 AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y clang lld
WORKDIR /src
COPY . .
RUN cargo fetch --locked
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev
RUN xx-cargo build --release --locked \\
    && xx-verify target/$(xx-cargo --print-target-triple)/release/app \\
    && mkdir -p target/release \\
    && cp target/$(xx-cargo --print-target-triple)/release/app target/release/app

FROM debian:bookworm-slim
COPY --from=build /src/target/release/app /usr/local/bin/app
""",
    ),
    Example(
        "runtime-library",  # the runtime installs libssl3: the binary links OpenSSL, the target needs its headers
        before="""\
FROM rust:1.79 AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libssl3 ca-certificates
COPY --from=build /src/target/release/app /usr/local/bin/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM rust:1.79 AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y clang lld
WORKDIR /src
COPY . .
RUN cargo fetch --locked
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev libssl-dev
RUN xx-cargo build --release --locked \\
    && xx-verify target/$(xx-cargo --print-target-triple)/release/app \\
    && mkdir -p target/release \\
    && cp target/$(xx-cargo --print-target-triple)/release/app target/release/app

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libssl3 ca-certificates
COPY --from=build /src/target/release/app /usr/local/bin/app
""",
    ),
    Example(
        "non-root-build",  # xx-cargo and xx-verify write to /usr/bin, /var/lock and / on first use
        before="""\
FROM rust:1.79-alpine AS build
RUN apk add --no-cache musl-dev && adduser -D app
USER app
WORKDIR /home/app
COPY --chown=app . .
RUN cargo build --release

FROM alpine:3.20
COPY --from=build /home/app/target/release/app /usr/local/bin/app
""",
        reason="the build runs as user `app`, and xx's helpers set themselves up as root",
    ),
    Example(
        "chef-strip",
        before="""\
FROM rust:1.79 AS chef
RUN cargo install cargo-chef
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN cargo build --release --bin server && strip target/release/server

FROM debian:bookworm-slim
COPY --from=builder /app/target/release/server /usr/local/bin/server
""",
        after="""\
FROM --platform=$BUILDPLATFORM rust:1.79 AS chef
RUN cargo install cargo-chef
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM chef AS builder
COPY --from=xx / /
RUN apt-get update && apt-get install -y clang lld llvm
COPY --from=planner /app/recipe.json recipe.json
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev
RUN xx-cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN xx-cargo build --release --bin server \\
    && xx-verify target/$(xx-cargo --print-target-triple)/release/server \\
    && mkdir -p target/release \\
    && cp target/$(xx-cargo --print-target-triple)/release/server target/release/server && llvm-strip target/release/server

FROM debian:bookworm-slim
COPY --from=builder /app/target/release/server /usr/local/bin/server
""",
    ),
    Example(
        "install",
        before="""\
FROM rust:1.79 AS build
WORKDIR /src
COPY . .
RUN cargo install --path . --locked

FROM debian:bookworm-slim
COPY --from=build /usr/local/cargo/bin/app /usr/local/bin/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM rust:1.79 AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y clang lld
WORKDIR /src
COPY . .
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev
RUN xx-cargo install --path . --locked \\
    && xx-verify /usr/local/cargo/bin/app

FROM debian:bookworm-slim
COPY --from=build /usr/local/cargo/bin/app /usr/local/bin/app
""",
    ),
    Example(
        "smoke",  # a smoke test of the new program: kept to the build whose target is the build platform
        before="""\
FROM rust:1.79 AS build
WORKDIR /src
COPY . .
RUN cargo build --release && ./target/release/app --version

FROM debian:bookworm-slim
COPY --from=build /src/target/release/app /usr/local/bin/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM rust:1.79 AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y clang lld
WORKDIR /src
COPY . .
RUN cargo fetch
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev
ARG BUILDPLATFORM
RUN xx-cargo build --release \\
    && xx-verify target/$(xx-cargo --print-target-triple)/release/app \\
    && mkdir -p target/release \\
    && cp target/$(xx-cargo --print-target-triple)/release/app target/release/app && if [ "$TARGETPLATFORM" = "$BUILDPLATFORM" ]; then ./target/release/app --version; fi

FROM debian:bookworm-slim
COPY --from=build /src/target/release/app /usr/local/bin/app
""",
    ),
    Example(
        "smoke-output",  # the run of the new program writes a file the image needs: it is not a test
        before="""\
FROM rust:1.79 AS build
WORKDIR /src
COPY . .
RUN cargo build --release && ./target/release/app completions bash > /src/app.bash

FROM debian:bookworm-slim
COPY --from=build /src/target/release/app /usr/local/bin/app
COPY --from=build /src/app.bash /usr/share/bash-completion/completions/app
""",
        reason="`./target/release/app` runs the program just built, which is built for the target, on the build machine, and it writes `/src/app.bash`",
    ),
    Example(
        "target-dir",
        before="""\
FROM rust:1.79 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/src/target \\
    cargo build --release --target-dir /src/target \\
    && cp /src/target/release/app /usr/local/bin/app

FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/app /usr/local/bin/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM rust:1.79 AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y clang lld
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/src/target cargo fetch
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev
RUN --mount=type=cache,target=/src/target \\
    xx-cargo build --release --target-dir /src/target \\
    && xx-verify target/$(xx-cargo --print-target-triple)/release/app \\
    && mkdir -p target/release \\
    && cp target/$(xx-cargo --print-target-triple)/release/app target/release/app \\
    && cp /src/target/release/app /usr/local/bin/app

FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/app /usr/local/bin/app
""",
    ),
    Example(
        "dynamic-profile",  # the profile is chosen at build time: later steps read target/<triple>/
        before="""\
FROM rust:1.79 AS build
ARG PROFILE=release
RUN apt-get update && apt-get install -y cmake clang libssl-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --bin server $(test "$PROFILE" = release && echo --release) \\
    && mkdir -p /out \\
    && DIR=$(test "$PROFILE" = release && echo release || echo debug) \\
    && find target/$DIR -maxdepth 1 -type f -perm /a+x -exec cp {} /out/ \\;

FROM debian:bookworm-slim
COPY --from=build /out/server /usr/local/bin/server
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM rust:1.79 AS build
COPY --from=xx / /
ARG PROFILE=release
RUN apt-get update && apt-get install -y cmake clang libssl-dev lld && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo fetch
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev g++ libssl-dev
RUN xx-cargo build --bin server $(test "$PROFILE" = release && echo --release) \\
    && mkdir -p /out \\
    && DIR=$(test "$PROFILE" = release && echo release || echo debug) \\
    && find target/$(xx-cargo --print-target-triple)/$DIR -maxdepth 1 -type f -perm /a+x -exec cp {} /out/ \\;

FROM debian:bookworm-slim
COPY --from=build /out/server /usr/local/bin/server
""",
    ),
    Example(
        "dynamic-profile-copy",
        before="""\
FROM rust:1.79 AS build
ARG PROFILE=release
WORKDIR /src
COPY . .
RUN cargo build $(test "$PROFILE" = release && echo --release)

FROM debian:bookworm-slim
COPY --from=build /src/target/release/app /usr/local/bin/app
""",
        reason="the cross build's folder is unknown to COPY",
    ),
    Example(
        "user-switch",  # the image's user is unknown and the stage switches to root: native installs follow
        before="""\
FROM rust:1.79 AS build
USER root
WORKDIR /src
COPY . .
RUN cargo build --release

FROM debian:bookworm-slim
COPY --from=build /src/target/release/app /usr/local/bin/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM rust:1.79 AS build
COPY --from=xx / /
USER root
WORKDIR /src
COPY . .
RUN apt-get update && apt-get install -y clang lld
RUN cargo fetch
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev
RUN xx-cargo build --release \\
    && xx-verify target/$(xx-cargo --print-target-triple)/release/app \\
    && mkdir -p target/release \\
    && cp target/$(xx-cargo --print-target-triple)/release/app target/release/app

FROM debian:bookworm-slim
COPY --from=build /src/target/release/app /usr/local/bin/app
""",
    ),
    Example(
        "hard-coded-target",  # every platform built x86_64: the platform's own triple, musl kept (Alpine)
        before="""\
FROM rust:1.79-alpine AS build
RUN apk add --no-cache musl-dev
WORKDIR /src
RUN rustup target add x86_64-unknown-linux-musl
COPY . .
RUN cargo build --release --target x86_64-unknown-linux-musl

FROM scratch
COPY --from=build /src/target/x86_64-unknown-linux-musl/release/app /app
ENTRYPOINT ["/app"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM rust:1.79-alpine AS build
COPY --from=xx / /
RUN apk add --no-cache musl-dev clang lld
WORKDIR /src
COPY . .
RUN cargo fetch
ARG TARGETPLATFORM
RUN xx-apk add --no-cache musl-dev gcc
RUN rustup target add "$(xx-cargo --print-target-triple)"
RUN xx-cargo build --release \\
    && xx-verify target/$(xx-cargo --print-target-triple)/release/app \\
    && mkdir -p target/release \\
    && cp target/$(xx-cargo --print-target-triple)/release/app target/release/app

FROM scratch
COPY --from=build /src/target/release/app /app
ENTRYPOINT ["/app"]
""",
    ),
    Example(
        "hard-coded-musl-debian",  # musl on Debian: XX_LIBC keeps it; strip reads the copy, with llvm-strip
        before="""\
FROM rust:1.79-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends musl-tools
WORKDIR /src
COPY . .
RUN rustup target add x86_64-unknown-linux-musl \\
 && cargo build --release --target=x86_64-unknown-linux-musl \\
 && strip target/x86_64-unknown-linux-musl/release/app

FROM scratch
COPY --from=build /src/target/x86_64-unknown-linux-musl/release/app /app
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM rust:1.79-bookworm AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y --no-install-recommends musl-tools clang lld llvm
WORKDIR /src
COPY . .
RUN cargo fetch
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev
ENV XX_LIBC=musl
RUN rustup target add "$(xx-cargo --print-target-triple)" \\
 && xx-cargo build --release \\
 && xx-verify target/$(xx-cargo --print-target-triple)/release/app \\
 && mkdir -p target/release \\
 && cp target/$(xx-cargo --print-target-triple)/release/app target/release/app \\
 && llvm-strip target/release/app

FROM scratch
COPY --from=build /src/target/release/app /app
""",
    ),
    Example(
        "hard-coded-env",  # CARGO_BUILD_TARGET in ENV, read back through the variable in a cache mount
        before="""\
FROM rust:1.79 AS build
ENV CARGO_BUILD_TARGET=x86_64-unknown-linux-gnu
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/src/target \\
    cargo build --release \\
 && cp target/$CARGO_BUILD_TARGET/release/app /usr/local/bin/app

FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/app /usr/local/bin/app
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM rust:1.79 AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y clang lld
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/src/target cargo fetch
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev
RUN --mount=type=cache,target=/src/target \\
    xx-cargo build --release \\
 && cp target/$(xx-cargo --print-target-triple)/release/app /usr/local/bin/app

FROM debian:bookworm-slim
COPY --from=build /usr/local/bin/app /usr/local/bin/app
""",
    ),
    Example(
        "hard-coded-wasm",  # not a platform's binary: the cross recipe does not apply
        before="""\
FROM rust:1.79 AS build
WORKDIR /src
COPY . .
RUN cargo build --release --target wasm32-unknown-unknown

FROM nginx:1.27
COPY --from=build /src/target/wasm32-unknown-unknown/release/app.wasm /usr/share/nginx/html/
""",
        reason="the cargo build targets `wasm32-unknown-unknown`, not a Linux triple that xx-cargo maps to each platform",
    ),
    Example(
        "hard-coded-glibc-alpine",
        before="""\
FROM rust:1.79-alpine AS build
WORKDIR /src
COPY . .
RUN cargo build --release --target x86_64-unknown-linux-gnu

FROM debian:bookworm-slim
COPY --from=build /src/target/x86_64-unknown-linux-gnu/release/app /app
""",
        reason="the cargo build targets glibc (`x86_64-unknown-linux-gnu`) on Alpine, where xx's target libraries are musl",
    ),
]
