"""The real build engine for integration tests: is it usable, and the fixture that requires it.

The engine comes from `sudo scripts/setup-engine.sh` (dockerd with buildx, qemu-aarch64 binfmt, the local
registry, base images as OCI layouts under $XLINT_ENGINE_DIR/oci). With CI set a missing engine fails
the tests that need it; without CI they skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ENGINE_DIR = Path(os.environ.get("XLINT_ENGINE_DIR", "/var/cache/xlint-engine"))


def engine_problem(layouts: tuple[str, ...]) -> str | None:
    """Why the engine can't run the builds (None when it can)."""
    if shutil.which("docker") is None:
        return "docker is not installed (run: sudo scripts/setup-engine.sh)"
    info = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                          check=False)
    if info.returncode != 0:
        return "the Docker daemon is not running (run: sudo scripts/setup-engine.sh)"
    if subprocess.run(["docker", "buildx", "version"], capture_output=True, check=False).returncode != 0:
        return "docker buildx is not installed (run: sudo scripts/setup-engine.sh)"
    for layout in layouts:
        if not (ENGINE_DIR / "oci" / layout / "index.json").is_file():
            return f"base image layout {ENGINE_DIR / 'oci' / layout} missing (run: sudo scripts/setup-engine.sh)"
    return None


def require(problem: str | None, what: str) -> None:
    """Fail (CI) or skip with the reason (elsewhere) when ``problem`` is set; ``what`` says what it stops."""
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {what}: {problem}")
    pytest.skip(f"{what}: {problem}")


def require_engine(layouts: tuple[str, ...]) -> None:
    """Fail (CI) or skip with the reason (elsewhere) when the engine is not usable."""
    problem = engine_problem(layouts)
    if problem is not None:
        require(problem, "the build engine is not usable")
