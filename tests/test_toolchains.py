"""xlint.toolchains: command classification, package installs, settings and cross checks."""

from __future__ import annotations

import pytest

from xlint.model import Model
from xlint.shell import SimpleCommand, run_commands
from xlint.syntax import parse
from xlint.toolchains import (
    classify,
    cross_check,
    emulated_commands,
    go_cross_build,
    invocation,
    settings,
    ships_to_target,
    stage_commands,
    toolchain_packages,
)


def _cmds(script: str) -> list[SimpleCommand]:
    tree = parse(f"FROM x\nRUN {script}\n")
    return run_commands(tree.instructions[1])


def _label(script: str) -> tuple[str, str] | None:
    """The first compile among the script's commands (nested ones included)."""
    for cmd in _cmds(script):
        comp = classify(cmd)
        if comp is not None:
            return (comp.toolchain, comp.label)
    return None


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("go build -o /app .", ("go", "go build")),
        ("CGO_ENABLED=0 go install ./cmd/x", ("go", "go install")),
        ("go test ./...", ("go", "go test")),
        ("go -C sub build", ("go", "go build")),
        ("xx-go build .", ("go", "xx-go build")),
        ("go mod download", None),
        ("go vet ./...", None),
        ("go version", None),
        ("cargo build --release", ("rust", "cargo build")),
        ("cargo +nightly build", ("rust", "cargo build")),
        ("cargo fetch", None),
        ("rustc main.rs", ("rust", "rustc")),
        ("make -j4", ("c", "make")),
        ("/usr/bin/make install", ("c", "make")),
        ("cmake --build build", ("c", "cmake --build")),
        ("cmake -S . -B build", None),
        ("ninja -C build", ("c", "ninja")),
        ("gcc -o x x.c", ("c", "gcc")),
        ("g++-12 x.cc", ("c", "g++-12")),
        ("aarch64-linux-gnu-gcc x.c", ("c", "aarch64-linux-gnu-gcc")),
        ("clang x.c", ("c", "clang")),
        ("./configure --prefix=/usr", ("c", "./configure")),
        ("meson compile -C build", ("c", "meson compile")),
        ("meson setup build", None),
        ("scons", ("c", "scons")),
        ("pkg-config --libs x", None),
        ("gcc --version", None),
        ("npm ci", ("node", "npm ci")),
        ("npm install", ("node", "npm install")),
        ("npm install -g pnpm", None),
        ("npm run build", ("node", "npm run build")),
        ("npm --prefix web run build", ("node", "npm run build")),
        ("yarn", ("node", "yarn")),
        ("yarn build", ("node", "yarn build")),
        ("pnpm install --frozen-lockfile", ("node", "pnpm install")),
        ("npx tsc -p .", ("node", "npx tsc")),
        ("npx next build", ("node", "npx next build")),
        ("npx next start", None),
        ("vite build", ("node", "vite")),
        ("npm config set x y", None),
        ("mvn -B package", ("jvm", "mvn package")),
        ("./mvnw -q verify", ("jvm", "./mvnw verify")),
        ("./gradlew build", ("jvm", "./gradlew build")),
        ("javac A.java", ("jvm", "javac")),
        ("java -jar app.jar", None),
        ("dotnet restore", ("dotnet", "dotnet restore")),
        ("dotnet publish -c Release -o /out", ("dotnet", "dotnet publish")),
        ("dotnet --info", None),
        ("pip install .", ("python", "pip install")),
        ("python3 -m pip install -r r.txt", ("python", "python3 -m pip install")),
        ("uv pip install .", ("python", "uv pip install")),
        ("python setup.py build_ext", ("python", "setup.py build_ext")),
        ("python app.py", None),
        ("hugo --minify", ("site", "hugo")),
        ("hugo version", None),
        ("mkdocs build", ("site", "mkdocs build")),
        ("bundle exec jekyll build", ("site", "jekyll build")),
        ("npx @11ty/eleventy", ("site", "npx @11ty/eleventy")),
        ("sudo -u builder make", ("c", "make")),
        ("env CC=clang make", ("c", "make")),
        ("time go build .", ("go", "go build")),
        ("$GO build", None),
        ("echo go build", None),
        # wrappers, runners and strings that hold the command
        ("su nobody -s /bin/sh -c 'make all'", ("c", "make")),
        ("runuser -u app -- sh -c \"cargo build --release\"", ("rust", "cargo build")),
        ("eval \"make -C src install\"", ("c", "make")),
        ("/usr/bin/mold -run cargo build --release", ("rust", "cargo build")),
        ("find src -name '*.c' -exec gcc -c {} +", ("c", "gcc")),
        ("ls cmd | xargs -n1 -I{} go build ./cmd/{}", ("go", "go build")),
        ("setarch x86_64 -R make", ("c", "make")),
        ("ccache gcc -O2 -c a.c", ("c", "gcc")),
        ("gosu node npm ci --omit=dev", ("node", "npm ci")),
        ("su-exec app:app make -j2", ("c", "make")),
        ("find . -name '*.o' -delete", None),
        # GOPATH-mode go get builds; module queries and -d only download
        ("go get github.com/nats-io/nsc", ("go", "go get")),
        ("go get ./...", ("go", "go get")),
        ("go get -d ./...", None),
        ("go get github.com/x/y@v1.2.0", None),
        ("cargo chef cook --release --recipe-path recipe.json", ("rust", "cargo chef cook")),
        ("cargo chef prepare --recipe-path recipe.json", None),
        ("docker-php-ext-install -j$(nproc) pdo_mysql", ("c", "docker-php-ext-install")),
        ("pecl install redis-6.0.2", ("c", "pecl install")),
        ("pecl channel-update pecl.php.net", None),
        ("bundle install --jobs 4", ("c", "bundle install")),
        ("gem install nokogiri", ("c", "gem install")),
        ("gem list", None),
        ("yarn workspaces focus --production @app/server", ("node", "yarn workspaces focus")),
        ("yarn workspace @app/web build", ("node", "yarn workspace @app/web build")),
        ("pnpm --filter=server deploy --prod /out", ("node", "pnpm deploy")),
        ("gulp build --production", ("node", "gulp build")),
        ("grunt", ("node", "grunt default")),
        ("bundle exec rails assets:precompile", ("node", "rails assets:precompile")),
        ("SECRET_KEY_BASE=x bin/rails assets:precompile", ("node", "rails assets:precompile")),
        ("bundle exec rake db:migrate", None),
        ("/venv/bin/python -m mkdocs build", ("site", "mkdocs build")),
        ("python3 -m sphinx -b html docs out", ("site", "sphinx-build")),
        ("python -m mkdocs serve", None),
        ("yarn generate", ("node", "yarn generate")),
    ],
)
def test_classify(script: str, expected: tuple[str, str] | None) -> None:
    assert _label(script) == expected


def test_invocation_unwraps_env_and_keeps_prefixes() -> None:
    inv = invocation(_cmds("A=1 env -u X B=2 nice -n 5 go build")[0])
    assert inv is not None
    assert inv.tool == "go"
    assert [e.name for e in inv.env] == ["A", "B"]
    assert inv.values() == ["build"]


def test_tool_installs_and_tests_do_not_produce_shipped_output() -> None:
    comp = classify(_cmds("go install golang.org/x/tools/cmd/stringer@latest")[0])
    assert comp is not None and comp.tool_install
    comp = classify(_cmds("cargo install cargo-chef")[0])
    assert comp is not None and comp.tool_install
    comp = classify(_cmds("cargo install --path .")[0])
    assert comp is not None and not comp.tool_install
    comp = classify(_cmds("go test ./...")[0])
    assert comp is not None and not comp.produces


@pytest.mark.parametrize(
    ("script", "packages"),
    [
        ("apt-get install -y --no-install-recommends build-essential cmake curl", ["build-essential"]),
        ("apt-get -o Dpkg::Options::=--force-confnew install -y gcc-12 g++", ["gcc-12", "g++"]),
        ("apk add --no-cache --virtual .build go=1.22.5-r0 musl-dev", ["go=1.22.5-r0"]),
        ("dnf install -y gcc-c++ java-17-openjdk-devel maven", ["gcc-c++", "java-17-openjdk-devel", "maven"]),
        ("apt-get install -y openjdk-17-jdk-headless dotnet-sdk-8.0 golang-go", ["openjdk-17-jdk-headless",
                                                                                  "dotnet-sdk-8.0", "golang-go"]),
        ("zypper in -y rust cargo", ["rust", "cargo"]),
        ("apt-get install -y crossbuild-essential-arm64", ["crossbuild-essential-arm64"]),
        ('yum groupinstall -y "Development Tools"', ["Development Tools"]),
        ("dnf group install -y development", ["development"]),
        ("dnf group list", []),
        ("zypper install -y -t pattern devel_basis", ["devel_basis"]),
        ("apt-get install -y ca-certificates libssl-dev gcc-doc", []),
        ("apt-get remove -y gcc", []),
        ("apk del gcc", []),
        ("echo apt-get install gcc", []),
    ],
)
def test_toolchain_packages(script: str, packages: list[str]) -> None:
    assert [w.value for w in toolchain_packages(_cmds(script)[0])] == packages


def _model(text: str, platforms: tuple[str, ...] = ("linux/amd64", "linux/arm64")) -> Model:
    return Model(parse(text), platforms, "linux/amd64")


def test_settings_sources_and_precedence() -> None:
    model = _model(
        "FROM --platform=$BUILDPLATFORM golang AS base\n"
        "ENV GOOS=linux CGO_ENABLED=1\n"
        "FROM base AS build\n"
        "ARG TARGETARCH GOFLAGS=-mod=vendor\n"
        "RUN go env -w GOPROXY=off\n"
        "RUN export CGO_ENABLED=0 && (export GOAMD64=v3) && GOARCH=$TARGETARCH go build .\n"
    )
    stage = model.stages[1]
    instr, cmd = stage_commands(model, stage)[-1]
    env = settings(model, stage, instr, cmd)
    assert env["GOOS"].source == "ENV" and env["GOOS"].value == "linux"
    assert env["CGO_ENABLED"].source == "export" and env["CGO_ENABLED"].value == "0"
    assert "GOAMD64" not in env  # a subshell's export ends with it
    assert env["GOPROXY"].source == "go-env"
    assert env["GOFLAGS"].source == "ARG"
    assert env["GOARCH"].source == "prefix" and env["GOARCH"].value is None and env["GOARCH"].from_target
    # ARGs of a base stage do not reach the stage built on it
    model2 = _model("FROM golang AS a\nARG GOARCH=arm64\nFROM a\nRUN go build .\n")
    instr2, cmd2 = stage_commands(model2, model2.stages[1])[0]
    assert "GOARCH" not in settings(model2, model2.stages[1], instr2, cmd2)


@pytest.mark.parametrize(
    ("body", "targeted"),
    [
        ("RUN go build .", False),
        ("ARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build .", True),
        ("ARG TARGETARCH\nENV GOARCH=$TARGETARCH\nRUN go build .", True),
        ("RUN xx-go build .", True),
        ("RUN cargo build --release", False),
        ("RUN cargo build --target=aarch64-unknown-linux-gnu", True),
        ("ENV CARGO_BUILD_TARGET=aarch64-unknown-linux-gnu\nRUN cargo build", True),
        ("RUN xx-cargo build", True),
        ("RUN dotnet publish -o /out", False),
        ("ARG TARGETARCH\nRUN dotnet publish -a $TARGETARCH -o /out", True),
        ("RUN dotnet publish -r linux-arm64", True),
        ("RUN dotnet publish -p:RuntimeIdentifier=linux-arm64", True),
        ("RUN gcc -o /x x.c", False),
        ("RUN make", False),
        ("RUN make CC=aarch64-linux-gnu-gcc", True),
        ("RUN aarch64-linux-gnu-gcc -o /x x.c", True),
        ("ENV CC=aarch64-linux-gnu-gcc\nRUN make", True),
        ("RUN ./configure --host=aarch64-linux-gnu && make", True),
        ("RUN apt-get install -y crossbuild-essential-arm64\nRUN make", True),
        ("COPY --from=xx / /\nRUN cmake --build build", True),
        ("ARG TARGETARCH\nRUN make ARCH=$TARGETARCH", True),
        ("ARG TARGETARCH\nENV GOARCH=$TARGETARCH\nRUN make build", True),
        ("ARG TARGETOS TARGETARCH\nRUN make build", True),
        ("ARG TARGETOS TARGETARCH\nRUN gcc -o /x x.c", False),
    ],
)
def test_cross_check(body: str, targeted: bool) -> None:
    model = _model(f"FROM --platform=$BUILDPLATFORM img AS b\n{body}\nFROM scratch\nCOPY --from=b /x /x\n")
    stage = model.stages[0]
    instr, cmd = stage_commands(model, stage)[-1]
    comp = classify(cmd)
    assert comp is not None
    check = cross_check(model, stage, instr, comp)
    assert check is not None and check.targeted is targeted


def test_go_cross_build_needs_goarch_and_a_build_platform_stage() -> None:
    model = _model(
        "FROM --platform=$BUILDPLATFORM golang AS b\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build .\n"
        "RUN go build ./tool\nRUN GOARCH=$TARGETARCH go test ./...\n"
        "FROM golang AS t\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build .\n"
    )
    results = []
    for stage in model.stages:
        for instr, cmd in stage_commands(model, stage):
            comp = classify(cmd)
            assert comp is not None
            results.append(go_cross_build(model, stage, instr, comp) is not None)
    assert results == [True, False, False, False]


def test_ships_to_target() -> None:
    model = _model(
        "FROM --platform=$BUILDPLATFORM golang AS tool\n"
        "FROM --platform=$BUILDPLATFORM alpine AS gen\nCOPY --from=tool /t /t\n"
        "FROM --platform=$BUILDPLATFORM golang AS base\n"
        "FROM base AS build\n"
        "FROM --platform=$BUILDPLATFORM golang AS unused\n"
        "FROM alpine\nCOPY --from=gen /x /x\nCOPY --from=build /y /y\n"
    )
    assert [ships_to_target(model, s) for s in model.stages] == [False, True, True, True, False, True]


def test_emulated_commands_only_in_needed_target_stages() -> None:
    model = _model(
        "FROM --platform=$BUILDPLATFORM golang AS native\nRUN go build .\n"
        "FROM golang AS unused\nRUN go build .\n"
        "FROM golang AS emu\nRUN go build . && make\n"
        "FROM alpine\nCOPY --from=native /a /a\nCOPY --from=emu /b /b\n"
    )
    found = [(s.label, c.name) for s, _, c in emulated_commands(model)]
    assert found == [("emu", "go"), ("emu", "make")]
