"""Applying fixes: edits are spans on the lossless tree, everything else stays byte for byte."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from xlint.checker import check_tree
from xlint.diagnostics import Diagnostic, Edit
from xlint.rule import CheckOptions, Rule
from xlint.syntax import DockerfileSyntaxError, parse

MAX_PASSES = 8


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (sorted by position; insertions at one point keep their order)."""
    ordered = sorted(enumerate(edits), key=lambda ie: (ie[1].start, ie[1].end, ie[0]))
    out: list[str] = []
    pos = 0
    for _, edit in ordered:
        if edit.start < pos:
            raise ValueError("overlapping edits")
        out.append(text[pos : edit.start])
        out.append(edit.text)
        pos = edit.end
    out.append(text[pos:])
    return "".join(out)


def _overlaps(a: list[Edit], taken: list[Edit]) -> bool:
    for e in a:
        for t in taken:
            if e.start < t.end and t.start < e.end:
                return True
            if e.start == e.end == t.start == t.end and e.text == t.text:
                return True  # the same insertion twice
    return False


@dataclass
class FixResult:
    text: str
    applied: list[Diagnostic] = field(default_factory=list)
    dropped: list[tuple[Diagnostic, str]] = field(default_factory=list)  # fix, why it was not applied
    remaining: list[Diagnostic] = field(default_factory=list)
    passes: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.applied)


def _key(d: Diagnostic) -> tuple[str, str]:
    return (d.code, d.message)


def _attempt(
    text: str, diags: list[Diagnostic], chosen: list[Diagnostic], path: str, options: CheckOptions,
    rules: list[type[Rule]],
) -> tuple[str, list[Diagnostic]] | str:
    """Apply the chosen fixes and validate; the new text and findings, or why it is refused."""
    edits = [e for d in chosen if d.fix is not None for e in d.fix.edits]
    new_text = apply_edits(text, edits)
    try:
        new_tree = parse(new_text, path=path)
    except DockerfileSyntaxError as err:
        return f"the result would not parse: {err.message}"
    new_diags = check_tree(new_tree, path, options, rules)
    before = {_key(d) for d in diags}
    added = [d for d in new_diags if _key(d) not in before]
    if added:
        return f"the fix would add {added[0].code} at line {added[0].line}"
    after = {_key(n) for n in new_diags}
    if any(_key(d) in after for d in chosen):
        return "its finding is still there after the fix"
    return new_text, new_diags


def try_fix(text: str, diag: Diagnostic, path: str, options: CheckOptions, rules: list[type[Rule]],
            current: list[Diagnostic] | None = None) -> str:
    """The text after ``diag``'s fix alone, validated as ``fix_text`` validates each fix (the result
    parses, adds no finding and its own finding is gone); raises ValueError with the reason otherwise.
    ``current``: the text's findings with these options and rules, when the caller has them."""
    if current is None:
        current = check_tree(parse(text, path=path), path, options, rules)
    outcome = _attempt(text, current, [diag], path, options, rules)
    if isinstance(outcome, str):
        raise ValueError(outcome)
    return outcome[0]


def fix_text(
    text: str,
    path: str,
    options: CheckOptions,
    rules: list[type[Rule]],
    unsafe: bool = False,
) -> FixResult:
    """Fix ``text`` until stable (bounded passes). Raises DockerfileSyntaxError if the input does not
    parse. Fixes are kept only if the result parses, adds no finding, and removes each fix's own
    finding; a fix that fails alone is dropped and reported."""
    tree = parse(text, path=path)
    result = FixResult(text=text)
    diags = check_tree(tree, path, options, rules)
    banned: set[tuple[str, str]] = set()
    for _ in range(MAX_PASSES):
        result.passes += 1
        candidates = [
            d for d in diags
            if d.fix is not None and (unsafe or d.fix.applicability == "safe") and _key(d) not in banned
        ]
        if not candidates:
            break
        chosen: list[Diagnostic] = []
        taken: list[Edit] = []
        for d in candidates:
            assert d.fix is not None
            if _overlaps(d.fix.edits, taken):
                continue  # left for the next pass
            chosen.append(d)
            taken.extend(d.fix.edits)
        outcome = _attempt(text, diags, chosen, path, options, rules)
        if isinstance(outcome, str) and len(chosen) > 1:
            # find the culprit(s): try each fix on its own
            for d in chosen:
                single = _attempt(text, diags, [d], path, options, rules)
                if isinstance(single, str):
                    banned.add(_key(d))
                    result.dropped.append((d, single))
            continue
        if isinstance(outcome, str):
            banned.add(_key(chosen[0]))
            result.dropped.append((chosen[0], outcome))
            continue
        result.applied.extend(chosen)
        text, diags = outcome
    result.text = text
    result.remaining = diags
    return result
