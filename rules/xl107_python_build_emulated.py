r"""XL107 python-build-emulated.

## What it does
Reports Python installs that compile native code in a stage that runs on the target platform when some
target platform differs from the build platform:

- `pip|pip3|python -m pip|uv pip install` of a local project (`.`, `-e .`, `./pkg`, or a local path
  listed in a requirements file) whose sources build extensions: `setup.py` with `ext_modules`,
  `Extension(...)`, `cythonize(...)` (read with libcst), or a `pyproject.toml` build backend that
  compiles (scikit-build(-core), meson-python, maturin, setuptools-rust) or `[tool.setuptools]
  ext-modules`;
- `--no-binary` (sdists are compiled), `pip wheel`, `setup.py build_ext`;
- `maturin build|develop` (a Rust extension);
- `setup.py build|install|bdist_wheel|develop`, `python -m build`, `uv build|sync`,
  `poetry|pdm install|build`, `hatch build` of a context project that compiles;
- dependency installs (`pip install`, `tox`, `nox`, `poetry install`, `uv sync`, `pipenv install`)
  after the stage installed a compiler: the compiler is there for the packages that build from source.

The build context is the Dockerfile's folder unless `--context DIR` is given; an unreadable context
only means less evidence. A plain `pip install -r requirements.txt` of wheels is not reported.

## Why is this bad?
The C compiler (or rustc, or CMake) runs under QEMU: 5-10x slower than natively (measured here for a
Go build: 7.2x native). Compiling once per platform natively, or installing prebuilt wheels for the
target, avoids it.

## Example
```dockerfile
FROM python:3.12-slim
RUN apt-get update && apt-get install -y gcc libc6-dev
COPY . /src
RUN pip install /src
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM python:3.12-slim AS deps
ARG TARGETARCH
COPY requirements.txt .
RUN pip install --platform manylinux2014_$([ "$TARGETARCH" = arm64 ] && echo aarch64 || echo x86_64) \
    --python-version 3.12 --implementation cp --only-binary=:all: --target /deps -r requirements.txt

FROM python:3.12-slim
COPY --from=deps /deps /usr/local/lib/python3.12/site-packages
```
Projects with their own C extensions: publish wheels built on native runners (cibuildwheel), or build
on native arm64 BuildKit nodes.

## References
- pip docs: `--platform` requires `--only-binary=:all:` and `--target`
- BuildKit docs, multi-platform builds
"""

from __future__ import annotations

import re
from pathlib import Path

from xlint.packages import installs_compiler
from xlint.pycontext import local_project, project_compiles, requirements_compile
from xlint.rule import Context, Invalid, Rule, Valid
from xlint.toolchains import Compile, emulated_compiles, emulated_platforms

# pip install options that take a value
_VALUE_FLAGS = frozenset({
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url", "--extra-index-url",
    "-f", "--find-links", "-t", "--target", "--prefix", "--root", "--platform", "--python-version",
    "--implementation", "--abi", "--no-binary", "--only-binary", "--src", "--upgrade-strategy",
    "--progress-bar", "--cache-dir", "--trusted-host", "-C", "--config-settings", "--report", "--log",
    "--python", "-p", "-w", "--wheel-dir", "--global-option", "--build-option",
})
_PROJECT_BUILDS = frozenset({"python -m build", "uv build", "uv sync", "poetry install", "poetry build",
                             "pdm install", "pdm build", "pdm sync", "hatch build"})


def compile_reason(comp: Compile, context: Path | None) -> str | None:
    """Why this Python command compiles native code, or None."""
    vals = comp.inv.values()
    label = comp.label
    if label.startswith("setup.py "):
        sub = label.split()[1]
        if sub == "build_ext":
            return "setup.py build_ext compiles the extensions"
        if sub in ("build", "install", "bdist_wheel", "develop", "bdist_egg") and context is not None:
            return project_compiles(context)
        return None
    words = label.split()
    if words[0] == "maturin":
        return "maturin compiles the project's Rust extension"
    if words[0].startswith("python"):
        words[0] = "python"
    if " ".join(words) in _PROJECT_BUILDS:
        return project_compiles(context) if context is not None else None
    if words[0] == "pipenv":
        return None
    if "wheel" in words:
        return "pip wheel builds wheels from source distributions"
    if "install" not in words:
        return None
    for i, v in enumerate(vals):
        if v == "--no-binary" and i + 1 < len(vals) and vals[i + 1] != ":none:":
            return "--no-binary compiles source distributions"
        if v.startswith("--no-binary=") and v != "--no-binary=:none:":
            return "--no-binary compiles source distributions"
    seen_install = False
    i = 0
    while i < len(vals):
        v = vals[i]
        if not seen_install:
            seen_install = v == "install"
            i += 1
            continue
        if v in ("-r", "--requirement") and i + 1 < len(vals):
            reason = requirements_compile(context, vals[i + 1])
            if reason is not None:
                return reason
        if v.startswith("--requirement="):
            reason = requirements_compile(context, v.split("=", 1)[1])
            if reason is not None:
                return reason
        if v in ("-e", "--editable") and i + 1 < len(vals):
            reason = _local(context, vals[i + 1])
            if reason is not None:
                return reason
        if v.startswith("-"):
            i += 2 if v in _VALUE_FLAGS else 1
            continue
        reason = _local(context, v)
        if reason is not None:
            return reason
        i += 1
    return None


def _local(context: Path | None, arg: str) -> str | None:
    folder = local_project(context, arg)
    if folder is None:
        return None
    reason = project_compiles(folder)
    return f"{arg}: {reason}" if reason is not None else None


class PythonBuildEmulated(Rule):
    __doc__ = __doc__
    code = "XL107"
    name = "python-build-emulated"
    message = ("`{cmd}` compiles native code under QEMU emulation in stage '{stage}' for {platforms} ({reason}): "
               "compiles run 5-10x slower emulated (measured: a Go build 7.2x native)")
    hint = ("Avoid the emulated compile: install prebuilt wheels for the target from a `--platform=$BUILDPLATFORM` "
            "stage (`pip install --platform manylinux2014_<arch> --only-binary=:all: --target /deps`), publish "
            "wheels built natively (cibuildwheel), or build on native nodes of each architecture.")
    emulation = True

    def check(self, ctx: Context) -> None:
        model = ctx.model
        for stage, instr, comp in emulated_compiles(model, "python"):
            reason = compile_reason(comp, ctx.options.context)
            if reason is None and comp.label.endswith(_DEPENDENCY_INSTALLS) and not _pure_tools(comp) \
                    and installs_compiler(model, stage, instr):
                reason = "the stage installs a compiler first, for the packages that build from source"
            if reason is None:
                continue
            ctx.report(
                self,
                comp.inv.cmd.span,
                self.message.format(cmd=comp.label, stage=stage.label, reason=reason,
                                    platforms=", ".join(emulated_platforms(model, stage))),
            )


# commands that install a project's dependencies: with a compiler installed first, some build from source
_DEPENDENCY_INSTALLS = ("pip install", "pip wheel", "tox", "nox", "poetry install", "pdm install", "pdm sync",
                        "uv sync", "pipenv install", "pipenv sync")

# pure-Python packaging tools: installing them compiles nothing
_PURE_TOOLS = frozenset({"pip", "setuptools", "wheel", "virtualenv", "tox", "nox", "poetry", "poetry-core", "pipenv",
                         "uv", "build", "twine", "pip-tools", "hatch", "hatchling", "flit", "pdm", "gunicorn"})


def _pure_tools(comp: Compile) -> bool:
    """The command installs only packaging tools by name (no requirements file, no local project)."""
    args = comp.inv.values()
    if any(a in ("-r", "--requirement", "-e", "--editable", "-c") or a.startswith(("-r", "--requirement="))
           for a in args):
        return False
    words = [a for a in args if not a.startswith("-")]
    sub = next((i for i, a in enumerate(words) if a in ("install", "wheel")), None)
    names = [re.split(r"[=<>!~\[;]", a, maxsplit=1)[0].lower() for a in words[sub + 1:]] if sub is not None else []
    return bool(names) and all(n in _PURE_TOOLS for n in names)


PythonBuildEmulated.valid = [
    Valid("FROM debian:bookworm\nRUN apt-get install -y build-essential python3-pip "
          "&& pip install --upgrade pip setuptools wheel\nRUN pip install tox==4.0\n"),
    Valid("FROM debian:bookworm\nRUN apt-get install -y build-essential python3-venv && python3 -m venv /v "
          "&& /v/bin/python3 -m pip install --upgrade pip wheel\n"),
    # the compiler was removed again before
    Valid("FROM alpine:3.20\nRUN apk add --virtual build-deps build-base && make -C /src install "
          "&& apk del build-deps\nRUN pip install sphinx\n"),
    # a compiler in the image is no evidence by itself (python:3.12 has gcc for the rare sdist)
    Valid("FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"),
    Valid("FROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n"),
    Valid("FROM python:3.12-slim\nRUN pip install flask==3.0 gunicorn && python -m pip install -U pip\n"),
    Valid("FROM python:3.12-slim\nRUN pip wheel --no-binary :all: -w /wheels lxml\n", platforms=("linux/amd64",)),
    Valid("FROM python:3.12-slim\nRUN pip install --no-binary :none: numpy\n"),
    # no compiler in the stage: the environments get wheels
    Valid("FROM python:3.12-slim\nCOPY tox.ini .\nRUN pip install tox && tox --notest\n"),
    # the local project is unknown without a context: no evidence, no report
    Valid("FROM python:3.12-slim\nCOPY . /src\nRUN pip install /src\n"),
]

PythonBuildEmulated.invalid = [
    # a compiler installed just before: the requirements build from source
    Invalid("FROM debian:bookworm AS builder\nRUN apt-get update && apt-get install -y build-essential python3-dev "
            "libldap-dev python3-venv && python3 -m venv /venv\nCOPY requirements.txt /\n"
            "RUN /venv/bin/pip install -r /requirements.txt\n", line=4),
    # tox and poetry install the project's dependencies into their environments, after the compiler
    Invalid("FROM python:3.12-alpine AS build\nRUN apk add --no-cache build-base libffi-dev\nCOPY tox.ini setup.py ./\n"
            "RUN tox --notest\n", line=4),
    Invalid("FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gcc libpq-dev\nCOPY . .\n"
            "RUN poetry install --no-root\n", line=4),
    Invalid("FROM python:3.12-slim\nRUN pip install --no-binary :all: lxml\n", line=2),
    Invalid("FROM python:3.12\nCOPY . /src\nRUN pip install maturin && maturin build --release -m /src/Cargo.toml\n",
            line=3),
    Invalid("FROM python:3.12-slim\nRUN pip wheel -w /wheels -r requirements.txt\n", line=2),
    Invalid("FROM python:3.12-slim\nWORKDIR /src\nCOPY . .\nRUN python setup.py build_ext --inplace\n", line=4),
    Invalid("FROM python:3.12-slim AS build\nRUN python3 -m pip install --no-binary=psycopg2 psycopg2\n"
            "FROM python:3.12-slim\nCOPY --from=build /usr/local /usr/local\n", line=2),
]
