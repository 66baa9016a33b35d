"""Output formats for diagnostics: text, json, sarif, github, junit, markdown."""

from __future__ import annotations

import os
from collections.abc import Callable

from xlint import __version__
from xlint.diagnostics import Diagnostic
from xlint.rule import rule_url

FORMATS = ("text", "json", "sarif", "github", "junit", "markdown")


def _fix_json(d: Diagnostic, sources: dict[str, str]) -> object:
    if d.fix is None:
        return None
    edits = []
    text = sources.get(d.path)
    for e in d.fix.edits:
        if text is not None:
            start = _line_col(text, e.start)
            end = _line_col(text, e.end)
        else:
            start = end = (d.line, d.column)
        edits.append({"start": list(start), "end": list(end), "text": e.text})
    return {"applicability": d.fix.applicability, "title": d.fix.title, "edits": edits}


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = 1
    last = 0
    i = 0
    while True:
        j = _next_break(text, i, offset)
        if j < 0:
            break
        line += 1
        i = j
        last = j
    return line, offset - last + 1


def _next_break(text: str, start: int, limit: int) -> int:
    """Offset just after the next line break at or after ``start`` and at or before ``limit``."""
    n = text.find("\n", start, limit)
    r = text.find("\r", start, limit)
    if r >= 0 and (n < 0 or r < n):
        if r + 1 < len(text) and text[r + 1] == "\n":
            return r + 2 if r + 2 <= limit else -1
        return r + 1
    return n + 1 if n >= 0 else -1


def render_json(diags: list[Diagnostic], sources: dict[str, str]) -> str:
    import json

    rows = [
        {
            "path": d.path,
            "line": d.line,
            "column": d.column,
            "end_line": d.end_line,
            "end_column": d.end_column,
            "code": d.code,
            "name": d.name,
            "severity": d.severity,
            "message": d.message,
            "hint": d.hint,
            "fix": _fix_json(d, sources),
        }
        for d in diags
    ]
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}


def render_text(diags: list[Diagnostic], sources: dict[str, str], colour: bool = False) -> str:
    out: list[str] = []
    split: dict[str, list[str]] = {}  # each file's lines, split once
    for d in diags:
        code = f"{_COLOURS[d.severity]}{d.code}\033[0m" if colour else d.code
        fixable = " [*]" if d.fix is not None and d.fix.applicability == "safe" else ""
        out.append(f"{d.path}:{d.line}:{d.column}: {code}{fixable} {d.message}")
        text = sources.get(d.path)
        if text is not None:
            lines = split.get(d.path)
            if lines is None:
                lines = split[d.path] = text.splitlines()
            if 0 < d.line <= len(lines):
                src = lines[d.line - 1]
                out.append(f"    {src}")
                width = max(1, (d.end_column - d.column) if d.end_line == d.line else len(src) - d.column + 1)
                out.append("    " + " " * (d.column - 1) + "^" * width)
        if d.hint:
            out.append(f"  hint: {d.hint}")
    return "\n".join(out) + ("\n" if out else "")


def _summary(diags: list[Diagnostic]) -> str:
    if not diags:
        return "All checks passed.\n"
    fixable = sum(1 for d in diags if d.fix is not None and d.fix.applicability == "safe")
    s = f"Found {len(diags)} finding{'s' if len(diags) != 1 else ''}"
    if fixable:
        s += f" ({fixable} fixable with `xlint fix`)"
    return s + ".\n"


def render_github(diags: list[Diagnostic], sources: dict[str, str]) -> str:
    level = {"error": "error", "warning": "warning", "info": "notice"}

    def esc(s: str) -> str:
        return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def prop(s: str) -> str:
        return esc(s).replace(":", "%3A").replace(",", "%2C")

    return "".join(
        f"::{level[d.severity]} file={prop(_repo_relative(d.path))},line={d.line},col={d.column},endLine={d.end_line},"
        f"endColumn={d.end_column},title={prop(d.code + ' ' + d.name)}::{esc(d.message)}\n"
        for d in diags
    )


def render_junit(diags: list[Diagnostic], sources: dict[str, str]) -> str:
    from xml.sax.saxutils import escape, quoteattr

    by_file: dict[str, list[Diagnostic]] = {p: [] for p in sources}
    for d in diags:
        by_file.setdefault(d.path, []).append(d)
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="xlint" tests="{len(by_file)}" '
             f'failures="{len(diags)}">\n']
    for path, items in by_file.items():
        parts.append(f"  <testsuite name={quoteattr(path)} tests=\"{max(1, len(items))}\" failures=\"{len(items)}\">\n")
        if not items:
            parts.append(f"    <testcase name={quoteattr(path)} classname=\"xlint\"/>\n")
        for d in items:
            name = f"{d.code} {path}:{d.line}:{d.column}"
            parts.append(f"    <testcase name={quoteattr(name)} classname={quoteattr('xlint.' + d.code)}>\n")
            parts.append(f"      <failure type={quoteattr(d.severity)} message={quoteattr(d.message)}>"
                         f"{escape(d.hint)}</failure>\n    </testcase>\n")
        parts.append("  </testsuite>\n")
    parts.append("</testsuites>\n")
    return "".join(parts)


def _repo_relative(path: str) -> str:
    if path == "-":
        return "stdin"
    cwd = os.getcwd()
    full = os.path.abspath(path)
    rel = os.path.relpath(full, cwd) if full.startswith(cwd + os.sep) else full
    return rel.replace(os.sep, "/")


def render_sarif(diags: list[Diagnostic], sources: dict[str, str]) -> str:
    import hashlib
    import json

    from xlint.rule import all_rules

    rules = all_rules()
    index = {r.code: i for i, r in enumerate(rules)}
    level = {"error": "error", "warning": "warning", "info": "note"}
    driver_rules = []
    for r in rules:
        doc = r.doc()
        driver_rules.append({
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.name.replace("-", " ")},
            "fullDescription": {"text": doc.split("\n## Why", 1)[0].split("## What it does", 1)[-1].strip()
                                or r.name},
            "help": {"text": doc or r.hint, "markdown": doc or r.hint},
            "helpUri": rule_url(r.code),
            "defaultConfiguration": {"level": level[r.severity]},
            "properties": {"tags": ["multi-arch", "docker"]},
        })
    results = []
    split: dict[str, list[str]] = {}
    for d in diags:
        lines = split.get(d.path)
        if lines is None:
            lines = split[d.path] = sources.get(d.path, "").splitlines()
        line_text = lines[d.line - 1].strip() if 0 < d.line <= len(lines) else ""
        fp = hashlib.sha256(f"{d.code}\0{_repo_relative(d.path)}\0{line_text}".encode("utf-8", "surrogateescape"))
        result: dict[str, object] = {
            "ruleId": d.code,
            "level": level[d.severity],
            "message": {"text": d.message + (f" ({d.hint})" if d.hint else "")},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": _repo_relative(d.path), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": d.line, "startColumn": d.column,
                               "endLine": d.end_line, "endColumn": max(d.end_column, 1)},
                }
            }],
            "partialFingerprints": {"primaryLocationLineHash/v1": fp.hexdigest()[:32]},
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        results.append(result)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "xlint", "version": __version__,
                                "informationUri": "https://github.com/xlint/xlint", "rules": driver_rules}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": "file://" + os.getcwd().replace(os.sep, "/") + "/"}},
            "results": results,
        }],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"


def render_markdown(diags: list[Diagnostic], sources: dict[str, str]) -> str:
    """A table for a CI job summary (``$GITHUB_STEP_SUMMARY``)."""
    if not diags:
        return "### xlint check: no findings\n"
    by = {sev: sum(1 for d in diags if d.severity == sev) for sev in ("error", "warning", "info")}
    counts = ", ".join(f"{n} {sev}{'s' if n != 1 and sev != 'info' else ''}" for sev, n in by.items() if n)
    out = [f"### xlint check: {len(diags)} finding{'s' if len(diags) != 1 else ''} ({counts})", "",
           "| Location | Rule | Severity | Message |", "|---|---|---|---|"]
    for d in diags:
        msg = d.message.replace("|", "\\|").replace("\n", " ")
        out.append(f"| `{_repo_relative(d.path)}:{d.line}:{d.column}` | {d.code} `{d.name}` | {d.severity} | {msg} |")
    fixable = sum(1 for d in diags if d.fix is not None and d.fix.applicability == "safe")
    if fixable:
        out += ["", f"{fixable} fixable with `xlint fix`."]
    return "\n".join(out) + "\n"


RENDERERS: dict[str, Callable[[list[Diagnostic], dict[str, str]], str]] = {
    "markdown": render_markdown,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
    "junit": render_junit,
}


def render(fmt: str, diags: list[Diagnostic], sources: dict[str, str], colour: bool = False) -> str:
    if fmt == "text":
        return render_text(diags, sources, colour) + _summary(diags)
    return RENDERERS[fmt](diags, sources)
