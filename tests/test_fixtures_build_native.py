"""Compile the fixture projects in ``fixtures/`` natively, into temporary directories.

The fixtures are real projects: these tests prove their sources build with their own toolchain,
so xlint's demos and benchmarks lint Dockerfiles of code that actually compiles. Every build runs in
a temporary copy or an out-of-source build directory; a check around each test asserts that nothing
inside ``fixtures/`` was created or changed.

Toolchains, and what happens when one is missing from PATH:

* Required in CI (``CI`` env var set: a missing tool FAILS; locally it skips with the reason):
  - ``gcc``, ``cmake``, ``make``        -> C/CMake fixture (Debian: ``build-essential cmake``)
  - ``gcc`` + ``Python.h`` for the running interpreter -> Python C extension
    (Debian: ``build-essential python3-dev``; setup.py build also needs ``setuptools`` importable,
    and skips with the reason when it is not)
* Optional everywhere (skip with the reason when absent, in CI too):
  - ``node`` + ``npm``                  -> Node frontend (Debian: ``nodejs npm``)
  - ``cargo``                           -> Rust CLI, built ``--offline`` (no deps) (Debian: ``cargo``)
  - ``javac``/``java`` (+ ``mvn`` with plugins in ``~/.m2`` for the Maven build)
                                        -> Java (Debian: ``default-jdk-headless maven``)
  - ``go``                              -> Go service, native and cross to arm64 (Debian: ``golang-go``)
  - ``dotnet``                          -> .NET console app

No test uses the network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
IN_CI = bool(os.environ.get("CI"))
TIMEOUT = 600

PLATFORM_ARGS = (
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
)
# The one fixture that carries the XL201 bug on purpose.
UNDECLARED_ARG_FIXTURE = "go-hello/Dockerfile.undeclared"


# --------------------------------------------------------------------------- helpers


def _need(*tools: str, ci_required: bool) -> None:
    """Skip (or fail in CI, when ``ci_required``) unless every tool is on PATH."""
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing:
        return
    reason = f"toolchain not on PATH: {', '.join(missing)}"
    if IN_CI and ci_required:
        pytest.fail(f"{reason} (required in CI: install it in the CI image)", pytrace=False)
    pytest.skip(reason)


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env=full_env,
        stdin=subprocess.DEVNULL,  # cargo's `rustc -` probe reads an inherited stdin
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}) in {cwd}:\n{proc.stdout}"
    return proc.stdout


def _copy_project(name: str, dest: Path) -> Path:
    src = FIXTURES / name
    assert src.is_dir(), f"missing fixture project {src}"
    out = dest / name
    shutil.copytree(src, out)
    return out


def _snapshot() -> dict[str, tuple[int, int]]:
    snap: dict[str, tuple[int, int]] = {}
    for path in FIXTURES.rglob("*"):
        st = path.lstat()
        snap[path.relative_to(FIXTURES).as_posix()] = (st.st_size if path.is_file() else -1, st.st_mtime_ns)
    return snap


@pytest.fixture(autouse=True)
def fixtures_untouched() -> Iterator[None]:
    """Every test here must leave fixtures/ exactly as it found it."""
    before = _snapshot()
    yield
    after = _snapshot()
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k] and before[k][0] != -1)
    assert not (added or removed or changed), (
        f"fixtures/ modified: added={added} removed={removed} changed={changed}"
    )


# --------------------------------------------------------------------------- C / CMake


def test_c_cmake_builds(tmp_path: Path) -> None:
    _need("gcc", "cmake", "make", ci_required=True)
    build = tmp_path / "build"
    # Out-of-source build straight from fixtures/: -S/-B writes only into the build dir.
    _run(["cmake", "-S", str(FIXTURES / "c-cmake"), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release"], tmp_path)
    _run(["cmake", "--build", str(build)], tmp_path)
    out = _run([str(build / "hello"), "xlint"], tmp_path)
    assert out.startswith("hello, xlint, from "), out


# --------------------------------------------------------------------------- Python C extension


def _python_headers() -> Path:
    include = Path(sysconfig.get_paths()["include"])
    if not (include / "Python.h").is_file():
        reason = f"Python.h not found in {include} (install python3-dev)"
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return include


def _check_fastsum(lib: Path) -> None:
    code = (
        "import fastsum, fastsum._speedups as s; "
        "assert fastsum.sum_ints([1, 2, 3, 4]) == 10; "
        "assert fastsum.sum_ints(()) == 0; "
        "assert s.__file__.startswith(" + repr(str(lib)) + "), s.__file__; "
        "print('ok')"
    )
    out = _run([sys.executable, "-c", code], lib, env={"PYTHONPATH": str(lib)})
    assert out.strip().endswith("ok"), out


def test_python_cext_compiles_with_gcc(tmp_path: Path) -> None:
    """The C source alone compiles against this interpreter's headers (no setuptools needed)."""
    _need("gcc", ci_required=True)
    include = _python_headers()
    lib = tmp_path / "lib"
    shutil.copytree(FIXTURES / "python-cext" / "src" / "fastsum", lib / "fastsum")
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    _run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            "-O2",
            "-Wall",
            "-Werror",
            f"-I{include}",
            str(FIXTURES / "python-cext" / "src" / "fastsum" / "_speedups.c"),
            "-o",
            str(lib / "fastsum" / f"_speedups{suffix}"),
        ],
        tmp_path,
    )
    _check_fastsum(lib)


def test_python_cext_setup_py_build(tmp_path: Path) -> None:
    """setup.py's Extension builds (the path `pip install .` takes in the Dockerfile)."""
    _need("gcc", ci_required=True)
    _python_headers()
    try:
        import setuptools  # noqa: F401
    except ImportError:
        pytest.skip("setuptools is not importable in this interpreter")
    project = _copy_project("python-cext", tmp_path)  # setup.py writes src/*.egg-info: use a copy
    lib = tmp_path / "lib"
    _run(
        [
            sys.executable,
            "setup.py",
            "-q",
            "build",
            "--build-lib",
            str(lib),
            "--build-temp",
            str(tmp_path / "tmp"),
        ],
        project,
    )
    _check_fastsum(lib)


# --------------------------------------------------------------------------- Node


def test_node_frontend_builds(tmp_path: Path) -> None:
    _need("node", "npm", ci_required=False)
    project = _copy_project("node-frontend", tmp_path)
    env = {
        "npm_config_cache": str(tmp_path / "npm-cache"),
        "npm_config_update_notifier": "false",
        "npm_config_audit": "false",
        "npm_config_fund": "false",
    }
    _run(["npm", "ci", "--offline"], project, env=env)
    _run(["npm", "run", "build"], project, env=env)
    html = (project / "dist" / "index.html").read_text()
    js = (project / "dist" / "app.js").read_text()
    assert re.search(r'<script src="app\.js\?v=[0-9a-f]{8}"></script>', html), html
    assert "getElementById" in js and "//" not in js.splitlines()[0]


# --------------------------------------------------------------------------- Rust


def test_rust_cli_builds_offline(tmp_path: Path) -> None:
    _need("cargo", ci_required=False)
    project = _copy_project("rust-cli", tmp_path)
    env = {"CARGO_TARGET_DIR": str(tmp_path / "target")}
    _run(["cargo", "build", "--offline", "--locked", "--release"], project, env=env)
    out = _run([str(tmp_path / "target" / "release" / "rust-cli"), "xlint"], project)
    assert out.startswith("hello, xlint, from linux/"), out


# --------------------------------------------------------------------------- Java


def test_java_sources_compile(tmp_path: Path) -> None:
    _need("javac", "java", ci_required=False)
    classes = tmp_path / "classes"
    src = FIXTURES / "java-maven" / "src" / "main" / "java" / "example" / "App.java"
    _run(["javac", "--release", "17", "-d", str(classes), str(src)], tmp_path)
    out = _run(["java", "-cp", str(classes), "example.App", "xlint"], tmp_path)
    assert out.startswith("hello, xlint, from "), out


def test_java_maven_package_offline(tmp_path: Path) -> None:
    _need("mvn", "java", ci_required=False)
    project = _copy_project("java-maven", tmp_path)
    proc = subprocess.run(
        ["mvn", "-o", "-q", "-B", "package"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if proc.returncode != 0 and re.search(r"offline|Cannot access|resolve|not been downloaded", proc.stdout):
        pytest.skip("Maven plugins are not in the local repository (~/.m2) and the build is offline")
    assert proc.returncode == 0, proc.stdout
    jar = project / "target" / "app.jar"
    out = _run(["java", "-jar", str(jar), "xlint"], project)
    assert out.startswith("hello, xlint, from "), out


# --------------------------------------------------------------------------- Go


def _go_env(tmp_path: Path) -> dict[str, str]:
    return {
        "GOCACHE": str(tmp_path / "gocache"),
        "GOPATH": str(tmp_path / "gopath"),
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "GOPROXY": "off",
        "CGO_ENABLED": "0",
    }


def test_go_hello_builds(tmp_path: Path) -> None:
    _need("go", ci_required=False)
    project = _copy_project("go-hello", tmp_path)
    env = _go_env(tmp_path)
    _run(["go", "build", "-o", str(tmp_path / "hello"), "."], project, env=env)
    out = _run([str(tmp_path / "hello"), "-version"], project)
    assert out.startswith("linux/"), out


def test_go_hello_cross_builds_arm64(tmp_path: Path) -> None:
    """What the cross-compiling Dockerfile does: GOOS/GOARCH from the target platform."""
    _need("go", ci_required=False)
    project = _copy_project("go-hello", tmp_path)
    env = {**_go_env(tmp_path), "GOOS": "linux", "GOARCH": "arm64"}
    binary = tmp_path / "hello-arm64"
    _run(["go", "build", "-o", str(binary), "."], project, env=env)
    head = binary.read_bytes()[:20]
    assert head[:4] == b"\x7fELF" and head[4] == 2  # 64-bit ELF
    assert int.from_bytes(head[18:20], "little") == 183  # EM_AARCH64


# --------------------------------------------------------------------------- .NET


def test_dotnet_console_builds(tmp_path: Path) -> None:
    _need("dotnet", ci_required=False)
    project = _copy_project("dotnet-console", tmp_path)
    env = {"DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_NOLOGO": "1", "DOTNET_SKIP_FIRST_TIME_EXPERIENCE": "1"}
    _run(["dotnet", "build", "-c", "Release", "-o", str(tmp_path / "out")], project, env=env)
    out = _run(["dotnet", str(tmp_path / "out" / "hello.dll"), "xlint"], project, env=env)
    assert out.startswith("hello, xlint, from "), out


# --------------------------------------------------------------------------- fixture contract


def _dockerfiles() -> list[Path]:
    found = []
    for path in sorted(FIXTURES.rglob("*")):
        name = path.name
        if path.is_file() and (
            name in ("Dockerfile", "Containerfile")
            or name.startswith("Dockerfile.")
            or name.endswith(".Dockerfile")
        ):
            found.append(path)
    return found


def test_fixture_dockerfiles_declare_platform_args() -> None:
    """Only go-hello/Dockerfile.undeclared may use a platform ARG undeclared in its stage.

    Checked with BuildKit's own parser (PyPI ``dockerfile``, the test oracle), independently of
    xlint's parser and rules, so the fixtures stay a fixed point for the XL201 tests.
    """
    dockerfile = pytest.importorskip("dockerfile", reason="PyPI `dockerfile` (BuildKit parser) not installed")
    files = _dockerfiles()
    assert len(files) >= 15, files
    pattern = re.compile(r"\$\{?(" + "|".join(PLATFORM_ARGS) + r")\b")
    offenders: dict[str, list[tuple[int, str]]] = {}
    for path in files:
        declared: set[str] | None = None  # None: before the first FROM (global scope)
        for cmd in dockerfile.parse_file(str(path)):
            kind = cmd.cmd.upper()
            if kind == "FROM":
                declared = set()
                continue
            if declared is None:
                continue
            if kind == "ARG":
                for value in cmd.value:
                    name = value.partition("=")[0]
                    assert not (name in PLATFORM_ARGS and "=" in value), f"{path}: default on {name}"
                    declared.add(name)
                continue
            text = cmd.original + "".join(h.content for h in cmd.heredocs)
            for m in pattern.finditer(text):
                if m.group(1) not in declared:
                    offenders.setdefault(path.relative_to(FIXTURES).as_posix(), []).append(
                        (cmd.start_line, m.group(1))
                    )
    assert offenders == {UNDECLARED_ARG_FIXTURE: [(12, "TARGETARCH")]}


def test_no_build_output_in_fixtures() -> None:
    leftovers = [
        p.relative_to(FIXTURES).as_posix()
        for p in FIXTURES.rglob("*")
        if p.name in {"target", "build", "dist", "node_modules", "bin", "obj", "__pycache__"}
        or p.name.endswith((".egg-info", ".so", ".o", ".whl"))
    ]
    assert leftovers == []
