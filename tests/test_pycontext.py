"""xlint.pycontext: native-build evidence from setup.py, pyproject.toml and requirements files, and
XL107 reading a real build context."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlint.checker import check_text
from xlint.pycontext import (
    local_project,
    project_compiles,
    pyproject_compiles,
    requirements_compile,
    setup_py_compiles,
)
from xlint.rule import CheckOptions, rule_by_code

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.mark.parametrize(
    ("source", "compiles"),
    [
        ("from setuptools import setup, Extension\nsetup(ext_modules=[Extension('a', ['a.c'])])\n", True),
        ("import setuptools\nsetuptools.setup(ext_modules=[setuptools.Extension('a', ['a.c'])])\n", True),
        ("from Cython.Build import cythonize\nsetup(ext_modules=cythonize('a.pyx'))\n", True),
        ("from pybind11.setup_helpers import Pybind11Extension\nexts = [Pybind11Extension('a', ['a.cpp'])]\n", True),
        ("setup(name='x', rust_extensions=[RustExtension('x.y')])\n", True),
        ("from setuptools import setup\nsetup(name='pure', packages=['pure'])\n", False),
        ("setup(name='pure', ext_modules=[])\n", False),
        ("# Extension( only in a comment\nsetup(name='x')\n", False),
        ("def broken(:\n", False),
    ],
)
def test_setup_py(source: str, compiles: bool) -> None:
    assert (setup_py_compiles(source) is not None) is compiles


@pytest.mark.parametrize(
    ("source", "compiles"),
    [
        ('[build-system]\nrequires = ["scikit-build-core"]\nbuild-backend = "scikit_build_core.build"\n', True),
        ('[build-system]\nrequires = ["meson-python"]\nbuild-backend = "mesonpy"\n', True),
        ('[build-system]\nrequires = ["maturin>=1,<2"]\nbuild-backend = "maturin"\n', True),
        ('[build-system]\nrequires = ["setuptools", "setuptools-rust"]\nbuild-backend = "setuptools.build_meta"\n',
         True),
        ('[build-system]\nrequires = ["setuptools"]\n[tool.setuptools]\next-modules = [{name = "a", sources = '
         '["a.c"]}]\n', True),
        ('[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n', False),
        ('[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n', False),
        ("not = [toml\n", False),
    ],
)
def test_pyproject(source: str, compiles: bool) -> None:
    assert (pyproject_compiles(source) is not None) is compiles


def test_project_compiles_fixture_and_absent_folders(tmp_path: Path) -> None:
    reason = project_compiles(FIXTURES / "python-cext")
    assert reason is not None and "ext_modules" in reason
    assert project_compiles(tmp_path) is None
    assert project_compiles(tmp_path / "missing") is None
    (tmp_path / "setup.py").mkdir()  # a folder where a file is expected: no evidence, no error
    assert project_compiles(tmp_path) is None


def test_local_project(tmp_path: Path) -> None:
    assert local_project(tmp_path, ".") == tmp_path.resolve()
    assert local_project(tmp_path, "./pkg[extra]") == (tmp_path / "pkg").resolve()
    assert local_project(tmp_path, "/src") == tmp_path
    assert local_project(tmp_path, "file:.") == tmp_path.resolve()
    assert local_project(tmp_path, "requests") is None
    assert local_project(tmp_path, "https://example.com/x.tar.gz") is None
    assert local_project(None, ".") is None


def test_requirements(tmp_path: Path) -> None:
    ext = tmp_path / "ext"
    ext.mkdir()
    (ext / "setup.py").write_text("from setuptools import setup, Extension\nsetup(ext_modules=[Extension('e', "
                                  "['e.c'])])\n")
    (tmp_path / "plain.txt").write_text("flask==3.0\n# comment\nrequests\n")
    (tmp_path / "local.txt").write_text("flask\n-e ./ext\n")
    (tmp_path / "nested.txt").write_text("-r local.txt\n")
    (tmp_path / "nobin.txt").write_text("--no-binary :all:\nlxml\n")
    assert requirements_compile(tmp_path, "plain.txt") is None
    assert requirements_compile(tmp_path, "local.txt") is not None
    assert requirements_compile(tmp_path, "nested.txt") is not None
    assert requirements_compile(tmp_path, "nobin.txt") is not None
    assert requirements_compile(tmp_path, "missing.txt") is None
    assert requirements_compile(None, "local.txt") is None


def _xl107(text: str, context: Path | None) -> list[int]:
    rule = rule_by_code("XL107")
    assert rule is not None
    opts = CheckOptions(platforms=("linux/amd64", "linux/arm64"), build_platform="linux/amd64", context=context)
    return [d.line for d in check_text(text, "Dockerfile", opts, [rule])]


def test_xl107_reads_the_context(tmp_path: Path) -> None:
    cext = FIXTURES / "python-cext"
    text = "FROM python:3.12-slim\nCOPY . /src\nRUN pip install /src\nRUN pip install -e .\nRUN python -m build\n"
    assert _xl107(text, cext) == [3, 4, 5]
    # a pure project: nothing compiles
    (tmp_path / "pyproject.toml").write_text('[build-system]\nrequires = ["hatchling"]\n'
                                             'build-backend = "hatchling.build"\n')
    assert _xl107(text, tmp_path) == []
    # unreadable / absent context: no report and no error
    assert _xl107(text, tmp_path / "does-not-exist") == []
    assert _xl107(text, None) == []
    # a requirements file of wheels is not reported, even in a compiling project
    assert _xl107("FROM python:3.12-slim\nRUN pip install -r requirements.txt\n", cext) == []
