"""Does installing a Python project from the build context compile native code? (rule XL107)

The answer comes from the project's files, read without running anything:

- ``setup.py`` (parsed with libcst): an ``ext_modules=`` argument, a call to ``Extension(...)`` (also
  ``setuptools.Extension``, ``Pybind11Extension``, ``CMakeExtension``...), ``cythonize(...)``,
  ``RustExtension(...)``;
- ``pyproject.toml``: a build backend that compiles (scikit-build, scikit-build-core, meson-python,
  maturin, setuptools-rust, pdm/hatch with compiling plugins are left out) named in
  ``build-system.build-backend`` or ``build-system.requires``, or ``[tool.setuptools] ext-modules``;
- ``requirements*.txt``: a local path (``.``, ``-e .``, ``./pkg``) is followed to that project.

An absent, unreadable or unparsable file is not an error: the answer is then "no evidence" (None).
"""

from __future__ import annotations

import re
from pathlib import Path

from xlint.contextfiles import memoized, read_text, resolve
from xlint.rx import rx

__all__ = ["local_project", "project_compiles", "requirements_compile"]

# build-system requirements / backends that build native code
_BACKENDS: dict[str, str] = {
    "scikit-build-core": "scikit-build-core",
    "scikit_build_core": "scikit-build-core",
    "scikit-build": "scikit-build",
    "skbuild": "scikit-build",
    "meson-python": "meson-python",
    "mesonpy": "meson-python",
    "maturin": "maturin",
    "setuptools-rust": "setuptools-rust",
    "setuptools_rust": "setuptools-rust",
    "py-build-cmake": "py-build-cmake",
    "enscons": "enscons",
}
_EXTENSION_CALLS = frozenset({"Extension", "Pybind11Extension", "CMakeExtension", "RustExtension", "cythonize",
                              "CppExtension", "CUDAExtension"})
_REQ_NAME = rx(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")
_MAX_SIZE = 2_000_000


def _read(path: Path) -> str | None:
    return read_text(path, max_size=_MAX_SIZE)


def setup_py_compiles(source: str) -> str | None:
    """Why a ``setup.py`` builds extensions, or None (also when it does not parse). libcst is imported
    here, not at start-up: most checks never read a setup.py."""
    import libcst as cst

    class ExtensionFinder(cst.CSTVisitor):
        def __init__(self) -> None:
            self.reason: str | None = None

        def visit_Call(self, node: cst.Call) -> None:
            if self.reason is not None:
                return
            func = node.func
            name = (func.value if isinstance(func, cst.Name)
                    else func.attr.value if isinstance(func, cst.Attribute) else None)
            if name in _EXTENSION_CALLS:
                self.reason = f"setup.py calls {name}()"
                return
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in ("ext_modules", "rust_extensions"):
                    if not (isinstance(arg.value, (cst.List, cst.Tuple)) and not arg.value.elements):
                        self.reason = f"setup.py passes {arg.keyword.value}="
                        return

    try:
        module = cst.parse_module(source)
    except Exception:  # libcst raises ParserSyntaxError and, on odd input, others: no evidence
        return None
    finder = ExtensionFinder()
    module.visit(finder)
    return finder.reason


def pyproject_compiles(source: str) -> str | None:
    """Why a ``pyproject.toml`` builds native code, or None."""
    import tomllib  # (only for a context that has a pyproject.toml)

    try:
        data = tomllib.loads(source)
    except (tomllib.TOMLDecodeError, ValueError):
        return None
    system = data.get("build-system")
    if isinstance(system, dict):
        backend = system.get("build-backend")
        if isinstance(backend, str):
            root = backend.split(".")[0].split(":")[0]
            if root in _BACKENDS:
                return f"build backend {_BACKENDS[root]}"
        requires = system.get("requires")
        if isinstance(requires, list):
            for req in requires:
                m = _REQ_NAME.match(req) if isinstance(req, str) else None
                if m is not None and m.group(1).lower() in _BACKENDS:
                    return f"build requirement {_BACKENDS[m.group(1).lower()]}"
    tool = data.get("tool")
    if isinstance(tool, dict):
        st = tool.get("setuptools")
        if isinstance(st, dict) and st.get("ext-modules"):
            return "[tool.setuptools] ext-modules"
        if isinstance(tool.get("maturin"), dict):
            return "[tool.maturin]"
    return None


@memoized(maxsize=256)
def project_compiles(folder: Path) -> str | None:
    """Why installing the Python project in ``folder`` compiles native code, or None (no evidence,
    no project, unreadable folder)."""
    pyproject = _read(folder / "pyproject.toml")
    if pyproject is not None:
        reason = pyproject_compiles(pyproject)
        if reason is not None:
            return reason
    setup = _read(folder / "setup.py")
    if setup is not None:
        return setup_py_compiles(setup)
    return None


def local_project(context: Path | None, arg: str) -> Path | None:
    """The context folder an install argument (``.``, ``./pkg``, ``/src``, ``.[extra]``, ``file:.``)
    points at, when it names a local project; None for requirement names and URLs.

    Relative paths are read against the context root (the usual ``WORKDIR`` + ``COPY . .`` layout); an
    absolute container path is taken as the context root copied there (``COPY . /src``)."""
    if context is None:
        return None
    path = arg
    if path.startswith("file:"):
        path = path[len("file:") :].lstrip("/") or "."
    path = re.sub(r"\[[^\]]*\]$", "", path)
    if "://" in path or path.endswith((".whl", ".tar.gz", ".zip")):
        return None
    if path.startswith("/"):
        return context
    if path == "." or path.startswith(("./", "../")) or path in ("..",):
        try:
            return resolve(context / path)
        except OSError:
            return None
    return None


def requirements_compile(context: Path | None, req_file: str, _depth: int = 0) -> str | None:
    """Why installing a requirements file (context-relative) compiles: a local project in it compiles,
    or ``--no-binary`` is used."""
    if context is None or _depth > 3 or req_file.startswith("/") or "://" in req_file:
        return None
    text = _read(context / req_file)
    if text is None:
        return None
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("--no-binary"):
            return f"{req_file} uses --no-binary"
        for prefix in ("-r ", "--requirement ", "-c "):
            if line.startswith(prefix) and prefix != "-c ":
                nested = str(Path(req_file).parent / line[len(prefix) :].strip())
                reason = requirements_compile(context, nested, _depth + 1)
                if reason is not None:
                    return reason
        target = line
        for prefix in ("-e ", "--editable "):
            if line.startswith(prefix):
                target = line[len(prefix) :].strip()
        folder = local_project(context / Path(req_file).parent if Path(req_file).parent != Path(".") else context,
                               target)
        if folder is not None and not target.startswith("/"):
            reason = project_compiles(folder)
            if reason is not None:
                return f"{req_file} installs {target}: {reason}"
    return None
