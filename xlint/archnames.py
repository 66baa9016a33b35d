"""Architecture vocabularies and arch-literal detection.

Every ecosystem names CPU architectures its own way (tonistiigi/xx ``xx-info``): BuildKit's ``TARGETARCH``
says ``amd64`` where ``uname -m`` says ``x86_64``, Node says ``x64`` and a Rust triple starts with
``x86_64``. The table below maps each BuildKit platform (arch, variant) to the name used by each vocabulary;
the helpers find architecture literals in words (``tool-linux-amd64.tar.gz``, ``x86_64-unknown-linux-gnu``)
and translate between vocabularies.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from xlint.records import record
from xlint.rx import rx

Vocabulary = Literal["targetarch", "uname", "debian", "alpine", "node", "dotnet", "rust"]
VOCABULARIES: tuple[Vocabulary, ...] = ("targetarch", "uname", "debian", "alpine", "node", "dotnet", "rust")

# (TARGETARCH, TARGETVARIANT) -> name in each vocabulary; None where the vocabulary has no such arch.
_TABLE: dict[tuple[str, str], dict[Vocabulary, str | None]] = {
    ("amd64", ""): {"targetarch": "amd64", "uname": "x86_64", "debian": "amd64", "alpine": "x86_64",
                    "node": "x64", "dotnet": "x64", "rust": "x86_64"},
    ("arm64", ""): {"targetarch": "arm64", "uname": "aarch64", "debian": "arm64", "alpine": "aarch64",
                    "node": "arm64", "dotnet": "arm64", "rust": "aarch64"},
    ("arm", "v7"): {"targetarch": "arm", "uname": "armv7l", "debian": "armhf", "alpine": "armv7",
                    "node": "arm", "dotnet": "arm", "rust": "armv7"},
    ("arm", "v6"): {"targetarch": "arm", "uname": "armv6l", "debian": "armel", "alpine": "armhf",
                    "node": "arm", "dotnet": None, "rust": "arm"},
    ("ppc64le", ""): {"targetarch": "ppc64le", "uname": "ppc64le", "debian": "ppc64el", "alpine": "ppc64le",
                      "node": "ppc64", "dotnet": "ppc64le", "rust": "powerpc64le"},
    ("s390x", ""): {"targetarch": "s390x", "uname": "s390x", "debian": "s390x", "alpine": "s390x",
                    "node": "s390x", "dotnet": "s390x", "rust": "s390x"},
    ("386", ""): {"targetarch": "386", "uname": "i686", "debian": "i386", "alpine": "x86",
                  "node": "ia32", "dotnet": "x86", "rust": "i686"},
    ("riscv64", ""): {"targetarch": "riscv64", "uname": "riscv64", "debian": "riscv64", "alpine": "riscv64",
                      "node": "riscv64", "dotnet": "riscv64", "rust": "riscv64gc"},
}

VOCABULARY_LABEL: dict[Vocabulary, str] = {
    "targetarch": "BuildKit/Go (TARGETARCH)",
    "uname": "uname -m",
    "debian": "Debian",
    "alpine": "Alpine",
    "node": "Node.js (process.arch, npm --cpu)",
    "dotnet": ".NET RID",
    "rust": "Rust/GNU target triple",
}


def name_in(vocabulary: Vocabulary, arch: str, variant: str | None = None) -> str | None:
    """The name of BuildKit's ``arch``/``variant`` in ``vocabulary`` (None when unknown there).

    ``arm`` without a variant means ``arm/v7`` (BuildKit's default for ``arm``)."""
    var = variant or ""
    if arch == "arm" and var not in ("v6", "v7"):
        var = "v7"
    if arch != "arm":
        var = ""
    row = _TABLE.get((arch, var))
    return row.get(vocabulary) if row is not None else None


def mismatches(vocabulary: Vocabulary, targets: Sequence[tuple[str, str, str | None]]) -> list[tuple[str, str]]:
    """For each target platform whose TARGETARCH differs from its name in ``vocabulary``:
    ``(TARGETARCH, expected name)``. Empty when ``$TARGETARCH`` happens to be right for every target."""
    out: list[tuple[str, str]] = []
    for _os, arch, variant in targets:
        expected = name_in(vocabulary, arch, variant)
        if expected is not None and expected != arch and (arch, expected) not in out:
            out.append((arch, expected))
    return out


def case_mapping(vocabulary: Vocabulary, var: str = "ARCH") -> str:
    """A shell ``case`` that maps ``$TARGETARCH`` (+ variant) to ``vocabulary``, for hints."""
    parts: list[str] = []
    for (arch, _variant), row in _TABLE.items():
        name = row.get(vocabulary)
        if name is None or arch not in ("amd64", "arm64"):
            continue
        parts.append(f"{arch}) {var}={name};;")
    return 'case "$TARGETARCH" in ' + " ".join(parts) + " esac"


# -- literals -------------------------------------------------------------------------------------------
# Spellings of architectures that appear in file names, URLs, image tags and tool arguments, mapped to
# BuildKit's (arch, variant).
_LITERALS: dict[str, tuple[str, str]] = {
    "amd64": ("amd64", ""),
    "x86_64": ("amd64", ""),
    "x86-64": ("amd64", ""),
    "x64": ("amd64", ""),
    "arm64": ("arm64", ""),
    "aarch64": ("arm64", ""),
    "arm64v8": ("arm64", ""),
    "armv7": ("arm", "v7"),
    "armv7l": ("arm", "v7"),
    "armhf": ("arm", "v7"),
    "arm32v7": ("arm", "v7"),
    "armv6": ("arm", "v6"),
    "armv6l": ("arm", "v6"),
    "armel": ("arm", "v6"),
    "arm32v6": ("arm", "v6"),
    "ppc64le": ("ppc64le", ""),
    "ppc64el": ("ppc64le", ""),
    "s390x": ("s390x", ""),
    "i386": ("386", ""),
    "i686": ("386", ""),
    "riscv64": ("riscv64", ""),
}

LITERAL_SPELLINGS = tuple(_LITERALS)  # (lower case)

# Longest first so that ``x86_64`` wins over a shorter spelling and ``armv7l`` over ``armv7``.
_LITERAL_RE = rx(
    r"(?<![A-Za-z0-9])("
    + "|".join(re.escape(k) for k in sorted(_LITERALS, key=len, reverse=True))
    + r")(?![A-Za-z0-9])",
    re.IGNORECASE,
)


@record(frozen=True)
class ArchLiteral:
    """An architecture literal found in a text: its spelling, offsets and BuildKit arch/variant."""

    text: str
    start: int
    end: int
    arch: str
    variant: str

    @property
    def platform_arch(self) -> str:
        return f"{self.arch}/{self.variant}" if self.variant else self.arch


# The same literals in lower case, without the look-behind: the regex engine then scans for their first
# letters (a look-behind first, or IGNORECASE, makes it try the whole alternation at every position).
_LOWER_LITERAL_RE = rx(
    "(" + "|".join(re.escape(k) for k in sorted(_LITERALS, key=len, reverse=True)) + r")(?![a-z0-9])")


def find_arch_literals(text: str) -> list[ArchLiteral]:
    """Architecture literals delimited by non-alphanumeric characters (``tool_linux_amd64.tgz``,
    ``x86_64-unknown-linux-gnu``, ``linux-x64``). Text inside ``$VAR``/``${...}`` references is skipped."""
    masked = _mask_references(text)
    out: list[ArchLiteral] = []
    if not masked.isascii():  # (lower() keeps ASCII offsets only)
        for m in _LITERAL_RE.finditer(masked):
            arch, variant = _LITERALS[m.group(1).lower()]
            out.append(ArchLiteral(text[m.start(1) : m.end(1)], m.start(1), m.end(1), arch, variant))
        return out
    lowered = masked.lower()
    search = _LOWER_LITERAL_RE.search
    found = search(lowered)
    while found is not None:
        a, b = found.span(1)
        if a and lowered[a - 1].isalnum():  # what _LITERAL_RE's look-behind rejects: go on from a + 1
            found = search(lowered, a + 1)
            continue
        arch, variant = _LITERALS[found.group(1)]
        out.append(ArchLiteral(text[a:b], a, b, arch, variant))
        found = search(lowered, b)
    return out


def literal_arch(word: str) -> tuple[str, str] | None:
    """BuildKit (arch, variant) when ``word`` is exactly an architecture literal."""
    return _LITERALS.get(word.lower())


_REF_RE = rx(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*")


def _mask_references(text: str) -> str:
    """Replace variable references and command substitutions by spaces (same length): ``${ARCH:-amd64}``
    holds no literal arch of the word itself but a default, ``$X86_64_DIR`` is a name, and
    ``$(echo $TARGETARCH | sed s/amd64/x86_64/)`` computes the name per platform."""
    if "$(" in text or "`" in text:
        text = _mask_substitutions(text)
    return _REF_RE.sub(lambda m: " " * len(m.group(0)), text)


_SUBSTITUTION_START = rx(r"\$\(|`")
_DEPTH = {"(": 1, ")": -1}


def _mask_substitutions(text: str) -> str:
    out = list(text)
    n = len(text)
    i = 0
    while i < n:
        m = _SUBSTITUTION_START.search(text, i)  # the text between holds no substitution: skip it
        if m is None:
            break
        i = m.start()
        if text.startswith("$(", i):
            depth, j = 1, i + 2
            while j < n and depth:
                depth += _DEPTH.get(text[j], 0)
                j += 1
        else:
            j = text.find("`", i + 1)
            j = n if j < 0 else j + 1
        out[i:j] = " " * (j - i)
        i = j
    return "".join(out)


def differs_from_targets(arch: str, variant: str, targets: Sequence[tuple[str, str, str | None]]) -> bool:
    """True when some target platform has another architecture than the literal's ``arch``/``variant``."""
    for _os, t_arch, t_var in targets:
        if t_arch != arch:
            return True
        if arch == "arm" and variant and (t_var or "v7") != variant:
            return True
    return False


_TARGETARCH_REF_RE = rx(r"\$(?:TARGETARCH(?![A-Za-z0-9_])|\{TARGETARCH\})")


def targetarch_references(text: str) -> list[tuple[int, int]]:
    """Plain ``$TARGETARCH``/``${TARGETARCH}`` references (not ``${TARGETARCH/amd64/x64}`` and other
    modified forms, which may already map the name)."""
    return [(m.start(), m.end()) for m in _TARGETARCH_REF_RE.finditer(text)]


# -- probes and tool options ------------------------------------------------------------------------------
def is_arch_probe(name: str | None, args: Sequence[str | None]) -> bool:
    """True for a command that prints the machine's architecture: ``uname -m`` (``-p``, ``-i``,
    combined short flags), ``arch``, ``dpkg --print-architecture``, ``dpkg-architecture -q..ARCH``,
    ``apk --print-arch``, ``rpm --eval %_arch``."""
    if name is None:
        return False
    if name == "uname":
        for a in args:
            if a in ("--machine", "--processor", "--hardware-platform"):
                return True
            if a and a.startswith("-") and not a.startswith("--") and any(c in a[1:] for c in "mpi"):
                return True
        return False
    if name == "arch":
        return not args
    if name == "dpkg":
        return "--print-architecture" in args
    if name == "dpkg-architecture":
        if any(a in ("-a", "--host-arch") or (a or "").startswith(("-a", "--host-arch=")) for a in args):
            return False
        return any(a is not None and "ARCH" in a and (a.startswith("-q") or a.startswith("--query")) or
                   a is not None and a.startswith("DEB_") and "ARCH" in a for a in args)
    if name == "apk":
        return "--print-arch" in args
    if name == "rpm":
        for i, a in enumerate(args):
            if a is None:
                continue
            if a.startswith(("--eval=", "-E")) and "_arch" in a:
                return True
            if a in ("--eval", "-E") and i + 1 < len(args) and "_arch" in (args[i + 1] or ""):
                return True
        return False
    return False


def option_values(args: Sequence[str], names: tuple[str, ...]) -> list[tuple[int, str]]:
    """Values of options ``names`` in raw ``args`` (``--target X``, ``--target=X``, ``-rX`` for one-letter
    options): ``(index of the word holding the value, value text)``."""
    out: list[tuple[int, str]] = []
    for i, a in enumerate(args):
        for n in names:
            if a == n:
                if i + 1 < len(args):
                    out.append((i + 1, args[i + 1]))
                break
            if n.startswith("--") and a.startswith(n + "="):
                out.append((i, a[len(n) + 1 :]))
                break
            if len(n) == 2 and n[0] == "-" and n[1] != "-" and a.startswith(n) and len(a) > 2:
                out.append((i, a[2:]))
                break
    return out
