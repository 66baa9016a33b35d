"""The command line's use of the project rules: which files are YAML, checking them with the Dockerfiles
of the run, and writing project fixes (edits, new files, removed files)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from xlint.diagnostics import Diagnostic
from xlint.records import field, record
from xlint.rule import CheckOptions, Rule

if TYPE_CHECKING:
    from xlint.workloads.project import ProjectFixResult
    from xlint.workloads.yamldocs import YamlFile

# xlint.workloads.project (and ruamel.yaml behind it) is imported where it is used: checking one
# Dockerfile needs neither.

YAML_SUFFIXES = (".yaml", ".yml")
Resolve = Callable[[str], "tuple[CheckOptions, list[type[Rule]]]"]


def is_yaml(path: str) -> bool:
    return path.lower().endswith(YAML_SUFFIXES)


def partition(files: list[str]) -> tuple[list[str], list[str]]:
    """(Dockerfiles, YAML files) among explicit or discovered files."""
    return [f for f in files if not is_yaml(f)], [f for f in files if is_yaml(f)]


def yaml_files(paths: list[str]) -> list[str]:
    """YAML files to check: explicit ones, and those found under directories that look like Kubernetes,
    Compose, workflow or Helm values files."""
    from xlint.files import discover_yaml

    out = []
    explicit = {p for p in paths if not os.path.isdir(p)}
    for f in discover_yaml(paths):
        if f in explicit:
            out.append(f)
            continue
        from xlint.workloads.project import looks_relevant  # (YAML behind it) only when there is YAML

        try:
            text = Path(f).read_text(encoding="utf-8", errors="surrogateescape")
        except OSError:
            continue
        if looks_relevant(f, text):
            out.append(f)
    return out


@record
class ProjectRun:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    errors: list[Diagnostic] = field(default_factory=list)  # XL901 for YAML that does not load


def read_text(path: str) -> str:
    """A YAML file's text as the project rules read it (the command line shows the same)."""
    with open(path, encoding="utf-8", errors="surrogateescape") as fh:
        return fh.read()


_read = read_text


def _yaml_error(path: str, message: str) -> Diagnostic:
    # message: path:line:col: invalid YAML: ...
    rest = message[len(path) + 1 :] if message.startswith(path + ":") else message
    parts = rest.split(":", 2)
    try:
        line, col, what = int(parts[0]), int(parts[1]), parts[2].strip()
    except (ValueError, IndexError):
        line, col, what = 1, 1, rest
    return Diagnostic(path, "XL901", "parse-error", "error", what, line, col, line, col)


def _rules_for_project(paths: list[str], resolve: Resolve) -> tuple[CheckOptions, list[type[Rule]],
                                                                    dict[str, set[str]]]:
    from xlint.workloads.project import rule_kind

    options: CheckOptions | None = None
    chosen: dict[str, type[Rule]] = {}
    per_path: dict[str, set[str]] = {}
    for p in paths:
        opts, rules = resolve(p)
        options = options or opts
        per_path[p] = {r.code for r in rules}
        for r in rules:
            if rule_kind(r) in ("yaml", "project"):
                chosen[r.code] = r
    return options or CheckOptions(), sorted(chosen.values(), key=lambda r: r.code), per_path


def check_paths(dockerfiles: list[str], yamls: list[str], resolve: Resolve,
                docker_texts: dict[str, str] | None = None, yaml_texts: dict[str, str] | None = None,
                loaded: dict[tuple[str, str], YamlFile | str] | None = None) -> ProjectRun:
    """Run the project rules over the YAML files and Dockerfiles of one ``xlint check`` (texts given in
    ``docker_texts``/``yaml_texts``, such as an editor's unsaved buffers, are used instead of the files;
    ``loaded``: YAML files loaded by an earlier run, see ``Project.from_texts``)."""
    from xlint.workloads.project import Project, check_project

    run = ProjectRun()
    docker = {p: t for p, t in (docker_texts or {}).items() if p != "-"}
    for p in dockerfiles:
        if p != "-" and p not in docker:
            docker[p] = _read(p)
    texts = {p: yaml_texts[p] if yaml_texts and p in yaml_texts else _read(p) for p in yamls}
    run.sources.update(texts)
    options, rules, per_path = _rules_for_project([*yamls, *docker], resolve)
    if not rules:
        return run
    project = Project.from_texts(texts, docker, options, loaded)
    for err in project.errors:
        path = next((p for p in texts if err.startswith(p + ":")), err.split(":", 1)[0])
        run.errors.append(_yaml_error(path, err))
    for d in check_project(project, rules):
        if d.code in per_path.get(d.path, {d.code}):
            run.diagnostics.append(d)
    return run


def fix_paths(dockerfiles: dict[str, str], yamls: list[str], resolve: Resolve, unsafe: bool,
              image: str | None = None) -> tuple[ProjectFixResult, dict[str, str]]:
    """Project fixes over the YAML files and the (already fixed) Dockerfile texts (``image``: the
    multi-arch reference merged workloads use). Returns the result and the original texts of the YAML
    files."""
    from xlint.workloads.kube import IMAGE_OVERRIDE

    token = IMAGE_OVERRIDE.set(image)
    try:
        return _fix_paths(dockerfiles, yamls, resolve, unsafe)
    finally:
        IMAGE_OVERRIDE.reset(token)


def _fix_paths(dockerfiles: dict[str, str], yamls: list[str], resolve: Resolve, unsafe: bool) -> tuple[
        ProjectFixResult, dict[str, str]]:
    from xlint.workloads.project import Project, ProjectFixResult, fix_project

    texts = {p: _read(p) for p in yamls}
    options, rules, _per_path = _rules_for_project([*yamls, *dockerfiles], resolve)
    if not rules:
        return ProjectFixResult(texts={}), texts
    project = Project.from_texts(texts, dockerfiles, options)
    if project.errors:
        raise ValueError(project.errors[0])
    return fix_project(texts, {p: t for p, t in dockerfiles.items() if p != "-"}, options, rules, unsafe=unsafe), texts


def write_text(path: str, text: str) -> None:
    """Write a new or existing file atomically (existing files keep their mode)."""
    from xlint.files import atomic_write

    data = text.encode("utf-8", "surrogateescape")
    if os.path.exists(path):
        atomic_write(path, data)
        return
    folder = os.path.dirname(path) or "."
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".xlint-tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def diff_text(path: str, before: str | None, after: str | None) -> str:
    import difflib

    return "".join(difflib.unified_diff(
        (before or "").splitlines(keepends=True), (after or "").splitlines(keepends=True),
        fromfile=f"a/{path}" if before is not None else "/dev/null",
        tofile=f"b/{path}" if after is not None else "/dev/null"))


def apply(result: ProjectFixResult, originals: dict[str, str], diff: bool, out: IO[str]) -> bool:
    """Write (or with ``diff`` print) the project fixes; True when something changes."""
    changed = False
    for path, text in sorted(result.texts.items()):
        before: str | None = originals.get(path)
        if before is None and os.path.exists(path):
            before = _read(path)
        if before == text:
            continue
        changed = True
        if diff:
            out.write(diff_text(path, before, text))
        elif text is None:
            os.unlink(path)
        else:
            write_text(path, text)
    return changed
