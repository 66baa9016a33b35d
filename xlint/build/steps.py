"""From BuildKit vertexes to Dockerfile steps: platform, where the step ran, and its Dockerfile line.

BuildKit names a Dockerfile step ``[linux/arm64 build 3/5] RUN go build ...``: the platform the step
runs on (``linux/amd64->arm64`` for a stage pinned to the build platform that receives TARGET args),
the stage name (``stage-N`` when unnamed; omitted in single-platform builds), and ``i/N``. ``N`` counts
the stage's FROM (when its base is an image or a named context) and its ADD/COPY/RUN/WORKDIR; ``i`` is
the step's position, where a FROM from a ``--build-context`` is not shown and does not advance ``i``.
So a step is matched by its text first and by its position second.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from xlint.build.progress import Vertex
from xlint.records import field, record

COUNTED = {"ADD", "COPY", "RUN", "WORKDIR"}
OSES = {"linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "solaris", "illumos", "aix", "wasip1"}

_NAME = re.compile(r"^\[(?P<inner>[^\]]*?)\s*(?P<i>\d+)/(?P<n>\d+)\]\s*(?P<text>.*)$", re.S)


class _FlagLike(Protocol):
    name: str
    value: str | None


class _ArgLike(Protocol):
    value: str


class InstructionLike(Protocol):
    keyword: str
    start_line: int
    end_line: int
    original: str

    @property
    def flags(self) -> Sequence[_FlagLike]: ...

    @property
    def args(self) -> Sequence[_ArgLike]: ...


@record
class StageInfo:
    index: int
    name: str  # as written after AS, lower case; "" when unnamed
    base: str
    platform_flag: str | None
    from_line: int
    from_text: str
    steps: list[InstructionLike] = field(default_factory=list)  # counted instructions, in order


@record
class VertexName:
    exec_platform: str | None  # the platform the step runs on
    target_platform: str | None  # the ``->target`` part, when it differs
    stage: str | None
    index: int
    total: int
    text: str


def parse_vertex_name(name: str) -> VertexName | None:
    """``[linux/amd64->arm64 build 3/5] RUN x`` -> its parts; None for internal/context vertexes."""
    m = _NAME.match(name)
    if not m:
        return None
    words = m.group("inner").split()
    exec_platform: str | None = None
    target: str | None = None
    stage: str | None = None
    if words and ("/" in words[0] and words[0].split("/", 1)[0].split("->")[0] in OSES):
        plat = words.pop(0)
        if "->" in plat:
            exec_platform, tgt = plat.split("->", 1)
            os_name = exec_platform.split("/", 1)[0]
            target = tgt if tgt.split("/", 1)[0] in OSES else f"{os_name}/{tgt}"
        else:
            exec_platform = plat
    if words:
        if words[0] == "internal" or words[0] == "context":
            return None
        stage = words[0]
    return VertexName(exec_platform, target, stage, int(m.group("i")), int(m.group("n")), m.group("text").strip())


def _norm(text: str) -> str:
    return " ".join(text.replace("\\\n", " ").split())


def stages_of(instructions: Iterable[InstructionLike]) -> list[StageInfo]:
    stages: list[StageInfo] = []
    for ins in instructions:
        kw = ins.keyword.upper()
        if kw == "FROM":
            words = [a.value for a in ins.args]
            base = words[0] if words else ""
            name = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else ""
            plat = None
            for f in ins.flags:
                if f.name.lower() == "platform":
                    plat = f.value
            stages.append(StageInfo(len(stages), name, base, plat, ins.start_line, ins.original or ""))
        elif stages and kw in COUNTED:
            stages[-1].steps.append(ins)
    return stages


def _stage_for(stages: list[StageInfo], label: str | None, total: int) -> list[StageInfo]:
    if label is not None:
        low = label.lower()
        hits = [s for s in stages if s.name == low]
        if not hits and low.startswith("stage-") and low[6:].isdigit():
            k = int(low[6:])
            hits = [s for s in stages if s.index == k]
        if hits:
            return hits
    # unnamed (single-platform builds omit the stage): candidates whose step count fits N
    return [s for s in stages if total in (len(s.steps), len(s.steps) + 1)] or stages


def match_instruction(
    stages: list[StageInfo], vn: VertexName
) -> tuple[StageInfo | None, InstructionLike | None, bool]:
    """(stage, instruction, is_from). Text match within the candidate stages; position as fallback."""
    text = _norm(vn.text)
    candidates = _stage_for(stages, vn.stage, vn.total)
    if text.upper().startswith("FROM "):
        for s in candidates:
            if len(s.steps) + 1 == vn.total:
                return s, None, True
        return (candidates[0], None, True) if candidates else (None, None, True)
    best: tuple[int, StageInfo, InstructionLike] | None = None
    keyword = text.split(" ", 1)[0].upper()
    for s in candidates:
        has_from = vn.total == len(s.steps) + 1
        # FROM counted in N: position i-2 (FROM shown) or i-1 (FROM from a named context, not shown)
        expected = {vn.index - 2, vn.index - 1} if has_from else {vn.index - 1}
        for pos, ins in enumerate(s.steps):
            if not _same_text(ins.original, text):
                continue
            dist = min(abs(pos - e) for e in expected)
            if best is None or dist < best[0]:
                best = (dist, s, ins)
    if best is not None:
        return best[1], best[2], False
    for s in candidates:
        has_from = vn.total == len(s.steps) + 1
        positions = [vn.index - 1, vn.index - 2] if has_from else [vn.index - 1]
        for pos in positions:
            if 0 <= pos < len(s.steps) and s.steps[pos].keyword.upper() == keyword:
                return s, s.steps[pos], False
    return None, None, False


_VAR = re.compile(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*")


def _same_text(original: str, shown: str) -> bool:
    """BuildKit shows the instruction with build args expanded (``GOARCH=$TARGETARCH`` -> ``GOARCH=arm64``)
    and may shorten it; a variable in the source matches any text."""
    orig = _norm(original)
    if not orig:
        return False
    if orig == shown or orig.startswith(shown) or shown.startswith(orig):
        return True
    if "$" not in orig:
        return False
    parts = _VAR.split(orig)
    pattern = "(?:.*?)".join(re.escape(p) for p in parts)
    return re.fullmatch(pattern, shown, re.S) is not None or re.match(pattern, shown + " ", re.S) is not None


def arch_of(platform: str) -> str:
    parts = platform.split("/")
    return parts[1] if len(parts) > 1 else parts[0]


def native_platforms(builder_platforms: Sequence[str]) -> set[str]:
    """A node's first platform is its native one; its variants (amd64/v2...) and 386 on amd64 are too."""
    if not builder_platforms:
        return set()
    first = builder_platforms[0]
    os_name, arch = first.split("/")[0], arch_of(first)
    native = {p for p in builder_platforms if p.split("/")[0] == os_name and arch_of(p) == arch}
    native.add(f"{os_name}/{arch}")
    if arch == "amd64":
        native.add(f"{os_name}/386")
    return native


def is_native(platform: str, native: set[str]) -> bool:
    if platform in native:
        return True
    base = "/".join(platform.split("/")[:2])
    return base in native


@record
class Step:
    name: str
    keyword: str
    text: str
    platform: str  # the target platform this step belongs to
    exec_platform: str  # where it executes
    placement: str  # "native" | "cross" | "emulated"
    duration: float | None
    cached: bool
    error: str
    stage: str
    line: int | None
    end_line: int | None
    dockerfile: str
    logs: str = ""
    rules: list[str] = field(default_factory=list)
    start: float | None = None  # seconds from the start of the build

    @property
    def where(self) -> str:
        if self.placement == "cross":
            return f"cross {arch_of(self.exec_platform)}->{arch_of(self.platform)}"
        if self.placement == "emulated":
            return f"emulated on {self.exec_platform}"
        return f"native on {self.exec_platform}"

    def location(self) -> str:
        return f"{self.dockerfile}:{self.line}" if self.line else self.dockerfile

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "keyword": self.keyword,
            "instruction": self.text,
            "stage": self.stage,
            "platform": self.platform,
            "exec_platform": self.exec_platform,
            "placement": self.placement,
            "duration_s": None if self.duration is None else round(self.duration, 3),
            "cached": self.cached,
            "error": self.error or None,
            "dockerfile": self.dockerfile,
            "line": self.line,
            "end_line": self.end_line,
            "rules": self.rules,
            "start_s": None if self.start is None else round(self.start, 3),
        }


def own_steps(vertexes: Sequence[Vertex], origin: datetime | None) -> list[tuple[Vertex, VertexName]]:
    """The Dockerfile-step vertexes of this build, one per step name.

    On a daemon shared with other builds BuildKit merges identical work, and the stream can carry the
    other build's vertexes for the same steps (same name, other digest). One that started before this
    build did is the other build's: this build's own vertex for that step says how it got the result
    (usually cached). Of the rest, a name seen twice keeps the vertex that took longest: the time this
    build waited for that step."""
    best: dict[str, tuple[Vertex, VertexName]] = {}
    for v in vertexes:
        vn = parse_vertex_name(v.name)
        if vn is None:
            continue
        if origin is not None and v.started is not None and v.started < origin:
            continue
        seen = best.get(v.name)
        if seen is None or (v.duration or -1.0) > (seen[0].duration or -1.0):
            best[v.name] = (v, vn)
    return list(best.values())


def build_steps(
    vertexes: Iterable[Vertex],
    instructions: Sequence[InstructionLike],
    *,
    dockerfile: str,
    platforms: Sequence[str],
    build_platform: str,
    native: set[str],
    origin: datetime | None = None,
) -> list[Step]:
    """Dockerfile steps from vertexes (internal, context-loading and export vertexes are left out).

    ``origin`` is the build's start, for each step's ``start`` (default: the earliest vertex start)."""
    vertexes = list(vertexes)
    if origin is None:
        starts = [v.started for v in vertexes if v.started is not None]
        origin = min(starts) if starts else None
    stages = stages_of(instructions)
    steps: list[Step] = []
    for v, vn in own_steps(vertexes, origin):
        stage, ins, is_from = match_instruction(stages, vn)
        keyword = "FROM" if is_from else (ins.keyword.upper() if ins else vn.text.split(" ", 1)[0].upper())
        exec_platform = vn.exec_platform
        target = vn.target_platform or vn.exec_platform
        if exec_platform is None:
            # single-platform build: BuildKit leaves the platform out of the name
            target = platforms[0] if platforms else build_platform
            flag = stage.platform_flag if stage else None
            if flag and "BUILDPLATFORM" in flag:
                exec_platform = build_platform
            elif flag and "$" not in flag:
                exec_platform = flag
            else:
                exec_platform = target
        assert target is not None
        if not is_native(exec_platform, native):
            placement = "emulated" if keyword == "RUN" else "native"
            if keyword != "RUN":
                exec_platform = build_platform  # file operations run in BuildKit itself
        elif arch_of(target) != arch_of(exec_platform) or vn.target_platform:
            placement = "cross"
        else:
            placement = "native"
        line = end = None
        if is_from and stage is not None:
            line = end = stage.from_line
        elif ins is not None:
            line, end = ins.start_line, ins.end_line
        steps.append(
            Step(
                name=v.name,
                keyword=keyword,
                text=vn.text,
                platform=target,
                exec_platform=exec_platform,
                placement=placement,
                duration=v.duration,
                cached=v.cached,
                error=v.error,
                stage=(stage.name or f"stage-{stage.index}") if stage else (vn.stage or ""),
                line=line,
                end_line=end,
                dockerfile=dockerfile,
                logs=v.log_text() if v.error else "",
                start=(v.started - origin).total_seconds() if v.started and origin else None,
            )
        )
    return steps
