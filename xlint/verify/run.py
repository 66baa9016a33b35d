"""``--run``: start each platform's entrypoint with ``--version`` through ``docker run --platform``."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tarfile
import uuid
from typing import Any

from xlint.verify.errors import VerifyInputError


def engine_image(kind: str, location: str) -> str:
    """A name the engine can run: the registry reference itself, or the archive/layout loaded
    with ``docker load`` (streamed from memory for a layout directory)."""
    docker = shutil.which("docker")
    if docker is None:
        raise VerifyInputError("--run", "docker is not installed (needed to run the entrypoint)")
    if kind == "registry":
        return location
    if kind == "oci-archive":
        data: bytes | None = None
        cmd = [docker, "load", "-i", location]
    else:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as t:
            for name in ("oci-layout", "index.json"):
                t.add(os.path.join(location, name), name)
            t.add(os.path.join(location, "blobs"), "blobs")
        data = buf.getvalue()
        cmd = [docker, "load"]
    proc = subprocess.run(cmd, input=data, capture_output=True, timeout=600)
    stdout = proc.stdout.decode("utf-8", "replace")
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        msg = (stderr or stdout).strip().splitlines()
        raise VerifyInputError(location, f"docker load failed: {msg[-1] if msg else proc.returncode}")
    m = re.search(r"Loaded image(?: ID)?: (\S+)", stdout)
    if not m:
        raise VerifyInputError(location, f"docker load printed no image name: {stdout.strip()[:200]}")
    return m.group(1)


def run_entrypoint(image: str, platform: str, has_entrypoint: bool, program: str | None,
                   args: list[str], timeout: float = 120.0) -> dict[str, Any]:
    """Run the image for ``platform``; returns {command, exit, output, ok, exec_error}. A run that
    outlives ``timeout`` (a server, not a ``--version``) is stopped and removed."""
    name = f"xlint-verify-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    cmd = ["docker", "run", "--rm", "--name", name, "--platform", platform]
    if not has_entrypoint and program:
        cmd += [image, program, *args]
    else:
        cmd += [image, *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60, check=False)
        return {"command": cmd, "exit": None, "output": f"timed out after {timeout:g} s", "ok": False, "exec_error": False}
    out = (proc.stdout + proc.stderr).decode("utf-8", "replace").strip()
    exec_error = proc.returncode in (126, 127) or "exec format error" in out or "no such file or directory" in out
    first = out.splitlines()[0] if out else ""
    return {"command": cmd, "exit": proc.returncode, "output": first[:300], "ok": proc.returncode == 0, "exec_error": exec_error}
