r"""XL402 per-arch-image-tags.

## What it does
Reports a per-architecture image reference (`demo:v1-amd64`, `arm64v8/demo`, `tool-arm64:2`) in
Kubernetes containers, Compose services and Helm values files when the project builds or assembles the
multi-arch image it belongs to: a workflow that runs `docker manifest create demo:v1 ...` or
`docker buildx imagetools create -t demo:v1 ...`, a multi-platform build tagged `demo:v1`, a Compose
build with several `platforms`, or per-arch workloads that XL401 merges into `demo:v1`.

## Why is this bad?
A per-arch tag only runs on nodes of that architecture: scheduled elsewhere, the container dies with
`exec format error`. The multi-arch tag already exists, and the runtime pulls the right image for each
node from its index; keeping per-arch references means one more place to update for each release and
each new architecture.

## Example
```yaml
# values.yaml; the release workflow runs: docker manifest create demo:v1 demo:v1-amd64 demo:v1-arm64
image:
  repository: demo
  tag: v1-amd64
```

## Use instead
```yaml
image:
  repository: demo
  tag: v1
```
The fix (unsafe: `xlint fix --unsafe-fixes`) replaces the reference with the multi-arch one.

## References
- OCI image index (image-spec `image-index.md`)
- `docker manifest create`, `docker buildx imagetools create`
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xlint.workloads.edits import document_plan, node_at
from xlint.workloads.examples import ProjectInvalid, ProjectValid
from xlint.workloads.images import multiarch_image, split_image
from xlint.workloads.kube import per_arch_groups
from xlint.workloads.project import Plan, Project
from xlint.workloads.refs import Known, _known, image_references, known_multiarch, multiarch_images
from xlint.workloads.rulebase import ProjectRule
from xlint.workloads.yamldocs import set_scalar


class PerArchImageTags(ProjectRule):
    __doc__ = __doc__
    code = "XL402"
    name = "per-arch-image-tags"
    severity = "warning"
    message = "`{ref}` is a per-arch image ({arch}); the multi-arch `{multi}` exists ({source})"
    hint = "Use the multi-arch reference: the runtime pulls the image for each node's architecture."
    fix_title = "Use the multi-arch image reference"
    fix_applicability = "unsafe"

    def check_project(self, project: Project) -> None:
        known = multiarch_images(project)
        grouped = set()
        for group in per_arch_groups(project):
            for w in group:
                grouped.add(id(w.doc))
                for _img, multi, _arch in w.images:
                    group_ref = _known(multi, f"per-arch workloads in {w.file.path}")
                    if group_ref:
                        known.append(group_ref)
        for ref in image_references(project):
            if id(ref.doc) in grouped:
                continue  # XL401 merges these
            m = multiarch_image(ref.ref)
            if m is None:
                continue
            k: Known | None = known_multiarch(project, ref.ref, known)
            if k is None:
                continue
            multi, arch = m
            plan: Callable[[], Plan] | None = None
            if ref.key == "image":
                def edit(data: Any, path: tuple[Any, ...] = ref.path, new: str = multi) -> None:
                    set_scalar(node_at(data, path), "image", new)
                plan = document_plan(ref.file, ref.doc, edit)
            else:
                old_name, _t, _d = split_image(ref.ref)
                new_name, new_tag, _ = split_image(multi)
                if new_name == old_name and new_tag:
                    def edit_tag(data: Any, path: tuple[Any, ...] = ref.path, new: str = new_tag) -> None:
                        set_scalar(node_at(data, path), "tag", new)
                    plan = document_plan(ref.file, ref.doc, edit_tag)
            project.report(self, ref.file.path, ref.line, ref.column,
                           self.message.format(ref=ref.ref, arch=arch, multi=multi, source=k.source), plan=plan)


_WF = """\
name: release
on: {push: {tags: ["v*"]}}
jobs:
  manifest:
    runs-on: ubuntu-latest
    steps:
      - run: |
          docker manifest create demo:v1 demo:v1-amd64 demo:v1-arm64
          docker manifest push demo:v1
"""
_VALUES = """\
replicaCount: 2
image:
  repository: demo
  tag: v1-amd64   # x86 only
"""
_COMPOSE = """\
services:
  web:
    image: "demo:v1-arm64"
    ports: ["8080:80"]
"""
_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers:
    - name: debug
      image: ghcr.io/acme/demo:v1-amd64
"""
_BUILD_WF = """\
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/build-push-action@v6
        with:
          platforms: linux/amd64,linux/arm64
          tags: ghcr.io/acme/demo:${{ github.ref_name }}
"""

PerArchImageTags.project_valid = [
    ProjectValid({"values.yaml": _VALUES.replace("v1-amd64", "v1"), ".github/workflows/release.yml": _WF}),
    # no multi-arch image is built or assembled anywhere: the per-arch tag may be all there is
    ProjectValid({"values.yaml": _VALUES}),
    ProjectValid({"pod.yaml": _POD, ".github/workflows/build.yml": _BUILD_WF.replace(",linux/arm64", "")}),
    # a digest names one manifest on purpose
    ProjectValid({"pod.yaml": _POD.replace("demo:v1-amd64", "demo@sha256:" + "a" * 64),
                  ".github/workflows/build.yml": _BUILD_WF}),
]

PerArchImageTags.project_invalid = [
    ProjectInvalid({"values.yaml": _VALUES, ".github/workflows/release.yml": _WF}, path="values.yaml", line=4,
                   fixed={"values.yaml": _VALUES.replace("v1-amd64   #", "v1   #")}),
    ProjectInvalid({"compose.yaml": _COMPOSE, ".github/workflows/release.yml": _WF}, path="compose.yaml", line=3,
                   fixed={"compose.yaml": _COMPOSE.replace("demo:v1-arm64", "demo:v1")}),
    ProjectInvalid({"pod.yaml": _POD, ".github/workflows/build.yml": _BUILD_WF}, path="pod.yaml", line=8,
                   fixed={"pod.yaml": _POD.replace("demo:v1-amd64", "demo:v1")}),
    ProjectInvalid({"a.yaml": _POD.replace("ghcr.io/acme/", "") + "---\n" + _POD.replace("ghcr.io/acme/", "")
                    .replace("name: debug", "name: debug2"), ".github/workflows/release.yml": _WF},
                   path="a.yaml", line=8, count=2),
]
