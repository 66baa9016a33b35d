"""Build options, engine errors and the common result of a build, shared by both backends."""

from __future__ import annotations

import os
import re
from pathlib import Path

from xlint.build.progress import BuildProgress
from xlint.records import field, record


class EngineError(Exception):
    """The engine cannot build at all (missing tool, daemon down, unsupported platform).

    ``str(err)`` is one line: what is missing and how to get it."""


@record
class BuildOptions:
    context: Path
    dockerfile: Path
    platforms: list[str]
    tags: list[str] = field(default_factory=list)
    push: bool = False
    outputs: list[str] = field(default_factory=list)
    builder: str | None = None
    build_args: list[str] = field(default_factory=list)
    build_contexts: list[str] = field(default_factory=list)
    target: str | None = None
    no_cache: bool = False
    provenance: str | None = None
    extra: list[str] = field(default_factory=list)
    dist: Path = Path("dist")
    rawjson_file: Path | None = None  # a copy of the engine's progress stream

    def image_name(self) -> str:
        """``dist/<name>.oci.tar``: the first tag's repository name, else the context directory's."""
        if self.tags:
            ref = self.tags[0].split("@", 1)[0]
            last = ref.rsplit("/", 1)[-1]
            name = last.split(":", 1)[0]
        else:
            name = self.context.resolve().name or "image"
        return re.sub(r"[^A-Za-z0-9._-]+", "-", name) or "image"

    def default_archive(self) -> Path:
        return self.dist / f"{self.image_name()}.oci.tar"


@record
class BuildResult:
    ok: bool
    returncode: int
    progress: BuildProgress
    wall_seconds: float
    builder: str
    build_platform: str
    builder_nodes: list[list[str]]  # platforms per builder node, native first
    output: str | None  # what verify reads: an OCI archive/layout path or a registry reference
    error: str = ""
    command: list[str] = field(default_factory=list)


def host_platform() -> str:
    machine = os.uname().machine
    arch = {
        "x86_64": "amd64",
        "aarch64": "arm64",
        "armv7l": "arm/v7",
        "armv6l": "arm/v6",
        "ppc64le": "ppc64le",
        "s390x": "s390x",
        "riscv64": "riscv64",
        "i686": "386",
    }.get(machine, machine)
    return f"linux/{arch}"


def output_of_spec(spec: str) -> str | None:
    """The path an ``--output`` spec writes an OCI result to (``type=oci,dest=x.tar``), if any."""
    fields: dict[str, str] = {}
    for part in spec.split(","):
        key, eq, value = part.partition("=")
        if eq:
            fields[key.strip()] = value.strip()
        elif "type" not in fields:
            return None if spec == "-" else None
    if fields.get("type") == "oci" and fields.get("dest") and fields.get("dest") != "-":
        return fields["dest"]
    if fields.get("type") in ("image", "registry") and fields.get("push") in ("true", None):
        if fields.get("type") == "registry" or fields.get("push") == "true":
            name = fields.get("name")
            return name.split(",")[0] if name else None
    return None
