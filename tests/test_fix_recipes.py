"""Every BEFORE/AFTER example of every recipe module in ``xlint/fixes/`` runs as a test (as rule examples
do): the exact text after ``xlint fix``, accepted by BuildKit's parser, idempotent, no emulated compile
left; a refusal says why in the finding's hint."""

from __future__ import annotations

import importlib
import pkgutil
import tempfile
from pathlib import Path

import dockerfile
import pytest

import xlint.fixes as pkg
from xlint.checker import check_text
from xlint.fixes.engine import fix_text, keyer
from xlint.fixes.plan import Example
from xlint.rule import CheckOptions, all_rules
from xlint.syntax import parse

RECIPES = ("go", "rust", "c", "node", "dotnet", "jvm", "site")
EMULATED = {"XL101", "XL102", "XL103", "XL104", "XL105", "XL106", "XL107", "XL109"}


def _examples() -> list[tuple[str, Example]]:
    out = []
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"xlint.fixes.{info.name}")
        out.extend((info.name, ex) for ex in getattr(module, "EXAMPLES", []))
    return out


CASES = _examples()


def test_every_recipe_has_examples() -> None:
    names = [m for m, _ in CASES]
    for recipe in RECIPES:
        assert names.count(recipe) >= 2, f"xlint/fixes/{recipe}.py needs BEFORE/AFTER examples"
    assert len({(m, ex.name) for m, ex in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[f"{m}-{ex.name}" for m, ex in CASES])
def test_recipe_example(case: tuple[str, Example], tmp_path: Path) -> None:
    _module, ex = case
    context = None
    if ex.context is not None:
        context = Path(tempfile.mkdtemp(dir=tmp_path))
        for name, content in ex.context.items():
            (context / name).parent.mkdir(parents=True, exist_ok=True)
            (context / name).write_text(content)
    options = CheckOptions(platforms=ex.platforms, build_platform="linux/amd64", context=context)
    rules = all_rules()
    before = check_text(ex.before, "Dockerfile", options, rules)
    assert [d for d in before if d.code in EMULATED], "the example has no emulated step to fix"
    result = fix_text(ex.before, "Dockerfile", options, rules, unsafe=ex.unsafe)
    assert result.text == ex.expected, result.dropped
    if ex.expected == ex.before:
        hints = [d.hint or "" for d in before if d.code in EMULATED]
        assert ex.reason and all(ex.reason in h for h in hints), hints
        # what `xlint fix` prints under each finding it leaves
        left = [d for d in result.remaining if d.code in EMULATED]
        assert left and all(ex.reason in result.why_not(d) for d in left)
        return
    assert not ex.reason
    dockerfile.parse_string(ex.expected)  # BuildKit's own parser accepts it
    again = fix_text(result.text, "Dockerfile", options, rules, unsafe=ex.unsafe)
    assert again.text == result.text  # idempotent
    assert not [d for d in again.remaining if d.code in EMULATED]
    # adds no finding (a finding's identity survives the renumbering of unnamed stages)
    keys = {keyer(parse(ex.before))(d) for d in before}
    assert not [d for d in again.remaining if keyer(parse(result.text))(d) not in keys]
