"""Placeholder: the lossless parser is being written."""

from xlint.syntax.tree import Dockerfile


def parse(text: str | bytes, path: str = "Dockerfile") -> Dockerfile:
    raise NotImplementedError
