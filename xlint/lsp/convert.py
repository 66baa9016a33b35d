"""xlint's findings and edits as LSP values: diagnostics (code, severity, range, message, hint, rule
link), text edits, and the rule page shown on hover."""

from __future__ import annotations

from lsprotocol import types as lsp

from xlint.checker import PRAGMA_RE
from xlint.diagnostics import Diagnostic
from xlint.lsp.positions import LineIndex
from xlint.rule import rule_by_code, rule_page, rule_url

SOURCE = "xlint"
SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning,
            "info": lsp.DiagnosticSeverity.Information}


def span(d: Diagnostic, index: LineIndex) -> tuple[int, int]:
    """The character offsets a finding covers. Findings that name a point (a parse error, a YAML
    node) cover the rest of that line, so that the editor has something to underline."""
    start, end = d.start, d.end
    if start == end == 0 and (d.line, d.column) != (1, 1) or d.code == "XL901":
        line = max(0, min(d.line - 1, len(index.starts) - 1))
        start = min(index.starts[line] + max(0, d.column - 1), index.line_end(line))
        end = start
    if start == end:
        line, _ = index.position(start)
        end = index.line_end(line)
        if end == start and start > index.starts[line]:
            start -= 1  # at a line's end: the character before it
    return start, end


def to_range(index: LineIndex, start: int, end: int) -> lsp.Range:
    sl, sc = index.position(start)
    el, ec = index.position(end)
    return lsp.Range(lsp.Position(sl, sc), lsp.Position(el, ec))


def to_diagnostic(d: Diagnostic, index: LineIndex, uri: str, related: bool) -> lsp.Diagnostic:
    """One finding: ``related``: the client shows ``relatedInformation`` (the hint goes there, else it
    follows the message)."""
    rng = to_range(index, *span(d, index))
    message = d.message
    info = None
    if d.hint:
        if related:
            info = [lsp.DiagnosticRelatedInformation(lsp.Location(uri, rng), f"hint: {d.hint}")]
        else:
            message = f"{message}\nhint: {d.hint}"
    fixable = None
    if d.fix is not None:
        fixable = d.fix.applicability
    return lsp.Diagnostic(
        range=rng,
        message=message,
        severity=SEVERITY.get(d.severity, lsp.DiagnosticSeverity.Warning),
        code=d.code,
        code_description=lsp.CodeDescription(href=rule_url(d.code)) if rule_by_code(d.code) else None,
        source=SOURCE,
        related_information=info,
        data={"name": d.name, "fix": fixable},
    )


def text_edits(index: LineIndex, edits: list[tuple[int, int, str]]) -> list[lsp.TextEdit]:
    """Offset edits on the document's text as LSP text edits, in the order they are to be applied at
    one point (the protocol keeps the array order for insertions at the same position)."""
    ordered = sorted(enumerate(edits), key=lambda ie: (ie[1][0], ie[1][1], ie[0]))
    return [lsp.TextEdit(to_range(index, s, e), t) for _, (s, e, t) in ordered]


def hover(diags: list[Diagnostic], index: LineIndex, offset: int) -> lsp.Hover | None:
    """The rule pages (``xlint explain``, as Markdown) of the findings under ``offset``, or of the code
    under it in an ``# xlint: ignore=...`` pragma."""
    codes: list[str] = []
    where: tuple[int, int] | None = None
    for d in diags:
        s, e = span(d, index)
        if s <= offset <= e and d.code not in codes:
            codes.append(d.code)
            where = (s, e) if where is None else (min(where[0], s), max(where[1], e))
    if not codes:
        line, _ = index.position(offset)
        start, end = index.starts[line], index.line_end(line)
        text = index.text[start:end]
        for m in PRAGMA_RE.finditer(text):
            pos = m.start(2)
            for part in m.group(2).replace(",", " ").split(" "):
                s, e = start + pos, start + pos + len(part)
                if part and s <= offset <= e and rule_by_code(part.strip()):
                    codes, where = [part.strip().upper()], (s, e)
                pos += len(part) + 1
    pages = [rule_page(rule, markdown=True) for c in codes if (rule := rule_by_code(c)) is not None]
    if not pages or where is None:
        return None
    value = "\n---\n\n".join(pages)
    return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, value), to_range(index, *where))
