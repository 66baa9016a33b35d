"""The BuildKit backend: ``docker buildx build --progress=rawjson``, read live."""

from __future__ import annotations

import codecs
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from xlint.build.engine import BuildOptions, BuildResult, EngineError, host_platform, output_of_spec
from xlint.build.progress import BuildProgress, RawJsonDecoder, Vertex

INSTALL_DOCKER = (
    "install Docker (Debian/Ubuntu: apt-get install docker.io docker-cli docker-buildx; "
    "in this project: sudo scripts/setup-engine.sh)"
)
INSTALL_BUILDX = (
    "install the buildx plugin (Debian trixie/Ubuntu: apt-get install docker-buildx; or docker-buildx-plugin "
    "from download.docker.com)"
)
INSTALL_BINFMT = (
    "register QEMU binfmt handlers: apt-get install qemu-user-static binfmt-support "
    "(or docker run --privileged --rm tonistiigi/binfmt --install all), or use a builder with a native node "
    "(--builder)"
)

Listener = Callable[[list[Vertex]], None]


def _run(cmd: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError as err:
        raise EngineError(f"{cmd[0]} not found: {INSTALL_DOCKER}") from err
    except subprocess.TimeoutExpired as err:
        raise EngineError(f"`{' '.join(cmd)}` did not answer in {timeout:.0f} s: is the Docker daemon hung?") from err


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def parse_inspect(text: str) -> tuple[str, list[list[str]]]:
    """``docker buildx inspect`` text -> (driver, platforms per node)."""
    driver = ""
    nodes: list[list[str]] = []
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key = key.strip()
        if key == "Driver" and not driver:
            driver = value.strip()
        elif key == "Platforms":
            nodes.append([p.strip().rstrip("*") for p in value.split(",") if p.strip()])
    return driver, nodes


def preflight(opts: BuildOptions) -> tuple[str, list[list[str]]]:
    """Check docker, buildx, the daemon/builder and the platforms; returns (builder, platforms per node).

    Raises EngineError with one line naming what is missing and how to install it."""
    if shutil.which("docker") is None:
        raise EngineError(f"docker not found on PATH: {INSTALL_DOCKER}")
    ver = _run(["docker", "buildx", "version"])
    if ver.returncode != 0:
        raise EngineError(f"docker buildx plugin not found: {INSTALL_BUILDX}")
    cmd = ["docker", "buildx", "inspect"]
    if opts.builder:
        cmd.append(opts.builder)
    cmd.append("--bootstrap")
    res = _run(cmd, timeout=120)
    text = res.stdout + res.stderr
    if res.returncode != 0 or "Cannot connect to the Docker daemon" in text:
        low = text.lower()
        if "cannot connect" in low or "docker daemon" in low or "connect:" in low or "dial unix" in low:
            host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
            raise EngineError(
                f"Docker daemon not reachable at {host}: start dockerd (in this project: sudo scripts/setup-engine.sh) "
                "or set DOCKER_HOST"
            )
        if opts.builder and ("no builder" in low or "not found" in low):
            raise EngineError(
                f"buildx builder {opts.builder!r} not found: create it with `docker buildx create --name {opts.builder}`"
            )
        raise EngineError(f"docker buildx inspect failed: {_first_line(text) or 'exit ' + str(res.returncode)}")
    driver, nodes = parse_inspect(res.stdout)
    name = opts.builder or "default"
    for line in res.stdout.splitlines():
        if line.startswith("Name:"):
            name = line.split(":", 1)[1].strip()
            break
    supported = {p for node in nodes for p in node}
    # a platform with a variant (arm/v7) is supported when listed; linux/arm64 matches linux/arm64/v8
    missing = [p for p in opts.platforms if p not in supported and p + "/v8" not in supported
               and not any(s.startswith(p + "/") for s in supported)]
    if nodes and missing:
        raise EngineError(
            f"platform {', '.join(missing)} not supported by builder {name} (it offers {', '.join(sorted(supported))}): "
            + INSTALL_BINFMT
        )
    return name, nodes


def build_command(opts: BuildOptions, metadata_file: Path | None = None) -> tuple[list[str], str | None]:
    """The ``docker buildx build`` argv and the output verify should read (None: nothing to read)."""
    cmd = ["docker", "buildx", "build", "--progress=rawjson"]
    if opts.builder:
        cmd += ["--builder", opts.builder]
    cmd += ["-f", str(opts.dockerfile), "--platform", ",".join(opts.platforms)]
    for t in opts.tags:
        cmd += ["-t", t]
    for a in opts.build_args:
        cmd += ["--build-arg", a]
    for c in opts.build_contexts:
        cmd += ["--build-context", c]
    if opts.target:
        cmd += ["--target", opts.target]
    if opts.no_cache:
        cmd.append("--no-cache")
    if opts.provenance is not None:
        cmd.append(f"--provenance={opts.provenance}")
    if metadata_file is not None:
        cmd += ["--metadata-file", str(metadata_file)]
    output: str | None = None
    if opts.push:
        cmd.append("--push")
        output = opts.tags[0] if opts.tags else None
    for o in opts.outputs:
        cmd += ["--output", o]
        output = output or output_of_spec(o)
    if not opts.push and not opts.outputs:
        archive = opts.default_archive()
        spec = f"type=oci,dest={archive}"
        if opts.tags:
            spec += f",name={opts.tags[0]}"
        cmd += ["--output", spec]
        output = str(archive)
    cmd += list(opts.extra)
    cmd.append(str(opts.context))
    return cmd, output


def run_build(opts: BuildOptions, listener: Listener | None = None) -> BuildResult:
    builder, nodes = preflight(opts)
    cmd, output = build_command(opts)
    if output and not opts.push and not opts.outputs:
        opts.default_archive().parent.mkdir(parents=True, exist_ok=True)
    progress = BuildProgress()
    decoder = RawJsonDecoder()
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=None, stderr=subprocess.PIPE)
    except FileNotFoundError as err:
        raise EngineError(f"docker not found on PATH: {INSTALL_DOCKER}") from err
    assert proc.stderr is not None
    fd = proc.stderr.fileno()
    utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
    tee = None
    if opts.rawjson_file:
        try:
            opts.rawjson_file.parent.mkdir(parents=True, exist_ok=True)
            tee = open(opts.rawjson_file, "wb")  # noqa: SIM115 - closed below
        except OSError as err:
            proc.kill()
            raise EngineError(f"cannot write --rawjson-file {opts.rawjson_file}: {err}") from err
    while True:
        chunk = os.read(fd, 65536)
        if tee is not None:
            tee.write(chunk)
        items = decoder.feed(utf8.decode(chunk, final=not chunk))
        if not chunk:
            items += decoder.close()
        for item in items:
            changed = progress.apply(item)
            if listener and changed:
                listener(changed)
        if not chunk:
            break
    if tee is not None:
        tee.close()
    rc = proc.wait()
    wall = time.monotonic() - t0
    error = ""
    if rc != 0:
        lines = [t for t in progress.text if t.startswith("ERROR")] or progress.text[-1:]
        error = lines[-1] if lines else f"docker buildx build exited {rc}"
        low = error.lower()
        if "exec format error" in low:
            error += f" ({INSTALL_BINFMT})"
    return BuildResult(
        ok=rc == 0,
        returncode=rc,
        progress=progress,
        wall_seconds=wall,
        builder=builder,
        build_platform=nodes[0][0] if nodes and nodes[0] else host_platform(),
        builder_nodes=nodes,
        output=output if rc == 0 else None,
        error=error,
        command=cmd,
    )
