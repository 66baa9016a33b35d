"""Rust builds that hard-code their Linux target (`cargo build --target x86_64-unknown-linux-musl`,
`--target=...`, `CARGO_BUILD_TARGET`), for the Rust recipe (:mod:`xlint.fixes.rust`).

Such a build makes that architecture on every platform: under emulation for arm64, and an x86_64 binary
into the arm64 image (XL206). In the cross builder the target gives way to the platform's own: xx-cargo
passes `--target=$(xx-cargo --print-target-triple)`, whose libc is the image's (musl on Alpine, glibc on
Debian). A musl target on Debian keeps musl with `ENV XX_LIBC=musl` (xx-info reads it) and needs rustup
for the target's standard library, with a caveat: xx installs no musl C library for the target there. A
glibc target on Alpine, a non-Linux target (wasm32) and a dynamic one are refused with the reason.
`rustup target add <triple>` adds the platform's triple after `ARG TARGETPLATFORM`.
"""

from __future__ import annotations

import posixpath
import re

from xlint.diagnostics import Edit
from xlint.fixes.style import block_start, drop_command
from xlint.fixes.xx import XxPlan, all_cmds
from xlint.invocation import Invocation
from xlint.records import field, record
from xlint.rx import rx
from xlint.shell import SimpleCommand, run_commands
from xlint.syntax.tree import Instruction
from xlint.toolchains import Compile, settings, stage_chain

XX_TRIPLE = "$(xx-cargo --print-target-triple)"


def triple_ref(target_dir: str, triple: str) -> re.Pattern[str]:
    """`<target dir>/<triple>/<profile>/<binary>` as later steps name it."""
    name = re.escape(posixpath.basename(target_dir))
    return re.compile(rf"(?:^|/){name}/{re.escape(triple)}/(?P<profile>[A-Za-z0-9_-]+)/(?P<bin>[A-Za-z0-9_.-]+)$")


BUILD_TARGET_VAR = rx(r"\$\{CARGO_BUILD_TARGET\}|\$CARGO_BUILD_TARGET(?![A-Za-z0-9_])")
# a Rust target triple for Linux that xx-cargo maps per platform: <arch>-<vendor>-linux-<libc>[<abi>]
_LINUX_TRIPLE = rx(r"^(?P<arch>x86_64|aarch64|armv7|armv6|arm|armv5te|i686|i586|riscv64gc|powerpc64le|s390x|"
                           r"loongarch64)-(?P<vendor>unknown|alpine)-linux-(?P<libc>gnu|musl)(?:eabihf|eabi)?$")
_RUST_IMAGE = rx(r"(?:^|/)rust(?::|@|$)")
MUSL_NOTE = ("a musl target on Debian: `ENV XX_LIBC=musl` keeps xx-cargo's triple musl and rustup adds its standard "
             "library, but crates that compile C code (the cc crate: ring, zstd-sys...) need a musl C library for "
             "the target, which xx does not install on Debian")


@record
class Hardcoded:
    """The Rust target a build hard-codes (`--target x86_64-unknown-linux-musl`, `CARGO_BUILD_TARGET`): the
    triple, its libc, and the edits that remove it (xx-cargo passes the target platform's own triple)."""

    triple: str
    libc: str
    edits: list[Edit] = field(default_factory=list)
    env: bool = False  # set through CARGO_BUILD_TARGET


def _target_flag(inv: Invocation) -> tuple[str | None, list[Edit]] | str:
    """The `--target` value of a cargo command and the edit that removes the flag, (None, []) without one,
    or why it cannot be removed."""
    words = inv.words
    found: list[tuple[int, int, str | None]] = []
    for k, w in enumerate(words[1:], 1):
        if w.value == "--target":
            if k + 1 >= len(words):
                return "`--target` has no value"
            found.append((k, k + 1, words[k + 1].value))
        elif w.value is not None and w.value.startswith("--target="):
            found.append((k, k, w.value.split("=", 1)[1]))
    if not found:
        return None, []
    if len(found) > 1:
        return "the cargo command builds for several targets"
    first, last, value = found[0]
    if value is None:
        return "the cargo target is dynamic"
    # from the end of the word before the flag: the blanks and line continuations go with it
    return value, [Edit(words[first - 1].span.end, words[last].span.end, "")]


def _env_target(plan: XxPlan, instr: Instruction, cmd: SimpleCommand, inv: Invocation
                ) -> tuple[str | None, list[Edit]] | str:
    """`CARGO_BUILD_TARGET` of a cargo command (a prefix, or an ENV of the stage that sets only it) and the
    edit that removes it, (None, []) when unset, or why it cannot be removed."""
    setting = settings(plan.model, plan.stage, instr, cmd).get("CARGO_BUILD_TARGET")
    if setting is None:
        return None, []
    if setting.value is None:
        return "`CARGO_BUILD_TARGET` is dynamic"
    tree = plan.model.tree
    if setting.source == "prefix":
        word = next((e for e in inv.env if e.name == "CARGO_BUILD_TARGET"), None)
        if word is None:
            return "`CARGO_BUILD_TARGET` is set by a wrapper of the cargo command"
        end = word.span.end
        while end < len(tree.text) and tree.text[end] in " \t":
            end += 1
        return setting.value, [Edit(word.span.start, end, "")]
    if setting.source == "ENV":
        for ins in plan.stage.instructions:
            if ins.keyword == "ENV" and ins.span.start < instr.span.start and tuple(ins.value[:1]) == ("CARGO_BUILD_TARGET",):
                if len(ins.value) != 2:
                    return "the ENV that sets `CARGO_BUILD_TARGET` sets other variables too"
                end = ins.span.end + (1 if tree.text[ins.span.end:ins.span.end + 1] == "\n" else 0)
                return setting.value, [Edit(block_start(tree, ins), end, "")]
        return "`CARGO_BUILD_TARGET` is set in another stage of the chain"
    return f"`CARGO_BUILD_TARGET` is set by {'a build argument' if setting.source == 'ARG' else 'the shell'}"


def hardcoded(plan: XxPlan, cargo: list[tuple[Instruction, SimpleCommand, Compile]]) -> Hardcoded | None | str:
    """The Linux target triple the cargo commands hard-code and the edits that remove it; None when they
    set none; or why it cannot be mapped to the target platform's."""
    triples: set[str | None] = set()
    edits: list[Edit] = []
    env = False
    for instr, cmd, comp in cargo:
        got = _target_flag(comp.inv)
        if isinstance(got, str):
            return got
        value, removal = got
        if value is None:
            by_env = _env_target(plan, instr, cmd, comp.inv)
            if isinstance(by_env, str):
                return by_env
            value, removal = by_env
            env = env or value is not None
        triples.add(value)
        edits.extend(e for e in removal if e not in edits)
    if not triples or triples == {None}:
        return None
    if len(triples) > 1:
        return "the cargo builds of the stage use different targets"
    triple = next(iter(triples))
    assert triple is not None
    m = _LINUX_TRIPLE.match(triple)
    if m is None:
        return f"the cargo build targets `{triple}`, not a Linux triple that xx-cargo maps to each platform"
    libc = m.group("libc")
    if plan.distro == "alpine" and libc == "gnu":
        return f"the cargo build targets glibc (`{triple}`) on Alpine, where xx's target libraries are musl"
    if plan.distro == "debian" and libc == "musl" and not _has_rustup(plan):
        return (f"`{triple}` needs the target's musl standard library, which only rustup installs (the stage's "
                "rustc has none)")
    return Hardcoded(triple, libc, edits, env)


def _has_rustup(plan: XxPlan) -> bool:
    chain = stage_chain(plan.model, plan.stage)
    if _RUST_IMAGE.search(chain[0].base.split("@")[0]):
        return True
    return any(c.basename == "rustup" or "rustup" in (c.name or "") for st in chain for _i, c, _ in all_cmds(st))


def _rustup_edits(plan: XxPlan, triple: str, first: Instruction) -> str:
    """`rustup target add <triple>` of the stage adds the target platform's triple instead: in place after
    ARG TARGETPLATFORM (``first``), else removed there and run again after it. Returns why not, if so."""
    tree = plan.model.tree
    again = False
    for instr, c, _ in all_cmds(plan.stage):
        vals = c.args()
        if c.basename != "rustup" or vals[:1] != ["target"] or vals[1:2] not in (["add"], ["install"]):
            continue
        hits = [w for w in c.argv[3:] if w.value == triple]
        if not hits:
            continue
        if instr.span.start >= first.span.start:
            plan.edits.extend(Edit(w.span.start, w.span.end, f'"{XX_TRIPLE}"') for w in hits)
            continue
        again = True
        rest = [w for w in c.argv[3:] if w.value != triple and not (w.value or "").startswith("-")]
        if rest:
            words = c.argv
            plan.edits.extend(Edit(words[k - 1].span.end, w.span.end, "") for k, w in enumerate(words)
                              if any(w is h for h in hits))
            continue
        cmds = run_commands(instr)
        drop = drop_command(tree, cmds, next(k for k, x in enumerate(cmds) if x is c))
        if drop is None:
            if len(cmds) != 1 or c.context or instr.heredocs:
                return (f"`rustup target add {triple}` shares a shell construct with other commands: it cannot "
                        "move after ARG TARGETPLATFORM")
            end = instr.span.end + (1 if tree.text[instr.span.end:instr.span.end + 1] == "\n" else 0)
            drop = Edit(block_start(tree, instr), end, "")
        plan.edits.append(drop)
    if again:
        plan.after_arg.append(f'RUN rustup target add "{XX_TRIPLE}"')
    return ""


def use_target(plan: XxPlan, hard: Hardcoded, first: Instruction) -> str:
    """The hard-coded target removed (xx-cargo passes the platform's), its libc kept, `rustup target add`
    adding the platform's triple. Returns why not, if so."""
    plan.edits.extend(hard.edits)
    plan.notes.append(f"the hard-coded `{hard.triple}` becomes each platform's own {hard.libc} triple")
    if hard.libc == "musl" and plan.distro == "debian":
        plan.after_arg.append("ENV XX_LIBC=musl")
        plan.notes.append(MUSL_NOTE)
    return _rustup_edits(plan, hard.triple, first)


def target_of(inv: Invocation) -> str | None:
    """The `--target` a cargo command names (its raw text when dynamic), or None."""
    vals = inv.values()
    for k, v in enumerate(vals):
        if v == "--target":
            return vals[k + 1] if k + 1 < len(vals) else ""
        if v.startswith("--target="):
            return v.split("=", 1)[1]
    return None
