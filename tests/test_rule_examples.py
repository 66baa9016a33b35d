"""Every VALID/INVALID example of every rule module runs as a test (Fixit style)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from xlint.checker import check_text
from xlint.fixes.engine import fix_text
from xlint.rule import CheckOptions, Invalid, Rule, Valid, all_rules
from xlint.syntax import parse

RULES = all_rules()


def _cases(kind: str) -> list[tuple[type[Rule], int, Valid | Invalid]]:
    out = []
    for rule in RULES:
        for i, ex in enumerate(getattr(rule, kind)):
            out.append((rule, i, ex))
    return out


def _id(case: tuple[type[Rule], int, object]) -> str:
    return f"{case[0].code}-{case[1]}"


_CONTEXT_ROOT: list[Path] = []


def _options(ex: Valid | Invalid) -> CheckOptions:
    context = None
    if ex.context is not None:
        context = Path(tempfile.mkdtemp(prefix="xlint-example-"))
        _CONTEXT_ROOT.append(context)
        for name, content in ex.context.items():
            (context / name).parent.mkdir(parents=True, exist_ok=True)
            (context / name).write_text(content)
    return CheckOptions(platforms=ex.platforms, build_platform=ex.build_platform, context=context)


@pytest.fixture(autouse=True)
def _cleanup_contexts() -> Iterator[None]:
    yield
    while _CONTEXT_ROOT:
        shutil.rmtree(_CONTEXT_ROOT.pop(), ignore_errors=True)


def test_rules_are_discovered() -> None:
    codes = [r.code for r in RULES]
    assert "XL201" in codes and "XL901" in codes
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    for r in RULES:
        assert r.code[:2] == "XL" and r.code[2:].isdigit() and len(r.code) == 5
        assert r.name and r.name == r.name.lower() and " " not in r.name
        assert "## What it does" in r.doc() and "## Why is this bad?" in r.doc(), r.code
        kind = getattr(r, "kind", "dockerfile")
        if kind == "dockerfile":
            assert len(r.valid) >= 3 and len(r.invalid) >= 3, f"{r.code} needs 3 valid and 3 invalid examples"
        else:
            # YAML/project rules: examples are file sets, run by tests/test_workloads_examples.py
            assert r.valid == [] and r.invalid == [], r.code
            valid, invalid = vars(r).get("project_valid", []), vars(r).get("project_invalid", [])
            assert len(valid) >= 3 and len(invalid) >= 3, f"{r.code} needs 3 valid and 3 invalid examples"


@pytest.mark.parametrize("case", _cases("valid"), ids=_id)
def test_valid_example(case: tuple[type[Rule], int, Valid]) -> None:
    rule, _, ex = case
    diags = check_text(ex.text, "Dockerfile", _options(ex), [rule])
    assert [d for d in diags if d.code == rule.code] == []


@pytest.mark.parametrize("case", _cases("invalid"), ids=_id)
def test_invalid_example(case: tuple[type[Rule], int, Invalid]) -> None:
    rule, _, ex = case
    options = _options(ex)
    diags = [d for d in check_text(ex.text, "Dockerfile", options, [rule]) if d.code == rule.code]
    assert len(diags) == ex.count, diags
    assert diags[0].line == ex.line
    if ex.fixed is not None:
        result = fix_text(ex.text, "Dockerfile", options, [rule], unsafe=ex.unsafe)
        assert result.text == ex.fixed
        parse(result.text)  # the fixed text parses
        again = fix_text(result.text, "Dockerfile", options, [rule], unsafe=ex.unsafe)
        assert again.text == result.text  # idempotent
        assert not [d for d in again.remaining if d.code == rule.code]


@pytest.mark.parametrize("case", [c for c in _cases("invalid") if c[0].code < "XL400"], ids=_id)
def test_a_finding_left_unfixed_says_why(case: tuple[type[Rule], int, Invalid]) -> None:
    """`xlint fix --unsafe-fixes` on a Dockerfile rule's example: every finding that has no fix, or whose
    fix was refused, carries a one-sentence reason (what `xlint fix` prints as "not fixed: ...")."""
    rule, _, ex = case
    result = fix_text(ex.text, "Dockerfile", _options(ex), [rule], unsafe=True)
    for d in result.remaining:
        if d.fix is None or any(gone is d for gone, _ in result.dropped):
            why = result.why_not(d)
            assert why and "\n" not in why, (d.code, d.line, d.message)
