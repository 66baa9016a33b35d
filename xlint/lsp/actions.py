"""Code actions on a document: each finding's fix as a quick fix (the edit ``xlint fix`` makes, kept only
when it passes the same checks), "fix all safe findings" as a source action (``xlint fix``'s result),
and "ignore XLnnn here" (the ``# xlint: ignore=XLnnn`` pragma)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from lsprotocol import types as lsp

from xlint.checker import PRAGMA_RE, instruction_at
from xlint.diagnostics import Diagnostic
from xlint.lsp.analysis import Analysis
from xlint.lsp.convert import span, text_edits, to_diagnostic
from xlint.lsp.positions import LineIndex, line_diff
from xlint.records import record

FIX_ALL = "source.fixAll.xlint"
QUICKFIX = lsp.CodeActionKind.QuickFix


@record
class Target:
    """Where the edits go: the document, how to name other files, and what the client accepts."""

    uri: str
    version: int | None
    index: LineIndex
    related: bool  # the client shows relatedInformation
    document_changes: bool  # versioned edits
    resource_operations: frozenset[str]  # create, delete
    uri_of: Callable[[str], str]  # absolute path -> URI
    open_version: Callable[[str], int | None]  # absolute path -> version of the open document, if open
    current_text: Callable[[str], str | None]  # absolute path -> the text the editor has (or the file's)
    lazy: bool = False  # the client resolves an action's edit when it is chosen (codeAction/resolve)


def _edit(target: Target, edits: list[tuple[int, int, str]]) -> lsp.WorkspaceEdit:
    tes = text_edits(target.index, edits)
    if target.document_changes:
        doc = lsp.OptionalVersionedTextDocumentIdentifier(target.uri, target.version)
        return lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(doc, list(tes))])
    return lsp.WorkspaceEdit(changes={target.uri: list(tes)})


def wanted(kind: str, only: list[str] | None) -> bool:
    """Whether a client that asked for ``only`` kinds wants an action of ``kind`` (kinds nest by dots)."""
    return not only or any(kind == k or kind.startswith(k + ".") for k in only)


def _title(d: Diagnostic) -> str:
    assert d.fix is not None
    what = d.fix.title or f"Fix {d.code}"
    return f"{d.code}: {what}" if d.fix.applicability == "safe" else f"{d.code} (unsafe fix): {what}"


def dockerfile_fix(analysis: Analysis, d: Diagnostic, target: Target) -> lsp.CodeAction | None:
    from xlint.fixes.engine import try_fix

    if d.fix is None or not d.fix.edits:
        return None
    action = lsp.CodeAction(_title(d), kind=QUICKFIX,
                            diagnostics=[to_diagnostic(d, target.index, target.uri, target.related)],
                            is_preferred=d.fix.applicability == "safe")
    key = ("fix", d.code, d.start, d.end, d.message)
    if key not in analysis.memo:
        try:
            try_fix(analysis.text, d, analysis.path, analysis.resolved.options, analysis.resolved.rules,
                    analysis.diagnostics)
            analysis.memo[key] = None
        except ValueError as why:
            analysis.memo[key] = str(why)
    if analysis.memo[key] is not None:
        action.disabled = lsp.CodeActionDisabled(reason=f"not fixed: {analysis.memo[key]}")
        return action
    action.edit = _edit(target, [(e.start, e.end, e.text) for e in d.fix.edits])
    return action


def project_fix(analysis: Analysis, d: Diagnostic, target: Target) -> lsp.CodeAction | None:
    """A workload rule's fix: a plan of whole files (changed, created or removed), checked as ``xlint
    fix`` checks it (YAML loads and stays valid Kubernetes, Dockerfiles parse)."""
    from xlint.syntax import DockerfileSyntaxError, parse
    from xlint.workloads.project import validate_yaml

    made = d.extra.get("plan")
    if d.fix is None or not made or analysis.root is None:
        return None
    root = analysis.root
    action = lsp.CodeAction(_title(d), kind=QUICKFIX,
                            diagnostics=[to_diagnostic(d, target.index, target.uri, target.related)],
                            is_preferred=False)
    plan = made() if callable(made) else made
    if not isinstance(plan, dict):
        action.disabled = lsp.CodeActionDisabled(reason="not fixed: the fix cannot be made here")
        return action
    changes: list[lsp.TextDocumentEdit | lsp.CreateFile | lsp.DeleteFile] = []
    for rel, new in sorted(plan.items()):
        full = os.path.normpath(os.path.join(root, rel))
        uri = target.uri_of(full)
        old = analysis.text if full == analysis.path else target.current_text(full)
        why = None
        if new is not None:
            if rel.lower().endswith((".yaml", ".yml")):
                why = validate_yaml(rel, new)
            else:
                try:
                    parse(new, path=rel)
                except DockerfileSyntaxError as err:
                    why = f"{rel}: the result would not parse: {err.message}"
        if why:
            action.disabled = lsp.CodeActionDisabled(reason=f"not fixed: {why}")
            return action
        if new is None:
            changes.append(lsp.DeleteFile(uri, options=lsp.DeleteFileOptions(ignore_if_not_exists=True)))
            continue
        if old is None:
            changes.append(lsp.CreateFile(uri, options=lsp.CreateFileOptions(overwrite=False, ignore_if_exists=True)))
            old = ""
        index = target.index if full == analysis.path else LineIndex(old, target.index.encoding)
        version = target.version if full == analysis.path else target.open_version(full)
        edits = text_edits(index, line_diff(old, new))
        changes.append(lsp.TextDocumentEdit(lsp.OptionalVersionedTextDocumentIdentifier(uri, version), list(edits)))
    ops = {"create" if isinstance(c, lsp.CreateFile) else "delete" for c in changes
           if isinstance(c, (lsp.CreateFile, lsp.DeleteFile))}
    if not target.document_changes or not ops <= target.resource_operations:
        if ops:
            action.disabled = lsp.CodeActionDisabled(
                reason="not fixed here: the fix creates or removes files, which this editor does not accept "
                       "(run `xlint fix --unsafe-fixes`)")
            return action
        action.edit = lsp.WorkspaceEdit(changes={c.text_document.uri: [e for e in c.edits if isinstance(e, lsp.TextEdit)]
                                                 for c in changes if isinstance(c, lsp.TextDocumentEdit)})
        return action
    action.edit = lsp.WorkspaceEdit(document_changes=changes)
    return action


def _fixed_text(analysis: Analysis) -> tuple[str, int]:
    """``xlint fix`` (safe fixes) on the document's text: the result and how many fixes it applied."""
    from xlint.fixes.engine import fix_text

    if "fix-all" not in analysis.memo:
        res = fix_text(analysis.text, analysis.path, analysis.resolved.options, analysis.resolved.rules, unsafe=False)
        analysis.memo["fix-all"] = (res.text, len(res.applied))
    got = analysis.memo["fix-all"]
    assert isinstance(got, tuple)
    return str(got[0]), int(got[1])


def fix_all(analysis: Analysis, target: Target) -> lsp.CodeAction | None:
    """"Fix all safe findings": ``xlint fix``'s result as one edit (computed when the action is chosen,
    for clients that resolve actions; ``resolve_fix_all`` does it then)."""
    if analysis.kind != "dockerfile" or analysis.tree is None:
        return None
    if not any(d.fix is not None and d.fix.applicability == "safe" for d in analysis.diagnostics):
        return None
    if target.lazy and "fix-all" not in analysis.memo:
        return lsp.CodeAction("Fix all safe xlint findings", kind=FIX_ALL,
                              data={"uri": target.uri, "version": target.version})
    text, n = _fixed_text(analysis)
    if text == analysis.text:
        return None
    return lsp.CodeAction(f"Fix all safe xlint findings ({n} fix{'es' if n != 1 else ''})", kind=FIX_ALL,
                          edit=_edit(target, line_diff(analysis.text, text)))


def resolve_fix_all(action: lsp.CodeAction, analysis: Analysis, target: Target) -> lsp.CodeAction:
    """The edit of a lazy "fix all" action, for the version it was offered on (none if the text has
    changed since: the editor asks again)."""
    data = action.data if isinstance(action.data, dict) else {}
    if data.get("version") != analysis.version or analysis.tree is None:
        return action
    text, _n = _fixed_text(analysis)
    action.edit = _edit(target, line_diff(analysis.text, text))
    return action


def _pragma_insert(text: str, index: LineIndex, line: int, code: str) -> tuple[int, int, str]:
    """The edit that makes ``# xlint: ignore=...`` on the line before 0-based ``line`` name ``code``:
    add it to a pragma already there, or insert a pragma line with that line's indentation."""
    if line > 0:
        prev_start, prev_end = index.starts[line - 1], index.line_end(line - 1)
        prev = text[prev_start:prev_end]
        m = PRAGMA_RE.search(prev)
        if m and not m.group(1) and prev.lstrip().startswith("#"):
            codes_end = prev_start + m.start(2) + len(m.group(2).rstrip())
            return codes_end, codes_end, f",{code}"
    start, end = index.starts[line], index.line_end(line)
    indent = re.match(r"[ \t]*", text[start:end])
    nl = "\r\n" if text[end : end + 2] == "\r\n" else "\n"
    return start, start, f"{indent.group(0) if indent else ''}# xlint: ignore={code}{nl}"


def ignore_here(analysis: Analysis, d: Diagnostic, target: Target) -> lsp.CodeAction | None:
    """``# xlint: ignore=XLnnn`` before the instruction (Dockerfile rules) or the reported line (the
    workload rules, in YAML files and Dockerfiles)."""
    from xlint.rule import rule_by_code
    from xlint.workloads.project import rule_kind

    if d.code in ("XL901", "XL902") or (rule := rule_by_code(d.code)) is None:
        return None
    if analysis.kind == "dockerfile" and rule_kind(rule) == "dockerfile":
        if analysis.tree is None:
            return None
        owner = instruction_at(analysis.tree, d.start)
        if owner is None:
            return None
        line = owner.start_line - 1
    else:  # the workload rules read a pragma on the reported line or the line before it
        line = max(0, d.line - 1)
    edit = _pragma_insert(analysis.text, target.index, line, d.code)
    return lsp.CodeAction(f"Ignore {d.code} here (# xlint: ignore={d.code})", kind=QUICKFIX,
                          diagnostics=[to_diagnostic(d, target.index, target.uri, target.related)],
                          edit=_edit(target, [edit]))


def code_actions(analysis: Analysis, start: int, end: int, only: list[str] | None,
                 target: Target) -> list[lsp.CodeAction]:
    """The actions for the findings touching ``[start, end]`` (offsets), and the fix-all action."""
    out: list[lsp.CodeAction] = []
    here = [d for d in analysis.diagnostics
            if (s := span(d, target.index)) and s[0] <= end and start <= s[1]]
    if wanted(QUICKFIX, only):
        fixes: list[lsp.CodeAction] = []
        ignores: list[lsp.CodeAction] = []
        for d in here:
            make = dockerfile_fix if analysis.kind == "dockerfile" and not d.extra.get("plan") else project_fix
            if (action := make(analysis, d, target)) is not None:
                fixes.append(action)
            if (ignore := ignore_here(analysis, d, target)) is not None:
                ignores.append(ignore)
        fixes.sort(key=lambda a: (not a.is_preferred, a.disabled is not None))
        out.extend(fixes + ignores)
    if wanted(FIX_ALL, only) and (action := fix_all(analysis, target)) is not None:
        out.append(action)
    return out
