"""Every project (YAML / multi-file) example of the XL4xx rules and XL302 runs as a test."""

from __future__ import annotations

import pytest

from xlint.rule import CheckOptions, Rule, all_rules
from xlint.workloads.examples import ProjectInvalid, ProjectValid
from xlint.workloads.project import Project, check_project, fix_project, rule_kind, validate_yaml

RULES = [r for r in all_rules() if rule_kind(r) != "dockerfile"]


def _cases(attr: str) -> list[tuple[type[Rule], int, object]]:
    return [(r, i, ex) for r in RULES for i, ex in enumerate(getattr(r, attr))]


def _id(case: tuple[type[Rule], int, object]) -> str:
    return f"{case[0].code}-{case[1]}"


def _split(files: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    yaml = {p: t for p, t in files.items() if p.endswith((".yaml", ".yml"))}
    return yaml, {p: t for p, t in files.items() if p not in yaml}


def _run(rule: type[Rule], ex: ProjectValid | ProjectInvalid) -> list:  # type: ignore[type-arg]
    yaml, docker = _split(ex.files)
    opts = CheckOptions(platforms=ex.platforms, build_platform="linux/amd64")
    if rule_kind(rule) == "resolve":
        from xlint.workloads.resolve import check_with_canned

        return check_with_canned(rule, docker, opts, ex.images)
    proj = Project.from_texts(yaml, docker, opts)
    assert not proj.errors
    return [d for d in check_project(proj, [rule]) if d.code == rule.code]


def test_project_rules_exist() -> None:
    codes = {r.code for r in RULES}
    assert {"XL401", "XL402", "XL403", "XL404", "XL405", "XL302"} <= codes


@pytest.mark.parametrize("case", _cases("project_valid"), ids=_id)
def test_project_valid(case: tuple[type[Rule], int, ProjectValid]) -> None:
    rule, _, ex = case
    assert _run(rule, ex) == []


@pytest.mark.parametrize("case", _cases("project_invalid"), ids=_id)
def test_project_invalid(case: tuple[type[Rule], int, ProjectInvalid]) -> None:
    rule, _, ex = case
    diags = _run(rule, ex)
    assert len(diags) == ex.count, diags
    assert (diags[0].path, diags[0].line) == (ex.path, ex.line)
    if ex.fixed is None:
        return
    yaml, docker = _split(ex.files)
    opts = CheckOptions(platforms=ex.platforms, build_platform="linux/amd64")
    res = fix_project(yaml, docker, opts, [rule], unsafe=ex.unsafe)
    assert res.dropped == []
    assert res.texts == ex.fixed
    for path, text in res.texts.items():
        if text is not None and path.endswith((".yaml", ".yml")):
            assert validate_yaml(path, text) is None
    new_files = {p: t for p, t in {**ex.files, **res.texts}.items() if t is not None}
    y2, d2 = _split(new_files)
    again = fix_project(y2, d2, opts, [rule], unsafe=ex.unsafe)
    assert again.texts == {}  # idempotent
    assert not [d for d in again.remaining if d.code == rule.code]
