"""Diagnostics and the edits that fix them."""

from __future__ import annotations

from typing import Literal

from xlint.records import field, record

Severity = Literal["error", "warning", "info"]
Applicability = Literal["safe", "unsafe"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


@record(frozen=True, order=True)
class Edit:
    """Replace source characters ``[start, end)`` with ``text`` (an insertion when start == end)."""

    start: int
    end: int
    text: str


@record
class Fix:
    applicability: Applicability
    edits: list[Edit]
    title: str = ""


@record
class Diagnostic:
    path: str
    code: str
    name: str
    severity: Severity
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    hint: str = ""
    fix: Fix | None = None
    start: int = 0  # character offsets into the checked text
    end: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)
