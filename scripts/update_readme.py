"""Refresh the README's generated parts: the output of every ```console example and the rule table.

    python scripts/update_readme.py      (tests/test_readme.py checks that nothing changed)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(cmd: str) -> str:
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
           "NO_COLOR": "1"}
    r = subprocess.run(["bash", "-c", cmd], cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    return "\n".join(line.rstrip() for line in (r.stdout + r.stderr).splitlines())


def refresh_block(match: re.Match[str]) -> str:
    out = []
    for line in match.group(1).splitlines():
        if line.startswith("$ "):
            out.append(line)
            out.append(run(line[2:]))
    return "```console\n" + "\n".join(x for x in out if x != "") + "\n```"


def main() -> None:
    from xlint.cli import rules_table

    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"```console\n(.*?)```", refresh_block, text, flags=re.S)
    text = re.sub(r"<!-- rules-table -->\n.*?<!-- /rules-table -->",
                  lambda _m: "<!-- rules-table -->\n" + rules_table() + "\n<!-- /rules-table -->", text, flags=re.S)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
