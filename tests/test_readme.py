"""The README stays true: every `console` example is run and its output compared; the rule table is
the one `xlint rules --format markdown` prints; the test command is the one CI runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def console_examples() -> list[tuple[str, str]]:
    out = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        cmd: str | None = None
        expected: list[str] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                if cmd is not None:
                    out.append((cmd, "\n".join(expected)))
                cmd, expected = line[2:], []
            else:
                expected.append(line)
        if cmd is not None:
            out.append((cmd, "\n".join(expected)))
    return out


EXAMPLES = console_examples()


def test_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 3
    assert any(cmd.startswith("xlint check fixtures/") for cmd, _ in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_console_example(example: tuple[str, str]) -> None:
    cmd, expected = example
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
           "NO_COLOR": "1"}
    r = subprocess.run(["bash", "-c", cmd], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    got = "\n".join(line.rstrip() for line in (r.stdout + r.stderr).splitlines())
    want = "\n".join(line.rstrip() for line in expected.splitlines())
    assert got.strip("\n") == want.strip("\n")


def test_rule_table_is_current() -> None:
    from xlint.cli import rules_table

    m = re.search(r"<!-- rules-table -->\n(.*?)\n<!-- /rules-table -->", README, flags=re.S)
    assert m is not None
    assert m.group(1).strip() == rules_table().strip()


def test_test_command_is_what_ci_runs() -> None:
    m = re.search(r"<!-- test-command -->\n```sh\n(.*?)```", README, flags=re.S)
    assert m is not None
    test_cmd = m.group(1).strip().splitlines()[-1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_cmd in ci
