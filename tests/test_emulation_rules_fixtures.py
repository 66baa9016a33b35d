"""The emulation (XL1xx) and cross-build (XL204, XL207, XL208) rules over fixtures/: every planted
emulated compile is reported by the right rule, where it is, and nothing else is."""

from __future__ import annotations

from pathlib import Path

from xlint.checker import check_text
from xlint.diagnostics import Diagnostic
from xlint.files import discover
from xlint.rule import CheckOptions, Rule, all_rules

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CODES = {"XL101", "XL102", "XL103", "XL104", "XL105", "XL106", "XL107", "XL108", "XL109", "XL204", "XL207",
         "XL208"}
RULES: list[type[Rule]] = [r for r in all_rules() if r.code in CODES]


def _check(platforms: tuple[str, ...] = ("linux/amd64", "linux/arm64"), build: str = "linux/amd64",
           context: bool = True) -> list[tuple[str, int, str, Diagnostic]]:
    out = []
    for f in sorted(discover([str(FIXTURES)])):
        path = Path(f)
        opts = CheckOptions(platforms=platforms, build_platform=build, context=path.parent if context else None)
        for d in check_text(path.read_bytes(), f, opts, RULES):
            out.append((path.relative_to(FIXTURES).as_posix(), d.line, d.code, d))
    return out


EXPECTED = {
    ("c-cmake/Dockerfile", 6, "XL108"),  # apt-get install build-essential (the command starts on line 6)
    ("c-cmake/Dockerfile", 10, "XL103"),  # cmake --build (the `cmake -B` configure is not a compile)
    ("dotnet-console/Dockerfile", 8, "XL106"),  # dotnet restore
    ("dotnet-console/Dockerfile", 10, "XL106"),  # dotnet publish
    ("go-hello/Dockerfile.emulated", 8, "XL101"),  # go build (go mod download is not reported)
    ("go-hello/Dockerfile.single", 7, "XL101"),
    ("java-maven/Dockerfile", 7, "XL105"),  # mvn dependency:go-offline
    ("java-maven/Dockerfile", 9, "XL105"),  # mvn package
    ("node-frontend/Dockerfile", 7, "XL104"),  # npm ci
    ("node-frontend/Dockerfile", 10, "XL104"),  # npm run build
    ("python-cext/Dockerfile", 6, "XL108"),  # apt-get install gcc
    ("python-cext/Dockerfile", 11, "XL107"),  # pip install . (setup.py ext_modules)
    ("rust-cli/Dockerfile", 8, "XL102"),  # cargo build
    # the per-arch copies of multiarch-k8s (XL405's subject): each compiles in a target-platform builder
    ("multiarch-k8s/Dockerfile.amd64", 5, "XL101"),
    ("multiarch-k8s/Dockerfile.arm64", 5, "XL101"),
}


def test_exact_findings_default_platforms() -> None:
    found = {(f, line, code) for f, line, code, _ in _check()}
    assert found == EXPECTED
    # one report per command: no duplicates
    assert len(_check()) == len(EXPECTED)


def test_messages_name_toolchain_cost_and_platform() -> None:
    by_key = {(f, line, code): d for f, line, code, d in _check()}
    go = by_key[("go-hello/Dockerfile.emulated", 8, "XL101")]
    assert "`go build`" in go.message and "7.2x" in go.message and "linux/arm64" in go.message
    assert "--platform=$BUILDPLATFORM" in go.hint and "GOARCH=$TARGETARCH" in go.hint
    py = by_key[("python-cext/Dockerfile", 11, "XL107")]
    assert "ext_modules" in py.message
    assert by_key[("go-hello/Dockerfile.emulated", 8, "XL101")].column == 5


def test_correct_cross_dockerfile_is_clean() -> None:
    # go-hello/Dockerfile: nothing at all with the default targets
    assert not [x for x in _check() if x[0] == "go-hello/Dockerfile"]


def test_arm_v7_target_asks_for_goarm_in_the_cross_builds() -> None:
    found = {(f, line, code) for f, line, code, _ in _check(platforms=("linux/amd64", "linux/arm/v7"))}
    cross = {x for x in found if x[2] in ("XL204", "XL207", "XL208")}
    assert cross == {("go-hello/Dockerfile", 11, "XL207"), ("go-hello/Dockerfile.undeclared", 12, "XL207")}
    assert EXPECTED <= found  # the emulated steps are still there (arm/v7 is emulated too)


def test_single_native_platform_reports_nothing() -> None:
    assert _check(platforms=("linux/amd64",)) == []
    assert _check(platforms=("linux/arm64",), build="linux/arm64") == []


def test_arm64_runner_reports_the_same_steps() -> None:
    found = {(f, line, code) for f, line, code, _ in _check(build="linux/arm64")}
    assert found == EXPECTED
    d = next(x[3] for x in _check(build="linux/arm64") if x[2] == "XL101")
    assert "linux/amd64" in d.message


def test_without_context_the_python_compile_is_found_by_the_compiler_install() -> None:
    # setup.py cannot be read, but the stage installs gcc just before `pip install .`: that is the evidence
    found = _check(context=False)
    assert {(f, line, code) for f, line, code, _ in found} == EXPECTED
    (diag,) = [d for _f, _line, code, d in found if code == "XL107"]
    assert "the stage installs a compiler first" in diag.message
