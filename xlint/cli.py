"""Command line: ``xlint check|fix|rules|explain|build|report|verify|lsp``.

Bad input never gives a traceback: one line on stderr and exit 2.
"""

from __future__ import annotations

import sys

import click

from xlint import __version__
from xlint.checkargs import FORMATS, THRESHOLDS
from xlint.checkrun import (
    check_command,
    file_rules,
    input_files,
    make_selection,
    read_input,
)
from xlint.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, InputError

__all__ = ["EXIT_CLEAN", "EXIT_ERROR", "EXIT_FINDINGS", "InputError", "cli", "main"]


class _LazyGroup(click.Group):
    """Commands whose modules are heavy (build, report, verify, lsp) are imported only when used."""

    lazy = {"build": ("xlint.buildcmd", "build_command"), "report": ("xlint.reportcmd", "report_command"),
            "verify": ("xlint.verifycmd", "verify_command"), "lsp": ("xlint.lsp.command", "lsp_command")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            import importlib

            module, attr = self.lazy[cmd_name]
            try:
                command: click.Command = getattr(importlib.import_module(module), attr)
            except ImportError as exc:
                raise InputError(f"`xlint {cmd_name}` is not available: {exc}") from None
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xlint")
def cli() -> None:
    """Find QEMU-emulated work and multi-arch bugs in Dockerfiles; fix, build and verify images."""


def main(argv: list[str] | None = None) -> None:
    """Console script entry: click errors become one line and exit 2."""
    try:
        rv = cli.main(args=argv, prog_name="xlint", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("xlint: aborted", err=True)
        sys.exit(EXIT_ERROR)
    except InputError as exc:
        exc.show()
        sys.exit(EXIT_ERROR)
    except click.ClickException as exc:
        ctx_cmd = ""
        ctx = getattr(exc, "ctx", None)
        if ctx is not None and ctx.command_path:
            ctx_cmd = f" (see `{ctx.command_path} --help`)"
        click.echo(f"xlint: error: {exc.format_message()}{ctx_cmd}", err=True)
        sys.exit(EXIT_ERROR)
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
    sys.exit(rv if isinstance(rv, int) else 0)


_common = [
    click.option("--select", multiple=True, help="Rule codes or prefixes to enable (comma-separated)."),
    click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable (comma-separated)."),
    click.option("--platform", "platform", multiple=True,
                 help="Target platforms, e.g. linux/amd64,linux/arm64 (default: config, else those two)."),
    click.option("--build-platform", help="Platform of the machine that builds (default: this machine's)."),
    click.option("--target", help="Build target stage (default: the last stage)."),
    click.option("--context", type=click.Path(file_okay=False), help="Build context folder (default: the Dockerfile's)."),
    click.option("--config", type=click.Path(dir_okay=False), help="Use this .xlint.yaml or pyproject.toml."),
]


def common_options(fn):  # type: ignore[no-untyped-def]
    for opt in reversed(_common):
        fn = opt(fn)
    return fn


@cli.command()
@click.argument("paths", nargs=-1)
@common_options
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              default="text",
              show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE.")
@click.option("--failure-threshold", type=click.Choice(THRESHOLDS),
              help="Lowest severity that makes the exit code 1 (default: config, else info).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--stdin-filename", help="Name to report for `-`.")
@click.option("--color/--no-color", default=None, help="Colour the text output (default: on a terminal).")
@click.option("--resolve/--no-resolve", default=None,
              help="XL302: look up base images in their registries (default: config `resolve`, else off).")
@click.option("--offline", is_flag=True, help="With --resolve: answer from the on-disk cache only.")
@click.option("--no-cache", is_flag=True, help="Check every file again: read and write no cached results.")
@click.option("--cache-dir", type=click.Path(file_okay=False),
              help="Results cache folder (default: $XLINT_CACHE_DIR/check, else .xlint_cache/ in the project root).")
def check(paths: tuple[str, ...], select: tuple[str, ...], ignore: tuple[str, ...], platform: tuple[str, ...],
          build_platform: str | None, target: str | None, context: str | None, config: str | None, fmt: str,
          output: str | None, failure_threshold: str | None, exit_zero: bool, stdin_filename: str | None,
          color: bool | None, resolve: bool | None, offline: bool, no_cache: bool, cache_dir: str | None) -> int:
    """Check Dockerfiles, Kubernetes/Compose/workflow YAML (files, directories, or - for stdin)."""
    return check_command(paths, select, ignore, platform, build_platform, target, context, config, fmt, output,
                         failure_threshold, exit_zero, stdin_filename, color, resolve, offline, no_cache, cache_dir)




@cli.command()
@click.argument("paths", nargs=-1)
@common_options
@click.option("--unsafe-fixes", is_flag=True, help="Also apply structural (unsafe) fixes.")
@click.option("--diff", is_flag=True, help="Print a unified diff and write nothing (exit 1 if there is one).")
@click.option("--image", help="XL401: the multi-arch image reference merged workloads use.")
def fix(paths: tuple[str, ...], select: tuple[str, ...], ignore: tuple[str, ...], platform: tuple[str, ...],
        build_platform: str | None, target: str | None, context: str | None, config: str | None,
        unsafe_fixes: bool, diff: bool, image: str | None) -> int:
    """Apply fixes in place (safe ones; --unsafe-fixes for structural ones)."""
    import difflib

    from xlint.files import atomic_write
    from xlint.fixes.engine import fix_text, why_not
    from xlint.syntax import DockerfileSyntaxError
    from xlint.workloads import cli as project_cli

    sel = make_selection(select, ignore, platform, build_platform, config)
    files, _explicit_yaml = project_cli.partition(input_files(paths))
    results = []
    for path in files:
        display, data = read_input(path)
        opts, rules, _cfg = file_rules(path, sel, context, target)
        text = data.decode("utf-8", "surrogateescape")
        try:
            res = fix_text(text, display, opts, rules, unsafe=unsafe_fixes)
        except DockerfileSyntaxError as err:
            raise InputError(f"{display}:{err.line}:{err.column}: XL901 {err.message}") from None
        results.append((path, display, text, res))
    yamls = project_cli.yaml_files(list(paths) or ["."])
    project = None
    if yamls or len(files) > 1:
        try:
            project, yaml_originals = project_cli.fix_paths({d: r.text for _p, d, _t, r in results}, yamls,
                                                            lambda p: file_rules(p, sel, context, target)[:2],
                                                            unsafe_fixes, image)
        except ValueError as exc:
            raise InputError(str(exc)) from None
    exit_code = EXIT_CLEAN
    for path, display, text, res in results:
        if diff:
            if res.text != text:
                exit_code = EXIT_FINDINGS
                click.echo("".join(difflib.unified_diff(
                    text.splitlines(keepends=True), res.text.splitlines(keepends=True),
                    fromfile=display if display.startswith("/") else f"a/{display}",
                    tofile=display if display.startswith("/") else f"b/{display}")), nl=False)
            continue
        if path == "-":
            sys.stdout.buffer.write(res.text.encode("utf-8", "surrogateescape"))
        elif res.text != text:
            try:
                atomic_write(path, res.text.encode("utf-8", "surrogateescape"))
            except PermissionError:
                raise InputError(f"{display}: file is read-only; nothing was written") from None
            except OSError as exc:
                raise InputError(f"{display}: cannot write: {exc.strerror}") from None
    if project is not None:
        try:
            if project_cli.apply(project, yaml_originals, diff, sys.stdout) and diff:
                exit_code = EXIT_FINDINGS
        except OSError as exc:
            raise InputError(f"{exc.filename}: cannot write: {exc.strerror}") from None
    out = sys.stderr if (diff or "-" in files) else sys.stdout
    for _path, display, _text, res in results:
        for d in res.applied:
            verb = "would fix" if diff else "fixed"
            click.echo(f"{display}:{d.line}:{d.column}: {verb} {d.code} {d.fix.title if d.fix else ''}".rstrip(),
                       file=out)
        for d, why in res.dropped:
            click.echo(f"{display}:{d.line}:{d.column}: not fixed {d.code}: {why}", file=out)
    remaining = [(d, res.why_not(d)) for *_x, res in results for d in res.remaining]
    n_fixed = sum(len(r.applied) for *_x, r in results)
    if project is not None:
        for d in project.applied:
            click.echo(f"{d.path}:{d.line}:{d.column}: {'would fix' if diff else 'fixed'} {d.code} "
                       f"{d.fix.title if d.fix else ''}".rstrip(), file=out)
        for d, why in project.dropped:
            click.echo(f"{d.path}:{d.line}:{d.column}: not fixed {d.code}: {why}", file=out)
        remaining += [(d, why_not(d, project.dropped)) for d in project.remaining]
        n_fixed += len(project.applied)
    verb = "would fix" if diff else "fixed"
    click.echo(f"{n_fixed} {verb}, {len(remaining)} remaining.", file=out)
    for d, why in remaining:
        how = " (unsafe fix available: --unsafe-fixes)" if d.fix and d.fix.applicability == "unsafe" else ""
        click.echo(f"  {d.path}:{d.line}:{d.column}: {d.code} {d.message}{how}", file=out)
        if why:
            click.echo(f"    not fixed: {why}", file=out)
    return exit_code


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
def rules_cmd(fmt: str) -> int:
    """List every rule."""
    import json

    from xlint.rule import all_rules

    rules = all_rules()
    if fmt == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity,
                                "fix": r.fix_applicability if r.fix_available else None} for r in rules], indent=2))
    elif fmt == "markdown":
        click.echo(rules_table())
    else:
        for r in rules:
            fixmark = {"safe": "fix", "unsafe": "unsafe fix"}.get(r.fix_applicability or "", "")
            if fixmark and not r.fix_available:
                fixmark += " (planned)"
            click.echo(f"{r.code}  {r.name:<40} {r.severity:<8} {fixmark}".rstrip())
    return EXIT_CLEAN


def _summary(doc: str) -> str:
    """The first sentence of a rule's "What it does" section (a period inside backticks doesn't end it)."""
    what = doc.split("## What it does", 1)[-1].split("\n\n", 1)[0] if "## What it does" in doc else doc
    what = " ".join(what.split())
    in_code = False
    for i, ch in enumerate(what):
        if ch == "`":
            in_code = not in_code
        elif ch == "." and not in_code and (i + 1 == len(what) or what[i + 1] in " :"):
            return what[: i + 1]
        elif ch == ":" and not in_code and i + 1 < len(what) and what[i + 1] == " " and i > 40:
            return what[:i] + "."
    return what[:-1] + "." if what.endswith(":") else what


def rules_table() -> str:
    from xlint.rule import all_rules

    rows = ["| Code | Name | Severity | Fix | What it finds |", "|---|---|---|---|---|"]
    for r in all_rules():
        fixmark: str = r.fix_applicability or "-"
        if r.fix_applicability and not r.fix_available:
            fixmark += " (planned)"
        first = _summary(r.doc()).replace("|", "\\|")
        rows.append(f"| {r.code} | `{r.name}` | {r.severity} | {fixmark} | {first} |")
    return "\n".join(rows)


@cli.command()
@click.argument("code")
def explain(code: str) -> int:
    """Print a rule's documentation and examples."""
    from xlint.rule import rule_by_code, rule_page

    rule = rule_by_code(code)
    if rule is None:
        raise InputError(f"unknown rule '{code}' (see `xlint rules`)")
    click.echo(rule_page(rule), nl=False)
    return EXIT_CLEAN
