"""A project: the YAML files (Kubernetes, Compose, GitHub Actions, Helm values) and Dockerfiles checked
together, the rules over them (XL4xx), and fixes that may edit, remove or create whole files."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from xlint.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from xlint.records import field, record
from xlint.rule import CheckOptions, Rule
from xlint.rx import rx

if TYPE_CHECKING:
    from typing import Protocol

    from ruamel.yaml.comments import CommentedMap

    from xlint.workloads.yamldocs import Document, YamlFile

    class _ProjectRule(Protocol):  # (a class made only for the type checker: making a Protocol costs 1 ms)
        def check_project(self, project: Project) -> None: ...


# ruamel.yaml (and xlint.workloads.yamldocs behind it) is imported where YAML is read: a run over
# Dockerfiles alone (XL405) needs neither.
FileKind = Literal["kubernetes", "compose", "workflow", "values", "other"]
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod")
Plan = dict[str, "str | None"]  # path -> new text, None: remove the file
# Rules give a plan, or a function that makes it when the fix is applied (YAML dumps are slow: ``xlint
# check`` only needs to know that there is a fix); None from the function: the fix cannot be made after all.


def rule_kind(rule: type[Rule]) -> str:
    return str(getattr(rule, "kind", "dockerfile"))


def classify(path: str, data: Any) -> FileKind:
    """What a YAML document is, from its content (and the folder, for workflows)."""
    if not isinstance(data, dict):
        return "other"
    norm = path.replace(os.sep, "/")
    if "jobs" in data and ("on" in data or True in data) and isinstance(data.get("jobs"), dict):
        return "workflow"
    if "/.github/workflows/" in f"/{norm}" and "jobs" in data:
        return "workflow"
    if isinstance(data.get("apiVersion"), str) and isinstance(data.get("kind"), str):
        return "kubernetes"
    services = data.get("services")
    if isinstance(services, dict) and services and all(
        isinstance(s, dict) and ("image" in s or "build" in s) for s in services.values()
    ):
        return "compose"
    if _has_image_values(data):
        name = Path(path).name
        if re.match(r"values.*\.ya?ml$", name):
            return "values"
    return "other"


def _has_image_values(data: Any, depth: int = 0) -> bool:
    if depth > 6:
        return False
    if isinstance(data, dict):
        img = data.get("image")
        if isinstance(img, (str, dict)):
            return True
        return any(_has_image_values(v, depth + 1) for v in data.values())
    if isinstance(data, list):
        return any(_has_image_values(v, depth + 1) for v in data)
    return False


def looks_relevant(path: str, text: str) -> bool:
    """True for YAML that xlint checks: Kubernetes objects, Compose files, GitHub workflows, Helm values
    (discovery uses this so unrelated YAML is not read as one of them)."""
    if not re.search(r"^\s*(?:-\s+)?(?:apiVersion|kind|services|jobs|image)\s*:", text, re.MULTILINE):
        return False  # cheap: no key any of those kinds needs
    from xlint.workloads.yamldocs import YamlFile, YamlInputError

    try:
        f = YamlFile.load(path, text)
    except YamlInputError:
        return Path(path).name.startswith(("docker-compose", "compose")) or "/.github/workflows/" in path
    return any(classify(path, d.data) != "other" for d in f.documents)


@record
class Project:
    """Everything checked together in one run."""

    yaml: list[YamlFile] = field(default_factory=list)
    dockerfiles: dict[str, str] = field(default_factory=dict)  # path -> text
    options: CheckOptions = field(default_factory=CheckOptions)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_texts(cls, yaml_texts: dict[str, str], dockerfiles: dict[str, str] | None = None,
                   options: CheckOptions | None = None,
                   loaded: dict[tuple[str, str], YamlFile | str] | None = None) -> Project:
        """``loaded``: files loaded before, by (path, text), reused and added to (checks and fix plans
        never change a loaded file's data; a long-running caller such as ``xlint lsp`` keeps it)."""
        proj = cls(dockerfiles=dict(dockerfiles or {}), options=options or CheckOptions())
        if yaml_texts:
            from xlint.workloads.yamldocs import YamlFile, YamlInputError
        for path, text in yaml_texts.items():
            got = loaded.get((path, text)) if loaded is not None else None
            if got is None:
                try:
                    got = YamlFile.load(path, text)
                except YamlInputError as exc:
                    got = str(exc)
                if loaded is not None:
                    loaded[(path, text)] = got
            if isinstance(got, str):
                proj.errors.append(got)
            else:
                proj.yaml.append(got)
        return proj

    def documents(self, kind: FileKind | None = None) -> Iterable[tuple[YamlFile, Document]]:
        for f in self.yaml:
            for d in f.documents:
                if kind is None or classify(f.path, d.data) == kind:
                    yield f, d

    def text_of(self, path: str) -> str | None:
        for f in self.yaml:
            if f.path == path:
                return f.text
        return self.dockerfiles.get(path)

    def report(
        self,
        rule: Rule,
        path: str,
        line: int,
        column: int,
        message: str,
        *,
        hint: str | None = None,
        plan: Plan | Callable[[], Plan | None] | None = None,
        applicability: Applicability | None = None,
        severity: Severity | None = None,
    ) -> None:
        text = self.text_of(path) or ""
        start = offset_of(text, line, column)
        fix = None
        if plan:
            # the edit of the reported file is shown only when the plan is already made
            edits = []
            if isinstance(plan, dict):
                own = plan.get(path, text)
                edits = [Edit(0, len(text), own if own is not None else "")]
            fix = Fix(applicability or rule.fix_applicability or "unsafe", edits, rule.fix_title)
        self.diagnostics.append(Diagnostic(
            path=path, code=rule.code, name=rule.name, severity=severity or rule.severity, message=message,
            line=line, column=column, end_line=line, end_column=column, hint=hint if hint is not None else rule.hint,
            fix=fix, start=start, end=start, extra={"plan": plan} if plan else {},
        ))


def offset_of(text: str, line: int, column: int = 1) -> int:
    """Character offset of 1-based ``line``/``column`` in ``text``."""
    pos = 0
    for _ in range(line - 1):
        nl = text.find("\n", pos)
        if nl < 0:
            return len(text)
        pos = nl + 1
    return min(pos + column - 1, len(text))


def reload(doc: Document) -> Any:
    """A fresh round-trip copy of a document's data (fix plans edit copies, never the checked data)."""
    from xlint.workloads.yamldocs import _yaml

    return _yaml(doc.indent).load(doc.text)


def get_path(data: Any, *keys: str | int) -> Any:
    cur = data
    for k in keys:
        if isinstance(k, int):
            if not isinstance(cur, list) or k >= len(cur):
                return None
            cur = cur[k]
        else:
            if not isinstance(cur, dict):
                return None
            cur = cur.get(k)
    return cur


def check_project(project: Project, rules: Iterable[type[Rule]]) -> list[Diagnostic]:
    """Run the project rules (kind != dockerfile) over a project."""
    project.diagnostics = []
    for rule_cls in rules:
        if rule_kind(rule_cls) in ("yaml", "project"):
            cast("_ProjectRule", rule_cls()).check_project(project)
    diags = _apply_pragmas(project, project.diagnostics)
    diags.sort(key=Diagnostic.sort_key)
    return diags


_PRAGMA = rx(r"#\s*xlint:\s*(global\s+)?ignore\s*=\s*([A-Za-z0-9_,\s-]+)", re.IGNORECASE)


def _apply_pragmas(project: Project, diags: list[Diagnostic]) -> list[Diagnostic]:
    """``# xlint: ignore=XL401`` on the reported line or the line before; ``# xlint: global ignore=...``
    anywhere in the file."""
    out = []
    for d in diags:
        text = project.text_of(d.path) or ""
        lines = text.splitlines()
        codes_global: set[str] = set()
        codes_here: set[str] = set()
        for i, line in enumerate(lines, start=1):
            for m in _PRAGMA.finditer(line):
                codes = {c.upper() for c in re.findall(r"[A-Za-z0-9_-]+", m.group(2))}
                if m.group(1):
                    codes_global |= codes
                elif i in (d.line, d.line - 1):
                    codes_here |= codes
        if d.code in codes_global | codes_here or "ALL" in codes_global | codes_here:
            continue
        out.append(d)
    return out


# -- fixing ------------------------------------------------------------------------------------------------
@record
class ProjectFixResult:
    texts: dict[str, str | None]  # every file a fix changed: new text, None when removed
    applied: list[Diagnostic] = field(default_factory=list)
    dropped: list[tuple[Diagnostic, str]] = field(default_factory=list)
    remaining: list[Diagnostic] = field(default_factory=list)


def _key(d: Diagnostic) -> tuple[str, str]:
    return (d.code, d.message)


def validate_yaml(path: str, text: str) -> str | None:
    """Why a fixed YAML file is not acceptable (does not load, a Kubernetes object lost a required field,
    a workload's selector no longer matches its template labels), or None."""
    from xlint.workloads.yamldocs import YamlFile, YamlInputError

    try:
        f = YamlFile.load(path, text)
    except YamlInputError as exc:
        return str(exc)
    for d in f.documents:
        if classify(path, d.data) != "kubernetes":
            continue
        data = d.data
        if not get_path(data, "metadata", "name"):
            return f"{path}: a {data.get('kind')} lost metadata.name"
        kind = data.get("kind")
        if kind in WORKLOAD_KINDS and kind not in ("Pod", "CronJob", "Job"):
            sel = get_path(data, "spec", "selector", "matchLabels")
            labels = get_path(data, "spec", "template", "metadata", "labels")
            if isinstance(sel, dict) and (not isinstance(labels, dict) or any(
                    str(labels.get(k)) != str(v) for k, v in sel.items())):
                return f"{path}: {kind} '{get_path(data, 'metadata', 'name')}': selector does not match its template labels"
    return None


def fix_project(
    yaml_texts: dict[str, str],
    dockerfiles: dict[str, str],
    options: CheckOptions,
    rules: list[type[Rule]],
    unsafe: bool = False,
    max_passes: int = 6,
) -> ProjectFixResult:
    """Apply project fixes until stable. A fix is kept only if every file it writes loads (YAML) or parses
    (Dockerfile), Kubernetes objects stay valid, no finding is added and its own finding is gone."""
    from xlint.syntax import DockerfileSyntaxError, parse

    cur_yaml = dict(yaml_texts)
    cur_docker = dict(dockerfiles)
    result = ProjectFixResult(texts={})
    banned: set[tuple[str, str]] = set()

    def run(y: dict[str, str], dk: dict[str, str]) -> list[Diagnostic]:
        return check_project(Project.from_texts(y, dk, options), rules)

    diags = run(cur_yaml, cur_docker)
    for _ in range(max_passes):
        candidates = [d for d in diags if d.fix is not None and d.extra.get("plan") and
                      (unsafe or d.fix.applicability == "safe") and _key(d) not in banned]
        if not candidates:
            break
        d = candidates[0]
        made = d.extra["plan"]
        plan = made() if callable(made) else made
        if not isinstance(plan, dict):
            banned.add(_key(d))
            result.dropped.append((d, "the fix cannot be made here"))
            continue
        new_yaml = dict(cur_yaml)
        new_docker = dict(cur_docker)
        why = None
        for path, text in plan.items():
            is_yaml = path in cur_yaml or path.endswith((".yaml", ".yml"))
            target = new_yaml if is_yaml else new_docker
            if text is None:
                target.pop(path, None)
                continue
            target[path] = text
            if is_yaml:
                why = why or validate_yaml(path, text)
            else:
                try:
                    parse(text, path=path)
                except DockerfileSyntaxError as err:
                    why = why or f"{path}: the result would not parse: {err.message}"
        if why is None:
            new_diags = run(new_yaml, new_docker)
            before = {_key(x) for x in diags}
            added = [x for x in new_diags if _key(x) not in before]
            if added:
                why = f"the fix would add {added[0].code}: {added[0].message}"
            elif _key(d) in {_key(x) for x in new_diags}:
                why = "its finding is still there after the fix"
        if why is not None:
            banned.add(_key(d))
            result.dropped.append((d, why))
            continue
        result.applied.append(d)
        for path, text in plan.items():
            result.texts[path] = text
        cur_yaml, cur_docker = new_yaml, new_docker
        diags = new_diags
    result.remaining = diags
    return result


# -- helpers for rules ------------------------------------------------------------------------------------
def target_arches(options: CheckOptions) -> list[str]:
    """The target platforms' arch(/variant) names: ``amd64``, ``arm64``, ``arm/v7``."""
    out = []
    for p in options.platforms:
        parts = p.split("/")
        if len(parts) >= 2:
            out.append("/".join(parts[1:]))
    return out


def new_map(pairs: list[tuple[str, Any]]) -> CommentedMap:
    from ruamel.yaml.comments import CommentedMap

    m = CommentedMap()
    for k, v in pairs:
        m[k] = v
    return m


ReportFn = Callable[..., None]
