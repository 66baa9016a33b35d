"""``xlint build [CONTEXT] [-- BUILDX-ARGS...]``: build with BuildKit, report emulation, verify."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from xlint.build.engine import BuildOptions, BuildResult, EngineError
from xlint.build.report import REPORT_FORMATS, BuildReport

DEFAULT_PLATFORMS = ["linux/amd64", "linux/arm64"]


class _PassthroughCommand(click.Command):
    """Everything after ``--`` goes to the engine unchanged."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:
            i = args.index("--")
            ctx.meta["xlint.passthrough"] = args[i + 1 :]
            args = args[:i]
        return super().parse_args(ctx, args)


def _split_platforms(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return out


def _config_platforms(dockerfile: Path) -> list[str] | None:
    try:
        from xlint.config import config_for

        return config_for(str(dockerfile)).platforms
    except Exception:  # noqa: BLE001 - no config module or a bad config: the check reports it
        return None


def _verify(ref: str, platforms: list[str], insecure: bool) -> tuple[bool, str] | None:
    try:
        from xlint.verify import verify_image
    except ImportError:
        return None
    try:
        res: Any = verify_image(ref, platforms, insecure=insecure)
    except Exception as err:  # noqa: BLE001 - verify's own errors are one line
        return False, f"verify: {err}"
    return bool(res.ok), str(res.render_text())


def _report(result: BuildResult, opts: BuildOptions, engine: str) -> BuildReport:
    from xlint.build.assemble import assemble, shown_path
    from xlint.build.steps import native_platforms

    native: set[str] = set()
    for node in result.builder_nodes:
        native |= native_platforms(node)
    if not native:
        native = {result.build_platform}
    return assemble(
        result.progress,
        dockerfile=opts.dockerfile,
        shown=shown_path(opts.dockerfile),
        platforms=opts.platforms,
        build_platform=result.build_platform,
        native=native,
        builder=result.builder,
        engine=engine,
        context=str(opts.context),
        ok=result.ok,
        wall_seconds=result.wall_seconds,
        output=result.output,
        error=result.error,
    )


def _print_failure(result: BuildResult) -> None:
    for v in result.progress.failed():
        click.echo(f"xlint: step failed: {v.name}", err=True)
        logs = v.log_text().splitlines()
        for line in logs[-40:]:
            click.echo(f"  | {line}", err=True)
    for line in result.progress.text:
        click.echo(line, err=True)


@click.command(
    "build",
    cls=_PassthroughCommand,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.argument("context", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("-f", "--file", "dockerfile", type=click.Path(dir_okay=False, path_type=Path),
              help="Dockerfile (default: CONTEXT/Dockerfile).")
@click.option("--platform", "platforms", multiple=True,
              help="Target platforms, comma separated or repeated (default: config, else linux/amd64,linux/arm64).")
@click.option("-t", "--tag", "tags", multiple=True, help="Image name and tag (repeatable).")
@click.option("--push", is_flag=True, help="Push the result (needs -t); verify then reads the registry.")
@click.option("--output", "outputs", multiple=True, help="buildx --output spec (default: dist/<name>.oci.tar).")
@click.option("--builder", help="buildx builder (e.g. a multi-node builder with native arm64 nodes).")
@click.option("--build-arg", "build_args", multiple=True, help="KEY=VALUE (repeatable).")
@click.option("--build-context", "build_contexts", multiple=True,
              help="NAME=SOURCE, e.g. golang:1.22=oci-layout:///path:tag (repeatable).")
@click.option("--target", help="Stage to build.")
@click.option("--no-cache", is_flag=True, help="Do not use the build cache.")
@click.option("--provenance", help="buildx --provenance value (e.g. false, mode=max).")
@click.option("--engine", type=click.Choice(["buildx", "buildah"]), default="buildx", show_default=True)
@click.option("--dist", type=click.Path(file_okay=False, path_type=Path), default=Path("dist"), show_default=True,
              help="Where the default OCI archive goes.")
@click.option("--report", "report_format", type=click.Choice(list(REPORT_FORMATS)), default="text",
              show_default=True, help="Report format (to stdout, or to --report-file).")
@click.option("--report-file", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--max-emulated-seconds", type=float, help="Exit 1 when emulated work exceeds this many seconds.")
@click.option("--fail-on-emulation", is_flag=True, help="Exit 1 when any step ran under emulation.")
@click.option("--no-check", is_flag=True, help="Skip the static check before the build.")
@click.option("--no-verify", is_flag=True, help="Skip verifying the result.")
@click.option("--insecure", is_flag=True, help="Verify a pushed image over plain HTTP.")
@click.option("--build-platform", help="The build machine's platform for the static check (default: the builder's).")
@click.option("--rawjson-file", type=click.Path(dir_okay=False, path_type=Path),
              help="Save BuildKit's raw progress stream (rawjson) here.")
@click.option("-q", "--quiet", is_flag=True, help="No live progress.")
@click.pass_context
def build_command(
    ctx: click.Context,
    context: Path,
    dockerfile: Path | None,
    platforms: tuple[str, ...],
    tags: tuple[str, ...],
    push: bool,
    outputs: tuple[str, ...],
    builder: str | None,
    build_args: tuple[str, ...],
    build_contexts: tuple[str, ...],
    target: str | None,
    no_cache: bool,
    provenance: str | None,
    engine: str,
    dist: Path,
    report_format: str,
    report_file: Path | None,
    max_emulated_seconds: float | None,
    fail_on_emulation: bool,
    no_check: bool,
    no_verify: bool,
    insecure: bool,
    build_platform: str | None,
    rawjson_file: Path | None,
    quiet: bool,
) -> None:
    """Build CONTEXT for several platforms with BuildKit, report where each step ran, verify the image.

    Drives `docker buildx build --progress=rawjson`. Arguments after `--` are passed to the engine.
    Exit 0: built (and verified); 1: build, gate or verify failed; 2: engine missing or bad usage.
    """
    extra: list[str] = list(ctx.meta.get("xlint.passthrough", []))
    dockerfile = dockerfile or context / "Dockerfile"
    if not dockerfile.is_file():
        click.echo(f"xlint: error: Dockerfile not found: {dockerfile}", err=True)
        sys.exit(2)
    if not context.is_dir():
        click.echo(f"xlint: error: build context is not a directory: {context}", err=True)
        sys.exit(2)
    if push and not tags:
        click.echo("xlint: error: --push needs -t/--tag", err=True)
        sys.exit(2)
    plats = _split_platforms(platforms) or _config_platforms(dockerfile) or list(DEFAULT_PLATFORMS)
    from xlint.expand import platform_error

    for flag, values in (("--platform", plats), ("--build-platform", [build_platform] if build_platform else [])):
        problem = next((e for e in map(platform_error, values) if e), None)
        if problem:
            click.echo(f"xlint: error: {flag}: {problem}", err=True)
            sys.exit(2)
    opts = BuildOptions(
        context=context,
        dockerfile=dockerfile,
        platforms=plats,
        tags=list(tags),
        push=push,
        outputs=list(outputs),
        builder=builder,
        build_args=list(build_args),
        build_contexts=list(build_contexts),
        target=target,
        no_cache=no_cache,
        provenance=provenance,
        extra=extra,
        dist=dist,
        rawjson_file=rawjson_file,
    )
    from xlint.build.assemble import apply_gates, emit, static_findings
    from xlint.build.display import Display
    from xlint.build.engine import host_platform

    if not no_check:
        findings = static_findings(dockerfile, plats, build_platform or host_platform())
    else:
        findings = None
    emulation = [f for f in findings or [] if f.code.startswith("XL1")]
    for f in emulation:
        where = f"{dockerfile}:{f.line}" if f.line else str(dockerfile)
        click.echo(f"{where}: {f.code} {f.message}", err=True)

    display = Display(quiet=quiet)
    try:
        if engine == "buildah":
            from xlint.build.buildah import run_build as run_buildah

            result = run_buildah(opts, display.update)
        else:
            from xlint.build.buildx import run_build

            result = run_build(opts, display.update)
    except EngineError as err:
        display.finish()
        click.echo(f"xlint: error: {err}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        display.finish()
        click.echo("xlint: interrupted", err=True)
        sys.exit(130)
    display.finish()

    report = _report(result, opts, engine)
    if findings:
        report.attach_findings(findings)
    if not result.ok:
        _print_failure(result)
    else:
        apply_gates(report, max_emulated_seconds, fail_on_emulation)
        if not no_verify and result.output:
            verified = _verify(result.output, plats, insecure)
            if verified is None:
                click.echo("xlint: verify unavailable in this installation: skipped", err=True)
            else:
                report.verify_ok, report.verify_text = verified
        elif not no_verify:
            click.echo("xlint: nothing to verify (the --output writes no OCI archive or registry image)", err=True)

    emit(report, report_format, report_file, text_to_stdout=True)
    if report.verify_text:
        click.echo(report.verify_text.rstrip("\n"))

    if not result.ok:
        click.echo(f"xlint: build failed: {result.error}", err=True)
        sys.exit(1)
    if report.verify_ok is False:
        click.echo("xlint: verify failed", err=True)
        sys.exit(1)
    if report.gate_failures:
        for g in report.gate_failures:
            click.echo(f"xlint: gate failed: {g}", err=True)
        sys.exit(1)
