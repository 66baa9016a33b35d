"""Applying fixes: edits are spans on the lossless tree, everything else stays byte for byte.

A fix is kept only if the result parses, adds no finding and removes its own; a fix that fails alone is
dropped and reported with the reason.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable

from xlint.checker import check_tree
from xlint.diagnostics import Diagnostic, Edit
from xlint.records import field, record
from xlint.rule import CheckOptions, Rule
from xlint.rx import rx
from xlint.syntax import DockerfileSyntaxError, parse
from xlint.syntax.tree import Dockerfile

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


Key = tuple[str, str]


@record
class FixResult:
    text: str
    applied: list[Diagnostic] = field(default_factory=list)
    dropped: list[tuple[Diagnostic, str]] = field(default_factory=list)  # fix, why it was not applied
    remaining: list[Diagnostic] = field(default_factory=list)
    passes: int = 0
    # the identities of the dropped findings (stable across passes) and of the final text's findings
    dropped_keys: dict[Key, str] = field(default_factory=dict)
    keyer: Callable[[Diagnostic], Key] | None = None

    @property
    def changed(self) -> bool:
        return bool(self.applied)

    def why_not(self, d: Diagnostic) -> str:
        if self.keyer is not None and self.keyer(d) in self.dropped_keys:
            return self.dropped_keys[self.keyer(d)]
        return why_not(d, self.dropped)


def why_not(d: Diagnostic, dropped: list[tuple[Diagnostic, str]]) -> str:
    """Why a remaining finding was not fixed, in one sentence ("" when it has a fix that was not asked
    for, such as an unsafe one without --unsafe-fixes)."""
    for gone, why in dropped:
        if _key(gone) == _key(d):
            return why
    if d.fix is not None:
        return ""
    m = _REASON.search(d.hint or "")
    if m:
        return m.group(1).rstrip(".")
    return NO_FIX.get(d.code, "")


_REASON = rx(r"(?:Not fixed automatically|No automatic fix): (.+)$", re.S)
# why findings of rules that offer no fix are left to the user
NO_FIX: dict[str, str] = {
    "XL107": ("pip builds these wheels against the target's Python and libraries: only prebuilt wheels "
              "for the target (or a native arm64 builder) take it off QEMU"),
    "XL108": ("the compiler serves the compiles that follow it: it goes with them when they move to a builder "
              "stage (their findings say whether xlint moves them, or why not)"),
    "XL204": ("whether the stage should cross-compile (add the target settings the hint names, perhaps a target C "
              "toolchain) or run on the target platform instead is the author's call: xlint does not add them"),
    "XL209": ("a constant platform may be on purpose (a tool that exists for one architecture only): choose "
              "`$BUILDPLATFORM` or no flag yourself"),
    "XL211": ("the right spelling depends on the program that reads the value: map `$TARGETARCH` where it is "
              "used (the hint shows how); xlint does not guess it"),
    "XL212": ("each platform's binary has to come from the build (a `dist/$TARGETPLATFORM/` layout, or a "
              "builder stage), which the Dockerfile alone cannot provide"),
    "XL301": ("which multi-arch image or tag replaces this one (and whether the software still runs on it) is "
              "the maintainer's choice"),
}


def _key(d: Diagnostic) -> Key:
    return (d.code, d.message)


_STAGE_LABEL = rx(r"(?<![\w.-])stage-(\d+)(?![\w.-])")
_LINE_NUMBER = rx(r"\b(lines?) \d+(?:-\d+)?")


def keyer(tree: Dockerfile) -> Callable[[Diagnostic], Key]:
    """A finding's identity in ``tree``, stable when a fix inserts or removes named stages or lines:
    the code and the message, with an unnamed stage's label (`stage-N`, its index) replaced by its
    rank among the unnamed stages and line numbers left out. Fixes insert named stages only, so an
    unnamed stage keeps its rank while its index moves."""
    rank: dict[int, int] = {}
    for index, ins in enumerate(i for i in tree.instructions if i.keyword == "FROM"):
        words = [a.value.lower() for a in ins.args]
        if not (len(words) >= 3 and words[-2] == "as"):
            rank[index] = len(rank)

    def label(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return f"unnamed-stage#{rank[n]}" if n in rank else m.group(0)

    def key(d: Diagnostic) -> Key:
        return (d.code, _LINE_NUMBER.sub(r"\1 ?", _STAGE_LABEL.sub(label, d.message)))

    return key


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
    old_key, new_key = keyer(parse(text, path=path)), keyer(new_tree)
    before = {old_key(d) for d in diags}
    added = [d for d in new_diags if new_key(d) not in before]
    if added:
        return f"the fix would add {added[0].code} at line {added[0].line}"
    after = {new_key(n) for n in new_diags}
    if any(old_key(d) in after for d in chosen):
        return "its finding is still there after the fix"
    return new_text, new_diags


def _stage_finder(text: str, path: str) -> Callable[[list[Edit]], set[int]]:
    """A function giving the stages (by position of their FROM) that a list of edits falls in."""
    tree = parse(text, path=path)
    starts = [tree.offset(i.start_line, 1) for i in tree.instructions if i.keyword == "FROM"]

    def find(edits: list[Edit]) -> set[int]:
        return {bisect.bisect_right(starts, e.start) for e in edits}

    return find


_NEW_STAGE = rx(r"(?im)^[ \t]*FROM[ \t]+(?:--\S+[ \t]+)*\S+[ \t]+AS[ \t]+([\w.-]+)[ \t]*\r?$")


def _same_new_stage(candidates: list[Diagnostic]) -> list[Key]:
    """The keys of the fixes that add a stage another fix adds earlier in the file (two stages of one name
    are undefined behaviour in BuildKit, and a stage can only be copied from after it is defined)."""
    first: dict[str, tuple[int, tuple[Edit, ...]]] = {}
    adds: list[tuple[Diagnostic, str, int]] = []
    for d in candidates:
        assert d.fix is not None
        for e in d.fix.edits:
            if e.start != e.end:
                continue
            for m in _NEW_STAGE.finditer(e.text):
                name = m.group(1).lower()
                adds.append((d, name, e.start))
                if name not in first or e.start < first[name][0]:
                    first[name] = (e.start, tuple(d.fix.edits))
    return [_key(d) for d, name, _at in adds if d.fix is not None and tuple(d.fix.edits) != first[name][1]]


def _choose(candidates: list[Diagnostic], stages_of: Callable[[list[Edit]], set[int]]) -> list[Diagnostic]:
    """The fixes of one pass: no two overlap, and no two rules change the same stage (fixes that move
    work between platforms, XL1xx, go first: other fixes of that stage are computed again on the moved
    stage in the next pass). Findings that share a key go together or wait together. Of fixes that add a
    stage of the same name (each builder rewritten with tonistiigi/xx adds `FROM ... AS xx` before itself),
    only the one that adds it first in the file goes: the others, computed again on its result, reuse it."""
    waiting: set[tuple[str, str]] = set(_same_new_stage(candidates))
    while True:
        chosen: list[Diagnostic] = []
        taken: list[Edit] = []
        touched: dict[int, str] = {}  # stage index -> code of the fix that edits it in this pass
        again = False
        for d in sorted(candidates, key=lambda d: not d.code.startswith("XL1")):
            assert d.fix is not None
            if _key(d) in waiting or any(c.fix is not None and c.fix.edits == d.fix.edits for c in chosen):
                continue  # waiting, or the same fix as a chosen one (every finding of a stage carries it)
            stages = stages_of(d.fix.edits)
            if _overlaps(d.fix.edits, taken) or any(touched.get(s, d.code) != d.code for s in stages):
                waiting.add(_key(d))  # left for the next pass
                if any(_key(c) == _key(d) for c in chosen):
                    again = True
                    break
                continue
            chosen.append(d)
            taken.extend(d.fix.edits)
            for s in stages:
                touched.setdefault(s, d.code)
        if not again:
            return chosen


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
    banned: set[Key] = set()  # identities (see keyer), stable from pass to pass

    def drop(d: Diagnostic, why: str) -> None:
        banned.add(key(d))
        result.dropped.append((d, why))
        result.dropped_keys.setdefault(key(d), why)

    for _ in range(MAX_PASSES):
        result.passes += 1
        key = keyer(tree)
        candidates = [
            d for d in diags
            if d.fix is not None and (unsafe or d.fix.applicability == "safe") and key(d) not in banned
        ]
        if not candidates:
            break
        chosen = _choose(candidates, _stage_finder(text, path))
        outcome = _attempt(text, diags, chosen, path, options, rules)
        if isinstance(outcome, str) and len(chosen) > 1:
            # find the culprit(s): try each fix on its own, then the others together again
            good: list[Diagnostic] = []
            for d in chosen:
                single = _attempt(text, diags, [d], path, options, rules)
                if isinstance(single, str):
                    drop(d, single)
                else:
                    good.append(d)
            if not good or len(good) == len(chosen):
                continue
            outcome = _attempt(text, diags, good, path, options, rules)
            if isinstance(outcome, str):
                continue
            chosen = good
        if isinstance(outcome, str):
            drop(chosen[0], outcome)
            continue
        result.applied.extend(chosen)
        text, diags = outcome
        tree = parse(text, path=path)
    result.text = text
    result.remaining = diags
    result.keyer = keyer(tree)
    return result
