r"""XL401 per-arch-workloads.

## What it does
Reports Kubernetes workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod; in
multi-document files, Helm output or kustomize builds as plain YAML) that are copies of each other
differing only by an architecture pin (`nodeSelector` or node affinity on `kubernetes.io/arch` /
`beta.kubernetes.io/arch`), an image tag or name carrying the architecture (`demo:v1-amd64`) and name
suffixes (`demo-amd64`, `demo-arm64`).

## Why is this bad?
Each new architecture doubles the YAML, the image tags and the CI jobs, and the copies drift apart (a
fix lands in the amd64 copy only). One multi-arch image (an OCI index) serves every node: the kubelet
pulls the image built for its own architecture, so one workload without an arch pin runs on x86 and ARM
nodes alike. Pinned copies also waste capacity: pods cannot move to the other node pool.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: demo-amd64}
spec:
  template:
    spec:
      nodeSelector: {kubernetes.io/arch: amd64}
      containers: [{name: app, image: demo:v1-amd64}]
---
# ... the same with arm64
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: demo}
spec:
  template:
    spec:
      containers: [{name: app, image: demo:v1}]   # a multi-arch image
```
The fix (unsafe: `xlint fix --unsafe-fixes`) keeps the first copy with the common image tag, drops the
arch pin (a node-affinity pin becomes `In [every arch served]`), adds up the replicas, keeps the arch
tolerations of every copy, removes the other copies, and updates Services whose selectors used a
per-arch label. The merged Deployment has a new name and selector: apply it, then delete the old ones.

## References
- Kubernetes well-known label `kubernetes.io/arch`
- OCI image index (image-spec `image-index.md`); `docker buildx build --platform linux/amd64,linux/arm64`
"""

from __future__ import annotations

import functools

from xlint.workloads.examples import ProjectInvalid, ProjectValid
from xlint.workloads.kube import (
    IMAGE_OVERRIDE,
    Workload,
    containers,
    location,
    merge_plan,
    per_arch_groups,
    pod_spec,
)
from xlint.workloads.project import Project
from xlint.workloads.rulebase import ProjectRule


class PerArchWorkloads(ProjectRule):
    __doc__ = __doc__
    code = "XL401"
    name = "per-arch-workloads"
    severity = "warning"
    message = "{kind} '{name}' has per-arch copies ({others}): one workload with the multi-arch image `{image}` serves {arches}"
    hint = "Build one multi-arch image (docker buildx build --platform linux/amd64,linux/arm64) and keep one workload without an arch pin."
    fix_title = "Merge the per-arch copies into one multi-arch workload"
    fix_applicability = "unsafe"

    def check_project(self, project: Project) -> None:
        for group in per_arch_groups(project):
            keep = group[0]
            image = IMAGE_OVERRIDE.get() or (keep.images[0][1] if keep.images else _first_image(keep))
            others = ", ".join(
                f"'{w.name}'" + ("" if w.file.path == keep.file.path else f" in {w.file.path}") for w in group[1:]
            )
            arches = " and ".join(sorted(str(w.arch) for w in group))
            line, col = location(keep)
            project.report(
                self, keep.file.path, line, col,
                self.message.format(kind=keep.kind, name=keep.name, others=others, image=image, arches=arches),
                plan=functools.partial(merge_plan, project, group),
            )


def _first_image(w: Workload) -> str:
    for c in containers(pod_spec(w.doc.data)):
        if isinstance(c.get("image"), str):
            return str(c["image"])
    return "(multi-arch)"


_AMD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo-amd64
  labels:
    app: demo
spec:
  replicas: 2
  selector:
    matchLabels:
      app: demo
      arch: amd64
  template:
    metadata:
      labels:
        app: demo
        arch: amd64
    spec:
      nodeSelector:
        kubernetes.io/arch: amd64
      containers:
        - name: app
          image: demo:v1-amd64
"""
_ARM = _AMD.replace("amd64", "arm64").replace("replicas: 2", "replicas: 1")
_MERGED = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
  labels:
    app: demo
spec:
  replicas: 3
  selector:
    matchLabels:
      app: demo
  template:
    metadata:
      labels:
        app: demo
    spec:
      containers:
        - name: app
          image: demo:v1
"""
_SVC = """\
apiVersion: v1
kind: Service
metadata:
  name: demo
spec:
  selector:
    app: demo   # both copies
  ports:
    - port: 80
"""
_AFFINITY_AMD = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report-x86_64
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms:
                  - matchExpressions:
                      - key: kubernetes.io/arch
                        operator: In
                        values: [amd64]
          containers:
            - name: report
              image: "ghcr.io/acme/report:2.1-amd64"  # x86 build
          restartPolicy: Never
"""

_HPA = """\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: demo-amd64
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: demo-amd64
  minReplicas: 2
  maxReplicas: 10
"""
_SAME_IMAGE = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent-amd64
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      nodeSelector:
        kubernetes.io/arch: amd64
      containers:
        - name: agent
          image: quay.io/acme/agent:2.0   # already multi-arch
"""

PerArchWorkloads.project_valid = [
    ProjectValid({"deploy.yaml": _MERGED + "---\n" + _SVC}),
    # one arch only: nothing to merge (XL402 may still apply)
    ProjectValid({"deploy.yaml": _AMD}),
    # the copies differ in more than the arch (another command): not copies
    ProjectValid({"a.yaml": _AMD, "b.yaml": _ARM.replace("image: demo:v1-arm64",
                                                         "image: demo:v1-arm64\n          args: [--slow]")}),
    # same arch twice (a canary), not per-arch copies
    ProjectValid({"a.yaml": _AMD, "b.yaml": _AMD.replace("demo-amd64", "demo-canary-amd64")}),
]

PerArchWorkloads.project_invalid = [
    ProjectInvalid(
        {"deploy.yaml": "# per-arch copies\n" + _AMD + "---\n" + _ARM + "---\n" + _SVC},
        path="deploy.yaml", line=5,
        fixed={"deploy.yaml": "# per-arch copies\n" + _MERGED + "---\n" + _SVC},
    ),
    ProjectInvalid(
        {"k8s/amd64.yaml": _AMD, "k8s/arm64.yaml": _ARM,
         "k8s/svc.yaml": _SVC.replace("    app: demo   # both copies", "    app: demo\n    arch: amd64")},
        path="k8s/amd64.yaml", line=4,
        fixed={"k8s/amd64.yaml": _MERGED, "k8s/arm64.yaml": None, "k8s/svc.yaml": _SVC.replace("   # both copies", "")},
    ),
    ProjectInvalid(
        {"cron.yaml": _AFFINITY_AMD + "---\n" + _AFFINITY_AMD.replace("amd64", "arm64").replace("x86_64", "aarch64")
         .replace("x86 build", "arm build")},
        path="cron.yaml", line=4,
        fixed={"cron.yaml": _AFFINITY_AMD.replace("report-x86_64", "report").replace("[amd64]", "[amd64, arm64]")
               .replace("report:2.1-amd64", "report:2.1")},
    ),
    ProjectInvalid(
        {"pods.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: tool-arm64\nspec:\n  nodeSelector:\n"
                      "    beta.kubernetes.io/arch: arm64\n  containers:\n  - name: tool\n    image: arm64v8/busybox:1.36\n"
                      "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: tool-amd64\nspec:\n  nodeSelector:\n"
                      "    beta.kubernetes.io/arch: amd64\n  containers:\n  - name: tool\n    image: amd64/busybox:1.36\n"},
        path="pods.yaml", line=4,
        fixed={"pods.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: tool\nspec:\n  containers:\n  - name: tool\n"
                            "    image: busybox:1.36\n"},
    ),
    # autoscalers follow: the kept copy's is renamed, the other copy's is removed
    ProjectInvalid(
        {"deploy.yaml": _AMD + "---\n" + _ARM, "hpa.yaml": _HPA + "---\n" + _HPA.replace("amd64", "arm64")},
        path="deploy.yaml", line=4,
        fixed={"deploy.yaml": _MERGED,
               "hpa.yaml": _HPA.replace("    name: demo-amd64", "    name: demo")},
    ),
    # the image is multi-arch already: only the pins differ
    ProjectInvalid(
        {"agent.yaml": _SAME_IMAGE + "---\n" + _SAME_IMAGE.replace("amd64", "arm64")},
        path="agent.yaml", line=4,
        fixed={"agent.yaml": _SAME_IMAGE.replace("agent-amd64", "agent").replace(
            "      nodeSelector:\n        kubernetes.io/arch: amd64\n", "")},
    ),
]
