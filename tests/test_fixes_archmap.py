"""TARGETARCH -> vendor name mappings (XL205/XL206 fixes) and the .NET RID fix over the fixture."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from xlint.expand import parse_platform
from xlint.fixes.archmap import case_statement, in_single_quotes, vocabulary_of_literal
from xlint.fixes.engine import fix_text
from xlint.fixes.style import shell_style
from xlint.rule import CheckOptions, all_rules, rule_by_code
from xlint.syntax import parse

ROOT = Path(__file__).resolve().parent.parent


def _platforms(*names: str) -> list[tuple[str, str, str | None]]:
    out = []
    for n in names:
        p = parse_platform(n)
        assert p is not None
        out.append(p)
    return out


def _fix(text: str, codes: list[str] | None = None, unsafe: bool = True,
         platforms: tuple[str, ...] = ("linux/amd64", "linux/arm64")) -> str:
    rules = all_rules() if codes is None else [r for c in codes if (r := rule_by_code(c)) is not None]
    opts = CheckOptions(platforms=platforms, build_platform="linux/amd64")
    return fix_text(text, "Dockerfile", opts, rules, unsafe=unsafe).text


def _buildkit_parses(text: str) -> None:
    dockerfile = pytest.importorskip("dockerfile")
    assert [c.cmd.upper() for c in dockerfile.parse_string(text)] == [i.keyword for i in parse(text).instructions]


def test_case_statement_vocabularies() -> None:
    two = _platforms("linux/amd64", "linux/arm64")
    assert case_statement(two, "uname", "ARCH") == (
        'case "$TARGETARCH" in amd64) ARCH=x86_64;; arm64) ARCH=aarch64;; '
        '*) echo "unsupported architecture: $TARGETARCH" >&2; exit 1;; esac')
    arm = _platforms("linux/amd64", "linux/arm/v6", "linux/arm/v7")
    assert case_statement(arm, "uname", "A") == (
        'case "$TARGETARCH$TARGETVARIANT" in amd64) A=x86_64;; armv6) A=armv6l;; armv7) A=armv7l;; '
        '*) echo "unsupported architecture: $TARGETARCH$TARGETVARIANT" >&2; exit 1;; esac')
    assert vocabulary_of_literal("x86_64") == "uname" and vocabulary_of_literal("x64") == "node"
    assert in_single_quotes("'a-amd64'", 3) and not in_single_quotes('"a-amd64"', 3)


def test_shell_style_follows_file() -> None:
    assert shell_style(parse("FROM a\nRUN a && \\\n\tb\n")).indent == "\t"
    assert not shell_style(parse("FROM a\nRUN a && \\\n\tb\n")).leading_and
    assert shell_style(parse("FROM a\nRUN a \\\n  && b\n")).leading_and


def test_xl206_target_stage_download() -> None:
    text = ("FROM alpine\n"
            "RUN curl -fsSL https://example.com/tool-linux-amd64.tar.gz | tar -xz -C /usr/local/bin\n")
    fixed = _fix(text, ["XL206"])
    assert fixed == ("FROM alpine\nARG TARGETARCH\n"
                     "RUN curl -fsSL https://example.com/tool-linux-${TARGETARCH}.tar.gz | tar -xz -C /usr/local/bin\n")
    _buildkit_parses(fixed)
    # safe fixes alone leave downloads alone (the vendor's naming is a guess)
    assert _fix(text, ["XL206"], unsafe=False) == text


def test_xl206_download_with_arm_target() -> None:
    text = "FROM debian\nRUN wget https://example.com/tool-linux-x86_64.tgz\n"
    fixed = _fix(text, ["XL206"], platforms=("linux/amd64", "linux/arm64", "linux/arm/v7"))
    # only arm/v7 among the targets: TARGETARCH alone tells the platforms apart
    assert fixed == (
        "FROM debian\nARG TARGETARCH\n"
        "RUN case \"$TARGETARCH\" in amd64) ARCH=x86_64;; arm64) ARCH=aarch64;; arm) ARCH=armv7l;; "
        "*) echo \"unsupported architecture: $TARGETARCH\" >&2; exit 1;; esac \\\n"
        "    && wget https://example.com/tool-linux-${ARCH}.tgz\n"
    )


def test_xl206_no_fix_when_file_name_is_reused() -> None:
    text = ("FROM alpine\nRUN wget https://example.com/tool-linux-amd64.tgz\n"
            "RUN tar -xzf tool-linux-amd64.tgz\n")
    fixed = _fix(text, ["XL206"])
    assert "tar -xzf tool-linux-amd64.tgz" in fixed and "tool-linux-amd64.tgz\nRUN" in fixed


def test_xl205_build_stage_uname_is_idempotent_and_parses() -> None:
    text = ("FROM --platform=$BUILDPLATFORM debian AS fetch\n"
            "RUN curl -fsSLo /tool \"https://example.com/tool-$(uname -m)\" && chmod +x /tool\n"
            "FROM debian\nCOPY --from=fetch /tool /usr/local/bin/tool\n")
    fixed = _fix(text)
    assert fixed == (
        "FROM --platform=$BUILDPLATFORM debian AS fetch\n"
        "ARG TARGETARCH\n"
        "RUN case \"$TARGETARCH\" in amd64) ARCH=x86_64;; arm64) ARCH=aarch64;; "
        "*) echo \"unsupported architecture: $TARGETARCH\" >&2; exit 1;; esac \\\n"
        "    && curl -fsSLo /tool \"https://example.com/tool-${ARCH}\" && chmod +x /tool\n"
        "FROM debian\nCOPY --from=fetch /tool /usr/local/bin/tool\n")
    assert _fix(fixed) == fixed
    _buildkit_parses(fixed)


def test_xl205_mapping_runs_in_a_shell() -> None:
    """The inserted case statement is valid sh and yields the vendor's name for each target."""
    text = ("FROM --platform=$BUILDPLATFORM alpine AS a\nRUN echo $(uname -m) > /a\n"
            "FROM alpine\nCOPY --from=a /a /a\n")
    fixed = _fix(text)
    run = [i for i in parse(fixed).instructions if i.keyword == "RUN"][0]
    script = run.logical.text.replace("\\\n", "").replace("> /a", "")
    for arch, want in (("amd64", "x86_64"), ("arm64", "aarch64")):
        out = subprocess.run(["sh", "-c", script], env={"TARGETARCH": arch, "PATH": "/usr/bin:/bin"},
                             capture_output=True, text=True, check=True)
        assert out.stdout.strip() == want
    bad = subprocess.run(["sh", "-c", script], env={"TARGETARCH": "riscv64", "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True)
    assert bad.returncode == 1 and "unsupported architecture" in bad.stderr


def test_dotnet_fixture_xl206_alone_and_with_xl106() -> None:
    src = (ROOT / "fixtures" / "dotnet-console" / "Dockerfile").read_text()
    alone = _fix(src, ["XL206"], unsafe=False)
    assert "RUN dotnet restore -a $TARGETARCH\n" in alone
    assert "RUN dotnet publish -c Release -a $TARGETARCH --no-restore --self-contained false -o /out\n" in alone
    assert alone.count("\nARG TARGETARCH\n") == 1
    assert alone.index("\nARG TARGETARCH\n") < alone.index("RUN dotnet restore")
    _buildkit_parses(alone)
    both = _fix(src, unsafe=False)
    # whichever fix runs first, the RIDs end up as `-a $TARGETARCH` with one ARG, and a second run is stable
    assert "restore -r linux-x64" not in both and both.count("\nARG TARGETARCH\n") == 1
    assert _fix(alone, unsafe=False) == both
    assert _fix(both, unsafe=False) == both
