"""The exit codes of every command, and the error a command raises for bad input (one line, exit 2)."""

from __future__ import annotations

import sys

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class InputError(Exception):
    """A one-line error about the user's input: printed as ``xlint: error: MESSAGE``; exit 2."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def show(self) -> None:
        print(f"xlint: error: {self.message}", file=sys.stderr)
