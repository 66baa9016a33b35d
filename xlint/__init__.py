"""xlint: multi-arch container images, fast and correct."""

from __future__ import annotations

TYPE_CHECKING = False  # (typing is not imported: a warm run answered from the cache imports this package)
if TYPE_CHECKING:
    from typing import Any

    from xlint.syntax import Dockerfile, DockerfileSyntaxError, parse

__version__ = "0.1.0"
__all__ = ["Dockerfile", "DockerfileSyntaxError", "__version__", "parse"]


def __getattr__(name: str) -> Any:
    """``xlint.parse`` and the tree types, imported on first use (``import xlint.cli`` needs no parser:
    a re-check answered from the cache never parses)."""
    if name in ("Dockerfile", "DockerfileSyntaxError", "parse"):
        from xlint import syntax

        return getattr(syntax, name)
    raise AttributeError(f"module 'xlint' has no attribute {name!r}")
