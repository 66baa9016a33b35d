"""Package-manager installs: the packages a command installs, which of them make a compiler toolchain,
and whether a compiler is there for a step of a stage (``pip install`` after ``apt-get install gcc``)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping

from xlint.invocation import Invocation, invocation
from xlint.model import Model, Stage, earlier_instructions, root_image
from xlint.rx import rx
from xlint.shell import SimpleCommand, Word, assignments, run_commands
from xlint.syntax.tree import Instruction

_PM_INSTALL = {
    "apt-get": {"install"},
    "apt": {"install"},
    "aptitude": {"install"},
    "apk": {"add"},
    "dnf": {"install", "groupinstall", "group"},
    "yum": {"install", "groupinstall", "group"},
    "microdnf": {"install"},
    "tdnf": {"install"},
    "zypper": {"install", "in"},
}
_PM_VALUE_FLAGS = frozenset({"-o", "-t", "--target-release", "--repository", "-X", "--virtual", "--setopt",
                             "--enablerepo", "--disablerepo", "--installroot", "--releasever", "-r", "--repo",
                             "--root", "-p", "--arch"})
_V = r"(?:\d+)?(?:-\d+(?:\.\d+)*)?"  # gcc13, gcc-12, clang-3.9
_TOOLCHAIN_PKG = rx(
    rf"^(?:build-essential|build-base|alpine-sdk|gcc{_V}|g\+\+{_V}(?:-multilib)?|gcc-c\+\+|c\+\+"
    rf"|clang{_V}|clang\+\+{_V}"
    r"|golang(?:-.*)?|go|rustc|cargo|rust|rustup"
    r"|.*-jdk(?:-headless)?|openjdk\d*(?:-jdk.*)?|java-[\d.]+-openjdk-devel|maven|gradle"
    r"|dotnet-sdk.*|dotnet\d*-sdk.*"
    r"|@?development[- ]tools|development|c-development|devel_basis|devel_c_c\+\+"  # yum/dnf groups, zypper
    r"|crossbuild-essential-.*|(?:gcc|g\+\+)(?:-\d+(?:\.\d+)*)?-[a-z0-9_]+-linux-.*)$",
    re.I,
)
# C library headers: a toolchain when the stage's image already has the compiler (``rust:alpine`` + musl-dev)
_LIBC_HEADERS = frozenset({"musl-dev", "libc-dev", "libc6-dev", "glibc-devel"})
_COMPILER_IMAGES = frozenset({"rust", "golang", "gcc", "buildpack-deps"})


def compiler_image(image: str) -> bool:
    """An official image that ships a compiler (``rust:1.79-alpine``, ``golang:1.22``, ``gcc:14``)."""
    ref = image.split("@", 1)[0].removeprefix("docker.io/").removeprefix("library/")
    return ref.split(":", 1)[0] in _COMPILER_IMAGES


def package_manager_install(cmd: SimpleCommand) -> tuple[Invocation, list[Word]] | None:
    """The package words of an install command (``apt-get install -y gcc make``), or None."""
    inv = invocation(cmd)
    if inv is None or inv.tool not in _PM_INSTALL:
        return None
    words = inv.args
    i = 0
    sub_found = False
    pkgs: list[Word] = []
    while i < len(words):
        v = words[i].value
        if v is None:
            if sub_found:
                pkgs.append(words[i])  # a package list in a variable, or a dynamic name
            i += 1
            continue
        if v.startswith("-"):
            i += 2 if v in _PM_VALUE_FLAGS else 1
            continue
        if not sub_found:
            if v not in _PM_INSTALL[inv.tool]:
                return None
            sub_found = True
            if v == "group" and (i + 1 >= len(words) or words[i + 1].value != "install"):
                return None  # `dnf group list`
            if v == "group":
                i += 1
        else:
            pkgs.append(words[i])
        i += 1
    if not sub_found:
        return None
    return inv, pkgs


def package_name(word: str) -> str:
    """``gcc=4:12.2`` / ``gcc:arm64`` / ``gcc>=12`` -> ``gcc``."""
    return re.split(r"[=:<>~]", word, maxsplit=1)[0]


def toolchain_packages(cmd: SimpleCommand, values: Mapping[str, str] | None = None,
                       compiler_base: bool = False) -> list[Word]:
    """The compiler toolchain packages an install command installs (empty for other commands). ``values``
    expands package lists held in variables (``apk add $PHPIZE_DEPS``); ``compiler_base``: the stage's
    image has a compiler, so C library headers complete a toolchain."""
    found = package_manager_install(cmd)
    if found is None:
        return []
    words: list[Word] = []
    for w in found[1]:
        if w.value is None and values:
            name = lone_reference(w.raw)
            if name is not None and name in values:
                words.extend(Word(w.raw, pkg, w.span) for pkg in values[name].split())
                continue
        words.append(w)
    out = []
    for w in words:
        if w.value is None:
            continue
        name = package_name(w.value)
        if _TOOLCHAIN_PKG.match(name) or (compiler_base and name in _LIBC_HEADERS):
            out.append(w)
    return out


_LONE_REF = rx(r"""^(["']?)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))\1$""")


def lone_reference(raw: str, quoted: bool = False) -> str | None:
    """The variable a shell word is made of (``$NAME``, ``${NAME}``; also ``"$NAME"`` with ``quoted``)."""
    m = _LONE_REF.match(raw)
    if m is None or (m.group(1) and not quoted):
        return None
    return m.group(2) or m.group(3)


def known_values(model: Model, stage: Stage, instr: Instruction, before: SimpleCommand) -> dict[str, str]:
    """Literal values of the variables in force for a command: ARG/ENV of the stage chain and shell
    assignments earlier in the same RUN (``buildDeps='gcc make'; apt-get install $buildDeps``)."""
    out = {k: v for k, v in model.env_before(stage, instr).items() if isinstance(v, str)}
    for a in assignments(instr):
        if a.span.start < before.span.start and a.value is not None:
            out[a.name] = a.value
    return out


# images whose default variant is Debian's buildpack-deps, with gcc and make (the -slim/-alpine ones have none)
_FULL_IMAGES = frozenset({"ruby", "python", "node", "php"})


def has_compiler(model: Model, stage: Stage, before: Instruction) -> bool:
    """A C compiler is there for ``before``: the chain's image ships one (``gcc``, ``rust``, full ``ruby``),
    or an earlier RUN of the chain installed a toolchain."""
    image = root_image(model, stage)
    ref = image.split("@", 1)[0].removeprefix("docker.io/").removeprefix("library/")
    repo, _, tag = ref.partition(":")
    if compiler_image(image) or (repo in _FULL_IMAGES and not any(v in tag for v in ("slim", "alpine"))):
        return True
    return installs_compiler(model, stage, before)


def installed_packages(instructions: Iterable[Instruction]) -> Iterator[str]:
    """The package names that the package-manager installs of these RUN instructions name, in order
    (literal words only: ``apt-get install -y gcc=4:12.2 $EXTRA`` gives ``gcc``)."""
    for ins in instructions:
        if ins.keyword != "RUN":
            continue
        for c in run_commands(ins):
            found = package_manager_install(c)
            for w in found[1] if found is not None else ():
                if w.value is not None:
                    yield package_name(w.value)


_DEV_PACKAGE = rx(r"^lib[\w.+-]+-(?:dev|devel)$")


def installs_dev_headers(model: Model, stage: Stage, before: Instruction) -> bool:
    """An earlier RUN of ``stage`` itself installs a library's development files (``libseccomp-dev``,
    ``libffi-devel``): headers are there to compile against."""
    earlier = itertools.takewhile(lambda ins: ins is not before, stage.instructions)
    return any(_DEV_PACKAGE.match(name) for name in installed_packages(earlier))


def installs_compiler(model: Model, stage: Stage, before: Instruction) -> bool:
    """An earlier RUN of the stage chain, or the RUN ``before`` itself ahead of the command, installs a
    compiler toolchain (``apt-get install build-essential`` before ``pip install``)."""
    installed = False
    for st, ins in [*earlier_instructions(model, stage, before), (stage, before)]:
        if ins.keyword != "RUN":
            continue
        for c in run_commands(ins):
            if package_manager_install(c) is not None and toolchain_packages(c, known_values(model, st, ins, c)):
                installed = True
            elif installed and ins is not before and removes_packages(c):
                installed = False  # `apk del .build-deps`, `apt-get purge -y gcc` in the same or a later RUN
    return installed


_PM_REMOVE = {"apk": {"del"}, "apt-get": {"purge", "remove", "autoremove"}, "apt": {"purge", "remove", "autoremove"},
              "dnf": {"remove"}, "yum": {"remove"}}


def removes_packages(cmd: SimpleCommand) -> bool:
    """``apk del``, ``apt-get purge|remove|autoremove``, ``dnf|yum remove``."""
    inv = invocation(cmd)
    if inv is None or inv.tool not in _PM_REMOVE:
        return False
    return any(v in _PM_REMOVE[inv.tool] for v in inv.values() if not v.startswith("-"))
