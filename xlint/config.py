"""Configuration: ``.xlint.yaml`` or ``[tool.xlint]`` in pyproject.toml, searched upward from each file."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import Any

from xlint.contextfiles import forget_folders, is_file, memoized, note_read, read_text, real_folder
from xlint.diagnostics import SEVERITY_RANK
from xlint.records import field, record

KEYS = {"select", "ignore", "platforms", "build-platform", "failure-threshold", "per-file-ignores", "target",
        "context", "resolve"}


class ConfigError(Exception):
    """Invalid configuration; the message names the file."""


@record
class Config:
    path: Path | None = None
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    platforms: list[str] | None = None
    build_platform: str | None = None
    failure_threshold: str = "info"
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    resolve: bool = False  # XL302: look up base images in their registries

    def ignores_for(self, file: str) -> list[str]:
        """Codes ignored for ``file`` by per-file-ignores (glob patterns relative to the config's folder)."""
        out: list[str] = []
        if not self.per_file_ignores:
            return out
        base = self.path.parent if self.path else Path.cwd()
        try:
            rel = Path(file).resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            rel = Path(file).as_posix()
        for pattern, codes in self.per_file_ignores.items():
            if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(Path(file).name, pattern):
                out.extend(codes)
        return out


def _str_list(value: Any, key: str, where: Path) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ConfigError(f"{where}: '{key}' must be a list of strings")


def _from_mapping(data: Any, where: Path) -> Config:
    if data is None:
        return Config(path=where)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the configuration must be a mapping")
    unknown = set(data) - KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key '{sorted(unknown)[0]}' (known: {', '.join(sorted(KEYS))})")
    cfg = Config(path=where)
    if "select" in data:
        cfg.select = _str_list(data["select"], "select", where)
    if "ignore" in data:
        cfg.ignore = _str_list(data["ignore"], "ignore", where)
    if "platforms" in data:
        cfg.platforms = _str_list(data["platforms"], "platforms", where)
        from xlint.expand import platform_error

        for p in cfg.platforms:
            problem = platform_error(p)
            if problem is not None:
                raise ConfigError(f"{where}: 'platforms': {problem}")
    if "build-platform" in data:
        if not isinstance(data["build-platform"], str):
            raise ConfigError(f"{where}: 'build-platform' must be a string")
        from xlint.expand import platform_error

        problem = platform_error(data["build-platform"])
        if problem is not None:
            raise ConfigError(f"{where}: 'build-platform': {problem}")
        cfg.build_platform = data["build-platform"]
    if "failure-threshold" in data:
        th = data["failure-threshold"]
        if th not in SEVERITY_RANK:
            raise ConfigError(f"{where}: 'failure-threshold' must be one of error, warning, info")
        cfg.failure_threshold = th
    if "resolve" in data:
        if not isinstance(data["resolve"], bool):
            raise ConfigError(f"{where}: 'resolve' must be true or false")
        cfg.resolve = data["resolve"]
    if "per-file-ignores" in data:
        pfi = data["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise ConfigError(f"{where}: 'per-file-ignores' must map glob patterns to lists of codes")
        cfg.per_file_ignores = {str(k): _str_list(v, "per-file-ignores", where) for k, v in pfi.items()}
    return cfg


def load_file(path: Path) -> Config:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    note_read(path, raw)  # a cached run is answered again only while the config file is the same
    try:
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start + 1})") from None
    if path.name == "pyproject.toml":
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        return _from_mapping(data.get("tool", {}).get("xlint"), path)
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        pos = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{pos}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    return _from_mapping(data, path)


@memoized(maxsize=256)
def _find_in(folder: Path) -> Path | None:
    """The config file governing ``folder``; the search is recorded (:mod:`xlint.contextfiles`), so that a
    cached run is answered again only while the same files would be found."""
    for d in (folder, *folder.parents):
        candidate = d / ".xlint.yaml"
        if is_file(candidate):
            return candidate
        pyproject = d / "pyproject.toml"
        text = read_text(pyproject)
        if text is not None and "[tool.xlint" in text:
            return pyproject
    return None


@memoized(maxsize=64)
def _load_cached(path: Path) -> Config:
    return load_file(path)


def resolved_parent(file: str) -> Path:
    """``Path(file).resolve().parent``, with the folders of a run resolved once (the folder memo of
    :func:`xlint.contextfiles.real_folder`)."""
    if os.path.islink(file):
        return Path(file).resolve().parent
    return Path(real_folder(os.path.dirname(os.path.abspath(file))))


def config_for(file: str) -> Config:
    """The configuration governing ``file`` (``-`` means the current directory)."""
    return config_in(Path.cwd() if file == "-" else resolved_parent(file))


def config_in(folder: Path) -> Config:
    """The configuration governing the files of ``folder`` (a resolved path)."""
    found = _find_in(folder)
    return _load_cached(found) if found is not None else Config()


def clear_cache() -> None:
    """Forget which config files govern which folders and what they say (a long-running process, such
    as ``xlint lsp``, calls this when a config file is created, changed or removed)."""
    _find_in.cache_clear()  # type: ignore[attr-defined]
    _load_cached.cache_clear()  # type: ignore[attr-defined]
    forget_folders()
