"""`xlint fix` over generated Dockerfiles: the result parses with our parser and BuildKit's, a second run
changes nothing, and every applied fix's finding is gone (safe and unsafe fixes, all rules)."""

from __future__ import annotations

import dockerfile
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from xlint.fixes.engine import fix_text
from xlint.rule import CheckOptions, all_rules
from xlint.syntax import parse

BASES = ["golang:1.22-bookworm", "rust:1.79-bookworm", "node:20-bookworm", "python:3.12-slim", "debian:bookworm",
         "maven:3.9-eclipse-temurin-21", "mcr.microsoft.com/dotnet/sdk:8.0", "alpine:3.20", "klakegg/hugo:0.111"]
PLATFORM_FLAGS = ["", "--platform=$BUILDPLATFORM ", "--platform=${BUILDPLATFORM} ", "--platform=$TARGETPLATFORM ",
                  "--platform=linux/amd64 "]
STEPS = [
    "go mod download",
    "go build -o /out/app .",
    "CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app ./cmd/app",
    "GOARCH=amd64 go build -o /out/app .",
    "go install ./cmd/tool",
    "cargo build --release",
    "npm ci && npm run build",
    "mvn -B package -DskipTests",
    "dotnet restore -r linux-x64 && dotnet publish -c Release -r linux-x64 -o /out",
    "cmake -B build && cmake --build build",
    "apt-get update && apt-get install -y build-essential",
    "curl -fsSL https://example.com/tool-linux-amd64.tar.gz | tar -xz",
    "echo arch is $(uname -m) > /out/arch",
    "hugo --minify",
    "pip install .",
    "echo $TARGETARCH > /out/target",
]
ARG_LINES = ["", "ARG TARGETOS TARGETARCH\n", "ARG TARGETARCH=amd64\n", "ARG TARGETPLATFORM\n"]


@st.composite
def dockerfiles(draw: st.DrawFn) -> tuple[str, tuple[str, ...]]:
    n = draw(st.integers(1, 3))
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("ARG TARGETARCH\n")
    for i in range(n):
        kw = draw(st.sampled_from(["FROM", "from"]))
        lines.append(f"{kw} {draw(st.sampled_from(PLATFORM_FLAGS))}{draw(st.sampled_from(BASES))} AS s{i}\n")
        lines.append(draw(st.sampled_from(ARG_LINES)))
        lines.append("WORKDIR /src\nCOPY . .\n")
        for step in draw(st.lists(st.sampled_from(STEPS), min_size=1, max_size=3)):
            lines.append(f"RUN {step}\n")
    lines.append(f"FROM {draw(st.sampled_from(['busybox:1.36', 'debian:bookworm-slim', 's0']))}\n")
    for i in range(n):
        src = draw(st.sampled_from(["/out/app", "/out", "/src/dist", "/src/target/app.jar", "/src/node_modules"]))
        lines.append(f"COPY --from=s{i} {src} /app{i}\n")
    lines.append('ENTRYPOINT ["/app0"]\n')
    text = "".join(lines)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    platforms = draw(st.sampled_from([("linux/amd64", "linux/arm64"), ("linux/amd64", "linux/arm64", "linux/arm/v7")]))
    return text, platforms


RULES = all_rules()


def _instructions(text: str) -> list[str]:
    return [c.cmd for c in dockerfile.parse_string(text)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles(), st.booleans())
def test_fix_output_parses_is_idempotent_and_removes_its_findings(case: tuple[str, tuple[str, ...]],
                                                                  unsafe: bool) -> None:
    text, platforms = case
    options = CheckOptions(platforms=platforms, build_platform="linux/amd64")
    first = fix_text(text, "Dockerfile", options, RULES, unsafe=unsafe)
    tree = parse(first.text)
    assert str(tree) == first.text
    assert [i.keyword for i in tree.instructions] == [k.upper() for k in _instructions(first.text)]
    second = fix_text(first.text, "Dockerfile", options, RULES, unsafe=unsafe)
    assert second.text == first.text, "a second run changed the text"
    remaining = {(d.code, d.message) for d in first.remaining}
    for d in first.applied:
        assert (d.code, d.message) not in remaining
    event(f"fixes applied: {min(len(first.applied), 3)}{'+' if len(first.applied) >= 3 else ''}")
    if first.text != text:
        assert first.applied
    # untouched input stays byte for byte
    if not first.applied:
        assert first.text == text
