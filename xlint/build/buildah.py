"""The buildah backend (``xlint build --engine buildah``), for machines without Docker.

buildah 1.28 (Debian bookworm) needs workarounds that xlint applies itself:
- BUILDPLATFORM/BUILDOS/BUILDARCH are not predefined for FROM lines: passed as build args.
- the final stage needs an explicit ``FROM --platform=$TARGETPLATFORM`` when BUILDPLATFORM is passed
  (containers/buildah#4742): xlint builds from a copy of the Dockerfile with that flag added (same lines).
- crun 1.8 refuses cgroup v1/v2 hybrid hosts and rootful OCI runtimes need more set-up: ``--isolation chroot``.
- ``--build-context`` does not exist in 1.28: ``NAME=oci-layout://DIR[:TAG]`` contexts are loaded into
  buildah's storage as a manifest list named NAME (one image per platform) and used with ``--pull=never``.
- ``--manifest`` adds to an existing list: the list is removed before the build.
Limitations: no rawjson progress, so steps and durations come from buildah's ``[platform] [k/n] STEP i/N``
lines (time until the next step line of that platform); cache hits are not reported; other
``--build-context`` kinds, ``--provenance`` and ``--builder`` are not supported.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from xlint.build.dockerfile import read_instructions
from xlint.build.engine import BuildOptions, BuildResult, EngineError, host_platform
from xlint.build.progress import BuildProgress, LogLine, Vertex
from xlint.build.steps import COUNTED, arch_of, stages_of

INSTALL_BUILDAH = "buildah not found: install it (Debian/Ubuntu: apt-get install buildah runc)"
_STEP = re.compile(r"^\[(?P<plat>[a-z0-9]+/[^\]]+)\] (?:\[(?P<k>\d+)/(?P<n>\d+)\] )?STEP (?P<i>\d+)/(?P<total>\d+): (?P<text>.*)$")
_COMMIT = re.compile(r"^\[(?P<plat>[a-z0-9]+/[^\]]+)\] (?:\[\d+/\d+\] )?COMMIT")

Listener = Callable[[list[Vertex]], None]


def _now() -> datetime:
    return datetime.now(timezone.utc)  # noqa: UP017 - Python 3.10 has no datetime.UTC


def _run(cmd: list[str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError as err:
        raise EngineError(INSTALL_BUILDAH) from err


def _binfmt_ok(platform: str) -> bool:
    arch = arch_of(platform)
    qemu = {"arm64": "aarch64", "arm": "arm", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64",
            "386": "i386", "amd64": "x86_64", "mips64le": "mips64el"}.get(arch, arch)
    return Path(f"/proc/sys/fs/binfmt_misc/qemu-{qemu}").exists()


def preflight(opts: BuildOptions) -> str:
    if shutil.which("buildah") is None:
        raise EngineError(INSTALL_BUILDAH)
    native = host_platform()
    for p in opts.platforms:
        if arch_of(p) != arch_of(native) and not _binfmt_ok(p):
            raise EngineError(
                f"platform {p} not supported on this {native} machine (no binfmt handler): "
                "apt-get install qemu-user-static binfmt-support"
            )
    if opts.builder:
        raise EngineError("--builder is a buildx option: buildah builds on this machine only")
    return native


def final_stage_copy(dockerfile: Path, text: str) -> Path | None:
    """A copy of the Dockerfile whose final FROM has ``--platform=$TARGETPLATFORM`` (same line numbers);
    None when the final stage already has a --platform."""
    ins = read_instructions(text, str(dockerfile))
    froms = [i for i in ins if i.keyword.upper() == "FROM"]
    if not froms or any(f.name.lower() == "platform" for f in froms[-1].flags):
        return None
    lines = text.splitlines(keepends=True)
    idx = froms[-1].start_line - 1
    lines[idx] = re.sub(r"^(\s*FROM)(\s)", r"\1 --platform=$TARGETPLATFORM\2", lines[idx], count=1, flags=re.I)
    fd, name = tempfile.mkstemp(prefix=".xlint-buildah-", suffix=".Dockerfile", dir=dockerfile.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("".join(lines))
    return Path(name)


def load_contexts(opts: BuildOptions, platforms: list[str]) -> list[str]:
    """Load ``NAME=oci-layout://DIR[:TAG]`` contexts as local manifest lists; returns extra build flags."""
    for spec in opts.build_contexts:
        name, eq, src = spec.partition("=")
        if not eq or not src.startswith("oci-layout://"):
            raise EngineError(f"--build-context {spec}: buildah 1.28 only takes NAME=oci-layout://DIR[:TAG] here")
        path = src[len("oci-layout://") :]
        tag = "latest"
        if ":" in Path(path).name:
            path, tag = path.rsplit(":", 1)
        _run(["buildah", "manifest", "rm", name])
        made = _run(["buildah", "manifest", "create", name])
        if made.returncode != 0:
            raise EngineError(f"buildah manifest create {name} failed: {made.stderr.strip().splitlines()[-1:]}")
        for p in platforms:
            pulled = _run(["buildah", "pull", "-q", "--platform", p, f"oci:{path}:{tag}"])
            if pulled.returncode != 0:
                raise EngineError(f"cannot load {src} for {p}: {(pulled.stderr.strip().splitlines() or ['?'])[-1]}")
            image_id = pulled.stdout.strip().splitlines()[-1]
            _run(["buildah", "manifest", "add", name, image_id])
    return []


def run_build(opts: BuildOptions, listener: Listener | None = None) -> BuildResult:
    build_platform = preflight(opts)
    text = opts.dockerfile.read_text(encoding="utf-8", errors="surrogateescape")
    stages = stages_of(read_instructions(text, str(opts.dockerfile)))
    needed = sorted(set(opts.platforms) | {build_platform})
    load_contexts(opts, needed)
    manifest = opts.tags[0] if opts.tags else f"localhost/xlint-{opts.image_name()}:build"
    _run(["buildah", "manifest", "rm", manifest])
    patched = final_stage_copy(opts.dockerfile, text)
    os_name, _, arch = build_platform.partition("/")
    cmd = ["buildah", "build", "--pull=never", "--isolation", "chroot", "--layers",
           "--build-arg", f"BUILDPLATFORM={build_platform}", "--build-arg", f"BUILDOS={os_name}",
           "--build-arg", f"BUILDARCH={arch}",
           "-f", str(patched or opts.dockerfile), "--platform", ",".join(opts.platforms), "--manifest", manifest]
    for a in opts.build_args:
        cmd += ["--build-arg", a]
    if opts.target:
        cmd += ["--target", opts.target]
    if opts.no_cache:
        cmd.append("--no-cache")
    cmd += list(opts.extra) + [str(opts.context)]

    progress = BuildProgress()
    current: dict[str, Vertex] = {}
    t0 = time.monotonic()

    def close(plat: str, when: datetime) -> None:
        v = current.pop(plat, None)
        if v is not None and v.completed is None:
            v.completed = when
            if listener:
                listener([v])

    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace")
    except FileNotFoundError as err:
        raise EngineError(INSTALL_BUILDAH) from err
    assert proc.stdout is not None
    last: Vertex | None = None
    try:
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            when = _now()
            m = _STEP.match(line)
            if m:
                plat = m.group("plat")
                close(plat, when)
                k = int(m.group("k") or 1) - 1
                step_text = m.group("text")
                keyword = step_text.split(" ", 1)[0].upper()
                if keyword != "FROM" and keyword not in COUNTED:
                    last = None
                    continue
                stage = stages[k] if k < len(stages) else None
                exec_plat = plat
                if stage and stage.platform_flag and "BUILDPLATFORM" in stage.platform_flag:
                    exec_plat = build_platform
                prefix = plat if exec_plat == plat else f"{exec_plat}->{arch_of(plat)}"
                name = f"[{prefix} stage-{k} {m.group('i')}/{m.group('total')}] {step_text}"
                v = Vertex(digest=f"buildah:{plat}:{k}:{m.group('i')}", name=name, started=when,
                           order=len(progress.vertexes))
                progress.vertexes[v.digest] = v
                current[plat] = v
                last = v
                if listener:
                    listener([v])
                continue
            m = _COMMIT.match(line)
            if m:
                close(m.group("plat"), when)
                last = None
                continue
            if last is not None:
                last.logs.append(LogLine(1, (line + "\n").encode(), when))
            progress.text.append(line)
        rc = proc.wait()
    finally:
        if patched is not None:
            patched.unlink(missing_ok=True)
    end = _now()
    for plat in list(current):
        close(plat, end)
    error = ""
    output: str | None = None
    if rc != 0:
        err_lines = [t for t in progress.text if t.lower().startswith(("error", "erro["))] or progress.text[-1:]
        error = err_lines[-1] if err_lines else f"buildah build exited {rc}"
        if last is not None:
            last.error = error
    else:
        if opts.push:
            dest = f"docker://{opts.tags[0]}"
            output = opts.tags[0]
            extra = ["--tls-verify=false"] if opts.tags[0].startswith(("localhost", "127.0.0.1")) else []
        else:
            archive = opts.default_archive()
            archive.parent.mkdir(parents=True, exist_ok=True)
            dest = f"oci-archive:{archive}:{opts.tags[0] if opts.tags else 'latest'}"
            output = str(archive)
            extra = []
        pushed = _run(["buildah", "manifest", "push", "-q", "--all", *extra, manifest, dest])
        if pushed.returncode != 0:
            rc = pushed.returncode
            error = f"buildah manifest push failed: {(pushed.stderr.strip().splitlines() or ['?'])[-1]}"
            output = None
    return BuildResult(
        ok=rc == 0,
        returncode=rc,
        progress=progress,
        wall_seconds=time.monotonic() - t0,
        builder="buildah",
        build_platform=build_platform,
        builder_nodes=[[build_platform]],
        output=output,
        error=error,
        command=cmd,
    )
