"""Every rule page (`xlint explain CODE`) shows exactly what its author wrote, and its Dockerfile
examples are Dockerfiles that both parsers accept."""

from __future__ import annotations

import ast
import importlib
import inspect
import re

import dockerfile
import pytest

from xlint.rule import Rule, all_rules
from xlint.syntax.parser import parse
from xlint.syntax.tree import DockerfileSyntaxError

RULES = all_rules()
FENCE = re.compile(r"^```dockerfile\n(.*?)^```", re.S | re.M)


def _literal_text(rule: type[Rule]) -> str:
    """The module docstring as it stands in the source file, between its quotes."""
    module = importlib.import_module(rule.__module__)
    src = inspect.getsource(module)
    node = ast.parse(src).body[0]
    assert isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant), "module docstring first"
    segment = ast.get_source_segment(src, node.value)
    assert segment is not None
    m = re.fullmatch(r'[rR]?("""|\'\'\')(.*)\1', segment, re.S)
    assert m is not None, segment[:40]
    return m.group(2)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_page_is_the_source_text(rule: type[Rule]) -> None:
    # an escape such as backslash-newline would make the page differ from what its source shows
    assert rule.__doc__ == _literal_text(rule)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_page_dockerfile_blocks_parse_and_keep_their_lines(rule: type[Rule]) -> None:
    page = rule.doc()
    blocks = FENCE.findall(page)
    assert blocks or rule.code.startswith("XL4"), "a Dockerfile rule page shows a Dockerfile"  # XL4xx: YAML
    if rule.code == "XL901":  # the parse-error rule's example is the broken file it reports
        broken = blocks.pop(0)
        with pytest.raises(DockerfileSyntaxError):
            parse(broken)
        with pytest.raises(dockerfile.GoParseError):
            dockerfile.parse_string(broken)
    for block in blocks:
        tree = parse(block)
        assert tree.text == block  # lossless
        theirs = dockerfile.parse_string(block)
        ours = [(ins.keyword.upper(), ins.start_line) for ins in tree.instructions]
        assert [(c.cmd.upper(), c.start_line) for c in theirs] == ours
        # a continued line in the source stays a continued line on the page
        src_block = _literal_text(rule)
        assert block in src_block


def test_xl102_page_keeps_backslash_newlines() -> None:
    page = next(r for r in RULES if r.code == "XL102").doc()
    assert "gcc libc6-dev && \\\n    xx-cargo build" in page


def test_published_rule_pages_are_current() -> None:
    """docs/rules.md (where rule_url() points) holds every rule's page as the code has it."""
    import subprocess
    import sys
    from pathlib import Path

    from xlint.rule import rule_url

    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, str(root / "scripts" / "gen-rule-docs.py"), "--check"],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    text = (root / "docs" / "rules.md").read_text()
    for rule in RULES:
        assert rule_url(rule.code).endswith(f"docs/rules.md#{rule.code.lower()}")
        assert f'<a id="{rule.code.lower()}"></a>' in text
