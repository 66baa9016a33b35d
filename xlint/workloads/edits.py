"""Fix plans that edit one document of one YAML file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xlint.workloads.project import Plan, reload
from xlint.workloads.yamldocs import Document, YamlFile


def node_at(data: Any, path: tuple[Any, ...]) -> Any:
    cur = data
    for k in path:
        cur = cur[k]
    return cur


def document_plan(file: YamlFile, doc: Document, edit: Callable[[Any], None]) -> Callable[[], Plan]:
    """A lazy plan: the file's new text after ``edit`` changes a fresh round-trip copy of ``doc``."""

    def make() -> Plan:
        data = reload(doc)
        edit(data)
        return {file.path: file.rewrite({doc.index: data}, set())}

    return make
