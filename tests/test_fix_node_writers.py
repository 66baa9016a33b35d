"""A Node install whose node_modules are changed after it (a generated Prisma client, patch-package,
`npm rebuild`, a postinstall script run by hand): the production install of a new target-platform stage
would not have those changes, so the fix that replays the install is refused, naming the command."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlint.fixes.engine import fix_text
from xlint.rule import CheckOptions, all_rules

HEAD = "FROM node:20-slim AS build\nWORKDIR /app\nCOPY . .\n"
TAIL = ("\nFROM node:20-slim\nWORKDIR /app\nCOPY --from=build /app/node_modules ./node_modules\n"
        "COPY --from=build /app/dist ./dist\nCMD [\"node\", \"dist/main.js\"]\n")


def _fix(text: str, context: Path | None = None) -> tuple[str, list[str]]:
    options = CheckOptions(platforms=("linux/amd64", "linux/arm64"), build_platform="linux/amd64", context=context)
    result = fix_text(text, "Dockerfile", options, all_rules(), unsafe=True)
    return result.text, [result.why_not(d) for d in result.remaining if d.code == "XL104"]


@pytest.mark.parametrize(("run", "named"), [
    ("RUN npm ci && npx prisma generate && npm run build\n", "`npx prisma generate`"),
    ("RUN npm ci\nRUN npm rebuild sharp && npm run build\n", "`npm rebuild sharp`"),
    ("RUN npm ci && npx patch-package && npm run build\n", "`npx patch-package`"),
    ("RUN npm ci && npm run postinstall && npm run build\n", "`npm run postinstall`"),
    ("RUN npm ci && ./node_modules/.bin/prisma generate && npm run build\n", "prisma generate`"),
    ("RUN npm ci && (cd node_modules/bcrypt && npx node-gyp rebuild) && npm run build\n", "`npx node-gyp rebuild`"),
])
def test_writes_after_the_install_are_refused(run: str, named: str) -> None:
    text = HEAD + run + TAIL
    got, why = _fix(text)
    assert got == text
    assert why and all(named in w and "writes into node_modules after the install" in w for w in why), why


def test_a_build_script_that_generates_into_node_modules(tmp_path: Path) -> None:
    text = HEAD + "RUN npm ci && npm run build\n" + TAIL
    (tmp_path / "package.json").write_text('{"scripts": {"build": "prisma generate && tsc -p ."}}\n')
    got, why = _fix(text, tmp_path)
    assert got == text
    assert why and "`npm run build` runs `prisma generate && tsc -p .`" in why[0]
    # the same build without the generate step: the production node_modules are replayed
    (tmp_path / "package.json").write_text('{"scripts": {"build": "tsc -p ."}}\n')
    got, _ = _fix(text, tmp_path)
    assert "AS build-prod" in got and "RUN npm ci --omit=dev" in got
