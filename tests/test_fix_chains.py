"""Editing a RUN's `&&` chain (xlint/fixes/chains.py) and reading a fetch-and-build step
(xlint/fixes/c_split.py): the operators between commands, commands and build packages taken out."""

from __future__ import annotations

import pytest

import xlint
from xlint.fixes.c_split import _paths, _relative_paths, _unpacks_into
from xlint.fixes.chains import drop_build_packages, drop_command, separator
from xlint.fixes.engine import apply_edits, fix_text
from xlint.rule import CheckOptions, all_rules
from xlint.shell import SimpleCommand, run_commands


def _cmds(script: str) -> tuple[str, list[SimpleCommand]]:
    text = f"FROM alpine\nRUN {script}\n"
    run = xlint.parse(text).instructions[1]
    return text, [c for c in run_commands(run) if not set(c.context) - {"|"}]


@pytest.mark.parametrize(("between", "allowed", "expected"), [
    (" && ", ("&&",), "&&"),
    (" \\\n    && ", ("&&", ";"), "&&"),
    (" \\\n    \\\n    && ", ("&&",), "&&"),
    ("; ", ("&&", ";"), ";"),
    (" || ", ("&&", ";"), None),
    (" | ", ("&&",), None),
    (" | ", ("|",), "|"),
    (" > log && ", ("&&",), None),  # a redirection of the command before
])
def test_separator(between: str, allowed: tuple[str, ...], expected: str | None) -> None:
    assert separator(between, "\\", allowed) == expected


def test_drop_command_takes_the_operator_before_it_or_after_it_when_first() -> None:
    text, cmds = _cmds("a \\\n    && b \\\n    && c")
    edit = drop_command(text, "\\", cmds, 1)
    assert edit is not None and apply_edits(text, [edit]) == "FROM alpine\nRUN a \\\n    && c\n"
    edit = drop_command(text, "\\", cmds, 0)
    assert edit is not None and apply_edits(text, [edit]) == "FROM alpine\nRUN b \\\n    && c\n"
    text, cmds = _cmds("a || b")
    assert drop_command(text, "\\", cmds, 1) is None


def test_build_packages_removed_later_leave_with_their_group() -> None:
    text, cmds = _cmds("apk add --no-cache curl && apk add --no-cache --virtual .deps build-base git "
                       "&& curl -o /x https://e.org/x && apk del .deps")
    got = apply_edits(text, drop_build_packages(text, "\\", cmds))
    assert got == "FROM alpine\nRUN apk add --no-cache curl && curl -o /x https://e.org/x\n"


def test_build_packages_stay_when_kept_or_still_used() -> None:
    # not removed later: they stay in the image
    text, cmds = _cmds("apk add --no-cache build-base git && echo done")
    assert drop_build_packages(text, "\\", cmds) == []
    # something left still runs make
    text, cmds = _cmds("apk add --virtual .deps build-base && make -C /x && apk del .deps")
    assert drop_build_packages(text, "\\", cmds) == []
    # apt: only the purged build packages go, the others stay
    text, cmds = _cmds("apt-get install -y ca-certificates git g++ && apt-get purge -y git g++")
    got = apply_edits(text, drop_build_packages(text, "\\", cmds))
    assert got == "FROM alpine\nRUN apt-get install -y ca-certificates && apt-get purge -y git g++\n"


def test_compilers_not_removed_go_only_when_nothing_compiles_later() -> None:
    text, cmds = _cmds("apt-get install -y build-essential make libssl-dev curl && rm -rf /tmp/x")
    assert drop_build_packages(text, "\\", cmds) == []
    dropped: list[str] = []
    got = apply_edits(text, drop_build_packages(text, "\\", cmds, nothing_compiles=True, dropped=dropped))
    # the -dev package stays: it brings the runtime library along
    assert got == "FROM alpine\nRUN apt-get install -y libssl-dev curl && rm -rf /tmp/x\n"
    assert dropped == ["build-essential", "make"]
    text, cmds = _cmds("apk add --no-cache gcc musl-dev && echo ok")
    got = apply_edits(text, drop_build_packages(text, "\\", cmds, nothing_compiles=True))
    assert got == "FROM alpine\nRUN apk add --no-cache musl-dev && echo ok\n"


def test_install_split_keeps_the_compiler_a_later_step_may_use() -> None:
    text = ("FROM python:3.12-slim\n"
            "RUN apt-get update && apt-get install -y gcc make curl \\\n"
            " && mkdir -p /usr/src/lib && curl -fsSL https://e.org/lib.tgz | tar -xz -C /usr/src/lib \\\n"
            " && cd /usr/src/lib && ./configure && make && make install && rm -rf /usr/src/lib\n"
            "RUN pip install --no-cache-dir cffi\n")
    options = CheckOptions(platforms=("linux/amd64", "linux/arm64"), build_platform="linux/amd64")
    got = fix_text(text, "Dockerfile", options, all_rules(), unsafe=True).text
    assert "AS lib-build" in got
    assert "FROM python:3.12-slim\nCOPY --from=lib-build /out/usr/local /usr/local\n" \
           "RUN apt-get update && apt-get install -y gcc make curl && rm -rf /usr/src/lib\n" in got


def test_fetch_paths_and_unpacking() -> None:
    _, (wget,) = _cmds("wget https://e.org/dl/foo-1.2.tar.gz?x=1")
    assert _paths(wget, "/usr/src") == {"/usr/src/foo-1.2.tar.gz"}
    _, (curl,) = _cmds("curl -fsSLo foo.tgz https://e.org/foo.tgz")
    assert _paths(curl, "/tmp") == {"/tmp/foo.tgz"}
    _, (tar,) = _cmds("tar -xzf foo.tgz")
    assert _unpacks_into(tar, "/usr/src") == "/usr/src"
    _, (tar_c,) = _cmds("tar -xzf foo.tgz -C /opt/foo")
    assert _unpacks_into(tar_c, "/usr/src") == "/opt/foo"
    _, (tar_dir,) = _cmds("tar --extract --file foo.tgz --directory=opt")
    assert _unpacks_into(tar_dir, "/srv") == "/srv/opt"
    _, (tar_xc,) = _cmds("tar -xjC /tmp -f foo.tar.bz2")
    assert _unpacks_into(tar_xc, "/") == "/tmp"
    # the top folder stripped: the folder named is the sources' own, not their parent
    _, (strip,) = _cmds("tar -xz -C /opt/foo --strip-components=1")
    assert _unpacks_into(strip, "/") is None
    _, (dyn,) = _cmds('tar -xz -C "$DIR"')
    assert _unpacks_into(dyn, "/") is None
    _, (unzip,) = _cmds("unzip -q foo.zip -d /opt")
    assert _unpacks_into(unzip, "/") == "/opt"
    _, (create,) = _cmds("tar -czf foo.tgz .")
    assert _unpacks_into(create, "/") is None


@pytest.mark.parametrize(("script", "expected"), [
    ("cp libfoo.so /usr/lib/", "libfoo.so"),
    ("install -m 644 doc/foo.1 /usr/share/man/man1/", "doc/foo.1"),
    ("chmod a+x /usr/bin/tool", None),
    ("apk del .build-deps", None),
    ('curl -fsSL -o /usr/bin/tool "https://e.org/${V}/tool"', None),
    ("rm -rf /usr/src/*", None),
    ("./bin/foo --version", "./bin/foo"),
])
def test_relative_paths_after_the_step(script: str, expected: str | None) -> None:
    _, (cmd,) = _cmds(script)
    assert _relative_paths(cmd) == expected


@pytest.mark.parametrize(("head", "why"), [
    ("ARG LIBV\n", "reads `$LIBV`, a build argument without a default"),
    ("", "reads `$LIBV`, which the Dockerfile does not set"),
])
def test_install_split_names_the_variable_of_an_unknown_source_folder(head: str, why: str) -> None:
    text = (f"FROM debian:bookworm-slim\n{head}RUN apt-get update && apt-get install -y build-essential curl \\\n"
            " && curl -fsSL https://e.org/libk-${LIBV}.tar.gz | tar -xz -C /usr/src \\\n"
            " && cd /usr/src/libk-${LIBV} && ./configure && make && make install\n")
    options = CheckOptions(platforms=("linux/amd64", "linux/arm64"), build_platform="linux/amd64")
    result = fix_text(text, "Dockerfile", options, all_rules(), unsafe=True)
    assert result.text == text
    left = [result.why_not(d) for d in result.remaining if d.code == "XL103"]
    assert left and all(why in w for w in left), left
