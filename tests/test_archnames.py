"""Architecture vocabularies and literal detection."""

from __future__ import annotations

import pytest

from xlint.archnames import (
    VOCABULARIES,
    case_mapping,
    differs_from_targets,
    find_arch_literals,
    is_arch_probe,
    literal_arch,
    mismatches,
    name_in,
    option_values,
    targetarch_references,
)


@pytest.mark.parametrize(
    ("arch", "variant", "vocab", "expected"),
    [
        ("amd64", None, "uname", "x86_64"),
        ("amd64", None, "node", "x64"),
        ("amd64", None, "dotnet", "x64"),
        ("amd64", None, "rust", "x86_64"),
        ("arm64", None, "uname", "aarch64"),
        ("arm64", None, "debian", "arm64"),
        ("arm", "v7", "debian", "armhf"),
        ("arm", None, "debian", "armhf"),  # arm means arm/v7
        ("arm", "v6", "debian", "armel"),
        ("arm", "v6", "alpine", "armhf"),
        ("arm", "v6", "dotnet", None),
        ("ppc64le", None, "debian", "ppc64el"),
        ("386", None, "node", "ia32"),
        ("riscv64", None, "rust", "riscv64gc"),
        ("mips64le", None, "uname", None),
    ],
)
def test_name_in(arch: str, variant: str | None, vocab: str, expected: str | None) -> None:
    assert name_in(vocab, arch, variant) == expected  # type: ignore[arg-type]


def test_targetarch_vocabulary_is_identity() -> None:
    for arch, variant in (("amd64", None), ("arm64", None), ("arm", "v7"), ("s390x", None)):
        assert name_in("targetarch", arch, variant) == arch
    assert "targetarch" in VOCABULARIES


def test_mismatches() -> None:
    targets = [("linux", "amd64", None), ("linux", "arm64", None)]
    assert mismatches("node", targets) == [("amd64", "x64")]
    assert mismatches("uname", targets) == [("amd64", "x86_64"), ("arm64", "aarch64")]
    assert mismatches("debian", targets) == []
    assert mismatches("debian", [("linux", "arm", "v7")]) == [("arm", "armhf")]


def test_find_arch_literals() -> None:
    found = find_arch_literals("https://x/tool_1.0_linux_amd64.tar.gz")
    assert [(f.text, f.arch) for f in found] == [("amd64", "amd64")]
    assert [f.text for f in find_arch_literals("x86_64-unknown-linux-gnu")] == ["x86_64"]
    assert [f.platform_arch for f in find_arch_literals("node-linux-armv7l.tgz")] == ["arm/v7"]
    assert [f.text for f in find_arch_literals("linux-x64")] == ["x64"]
    text = "tool-linux-amd64"
    f = find_arch_literals(text)[0]
    assert text[f.start : f.end] == "amd64"


@pytest.mark.parametrize("text", ["linux64", "tool-${TARGETARCH:-amd64}.tgz", "$X86_64_DIR", "amd64x",
                                  "example.com/armada", "python3.12"])
def test_no_literal(text: str) -> None:
    assert find_arch_literals(text) == []


def test_literal_arch() -> None:
    assert literal_arch("AARCH64") == ("arm64", "")
    assert literal_arch("armhf") == ("arm", "v7")
    assert literal_arch("bookworm") is None


def test_differs_from_targets() -> None:
    two = [("linux", "amd64", None), ("linux", "arm64", None)]
    assert differs_from_targets("amd64", "", two)
    assert not differs_from_targets("amd64", "", [("linux", "amd64", None)])
    assert differs_from_targets("arm", "v6", [("linux", "arm", "v7")])
    assert not differs_from_targets("arm", "v7", [("linux", "arm", None)])


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("uname", ["-m"], True),
        ("uname", ["-sm"], True),
        ("uname", ["--machine"], True),
        ("uname", ["-a"], False),
        ("uname", ["-r"], False),
        ("arch", [], True),
        ("arch", ["-x"], False),
        ("dpkg", ["--print-architecture"], True),
        ("dpkg", ["-i", "x.deb"], False),
        ("dpkg-architecture", ["-qDEB_HOST_ARCH"], True),
        ("dpkg-architecture", ["-a", "arm64", "-qDEB_HOST_ARCH"], False),
        ("apk", ["--print-arch"], True),
        ("apk", ["add", "curl"], False),
        ("rpm", ["--eval", "%_arch"], True),
        ("rpm", ["-E", "%{_arch}"], True),
        ("rpm", ["-qa"], False),
        (None, ["-m"], False),
    ],
)
def test_is_arch_probe(name: str | None, args: list[str | None], expected: bool) -> None:
    assert is_arch_probe(name, args) is expected


def test_option_values() -> None:
    args = ["publish", "-c", "Release", "-r", "linux-x64", "--arch=arm64", "-rlinux-musl-x64"]
    assert option_values(args, ("-r", "--runtime", "-a", "--arch")) == [
        (4, "linux-x64"), (5, "arm64"), (6, "linux-musl-x64")]
    assert option_values(["build", "--target"], ("--target",)) == []


def test_targetarch_references() -> None:
    assert targetarch_references("a-$TARGETARCH-${TARGETARCH}") == [(2, 13), (14, 27)]
    assert targetarch_references("${TARGETARCH/amd64/x64} $TARGETARCHX") == []


def test_case_mapping() -> None:
    assert case_mapping("uname") == 'case "$TARGETARCH" in amd64) ARCH=x86_64;; arm64) ARCH=aarch64;; esac'


def test_find_arch_literals_as_the_case_insensitive_look_behind_regex_finds_them() -> None:
    """The scan over lower-cased ASCII text finds what the plain regex (look-behind, IGNORECASE) finds,
    on tricky and random texts, non-ASCII ones included (those take the plain regex)."""
    import random

    from xlint import archnames

    def reference(text: str) -> list[tuple[str, int, int, str, str]]:
        masked = archnames._mask_references(text)
        return [(text[m.start(1):m.end(1)], m.start(1), m.end(1), *archnames._LITERALS[m.group(1).lower()])
                for m in archnames._LITERAL_RE.finditer(masked)]

    rnd = random.Random(12)
    alphabet = "aAmMdD64_-xX8lLvV7i3I2pPcCeEsSrR9 ./${}(`é"
    texts = ["xamd64 AMD64 _amd64_", "ax86_64 x86-64x ARM64v8 arm64v8l", "i386- -aarch64 armv7l armv7L 9amd64",
             "${ARCH:-amd64}-x86_64 $(uname -m | sed s/x86_64/amd64/)", "éamd64 amd64é AMD64"]
    texts += ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40))) for _ in range(5000)]
    for text in texts:
        got = [(x.text, x.start, x.end, x.arch, x.variant) for x in archnames.find_arch_literals(text)]
        assert got == reference(text), text
