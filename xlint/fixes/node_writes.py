"""Node: what changes node_modules after the dependency install (a generated Prisma client, patch-package's
patches, `npm rebuild`, `node-gyp rebuild`, a postinstall script run by hand, or a lifecycle script of the
context's package.json that does): a production install replayed in a new target-platform stage would not
have it, so the Node recipe does not replay the install then (xlint/fixes/node.py).
"""

from __future__ import annotations

from pathlib import Path

from xlint.fixes.context import read_text
from xlint.model import Model, Stage
from xlint.rx import rx
from xlint.shell import SimpleCommand
from xlint.syntax.tree import Instruction
from xlint.toolchains import stage_chain, stage_commands

# commands that write into node_modules after the install: a generated client, patches, rebuilt addons
_WRITES_MODULES = rx(
    r"(?:^|[\s/])(?:prisma(?:@\S+)?\s+(?:[^|;&]*\s)?generate|patch-package|node-gyp\s+(?:rebuild|build)"
    r"|(?:npm|pnpm|yarn|bun)\s+(?:rebuild|rb)|(?:npm|pnpm|yarn|bun)\s+(?:run(?:-script)?\s+)?postinstall)"
    r"(?:\s|$)")
_RUN_SCRIPT = rx(r"^(?:npm|pnpm|yarn|bun)\s+(?:run(?:-script)?\s+)?([\w:.-]+)")
_LIFECYCLE = ("preinstall", "install", "postinstall", "prepare")


def _package_scripts(context: Path | None) -> dict[str, str]:
    """The `scripts` of the build context's package.json (empty when there is none to read)."""
    if context is None:
        return {}
    text = read_text(str(context / "package.json"))
    if text is None:
        return {}
    import json  # (here: a check of files without a package.json needs no JSON reader)

    try:
        data = json.loads(text)
    except ValueError:
        return {}
    scripts = data.get("scripts") if isinstance(data, dict) else None
    return {k: v for k, v in scripts.items() if isinstance(v, str)} if isinstance(scripts, dict) else {}


def writes_modules(model: Model, group: list[Stage], ist: Stage, install_instr: Instruction,
                   installs: list[SimpleCommand], context: Path | None) -> str:
    """Why the install stage's node_modules are more than the install: a command after it (or a script of
    package.json that it or the install runs) writes into them (`prisma generate`, `patch-package`,
    `npm rebuild`, `node-gyp rebuild`, a postinstall script run by hand), which the production install of
    a new stage would not replay; "" when none does."""
    scripts = _package_scripts(context)
    why = ("writes into node_modules after the install, which the production install of a target-platform "
           "stage would not replay (run with dev dependencies left out, it may not even find the tool): "
           "install the runtime's node_modules for the target by hand")
    for name in _LIFECYCLE:
        body = scripts.get(name, "")
        if _WRITES_MODULES.search(body):
            return (f"the `{name}` script of package.json (`{body.strip()}`) writes into node_modules with a tool "
                    "that is most often a dev dependency, which the production install of a target-platform "
                    "stage leaves out: install the runtime's node_modules for the target by hand")
    install_cmds = {id(c) for c in installs}
    after = False
    for st in group:
        if st is not ist and ist not in stage_chain(model, st):
            continue
        for instr, cmd in stage_commands(model, st):
            if st is ist and not after:
                after = id(cmd) in install_cmds and instr is install_instr
                continue
            text = " ".join(w.raw for w in cmd.argv)
            if _WRITES_MODULES.search(text):
                return f"`{text}` {why}"
            m = _RUN_SCRIPT.match(text)
            body = scripts.get(m.group(1), "") if m is not None else ""
            if body and _WRITES_MODULES.search(body):
                return f"`{text}` runs `{body.strip()}`, which {why}"
    return ""
