"""Builder-stage fixes (XL101, XL104-XL106, XL109, XL207, XL208): exact outputs on the fixtures, and over
every fixture and example: the result parses (ours and BuildKit's parser), is idempotent and leaves no
finding of the rule it fixed."""

from __future__ import annotations

from pathlib import Path

import dockerfile
import pytest

from xlint.checker import check_text
from xlint.fixes.engine import fix_text
from xlint.fixes.go import go_uses_cgo
from xlint.rule import CheckOptions, Invalid, Rule, all_rules, rule_by_code
from xlint.syntax import parse

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DATA = Path(__file__).resolve().parent / "data" / "fix"
MINE = ("XL101", "XL104", "XL105", "XL106", "XL109", "XL207", "XL208")


def _rules(codes: tuple[str, ...] = MINE) -> list[type[Rule]]:
    out = []
    for c in codes:
        r = rule_by_code(c)
        assert r is not None
        out.append(r)
    return out


def _dockerfiles() -> list[Path]:
    names = []
    for p in sorted(FIXTURES.rglob("*")):
        n = p.name
        if p.is_file() and (n == "Dockerfile" or n.startswith("Dockerfile.") or n.endswith(".Dockerfile")
                            or n == "Containerfile"):
            names.append(p)
    return names


def _examples() -> list[tuple[str, Invalid]]:
    return [(f"{r.code}-{i}", ex) for r in _rules() for i, ex in enumerate(r.invalid)]


def _opts(context: Path | None, platforms: tuple[str, ...] = ("linux/amd64", "linux/arm64")) -> CheckOptions:
    return CheckOptions(platforms=platforms, build_platform="linux/amd64", context=context)


def _check_result(text: str, path: str, options: CheckOptions, rules: list[type[Rule]], unsafe: bool) -> None:
    result = fix_text(text, path, options, rules, unsafe=unsafe)
    parse(result.text, path=path)
    ours = [i.keyword for i in parse(result.text, path=path).instructions]
    theirs = [c.cmd.upper() for c in dockerfile.parse_string(result.text)]
    assert ours == theirs
    again = fix_text(result.text, path, options, rules, unsafe=unsafe)
    assert again.text == result.text, "not idempotent"
    fixed = {d.code for d in result.applied}
    left = [d for d in again.remaining if d.code in fixed and d.code in MINE]
    assert left == [], left


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("path", _dockerfiles(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_fix_is_sound(path: Path, unsafe: bool) -> None:
    _check_result(path.read_text(encoding="utf-8", errors="surrogateescape"), str(path), _opts(path.parent),
                  _rules(), unsafe)


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("path", _dockerfiles(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_fix_is_sound_with_all_rules(path: Path, unsafe: bool) -> None:
    _check_result(path.read_text(encoding="utf-8", errors="surrogateescape"), str(path), _opts(path.parent),
                  all_rules(), unsafe)


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe"])
@pytest.mark.parametrize("case", _examples(), ids=lambda c: c[0])
def test_example_fix_is_sound(case: tuple[str, Invalid], unsafe: bool) -> None:
    _, ex = case
    _check_result(ex.text, "Dockerfile", _opts(None, ex.platforms), all_rules(), unsafe)


EXPECTED = [
    ("go-hello/Dockerfile.emulated", "go-hello.Dockerfile.emulated", False, "XL101"),
    ("go-hello/Dockerfile.single", "go-hello.Dockerfile.single", True, "XL101"),
    ("java-maven/Dockerfile", "java-maven.Dockerfile", False, "XL105"),
    ("node-frontend/Dockerfile", "node-frontend.Dockerfile", False, "XL104"),
    ("dotnet-console/Dockerfile", "dotnet-console.Dockerfile", False, "XL106"),
]


@pytest.mark.parametrize("src,expected,unsafe,code", EXPECTED, ids=[e[1] for e in EXPECTED])
def test_exact_fixture_outputs(src: str, expected: str, unsafe: bool, code: str) -> None:
    path = FIXTURES / src
    result = fix_text(path.read_text(), str(path), _opts(path.parent), _rules(), unsafe=unsafe)
    assert result.text == (DATA / expected).read_text()
    assert [d.code for d in result.applied] == [code]
    assert result.dropped == []


def test_safe_fixes_do_not_split() -> None:
    path = FIXTURES / "go-hello" / "Dockerfile.single"
    result = fix_text(path.read_text(), str(path), _opts(path.parent), _rules(), unsafe=False)
    assert result.text == path.read_text()


def _stage_lines(text: str, stage: int) -> list[str]:
    tree = parse(text)
    out: list[list[str]] = []
    for instr in tree.instructions:
        if instr.keyword == "FROM":
            out.append([])
        out[-1].append(instr.text.strip())
    return out[stage]


def test_go_emulated_becomes_the_cross_build_shape() -> None:
    """The fixed builder of Dockerfile.emulated is the builder of the hand-written cross Dockerfile."""
    fixed = (DATA / "go-hello.Dockerfile.emulated").read_text()
    reference = (FIXTURES / "go-hello" / "Dockerfile").read_text()
    assert _stage_lines(fixed, 0) == _stage_lines(reference, 0)


def test_fixed_fixtures_have_no_emulated_build() -> None:
    for _src, expected, _unsafe, code in EXPECTED:
        text = (DATA / expected).read_text()
        diags = check_text(text, "Dockerfile", _opts(None), _rules((code, "XL204", "XL201")))
        assert diags == [], (expected, diags)


# -------------------------------------------------------------------------------------------------
# cgo and the build context


def _go_context(tmp_path: Path, source: str, gomod: str = "module example.com/app\n\ngo 1.22\n") -> Path:
    (tmp_path / "go.mod").write_text(gomod)
    (tmp_path / "main.go").write_text(source)
    return tmp_path


PLAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n'
CGO = 'package main\n\n// #include <stdio.h>\nimport "C"\n\nfunc main() {}\n'

BUILDER = (
    "FROM golang:1.22 AS build\n"
    "WORKDIR /src\n"
    "COPY . .\n"
    "RUN go build -o /out/app .\n"
    "FROM scratch\n"
    "COPY --from=build /out/app /app\n"
)


def test_go_uses_cgo(tmp_path: Path) -> None:
    assert go_uses_cgo(None) is None
    assert go_uses_cgo(tmp_path) is None  # no Go files: unknown
    (tmp_path / "a").mkdir()
    assert go_uses_cgo(_go_context(tmp_path / "a", PLAIN)) is False
    (tmp_path / "b").mkdir()
    assert go_uses_cgo(_go_context(tmp_path / "b", CGO)) is True
    (tmp_path / "c").mkdir()
    sqlite = "module x\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n"
    assert go_uses_cgo(_go_context(tmp_path / "c", PLAIN, sqlite)) is True
    (tmp_path / "d").mkdir()
    ctx = _go_context(tmp_path / "d", PLAIN)
    (ctx / "x_test.go").write_text(CGO)  # tests are not built by `go build`
    assert go_uses_cgo(ctx) is False


def test_xl101_sets_cgo_off_when_the_context_has_no_cgo(tmp_path: Path) -> None:
    ctx = _go_context(tmp_path, PLAIN)
    result = fix_text(BUILDER, "Dockerfile", _opts(ctx), all_rules())
    assert result.text == (
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .\n"
        "FROM scratch\n"
        "COPY --from=build /out/app /app\n"
    )


def test_xl101_cgo_builds_get_only_the_unsafe_xx_rewrite(tmp_path: Path) -> None:
    ctx = _go_context(tmp_path, CGO)
    diags = check_text(BUILDER, "Dockerfile", _opts(ctx), _rules(("XL101",)))
    assert len(diags) == 1 and diags[0].fix is not None
    assert diags[0].fix.applicability == "unsafe" and "tonistiigi/xx" in diags[0].fix.title
    assert fix_text(BUILDER, "Dockerfile", _opts(ctx), all_rules()).text == BUILDER  # no safe fix
    fixed = fix_text(BUILDER, "Dockerfile", _opts(ctx), _rules(("XL101",)), unsafe=True).text
    assert "FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx" in fixed
    assert "CGO_ENABLED=1 xx-go build" in fixed and "xx-verify" in fixed


def test_xl101_without_context_assumes_no_cgo_as_an_unsafe_fix_and_says_so() -> None:
    diags = check_text(BUILDER, "Dockerfile", _opts(None), _rules(("XL101",)))
    assert diags[0].fix is not None and diags[0].fix.applicability == "unsafe"
    assert "CGO_ENABLED=0 assumed" in diags[0].fix.title
    assert fix_text(BUILDER, "Dockerfile", _opts(None), _rules()).text == BUILDER  # no safe fix
    # every rule on: the result sets CGO_ENABLED explicitly, so XL208 does not fire and the fix stays
    full = fix_text(BUILDER, "Dockerfile", _opts(None), _rules(), unsafe=True)
    assert "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build" in full.text
    assert not full.dropped


CROSS = (
    "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
    "ARG TARGETOS TARGETARCH\n"
    "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/a ./a && go build -o /out/b ./b\n"
    "FROM scratch\n"
    "COPY --from=build /out /out\n"
)


def test_xl208_fix_needs_a_readable_context(tmp_path: Path) -> None:
    diags = check_text(CROSS, "Dockerfile", _opts(None), _rules(("XL208",)))
    assert diags[0].fix is None and "could not be read" in diags[0].hint
    ctx = _go_context(tmp_path, PLAIN)
    result = fix_text(CROSS, "Dockerfile", _opts(ctx), _rules(("XL208",)))
    assert result.text == CROSS.replace("RUN GOOS", "RUN CGO_ENABLED=0 GOOS")
    cgo = tmp_path / "cgo"
    cgo.mkdir()
    diags = check_text(CROSS, "Dockerfile", _opts(_go_context(cgo, CGO)), _rules(("XL208",)))
    assert diags[0].fix is None and "use cgo" in diags[0].hint


def test_xl208_fixes_every_command_at_once(tmp_path: Path) -> None:
    ctx = _go_context(tmp_path, PLAIN)
    text = CROSS.replace("&& go build -o /out/b ./b", "&& GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/b ./b")
    result = fix_text(text, "Dockerfile", _opts(ctx), _rules(("XL208",)))
    assert result.text.count("CGO_ENABLED=0 GOOS") == 2
    assert result.remaining == []


# -------------------------------------------------------------------------------------------------
# What is reported and not fixed


@pytest.mark.parametrize(
    "text,code,why",
    [
        ("FROM node:20 AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n"
         "FROM node:20-slim\nCOPY --from=build /app /app\n", "XL104", "holds the node_modules installed in `/app`"),
        ("FROM node:20 AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build -- --out /gen\n"
         "FROM node:20-slim\nCOPY --from=build /gen /app\n", "XL104", "not a known asset folder"),
        ("FROM node:20 AS build\nRUN npm ci\nFROM node:20-slim\nCOPY --from=build /app/node_modules ./node_modules\n",
         "XL104", "node_modules"),
        ("FROM eclipse-temurin:21-jdk AS build\nRUN ./mvnw package -Pnative\nFROM debian\nCOPY --from=build /a /a\n",
         "XL105", "GraalVM"),
        ("FROM golang:1.22 AS base\nRUN uname -m > /arch\nFROM base AS build\nRUN CGO_ENABLED=0 go build -o /app .\n"
             "FROM base\nCOPY --from=build /app /app\n", "XL101", "probes the machine's architecture"),
        ("FROM golang:1.22 AS build\nRUN CGO_ENABLED=0 go build -o /app .\nFROM build AS test\nRUN go vet\n"
         "FROM scratch\nCOPY --from=build /app /app\nCOPY --from=test /x /x\n", "XL101", "built FROM it"),
        ("FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nRUN dotnet publish -r win-x64 -o /out\n"
         "FROM mcr.microsoft.com/dotnet/runtime:8.0\nCOPY --from=build /out /app\n", "XL106", "not a Linux one"),
        ("FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nRUN dotnet publish -c Release \"-p:Foo=1;PublishAOT=true\" -o /out\n"
         "FROM mcr.microsoft.com/dotnet/runtime-deps:8.0\nCOPY --from=build /out /app\n", "XL106", "Native AOT"),
        ("FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nENV PublishAot=true\nRUN dotnet publish -o /o\n"
         "FROM mcr.microsoft.com/dotnet/runtime-deps:8.0\nCOPY --from=build /o /app\n", "XL106", "in the environment"),
        ("FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nARG AOT=true\nRUN dotnet publish --property:PublishAot=$AOT -o /o\n"
         "FROM mcr.microsoft.com/dotnet/runtime-deps:8.0\nCOPY --from=build /o /app\n", "XL106", "Native AOT"),
        ("FROM golang:1.22\nRUN go build -o /app . && ./app --selftest\n", "XL101", "also runs"),
        # a compiler installed with nothing after it to compile: xlint says so instead of "it goes with them"
        ("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y build-essential curl\nCMD [\"sh\"]\n",
         "XL108", "nothing after it in the stage (or in a stage built on it) compiles"),
        ("FROM debian:bookworm AS base\nRUN apt-get install -y gcc\nFROM base\nRUN make -C /src\n",
         "XL108", "Install the toolchain in a `FROM --platform=$BUILDPLATFORM` builder"),
    ],
)
def test_reported_without_fix(text: str, code: str, why: str) -> None:
    diags = [d for d in check_text(text, "Dockerfile", _opts(None), _rules((code,))) if d.code == code]
    assert diags, "expected a finding"
    assert all(d.fix is None for d in diags)
    assert why in diags[0].hint
    assert fix_text(text, "Dockerfile", _opts(None), all_rules(), unsafe=True).text == text


def test_one_fix_per_stage_fixes_every_finding_of_the_stage() -> None:
    text = (
        "FROM golang:1.22 AS build\n"
        "RUN CGO_ENABLED=0 go build -o /out/a ./a\n"
        "RUN CGO_ENABLED=0 go build -o /out/b ./b\n"
        "FROM scratch\n"
        "COPY --from=build /out /out\n"
    )
    result = fix_text(text, "Dockerfile", _opts(None), all_rules())
    assert result.text == (
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
        "ARG TARGETOS TARGETARCH\n"
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/a ./a\n"
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/b ./b\n"
        "FROM scratch\n"
        "COPY --from=build /out /out\n"
    )
    assert [d for d in result.remaining if d.code == "XL101"] == []


def test_arg_goes_above_the_comment_of_the_compile_and_follows_crlf() -> None:
    text = (
        "FROM golang:1.22 AS build\r\n"
        "RUN go mod download\r\n"
        "# xlint: ignore=XL999\r\n"
        "RUN CGO_ENABLED=0 go build -o /app .\r\n"
        "FROM scratch\r\n"
        "COPY --from=build /app /app\r\n"
    )
    result = fix_text(text, "Dockerfile", _opts(None), _rules(("XL101",)))
    assert result.text == (
        "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\r\n"
        "RUN go mod download\r\n"
        "ARG TARGETOS TARGETARCH\r\n"
        "# xlint: ignore=XL999\r\n"
        "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /app .\r\n"
        "FROM scratch\r\n"
        "COPY --from=build /app /app\r\n"
    )


def test_dotnet_publish_with_aot_off_is_moved() -> None:
    text = ("FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nRUN dotnet publish -p:PublishAot=false -o /out\n"
            "FROM mcr.microsoft.com/dotnet/runtime:8.0\nCOPY --from=build /out /app\n")
    result = fix_text(text, "Dockerfile", _opts(None), all_rules())
    assert "FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build" in result.text
    assert "dotnet publish -a $TARGETARCH -p:PublishAot=false" in result.text
