"""``xlint report LOG``: the build report of a saved ``docker buildx build --progress=rawjson`` stream.

The same reader, step mapping, report and gates as ``xlint build`` (xlint/build/): only the stream comes
from a file (or stdin) instead of a live engine.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xlint.build.report import REPORT_FORMATS
from xlint.build.steps import InstructionLike


def _fail(message: str) -> None:
    click.echo(f"xlint: error: {message}", err=True)
    sys.exit(2)


def _read(log: str) -> tuple[str, bytes]:
    if log == "-":
        return "<stdin>", sys.stdin.buffer.read()
    try:
        return log, Path(log).read_bytes()
    except FileNotFoundError:
        _fail(f"{log}: no such file or directory")
    except IsADirectoryError:
        _fail(f"{log}: is a directory")
    except OSError as err:
        _fail(f"{log}: cannot read: {err.strerror or err}")
    raise AssertionError("unreachable")


def _platforms(values: tuple[str, ...], what: str) -> list[str]:
    from xlint.expand import parse_platform

    out: list[str] = []
    for p in (p.strip() for v in values for p in v.split(",") if p.strip()):
        parsed = parse_platform(p)
        if parsed is None:
            _fail(f"{what}: invalid platform '{p}' (expected os/arch[/variant], e.g. linux/arm64)")
            raise AssertionError("unreachable")
        out.append("/".join(x for x in parsed if x))
    return out


@click.command("report", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("log")
@click.option("-f", "--file", "dockerfile", type=click.Path(path_type=Path),
              help="The Dockerfile that was built: steps get their lines and the rules that fix them.")
@click.option("--context", type=click.Path(path_type=Path),
              help="Build context folder, for the static check (default: the Dockerfile's folder).")
@click.option("--platform", "platforms", multiple=True,
              help="Target platforms (default: those the log names, else the config's).")
@click.option("--build-platform", help="Platform of the machine that built (default: what the log shows, "
              "else the config's, else this machine's).")
@click.option("--format", "fmt", type=click.Choice(list(REPORT_FORMATS)), default="text", show_default=True,
              help="Report format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE (the text report still goes to stdout).")
@click.option("--max-emulated-seconds", type=float, help="Exit 1 when emulated work exceeds this many seconds.")
@click.option("--fail-on-emulation", is_flag=True, help="Exit 1 when any step ran under emulation.")
@click.option("--no-check", is_flag=True, help="Do not run the static check on the Dockerfile.")
def report_command(log: str, dockerfile: Path | None, context: Path | None, platforms: tuple[str, ...],
                   build_platform: str | None, fmt: str, output: Path | None, max_emulated_seconds: float | None,
                   fail_on_emulation: bool, no_check: bool) -> None:
    """Report where the time of a build went, from its saved progress stream (LOG, or - for stdin).

    LOG is what `docker buildx build --progress=rawjson ... 2> build.json` writes. Exit 0: the build
    succeeded and passed the gates; 1: the build failed or a gate failed; 2: unreadable log or bad usage.
    """
    from xlint.build.assemble import apply_gates, assemble, emit, log_facts, shown_path, static_findings
    from xlint.build.engine import host_platform
    from xlint.build.progress import LogError, read_log
    from xlint.build.steps import native_platforms

    if dockerfile is not None and not dockerfile.is_file():
        _fail(f"{dockerfile}: no such Dockerfile")
    if context is not None and not context.is_dir():
        _fail(f"{context}: build context is not a directory")
    plats = _platforms(platforms, "--platform")
    if build_platform:
        build_platform = _platforms((build_platform,), "--build-platform")[0]
    if output is not None and log != "-" and Path(log).resolve() == output.resolve():
        _fail(f"{output}: -o would overwrite the log it reads")
    name, data = _read(log)
    try:
        progress = read_log(data)
    except LogError as err:
        _fail(f"{name}:{err}")

    config = None
    instructions: list[InstructionLike] = []
    if dockerfile is not None:
        from xlint.build.dockerfile import read_instructions
        from xlint.config import ConfigError, config_for

        try:
            config = config_for(str(dockerfile))
        except ConfigError as err:
            _fail(str(err))
        instructions = list(read_instructions(dockerfile.read_text(encoding="utf-8", errors="surrogateescape"),
                                              str(dockerfile)))
    targets, logged_build_platform, logged_dockerfile = log_facts(progress, instructions)
    bp = build_platform or logged_build_platform or (config.build_platform if config else None) or host_platform()
    plats = plats or targets or list((config.platforms if config else None) or []) or [bp]
    shown = shown_path(dockerfile) if dockerfile is not None else (logged_dockerfile or "Dockerfile")
    failed = progress.failed()
    errors = [t for t in progress.text if t.startswith("ERROR")]
    ok = not failed and not errors
    error = "" if ok else (errors[-1] if errors else f"step failed: {failed[0].name}: {failed[0].error}")
    start, end = progress.started, progress.completed
    wall = (end - start).total_seconds() if start and end else 0.0
    report = assemble(
        progress,
        dockerfile=dockerfile,
        shown=shown,
        platforms=plats,
        build_platform=bp,
        native=native_platforms([bp]),
        builder="",
        engine="buildx",
        context=str(context or (dockerfile.parent if dockerfile else "")),
        ok=ok,
        wall_seconds=wall,
        error=error,
        source=name,
    )
    if dockerfile is not None and not no_check:
        findings = static_findings(dockerfile, plats, bp, context.resolve() if context else None)
        if findings:
            report.attach_findings(findings)
    if ok:
        apply_gates(report, max_emulated_seconds, fail_on_emulation)
    written = emit(report, fmt, output, text_to_stdout=True)
    if not written:
        sys.exit(2)
    if not ok:
        click.echo(f"xlint: the build in {name} failed: {error}", err=True)
        sys.exit(1)
    for g in report.gate_failures:
        click.echo(f"xlint: gate failed: {g}", err=True)
    if report.gate_failures:
        sys.exit(1)
