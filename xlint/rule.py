"""The rule base class and the context a rule reports through.

A rule is one module in ``rules/``: a subclass of :class:`Rule` with its code, name, message, a docstring
(its documentation page) and VALID/INVALID examples that are its tests.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from xlint.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from xlint.records import field, record

if TYPE_CHECKING:
    from xlint.model import Model
    from xlint.syntax.tree import Span


@record
class Valid:
    """Text on which the rule must stay silent."""

    text: str
    platforms: tuple[str, ...] = ("linux/amd64", "linux/arm64")
    build_platform: str = "linux/amd64"
    context: dict[str, str] | None = None  # build context files (name -> content), when the rule reads them


@record
class Invalid:
    """Text on which the rule must report, at ``line`` (1-based), and optionally the exact text after
    its fix is applied (``fixed``) with ``unsafe`` fixes allowed or not."""

    text: str
    line: int
    fixed: str | None = None
    unsafe: bool = False
    count: int = 1
    platforms: tuple[str, ...] = ("linux/amd64", "linux/arm64")
    build_platform: str = "linux/amd64"
    context: dict[str, str] | None = None  # build context files (name -> content), when the rule reads them


@record
class CheckOptions:
    platforms: tuple[str, ...] = ("linux/amd64", "linux/arm64")
    build_platform: str | None = None
    target: str | None = None
    context: Path | None = None  # the build context folder, when known


@record
class Context:
    """What a rule sees: the model of one file, the options, and a way to report."""

    path: str
    model: Model
    options: CheckOptions
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def report(
        self,
        rule: Rule,
        span: Span,
        message: str | None = None,
        *,
        hint: str | None = None,
        edits: list[Edit] | None = None,
        applicability: Applicability | None = None,
        severity: Severity | None = None,
        fix_title: str | None = None,
    ) -> None:
        tree = self.model.tree
        line, col = tree.line_col(span.start)
        end_line, end_col = tree.line_col(span.end)
        fix = None
        if edits:
            fix = Fix(applicability or rule.fix_applicability or "safe", edits, fix_title or rule.fix_title)
        self.diagnostics.append(
            Diagnostic(
                path=self.path,
                code=rule.code,
                name=rule.name,
                severity=severity or rule.severity,
                message=message or rule.message,
                line=line,
                column=col,
                end_line=end_line,
                end_column=end_col,
                hint=hint if hint is not None else rule.hint,
                fix=fix,
                start=span.start,
                end=span.end,
            )
        )


class Rule:
    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = "warning"
    message: ClassVar[str] = ""
    hint: ClassVar[str] = ""
    fix_title: ClassVar[str] = ""
    fix_applicability: ClassVar[Applicability | None] = None  # None: the rule has no fix
    fix_available: ClassVar[bool] = True  # False: declared, implemented by a later issue
    emulation: ClassVar[bool] = False  # XL1xx: only meaningful when some target differs from the build platform
    valid: ClassVar[list[Valid]] = []
    invalid: ClassVar[list[Invalid]] = []

    def check(self, ctx: Context) -> None:  # pragma: no cover - every rule overrides it
        raise NotImplementedError

    @classmethod
    def doc(cls) -> str:
        return (cls.__doc__ or "").strip()


_RULES: list[type[Rule]] | None = None


@record(frozen=True)
class RuleEntry:
    """A rule known from its module's file name alone (``rules/xl201_undeclared_platform_arg.py`` is
    XL201 ``undeclared-platform-arg``), so that selecting rules imports only the modules a run needs.
    ``project``: an XL4xx rule, which reads YAML files or several Dockerfiles (nothing on one file)."""

    code: str
    name: str
    module: str

    @property
    def project(self) -> bool:
        return self.code.startswith("XL4")


# XL4xx rules that read Dockerfiles alone (``kind = "project"``); the others report on YAML files only,
# so a run without YAML files needs neither them nor a YAML library.
PROJECT_WITHOUT_YAML = frozenset({"XL405"})

_INDEX: list[RuleEntry] | None = None
_LOADED: dict[str, type[Rule]] = {}


def _rule_modules(path: Iterable[str]) -> list[str]:
    """The module names of the rules package's folder(s): its ``.py`` files (what ``pkgutil.iter_modules``
    gives for a plain folder, without importing pkgutil)."""
    import os

    names: set[str] = set()
    for folder in path:
        with contextlib.suppress(OSError):
            names.update(f[:-3] for f in os.listdir(folder) if f.endswith(".py") and f[:-3].isidentifier())
    return sorted(names)


def rule_index() -> list[RuleEntry]:
    """Every rule by code, from the module names of ``xlint.rules`` (nothing imported)."""
    global _INDEX
    if _INDEX is None:
        import xlint.rules as pkg

        out = []
        for name in _rule_modules(pkg.__path__):
            head, _, rest = name.partition("_")
            if name.startswith("_") or not rest or not (head.startswith("xl") and head[2:].isdigit()):
                continue
            out.append(RuleEntry(head.upper(), rest.replace("_", "-"), name))
        _INDEX = sorted(out, key=lambda e: e.code)
    return _INDEX


def _load(entry: RuleEntry) -> type[Rule]:
    rule = _LOADED.get(entry.code)
    if rule is None:
        if _RULES is not None:
            rule = next(r for r in _RULES if r.code == entry.code)
        else:
            module = importlib.import_module(f"xlint.rules.{entry.module}")
            rule = next(v for v in vars(module).values()
                        if isinstance(v, type) and issubclass(v, Rule) and v.code == entry.code)
        _LOADED[entry.code] = rule
    return rule


def all_rules() -> list[type[Rule]]:
    """Every rule class in ``xlint.rules``, sorted by code."""
    global _RULES
    if _RULES is None:
        import xlint.rules as pkg

        found: dict[str, type[Rule]] = {}
        for name in _rule_modules(pkg.__path__):
            if name.startswith("_"):
                continue
            module = importlib.import_module(f"xlint.rules.{name}")
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.code:
                    found[value.code] = value
        _RULES = [found[c] for c in sorted(found)]
    return _RULES


RULES_URL = "https://github.com/xlint/xlint/blob/main/docs/rules.md"


def rule_url(code: str) -> str:
    """Where a rule's page is published (SARIF ``helpUri``, the editor's link on a finding)."""
    return f"{RULES_URL}#{code.lower()}"


def rule_page(rule: type[Rule], markdown: bool = False) -> str:
    """A rule's page, as ``xlint explain`` prints it: its docstring and its examples (indented, or in
    fenced ``dockerfile`` blocks with ``markdown``)."""

    def block(text: str) -> str:
        if markdown:
            return "```dockerfile\n" + text.rstrip("\n") + "\n```\n"
        return "".join("    " + line for line in text.splitlines(keepends=True)).rstrip("\n") + "\n"

    title = f"# {rule.code} `{rule.name}` ({rule.severity})" if markdown else f"{rule.code} {rule.name} ({rule.severity})"
    out = [title + "\n", rule.doc()]
    if rule.invalid or rule.valid:
        out.append("\n## Examples")
    for ex in rule.invalid:
        out.append(f"\nReported (line {ex.line}):\n" + block(ex.text))
        if ex.fixed is not None:
            out.append("Fixed" + (" (unsafe)" if ex.unsafe else "") + ":\n" + block(ex.fixed))
    for ok in rule.valid:
        out.append("\nNot reported:\n" + block(ok.text))
    return "".join(part + "\n" for part in out)


def rule_by_code(code: str) -> type[Rule] | None:
    for r in all_rules():
        if r.code == code.upper() or r.name == code.lower():
            return r
    return None


def _matches(entry: RuleEntry, pats: list[str]) -> bool:
    return any(entry.code.startswith(p) or entry.name.upper() == p or p == "ALL" for p in pats)


def select_codes(select: Iterable[str] | None, ignore: Iterable[str] | None,
                 project: bool | None = None) -> list[str]:
    """Codes of the rules chosen by code prefixes (``XL1`` selects XL1xx) or names (nothing imported).
    ``project``: only the XL4xx rules (True), only the others (False), all (None)."""
    return list(_select_codes(tuple(select) if select else None, tuple(ignore) if ignore else (), project))


@functools.lru_cache(maxsize=256)
def _select_codes(select: tuple[str, ...] | None, ignore: tuple[str, ...], project: bool | None) -> tuple[str, ...]:
    sel = [s.upper() for s in select] if select else None
    ign = [s.upper() for s in ignore] if ignore else []
    return tuple(e.code for e in rule_index() if (sel is None or _matches(e, sel)) and not _matches(e, ign)
                 and (project is None or e.project == project))


def rules_for(codes: Iterable[str]) -> list[type[Rule]]:
    """The rule classes of ``codes`` (importing only their modules), in code order."""
    return list(_rules_for(frozenset(codes)))


@functools.lru_cache(maxsize=64)
def _rules_for(wanted: frozenset[str]) -> tuple[type[Rule], ...]:
    return tuple(_load(e) for e in rule_index() if e.code in wanted)


@functools.lru_cache(maxsize=1)
def known_codes() -> frozenset[str]:
    """Every rule code, and ``ALL`` (what a pragma may name)."""
    return frozenset(e.code for e in rule_index()) | {"ALL"}


def select_rules(select: Iterable[str] | None, ignore: Iterable[str] | None,
                 project: bool | None = None) -> list[type[Rule]]:
    """Rules chosen by code prefixes (``XL1`` selects XL1xx) or names. ``project``: only the XL4xx rules
    (True), only the others (False), all (None); only the chosen modules are imported."""
    return rules_for(select_codes(select, ignore, project))
