"""Image references in YAML (Kubernetes containers, Compose services, Helm values) and the multi-arch
images a project builds or assembles."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from xlint.records import record
from xlint.workloads import actions
from xlint.workloads.images import multiarch_image, normalize_ref, split_image
from xlint.workloads.project import Project, classify
from xlint.workloads.yamldocs import Document, YamlFile, node_col, node_line


@record
class ImageRef:
    file: YamlFile
    doc: Document
    path: tuple[Any, ...]  # keys from the document root to the mapping holding the value
    key: str  # ``image`` or (Helm values) ``tag``
    ref: str  # the full reference
    line: int
    column: int
    context: str  # kubernetes / compose / values


def _walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, (*path, i))


def image_references(project: Project) -> Iterator[ImageRef]:
    for f, d in project.documents():
        kind = classify(f.path, d.data)
        if kind not in ("kubernetes", "compose", "values"):
            continue
        for path, node in _walk(d.data):
            if not isinstance(node, dict):
                continue
            img = node.get("image")
            if isinstance(img, str):
                if kind == "kubernetes" and not (len(path) >= 2 and path[-2] in ("containers", "initContainers")):
                    continue
                if kind == "compose" and not (len(path) == 2 and path[0] == "services"):
                    continue
                yield ImageRef(f, d, path, "image", str(img), node_line(d, node, "image", value=True),
                               node_col(node, "image", value=True), kind)
            elif isinstance(img, dict) and kind == "values":
                repo, tag = img.get("repository"), img.get("tag")
                if isinstance(repo, str) and isinstance(tag, str):
                    reg = img.get("registry")
                    full = f"{reg}/{repo}" if isinstance(reg, str) and reg else str(repo)
                    yield ImageRef(f, d, (*path, "image"), "tag", f"{full}:{tag}",
                                   node_line(d, img, "tag", value=True), node_col(img, "tag", value=True), kind)


@record(frozen=True)
class Known:
    """A multi-arch image: repository and tag (None: any tag, where the workflow computes it)."""

    repository: str
    tag: str | None
    source: str

    def matches(self, ref: str) -> bool:
        name, tag, _ = split_image(normalize_ref(ref))
        if name != self.repository:
            return False
        return self.tag is None or self.tag == tag


def _known(ref: str, source: str) -> Known | None:
    if "${{" in ref:
        head = ref.split("${{", 1)[0]
        if ":" not in head.rsplit("/", 1)[-1]:
            return None
        name = head.rsplit(":", 1)[0]
        return Known(split_image(normalize_ref(name))[0], None, source)
    name, tag, _ = split_image(normalize_ref(ref))
    return Known(name, tag, source)


def multiarch_images(project: Project) -> list[Known]:
    """Multi-arch images the project builds (multi-platform builds in workflows, Compose builds with
    several platforms) or assembles (``docker manifest create``, ``imagetools create``)."""
    out: list[Known] = []
    for f, d in project.documents("workflow"):
        for ref in actions.stitched_refs(d):
            k = _known(ref, f"{f.path} (manifest)")
            if k:
                out.append(k)
        for job in actions.jobs(d):
            for step in actions.build_steps(d, job):
                if len(step.platforms) >= 2:
                    for t in step.tags:
                        k = _known(t, f"{f.path} (multi-platform build)")
                        if k:
                            out.append(k)
    for f, d in project.documents("compose"):
        for svc in (d.data.get("services") or {}).values():
            build = svc.get("build") if isinstance(svc, dict) else None
            if isinstance(build, dict) and isinstance(build.get("platforms"), list) and len(build["platforms"]) >= 2:
                if isinstance(svc.get("image"), str):
                    k = _known(str(svc["image"]), f"{f.path} (compose build)")
                    if k:
                        out.append(k)
    return out


def known_multiarch(project: Project, ref: str, known: list[Known]) -> Known | None:
    m = multiarch_image(ref)
    target = m[0] if m else ref
    for k in known:
        if k.matches(target):
            return k
    return None
