"""XL4xx over the multiarch-k8s fixture through the command line, YAML round trips, discovery, errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from xlint.rule import CheckOptions, rule_by_code
from xlint.workloads.project import Project, check_project, fix_project, validate_yaml
from xlint.workloads.yamldocs import YamlFile, _guess_indent, split_documents

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "multiarch-k8s"


def xlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("xlint", path=os.path.dirname(sys.executable))
    cmd = [exe] if exe else [sys.executable, "-m", "xlint"]
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "multiarch-k8s"
    shutil.copytree(FIXTURE, dest)
    return dest


def _rows(r: subprocess.CompletedProcess[str]) -> set[tuple[str, int, str]]:
    return {(Path(d["path"]).as_posix(), d["line"], d["code"]) for d in json.loads(r.stdout)}


def test_check_fixture_reports_every_planted_copy(project: Path) -> None:
    r = xlint("check", "--select", "XL4", "--format", "json", ".", cwd=project)
    assert r.returncode == 1, r.stderr
    assert _rows(r) == {
        ("k8s/deploy-amd64.yaml", 5, "XL401"),
        ("k8s/migrate-job.yaml", 12, "XL402"),
        ("compose.yaml", 5, "XL403"),
        ("compose.yaml", 11, "XL403"),
        (".github/workflows/release.yml", 11, "XL404"),
        ("Dockerfile.amd64", 5, "XL405"),
    }


def test_check_single_yaml_file_and_explicit_paths(project: Path) -> None:
    r = xlint("check", "--format", "json", "k8s/deploy-amd64.yaml", "k8s/deploy-arm64.yaml", cwd=project)
    assert _rows(r) == {("k8s/deploy-amd64.yaml", 5, "XL401")}
    r = xlint("check", "k8s/service.yaml", cwd=project)
    assert r.returncode == 0, r.stdout


DEPLOY = """\
# x86 node pool
apiVersion: apps/v1
kind: Deployment
metadata:
  name: demo
  namespace: shop
  labels:
    app.kubernetes.io/name: demo
spec:
  replicas: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: demo
  template:
    metadata:
      labels:
        app.kubernetes.io/name: demo
    spec:
      containers:
        - name: demo
          image: "demo:v1"
          ports:
            - containerPort: 8080
          resources:
            requests: {cpu: 100m, memory: 64Mi}
      tolerations:
        - key: kubernetes.io/arch
          operator: Equal
          value: arm64
          effect: NoSchedule
"""

COMPOSE = """\
# local development
services:
  demo:
    image: demo:v1
    ports:
      - "8080:8080"
    depends_on: [db]
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: example
"""

DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM golang:1.22-bookworm AS build
ARG TARGETARCH
WORKDIR /src
COPY go.mod main.go ./
RUN CGO_ENABLED=0 GOOS=linux GOARCH=${TARGETARCH} go build -o /out/demo .

FROM alpine:3.20
ARG TARGETARCH
RUN case "$TARGETARCH" in amd64) UNAME_ARCH=x86_64 ;; arm64) UNAME_ARCH=aarch64 ;; *) echo "unsupported: \
$TARGETARCH" >&2; exit 1 ;; esac; \\
    wget -qO /usr/local/bin/dumb-init https://github.com/Yelp/dumb-init/releases/download/v1.2.5/dumb-init_1.2.5_\
${UNAME_ARCH} \\
 && chmod +x /usr/local/bin/dumb-init
COPY --from=build /out/demo /usr/local/bin/demo
EXPOSE 8080
ENTRYPOINT ["dumb-init", "--", "demo"]
"""


def test_fix_fixture_exact_text(project: Path) -> None:
    service_before = (project / "k8s/service.yaml").read_text()
    workflow_before = (project / ".github/workflows/release.yml").read_text()
    r = xlint("fix", "--select", "XL4", "--unsafe-fixes", ".", cwd=project)
    assert r.returncode == 0, r.stderr
    assert "5 fixed, 1 remaining." in r.stdout
    assert sorted(p.name for p in (project / "k8s").iterdir()) == ["deploy.yaml", "migrate-job.yaml", "service.yaml"]
    assert (project / "k8s/deploy.yaml").read_text() == DEPLOY
    assert (project / "k8s/migrate-job.yaml").read_text() == (FIXTURE / "k8s/migrate-job.yaml").read_text().replace(
        "image: demo:v1-amd64", "image: demo:v1")
    assert (project / "k8s/service.yaml").read_text() == service_before
    assert (project / "compose.yaml").read_text() == COMPOSE
    assert (project / ".github/workflows/release.yml").read_text() == workflow_before  # reported, not fixed
    assert not (project / "Dockerfile.amd64").exists() and not (project / "Dockerfile.arm64").exists()
    assert (project / "Dockerfile").read_text() == DOCKERFILE
    # the fixed manifests load and stay valid Kubernetes objects
    for name in ("deploy.yaml", "migrate-job.yaml", "service.yaml"):
        text = (project / "k8s" / name).read_text()
        assert validate_yaml(name, text) is None
        obj = YAML(typ="safe").load(text)
        assert obj["apiVersion"] and obj["kind"] and obj["metadata"]["name"]
    dep = YAML(typ="safe").load(DEPLOY)
    assert dep["spec"]["selector"]["matchLabels"].items() <= dep["spec"]["template"]["metadata"]["labels"].items()
    svc = YAML(typ="safe").load(service_before)
    assert svc["spec"]["selector"].items() <= dep["spec"]["template"]["metadata"]["labels"].items()
    # idempotent: nothing left to fix
    again = xlint("fix", "--select", "XL4", "--unsafe-fixes", ".", cwd=project)
    assert "0 fixed, 1 remaining." in again.stdout


def test_fix_without_unsafe_changes_nothing(project: Path) -> None:
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    r = xlint("fix", "--select", "XL4", ".", cwd=project)
    assert r.returncode == 0
    assert "(unsafe fix available: --unsafe-fixes)" in r.stdout
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before


def test_fix_diff_writes_nothing(project: Path) -> None:
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    r = xlint("fix", "--select", "XL403", "--unsafe-fixes", "--diff", "compose.yaml", cwd=project)
    assert r.returncode == 1
    # alone, compose.yaml does not show that demo:v1 is multi-arch (the workflow does): only postgres
    assert r.stdout == ("--- a/compose.yaml\n+++ b/compose.yaml\n@@ -8,6 +8,5 @@\n     depends_on: [db]\n   db:\n"
                        "     image: postgres:16\n-    platform: linux/amd64\n     environment:\n"
                        "       POSTGRES_PASSWORD: example\n")
    assert "1 would fix, 0 remaining." in r.stderr
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before


def test_unrelated_yaml_is_not_reported(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: docs\nnav:\n  - index.md\n")
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: []\n")
    (tmp_path / "data.yaml").write_text("services: just a word\nimage: not-a-values-file\n")
    (tmp_path / "broken-notes.yaml").write_text("a: [unclosed\n")  # not ours: not read as Kubernetes
    r = xlint("check", ".", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def test_invalid_yaml_given_explicitly_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "deploy.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: [x\n")
    r = xlint("check", "deploy.yaml", cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout.startswith("deploy.yaml:4:1: XL901 invalid YAML")
    r = xlint("fix", "--unsafe-fixes", "deploy.yaml", cwd=tmp_path)
    assert r.returncode == 2 and "deploy.yaml:4:1: invalid YAML" in r.stderr and "Traceback" not in r.stderr


def test_pragma_in_yaml(project: Path) -> None:
    f = project / "compose.yaml"
    f.write_text(f.read_text().replace("    platform: linux/amd64\n",
                                       "    platform: linux/amd64  # xlint: ignore=XL403\n"))
    r = xlint("check", "--select", "XL403", "--format", "json", ".", cwd=project)
    assert _rows(r) == {("compose.yaml", 5, "XL403")}
    f.write_text("# xlint: global ignore=XL403\n" + f.read_text())
    r = xlint("check", "--select", "XL403", ".", cwd=project)
    assert r.returncode == 0, r.stdout


# -- library level ------------------------------------------------------------------------------------------
def test_untouched_documents_stay_byte_for_byte() -> None:
    text = ("# header\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata: {name: c}\r\ndata:\r\n  k: 'v'   # q\r\n"
            "---\r\n" + (FIXTURE / "k8s/deploy-amd64.yaml").read_text().replace("\n", "\r\n") + "---\r\n"
            + (FIXTURE / "k8s/deploy-arm64.yaml").read_text().replace("\n", "\r\n"))
    f = YamlFile.load("all.yaml", text)
    assert [d.line for d in f.documents] == [1, 7, 37]
    assert f.rewrite({}, set()) == text
    res = fix_project({"all.yaml": text}, {}, CheckOptions(), [rule_by_code("XL401")], unsafe=True)  # type: ignore[list-item]
    new = res.texts["all.yaml"]
    assert new is not None
    assert new.startswith("# header\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata: {name: c}\r\ndata:\r\n"
                          "  k: 'v'   # q\r\n---\r\n# x86 node pool\r\n")
    assert "\n" not in new.replace("\r\n", "")
    assert new.count("---") == 1 and "demo-arm64" not in new and "  name: demo\r\n" in new


def test_indentation_is_detected() -> None:
    assert _guess_indent("a:\n  b:\n  - x\n") == (2, 2, 0)
    assert _guess_indent("a:\n    b:\n      - x\n") == (4, 6, 2)
    assert _guess_indent("spec:\n  containers:\n    - name: x\n") == (2, 4, 2)


def test_offset_sequences_keep_their_layout() -> None:
    text = ("apiVersion: v1\nkind: Pod\nmetadata:\n    name: tool-amd64\nspec:\n    nodeSelector:\n"
            "        kubernetes.io/arch: amd64\n    containers:\n    -   name: t\n        image: t:1-amd64\n")
    arm = text.replace("amd64", "arm64")
    res = fix_project({"p.yaml": text + "---\n" + arm}, {}, CheckOptions(), [rule_by_code("XL401")],  # type: ignore[list-item]
                      unsafe=True)
    assert res.texts == {"p.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n    name: tool\nspec:\n    containers:\n"
                                   "    -   name: t\n        image: t:1\n"}


def test_split_documents_ignores_dashes_inside_lines() -> None:
    text = "a: 1\n--- \nb: '---'\n---\nc: 3\n"
    assert [text[s:e] for s, e in split_documents(text)] == ["a: 1\n", "--- \nb: '---'\n", "---\nc: 3\n"]


def test_fix_drops_a_merge_that_would_break_a_selector() -> None:
    # A Service that selected only the amd64 copy keeps working: its arch label is dropped with the copy's
    amd = (FIXTURE / "k8s/deploy-amd64.yaml").read_text()
    arm = (FIXTURE / "k8s/deploy-arm64.yaml").read_text()
    svc = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: demo-x86\nspec:\n  selector:\n"
           "    app.kubernetes.io/name: demo\n    arch: amd64  # x86 only\n")
    rules = [rule_by_code("XL401")]
    res = fix_project({"a.yaml": amd, "b.yaml": arm, "svc.yaml": svc}, {}, CheckOptions(), rules,  # type: ignore[arg-type]
                      unsafe=True)
    assert res.texts["svc.yaml"] == ("apiVersion: v1\nkind: Service\nmetadata:\n  name: demo-x86\nspec:\n"
                                     "  selector:\n    app.kubernetes.io/name: demo\n")
    assert res.texts["b.yaml"] is None
    proj = Project.from_texts({"a.yaml": res.texts["a.yaml"] or ""}, {}, CheckOptions())
    assert check_project(proj, rules) == []  # type: ignore[arg-type]


def test_fix_image_option_names_the_multiarch_image(project: Path) -> None:
    r = xlint("fix", "--select", "XL401", "--unsafe-fixes", "--image", "ghcr.io/acme/demo:1.0", "k8s", cwd=project)
    assert r.returncode == 0, r.stderr
    assert "k8s/deploy-amd64.yaml:5:3: fixed XL401" in r.stdout
    assert (project / "k8s/deploy.yaml").read_text() == DEPLOY.replace('"demo:v1"', '"ghcr.io/acme/demo:1.0"')


def test_damaged_inputs_never_raise() -> None:
    """Every fixture YAML file with one line removed, or one line's indentation changed: the project rules
    answer (findings or a YAML error), never an exception."""
    from xlint.rule import all_rules
    from xlint.workloads.project import rule_kind

    rules = [r for r in all_rules() if rule_kind(r) in ("yaml", "project")]
    files = {p.relative_to(FIXTURE).as_posix(): p.read_text() for p in FIXTURE.rglob("*")
             if p.is_file() and p.suffix in (".yaml", ".yml")}
    docker = {p.name: p.read_text() for p in FIXTURE.glob("Dockerfile.*")}
    runs = 0
    for name, text in files.items():
        lines = text.splitlines(keepends=True)
        for i in range(len(lines)):
            for variant in (lines[:i] + lines[i + 1 :], lines[:i] + ["  " + lines[i]] + lines[i + 1 :]):
                texts = {".github/workflows/release.yml": files[".github/workflows/release.yml"],
                         "k8s/deploy-arm64.yaml": files["k8s/deploy-arm64.yaml"], name: "".join(variant)}
                proj = Project.from_texts(texts, docker, CheckOptions())
                check_project(proj, rules)
                if not proj.errors and runs % 7 == 0:  # fixing is slower: a sample
                    fix_project(texts, docker, CheckOptions(), rules, unsafe=True, max_passes=2)
                runs += 1
    assert runs > 100
