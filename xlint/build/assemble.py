"""One build report from one progress stream, for ``xlint build`` (read live) and ``xlint report``
(read from a saved log): steps mapped to the Dockerfile, the static check's rules attached, the gates,
and where the report goes (stdout, a file, the GitHub job summary)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click

from xlint.build.progress import BuildProgress
from xlint.build.report import REPORT_FORMATS, BuildReport, CheckFinding
from xlint.build.steps import InstructionLike, build_steps, parse_vertex_name

__all__ = ["REPORT_FORMATS", "apply_gates", "assemble", "emit", "log_facts", "shown_path", "static_findings"]


def shown_path(path: Path) -> str:
    """The Dockerfile as the report names it: relative to the working directory when below it."""
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else str(path)


def assemble(
    progress: BuildProgress,
    *,
    dockerfile: Path | None,
    shown: str,
    platforms: Sequence[str],
    build_platform: str,
    native: set[str],
    builder: str,
    engine: str,
    context: str,
    ok: bool,
    wall_seconds: float,
    output: str | None = None,
    error: str = "",
    source: str = "",
) -> BuildReport:
    """The report of one build. Without a Dockerfile, steps are known by their BuildKit names alone
    (platform, stage, instruction text) and carry no line."""
    instructions: Sequence[InstructionLike] = []
    if dockerfile is not None:
        from xlint.build.dockerfile import read_instructions

        text = dockerfile.read_text(encoding="utf-8", errors="surrogateescape")
        instructions = read_instructions(text, shown)
    steps = build_steps(
        progress.ordered(),
        instructions,
        dockerfile=shown,
        platforms=list(platforms),
        build_platform=build_platform,
        native=native,
        origin=progress.started,
    )
    return BuildReport(
        dockerfile=shown,
        context=context,
        platforms=list(platforms),
        build_platform=build_platform,
        builder=builder,
        engine=engine,
        steps=steps,
        ok=ok,
        wall_seconds=wall_seconds,
        output=output,
        error=error,
        source=source,
    )


def log_facts(progress: BuildProgress, instructions: Sequence[InstructionLike] = ()
              ) -> tuple[list[str], str | None, str | None]:
    """What a saved stream says of its build: (target platforms, sorted; the build platform; the
    Dockerfile name from ``load build definition from X``). The build platform is the executing side of
    a cross step (``[linux/amd64->arm64 ...]``) or, with the Dockerfile's instructions, the platform
    shown for a step of a ``FROM --platform=$BUILDPLATFORM`` stage."""
    from xlint.build.steps import match_instruction, stages_of

    stages = stages_of(instructions)
    targets: list[str] = []
    build_platform: str | None = None
    pinned: str | None = None
    dockerfile: str | None = None
    for v in progress.ordered():
        prefix = "[internal] load build definition from "
        if v.name.startswith(prefix) and dockerfile is None:
            dockerfile = v.name[len(prefix):].strip() or None
        vn = parse_vertex_name(v.name)
        if vn is None or vn.exec_platform is None:
            continue
        target = vn.target_platform or vn.exec_platform
        if vn.target_platform and build_platform is None:
            build_platform = vn.exec_platform
        stage = match_instruction(stages, vn)[0] if stages else None
        flag = stage.platform_flag if stage is not None else None
        if flag and "BUILDPLATFORM" in flag:
            pinned = pinned or vn.exec_platform
            continue  # a build-platform stage shows the build platform, not a target
        if target not in targets:
            targets.append(target)
    return sorted(targets), build_platform or pinned, dockerfile


def static_findings(dockerfile: Path, platforms: list[str], build_platform: str,
                    context: Path | None = None) -> list[CheckFinding] | None:
    """The static check of the Dockerfile, to name the rule that would remove each emulated step.
    None when the checker is not there; a checker error is one line on stderr, never a stop."""
    try:
        from xlint.checker import check_paths
    except ImportError:
        return None
    try:
        diags = check_paths([str(dockerfile)], platforms=platforms, build_platform=build_platform, context=context)
    except Exception as err:  # noqa: BLE001 - the check must never stop a build or a report
        click.echo(f"xlint: static check skipped: {err}", err=True)
        return None
    found: list[CheckFinding] = []
    for d in diags:
        code = str(getattr(d, "code", ""))
        line = getattr(d, "line", None)
        found.append(CheckFinding(code, line if isinstance(line, int) else None, str(getattr(d, "message", ""))))
    return found


def apply_gates(report: BuildReport, max_emulated_seconds: float | None, fail_on_emulation: bool) -> None:
    """``--max-emulated-seconds`` / ``--fail-on-emulation``: record what fails in ``gate_failures``."""
    emulated = report.emulated_total
    if max_emulated_seconds is not None and emulated > max_emulated_seconds:
        report.gate_failures.append(
            f"emulated work {emulated:.1f} s exceeds --max-emulated-seconds {max_emulated_seconds:g}"
        )
    if fail_on_emulation and report.emulated_steps():
        n = len(report.emulated_steps())
        report.gate_failures.append(f"{n} step(s) ran under emulation (--fail-on-emulation)")


def emit(report: BuildReport, fmt: str, path: Path | None, *, text_to_stdout: bool) -> bool:
    """Render ``fmt`` to ``path`` (atomically) or to stdout; with a path and ``text_to_stdout`` the text
    report is printed too. Appends the markdown table to ``$GITHUB_STEP_SUMMARY`` when it is set.
    Returns False when the report file could not be written (the message is on stderr)."""
    from xlint.files import write_new_or_replace

    rendered = report.render(fmt)
    written = True
    if path is not None:
        try:
            write_new_or_replace(path, rendered.encode("utf-8"))
        except OSError as err:
            click.echo(f"xlint: error: {path}: cannot write the report: {err.strerror or err}", err=True)
            written = False
        if text_to_stdout:
            click.echo(report.render_text(), nl=False)
    else:
        click.echo(rendered, nl=False)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        try:
            with open(summary, "a", encoding="utf-8") as fh:
                fh.write(report.render_markdown() + "\n")
        except OSError as err:
            click.echo(f"xlint: cannot write GITHUB_STEP_SUMMARY: {err}", err=True)
    return written
