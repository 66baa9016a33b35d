"""Command line: ``xlint check|fix|rules|explain|build|verify``."""

from __future__ import annotations

import click

from xlint import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xlint")
def main() -> None:
    """Find QEMU-emulated work and multi-arch bugs in Dockerfiles; fix, build and verify."""


def _register_optional() -> None:
    # build/verify live in their own modules (xlint/buildcmd.py, xlint/verifycmd.py)
    try:
        from xlint.buildcmd import build_command

        main.add_command(build_command, "build")
    except ImportError:
        pass
    try:
        from xlint.verifycmd import verify_command

        main.add_command(verify_command, "verify")
    except ImportError:
        pass


_register_optional()
