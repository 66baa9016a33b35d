"""Output paths: working directories, flag values and the paths a build writes or other stages copy.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable

from xlint.model import Model, Stage
from xlint.syntax.tree import Arg, Instruction
from xlint.toolchains import (
    stage_chain,
)

# where programs are run from: the PATH of the images a Dockerfile starts from (no ENV setting it), and the
# folders `go install` and `cargo install` write to
DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
GO_BIN_DIRS = frozenset({"/go/bin", "/root/go/bin", "/usr/local/go/bin"})
CARGO_BIN_DIRS = frozenset({"/usr/local/cargo/bin", "/root/.cargo/bin"})


def path_parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p not in ("", ".")]


def resolve_path(cwd: str | None, path: str) -> str | None:
    if path.startswith("/"):
        return posixpath.normpath(path) + ("/" if path.endswith("/") and path != "/" else "")
    if cwd is None:
        return None
    return posixpath.normpath(posixpath.join(cwd, path)) + ("/" if path.endswith("/") else "")


def workdir_at(model: Model, stage: Stage, before: Instruction) -> str | None:
    """The working directory at ``before`` (None when unknown: the base image's own WORKDIR)."""
    cwd: str | None = None
    for ins in stage.instructions:
        if ins.span.start >= before.span.start:
            break
        if ins.keyword == "WORKDIR" and ins.args:
            value = model.expand(ins.args[0].value, stage, ins)
            cwd = resolve_path(cwd, value) if value is not None else None
            if cwd is not None:
                cwd = cwd.rstrip("/") or "/"
    return cwd


def flag_arg(vals: list[str], names: Iterable[str]) -> tuple[bool, str | None]:
    """(present, value) of a flag given as `-o X`, `-o=X` or `--o=X`."""
    names = tuple(names)
    for i, v in enumerate(vals):
        for n in names:
            if v == n:
                return True, vals[i + 1] if i + 1 < len(vals) else None
            if v.startswith(n + "="):
                return True, v[len(n) + 1:]
    return False, None


def static_workdir(model: Model, stage: Stage, before: Instruction) -> str | None:
    """The working directory in force at ``before`` (None when it depends on a variable)."""
    wd = "/"
    for st in stage_chain(model, stage):
        for ins in st.instructions:
            if st is stage and ins.span.start >= before.span.start:
                break
            if ins.keyword == "WORKDIR" and ins.args:
                value = ins.args[0].value
                if "$" in value:
                    return None
                wd = posixpath.normpath(posixpath.join(wd, value))
    return wd


def copied_source_args(model: Model, stage: Stage) -> list[tuple[Arg, str]] | None:
    """The source arguments of the ``COPY --from`` instructions that read this stage, each with its path
    (absolute, normalised); None when one of them is dynamic or the stage is read by a ``RUN --mount``."""
    out: list[tuple[Arg, str]] = []
    for edge in model.users(stage.index):
        if edge.kind == "mount":
            return None
        if edge.kind != "copy":
            continue
        srcs = edge.instruction.args[:-1]
        if any("$" in a.value for a in srcs):
            return None
        out.extend((a, posixpath.normpath(a.value if a.value.startswith("/") else "/" + a.value)) for a in srcs)
    return out


def copied_sources(model: Model, stage: Stage) -> list[str] | None:
    """Source paths that later stages ``COPY --from`` this stage (None when one of them is dynamic or
    the stage is read by a ``RUN --mount``)."""
    args = copied_source_args(model, stage)
    return None if args is None else [path for _a, path in args]


def relative_to(path: str, wd: str) -> str:
    rel = posixpath.relpath(path, wd)
    return path if rel.startswith("..") or wd == "/" else rel


def dash_o(vals: list[str]) -> str | None:
    for i, v in enumerate(vals):
        if v == "-o" and i + 1 < len(vals):
            return vals[i + 1]
        if v.startswith("-o") and len(v) > 2:
            return v[2:]
    return None
