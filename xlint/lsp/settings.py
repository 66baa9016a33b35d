"""How a document's check options come about in the editor: the workspace's config file, found as
``xlint check`` finds it (``.xlint.yaml`` or ``[tool.xlint]``, upward from the file), under the editor's
overrides (``initializationOptions`` and ``workspace/configuration`` section ``xlint``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from xlint.config import Config, ConfigError, clear_cache, config_for
from xlint.records import field, record
from xlint.rule import CheckOptions, Rule, select_rules

CONFIG_NAMES = (".xlint.yaml", "pyproject.toml")


@record(frozen=True)
class Overrides:
    """Settings the editor passes; None: the config file (or the default) decides."""

    platforms: tuple[str, ...] | None = None
    build_platform: str | None = None

    def over(self, other: Overrides) -> Overrides:
        """These overrides, with ``other``'s where these say nothing."""
        return Overrides(self.platforms or other.platforms, self.build_platform or other.build_platform)


def parse_overrides(data: object, where: str) -> tuple[Overrides, list[str]]:
    """Overrides from the editor's JSON (``{"platforms": [...], "buildPlatform": "linux/amd64"}``;
    ``build-platform`` is accepted too), and one message per value that is not valid (it is skipped)."""
    from xlint.expand import parse_platform

    if not isinstance(data, dict):
        return Overrides(), ([] if data is None else [f"{where}: expected an object with 'platforms', 'buildPlatform'"])
    errors: list[str] = []
    platforms: tuple[str, ...] | None = None
    raw = data.get("platforms")
    if isinstance(raw, str):
        raw = [p.strip() for p in raw.split(",") if p.strip()]
    if raw is not None:
        if isinstance(raw, list) and raw and all(isinstance(p, str) and parse_platform(p) for p in raw):
            platforms = tuple(raw)
        else:
            errors.append(f"{where}: 'platforms' must be a list of os/arch[/variant] platforms, e.g. linux/arm64")
    build = data.get("buildPlatform", data.get("build-platform"))
    build_platform: str | None = None
    if build is not None:
        if isinstance(build, str) and parse_platform(build):
            build_platform = build
        else:
            errors.append(f"{where}: 'buildPlatform' must be an os/arch[/variant] platform, e.g. linux/amd64")
    return Overrides(platforms, build_platform), errors


@record
class Resolved:
    """What checking one file uses."""

    options: CheckOptions
    rules: list[type[Rule]]
    config: Config
    error: str | None = None  # the config file's error (defaults were used instead)


CONFIG_ERROR = re.compile(r"^(?P<path>.+?(?:\.xlint\.yaml|pyproject\.toml))(?::(?P<line>\d+):(?P<col>\d+))?: ")


def config_error_location(message: str) -> tuple[str, int, int] | None:
    """The config file, 1-based line and column a ConfigError message names."""
    m = CONFIG_ERROR.match(message)
    if m is None:
        return None
    return m.group("path"), int(m.group("line") or 1), int(m.group("col") or 1)


@record
class ConfigWatch:
    """Notices config files created, changed or removed between checks, without help from the editor:
    before each check it looks at ``.xlint.yaml`` and ``pyproject.toml`` in the file's folder and its
    parents (a few stats) and forgets the cached configuration when anything differs."""

    seen: dict[str, tuple[tuple[str, int, int], ...]] = field(default_factory=dict)

    def refresh(self, file: str) -> None:
        folder = Path(file).resolve().parent
        stamp = []
        for d in (folder, *folder.parents):
            for name in CONFIG_NAMES:
                try:
                    st = os.stat(d / name)
                except OSError:
                    continue
                stamp.append((str(d / name), st.st_mtime_ns, st.st_size))
        key, value = str(folder), tuple(stamp)
        if key in self.seen and self.seen[key] != value:
            self.forget()
        self.seen[key] = value

    def forget(self) -> None:
        clear_cache()
        self.seen.clear()


def resolve(file: str, overrides: Overrides) -> Resolved:
    """Options and rules for ``file`` as ``xlint check FILE`` would use them, under ``overrides``."""
    error = None
    try:
        cfg = config_for(file)
    except ConfigError as exc:
        cfg, error = Config(), str(exc)
    options = CheckOptions(
        platforms=tuple(overrides.platforms or cfg.platforms or CheckOptions().platforms),
        build_platform=overrides.build_platform or cfg.build_platform,
        context=Path(file).resolve().parent,
    )
    rules = select_rules(cfg.select, cfg.ignore + cfg.ignores_for(file))
    return Resolved(options, rules, cfg, error)

