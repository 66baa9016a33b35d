"""GitHub Actions workflows: multi-platform build steps, QEMU set-up, per-arch matrices and manifest
stitching."""

from __future__ import annotations

import os
import re
import shlex
from typing import Any

from xlint.records import field, record
from xlint.rx import rx
from xlint.workloads.images import arch_of
from xlint.workloads.project import Project, get_path
from xlint.workloads.yamldocs import Document, YamlFile, node_line

_EXPR = rx(r"\$\{\{\s*([^}]*?)\s*\}\}")


@record
class BuildStep:
    job: str
    index: int  # step index in the job
    line: int
    platforms: list[str]
    tags: list[str]
    dockerfile: str  # path relative to the repository root
    runner: str  # linux/amd64 or linux/arm64


@record
class Job:
    name: str
    data: Any
    line: int
    steps: list[Any] = field(default_factory=list)
    qemu_step: int | None = None


def _env(*scopes: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for s in scopes:
        env = s.get("env") if isinstance(s, dict) else None
        if isinstance(env, dict):
            out.update({str(k): str(v) for k, v in env.items() if isinstance(v, (str, int, float))})
    return out


def substitute(text: str, env: dict[str, str]) -> str:
    """``${{ env.NAME }}`` replaced by the workflow's env value where known."""

    def repl(m: re.Match[str]) -> str:
        expr = m.group(1)
        if expr.startswith("env.") and expr[4:] in env:
            return env[expr[4:]]
        return m.group(0)

    return _EXPR.sub(repl, text)


def _split_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [p.strip() for p in re.split(r"[,\n]", value) if p.strip()]
    return []


def _commands(script: str) -> list[list[str]]:
    """Shell commands of a ``run:`` script as word lists (continuations joined; rough but enough)."""
    joined = re.sub(r"\\\r?\n", " ", script)
    joined = _EXPR.sub(lambda m: "${{" + m.group(1).replace(" ", "") + "}}", joined)  # one word each
    out = []
    for line in re.split(r"\n|&&|;|\|\|", joined):
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            words = line.split()
        if words:
            out.append(words)
    return out


def _option(words: list[str], *names: str) -> list[str]:
    vals = []
    for i, w in enumerate(words):
        for n in names:
            if w == n and i + 1 < len(words):
                vals.append(words[i + 1])
            elif n.startswith("--") and w.startswith(n + "="):
                vals.append(w[len(n) + 1 :])
    return vals


def jobs(doc: Document) -> list[Job]:
    data = doc.data
    out: list[Job] = []
    js = data.get("jobs") if isinstance(data, dict) else None
    if not isinstance(js, dict):
        return out
    for name, job in js.items():
        if not isinstance(job, dict):
            continue
        raw_steps = job.get("steps")
        steps: list[Any] = list(raw_steps) if isinstance(raw_steps, list) else []
        j = Job(str(name), job, node_line(doc, js, name), list(steps))
        for i, st in enumerate(steps):
            if isinstance(st, dict) and str(st.get("uses", "")).startswith("docker/setup-qemu-action"):
                j.qemu_step = i
        out.append(j)
    return out


def build_steps(doc: Document, job: Job) -> list[BuildStep]:
    """Image builds in a job: docker/build-push-action and ``docker buildx build`` in ``run:``."""
    data = doc.data
    env = _env(data, job.data)
    runs_on = str(job.data.get("runs-on", ""))
    runner = "linux/arm64" if re.search(r"arm", runs_on, re.IGNORECASE) else "linux/amd64"
    out: list[BuildStep] = []
    for i, st in enumerate(job.steps):
        if not isinstance(st, dict):
            continue
        line = node_line(doc, job.data["steps"], i)
        uses = str(st.get("uses", ""))
        if uses.startswith("docker/build-push-action"):
            raw_with = st.get("with")
            w: dict[Any, Any] = raw_with if isinstance(raw_with, dict) else {}
            plats = [substitute(p, env) for p in _split_list(w.get("platforms", ""))]
            ctx = substitute(str(w.get("context", ".")), env)
            file = substitute(str(w.get("file", "")), env) or os.path.join(ctx, "Dockerfile")
            tags = [substitute(t, env) for t in _split_list(w.get("tags", ""))]
            out.append(BuildStep(job.name, i, line, plats, tags, os.path.normpath(file), runner))
        run = st.get("run")
        if isinstance(run, str):
            for words in _commands(substitute(run, {**env, **_env(st)})):
                if words[:3] != ["docker", "buildx", "build"] and words[:2] != ["docker", "build"]:
                    continue
                plats = [p for v in _option(words, "--platform") for p in v.split(",") if p]
                tags = _option(words, "-t", "--tag")
                files = _option(words, "-f", "--file")
                positional = [w for k, w in enumerate(words[2:], start=2)
                              if not w.startswith("-") and not (words[k - 1].startswith("-") and "=" not in words[k - 1]
                                                                and words[k - 1] not in ("--push", "--load"))]
                ctx = positional[-1] if positional and positional[-1] != "build" else "."
                file = files[0] if files else os.path.join(ctx, "Dockerfile")
                out.append(BuildStep(job.name, i, line, plats, tags, os.path.normpath(file), runner))
    return out


def stitched_refs(doc: Document) -> list[str]:
    """Multi-arch references a workflow assembles from per-arch images: ``docker manifest create X ...``,
    ``docker buildx imagetools create -t X ...``."""
    data = doc.data
    out: list[str] = []
    for job in jobs(doc):
        env = _env(data, job.data)
        for st in job.steps:
            run = st.get("run") if isinstance(st, dict) else None
            if not isinstance(run, str):
                continue
            for words in _commands(substitute(run, {**env, **_env(st)})):
                if words[:3] == ["docker", "manifest", "create"]:
                    rest = [w for w in words[3:] if not w.startswith("-")]
                    if rest:
                        out.append(rest[0])
                if "imagetools" in words and "create" in words:
                    out.extend(_option(words, "-t", "--tag"))
    return out


def arch_matrix(job: Job) -> tuple[str, list[str]] | None:
    """A matrix key whose values are architectures or platforms (``arch: [amd64, arm64]``, ``include``
    entries with a ``platform``), with the arches."""
    matrix = get_path(job.data, "strategy", "matrix")
    if not isinstance(matrix, dict):
        return None
    for key, values in matrix.items():
        if isinstance(values, list) and len(values) >= 2 and all(isinstance(v, str) for v in values):
            arches = [_arch_of_value(v) for v in values]
            if all(arches):
                return str(key), [a for a in arches if a]
    inc = matrix.get("include")
    if isinstance(inc, list):
        for key in {k for e in inc if isinstance(e, dict) for k in e}:
            vals = [e.get(key) for e in inc if isinstance(e, dict)]
            if len(vals) >= 2 and all(isinstance(v, str) for v in vals):
                arches = [_arch_of_value(str(v)) for v in vals]
                if all(arches):
                    return str(key), [a for a in arches if a]
    return None


def _arch_of_value(v: str) -> str | None:
    if v.startswith("linux/"):
        return arch_of(v[6:].split("/")[0]) if v.count("/") >= 1 else None
    return arch_of(v)


def repo_root(path: str) -> str:
    norm = os.path.normpath(os.path.abspath(path))
    parts = norm.split(os.sep)
    if ".github" in parts:
        return os.sep.join(parts[: parts.index(".github")]) or os.sep
    return os.path.dirname(norm)


def dockerfile_text(project: Project, workflow: YamlFile, rel: str) -> tuple[str, str] | None:
    """(path, text) of a Dockerfile named by a workflow (relative to the repository root)."""
    root = repo_root(workflow.path)
    want = os.path.normpath(os.path.join(root, rel))
    for p, t in project.dockerfiles.items():
        if os.path.normpath(os.path.abspath(p)) == want:
            return p, t
    from xlint.contextfiles import read_text

    text = read_text(want, errors="surrogateescape")
    return None if text is None else (want, text)


def needs_emulation(text: str, platforms: list[str], build_platform: str) -> bool | None:
    """True when some RUN step of the Dockerfile runs on a platform other than the runner's for one of
    the target platforms (QEMU needed); None when the file does not parse."""
    from xlint.model import Model
    from xlint.syntax import DockerfileSyntaxError, parse

    try:
        tree = parse(text)
    except DockerfileSyntaxError:
        return None
    model = Model(tree, platforms, build_platform)
    for stage in model.stages:
        if stage.index not in model.reachable:
            continue
        if any(i.keyword == "RUN" for i in stage.instructions) and model.runs_emulated(stage):
            return True
    return False
