"""One open document's findings, from the engine ``xlint check`` uses: the checker for a Dockerfile, the
workload rules over the workspace's YAML files and Dockerfiles (with the editor's unsaved texts) for
both kinds. No LSP types here: this module is the engine's side of the server."""

from __future__ import annotations

import itertools
import logging
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from xlint.checker import check_tree, parse_error_diagnostic
from xlint.diagnostics import Diagnostic
from xlint.files import discover, discover_yaml, is_dockerfile_name
from xlint.lsp.settings import Resolved
from xlint.records import field, record
from xlint.rule import CheckOptions, Rule
from xlint.syntax import Dockerfile, DockerfileSyntaxError, parse
from xlint.workloads.yamldocs import YamlFile

log = logging.getLogger("xlint.lsp")

Kind = Literal["dockerfile", "yaml", "other"]
DOCKERFILE_LANGUAGES = frozenset({"dockerfile", "containerfile"})
YAML_LANGUAGES = frozenset({"yaml", "dockercompose", "compose", "github-actions-workflow", "helm"})
MAX_PROJECT_FILES = 400  # a workspace with more Dockerfiles/YAML files than this gets no project rules
PROJECT_TTL = 30.0  # seconds a workspace's file list is reused (a saved or watched file change forgets it)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """The editor's text as the engine reads files: a lone surrogate (possible in JSON, never in a file
    decoded as UTF-8) becomes U+FFFD, one character for one, so offsets and positions stay the same."""
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


def kind_of(path: str, language_id: str | None) -> Kind:
    """Dockerfiles by name (as ``xlint check`` finds them) or language; YAML by suffix or language."""
    name = os.path.basename(path)
    language = (language_id or "").lower()
    if language in DOCKERFILE_LANGUAGES:
        return "dockerfile"
    if language in YAML_LANGUAGES or name.lower().endswith((".yaml", ".yml")):
        return "yaml"  # as `xlint check`: a `Dockerfile.yaml` is YAML
    return "dockerfile" if is_dockerfile_name(name) else "other"


@record
class Analysis:
    """What the server knows about one version of a document."""

    path: str
    version: int | None
    text: str
    kind: Kind
    diagnostics: list[Diagnostic]
    resolved: Resolved
    tree: Dockerfile | None = None  # a Dockerfile that parses
    root: Path | None = None  # the workspace folder the project rules read (their paths are relative to it)
    seconds: float = 0.0
    memo: dict[object, object] = field(default_factory=dict)  # what code actions computed for this version


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:
            return fh.read()
    except OSError:
        return None


@record
class ProjectFiles:
    """The Dockerfiles and workload YAML files under workspace folders, found as ``xlint check ROOT``
    finds them, kept for a moment so typing does not walk the tree on every keystroke."""

    found: dict[str, tuple[float, list[str], list[str]]] = field(default_factory=dict)
    disk: dict[str, tuple[int, str]] = field(default_factory=dict)  # path -> (mtime_ns, text)
    loaded: dict[tuple[str, str], YamlFile | str] = field(default_factory=dict)  # (path, text) -> YAML loaded

    def forget(self) -> None:
        self.found.clear()

    def files(self, root: Path) -> tuple[list[str], list[str]]:
        """(Dockerfiles, YAML files) under ``root``, absolute; both empty when there are too many."""
        from xlint.workloads.project import looks_relevant

        key = str(root)
        hit = self.found.get(key)
        if hit is not None and time.monotonic() - hit[0] < PROJECT_TTL:
            return list(hit[1]), list(hit[2])
        dockerfiles = list(itertools.islice(discover([key]), MAX_PROJECT_FILES + 1))
        candidates = list(itertools.islice(discover_yaml([key]), MAX_PROJECT_FILES + 1))
        yamls: list[str] = []
        if len(dockerfiles) > MAX_PROJECT_FILES or len(candidates) > MAX_PROJECT_FILES:
            log.info("%s: more than %d Dockerfiles or YAML files, project rules are off", root, MAX_PROJECT_FILES)
            dockerfiles = []
        else:
            for f in candidates:
                text = self.text(f)
                if text is not None and looks_relevant(f, text):
                    yamls.append(f)
        self.found[key] = (time.monotonic(), dockerfiles, yamls)
        return list(dockerfiles), list(yamls)

    def text(self, path: str) -> str | None:
        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError:
            return None
        hit = self.disk.get(path)
        if hit is not None and hit[0] == mtime:
            return hit[1]
        text = _read(path)
        if text is not None:
            self.disk[path] = (mtime, text)
        return text


def yaml_is_relevant(path: str, text: str) -> bool:
    """A YAML document the workload rules read (Kubernetes, Compose, workflow, Helm values), or one
    that has their keys and does not load (it gets XL901)."""
    from xlint.workloads.project import looks_relevant
    from xlint.workloads.yamldocs import YamlFile, YamlInputError

    if looks_relevant(path, text):
        return True
    if not re.search(r"^\s*(?:-\s+)?(?:apiVersion|kind|services|jobs)\s*:", text, re.MULTILINE):
        return False
    try:
        YamlFile.load(path, text)
    except YamlInputError:
        return True
    return False


def project_diagnostics(root: Path, path: str, text: str, kind: Kind, open_texts: dict[str, str],
                        resolve: Callable[[str], Resolved], files: ProjectFiles | None) -> list[Diagnostic]:
    """The workload rules' findings in ``path``, over the project ``xlint check ROOT`` would see (open
    documents with their editor text); their paths are relative to ``root``, as the rules report them.
    Without ``files`` (no workspace folder) the project is the document alone, as ``xlint check FILE``."""
    from xlint.workloads import cli as project_cli

    dockerfiles, yamls = files.files(root) if files is not None else ([], [])
    if kind == "yaml" and path not in yamls:
        yamls.append(path)
    if kind == "dockerfile" and path not in dockerfiles:
        dockerfiles.append(path)
    if not yamls and len(dockerfiles) <= 1:
        return []  # as `xlint check`: the project rules need YAML files or several Dockerfiles

    def rel(p: str) -> str:
        return os.path.relpath(p, root)

    def content(p: str) -> str | None:
        if p == path:
            return text
        if p in open_texts:
            return clean_text(open_texts[p])
        return files.text(p) if files is not None else _read(p)

    docker_texts = {rel(p): t for p in dockerfiles if (t := content(p)) is not None}
    yaml_texts = {rel(p): t for p in yamls if (t := content(p)) is not None}

    def options_for(p: str) -> tuple[CheckOptions, list[type[Rule]]]:
        r = resolve(str(root / p))
        return r.options, r.rules

    loaded = files.loaded if files is not None else None
    run = project_cli.check_paths(list(docker_texts), list(yaml_texts), options_for, docker_texts, yaml_texts,
                                  loaded)
    if loaded is not None:  # keep only what this run read: typing must not pile up old texts
        for key in [k for k in loaded if yaml_texts.get(k[0]) != k[1]]:
            del loaded[key]
    mine = rel(path)
    return [d for d in run.errors + run.diagnostics if d.path == mine]


def analyze(path: str, text: str, version: int | None, kind: Kind, resolved: Resolved, root: Path | None,
            open_texts: dict[str, str], resolve: Callable[[str], Resolved], files: ProjectFiles) -> Analysis:
    """Check one document's text. A Dockerfile that does not parse gets XL901 (never an exception)."""
    t0 = time.perf_counter()
    text = clean_text(text)
    diags: list[Diagnostic] = []
    tree = None
    if kind == "dockerfile":
        try:
            tree = parse(text, path=path)
        except DockerfileSyntaxError as err:
            diags.append(parse_error_diagnostic(path, err))
        else:
            diags.extend(check_tree(tree, path, resolved.options, resolved.rules))
    scan: ProjectFiles | None = files
    if root is None:
        root, scan = Path(path).parent, None
    if kind == "yaml" and not yaml_is_relevant(path, text):
        kind = "other"
    if kind != "other":
        try:
            diags.extend(project_diagnostics(root, path, text, kind, open_texts, resolve, scan))
        except Exception:  # a workload rule's bug must not cost the Dockerfile's own findings
            log.exception("%s: the workload rules failed", path)
    diags.sort(key=Diagnostic.sort_key)
    return Analysis(path, version, text, kind, diags, resolved, tree, root,
                    time.perf_counter() - t0)
