"""A stage's fix, or why there is none: what every recipe returns.
"""

from __future__ import annotations

from xlint.diagnostics import Applicability, Edit
from xlint.records import field, record


@record
class Plan:
    """A fix for a stage (``edits``), or why there is none (``reason``)."""

    edits: list[Edit] = field(default_factory=list)
    reason: str = ""
    note: str = ""  # a caveat of the fix, shown in its title
    applicability: Applicability = "safe"
    title: str = ""  # overrides the rule's fix title

    @property
    def ok(self) -> bool:
        return bool(self.edits)


def no_fix(reason: str) -> Plan:
    return Plan(reason=reason)


@record
class Example:
    """A recipe's BEFORE/AFTER example, run as a test: ``xlint fix --unsafe-fixes`` (when ``unsafe``) on
    ``before`` gives exactly ``after``; without an ``after`` the example is a refusal (the text stays as it
    is), and then every emulated finding's hint says ``reason``."""

    name: str
    before: str
    after: str | None = None  # None: unchanged
    unsafe: bool = True
    reason: str = ""
    context: dict[str, str] | None = None  # build context files (name -> content)
    platforms: tuple[str, ...] = ("linux/amd64", "linux/arm64")

    @property
    def expected(self) -> str:
        """The text after the fix: ``after``, or ``before`` unchanged for a refusal."""
        return self.before if self.after is None else self.after
