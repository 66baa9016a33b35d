"""Shared test fixtures."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

pytest_plugins = ["pytester"]

# In CI a skipped test is a failure, unless its reason names something Debian cannot provide.
CI_ALLOWED_SKIPS = ("dotnet",)


def ci_skip_is_failure(reason: str) -> bool:
    """Whether a skip with this reason fails the run in CI."""
    return not any(word in reason.lower() for word in CI_ALLOWED_SKIPS)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not (os.environ.get("CI") and report.skipped) or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    if ci_skip_is_failure(reason):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {reason}"

REGISTRY = shutil.which("docker-registry") or (
    "/usr/bin/docker-registry" if os.path.exists("/usr/bin/docker-registry") else None
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True, scope="session")
def _own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """xlint's caches (results, registry answers) in a folder of this test session, unless the caller
    chose one: tests neither read nor leave anything in the user's cache."""
    if os.environ.get("XLINT_CACHE_DIR"):
        yield
        return
    os.environ["XLINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("xlint-cache"))
    try:
        yield
    finally:
        os.environ.pop("XLINT_CACHE_DIR", None)


@pytest.fixture(scope="module")
def local_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real registry (Debian's docker-registry) of this module's own on a free 127.0.0.1 port, with
    storage in a temporary folder; yields ``127.0.0.1:PORT``. Fails in CI when the binary is missing,
    skips with the reason elsewhere."""
    if REGISTRY is None:
        if os.environ.get("CI"):
            pytest.fail("docker-registry is not installed (apt-get install docker-registry)")
        pytest.skip("docker-registry is not installed (apt-get install docker-registry)")
    tmp = tmp_path_factory.mktemp("registry")
    port = _free_port()
    cfg = tmp / "config.yml"
    cfg.write_text(
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: "
        f"{tmp / 'data'}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n"
    )
    proc = subprocess.Popen([REGISTRY, "serve", str(cfg)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    host = f"127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://{host}/v2/", timeout=1).close()
                break
            except (urllib.error.URLError, OSError):
                if proc.poll() is not None:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    pytest.fail(f"docker-registry exited: {err}")
                time.sleep(0.1)
        else:
            pytest.fail("docker-registry did not start")
        yield host
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for unreachable-registry cases)."""
    return _free_port()
