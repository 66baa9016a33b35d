"""Generate realistic Dockerfiles for benchmarks: several stages, long RUN chains, heredocs."""

from __future__ import annotations

import random
from pathlib import Path

BASES = ["golang:1.22-bookworm", "rust:1.79-bookworm", "node:20-bookworm", "python:3.12-slim", "debian:bookworm",
         "maven:3.9-eclipse-temurin-21", "mcr.microsoft.com/dotnet/sdk:8.0", "alpine:3.20"]
RUNTIMES = ["debian:bookworm-slim", "gcr.io/distroless/static-debian12", "alpine:3.20", "busybox:1.36"]
STEPS = [
    "apt-get update && apt-get install -y --no-install-recommends ca-certificates curl git make gcc",
    "go mod download",
    "CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags='-s -w' -o /out/app ./cmd/app",
    "cargo build --release --locked",
    "npm ci && npm run build",
    "pip install --no-cache-dir -r requirements.txt",
    "mvn -B -q package -DskipTests",
    "dotnet restore && dotnet publish -c Release -o /out",
    "make -j$(nproc) && make install DESTDIR=/out",
    "curl -fsSL https://example.com/tool-linux-amd64.tar.gz | tar -xz -C /usr/local/bin",
    "useradd -r -u 10001 app && mkdir -p /data && chown app /data",
]


def dockerfile(rng: random.Random) -> str:
    lines = ["# syntax=docker/dockerfile:1", "ARG VERSION=1.0"]
    n_stages = rng.randint(2, 4)
    for s in range(n_stages - 1):
        plat = rng.choice(["", "--platform=$BUILDPLATFORM "])
        lines.append(f"FROM {plat}{rng.choice(BASES)} AS stage{s}")
        if plat or rng.random() < 0.5:
            lines.append("ARG TARGETOS TARGETARCH")
        lines.append(f"WORKDIR /src/{s}")
        lines.append("COPY . .")
        for _ in range(rng.randint(2, 6)):
            chain = rng.sample(STEPS, rng.randint(1, 4))
            if rng.random() < 0.2:
                lines.append("RUN <<EOF\nset -e\n" + "\n".join(chain) + "\nEOF")
            elif rng.random() < 0.5:
                lines.append("RUN --mount=type=cache,target=/root/.cache " + " \\\n    && ".join(chain))
            else:
                lines.append("RUN " + " && ".join(chain))
        lines.append(f"ENV STAGE{s}=done PATH=/out/bin:$PATH")
    lines.append(f"FROM {rng.choice(RUNTIMES)}")
    for s in range(n_stages - 1):
        lines.append(f"COPY --from=stage{s} /out/ /opt/stage{s}/")
    lines.append('LABEL org.opencontainers.image.version="${VERSION}"')
    lines.append("USER 10001")
    lines.append('ENTRYPOINT ["/opt/stage0/app"]')
    return "\n".join(lines) + "\n"


def write_corpus(folder: Path, count: int, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        p = folder / f"svc{i:05d}.Dockerfile"
        p.write_text(dockerfile(rng))
        paths.append(p)
    return paths
