"""The pygls server: document sync, debounced checks published with their version, code actions, hover,
configuration (workspace files, ``initializationOptions``, ``workspace/configuration``)."""

from __future__ import annotations

import asyncio
import logging
import os
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from xlint import __version__
from xlint.contextfiles import forget_folders
from xlint.lsp import actions, convert
from xlint.lsp.analysis import Analysis, ProjectFiles, analyze, clean_text, kind_of
from xlint.lsp.positions import UTF8, UTF16, UTF32, LineIndex
from xlint.lsp.settings import (
    CONFIG_NAMES,
    ConfigWatch,
    Overrides,
    Resolved,
    config_error_location,
    parse_overrides,
    resolve,
)

log = logging.getLogger("xlint.lsp")
DEBOUNCE = 0.015  # seconds of quiet after a change before the check runs (a burst of changes: one check)
SECTION = "xlint"


class XlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("xlint", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.init_overrides = Overrides()
        self.client_overrides = Overrides()
        self.debounce = DEBOUNCE
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.results: dict[str, Analysis] = {}
        # one thread runs the engine (its caches are not shared between threads); the event loop stays free
        self.engine = ThreadPoolExecutor(1, thread_name_prefix="xlint-check")
        self.config_watch = ConfigWatch()
        self.project_files = ProjectFiles()
        self.shown: set[str] = set()
        self.config_errors: dict[str, str] = {}  # config file URI -> the message shown for it
        self.startup_messages: list[str] = []

    # -- settings ---------------------------------------------------------------------------------------
    @property
    def overrides(self) -> Overrides:
        return self.client_overrides.over(self.init_overrides)

    def resolve(self, path: str) -> Resolved:
        return resolve(path, self.overrides)

    def show_once(self, message: str, kind: lsp.MessageType = lsp.MessageType.Error) -> None:
        text = f"xlint: {message}"
        if text not in self.shown:
            self.shown.add(text)
            self.window_show_message(lsp.ShowMessageParams(kind, text))

    @property
    def encoding(self) -> str:
        enc = str(self.workspace.position_encoding or UTF16)
        return {"utf-8": UTF8, "utf-32": UTF32}.get(enc, UTF16)

    # -- documents --------------------------------------------------------------------------------------
    def path_of(self, uri: str) -> str:
        path = to_fs_path(uri) if uri.startswith("file:") else None
        return os.path.normpath(path) if path else os.path.join(os.getcwd(), os.path.basename(uri) or "untitled")

    def root_of(self, path: str) -> Path | None:
        """The workspace folder holding ``path`` (the innermost), if any."""
        roots = [to_fs_path(f.uri) for f in self.workspace.folders.values()]
        if not roots and self.workspace.root_path:
            roots = [self.workspace.root_path]
        best: str | None = None
        for r in roots:
            if not r:
                continue
            r = os.path.normpath(r)
            if (path == r or path.startswith(r.rstrip(os.sep) + os.sep)) and (best is None or len(r) > len(best)):
                best = r
        return Path(best) if best else None

    def open_texts(self) -> dict[str, str]:
        return {self.path_of(uri): doc.source for uri, doc in self.workspace.text_documents.items()}

    def _analyze(self, uri: str, text: str, version: int | None, language_id: str | None,
                 open_texts: dict[str, str]) -> Analysis:
        """Runs on the engine thread."""
        path = self.path_of(uri)
        kind = kind_of(path, language_id)
        self.config_watch.refresh(path)
        resolved = self.resolve(path)
        return analyze(path, text, version, kind, resolved, self.root_of(path), open_texts, self.resolve,
                       self.project_files)

    async def analysis_for(self, uri: str) -> Analysis | None:
        """The analysis of the document's current text (made now if the last one is older)."""
        doc = self.workspace.text_documents.get(uri)
        if doc is None:
            return None
        cached = self.results.get(uri)
        if cached is not None and cached.version == doc.version and cached.text == clean_text(doc.source):
            return cached
        loop = asyncio.get_running_loop()
        analysis = await loop.run_in_executor(self.engine, self._analyze, uri, doc.source, doc.version,
                                              doc.language_id, self.open_texts())
        self.results[uri] = analysis
        return analysis

    def schedule(self, uri: str, delay: float) -> None:
        """Check the document after ``delay`` seconds; a newer change cancels the older check."""
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._check_later(uri, delay))

    def schedule_all(self) -> None:
        self.results.clear()
        for uri in list(self.workspace.text_documents):
            self.schedule(uri, 0)

    async def _check_later(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        doc = self.workspace.text_documents.get(uri)
        if doc is None:
            return
        version = doc.version
        forget_folders()  # (symbolic links may have changed since the last check)
        try:
            analysis = await self.analysis_for(uri)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the engine's bug: say so, keep serving
            log.error("%s: %s", uri, traceback.format_exc())
            self.show_once(f"internal error while checking {os.path.basename(self.path_of(uri))}: {exc!r} "
                           "(please report it)")
            return
        finally:
            if self.pending.get(uri) is asyncio.current_task():
                del self.pending[uri]
        current = self.workspace.text_documents.get(uri)
        if analysis is None or current is None or current.version != version or analysis.version != version:
            return  # a newer version is on its way: it wins
        self.publish(uri, analysis)

    def publish(self, uri: str, analysis: Analysis) -> None:
        index = LineIndex(analysis.text, self.encoding)
        related = bool(self._caps("text_document", "publish_diagnostics", "related_information"))
        diags = [convert.to_diagnostic(d, index, uri, related) for d in analysis.diagnostics]
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, diags, version=analysis.version))
        log.debug("%s v%s: %d findings in %.1f ms", uri, analysis.version, len(diags), analysis.seconds * 1000)
        self.publish_config_error(analysis.path, analysis.resolved.error)

    def publish_config_error(self, path: str, error: str | None) -> None:
        """A broken config file: one message, and the error on the config file itself (the documents
        are checked with the defaults meanwhile); cleared once the documents under it check cleanly."""
        if error is None:
            folder = os.path.dirname(path)
            for uri, message in list(self.config_errors.items()):
                config_dir = os.path.dirname(self.path_of(uri))
                if folder == config_dir or folder.startswith(config_dir.rstrip(os.sep) + os.sep):
                    self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, []))
                    del self.config_errors[uri]
                    self.shown.discard(message)
            return
        where = config_error_location(error)
        config_uri = from_fs_path(os.path.abspath(where[0])) if where else None
        message = f"{error} (checking with the default configuration until it is fixed)"
        if config_uri is not None:
            self.config_errors[config_uri] = f"xlint: {message}"
        self.show_once(message)
        if where is None or config_uri is None:
            return
        _path, line, col = where
        rng = lsp.Range(lsp.Position(line - 1, col - 1), lsp.Position(line - 1, col - 1))
        text = error.split(": ", 1)[1] if ": " in error else error
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(config_uri, [lsp.Diagnostic(
            rng, text, severity=lsp.DiagnosticSeverity.Error, source=convert.SOURCE)]))

    def _caps(self, *names: str) -> Any:
        cur: Any = self.client_capabilities
        for n in names:
            cur = getattr(cur, n, None) if cur is not None else None
        return cur

    def target(self, uri: str, analysis: Analysis) -> actions.Target:
        ops = self._caps("workspace", "workspace_edit", "resource_operations") or []

        def open_version(path: str) -> int | None:
            doc = self.workspace.text_documents.get(from_fs_path(path) or "")
            return doc.version if doc is not None else None

        def current_text(path: str) -> str | None:
            doc = self.workspace.text_documents.get(from_fs_path(path) or "")
            if doc is not None:
                return doc.source
            return self.project_files.text(path)

        return actions.Target(
            uri=uri, version=analysis.version, index=LineIndex(analysis.text, self.encoding),
            related=bool(self._caps("text_document", "publish_diagnostics", "related_information")),
            document_changes=bool(self._caps("workspace", "workspace_edit", "document_changes")),
            resource_operations=frozenset(str(getattr(o, "value", o)) for o in ops),
            uri_of=lambda p: from_fs_path(p) or p, open_version=open_version, current_text=current_text,
            lazy="edit" in (self._caps("text_document", "code_action", "resolve_support", "properties") or []))

    async def pull_configuration(self) -> None:
        if not self._caps("workspace", "configuration"):
            return
        try:
            result = await self.workspace_configuration_async(
                lsp.ConfigurationParams([lsp.ConfigurationItem(section=SECTION)]))
        except Exception as exc:
            log.warning("workspace/configuration failed: %s", exc)
            return
        self.apply_client_settings(result[0] if result else None)

    def apply_client_settings(self, data: object) -> None:
        self.client_overrides, errors = parse_overrides(data, "settings 'xlint'")
        for e in errors:
            self.show_once(e)


server = XlintServer()


@server.feature(lsp.INITIALIZE)
def initialize(ls: XlintServer, params: lsp.InitializeParams) -> None:
    opts = params.initialization_options
    ls.init_overrides, ls.startup_messages = parse_overrides(opts, "initializationOptions")
    if isinstance(opts, dict) and isinstance(opts.get("debounceMs"), (int, float)):
        ls.debounce = max(0.0, float(opts["debounceMs"]) / 1000)


@server.feature(lsp.INITIALIZED)
async def initialized(ls: XlintServer, params: lsp.InitializedParams) -> None:
    for message in ls.startup_messages:
        ls.show_once(message)
    if ls._caps("workspace", "did_change_watched_files", "dynamic_registration"):
        watchers = [lsp.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_NAMES]
        watchers += [lsp.FileSystemWatcher(glob_pattern=g) for g in ("**/*.yaml", "**/*.yml", "**/*Dockerfile*")]
        try:
            await ls.client_register_capability_async(lsp.RegistrationParams([lsp.Registration(
                "xlint-files", lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                lsp.DidChangeWatchedFilesRegistrationOptions(watchers))]))
        except Exception as exc:
            log.warning("could not watch config files: %s", exc)
    await ls.pull_configuration()
    ls.schedule_all()


@server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: XlintServer, params: lsp.DidChangeConfigurationParams) -> None:
    if ls._caps("workspace", "configuration"):
        await ls.pull_configuration()
    elif isinstance(params.settings, dict) and SECTION in params.settings:
        ls.apply_client_settings(params.settings[SECTION])
    ls.schedule_all()


@server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: XlintServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    names = {os.path.basename(ls.path_of(c.uri)) for c in params.changes}
    if names & set(CONFIG_NAMES):
        ls.engine.submit(ls.config_watch.forget)
    ls.project_files.forget()
    ls.schedule_all()


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: XlintServer, params: lsp.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, 0)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: XlintServer, params: lsp.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, ls.debounce)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: XlintServer, params: lsp.DidSaveTextDocumentParams) -> None:
    # a saved file changes what the other documents' workload rules read, a saved config what all use
    if os.path.basename(ls.path_of(params.text_document.uri)) in CONFIG_NAMES:
        ls.engine.submit(ls.config_watch.forget)
    ls.project_files.forget()
    ls.schedule_all()


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: XlintServer, params: lsp.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    task = ls.pending.pop(uri, None)
    if task is not None:
        task.cancel()
    ls.results.pop(uri, None)
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri, []))


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(
    code_action_kinds=[lsp.CodeActionKind.QuickFix, actions.FIX_ALL], resolve_provider=True))
async def code_action(ls: XlintServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
    uri = params.text_document.uri
    analysis = await ls.analysis_for(uri)
    if analysis is None:
        return None
    target = ls.target(uri, analysis)
    start = target.index.offset(params.range.start.line, params.range.start.character)
    end = target.index.offset(params.range.end.line, params.range.end.character)
    only = [str(k.value if hasattr(k, "value") else k) for k in params.context.only] if params.context.only else None
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(ls.engine, actions.code_actions, analysis, start, end, only, target)


@server.feature(lsp.CODE_ACTION_RESOLVE)
async def code_action_resolve(ls: XlintServer, action: lsp.CodeAction) -> lsp.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    uri = data.get("uri")
    if action.kind != actions.FIX_ALL or not isinstance(uri, str):
        return action
    analysis = await ls.analysis_for(uri)
    if analysis is None:
        return action
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(ls.engine, actions.resolve_fix_all, action, analysis, ls.target(uri, analysis))


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
async def hover(ls: XlintServer, params: lsp.HoverParams) -> lsp.Hover | None:
    analysis = await ls.analysis_for(params.text_document.uri)
    if analysis is None:
        return None
    index = LineIndex(analysis.text, ls.encoding)
    return convert.hover(analysis.diagnostics, index, index.offset(params.position.line, params.position.character))


def serve() -> None:
    """Speak LSP on stdin/stdout until the client says exit. Anything else that writes to stdout would
    break the protocol: it goes to stderr."""
    import sys

    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr
    server.start_io(sys.stdin.buffer, protocol_out)
