"""``xlint build`` and ``xlint report``: drive BuildKit (docker buildx) or buildah, or read a saved progress
stream; map its vertexes to Dockerfile steps; report emulation (text, json, junit, markdown, html)."""

from xlint.build.engine import BuildOptions, BuildResult, EngineError
from xlint.build.progress import BuildProgress, LogError, RawJsonDecoder, read_log, read_progress
from xlint.build.report import BuildReport

__all__ = ["BuildOptions", "BuildProgress", "BuildReport", "BuildResult", "EngineError", "LogError", "RawJsonDecoder",
           "read_log", "read_progress"]
