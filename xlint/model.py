"""The build model of a Dockerfile: stages, where each runs, ARG scopes, env, and stage edges.

Built once per file from the lossless tree; rules read it and never the raw text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from xlint.expand import UNKNOWN, ExpansionError, Unknown, format_platform, parse_platform
from xlint.expand import expand_word as _expand_word
from xlint.records import field, record
from xlint.rx import rx
from xlint.syntax.tree import Arg, Dockerfile, Flag, Instruction, Span

if TYPE_CHECKING:
    from xlint.derived import Derived
    from xlint.shell import SimpleCommand
    from xlint.toolchains import Compile

Platform = tuple[str, str, "str | None"]
PlatformKind = Literal["build", "target", "constant", "unknown"]

TARGET_ARGS = ("TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT")
BUILD_ARGS = ("BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT")
PLATFORM_ARGS: frozenset[str] = frozenset(TARGET_ARGS + BUILD_ARGS)

DEFAULT_TARGETS: tuple[str, ...] = ("linux/amd64", "linux/arm64")

# Probe values: a stage's --platform is expanded with these to tell build-platform stages from
# target-platform ones, whatever spelling the Dockerfile uses ($BUILDPLATFORM, ${BUILDOS}/${BUILDARCH}...).
_PROBE_BUILD = ("linux", "xlbuildarch", "xlbuildvariant")
_PROBE_TARGET = ("linux", "xltargetarch", "xltargetvariant")


def expand_word(word: str, env: Mapping[str, str | Unknown], escape: str = "\\") -> str | None:
    """Expand with BuildKit's word rules; None when the value is unknown or the word is malformed
    (BuildKit would fail the build then; that is not this function's report to make)."""
    try:
        return _expand_word(word, env, escape)
    except ExpansionError:
        return None


def host_platform() -> Platform:
    """This machine's platform (the default build platform): ``uname -m``, as ``platform.machine()`` gives
    it (that module costs a millisecond to import)."""
    import os

    parsed = parse_platform("linux/" + os.uname().machine)
    return parsed if parsed is not None else ("linux", "amd64", None)


def platform_arg_values(target: Platform, build: Platform) -> dict[str, str]:
    t_os, t_arch, t_var = target
    b_os, b_arch, b_var = build
    return {
        "TARGETPLATFORM": _join_platform(target),
        "TARGETOS": t_os,
        "TARGETARCH": t_arch,
        "TARGETVARIANT": t_var or "",
        "BUILDPLATFORM": _join_platform(build),
        "BUILDOS": b_os,
        "BUILDARCH": b_arch,
        "BUILDVARIANT": b_var or "",
    }


def _join_platform(p: Platform) -> str:
    return "/".join(x for x in p if x)


@record
class ArgDecl:
    """One name of an ``ARG`` instruction (``ARG A=1 B`` declares two)."""

    name: str
    default: str | None  # raw default text, None when there is none
    instruction: Instruction
    arg: Arg
    stage: int | None  # None for the global scope (before the first FROM)

    @property
    def has_default(self) -> bool:
        return self.default is not None


@record
class StagePlatform:
    kind: PlatformKind
    flag: Flag | None  # the --platform flag on this stage's FROM, if any
    constant: str | None = None  # for kind == "constant": the normalized platform
    inherited_from: int | None = None  # index of the stage this one inherits its platform from
    flag_ignored: bool = False  # --platform on FROM <earlier stage>: BuildKit ignores it


@record
class Edge:
    """A dependency of one stage on another stage or an image."""

    kind: Literal["base", "copy", "mount"]
    source: str  # as written (stage name, index, or image reference)
    stage: int | None  # index of the source stage, None when it is an image
    instruction: Instruction
    flag: Flag | None
    target: int  # index of the stage holding the edge


@record
class Stage:
    index: int
    name: str | None  # as written after AS
    from_instr: Instruction
    base: str  # the base as written
    base_stage: int | None  # index of an earlier stage used as base
    platform: StagePlatform
    instructions: list[Instruction] = field(default_factory=list)  # after FROM, in order
    args: list[ArgDecl] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    @property
    def is_scratch(self) -> bool:
        return self.base_stage is None and self.base.lower() == "scratch"

    @property
    def label(self) -> str:
        # an unnamed stage by its FROM, not by BuildKit's `stage-N`: a fix that inserts a stage renumbers
        # the unnamed ones, and a finding's message must stay the same finding
        return self.name if self.name else f"FROM {self.base}"

    def declaration(self, name: str, before: Instruction | None = None) -> ArgDecl | None:
        """The stage's ``ARG name`` declaration in force at ``before`` (any, when before is None)."""
        found: ArgDecl | None = None
        for decl in self.args:
            if before is not None and decl.instruction.span.start >= before.span.start:
                break
            if decl.name == name:
                found = decl
        return found


class _StageEnv(Mapping[str, "str | Unknown"]):
    """Env for expansion: names set by the Dockerfile are known; anything else may come from the base
    image, so it is unknown rather than empty."""

    def __init__(self, values: dict[str, str | Unknown]) -> None:
        self._values = values

    def __getitem__(self, key: str) -> str | Unknown:
        return self._values.get(key, UNKNOWN)

    def get(self, key: str, default: object = None) -> str | Unknown:
        return self._values.get(key, UNKNOWN)

    def __contains__(self, key: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class Model:
    def __init__(
        self,
        tree: Dockerfile,
        targets: list[str] | tuple[str, ...] = DEFAULT_TARGETS,
        build_platform: str | None = None,
        target_stage: str | None = None,
        context: Path | None = None,
    ) -> None:
        self.tree = tree
        self.context = context  # the build context folder, when known (Makefiles, scripts, setup.py)
        parsed_targets = [parse_platform(t) for t in targets]
        self.targets: list[Platform] = [t for t in parsed_targets if t is not None]
        bp = parse_platform(build_platform) if build_platform else None
        self.build_platform: Platform = bp if bp is not None else host_platform()
        self.global_args: list[ArgDecl] = []
        self.stages: list[Stage] = []
        self._stage_of: dict[int, int] = {}  # instruction span start -> stage index
        # answers kept for the model's readers (every rule asks the same questions); declared here so that
        # the instance keeps CPython's fast attribute layout (see xlint.records)
        self._reachable: set[int] | None = None
        self._runs_emulated: dict[int, bool] = {}
        self._xlint_global_env: dict[Platform | None, dict[str, str | Unknown]] = {}
        self._xlint_stage_commands: dict[int, list[tuple[Instruction, SimpleCommand]]] = {}
        self._xlint_emulated_commands: list[tuple[Stage, Instruction, SimpleCommand]] | None = None
        self._xlint_emulated_by_toolchain: dict[str, list[tuple[Stage, Instruction, Compile]]] | None = None
        self._xlint_derived: list[Derived] | None = None
        self._env_memo: dict[tuple[int, int, Platform | None], _StageEnv] = {}
        self._built = False
        self._build(target_stage)
        self._built = True

    # -- construction -------------------------------------------------------------------------
    def _build(self, target_stage: str | None) -> None:
        current: Stage | None = None
        for instr in self.tree.instructions:
            if instr.keyword == "FROM":
                current = self._new_stage(instr)
                self.stages.append(current)
                self._stage_of[instr.span.start] = current.index
                continue
            if current is None:
                if instr.keyword == "ARG":
                    self.global_args.extend(_arg_decls(instr, None))
                continue
            current.instructions.append(instr)
            self._stage_of[instr.span.start] = current.index
            if instr.keyword == "ARG":
                current.args.extend(_arg_decls(instr, current.index))
            self._collect_edges(current, instr)
        self.target = self._find_target(target_stage)

    def _new_stage(self, instr: Instruction) -> Stage:
        index = len(self.stages)
        words = [a.value for a in instr.args]
        base = words[0] if words else ""
        name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
        expanded = expand_word(base, self._global_env(None), self.tree.escape)
        base_stage = self.stage_index(expanded) if expanded is not None else None
        variants = self._stages_per_target(base) if base_stage is None and "$" in base else []
        if variants:
            base_stage = variants[0]
        flag = instr.flag("platform")
        if base_stage is not None:
            parent = self.stages[base_stage].platform
            platform = StagePlatform(
                kind=parent.kind,
                flag=flag,
                constant=parent.constant,
                inherited_from=base_stage,
                flag_ignored=flag is not None,
            )
        else:
            platform = self._classify_platform(flag)
        stage = Stage(index, name, instr, base, base_stage, platform)
        for parent_index in dict.fromkeys([*([base_stage] if base_stage is not None else []), *variants]):
            stage.edges.append(Edge("base", base, parent_index, instr, None, index))
        return stage

    def _stages_per_target(self, base: str) -> list[int]:
        """``FROM ${TARGETOS}`` / ``FROM base-${TARGETARCH}``: the earlier stages the base names for each target
        platform, the one of a target the build machine emulates first."""
        order = sorted(self.targets, key=lambda t: _same_platform(t, self.build_platform))
        found: list[int] = []
        for target in order:
            value = expand_word(base, self._global_env(target), self.tree.escape)
            idx = self.stage_index(value) if value is not None else None
            if idx is not None and idx not in found:
                found.append(idx)
        return found

    def classify_platform(self, flag: Flag | None) -> StagePlatform:
        """Where a FROM with this ``--platform`` flag would run (build, target, a constant, unknown)."""
        return self._classify_platform(flag)

    def _classify_platform(self, flag: Flag | None) -> StagePlatform:
        if flag is None or flag.value is None:
            return StagePlatform("target", flag)
        env: dict[str, str | Unknown] = dict(platform_arg_values(_PROBE_TARGET, _PROBE_BUILD))
        env.update(self._global_values(env))
        value = expand_word(flag.value, env, self.tree.escape)
        if value is None:
            return StagePlatform("unknown", flag)
        if value == _join_platform(_PROBE_BUILD) or value == "linux/xlbuildarch":
            return StagePlatform("build", flag)
        if value == _join_platform(_PROBE_TARGET) or value == "linux/xltargetarch":
            return StagePlatform("target", flag)
        if "xl" in value and ("xlbuild" in value or "xltarget" in value):
            return StagePlatform("unknown", flag)
        parsed = parse_platform(value)
        if parsed is None:
            return StagePlatform("unknown", flag)
        return StagePlatform("constant", flag, constant=format_platform(parsed))

    def _collect_edges(self, stage: Stage, instr: Instruction) -> None:
        if instr.keyword in ("COPY", "ADD"):
            flag = instr.flag("from")
            if flag is not None and flag.value:
                self._add_edge(stage, "copy", flag.value, instr, flag)
        if instr.keyword == "RUN":
            for flag in instr.flags:
                if flag.name.lower() != "mount" or not flag.value:
                    continue
                for part in flag.value.split(","):
                    key, _, val = part.partition("=")
                    if key.strip().lower() == "from" and val:
                        self._add_edge(stage, "mount", val.strip(), instr, flag)

    def _add_edge(
        self, stage: Stage, kind: Literal["copy", "mount"], source: str, instr: Instruction, flag: Flag
    ) -> None:
        expanded = expand_word(source, self.env_before(stage, instr), self.tree.escape)
        src_stage = self.stage_index(expanded, before=stage.index) if expanded is not None else None
        stage.edges.append(Edge(kind, source, src_stage, instr, flag, stage.index))

    def _find_target(self, name: str | None) -> Stage | None:
        if not self.stages:
            return None
        if name is None:
            return self.stages[-1]
        idx = self.stage_index(name)
        return self.stages[idx] if idx is not None else None

    # -- queries ------------------------------------------------------------------------------
    def stage_index(self, ref: str, before: int | None = None) -> int | None:
        """Index of the stage named ``ref`` (case-insensitive) or numbered ``ref``."""
        limit = len(self.stages) if before is None else before
        lowered = ref.lower()
        for stage in self.stages[:limit]:
            if stage.name is not None and stage.name.lower() == lowered:
                return stage.index
        if ref.isdigit() and int(ref) < limit:
            return int(ref)
        return None

    def stage_of(self, instr: Instruction) -> Stage | None:
        idx = self._stage_of.get(instr.span.start)
        return self.stages[idx] if idx is not None else None

    @property
    def reachable(self) -> set[int]:
        """Indexes of the stages the target stage needs (itself included)."""
        found = self._reachable
        if found is None:
            found = self._reachable = self._find_reachable()
        return found

    def _find_reachable(self) -> set[int]:
        if self.target is None:
            return set()
        seen: set[int] = set()
        todo = [self.target.index]
        while todo:
            idx = todo.pop()
            if idx in seen:
                continue
            seen.add(idx)
            todo.extend(e.stage for e in self.stages[idx].edges if e.stage is not None)
        return seen

    def users(self, index: int) -> list[Edge]:
        """Edges from other stages that read stage ``index``."""
        return [e for s in self.stages for e in s.edges if e.stage == index]

    def reaches_target_via_files(self, index: int) -> bool:
        """True when files built in stage ``index`` end up in the target image (through COPY --from,
        RUN --mount=from or being a base of a stage that does)."""
        if self.target is None or index not in self.reachable:
            return False
        return True

    def concrete_platforms(self, stage: Stage) -> list[Platform]:
        """The platform the stage runs on, for each target platform."""
        kind = stage.platform.kind
        if kind == "build":
            return [self.build_platform for _ in self.targets]
        if kind == "constant" and stage.platform.constant is not None:
            parsed = parse_platform(stage.platform.constant)
            if parsed is not None:
                return [parsed for _ in self.targets]
        return list(self.targets)

    def runs_emulated(self, stage: Stage) -> bool:
        """True when some build of this stage runs on a platform other than the build platform (kept
        for the model's life: every XL1xx rule asks)."""
        known = self._runs_emulated
        answer = known.get(id(stage))
        if answer is None:
            answer = known[id(stage)] = stage.platform.kind != "unknown" and any(
                not _same_platform(p, self.build_platform) for p in self.concrete_platforms(stage))
        return answer

    @property
    def multi_platform(self) -> bool:
        return any(not _same_platform(t, self.build_platform) for t in self.targets)

    # -- ARGs and env -------------------------------------------------------------------------
    def _global_values(self, platform_env: Mapping[str, str | Unknown] | None = None) -> dict[str, str | Unknown]:
        """Global ARGs (before the first FROM) with their values. Their defaults may read the automatic
        platform ARGs, given by ``platform_env`` (unknown when not given)."""
        base: dict[str, str | Unknown] = dict(platform_env) if platform_env is not None else {
            name: UNKNOWN for name in PLATFORM_ARGS}
        values = dict(base)
        for decl in self.global_args:
            if decl.default is not None:
                v = expand_word(decl.default, values, self.tree.escape)
                values[decl.name] = v if v is not None else UNKNOWN
            elif decl.name not in PLATFORM_ARGS:
                values[decl.name] = UNKNOWN
        return {k: v for k, v in values.items() if k not in base or v is not base[k]}

    def global_env(self, target: Platform | None = None) -> dict[str, str | Unknown]:
        """Env for FROM lines: automatic platform ARGs plus global ARGs."""
        return dict(self._global_env(target))

    def _global_env(self, target: Platform | None) -> dict[str, str | Unknown]:
        """:meth:`global_env`, made once per target (not to be changed: the same dict is given again)."""
        known = self._xlint_global_env
        found = known.get(target)
        if found is None:
            found = known[target] = self._make_global_env(target)
        return found

    def _make_global_env(self, target: Platform | None) -> dict[str, str | Unknown]:
        env: dict[str, str | Unknown]
        if target is not None:
            env = dict(platform_arg_values(target, self.build_platform))
        else:
            env = {name: UNKNOWN for name in PLATFORM_ARGS}
            env.update({n: v for n, v in platform_arg_values(self.build_platform, self.build_platform).items()
                        if n.startswith("BUILD")})
        env.update(self._global_values(env))
        return env

    def global_default(self, name: str) -> ArgDecl | None:
        found = None
        for decl in self.global_args:
            if decl.name == name:
                found = decl
        return found

    def env_before(self, stage: Stage, instr: Instruction | None, target: Platform | None = None) -> Mapping[
            str, str | Unknown]:
        """The variables in force just before ``instr`` in ``stage`` (ENV of the stage and of the stages
        it is built on, ARGs declared in the stage). Unknown names are unknown, not empty. Kept once the
        model is built (the rules ask the same question about half of the time)."""
        if not self._built:
            return self._env_before(stage, instr, target)
        key = (stage.index, instr.span.start if instr is not None else -1, target)
        found = self._env_memo.get(key)
        if found is None:
            found = self._env_memo[key] = self._env_before(stage, instr, target)
        return found

    def _env_before(self, stage: Stage, instr: Instruction | None, target: Platform | None) -> _StageEnv:
        values: dict[str, str | Unknown] = {}
        chain: list[Stage] = []
        s: Stage | None = stage
        while s is not None:
            chain.append(s)
            s = self.stages[s.base_stage] if s.base_stage is not None else None
        for st in reversed(chain):
            scoped: dict[str, str | Unknown] = {}
            for ins in st.instructions:
                if st is stage and instr is not None and ins.span.start >= instr.span.start:
                    break
                keyword = ins.keyword
                if keyword == "ARG":
                    env = _StageEnv({**scoped, **values})
                    for decl in _arg_decls(ins, st.index):
                        scoped[decl.name] = self._arg_value(decl, env, target)
                elif keyword == "ENV":
                    env = _StageEnv({**scoped, **values})
                    vals = ins.value
                    for i in range(0, len(vals) - 1, 2):
                        v = expand_word(vals[i + 1], env, self.tree.escape)
                        values[vals[i]] = v if v is not None else UNKNOWN
                        env = _StageEnv({**scoped, **values})
            if st is stage:
                values = {**scoped, **values}  # ENV overrides an ARG of the same name
        return _StageEnv(values)

    def _arg_value(
        self, decl: ArgDecl, env: Mapping[str, str | Unknown], target: Platform | None
    ) -> str | Unknown:
        if decl.default is not None:
            v = expand_word(decl.default, env, self.tree.escape)
            return v if v is not None else UNKNOWN
        if decl.name in PLATFORM_ARGS:
            g = self.global_default(decl.name)
            if g is not None and g.default is not None:
                return self._global_env(target).get(decl.name, UNKNOWN)
            if decl.name.startswith("BUILD"):
                return platform_arg_values(self.build_platform, self.build_platform)[decl.name]
            if target is not None:
                return platform_arg_values(target, self.build_platform)[decl.name]
            return UNKNOWN
        return self._global_env(target).get(decl.name, UNKNOWN)

    def expand(self, word: str, stage: Stage, before: Instruction | None = None) -> str | None:
        return expand_word(word, self.env_before(stage, before), self.tree.escape)


def _same_platform(a: Platform, b: Platform) -> bool:
    return a == b or format_platform(a) == format_platform(b)


_NAME_RE = rx(r"[A-Za-z_][A-Za-z0-9_]*")


def _arg_decls(instr: Instruction, stage: int | None) -> list[ArgDecl]:
    decls = []
    for arg in instr.args:
        name, eq, default = arg.value.partition("=")
        decls.append(ArgDecl(name, default if eq else None, instr, arg, stage))
    return decls


_REF_RE = rx(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")


def variable_references(text: str, escape: str = "\\") -> list[tuple[str, int, int]]:
    """``$NAME``/``${NAME...`` references in shell text with their offsets (a shell expands them even
    inside the ``sh -c '...'`` strings that BuildKit's own word rules would leave alone)."""
    out = []
    for m in _REF_RE.finditer(text):
        start = m.start()
        n_esc = 0
        j = start - 1
        while j >= 0 and text[j] == escape:
            n_esc += 1
            j -= 1
        if n_esc % 2:
            continue
        name = m.group(1) or m.group(2)
        out.append((name, start, m.end()))
    return out


def span_of_arg(arg: Arg) -> Span:
    return arg.span


def stage_chain(model: Model, stage: Stage) -> list[Stage]:
    """The stage and the stages it is built on, base first."""
    chain: list[Stage] = []
    s: Stage | None = stage
    while s is not None:
        chain.append(s)
        s = model.stages[s.base_stage] if s.base_stage is not None else None
    return list(reversed(chain))


def earlier_instructions(model: Model, stage: Stage, instr: Instruction | None) -> list[tuple[Stage, Instruction]]:
    """The instructions of the stage chain before ``instr`` (all of them when None), base first."""
    out: list[tuple[Stage, Instruction]] = []
    for st in stage_chain(model, stage):
        for ins in st.instructions:
            if st is stage and instr is not None and ins.span.start >= instr.span.start:
                break
            out.append((st, ins))
    return out


def root_image(model: Model, stage: Stage) -> str:
    """The image the stage chain starts from, with global ARGs expanded (``${GO_IMAGE}:1.22`` with
    ``ARG GO_IMAGE=golang`` is ``golang:1.22``); as written when it cannot be expanded."""
    base = stage_chain(model, stage)[0].base
    return expand_word(base, model.global_env(), model.tree.escape) or base
