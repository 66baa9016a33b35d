"""A small LSP client for the tests: it starts the real ``xlint lsp`` process and talks to it over
stdio as an editor does (pygls's client, lsprotocol types), records what the server sends, and applies
workspace edits to texts the way an editor applies them (UTF-16 positions)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

WAIT = 60.0  # a guard against a hung server, not a speed check
T = TypeVar("T")

CAPABILITIES = lsp.ClientCapabilities(
    workspace=lsp.WorkspaceClientCapabilities(
        configuration=True,
        workspace_edit=lsp.WorkspaceEditClientCapabilities(
            document_changes=True,
            resource_operations=[lsp.ResourceOperationKind.Create, lsp.ResourceOperationKind.Delete]),
        did_change_watched_files=lsp.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
        did_change_configuration=lsp.DidChangeConfigurationClientCapabilities(dynamic_registration=False),
    ),
    text_document=lsp.TextDocumentClientCapabilities(
        publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(related_information=True, version_support=True),
        code_action=lsp.CodeActionClientCapabilities(
            code_action_literal_support=lsp.ClientCodeActionLiteralOptions(
                lsp.ClientCodeActionKindOptions([lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.SourceFixAll])),
            is_preferred_support=True, disabled_support=True, data_support=True,
            resolve_support=lsp.ClientCodeActionResolveOptions(properties=["edit"])),
        hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.Markdown, lsp.MarkupKind.PlainText]),
    ),
)


def server_command() -> list[str]:
    return [sys.executable, "-m", "xlint", "lsp"]


def run(coro: Awaitable[T]) -> T:
    async def guarded() -> T:
        return await asyncio.wait_for(coro, WAIT * 3)

    return asyncio.run(guarded())


def offset(text: str, pos: lsp.Position) -> int:
    """The string index of an LSP position (UTF-16 code units within the line)."""
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: pos.line])
    line = lines[pos.line] if pos.line < len(lines) else ""
    units = 0
    for i, ch in enumerate(line):
        if units >= pos.character:
            return start + i
        units += 2 if ord(ch) > 0xFFFF else 1
    return start + len(line)


def apply_text_edits(text: str, edits: list[lsp.TextEdit]) -> str:
    """Apply edits as the protocol defines them: all ranges refer to the original text; inserts at one
    position keep their array order."""
    spans = [(offset(text, e.range.start), offset(text, e.range.end), i, e.new_text) for i, e in enumerate(edits)]
    out, pos = [], 0
    for start, end, _i, new in sorted(spans):
        assert start >= pos, "overlapping edits"
        out.append(text[pos:start])
        out.append(new)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def apply_workspace_edit(texts: dict[str, str], edit: lsp.WorkspaceEdit) -> dict[str, str | None]:
    """The texts (by URI) after ``edit``; a deleted file maps to None."""
    out: dict[str, str | None] = dict(texts)
    for uri, edits in (edit.changes or {}).items():
        current = out.get(uri)
        assert current is not None, uri
        out[uri] = apply_text_edits(current, list(edits))
    for change in edit.document_changes or []:
        if isinstance(change, lsp.TextDocumentEdit):
            current = out.get(change.text_document.uri)
            assert current is not None, change.text_document.uri
            out[change.text_document.uri] = apply_text_edits(current, [e for e in change.edits
                                                                       if isinstance(e, lsp.TextEdit)])
        elif isinstance(change, lsp.CreateFile):
            out.setdefault(change.uri, "")
        elif isinstance(change, lsp.DeleteFile):
            out[change.uri] = None
    return out


class Session:
    """One server process and the editor's side of the conversation."""

    def __init__(self, root: Path, init_options: Any = None, settings: Any = None,
                 command: list[str] | None = None, env: dict[str, str] | None = None,
                 capabilities: lsp.ClientCapabilities = CAPABILITIES, folders: bool = True) -> None:
        self.root = root
        self.capabilities = capabilities
        self.folders = folders
        self.init_options = init_options
        self.settings = settings
        self.command = command or server_command()
        self.env = env
        self.client = LanguageClient("xlint-tests", "1")
        self.published: list[lsp.PublishDiagnosticsParams] = []
        self.messages: list[lsp.ShowMessageParams] = []
        self.registrations: list[lsp.Registration] = []
        self.stderr = b""
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}
        self._arrived = asyncio.Event()
        c = self.client

        @c.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _diags(params: lsp.PublishDiagnosticsParams) -> None:
            self.published.append(params)
            self._arrived.set()

        @c.feature(lsp.WINDOW_SHOW_MESSAGE)
        def _message(params: lsp.ShowMessageParams) -> None:
            self.messages.append(params)
            self._arrived.set()

        @c.feature(lsp.WINDOW_LOG_MESSAGE)
        def _log(params: lsp.LogMessageParams) -> None:
            pass

        @c.feature(lsp.WORKSPACE_CONFIGURATION)
        def _configuration(params: lsp.ConfigurationParams) -> list[Any]:
            return [self.settings if item.section == "xlint" else None for item in params.items]

        @c.feature(lsp.CLIENT_REGISTER_CAPABILITY)
        def _register(params: lsp.RegistrationParams) -> None:
            self.registrations.extend(params.registrations)

    async def __aenter__(self) -> Session:
        env = {**os.environ, **(self.env or {})}
        await self.client.start_io(*self.command, cwd=str(self.root), env=env)
        server = self.client._server
        assert server is not None and server.stderr is not None
        self._stderr_task = asyncio.create_task(self._drain(server.stderr))
        root_uri = from_fs_path(str(self.root))
        self.initialize_result = await asyncio.wait_for(self.client.initialize_async(lsp.InitializeParams(
            capabilities=self.capabilities, process_id=os.getpid(), root_uri=root_uri if self.folders else None,
            workspace_folders=[lsp.WorkspaceFolder(root_uri or "", self.root.name)] if self.folders else None,
            initialization_options=self.init_options)), WAIT)
        self.client.initialized(lsp.InitializedParams())
        return self

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(65536):
            self.stderr += chunk

    async def __aexit__(self, *exc: object) -> None:
        if self.client._server is not None and self.client._server.returncode is None:
            self.client._server.kill()
        await self.client.stop()

    async def shutdown(self) -> int:
        """shutdown, exit, and the server process's exit code."""
        await asyncio.wait_for(self.client.shutdown_async(None), WAIT)
        self.client.exit(None)
        server = self.client._server
        assert server is not None
        code = await asyncio.wait_for(server.wait(), WAIT)
        await asyncio.wait_for(self._stderr_task, WAIT)
        return code

    def uri(self, path: Path) -> str:
        uri = from_fs_path(str(path))
        assert uri is not None
        return uri

    def open(self, path: Path, text: str | None = None, language_id: str = "dockerfile") -> str:
        uri = self.uri(path)
        self.texts[uri] = path.read_text() if text is None else text
        self.versions[uri] = 1
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            lsp.TextDocumentItem(uri, language_id, 1, self.texts[uri])))
        return uri

    def change(self, uri: str, text: str) -> int:
        """Replace the whole text (one full-content change); returns the new version."""
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(self.versions[uri], uri),
            [lsp.TextDocumentContentChangeWholeDocument(text)]))
        return self.versions[uri]

    def edit(self, uri: str, start: lsp.Position, end: lsp.Position, new: str, full_text: str) -> int:
        """An incremental change, as editors send them while typing; ``full_text``: the text after it."""
        self.versions[uri] += 1
        self.texts[uri] = full_text
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            lsp.VersionedTextDocumentIdentifier(self.versions[uri], uri),
            [lsp.TextDocumentContentChangePartial(lsp.Range(start, end), new)]))
        return self.versions[uri]

    async def until(self, check: Callable[[], T | None], what: str) -> T:
        """Wait until ``check()`` gives something (each time the server sends a notification)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while True:
            got = check()
            if got is not None:
                return got
            self._arrived.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no {what} from the server; stderr:\n{self.stderr.decode(errors='replace')}")
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                pass

    async def diagnostics(self, uri: str, version: int | None = None) -> list[lsp.Diagnostic]:
        """The diagnostics published for ``uri`` at ``version`` (default: the latest version sent)."""
        want = self.versions.get(uri) if version is None else version

        def found() -> list[lsp.Diagnostic] | None:
            for p in reversed(self.published):
                if p.uri == uri and p.version == want:
                    return list(p.diagnostics)
            return None

        return await self.until(found, f"diagnostics for {uri} version {want}")

    async def code_actions(self, uri: str, rng: lsp.Range, diagnostics: list[lsp.Diagnostic] | None = None,
                           only: list[str] | None = None) -> list[lsp.CodeAction]:
        result = await asyncio.wait_for(self.client.text_document_code_action_async(lsp.CodeActionParams(
            lsp.TextDocumentIdentifier(uri), rng,
            lsp.CodeActionContext(diagnostics or [], only=only))), WAIT)
        return [a for a in result or [] if isinstance(a, lsp.CodeAction)]

    async def resolve(self, action: lsp.CodeAction) -> lsp.CodeAction:
        return await asyncio.wait_for(self.client.code_action_resolve_async(action), WAIT)

    async def hover(self, uri: str, pos: lsp.Position) -> lsp.Hover | None:
        return await asyncio.wait_for(self.client.text_document_hover_async(lsp.HoverParams(
            lsp.TextDocumentIdentifier(uri), pos)), WAIT)
