"""What a ``make`` run in a RUN step does, read from the Makefile in the build context.

Two questions are answered about the recipes of the targets asked for (and of their prerequisites that
the same Makefile defines): do they run no compiler at all, and do they only drive a JS build (yarn,
npm)? A metadata target (``make version``, ``make entrypoints`` writing a file with ``echo``) is no
compile; anything the reader cannot follow (an
``include``, a recursive ``$(MAKE)``, a target without a recipe that an implicit rule may build, a
variable used as a command) counts as a possible compile.
"""

from __future__ import annotations

import re
from pathlib import Path

from xlint import contextfiles
from xlint.rx import rx

_RULE = rx(r"^([^\s:#=][^:#=]*?)\s*::?(?![=])\s*([^;#]*)")
_COMPILER = rx(
    r"(?:^|[\s;&|(`/])(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+|ld|as|go|cargo|rustc|cmake|meson|ninja|make|"
    r"npm|yarn|pnpm|npx|javac|mvn|gradle|dotnet|pip|pip3|python|python3|configure|tsc|webpack|vite)(?=$|[\s;&|)])"
)
_VARIABLE_COMMAND = rx(r"^\s*[@+-]*\s*\$[({]")  # a recipe line whose command is a variable


def _parse(text: str) -> tuple[dict[str, tuple[list[str], list[str]]], str | None, bool]:
    """Targets -> (prerequisites, recipe lines), the default target, and whether the file includes others."""
    rules: dict[str, tuple[list[str], list[str]]] = {}
    default: str | None = None
    includes = False
    current: list[str] = []
    for raw in text.replace("\\\n", " ").splitlines():
        if raw.startswith("\t"):
            for name in current:
                rules[name][1].append(raw[1:])
            continue
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if re.match(r"^-?s?include\s", line):
            includes = True
            current = []
            continue
        m = _RULE.match(line)
        if m is None:
            current = []
            continue
        names = m.group(1).split()
        prereqs = [p for p in m.group(2).split() if p != "|"]
        current = names
        for name in names:
            rules.setdefault(name, ([], []))[0].extend(prereqs)
            if default is None and not name.startswith(".") and "%" not in name:
                default = name
    return rules, default, includes


def _recipes(makefile: Path, targets: list[str], grouping: bool = False) -> list[str] | None:
    """The recipe lines ``make TARGETS`` can run (their prerequisites' too), or None when the reader cannot
    follow the Makefile (unreadable, an ``include``, a target an implicit rule may build). ``grouping``: a
    target asked for with prerequisites and no recipe (``all: gen server``) only groups them."""
    text = contextfiles.read_text(makefile)
    if text is None:
        return None
    rules, default, includes = _parse(text)
    if includes:
        return None
    todo = list(targets) or ([default] if default else [])
    if not todo:
        return None
    seen: set[str] = set()
    lines: list[str] = []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in rules:
            # a file prerequisite: fine when it exists in the context (nothing to build), else unknown
            if contextfiles.exists(makefile.parent / name):
                continue
            return None
        prereqs, recipe = rules[name]
        if not recipe and name in targets and not (grouping and prereqs):
            return None  # built by an implicit rule, maybe a compile
        lines.extend(recipe)
        todo.extend(prereqs)
    return lines


def runs_no_compiler(makefile: Path, targets: list[str]) -> bool:
    """True only when every recipe ``make TARGETS`` can run is known and calls no compiler."""
    lines = _recipes(makefile, targets)
    if lines is None:
        return False
    return not any(_COMPILER.search(line) or _VARIABLE_COMMAND.match(line) for line in lines)


_JS_TOOL = rx(r"(?:^|[\s;&|(`/])(?:npm|yarn|pnpm|npx|bun|bunx|node|tsc|webpack|vite|esbuild|rollup)"
                      r"(?=$|[\s;&|)])")


def runs_js_build_only(makefile: Path, targets: list[str]) -> bool:
    """True only when every recipe ``make TARGETS`` can run is known, some run a JS tool (npm, yarn,
    pnpm, node, tsc...) and none runs another compiler or build tool: make drives a JS build."""
    lines = _recipes(makefile, targets)
    if lines is None or not any(_JS_TOOL.search(line) for line in lines):
        return False
    return not any(_COMPILER.search(_JS_TOOL.sub(" ", line)) or _VARIABLE_COMMAND.match(line) for line in lines)


_GO_OUTPUT = rx(r"(?:^|[\s;&|(])go\s+build\b[^;&|]*?\s-o\s*=?\s*(\S+)")
_GO_HOST_RUN = rx(r"(?:^|[\s;&|(`])go\s+(?:run|generate|test(?![^;&|]*\s-c\b))\b")


def runs_own_go_tool(makefile: Path, targets: list[str]) -> str | None:
    """A recipe line of ``make TARGETS`` that runs a Go program the same run builds: ``go run``, ``go
    generate`` (its generators), ``go test`` (the test binary), or a program a recipe built with ``go build
    -o FILE`` (``./bin/gen``).
    With GOOS/GOARCH for another platform in make's environment that program is built for it and cannot
    run. None when there is none, or the Makefile cannot be followed."""
    lines = _recipes(makefile, targets, grouping=True)
    if lines is None:
        return None
    built: set[str] = set()
    for line in lines:
        for m in _GO_OUTPUT.finditer(line):
            out = m.group(1).strip("\"'")
            built.add(out.removeprefix("./"))
    for line in lines:
        text = line.strip().lstrip("@+-").strip()
        if _GO_HOST_RUN.search(text):
            return text
        for part in re.split(r"&&|\|\||;|\|", text):
            words = part.split()
            if words and words[0].removeprefix("./") in built:
                return text
    return None
