"""The model's answers on the tricky cases of BuildKit's semantics (knowledge file, section 1)."""

from __future__ import annotations

from xlint.model import Model
from xlint.syntax import parse


def model(text: str, **kw: object) -> Model:
    return Model(parse(text), **kw)  # type: ignore[arg-type]


def test_stage_names_bases_and_scratch() -> None:
    m = model("FROM golang:1.22 AS Build\nRUN true\nFROM scratch\nCOPY --from=build /a /a\n")
    assert [s.name for s in m.stages] == ["Build", None]
    assert m.stages[0].base == "golang:1.22" and m.stages[0].base_stage is None
    assert m.stages[1].is_scratch
    assert m.target is m.stages[1]
    edge = m.stages[1].edges[0]
    assert (edge.kind, edge.stage) == ("copy", 0)  # stage names are case-insensitive
    assert m.reachable == {0, 1}


def test_platform_kinds_all_spellings() -> None:
    text = (
        "FROM --platform=$BUILDPLATFORM a AS b1\n"
        "FROM --platform=${BUILDPLATFORM} a AS b2\n"
        'FROM --platform="$BUILDPLATFORM" a AS b3\n'
        "FROM --platform=$BUILDOS/$BUILDARCH a AS b4\n"
        "FROM --platform=$TARGETPLATFORM a AS t1\n"
        "FROM a AS t2\n"
        "FROM --platform=linux/amd64 a AS c1\n"
        "FROM --platform=$UNKNOWN_ARG a AS u1\n"
    )
    m = model(text)
    kinds = {s.name: s.platform.kind for s in m.stages}
    assert kinds == {"b1": "build", "b2": "build", "b3": "build", "b4": "build", "t1": "target", "t2": "target",
                     "c1": "constant", "u1": "unknown"}
    assert m.stages[6].platform.constant == "linux/amd64"


def test_global_arg_feeds_platform_flag() -> None:
    m = model("ARG P=linux/arm64\nFROM --platform=$P a\n")
    assert m.stages[0].platform.kind == "constant"
    assert m.stages[0].platform.constant == "linux/arm64"
    m = model("ARG BP=$BUILDPLATFORM\nFROM --platform=$BP a\n")
    assert m.stages[0].platform.kind == "build"


def test_stage_ref_inherits_platform_and_ignores_flag() -> None:
    m = model("FROM --platform=$BUILDPLATFORM golang AS base\nFROM --platform=$TARGETPLATFORM base AS build\n"
              "FROM base AS other\nFROM alpine\nCOPY --from=build /x /x\n")
    build = m.stages[1]
    assert build.base_stage == 0
    assert build.platform.kind == "build"  # inherited: BuildKit ignores the flag on a stage reference
    assert build.platform.flag_ignored and build.platform.inherited_from == 0
    assert not m.stages[2].platform.flag_ignored and m.stages[2].platform.kind == "build"
    assert m.reachable == {0, 1, 3}


def test_emulation_depends_on_targets_and_build_platform() -> None:
    text = "FROM --platform=$BUILDPLATFORM golang AS build\nFROM alpine\n"
    m = model(text, targets=["linux/amd64", "linux/arm64"], build_platform="linux/amd64")
    assert not m.runs_emulated(m.stages[0]) and m.runs_emulated(m.stages[1])
    m = model(text, targets=["linux/amd64"], build_platform="linux/amd64")
    assert not m.runs_emulated(m.stages[1]) and not m.multi_platform
    m = model("FROM --platform=linux/amd64 alpine\n", targets=["linux/amd64"], build_platform="linux/arm64")
    assert m.runs_emulated(m.stages[0])


def test_arg_scopes_and_defaults() -> None:
    text = ("ARG VERSION=1.2\nARG TARGETARCH\nFROM alpine AS a\nRUN echo $VERSION\nARG VERSION\n"
            "ARG TARGETARCH\nRUN echo $VERSION $TARGETARCH\nFROM a\nRUN echo $TARGETARCH\n")
    m = model(text)
    assert [d.name for d in m.global_args] == ["VERSION", "TARGETARCH"]
    a = m.stages[0]
    first_run, arg_v, arg_t, second_run = a.instructions
    assert a.declaration("VERSION", before=first_run) is None
    decl = a.declaration("VERSION", before=second_run)
    assert decl is not None and decl.instruction is arg_v and decl.default is None
    assert a.declaration("TARGETARCH", before=second_run).instruction is arg_t  # type: ignore[union-attr]
    env = m.env_before(a, second_run)
    assert env["VERSION"] == "1.2"  # stage ARG without default takes the global default
    assert m.expand("$VERSION", a, second_run) == "1.2"
    assert m.expand("$VERSION", a, first_run) is None  # not declared yet in the stage: unknown/empty, not 1.2
    # TARGETARCH declared in the stage has no single value when targets are several
    assert m.expand("$TARGETARCH", a, second_run) is None
    # a stage built on another does not inherit its ARGs
    b = m.stages[1]
    assert b.declaration("TARGETARCH") is None


def test_platform_arg_default_pins_value() -> None:
    m = model("FROM alpine\nARG TARGETARCH=amd64\nRUN echo\n")
    s = m.stages[0]
    assert m.expand("${TARGETARCH}", s, s.instructions[1]) == "amd64"
    decl = s.declaration("TARGETARCH")
    assert decl is not None and decl.default == "amd64"


def test_env_carries_to_child_stage_and_expansion_forms() -> None:
    m = model("FROM alpine AS a\nENV GOOS=linux X=${GOOS}-x\nFROM a\nRUN true\n")
    b = m.stages[1]
    run = b.instructions[0]
    assert m.expand("$GOOS ${X} ${X%-x} ${X:+set}", b, run) == "linux linux-x linux set"
    assert m.expand("${NOPE:-d}", b, run) is None  # the base image may set NOPE: not guessed
    assert m.expand("$FROM_BASE_IMAGE", b, run) is None  # may be set by the base image: unknown


def test_mount_from_and_target_option() -> None:
    text = ("FROM alpine AS deps\nFROM alpine AS unused\nFROM alpine AS app\n"
            "RUN --mount=type=cache,target=/c --mount=type=bind,from=deps,target=/d true\nFROM alpine AS last\n")
    m = model(text, target_stage="app")
    assert m.target is m.stages[2]
    assert [(e.kind, e.stage) for e in m.stages[2].edges] == [("mount", 0)]
    assert m.reachable == {0, 2}
    assert m.users(0)[0].target == 2


def test_copy_from_image_is_not_a_stage() -> None:
    m = model("FROM alpine AS a\nFROM alpine\nCOPY --from=nginx:latest /x /x\nCOPY --from=0 /y /y\n")
    edges = m.stages[1].edges
    assert [(e.source, e.stage) for e in edges] == [("nginx:latest", None), ("0", 0)]


def test_stage_named_through_platform_args_resolves_per_target() -> None:
    # `FROM ${TARGETOS}` names the stage `linux`; `FROM base-${TARGETARCH}` one stage per target architecture
    text = (
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS linux\nRUN go version\n"
        "FROM --platform=linux/arm64 alpine AS base-arm64\nRUN apk add gcc\n"
        "FROM alpine AS base-amd64\n"
        "FROM ${TARGETOS} AS target\nRUN echo built\n"
        "FROM base-${TARGETARCH}\nCOPY --from=target /x /x\n"
    )
    m = model(text, build_platform="linux/amd64")
    target, final = m.stages[3], m.stages[4]
    assert target.base_stage == 0 and target.platform.kind == "build"
    # the emulated target's stage first; both variants are part of the build
    assert final.base_stage == 1 and [e.stage for e in final.edges if e.kind == "base"] == [1, 2]
    assert m.reachable == {0, 1, 2, 3, 4}
    assert m.runs_emulated(m.stages[1])  # the constant linux/arm64 stage the arm64 image selects


def test_stage_named_through_platform_args_without_a_match_stays_an_image() -> None:
    m = model("FROM alpine AS base-amd64\nFROM base-${TARGETARCH}\n", build_platform="linux/amd64")
    # arm64 names no stage: only the amd64 variant resolves
    assert m.stages[1].base_stage == 0
    m = model("FROM example.com/tool:${TARGETARCH}\n")
    assert m.stages[0].base_stage is None
