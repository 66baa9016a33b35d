"""Lossless Dockerfile syntax: ``parse(text) -> Dockerfile`` with ``str(tree) == text``."""

from xlint.syntax.parser import parse
from xlint.syntax.tree import (
    Arg,
    Blank,
    Comment,
    Directive,
    Dockerfile,
    DockerfileSyntaxError,
    Flag,
    Heredoc,
    Instruction,
    LogicalLine,
    Span,
)

__all__ = [
    "Arg",
    "Blank",
    "Comment",
    "Directive",
    "Dockerfile",
    "DockerfileSyntaxError",
    "Flag",
    "Heredoc",
    "Instruction",
    "LogicalLine",
    "Span",
    "parse",
]
