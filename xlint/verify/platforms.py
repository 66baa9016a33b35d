"""Platform strings and the ELF identity expected for each architecture."""

from __future__ import annotations

from typing import NamedTuple


def parse_platform(text: str) -> tuple[str, str, str]:
    """``"linux/arm/v7"`` -> ``("linux", "arm", "v7")`` (containerd normalization, via xlint.expand);
    raises ValueError on a bad platform."""
    from xlint.expand import parse_platform as shared

    p = shared(text)
    if p is None:
        raise ValueError(f"bad platform {text!r} (expected os/arch[/variant])")
    os_, arch, variant = p
    return str(os_), str(arch), str(variant or "")


def normalize(os_: str, arch: str, variant: str = "") -> tuple[str, str, str]:
    """Normalize a platform read from an image (``arm`` without variant is ``arm/v7``...)."""
    try:
        return parse_platform(format_platform(os_ or "unknown", arch or "unknown", variant))
    except ValueError:
        return os_, arch, variant


def format_platform(os_: str, arch: str, variant: str = "") -> str:
    return f"{os_}/{arch}/{variant}" if variant else f"{os_}/{arch}"


def same_platform(a: tuple[str, str, str], b: tuple[str, str, str]) -> bool:
    """Equal, treating arm64 variant ``v8`` as no variant."""
    return _norm(a) == _norm(b)


def matches_request(requested: tuple[str, str, str], actual: tuple[str, str, str]) -> bool:
    """A request without a variant matches any variant of that os/arch."""
    r, a = _norm(requested), _norm(actual)
    if r[:2] != a[:2]:
        return False
    return not r[2] or r[2] == a[2]


def _norm(p: tuple[str, str, str]) -> tuple[str, str, str]:
    os_, arch, variant = p
    if arch == "arm64" and variant == "v8":
        variant = ""
    return os_, arch, variant


class ElfIdentity(NamedTuple):
    machine: int
    elfclass: int  # 1 = 32-bit, 2 = 64-bit
    data: int  # 1 = little endian (LSB), 2 = big endian (MSB)


EXPECTED_ELF: dict[str, ElfIdentity] = {
    "amd64": ElfIdentity(62, 2, 1),
    "arm64": ElfIdentity(183, 2, 1),
    "arm": ElfIdentity(40, 1, 1),
    "386": ElfIdentity(3, 1, 1),
    "ppc64le": ElfIdentity(21, 2, 1),
    "s390x": ElfIdentity(22, 2, 2),
    "riscv64": ElfIdentity(243, 2, 1),
    "loong64": ElfIdentity(258, 2, 1),
    "mips64le": ElfIdentity(8, 2, 1),
}

MACHINE_NAMES: dict[int, str] = {
    2: "SPARC",
    3: "Intel 80386",
    8: "MIPS",
    20: "PowerPC",
    21: "PowerPC64",
    22: "IBM S/390",
    40: "ARM",
    43: "SPARC V9",
    62: "x86-64",
    183: "aarch64",
    243: "RISC-V",
    258: "LoongArch",
}


def describe_elf(machine: int, elfclass: int, data: int) -> str:
    """``ELF 64-bit LSB x86-64`` (the words of ``file``)."""
    bits = {1: "32-bit", 2: "64-bit"}.get(elfclass, f"class-{elfclass}")
    order = {1: "LSB", 2: "MSB"}.get(data, f"data-{data}")
    name = MACHINE_NAMES.get(machine, f"e_machine {machine}")
    return f"ELF {bits} {order} {name}"
