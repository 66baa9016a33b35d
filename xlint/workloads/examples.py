"""Examples of project rules (YAML files, several Dockerfiles): their tests and their docs.

A Dockerfile rule's examples are one text each (``Valid``/``Invalid`` in xlint.rule); a project rule's
examples are sets of files. ``tests/test_workloads_examples.py`` runs them.
"""

from __future__ import annotations

from xlint.records import field, record


@record
class ProjectValid:
    """Files on which the rule must stay silent."""

    files: dict[str, str]
    platforms: tuple[str, ...] = ("linux/amd64", "linux/arm64")
    images: dict[str, list[str]] = field(default_factory=dict)  # XL302: canned registry answers


@record
class ProjectInvalid:
    """Files on which the rule reports ``count`` times, the first at ``path``:``line``; ``fixed`` is every
    file's text after the fix (None: the file is removed; files not named are unchanged)."""

    files: dict[str, str]
    path: str
    line: int
    count: int = 1
    fixed: dict[str, str | None] | None = None
    unsafe: bool = True
    platforms: tuple[str, ...] = ("linux/amd64", "linux/arm64")
    images: dict[str, list[str]] = field(default_factory=dict)
