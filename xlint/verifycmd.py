"""``xlint verify IMAGE``: exit 0 ok, 1 a check failed, 2 unreadable input or usage error."""

from __future__ import annotations

import sys

import click

from xlint.verify import Limits, VerifyInputError, verify_image


def _platforms(values: tuple[str, ...]) -> list[str] | None:
    out = [p.strip() for v in values for p in v.split(",") if p.strip()]
    return out or None


@click.command("verify", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("image")
@click.option("--platform", "platform", multiple=True, metavar="LIST",
              help="Platforms that must be in the image (comma separated or repeated; 'all' = every one "
                   "in the index). Default: linux/amd64,linux/arm64.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--insecure", is_flag=True, help="Plain HTTP to the registry (always for 127.0.0.1/localhost).")
@click.option("--run", "run", is_flag=True, help="Also run the entrypoint with --version per platform (docker run --platform).")
@click.option("--allow", multiple=True, metavar="GLOB", help="Paths exempt from the ELF architecture check (e.g. '/usr/lib/firmware/*').")
@click.option("--max-size", type=int, default=Limits.max_uncompressed, show_default=True,
              help="Limit on the uncompressed bytes of one image's layers.")
@click.option("--max-ratio", type=float, default=Limits.max_ratio, show_default=True,
              help="Limit on a layer's uncompressed/compressed ratio (decompression bombs).")
@click.option("--run-arg", "run_arg", multiple=True, metavar="ARG",
              help="With --run: the arguments to start the entrypoint with (repeat; default: --version).")
def verify_command(image: str, platform: tuple[str, ...], fmt: str, insecure: bool, run: bool,
                   allow: tuple[str, ...], max_size: int, max_ratio: float, run_arg: tuple[str, ...]) -> None:
    """Prove a multi-arch IMAGE: an OCI archive, an OCI layout directory or a registry reference.

    Checks one image per platform, index platform = config platform, no ELF file of another
    architecture, every ELF interpreter present, ENTRYPOINT/CMD program present and of the right arch.
    """
    limits = Limits(max_uncompressed=max_size, max_ratio=max_ratio)
    try:
        result = verify_image(image, _platforms(platform), insecure=insecure, run=run, limits=limits,
                              allow=list(allow), run_args=list(run_arg) or None)
    except VerifyInputError as e:
        click.echo(f"xlint verify: error: {e}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    click.echo(result.render_json() if fmt == "json" else result.render_text(), nl=False)
    sys.exit(0 if result.ok else 1)
