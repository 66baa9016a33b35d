"""``xlint lsp``: the click command. pygls is imported only when the server starts, so ``xlint --help``
and ``xlint lsp --help`` work without the ``lsp`` extra."""

from __future__ import annotations

import logging
import sys

import click

HELP = """Run the xlint language server: LSP over stdin/stdout, for editors.

Shows `xlint check`'s findings in Dockerfiles (by name, or language id `dockerfile`) and in the
Kubernetes, Compose, workflow and Helm values YAML files the workload rules read, as you type; offers
each fix as a quick fix, "fix all safe findings" as a source action (`source.fixAll.xlint`) and
"ignore XLnnn here"; shows the rule's page on hover. Configuration comes from `.xlint.yaml` or
`[tool.xlint]` as for `xlint check`; `platforms` and `buildPlatform` can be overridden in the editor's
initializationOptions or its `xlint` settings section (workspace/configuration).

\b
Wire it as a language server started with the command `xlint lsp` (stdio):
  VS Code:  a generic LSP client extension, server command ["xlint", "lsp"], languages dockerfile, yaml
  Neovim:   vim.lsp.config('xlint', { cmd = { 'xlint', 'lsp' }, filetypes = { 'dockerfile', 'yaml' } })
  Helix:    languages.toml: [language-server.xlint] command = "xlint", args = ["lsp"]
  Emacs:    (add-to-list 'eglot-server-programs '(dockerfile-mode "xlint" "lsp"))
The README section "In the editor" has the complete snippets. Needs `pip install 'xlint[lsp]'`.
"""


@click.command("lsp", help=HELP, short_help="Run the language server (LSP over stdio) for editors.")
@click.option("--stdio", is_flag=True, help="Talk over stdin/stdout (the default; accepted for clients that pass it).")
@click.option("-v", "--verbose", count=True, help="Log to stderr (-v: what is checked, -vv: protocol details).")
def lsp_command(stdio: bool, verbose: int) -> int:
    from xlint.cli import InputError

    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        raise InputError("`xlint lsp` needs pygls and lsprotocol: pip install 'xlint[lsp]'") from None
    level = {0: logging.WARNING, 1: logging.DEBUG}.get(verbose, logging.DEBUG)
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="xlint lsp: %(levelname)s %(message)s")
    logging.getLogger("xlint").setLevel(level)
    if verbose > 1:
        logging.getLogger("pygls").setLevel(logging.DEBUG)
    from xlint.lsp.server import serve

    serve()
    return 0
