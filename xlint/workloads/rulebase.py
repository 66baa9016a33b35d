"""The base class of rules that read a whole project (Kubernetes/Compose/workflow YAML, sets of
Dockerfiles) instead of one Dockerfile: they report through ``check_project``."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from xlint.rule import Context, Invalid, Rule, Valid
from xlint.workloads.examples import ProjectInvalid, ProjectValid

if TYPE_CHECKING:
    from xlint.workloads.project import Project


class ProjectRule(Rule):
    kind: ClassVar[str] = "yaml"  # "yaml" (YAML documents) or "project" (several Dockerfiles)
    valid: ClassVar[list[Valid]] = []  # Dockerfile examples don't apply: see project_valid/project_invalid
    invalid: ClassVar[list[Invalid]] = []
    project_valid: ClassVar[list[ProjectValid]] = []
    project_invalid: ClassVar[list[ProjectInvalid]] = []

    def check(self, ctx: Context) -> None:
        """Nothing to do on one Dockerfile."""

    def check_project(self, project: Project) -> None:  # pragma: no cover - every rule overrides it
        raise NotImplementedError
