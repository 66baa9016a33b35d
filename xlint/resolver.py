"""The registry resolver of the running check (XL302): set by ``xlint check --resolve`` around each file,
asked by the rule. Kept apart from :mod:`xlint.workloads.resolve` (the registry client) so that a check
without ``--resolve`` never imports that."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xlint.workloads.resolve import Resolver

_CURRENT: contextvars.ContextVar[Resolver | None] = contextvars.ContextVar("xlint_resolver", default=None)


def current() -> Resolver | None:
    """The resolver of this run (``--resolve`` / ``resolve: true``), or None: XL302 is then silent."""
    return _CURRENT.get()


@contextmanager
def using(resolver: Resolver | None) -> Iterator[Resolver | None]:
    token = _CURRENT.set(resolver)
    try:
        yield resolver
    finally:
        _CURRENT.reset(token)
