"""``xlint lsp`` end to end, as an editor uses it: the real server process over stdio (tests/lsp_helpers.py
is the client), documents opened and edited, diagnostics received, code actions applied and compared with
``xlint fix`` on the same file, hover, configuration, bad text, shutdown."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lsp_helpers import CAPABILITIES, Session, apply_workspace_edit, run
from lsprotocol import types as lsp

from xlint.rule import rule_by_code, rule_page, rule_url

ROOT = Path(__file__).resolve().parent.parent
GO_HELLO = ROOT / "fixtures" / "go-hello"

SEVERAL = """\
FROM --platform=$TARGETPLATFORM alpine:3.20 AS tools
RUN echo tools

FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETOS
ARG TARGETARCH=amd64
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH CGO_ENABLED=0 go build -o /out/app .

FROM busybox:1.36
COPY --from=build /out/app /app
RUN echo "built for $TARGETARCH"
"""


def xlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xlint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def fixed_by_cli(path: Path, text: str, *args: str) -> str:
    """What `xlint fix` writes for ``text`` in ``path``'s place (in a copy of the folder)."""
    copy = path.parent.parent / f"{path.parent.name}-cli"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(path.parent, copy)
    (copy / path.name).write_text(text)
    r = xlint("fix", *args, path.name, cwd=copy)
    assert r.returncode in (0, 1), r.stderr
    return (copy / path.name).read_text()


def by_code(diags: list[lsp.Diagnostic], code: str) -> list[lsp.Diagnostic]:
    return [d for d in diags if d.code == code]


def test_open_fix_change_hover_shutdown(tmp_path: Path) -> None:
    work = tmp_path / "go-hello"
    shutil.copytree(GO_HELLO, work)
    path = work / "Dockerfile.emulated"
    original = path.read_text()

    async def body() -> None:
        async with Session(work) as s:
            assert s.initialize_result.server_info is not None
            assert s.initialize_result.server_info.name == "xlint"
            uri = s.open(path)
            diags = await s.diagnostics(uri, 1)
            (d,) = by_code(diags, "XL101")
            assert d.source == "xlint"
            assert d.severity == lsp.DiagnosticSeverity.Warning
            # `xlint check` says 8:5 for this finding: LSP is 0-based
            line = original.splitlines()[7]
            assert (d.range.start.line, d.range.start.character) == (7, 4)
            assert (d.range.end.line, d.range.end.character) == (7, len(line))
            assert d.message.startswith("`go build` runs under QEMU emulation in stage 'build' for linux/arm64")
            assert d.code_description is not None and d.code_description.href == rule_url("XL101")
            assert d.related_information and d.related_information[0].message.startswith("hint: Cross-compile")

            actions = await s.code_actions(uri, d.range, [d])
            quick = [a for a in actions if a.kind == lsp.CodeActionKind.QuickFix and a.title.startswith("XL101")]
            assert len(quick) == 1 and quick[0].is_preferred and quick[0].disabled is None
            assert "(unsafe" not in quick[0].title
            assert any(a.title.startswith("Ignore XL101 here") for a in actions)
            assert quick[0].edit is not None
            after = apply_workspace_edit(s.texts, quick[0].edit)[uri]
            assert after is not None and after != original
            assert after == fixed_by_cli(path, original)

            # the editor applies the edit: the finding is gone in the new version
            v2 = s.change(uri, after)
            assert by_code(await s.diagnostics(uri, v2), "XL101") == []

            # typing the old line back (an incremental change) brings it back
            lines = after.splitlines(keepends=True)
            at = next(i for i, text in enumerate(lines) if text.startswith("FROM --platform=$BUILDPLATFORM"))
            removed = "--platform=$BUILDPLATFORM "
            v3 = s.edit(uri, lsp.Position(at, 5), lsp.Position(at, 5 + len(removed)), "",
                        after.replace(removed, "", 1))
            again = await s.diagnostics(uri, v3)
            assert [x.code for x in again] == ["XL101"]

            # hover on the finding: the rule's page, as `xlint explain` has it, in Markdown
            h = await s.hover(uri, lsp.Position(again[0].range.start.line, again[0].range.start.character + 3))
            assert h is not None and isinstance(h.contents, lsp.MarkupContent)
            assert h.contents.kind == lsp.MarkupKind.Markdown
            rule = rule_by_code("XL101")
            assert rule is not None
            assert h.contents.value == rule_page(rule, markdown=True)
            assert rule.doc() in h.contents.value
            explain = xlint("explain", "XL101", cwd=work).stdout
            assert rule.doc() in explain
            # nothing to say where there is no finding
            assert await s.hover(uri, lsp.Position(0, 0)) is None

            assert await s.shutdown() == 0
            assert b"Traceback" not in s.stderr

    run(body())


@pytest.mark.parametrize("client", ["resolving", "minimal"])
def test_fix_all_is_xlint_fix_and_newest_version_wins(tmp_path: Path, client: str) -> None:
    """A client that resolves actions gets the fix-all edit when it picks the action; a minimal client
    (no resolve, no versioned edits, no relatedInformation, no configuration) gets it at once."""
    path = tmp_path / "Dockerfile"
    path.write_text(SEVERAL)
    caps = CAPABILITIES if client == "resolving" else lsp.ClientCapabilities()

    async def body() -> None:
        async with Session(tmp_path, capabilities=caps) as s:
            uri = s.open(path)
            diags = await s.diagnostics(uri, 1)
            assert {"XL201", "XL202", "XL210"} <= {d.code for d in diags}
            d201 = next(d for d in diags if d.code == "XL201")
            if client == "minimal":
                assert d201.related_information is None and "\nhint: Declare it inside the stage" in d201.message
            else:
                assert d201.related_information and "hint:" not in d201.message
            everything = lsp.Range(lsp.Position(0, 0), lsp.Position(len(SEVERAL.splitlines()), 0))
            actions = await s.code_actions(uri, everything, only=["source.fixAll"])
            assert [a.kind for a in actions] == ["source.fixAll.xlint"]
            action = actions[0]
            if client == "resolving":
                assert action.edit is None
                action = await s.resolve(action)
            assert action.edit is not None
            assert (action.edit.changes is None) == (client == "resolving")
            after = apply_workspace_edit(s.texts, action.edit)[uri]
            assert after == fixed_by_cli(path, SEVERAL)
            assert after != SEVERAL
            # only quick fixes when asked for quick fixes
            quick = await s.code_actions(uri, everything, only=[lsp.CodeActionKind.QuickFix])
            assert quick and all(a.kind == lsp.CodeActionKind.QuickFix for a in quick)

            # a burst of changes: each publish carries its version, the last one is the newest text's
            texts = [SEVERAL.replace("ARG TARGETARCH=amd64", "ARG TARGETARCH=amd64" + "\n" * i) for i in range(1, 6)]
            texts.append(after)
            versions = [s.change(uri, t) for t in texts]
            final = await s.diagnostics(uri, versions[-1])
            assert not {"XL201", "XL202", "XL210"} & {d.code for d in final}
            seen = [p.version for p in s.published if p.uri == uri]
            assert seen == sorted(seen)  # never an older version after a newer one
            assert seen[-1] == versions[-1]
            assert await s.shutdown() == 0

    run(body())


def test_ignore_here_inserts_the_pragma(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    text = SEVERAL.replace("RUN echo \"built", "    RUN echo \"built")
    path.write_text(text)

    async def body() -> None:
        async with Session(tmp_path) as s:
            uri = s.open(path)
            diags = await s.diagnostics(uri)
            d = next(x for x in diags if x.code == "XL201")
            actions = await s.code_actions(uri, d.range, [d])
            (ignore,) = [a for a in actions if a.title.startswith("Ignore XL201 here")]
            assert ignore.edit is not None
            after = apply_workspace_edit(s.texts, ignore.edit)[uri]
            assert after is not None
            assert '    # xlint: ignore=XL201\n    RUN echo "built for $TARGETARCH"' in after
            v2 = s.change(uri, after)
            diags2 = await s.diagnostics(uri, v2)
            assert "XL201" not in {x.code for x in diags2}
            assert {x.code for x in diags2} == {x.code for x in diags} - {"XL201"}
            # a code joins a pragma that is already there
            other = tmp_path / "other.Dockerfile"
            uri2 = s.open(other, text.replace('    RUN echo "built', '    # xlint: ignore=XL206\n    RUN echo "built'))
            d2 = next(x for x in await s.diagnostics(uri2) if x.code == "XL201")
            (ignore2,) = [a for a in await s.code_actions(uri2, d2.range, [d2]) if a.title.startswith("Ignore")]
            assert ignore2.edit is not None
            after2 = apply_workspace_edit(s.texts, ignore2.edit)[uri2]
            assert after2 is not None and '    # xlint: ignore=XL206,XL201\n    RUN echo "built' in after2
            v = s.change(uri2, after2)
            assert "XL201" not in {x.code for x in await s.diagnostics(uri2, v)}
            assert await s.shutdown() == 0

    run(body())


BAD_TEXTS = [
    ("FROM alpine:3.20\nRUN <<EOF\necho never closed\n", 1, "unterminated heredoc"),
    ("FROM alpine:3.20\nBOGUS x\nRUN echo 🚀 ok\n", 1, "unknown instruction"),
    ("FROM\n", 0, "FROM requires"),
    ("\\\n", 0, "unknown instruction"),
    ("FROM alpine\nONBUILD ONBUILD RUN x\n", 1, "ONBUILD"),
]


def test_bad_text_gets_xl901_and_the_server_keeps_serving(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("FROM alpine:3.20\n")

    async def body() -> None:
        async with Session(tmp_path) as s:
            uri = s.open(path)
            assert await s.diagnostics(uri, 1) == []
            for text, line, message in BAD_TEXTS:
                v = s.change(uri, text)
                (d,) = await s.diagnostics(uri, v)
                assert d.code == "XL901" and d.severity == lsp.DiagnosticSeverity.Error
                assert d.range.start.line == line and message in d.message
                # actions and hover on the broken text answer (nothing to fix, no pragma for XL901)
                actions = await s.code_actions(uri, d.range, [d])
                assert not [a for a in actions if a.title.startswith("Ignore")]
                h = await s.hover(uri, d.range.start)
                assert h is not None and isinstance(h.contents, lsp.MarkupContent)
                assert h.contents.value.startswith("# XL901 `parse-error`")
            # junk that still parses (NUL, control characters, a lone surrogate, a huge line) is checked as usual
            junk = "FROM alpine:3.20\nRUN echo \x00\x01\x7f \ud800 " + "x" * 20000 + " $TARGETARCH\n"
            v = s.change(uri, junk)
            got = await s.diagnostics(uri, v)
            assert [d.code for d in got] == ["XL201"]
            assert got[0].range.start == lsp.Position(1, junk.splitlines()[1].index("$TARGETARCH"))
            # a non-BMP character before a finding on its line: positions are in UTF-16 units
            rocket = "FROM alpine:3.20\nRUN echo 🚀 $TARGETARCH\n"
            v = s.change(uri, rocket)
            (d,) = await s.diagnostics(uri, v)
            assert d.range.start.character == len("RUN echo 🚀 ") + 1
            # back to a good text: the same server answers
            v = s.change(uri, "FROM alpine:3.20\nRUN echo ok\n")
            assert await s.diagnostics(uri, v) == []
            assert await s.shutdown() == 0
            assert b"Traceback" not in s.stderr

    run(body())


def test_broken_config_file_is_reported_and_reloaded(tmp_path: Path) -> None:
    (tmp_path / ".xlint.yaml").write_text("ignore: [XL201\nplatforms: linux/amd64\n")
    path = tmp_path / "Dockerfile"
    path.write_text(SEVERAL)

    async def body() -> None:
        async with Session(tmp_path) as s:
            uri = s.open(path)
            # checked with the defaults meanwhile
            assert "XL201" in {d.code for d in await s.diagnostics(uri, 1)}
            config_uri = s.uri(tmp_path / ".xlint.yaml")
            message = await s.until(lambda: next((m for m in s.messages if ".xlint.yaml" in m.message), None),
                                    "a message about the config file")
            assert message.type == lsp.MessageType.Error and "invalid YAML" in message.message
            on_config = await s.until(lambda: next((p for p in s.published if p.uri == config_uri), None),
                                      "diagnostics on the config file")
            assert on_config.diagnostics and on_config.diagnostics[0].severity == lsp.DiagnosticSeverity.Error
            assert on_config.diagnostics[0].range.start.line >= 0

            # the user fixes the file; the editor says so (workspace/didChangeWatchedFiles)
            assert any(r.method == lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in s.registrations)
            (tmp_path / ".xlint.yaml").write_text("ignore: [XL201]\n")
            s.client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(
                [lsp.FileEvent(config_uri, lsp.FileChangeType.Changed)]))

            def reloaded() -> list[lsp.Diagnostic] | None:
                last = [p for p in s.published if p.uri == uri][-1]
                return list(last.diagnostics) if "XL201" not in {d.code for d in last.diagnostics} else None

            assert "XL202" in {d.code for d in await s.until(reloaded, "diagnostics under the fixed config")}
            await s.until(lambda: True if not [p for p in s.published if p.uri == config_uri][-1].diagnostics
                          else None, "the config file's error cleared")

            # changed again without a notification: the next check still sees it
            (tmp_path / ".xlint.yaml").write_text("ignore: [XL201, XL202]\n")
            v = s.change(uri, SEVERAL + "\n")
            codes = {d.code for d in await s.diagnostics(uri, v)}
            assert "XL202" not in codes and "XL210" in codes
            assert await s.shutdown() == 0

    run(body())


GO_SINGLE = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n"


def test_platform_overrides_from_initialization_options_and_settings(tmp_path: Path) -> None:
    (tmp_path / ".xlint.yaml").write_text("platforms: [linux/amd64, linux/arm64]\n")
    path = tmp_path / "Dockerfile"
    path.write_text(GO_SINGLE)

    async def body() -> None:
        # one target platform, the machine's: nothing is emulated
        async with Session(tmp_path, init_options={"platforms": ["linux/amd64"], "buildPlatform": "linux/amd64"}) as s:
            uri = s.open(path)
            assert "XL101" not in {d.code for d in await s.diagnostics(uri, 1)}
            # the editor's settings win over initializationOptions
            s.settings = {"platforms": "linux/amd64,linux/arm64", "buildPlatform": "linux/amd64"}
            s.client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={}))
            d = await s.until(lambda: next((x for p in s.published if p.uri == uri for x in p.diagnostics
                                            if x.code == "XL101"), None), "XL101 under the new settings")
            assert "linux/arm64" in d.message
            # built on an arm64 machine for arm64: nothing emulated again
            s.settings = {"platforms": ["linux/arm64"], "buildPlatform": "linux/arm64"}
            s.client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={}))
            v = s.change(uri, GO_SINGLE + "\n")
            assert "XL101" not in {x.code for x in await s.diagnostics(uri, v)}
            # a bad value is said once and skipped
            s.settings = {"platforms": ["linux/amd64", "not-a-platform"]}
            s.client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings={}))
            m = await s.until(lambda: next((m for m in s.messages if "platforms" in m.message), None), "a message")
            assert "os/arch" in m.message
            assert await s.shutdown() == 0

    run(body())


COMPOSE = """\
# local development
services:
  db:
    image: postgres:16
    platform: linux/amd64  # pinned
    environment:
      POSTGRES_PASSWORD: example
"""


def test_yaml_workload_rules_and_their_fix(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(COMPOSE)

    async def body() -> None:
        async with Session(tmp_path) as s:
            uri = s.open(path, language_id="yaml")
            (d,) = await s.diagnostics(uri, 1)
            assert d.code == "XL403" and d.range.start.line == 4
            actions = await s.code_actions(uri, d.range, [d])
            (fix,) = [a for a in actions if a.title.startswith("XL403")]
            assert "(unsafe fix)" in fix.title and not fix.is_preferred and fix.edit is not None
            after = apply_workspace_edit(s.texts, fix.edit)[uri]
            assert after == fixed_by_cli(path, COMPOSE, "--unsafe-fixes")
            assert "platform:" not in (after or "")
            (ignore,) = [a for a in actions if a.title.startswith("Ignore XL403")]
            assert ignore.edit is not None
            ignored = apply_workspace_edit(s.texts, ignore.edit)[uri]
            assert ignored is not None and "    # xlint: ignore=XL403\n    platform: linux/amd64" in ignored
            v = s.change(uri, ignored)
            assert await s.diagnostics(uri, v) == []
            # YAML that does not load
            v = s.change(uri, "services:\n  db: [unclosed\n")
            (bad,) = await s.diagnostics(uri, v)
            assert bad.code == "XL901"
            # unrelated YAML is left alone
            other = tmp_path / "mkdocs.yml"
            uri2 = s.open(other, "site_name: docs\nnav: [index.md]\n", language_id="yaml")
            assert await s.diagnostics(uri2, 1) == []
            assert await s.shutdown() == 0

    run(body())


def test_missing_extra_is_one_line() -> None:
    code = "import sys; sys.modules['pygls'] = None; from xlint.cli import main; main(['lsp'])"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr == "xlint: error: `xlint lsp` needs pygls and lsprotocol: pip install 'xlint[lsp]'\n"


def test_check_does_not_import_pygls() -> None:
    code = ("import sys, atexit; atexit.register(lambda: print(sorted(m for m in sys.modules if m.startswith("
            "('pygls', 'lsprotocol', 'xlint.lsp'))), file=sys.stderr)); from xlint.cli import main; "
            f"main(['check', {str(GO_HELLO / 'Dockerfile')!r}])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip().splitlines()[-1] == "[]"


def test_help_says_how_to_wire_it() -> None:
    r = xlint("lsp", "--help", cwd=ROOT)
    assert r.returncode == 0
    for word in ("xlint lsp", "stdin/stdout", "VS Code", "vim.lsp.config", "languages.toml", "eglot",
                 "initializationOptions", "pip install 'xlint[lsp]'"):
        assert word in r.stdout, word


def test_workload_fix_over_several_files_is_xlint_fix(tmp_path: Path) -> None:
    work = tmp_path / "multiarch-k8s"
    shutil.copytree(ROOT / "fixtures" / "multiarch-k8s", work)
    cli = tmp_path / "cli"
    shutil.copytree(work, cli)
    r = xlint("fix", "--unsafe-fixes", "--select", "XL401", ".", cwd=cli)
    assert r.returncode == 0, r.stderr

    def files(folder: Path) -> dict[str, str]:
        return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}

    async def body() -> None:
        async with Session(work) as s:
            path = work / "k8s" / "deploy-amd64.yaml"
            uri = s.open(path, language_id="yaml")
            (d,) = await s.diagnostics(uri, 1)
            assert d.code == "XL401"
            (fix,) = [a for a in await s.code_actions(uri, d.range, [d]) if a.title.startswith("XL401")]
            assert fix.edit is not None and fix.edit.document_changes
            kinds = {type(c).__name__ for c in fix.edit.document_changes}
            assert {"DeleteFile", "CreateFile", "TextDocumentEdit"} <= kinds
            before = {s.uri(work / rel): text for rel, text in files(work).items()}
            after = apply_workspace_edit(before, fix.edit)
            got = {rel: after[s.uri(work / rel)] for rel in files(work)}
            got.update({k[len(s.uri(work)) + 1:]: v for k, v in after.items() if k not in before})
            assert {k: v for k, v in got.items() if v is not None} == files(cli)

            # a workload rule's finding in a Dockerfile: the pragma goes on the line before it
            duri = s.open(work / "Dockerfile.amd64")
            x405 = next(x for x in await s.diagnostics(duri, 1) if x.code == "XL405")
            (ignore,) = [a for a in await s.code_actions(duri, x405.range, [x405]) if a.title.startswith("Ignore XL405")]
            assert ignore.edit is not None
            ignored = apply_workspace_edit(s.texts, ignore.edit)[duri]
            assert ignored is not None and "# xlint: ignore=XL405\nRUN CGO_ENABLED=0" in ignored
            v = s.change(duri, ignored)
            assert "XL405" not in {x.code for x in await s.diagnostics(duri, v)}
            assert await s.shutdown() == 0

    run(body())


def test_which_documents_are_checked(tmp_path: Path) -> None:
    text = "FROM alpine:3.20\nRUN echo $TARGETARCH\n"

    async def body() -> None:
        async with Session(tmp_path) as s:
            # by name, whatever the editor calls the language; by language, whatever the name
            for name, language in [("Containerfile", "plaintext"), ("api.Dockerfile", "plaintext"),
                                   ("Dockerfile.dev", "plaintext"), ("build-spec", "dockerfile")]:
                (tmp_path / name).write_text(text)
                uri = s.open(tmp_path / name, language_id=language)
                assert [d.code for d in await s.diagnostics(uri, 1)] == ["XL201"], name
            (tmp_path / "notes.txt").write_text(text)
            uri = s.open(tmp_path / "notes.txt", language_id="plaintext")
            assert await s.diagnostics(uri, 1) == []
            # closing a document clears its diagnostics
            s.client.text_document_did_close(lsp.DidCloseTextDocumentParams(
                lsp.TextDocumentIdentifier(s.uri(tmp_path / "Containerfile"))))
            closed = s.uri(tmp_path / "Containerfile")
            await s.until(lambda: True if not [p for p in s.published if p.uri == closed][-1].diagnostics else None,
                          "cleared diagnostics")
            assert await s.shutdown() == 0

    run(body())


def test_without_a_workspace_folder_a_yaml_file_is_checked_alone(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(COMPOSE)

    async def body() -> None:
        async with Session(tmp_path, folders=False) as s:
            uri = s.open(path, language_id="yaml")
            assert [d.code for d in await s.diagnostics(uri, 1)] == ["XL403"]
            assert await s.shutdown() == 0

    run(body())


def test_utf8_positions_when_the_client_asks_for_them(tmp_path: Path) -> None:
    caps = lsp.ClientCapabilities(general=lsp.GeneralClientCapabilities(
        position_encodings=[lsp.PositionEncodingKind.Utf8]))
    text = "FROM alpine:3.20\nRUN echo 🚀é $TARGETARCH\n"
    path = tmp_path / "Dockerfile"
    path.write_text(text)

    async def body() -> None:
        async with Session(tmp_path, capabilities=caps) as s:
            assert s.initialize_result.capabilities.position_encoding == lsp.PositionEncodingKind.Utf8
            uri = s.open(path)
            (d,) = await s.diagnostics(uri, 1)
            assert d.range.start.character == len("RUN echo 🚀é ".encode())
            assert d.range.end.character == len("RUN echo 🚀é $TARGETARCH".encode())
            assert await s.shutdown() == 0

    run(body())
