"""xlint: multi-arch container images, fast and correct."""

from xlint.syntax import Dockerfile, DockerfileSyntaxError, parse

__version__ = "0.1.0"
__all__ = ["Dockerfile", "DockerfileSyntaxError", "__version__", "parse"]
