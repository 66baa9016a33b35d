"""Facts about published base images that the checker and the fix engine share."""

from __future__ import annotations

import re

from xlint.model import Model, Stage, root_image
from xlint.rx import rx
from xlint.toolchains import emulated_platforms

# Official images whose old tags were published for amd64 alone (before Docker Hub's multi-arch indexes, or
# never ported): (repository, tag pattern, why).
LEGACY: list[tuple[str, re.Pattern[str], str]] = [
    ("ubuntu", rx(r"^(?:12\.04|12\.10|13\.04|13\.10|precise|quantal|raring|saucy)(?:[.-].*)?$"),
     "Ubuntu's arm64 images start with 14.04"),
    ("debian", rx(r"^(?:6|7|squeeze|wheezy)(?:[.-].*)?$"), "Debian's arm64 port starts with 8 (jessie)"),
    ("centos", rx(r"^(?:5|6)(?:[.-].*)?$"), "CentOS publishes arm64 from 7 on"),
    ("golang", rx(r"^1\.[0-7](?:[.-].*)?$"), "Go images older than 1.8 predate multi-arch tags"),
    ("openjdk", rx(r"^.*alpine.*$"), "the openjdk Alpine variants were built for amd64 only"),
    ("microsoft/aspnetcore", rx(r".*"), "the retired microsoft/aspnetcore images are amd64/Windows only"),
    ("microsoft/aspnetcore-build", rx(r".*"), "the retired microsoft/aspnetcore-build images are amd64 only"),
    ("rustembedded/cross", rx(r".*"), "cross's images run on x86_64 hosts only"),
]


def legacy_single_arch(image: str) -> str | None:
    """Why an official image's tag is amd64-only, when it is one we know."""
    ref = image.split("@", 1)[0].removeprefix("docker.io/").removeprefix("library/")
    repo, _, tag = ref.partition(":")
    for name, pattern, why in LEGACY:
        if repo == name and pattern.match(tag or ("" if name.startswith(("microsoft/", "rust")) else "latest")):
            return why
    return None


def single_arch_base(model: Model, stage: Stage) -> str:
    """Why the image stage cannot give the emulated platforms an image at all: its base is an amd64-only
    tag (``ubuntu:12.04``). Splitting the build off would leave that base, so the arm64 build still stops at
    its FROM; the base must change first, a choice (which release) the fix does not make. "" otherwise."""
    image = root_image(model, stage)
    why = legacy_single_arch(image)
    others = [p for p in emulated_platforms(model, stage) if not p.startswith("linux/amd64")]
    if why is None or not others:
        return ""
    return (f"the image's base `{image}` exists for amd64 only ({why}), so the {', '.join(others)} build stops "
            "at its FROM: change the base to a multi-arch one first, then the build can move to a builder stage")
