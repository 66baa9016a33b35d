"""Kubernetes workloads: pod templates, arch pins, per-arch copies (XL401) and their merge."""

from __future__ import annotations

import contextvars
import json
import os
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from xlint import contextfiles
from xlint.records import field, record
from xlint.workloads.images import arch_of, multiarch_image, strip_arch_token
from xlint.workloads.project import WORKLOAD_KINDS, Plan, Project, classify, get_path, reload
from xlint.workloads.yamldocs import Document, YamlFile, node_col, node_line, plain, set_scalar

ARCH_LABELS = ("kubernetes.io/arch", "beta.kubernetes.io/arch")
# ``xlint fix --image REF``: the multi-arch reference the merged workload uses (default: the per-arch
# reference without its arch part).
IMAGE_OVERRIDE: contextvars.ContextVar[str | None] = contextvars.ContextVar("xlint_image", default=None)


def template_of(data: Any) -> Any:
    """The pod template (a mapping with metadata and spec) of a workload; the Pod itself for a Pod."""
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind == "Pod":
        return data
    if kind == "CronJob":
        return get_path(data, "spec", "jobTemplate", "spec", "template")
    if kind in WORKLOAD_KINDS:
        return get_path(data, "spec", "template")
    return None


def pod_spec(data: Any) -> Any:
    t = template_of(data)
    spec = t.get("spec") if isinstance(t, dict) else None
    return spec if isinstance(spec, dict) else None


def containers(spec: Any) -> list[Any]:
    out: list[Any] = []
    for key in ("initContainers", "containers"):
        seq = spec.get(key) if isinstance(spec, dict) else None
        if isinstance(seq, list):
            out.extend(c for c in seq if isinstance(c, dict))
    return out


def _arch_expressions(spec: Any) -> list[tuple[Any, Any]]:
    """(matchExpressions list, expression) for every node-affinity expression on an arch label."""
    out: list[tuple[Any, Any]] = []
    na = get_path(spec, "affinity", "nodeAffinity")
    if not isinstance(na, dict):
        return out
    terms = get_path(na, "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms") or []
    prefs = [p.get("preference") for p in (na.get("preferredDuringSchedulingIgnoredDuringExecution") or [])
             if isinstance(p, dict)]
    for term in [*terms, *prefs]:
        exprs = term.get("matchExpressions") if isinstance(term, dict) else None
        if isinstance(exprs, list):
            for e in exprs:
                if isinstance(e, dict) and e.get("key") in ARCH_LABELS:
                    out.append((exprs, e))
    return out


def pinned_arches(spec: Any) -> list[str]:
    """Architectures a pod spec is pinned to by nodeSelector or required node affinity (In)."""
    out: list[str] = []
    ns = spec.get("nodeSelector") if isinstance(spec, dict) else None
    if isinstance(ns, dict):
        for k in ARCH_LABELS:
            if isinstance(ns.get(k), str) and arch_of(ns[k]):
                out.append(arch_of(ns[k]) or "")
    for _exprs, e in _arch_expressions(spec):
        if e.get("operator") == "In":
            out.extend(a for a in (arch_of(str(v)) for v in (e.get("values") or [])) if a)
    return out


@record
class Workload:
    file: YamlFile
    doc: Document
    kind: str
    name: str
    namespace: str
    arch: str | None
    images: list[tuple[str, str, str]] = field(default_factory=list)  # (image, multi-arch image, arch)

    @property
    def base_name(self) -> str:
        s = strip_arch_token(self.name)
        return s[0] if s else self.name


def workloads(project: Project) -> list[Workload]:
    out = []
    for f, d in project.documents("kubernetes"):
        data = d.data
        kind = str(data.get("kind"))
        if kind not in WORKLOAD_KINDS:
            continue
        spec = pod_spec(data)
        if spec is None:
            continue
        pins = pinned_arches(spec)
        imgs = []
        for c in containers(spec):
            img = c.get("image")
            if isinstance(img, str):
                m = multiarch_image(img)
                if m is not None:
                    imgs.append((str(img), m[0], m[1]))
        arch = pins[0] if len(set(pins)) == 1 else None
        if arch is None and not pins and imgs and len({a for *_x, a in imgs}) == 1:
            arch = imgs[0][2]
        name = str(get_path(data, "metadata", "name") or "")
        ns = str(get_path(data, "metadata", "namespace") or "")
        out.append(Workload(f, d, kind, name, ns, arch, imgs))
    return out


def _dearch_labels(labels: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    if not isinstance(labels, dict):
        return out
    for k, v in labels.items():
        sv = str(v)
        if arch_of(sv):
            continue
        s = strip_arch_token(sv)
        out[str(k)] = s[0] if s else sv
    return out


def normalized(w: Workload) -> str:
    """The workload with every arch-specific part taken out, as canonical JSON."""
    data = plain(w.doc.data)
    meta = data.get("metadata") or {}
    meta.pop("name", None)
    for key in ("labels", "annotations"):
        if key in meta:
            meta[key] = _dearch_labels(meta[key])
    spec = data.get("spec") or {}
    spec.pop("replicas", None)
    sel = spec.get("selector")
    if isinstance(sel, dict) and isinstance(sel.get("matchLabels"), dict):
        sel["matchLabels"] = _dearch_labels(sel["matchLabels"])
    tmpl = template_of(data)
    if isinstance(tmpl, dict):
        tmeta = tmpl.get("metadata")
        if isinstance(tmeta, dict):
            for key in ("labels", "annotations"):
                if key in tmeta:
                    tmeta[key] = _dearch_labels(tmeta[key])
        pspec = tmpl.get("spec")
        if isinstance(pspec, dict):
            ns = pspec.get("nodeSelector")
            if isinstance(ns, dict):
                for k in ARCH_LABELS:
                    ns.pop(k, None)
                if not ns:
                    pspec.pop("nodeSelector")
            na = get_path(pspec, "affinity", "nodeAffinity")
            if isinstance(na, dict):
                for exprs, e in _arch_expressions(pspec):
                    exprs.remove(e)
            tols = pspec.get("tolerations")
            if isinstance(tols, list):
                pspec["tolerations"] = [t for t in tols if not (isinstance(t, dict) and t.get("key") in ARCH_LABELS)]
                if not pspec["tolerations"]:
                    pspec.pop("tolerations")
            for c in containers(pspec):
                img = c.get("image")
                if isinstance(img, str):
                    m = multiarch_image(img)
                    if m is not None:
                        c["image"] = m[0]
                if isinstance(c.get("name"), str):
                    s = strip_arch_token(c["name"])
                    if s:
                        c["name"] = s[0]
    return json.dumps([w.kind, w.namespace, w.base_name, data], sort_keys=True, default=str)


def per_arch_groups(project: Project) -> list[list[Workload]]:
    """Groups of workloads that differ only in the architecture (two or more distinct arches)."""
    groups: dict[str, list[Workload]] = {}
    for w in workloads(project):
        if w.arch is None:
            continue
        groups.setdefault(normalized(w), []).append(w)
    out = []
    for members in groups.values():
        arches = [m.arch for m in members]
        if len(members) >= 2 and len(set(arches)) == len(arches):
            out.append(members)
    return out


# -- the merge (XL401 fix) ---------------------------------------------------------------------------------
def _fix_labels(labels: Any) -> None:
    if not isinstance(labels, dict):
        return
    for k in list(labels):
        sv = str(labels[k])
        if arch_of(sv):
            del labels[k]
            continue
        s = strip_arch_token(sv)
        if s:
            set_scalar(labels, k, s[0])


def merge_plan(project: Project, group: list[Workload], image_override: str | None = None) -> Plan | None:
    """New file texts: the first copy becomes the multi-arch workload, the others are removed, Services
    (and HorizontalPodAutoscalers) that pointed at the copies follow."""
    keep = group[0]
    image_override = image_override or IMAGE_OVERRIDE.get()
    arches = sorted({w.arch for w in group if w.arch})
    data = reload(keep.doc)
    meta = data.get("metadata")
    if not isinstance(meta, dict):
        return None
    old_labels_by_copy = [plain(get_path(template_of(w.doc.data), "metadata", "labels") or {}) for w in group]
    set_scalar(meta, "name", keep.base_name)
    _fix_labels(meta.get("labels"))
    spec = data.get("spec")
    if isinstance(spec, dict):
        if "replicas" in spec and all(isinstance(get_path(w.doc.data, "spec", "replicas"), int) for w in group):
            spec["replicas"] = sum(int(get_path(w.doc.data, "spec", "replicas")) for w in group)
        _fix_labels(get_path(spec, "selector", "matchLabels"))
    tmpl = template_of(data)
    _fix_labels(get_path(tmpl, "metadata", "labels"))
    pspec = pod_spec(data)
    if pspec is None:
        return None
    ns = pspec.get("nodeSelector")
    if isinstance(ns, dict):
        for k in ARCH_LABELS:
            if k in ns:
                del ns[k]
        if not ns:
            del pspec["nodeSelector"]
    for _exprs, e in _arch_expressions(pspec):
        e["operator"] = "In"
        seq = CommentedSeq(arches)
        seq.fa.set_flow_style() if _is_flow(e.get("values")) else None
        e["values"] = seq
    tols = pspec.get("tolerations")
    have = [plain(t) for t in tols] if isinstance(tols, list) else []
    for w in group[1:]:
        other = pod_spec(w.doc.data) or {}
        for t in other.get("tolerations") or []:
            if isinstance(t, dict) and t.get("key") in ARCH_LABELS and plain(t) not in have:
                if not isinstance(pspec.get("tolerations"), list):
                    pspec["tolerations"] = CommentedSeq()
                pspec["tolerations"].append(reload_node(t))
                have.append(plain(t))
    for c in containers(pspec):
        img = c.get("image")
        if isinstance(img, str):
            m = multiarch_image(img)
            if m is not None:
                set_scalar(c, "image", image_override or m[0])
        if isinstance(c.get("name"), str):
            s = strip_arch_token(c["name"])
            if s:
                set_scalar(c, "name", s[0])
    new_labels = plain(get_path(template_of(data), "metadata", "labels") or {})
    changes: dict[str, tuple[dict[int, Any], set[int]]] = {}

    def change(f: YamlFile) -> tuple[dict[int, Any], set[int]]:
        return changes.setdefault(f.path, ({}, set()))

    change(keep.file)[0][keep.doc.index] = data
    for w in group[1:]:
        change(w.file)[1].add(w.doc.index)
    copy_names = {w.name for w in group}
    for f, d in project.documents("kubernetes"):
        if any(d is w.doc for w in group):
            continue
        obj = d.data
        if obj.get("kind") == "Service" and isinstance(get_path(obj, "spec", "selector"), dict):
            sel = plain(obj["spec"]["selector"])
            if not any(all(lbl.get(k) == v for k, v in sel.items()) for lbl in old_labels_by_copy):
                continue
            if all(new_labels.get(k) == v for k, v in sel.items()):
                continue
            fresh = change(f)[0].get(d.index) or reload(d)
            s = fresh["spec"]["selector"]
            for k in list(s):
                if k not in new_labels:
                    del s[k]
                elif str(s[k]) != new_labels[k]:
                    set_scalar(s, k, new_labels[k])
            change(f)[0][d.index] = fresh
        elif obj.get("kind") == "HorizontalPodAutoscaler":
            ref = get_path(obj, "spec", "scaleTargetRef")
            if isinstance(ref, dict) and ref.get("name") in copy_names and ref.get("kind") == keep.kind:
                if ref.get("name") != keep.name:
                    change(f)[1].add(d.index)  # the copies' autoscalers go with them
                    continue
                fresh = change(f)[0].get(d.index) or reload(d)
                fresh["spec"]["scaleTargetRef"]["name"] = keep.base_name
                change(f)[0][d.index] = fresh
    plan: Plan = {}
    for f in project.yaml:
        if f.path not in changes:
            continue
        replaced, removed = changes[f.path]
        if f.is_empty_after(removed):
            plan[f.path] = None
        else:
            plan[f.path] = f.rewrite(replaced, removed)
    renamed = _dearched_path(keep.file, changes[keep.file.path][1], {f.path for f in project.yaml})
    if renamed is not None and plan.get(keep.file.path) is not None:
        plan[renamed] = plan[keep.file.path]
        plan[keep.file.path] = None
    return plan


def _dearched_path(f: YamlFile, removed: set[int], existing: set[str]) -> str | None:
    """``k8s/deploy-amd64.yaml`` -> ``k8s/deploy.yaml`` when the file holds only the merged workload
    (and the new name is free)."""
    folder, name = os.path.split(f.path)
    stem, dot, ext = name.rpartition(".")
    stripped = strip_arch_token(stem) if dot else None
    if stripped is None or not stripped[0]:
        return None
    if len([d for d in f.documents if d.index not in removed and d.data is not None]) != 1:
        return None
    new = os.path.join(folder, f"{stripped[0]}.{ext}")
    if new in existing or contextfiles.exists(new):
        return None
    return new


def _is_flow(node: Any) -> bool:
    fa = getattr(node, "fa", None)
    return bool(fa is not None and fa.flow_style())


def reload_node(node: Any) -> Any:
    """A copy of a small mapping for insertion into another document."""
    if isinstance(node, dict):
        m = CommentedMap()
        for k, v in node.items():
            m[k] = reload_node(v)
        return m
    if isinstance(node, list):
        return CommentedSeq([reload_node(v) for v in node])
    return node


def location(w: Workload) -> tuple[int, int]:
    meta = w.doc.data.get("metadata")
    if isinstance(meta, dict) and "name" in meta:
        return node_line(w.doc, meta, "name"), node_col(meta, "name")
    return w.doc.line, 1


__all__ = ["classify", "per_arch_groups", "merge_plan", "workloads", "location", "pinned_arches"]
