"""Editing a RUN's `&&` chain: the operator that joins two commands, taking a command out of the chain,
and taking out the build packages that only a removed step used.
"""

from __future__ import annotations

import re

from xlint.diagnostics import Edit
from xlint.packages import removes_packages
from xlint.rx import rx
from xlint.shell import SimpleCommand
from xlint.toolchains import classify, package_manager_install, package_name, toolchain_packages


def separator(text: str, escape: str, allowed: tuple[str, ...]) -> str | None:
    """The operator joining two commands when ``text`` between them is only blanks, continuations and one
    operator of ``allowed`` (``&&``, ``;``, ``|``), else None."""
    blank = rf"(?:[ \t]|{re.escape(escape)}\r?\n|\r?\n)*"
    m = re.fullmatch(rf"{blank}(&&|\|\||;|\|){blank}", text)
    return m.group(1) if m is not None and m.group(1) in allowed else None


_BUILD_ONLY = frozenset({"autoconf", "automake", "libtool", "make", "cmake", "ninja", "ninja-build", "meson", "git",
                         "pkgconf", "pkgconfig", "pkg-config", "linux-headers", "bison", "flex", "m4", "patch"})
_BUILD_TOOL_NAMES = frozenset({"make", "gmake", "cmake", "ninja", "meson", "git", "autoconf", "automake", "autoreconf",
                               "libtoolize", "pkg-config", "pkgconf", "bison", "flex", "m4", "patch"})


# a C compiler or build tool: no program of an image needs one at run time once nothing compiles there
_C_BUILD_ONLY = rx(
    r"^(?:build-essential|build-base|alpine-sdk|gcc(?:-?\d+(?:\.\d+)*)?|g\+\+(?:-?\d+(?:\.\d+)*)?|gcc-c\+\+|c\+\+"
    r"|clang(?:-?\d+(?:\.\d+)*)?|make|cmake|ninja|ninja-build|meson|autoconf|automake|libtool|bison|flex|m4"
    r"|pkg-config|pkgconf|pkgconfig)$")


def drop_build_packages(text: str, esc: str, rest: list[SimpleCommand], nothing_compiles: bool = False,
                        dropped: list[str] | None = None) -> list[Edit]:
    """Edits that drop, from what is left of the RUN, the build packages that only the split-out step used:
    installed, removed again later in the RUN (`apk del .build-deps`, `apt-get purge`), and no command
    left builds or runs them; with ``nothing_compiles`` (no later step of the image compiles) also the C
    compilers and build tools it does not remove (`build-essential`, `make`; not `-dev` packages, which
    bring the runtime libraries along). An install (and an `apk del` of its virtual group) whose packages
    all go is dropped whole. ``dropped`` receives the names of the packages dropped."""
    if any((comp := classify(c)) is not None and comp.produces or c.basename in _BUILD_TOOL_NAMES for c in rest):
        return []
    removed: set[str] = set()
    for c in rest:
        if removes_packages(c):
            removed.update(v for v in c.args() if v is not None and not v.startswith("-"))
    edits: list[Edit] = []
    gone_groups: set[str] = set()
    for k, c in enumerate(rest):
        found = package_manager_install(c)
        if found is None:
            continue
        vals = c.args()
        group = next((vals[i + 1] for i, v in enumerate(vals[:-1]) if v in ("--virtual", "-t")), None)
        drop = [w for w in found[1] if w.value is not None and (
            (group in removed or package_name(w.value) in removed)
            and (_BUILD_ONLY_RE.match(package_name(w.value)) or _toolchain_word(c, w))
            or nothing_compiles and _C_BUILD_ONLY.match(package_name(w.value)))]
        if not drop:
            continue
        if dropped is not None:
            dropped.extend(package_name(w.value or "") for w in drop)
        if len(drop) == len(found[1]):
            edit = drop_command(text, esc, rest, k)
            if edit is not None:
                edits.append(edit)
                if group is not None:
                    gone_groups.add(group)
            continue
        for w in drop:
            start = w.span.start
            while start > 0 and text[start - 1] in " \t":
                start -= 1
            if text[start - 1:start] == "\n" and text[start - 2 - (text[start - 2:start - 1] == "\r"):start].strip(
                    "\r\n") == esc:
                start -= 2 + (text[start - 2:start - 1] == "\r")  # a package on a line of its own
                while start > 0 and text[start - 1] in " \t":
                    start -= 1
            edits.append(Edit(start, w.span.end, ""))
    for k, c in enumerate(rest):
        if removes_packages(c) and [v for v in c.args() if v is not None and not v.startswith("-")][1:] and all(
                v in gone_groups for v in c.args()[1:] if v is not None and not v.startswith("-")):
            edit = drop_command(text, esc, rest, k)
            if edit is not None:
                edits.append(edit)
    return edits


_BUILD_ONLY_RE = rx(r"^(?:" + "|".join(re.escape(n) for n in sorted(_BUILD_ONLY)) + r"|.+-dev|.+-devel)$")


def _toolchain_word(c: SimpleCommand, w: object) -> bool:
    return any(t.span == getattr(w, "span", None) for t in toolchain_packages(c))


def drop_command(text: str, esc: str, cmds: list[SimpleCommand], k: int) -> Edit | None:
    """The edit that removes ``cmds[k]`` from its `&&` chain (with the operator before it, or after it
    when it comes first), or None when it is not joined by `&&`/`;` on that side."""
    c = cmds[k]
    if k > 0 and separator(text[cmds[k - 1].span.end:c.span.start], esc, ("&&", ";")):
        return Edit(cmds[k - 1].span.end, c.span.end, "")
    if k + 1 < len(cmds) and separator(text[c.span.end:cmds[k + 1].span.start], esc, ("&&", ";")):
        return Edit(c.span.start, cmds[k + 1].span.start, "")
    return None


def text_with_edits(text: str, start: int, end: int, edits: list[Edit]) -> str:
    out: list[str] = []
    pos = start
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(text[pos:e.start])
        out.append(e.text)
        pos = e.end
    out.append(text[pos:end])
    return "".join(out)


