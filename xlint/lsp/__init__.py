"""``xlint lsp``: the language server (LSP over stdio, on pygls) that shows ``xlint check``'s findings
in an editor as you type, offers ``xlint fix``'s edits as code actions and the rule pages on hover.

``command`` is the click command (it imports pygls only when the server starts), ``settings`` how the
workspace's config files and the editor's overrides become check options, ``analysis`` one document's
findings from the engine, ``positions`` offsets <-> LSP positions, ``actions`` the code actions and
``server`` the pygls wiring.
"""
