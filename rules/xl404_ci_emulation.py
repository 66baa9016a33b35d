r"""XL404 ci-emulation.

## What it does
Reads GitHub Actions workflows that build images for several platforms (docker/build-push-action with
`platforms:`, `docker buildx build --platform a,b`) together with the Dockerfile they build, and reports:
- `docker/setup-qemu-action` when no RUN step of that Dockerfile runs on a foreign platform any more
  (every compile runs on `$BUILDPLATFORM` and cross-compiles): QEMU is set up for nothing;
- its absence when some RUN step still runs on a foreign platform: the build fails on the runner with
  `exec format error`;
- per-arch matrix jobs (`arch: [amd64, arm64]`) that push `-amd64`/`-arm64` tags and stitch them with
  `docker manifest create` or `docker buildx imagetools create`, where one multi-platform build would do.

## Why is this bad?
Emulated steps are slow (a Go build measured 7.2x native under QEMU) and a missing QEMU set-up breaks the
build outright. Per-arch matrices double the jobs, push tags that users then pin by mistake (XL402), and
the stitching step is one more place for the release to break; a Dockerfile that cross-compiles builds
every platform in one job, as fast as one native build.

## Example
```yaml
jobs:
  image:
    strategy: {matrix: {arch: [amd64, arm64]}}
    steps:
      - uses: docker/setup-qemu-action@v3
      - run: docker buildx build --platform linux/${{ matrix.arch }} -t demo:v1-${{ matrix.arch }} --push .
  manifest:
    steps:
      - run: docker manifest create demo:v1 demo:v1-amd64 demo:v1-arm64
```

## Use instead
```yaml
jobs:
  image:
    steps:
      - uses: docker/build-push-action@v6
        with: {platforms: "linux/amd64,linux/arm64", tags: "demo:v1", push: true}
```
(after `xlint fix` turned the Dockerfile's compiles into cross-compiling builder stages). The fix of the
first report (unsafe) removes the QEMU step.

## References
- docker/setup-qemu-action, docker/build-push-action
- Docker docs: "Multi-platform image with GitHub Actions"
"""

from __future__ import annotations

from typing import Any

from xlint.workloads import actions
from xlint.workloads.edits import document_plan
from xlint.workloads.examples import ProjectInvalid, ProjectValid
from xlint.workloads.images import multiarch_image
from xlint.workloads.project import Project
from xlint.workloads.rulebase import ProjectRule
from xlint.workloads.yamldocs import node_line, plain


class CiEmulation(ProjectRule):
    __doc__ = __doc__
    code = "XL404"
    name = "ci-emulation"
    severity = "warning"
    message = "{what}"
    hint = "Cross-compile in the Dockerfile (`xlint fix`), then build every platform in one job without QEMU."
    fix_title = "Remove the docker/setup-qemu-action step"
    fix_applicability = "unsafe"

    def check_project(self, project: Project) -> None:
        for f, d in project.documents("workflow"):
            stitched = actions.stitched_refs(d)
            for job in actions.jobs(d):
                steps = actions.build_steps(d, job)
                self._qemu(project, f, d, job, steps)
                if stitched:
                    self._matrix(project, f, d, job, steps, stitched)

    def _qemu(self, project: Project, f: Any, d: Any, job: actions.Job, steps: list[actions.BuildStep]) -> None:
        multi = [s for s in steps if len(s.platforms) >= 2]
        if not multi:
            return
        verdicts: list[tuple[actions.BuildStep, str, bool]] = []
        for s in multi:
            found = actions.dockerfile_text(project, f, s.dockerfile)
            if found is None:
                return  # cannot tell
            needs = actions.needs_emulation(found[1], s.platforms, s.runner)
            if needs is None:
                return
            verdicts.append((s, s.dockerfile, needs))
        emulated = [(s, p) for s, p, n in verdicts if n]
        if job.qemu_step is not None and not emulated:
            line = node_line(d, job.data["steps"], job.qemu_step)
            names = ", ".join(sorted({p for _s, p, _n in verdicts}))

            def edit(data: Any, job_name: str = job.name, index: int = job.qemu_step) -> None:
                del data["jobs"][job_name]["steps"][index]

            project.report(
                self, f.path, line, 7,
                f"job '{job.name}': docker/setup-qemu-action is not needed: no RUN step of {names} runs emulated "
                "(every platform is built on the runner)",
                plan=document_plan(f, d, edit), severity="info",
                hint="Remove the step: it costs set-up time and would hide a step that starts running emulated.",
            )
        elif job.qemu_step is None and emulated:
            s, p = emulated[0]
            foreign = [x for x in s.platforms if x.split("/")[:2] != s.runner.split("/")[:2]]
            project.report(
                self, f.path, s.line, 7,
                f"job '{job.name}' builds {', '.join(foreign)} from {p} whose RUN steps run on the target platform, "
                "without docker/setup-qemu-action: the build fails with `exec format error`",
                severity="error",
                hint="Cross-compile in the Dockerfile (`xlint fix`), or add docker/setup-qemu-action before the build.",
            )

    def _matrix(self, project: Project, f: Any, d: Any, job: actions.Job, steps: list[actions.BuildStep],
                stitched: list[str]) -> None:
        found = actions.arch_matrix(job)
        if found is None:
            return
        key, arches = found
        raw = str(plain(job.data.get("steps")))
        per_arch_tags = f"matrix.{key}" in raw and any("matrix." in t or multiarch_image(t) for s in steps
                                                       for t in s.tags)
        if not per_arch_tags:
            return
        matrix = job.data["strategy"]["matrix"]
        line = node_line(d, matrix, key) if key in matrix else node_line(d, job.data["strategy"], "matrix")
        project.report(
            self, f.path, line, 7,
            f"job '{job.name}' builds one image per arch ({', '.join(arches)}) and the workflow stitches them with "
            f"`{stitched[0]}`: one multi-platform build would do",
            hint="Build all platforms in one job (build-push-action `platforms: linux/amd64,linux/arm64`) with a "
                 "cross-compiling Dockerfile; no per-arch tags.",
        )


_GO_CROSS = """\
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
WORKDIR /src
COPY . .
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
FROM gcr.io/distroless/static
COPY --from=build /out/app /app
"""
_GO_EMULATED = """\
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .
FROM gcr.io/distroless/static
COPY --from=build /out/app /app
"""
_WF = """\
name: image
on: push
jobs:
  image:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/setup-qemu-action@v3
      - uses: docker/setup-buildx-action@v3
      - uses: docker/build-push-action@v6
        with:
          platforms: linux/amd64,linux/arm64
          tags: ghcr.io/acme/demo:latest
"""
_WF_NO_QEMU = _WF.replace("      - uses: docker/setup-qemu-action@v3\n", "")
_MATRIX = """\
on: push
jobs:
  build:
    strategy:
      matrix:
        arch: [amd64, arm64]
    runs-on: ubuntu-latest
    steps:
      - uses: docker/setup-qemu-action@v3
      - run: docker buildx build --platform linux/${{ matrix.arch }} -f Dockerfile.${{ matrix.arch }} -t demo:v1-${{ matrix.arch }} --push .
  manifest:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - run: docker manifest create demo:v1 demo:v1-amd64 demo:v1-arm64 && docker manifest push demo:v1
"""

CiEmulation.project_valid = [
    ProjectValid({".github/workflows/image.yml": _WF, "Dockerfile": _GO_EMULATED}),
    ProjectValid({".github/workflows/image.yml": _WF_NO_QEMU, "Dockerfile": _GO_CROSS}),
    # a single-platform build: nothing to say
    ProjectValid({".github/workflows/image.yml": _WF.replace(",linux/arm64", ""), "Dockerfile": _GO_CROSS}),
    # a matrix over arches without stitching per-arch tags
    ProjectValid({".github/workflows/m.yml": _MATRIX.split("  manifest:")[0]}),
    # the Dockerfile is not in the project: cannot tell
    ProjectValid({".github/workflows/image.yml": _WF}),
]

CiEmulation.project_invalid = [
    ProjectInvalid({".github/workflows/image.yml": _WF, "Dockerfile": _GO_CROSS}, path=".github/workflows/image.yml",
                   line=8, fixed={".github/workflows/image.yml": _WF_NO_QEMU}),
    ProjectInvalid({".github/workflows/image.yml": _WF_NO_QEMU, "Dockerfile": _GO_EMULATED},
                   path=".github/workflows/image.yml", line=9),
    ProjectInvalid({".github/workflows/image.yml": _WF_NO_QEMU.replace(
        "      - uses: docker/build-push-action@v6\n        with:\n          platforms: linux/amd64,linux/arm64\n"
        "          tags: ghcr.io/acme/demo:latest\n",
        "      - run: |\n          docker buildx build \\\n            --platform linux/amd64,linux/arm64 \\\n"
        "            -f build/Dockerfile -t demo:1 .\n"), "build/Dockerfile": _GO_EMULATED},
        path=".github/workflows/image.yml", line=9),
    ProjectInvalid({".github/workflows/m.yml": _MATRIX}, path=".github/workflows/m.yml", line=6),
]
