"""Errors of ``xlint verify``: bad input (exit 2), never a traceback."""

from __future__ import annotations


class VerifyInputError(Exception):
    """The image cannot be read: missing/corrupt archive, blob, digest mismatch, limits, traversal.

    ``str(err)`` is one line naming the file (or reference) and what is wrong.
    """

    def __init__(self, where: str, what: str) -> None:
        what = " ".join(what.split())  # always one line
        super().__init__(f"{where}: {what}")
        self.where = where
        self.what = what
