r"""XL405 per-arch-dockerfiles.

## What it does
Reports two or more Dockerfiles in one folder that differ only in architecture literals
(`Dockerfile.amd64` / `Dockerfile.arm64`: `FROM amd64/alpine` vs `FROM arm64v8/alpine`,
`tool-linux-amd64.tar.gz` vs `tool-linux-arm64.tar.gz`, `x86_64` vs `aarch64`).

## Why is this bad?
Every change must be made in each copy, and they drift. BuildKit gives each build its target
architecture (`TARGETARCH`), so one Dockerfile builds every platform in one
`docker buildx build --platform linux/amd64,linux/arm64` and produces one multi-arch image.

## Example
```dockerfile
# Dockerfile.amd64
FROM alpine:3.20
RUN wget -O /usr/local/bin/tool https://example.com/tool-linux-amd64 && chmod +x /usr/local/bin/tool
```

## Use instead
```dockerfile
FROM alpine:3.20
ARG TARGETARCH
RUN wget -O /usr/local/bin/tool https://example.com/tool-linux-${TARGETARCH} && chmod +x /usr/local/bin/tool
```
The fix (unsafe: `xlint fix --unsafe-fixes`) writes the merged file as `Dockerfile` beside the copies
(or into the first copy when a `Dockerfile` exists) and removes the copies. Names in other vocabularies
(`x86_64`/`aarch64`) get a `case "$TARGETARCH" in ...` mapping in the RUN step; per-arch base images
become the multi-arch image. Update the build scripts that named the copies.

## References
- BuildKit: automatic platform ARGs (`TARGETARCH`)
- tonistiigi/xx `xx-info` (architecture names per vocabulary)
"""

from __future__ import annotations

from xlint.workloads.dockerfiles import merge_target, merged_text, per_arch_groups
from xlint.workloads.examples import ProjectInvalid, ProjectValid
from xlint.workloads.project import Plan, Project
from xlint.workloads.rulebase import ProjectRule


class PerArchDockerfiles(ProjectRule):
    __doc__ = __doc__
    code = "XL405"
    name = "per-arch-dockerfiles"
    severity = "warning"
    message = "{files} differ only in architecture ({arches}): one Dockerfile with TARGETARCH builds them all"
    hint = "Merge them into one Dockerfile that reads `ARG TARGETARCH`, and build with --platform linux/amd64,linux/arm64."
    fix_title = "Merge the per-arch Dockerfiles into one"
    fix_applicability = "unsafe"
    kind = "project"

    def check_project(self, project: Project) -> None:
        for group in per_arch_groups(project.dockerfiles):
            first = group.copies[0]
            lit = first.literals[group.differing[0]]
            line = first.text.count("\n", 0, lit.start) + 1
            col = lit.start - (first.text.rfind("\n", 0, lit.start) + 1) + 1
            plan: Plan | None = None
            merged = merged_text(group)
            if merged is not None:
                target = merge_target(group, set(project.dockerfiles))
                plan = {c.path: None for c in group.copies}
                plan[target] = merged
            project.report(
                self, first.path, line, col,
                self.message.format(files=", ".join(c.path for c in group.copies),
                                    arches=", ".join(c.arch for c in group.copies)),
                plan=plan,
            )


_AMD = """\
FROM alpine:3.20
# tool for amd64
RUN wget -O /tmp/tool.tgz https://example.com/tool-1.2-linux-amd64.tar.gz \\
 && tar -xzf /tmp/tool.tgz -C /usr/local/bin
CMD ["tool"]
"""
_ARM = _AMD.replace("amd64", "arm64")
_MERGED = """\
FROM alpine:3.20
ARG TARGETARCH
# tool for ${TARGETARCH}
RUN wget -O /tmp/tool.tgz https://example.com/tool-1.2-linux-${TARGETARCH}.tar.gz \\
 && tar -xzf /tmp/tool.tgz -C /usr/local/bin
CMD ["tool"]
"""
_UNAME_AMD = """\
FROM amd64/debian:bookworm-slim
RUN curl -fsSLo /usr/local/bin/app https://example.com/app-x86_64-linux && chmod +x /usr/local/bin/app
"""
_UNAME_ARM = "FROM arm64v8/debian:bookworm-slim\n" + _UNAME_AMD.split("\n", 1)[1].replace("x86_64", "aarch64")
_UNAME_MERGED = """\
FROM debian:bookworm-slim
ARG TARGETARCH
RUN case "$TARGETARCH" in amd64) UNAME_ARCH=x86_64 ;; arm64) UNAME_ARCH=aarch64 ;; *) echo "unsupported: $TARGETARCH" >&2; exit 1 ;; esac; \\
    curl -fsSLo /usr/local/bin/app https://example.com/app-${UNAME_ARCH}-linux && chmod +x /usr/local/bin/app
"""

PerArchDockerfiles.project_valid = [
    ProjectValid({"Dockerfile": _MERGED}),
    # different folders: different images
    ProjectValid({"a/Dockerfile": _AMD, "b/Dockerfile": _ARM}),
    # they differ in more than the arch
    ProjectValid({"Dockerfile.amd64": _AMD, "Dockerfile.arm64": _ARM.replace("3.20", "3.19")}),
    # the same arch twice
    ProjectValid({"Dockerfile.amd64": _AMD, "Dockerfile.x86": _AMD.replace("amd64", "x86_64")}),
]

PerArchDockerfiles.project_invalid = [
    ProjectInvalid({"Dockerfile.amd64": _AMD, "Dockerfile.arm64": _ARM}, path="Dockerfile.amd64", line=2,
                   fixed={"Dockerfile.amd64": None, "Dockerfile.arm64": None, "Dockerfile": _MERGED}),
    ProjectInvalid({"docker/amd64.Dockerfile": _UNAME_AMD, "docker/arm64.Dockerfile": _UNAME_ARM},
                   path="docker/amd64.Dockerfile", line=1,
                   fixed={"docker/amd64.Dockerfile": None, "docker/arm64.Dockerfile": None,
                          "docker/Dockerfile": _UNAME_MERGED}),
    ProjectInvalid({"Dockerfile": "FROM alpine\n", "Dockerfile.amd64": _AMD, "Dockerfile.arm64": _ARM},
                   path="Dockerfile.amd64", line=2,
                   fixed={"Dockerfile.amd64": _MERGED, "Dockerfile.arm64": None}),
    # a literal in CMD cannot read TARGETARCH: reported, not fixed
    ProjectInvalid({"Dockerfile.amd64": 'FROM alpine\nCMD ["run", "--arch", "amd64"]\n',
                    "Dockerfile.arm64": 'FROM alpine\nCMD ["run", "--arch", "arm64"]\n'},
                   path="Dockerfile.amd64", line=2),
]
