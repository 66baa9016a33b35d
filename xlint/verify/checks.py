"""Per-platform checks on one image: platform/config agreement, ELF architecture, loaders,
ENTRYPOINT/CMD program."""

from __future__ import annotations

import fnmatch
from typing import Any

from xlint.records import field, record
from xlint.verify.layers import Entry, ImageFS
from xlint.verify.platforms import EXPECTED_ELF, describe_elf, format_platform

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MAX_LISTED = 50


@record
class Finding:
    check: str  # missing | platform | config | arch | loader | entrypoint | run | layer
    message: str
    path: str | None = None

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"check": self.check, "message": self.message}
        if self.path is not None:
            d["path"] = self.path
        return d


@record
class PlatformResult:
    platform: str
    manifest: str | None = None
    failures: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    layers: int = 0
    compressed_bytes: int = 0
    uncompressed_bytes: int = 0
    files: int = 0
    elf_files: int = 0
    dynamic_elf_files: int = 0
    entrypoint: list[str] = field(default_factory=list)
    program: str | None = None
    run: dict[str, Any] | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, check: str, message: str, path: str | None = None) -> None:
        self.failures.append(Finding(check, message, path))

    def warn(self, check: str, message: str, path: str | None = None) -> None:
        self.warnings.append(Finding(check, message, path))

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "ok": self.ok,
            "manifest": self.manifest,
            "layers": self.layers,
            "compressed_bytes": self.compressed_bytes,
            "uncompressed_bytes": self.uncompressed_bytes,
            "files": self.files,
            "elf_files": self.elf_files,
            "dynamic_elf_files": self.dynamic_elf_files,
            "entrypoint": self.entrypoint,
            "program": self.program,
            "run": self.run,
            "seconds": round(self.seconds, 3),
            "failures": [f.to_json() for f in self.failures],
            "warnings": [w.to_json() for w in self.warnings],
        }


def _abs(path: str) -> str:
    return "/" + path


def check_platform(
    res: PlatformResult, index_platform: tuple[str, str, str] | None, config_platform: tuple[str, str, str]
) -> None:
    if index_platform is not None and index_platform != config_platform:
        res.fail(
            "platform",
            f"index says {format_platform(*index_platform)} but the image config says {format_platform(*config_platform)}",
        )


def check_elves(res: PlatformResult, fs: ImageFS, arch: str, allow: list[str]) -> None:
    """Every ELF file has the platform's machine/class/endianness; every interpreter exists."""
    want = EXPECTED_ELF.get(arch)
    if want is None:
        res.warn("arch", f"no ELF identity known for architecture {arch!r}: ELF files not checked")
    wrong: list[str] = []
    missing_loaders: dict[str, list[str]] = {}
    for path, e in fs.walk_files():
        res.files += 1
        elf = e.elf
        if elf is None:
            continue
        res.elf_files += 1
        shown = _abs(path)
        if allow and any(fnmatch.fnmatchcase(shown, pat) for pat in allow):
            continue
        if want is not None and (elf.machine, elf.elfclass, elf.data) != tuple(want):
            wrong.append(shown)
            if len(wrong) <= MAX_LISTED:
                res.fail(
                    "arch",
                    f"{shown}: {describe_elf(elf.machine, elf.elfclass, elf.data)}, "
                    f"expected {describe_elf(*want)} for {res.platform}",
                    shown,
                )
        if elf.interp:
            res.dynamic_elf_files += 1
            target = fs.lookup(elf.interp)
            if target is None or target.kind != "f":
                missing_loaders.setdefault(elf.interp, []).append(shown)
    if len(wrong) > MAX_LISTED:
        res.fail("arch", f"... and {len(wrong) - MAX_LISTED} more ELF files of the wrong architecture")
    for loader, users in sorted(missing_loaders.items()):
        more = f" (and {len(users) - 3} more)" if len(users) > 3 else ""
        res.fail(
            "loader",
            f"interpreter {loader} not found in the image, needed by {', '.join(sorted(users)[:3])}{more}",
            loader,
        )


def _env_path(config: dict[str, Any]) -> str:
    env = config.get("Env") or []
    if isinstance(env, list):
        for item in env:
            if isinstance(item, str) and item.startswith("PATH="):
                return item[5:]
    return DEFAULT_PATH


def _which(fs: ImageFS, prog: str, path_var: str, workdir: str) -> tuple[str, Entry] | None:
    if "/" in prog:
        full = prog if prog.startswith("/") else f"{workdir.rstrip('/')}/{prog}"
        e = fs.lookup(full)
        return (full, e) if e is not None else None
    for d in path_var.split(":"):
        if not d:
            continue
        full = f"{d.rstrip('/')}/{prog}"
        e = fs.lookup(full)
        if e is not None and e.kind == "f":
            return full, e
    return None


def check_entrypoint(res: PlatformResult, fs: ImageFS, config: dict[str, Any], arch: str) -> None:
    cc = config.get("config") or {}
    if not isinstance(cc, dict):
        cc = {}
    ep = cc.get("Entrypoint") or []
    cmd = cc.get("Cmd") or []
    ep = [str(x) for x in ep] if isinstance(ep, list) else []
    cmd = [str(x) for x in cmd] if isinstance(cmd, list) else []
    argv = ep + cmd if ep else cmd
    res.entrypoint = argv
    if not argv:
        res.warn("entrypoint", "the image has no ENTRYPOINT or CMD")
        return
    prog = argv[0]
    path_var = _env_path(cc)
    workdir = str(cc.get("WorkingDir") or "/")
    found = _which(fs, prog, path_var, workdir)
    if found is None:
        where = "" if "/" in prog else f" on PATH {path_var}"
        res.fail("entrypoint", f"ENTRYPOINT/CMD program {prog} not found{where}", prog)
        return
    full, e = found
    res.program = full
    if e.kind != "f":
        res.fail("entrypoint", f"ENTRYPOINT/CMD program {full} is not a regular file", full)
        return
    if not e.mode & 0o111:
        res.fail("entrypoint", f"ENTRYPOINT/CMD program {full} is not executable (mode {e.mode:o})", full)
    want = EXPECTED_ELF.get(arch)
    if e.elf is not None:
        elf = e.elf
        if want is not None and (elf.machine, elf.elfclass, elf.data) != tuple(want):
            res.fail(
                "entrypoint",
                f"ENTRYPOINT/CMD program {full} is {describe_elf(elf.machine, elf.elfclass, elf.data)}, "
                f"not {describe_elf(*want)}: 'exec format error' on {res.platform}",
                full,
            )
        if elf.interp:
            loader = fs.lookup(elf.interp)
            if loader is None or loader.kind != "f":
                res.fail(
                    "entrypoint",
                    f"ENTRYPOINT/CMD program {full} needs {elf.interp}, which is missing: "
                    "'no such file or directory' at run time",
                    full,
                )
        return
    if e.shebang is not None:
        words = e.shebang.split()
        if not words:
            res.fail("entrypoint", f"ENTRYPOINT/CMD script {full} has an empty #! line", full)
            return
        interp = words[0]
        ie = fs.lookup(interp)
        if ie is None or ie.kind != "f":
            res.fail("entrypoint", f"ENTRYPOINT/CMD script {full} needs {interp}, which is missing", full)
            return
        if interp.endswith("/env") and len(words) > 1 and not words[1].startswith("-"):
            if _which(fs, words[1], path_var, workdir) is None:
                res.fail("entrypoint", f"ENTRYPOINT/CMD script {full} needs {words[1]}, not found on PATH", full)
        return
    res.warn("entrypoint", f"ENTRYPOINT/CMD program {full} is neither an ELF binary nor a #! script", full)
