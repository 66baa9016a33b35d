"""The language server's code actions over many texts, in process (the end-to-end tests in test_lsp.py
talk to the real server; these cover more inputs): the fixture Dockerfiles and the rules' examples,
mutated (lines dropped, repeated, respaced). Every "ignore XLnnn here" removes a finding of that code and
adds none; every enabled quick fix gives the text `xlint fix` validates for that finding alone; actions,
hover and diagnostics never raise."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

pytest.importorskip("lsprotocol")

from lsprotocol import types as lsp  # noqa: E402

from xlint.diagnostics import Edit  # noqa: E402
from xlint.files import discover  # noqa: E402
from xlint.fix import apply_edits, try_fix  # noqa: E402
from xlint.lsp import actions, convert  # noqa: E402
from xlint.lsp.analysis import Analysis, ProjectFiles, analyze  # noqa: E402
from xlint.lsp.positions import LineIndex  # noqa: E402
from xlint.lsp.settings import Overrides, resolve  # noqa: E402
from xlint.rule import all_rules  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def samples(n: int, seed: int = 3) -> list[str]:
    sources = [Path(f).read_text() for f in discover([str(ROOT / "fixtures")])]
    sources += [ex.text for r in all_rules() for ex in r.invalid]
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        lines = rng.choice(sources).splitlines(keepends=True)
        for _ in range(rng.randint(0, 3)):
            if not lines:
                break
            k = rng.randrange(len(lines))
            op = rng.random()
            if op < 0.3:
                del lines[k]
            elif op < 0.6:
                lines.insert(k, lines[rng.randrange(len(lines))])
            else:
                lines[k] = lines[k].replace(" ", "  ", 1)
        out.append("".join(lines))
    return out


def check(path: str, text: str) -> Analysis:
    resolved = resolve(path, Overrides())
    return analyze(path, text, 1, "dockerfile", resolved, None, {}, lambda p: resolve(p, Overrides()), ProjectFiles())


def apply(index: LineIndex, edit: lsp.WorkspaceEdit) -> str:
    assert edit.document_changes is not None
    (change,) = edit.document_changes
    assert isinstance(change, lsp.TextDocumentEdit)
    edits = [Edit(index.offset(e.range.start.line, e.range.start.character),
                  index.offset(e.range.end.line, e.range.end.character), e.new_text) for e in change.edits]
    return apply_edits(index.text, edits)


def test_actions_on_many_texts(tmp_path: Path) -> None:
    path = str(tmp_path / "Dockerfile")
    ignores = fixes = 0
    fixable = [ex.text for r in all_rules() for ex in r.invalid if ex.fixed is not None and not ex.unsafe]
    for text in fixable + samples(100):
        a = check(path, text)
        index = LineIndex(a.text)
        target = actions.Target("file:///Dockerfile", 1, index, True, True, frozenset(), lambda p: p,
                                lambda p: None, lambda p: None)
        for d in a.diagnostics:
            convert.to_diagnostic(d, index, target.uri, True)
            s, e = convert.span(d, index)
            assert 0 <= s <= e <= len(text)
            convert.hover(a.diagnostics, index, s)
        for action in actions.code_actions(a, 0, len(text), None, target):
            if action.edit is None:
                continue
            new = apply(index, action.edit)
            if action.title.startswith("Ignore "):
                code = action.title.split()[1]
                after = check(path, new)
                assert sum(x.code == code for x in after.diagnostics) < sum(x.code == code for x in a.diagnostics)
                assert {x.code for x in after.diagnostics} <= {x.code for x in a.diagnostics}
                ignores += 1
            elif action.kind == lsp.CodeActionKind.QuickFix:
                assert action.diagnostics
                d = next(x for x in a.diagnostics if x.code == action.diagnostics[0].code and x.fix is not None
                         and convert.to_range(index, *convert.span(x, index)) == action.diagnostics[0].range)
                assert new == try_fix(text, d, path, a.resolved.options, a.resolved.rules)
                fixes += 1
    assert ignores >= 50 and fixes >= len(fixable)  # the samples exercise both
