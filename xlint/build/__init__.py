"""``xlint build``: drive BuildKit (docker buildx) or buildah, read its progress, report emulation."""

from xlint.build.engine import BuildOptions, BuildResult, EngineError
from xlint.build.progress import BuildProgress, RawJsonDecoder, read_progress
from xlint.build.report import BuildReport

__all__ = ["BuildOptions", "BuildProgress", "BuildReport", "BuildResult", "EngineError", "RawJsonDecoder",
           "read_progress"]
