"""Proof that `xlint fix` is right, by real builds (issue 4), not by comparing text.

For the Go, C, Rust, Java and Node projects (a Node asset build, and a Node runtime with a dependency
tree), the ORIGINAL Dockerfile (a builder that compiles on the target platform: emulated for linux/arm64) and
the FIXED one (``xlint.fixes.engine.fix_text`` output, written to a temp dir; fixtures are never edited) are
both built with ``docker buildx build --platform linux/amd64,linux/arm64 --output type=oci``. The tests then
show, per platform, that

- the final images hold the same files (paths, kinds, modes, owners, link targets and content hashes;
  timestamps are not compared, and a jar is compared by its entries' names and bytes, not by its zip
  timestamps). The one exception is a binary compiled by a different compiler: the C fix swaps gcc for
  ``xx-clang``, so its bytes differ; that file must still exist in both with the right ELF machine and
  print the same output;
- every ELF file has the platform's machine (``xlint.verify.verify_image``);
- the program prints the same output when run for each platform (``docker load`` of the OCI archive,
  then ``docker run --platform``: linux/arm64 runs under qemu-aarch64), and the output names the
  platform it was built for where the program reports it;
- the fixed build compiles on the build platform (``cross`` placement in xlint's build report) while
  the original emulated it.

The node-deps case is a runtime that takes node_modules whose dependency runs a native program from a
per-platform optional package (``os``/``cpu`` in its package.json, the way esbuild ships its binary): npm
installs only the package of the platform it runs on. Its packages are local tarballs, installed offline
(no npm registry): ``tests/npm_packages.py`` compiles the programs with the host's Go (Debian golang-go,
``GOARCH`` cross builds) and packs ``vendor/*.tgz`` into a per-session copy of the context, setting the
lockfile's integrity. The original installs on each target (emulated), so its images are right and "the same
files" holds as for the other cases, per-platform package included. The fix installs the runtime's
node_modules in a new target-platform stage (``npm ci --omit=dev``: on purpose the one emulated step of the
fixed build, ``Case.target_steps``; it unpacks tarballs and compiles nothing). Two more tests: each image
holds its own platform's package and no other (``Case.platform_files``), and the naive rewrite (only the
builder moved to the build platform, ``Case.trap``) is built too, to prove the trap is real: its arm64 image
holds the x64 program (verify names that one file) and its program fails there.

Base images come from ``scripts/setup-engine.sh`` as OCI layouts (busybox, golang, toolchains, node) mapped
with ``--build-context NAME=oci-layout://DIR:latest``. Some fixtures cannot be built offline as they are
(Maven and npm download packages): their test-only variants in ``tests/data/fixbuild/`` keep the same
shape (a builder on the target platform, the output copied into a runtime image). The C and Rust fixes use
tonistiigi/xx, whose image cannot be pulled here: ``tests/data/fixbuild/xx/`` is a local stand-in with
the subset of its interface the fixes use (xx-apt-get, xx-clang, xx-cargo, xx-go, xx-verify, xx-info), built on
Debian's aarch64 cross gcc packages (and Debian's rustc: the Rust fixture installs cargo from the Debian
mirror, as its Dockerfile says). The fixed C builder installs its packages with apt-get (as the fix writes
it), so that build reads the Debian mirror. A case whose fixed build keeps a step on the
target platform on purpose lists it in ``Case.target_steps``.

With CI set these tests never skip: a missing engine (or the host's Go, for node-deps) fails them. Without
CI they skip with the reason. Each case is built when a test first needs it (``-k node-deps`` builds one).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
from engine_helpers import ENGINE_DIR, require, require_engine
from npm_packages import go_problem, make_context

from xlint.build.buildx import run_build
from xlint.build.dockerfile import read_instructions
from xlint.build.engine import BuildOptions
from xlint.build.steps import Step, build_steps, native_platforms
from xlint.fixes.engine import fix_text
from xlint.rule import CheckOptions, all_rules
from xlint.verify import verify_image

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DATA = ROOT / "tests" / "data" / "fixbuild"
PLATFORMS = ["linux/amd64", "linux/arm64"]
BUILD_PLATFORM = "linux/amd64"
LAYOUTS = ("busybox", "golang", "toolchains", "node")
# ELF files of other machines that the local base images hold on purpose (verify_image allow patterns):
# the golang layout's Debian rootfs (also under toolchains, and the C runtime image) has Go's source tree
# with test data for every architecture; the amd64 toolchains image is also the build platform's cross
# builder, with the aarch64 cross sysroot (Debian libc6-dev-arm64-cross, libgcc-12-dev-arm64-cross).
GO_SOURCE_TREE = ("/usr/share/go-*/src/*",)
CROSS_SYSROOT = ("/usr/aarch64-linux-gnu/*", "/usr/lib/gcc-cross/aarch64-linux-gnu/*")


def _layout(name: str) -> str:
    return f"oci-layout://{ENGINE_DIR / 'oci' / name}:latest"


@dataclass(frozen=True)
class Trap:
    """The naive rewrite that a fix must not make, built too to show the trap is real: its image for
    ``platform`` holds the build platform's program at ``wrong`` instead of its own."""

    rewrite: tuple[str, str]  # (a line of the original, its naive rewrite)
    platform: str
    wrong: str  # image path of the build platform's program in the naive image
    error: str  # what the naive image's program says on ``platform`` (stderr)


@dataclass(frozen=True)
class Case:
    name: str
    original: Path  # the Dockerfile as users have it (never edited)
    context: Path
    images: dict[str, str]  # image name in the Dockerfile -> build context source
    codes: frozenset[str]  # the fixes expected to be applied
    unsafe: bool
    fixed_shape: tuple[str, ...]  # lines the fixed Dockerfile must contain
    compile_line: str  # text of the compile step (its line in each Dockerfile)
    run_args: tuple[str, ...]  # docker run ... IMAGE <run_args>
    expect_output: dict[str, str]  # platform -> text the output must contain
    recompiled: frozenset[str] = frozenset()  # files built by another compiler in the fixed build
    allow_elf: tuple[str, ...] = ()  # verify_image allow patterns (documented per case)
    secrets: tuple[str, ...] = ()  # `--secret` values of both builds
    target_steps: tuple[str, ...] = ()  # steps the fix puts on the target platform on purpose (emulated)
    prepare: Callable[[Path, Path], Path] | None = None  # (context, temp dir) -> the context to build
    prepare_problem: Callable[[], str | None] | None = None  # why ``prepare`` cannot run here (None: it can)
    platform_files: dict[str, str] = field(default_factory=dict)  # platform -> image path only its image holds
    trap: Trap | None = None


CASES = {
    "go": Case(
        name="go",
        original=FIXTURES / "go-hello" / "Dockerfile.emulated",
        context=FIXTURES / "go-hello",
        images={"golang:1.22-bookworm": _layout("golang"), "busybox:1.36": _layout("busybox")},
        codes=frozenset({"XL101"}),
        unsafe=False,
        fixed_shape=(
            "FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS build",
            "ARG TARGETOS TARGETARCH",
            "RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/hello .",
        ),
        compile_line="go build",
        run_args=("-version",),  # ENTRYPOINT ["/usr/local/bin/hello"]
        expect_output={"linux/amd64": "linux/amd64", "linux/arm64": "linux/arm64"},
    ),
    "go-make": Case(
        name="go-make",
        original=DATA / "go-make" / "Dockerfile",
        context=DATA / "go-make",
        images={"golang:1.22-bookworm": _layout("toolchains"), "busybox:1.36": _layout("busybox")},
        codes=frozenset({"XL103"}),
        unsafe=True,
        fixed_shape=(
            "FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS build",
            'RUN echo "$TARGETARCH" > /goarch',
            "GOARCH=$TARGETARCH CGO_ENABLED=0 GOOS=$TARGETOS make build VERSION=1.2",
        ),
        compile_line="make build",
        run_args=(),  # ENTRYPOINT ["/usr/local/bin/gomake"]
        expect_output={"linux/amd64": "gomake 1.2 linux/amd64", "linux/arm64": "gomake 1.2 linux/arm64"},
    ),
    "go-install": Case(
        name="go-install",
        original=DATA / "go-install" / "Dockerfile",
        context=DATA / "go-install",
        images={"golang:1.22-bookworm": _layout("golang"), "busybox:1.36": _layout("busybox")},
        codes=frozenset({"XL101"}),
        unsafe=False,
        fixed_shape=(
            "FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS build",
            "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go install example.com/goinst/cmd/goinst \\",
        ),
        compile_line="go install",
        run_args=(),  # ENTRYPOINT ["/usr/local/bin/goinst"]
        expect_output={"linux/amd64": "goinst linux/amd64", "linux/arm64": "goinst linux/arm64"},
    ),
    # A smoke test of the binary just built (`/out/hello -version`): the cross builder runs it only when the
    # build platform is the target (unsafe: the arm64 build no longer runs it under QEMU).
    "go-smoke": Case(
        name="go-smoke",
        original=DATA / "go-smoke" / "Dockerfile",
        context=FIXTURES / "go-hello",
        images={"golang:1.22-bookworm": _layout("golang"), "busybox:1.36": _layout("busybox")},
        codes=frozenset({"XL101"}),
        unsafe=True,
        fixed_shape=(
            "FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS build",
            "ARG TARGETOS TARGETARCH TARGETPLATFORM BUILDPLATFORM",
            'go build -o /out/hello . && if [ "$TARGETPLATFORM" = "$BUILDPLATFORM" ]; then /out/hello -version; fi',
        ),
        compile_line="go build",
        run_args=("-version",),
        expect_output={"linux/amd64": "linux/amd64", "linux/arm64": "linux/arm64"},
    ),
    "go-cgo": Case(
        name="go-cgo",
        original=DATA / "go-cgo" / "Dockerfile",
        context=DATA / "go-cgo",
        images={
            "golang:1.22-bookworm": _layout("toolchains"),
            "debian:bookworm-slim": _layout("golang"),
            "tonistiigi/xx": str(DATA / "xx"),
        },
        codes=frozenset({"XL101"}),
        unsafe=True,
        fixed_shape=(
            "FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx",
            "FROM --platform=$BUILDPLATFORM golang:1.22-bookworm AS build",
            "RUN xx-apt-get install -y gcc libc6-dev",
            "RUN CGO_ENABLED=1 xx-go build -o /out/gocgo .",
            "xx-verify /out/gocgo",
        ),
        compile_line="go build",
        run_args=(),  # ENTRYPOINT ["/usr/local/bin/gocgo"]
        expect_output={"linux/amd64": "gocgo 42 linux/amd64", "linux/arm64": "gocgo 42 linux/arm64"},
        recompiled=frozenset({"usr/local/bin/gocgo"}),  # gcc in the original, xx-clang in the fix
        allow_elf=GO_SOURCE_TREE,
    ),
    "c": Case(
        name="c",
        original=DATA / "c" / "Dockerfile",
        context=FIXTURES / "c-cmake",
        images={
            "debian:bookworm": _layout("toolchains"),
            "debian:bookworm-slim": _layout("golang"),
            "tonistiigi/xx": str(DATA / "xx"),
        },
        codes=frozenset({"XL103"}),
        unsafe=True,
        fixed_shape=(
            "FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx",
            "FROM --platform=$BUILDPLATFORM debian:bookworm AS build",
            "COPY --from=xx / /",
            "ARG TARGETPLATFORM",
            "xx-clang --print-cmake-defines",
            "xx-verify build/hello",
        ),
        compile_line="cmake --build build",
        run_args=("fixbuild",),
        expect_output={"linux/amd64": "hello, fixbuild, from x86_64", "linux/arm64": "hello, fixbuild, from aarch64"},
        recompiled=frozenset({"usr/local/bin/hello"}),
        allow_elf=GO_SOURCE_TREE,
    ),
    "rust-chain": Case(
        name="rust-chain",
        original=DATA / "rust-chain" / "Dockerfile",
        context=DATA / "rust-chain",
        images={
            "debian:bookworm": _layout("toolchains"),
            "debian:bookworm-slim": _layout("golang"),
            "tonistiigi/xx": str(DATA / "xx"),
        },
        codes=frozenset({"XL102"}),
        unsafe=True,
        fixed_shape=(
            "FROM --platform=$BUILDPLATFORM debian:bookworm AS chef",  # the chain's root moves
            "FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx",
            "FROM chef AS builder",
            "RUN xx-cargo build --release --offline",
            "cp target/$(xx-cargo --print-target-triple)/release/chain target/release/chain",
            "llvm-strip target/release/chain",  # the build machine's strip cannot read an aarch64 binary
        ),
        compile_line="cargo build",
        run_args=("fixbuild",),
        expect_output={"linux/amd64": "hello, fixbuild, from x86_64", "linux/arm64": "hello, fixbuild, from aarch64"},
        recompiled=frozenset({"usr/local/bin/chain"}),
        allow_elf=GO_SOURCE_TREE,
    ),
    "java": Case(
        name="java",
        original=DATA / "java" / "Dockerfile",
        context=FIXTURES / "java-maven",
        images={"eclipse-temurin:21-jdk": _layout("toolchains"), "eclipse-temurin:21-jre": _layout("toolchains")},
        codes=frozenset({"XL105"}),
        unsafe=False,
        fixed_shape=("FROM --platform=$BUILDPLATFORM eclipse-temurin:21-jdk AS build",),
        compile_line="javac",
        run_args=("fixbuild",),
        expect_output={"linux/amd64": "hello, fixbuild, from Linux/amd64",
                       "linux/arm64": "hello, fixbuild, from Linux/aarch64"},
        allow_elf=GO_SOURCE_TREE + CROSS_SYSROOT,
    ),
    "node": Case(
        name="node",
        original=DATA / "node" / "Dockerfile",
        context=DATA / "node",
        images={"node:20-bookworm": _layout("toolchains"), "nginx:1.27-alpine": _layout("busybox")},
        codes=frozenset({"XL104"}),
        unsafe=False,
        fixed_shape=("FROM --platform=$BUILDPLATFORM node:20-bookworm AS build",),
        compile_line="tsc -p",
        run_args=("sh", "-c", "uname -m; cd /usr/share/nginx/html && ls && sha256sum index.html app.js"),
        expect_output={"linux/amd64": "x86_64", "linux/arm64": "aarch64"},
    ),
    # The runtime takes node_modules that hold a native program from a per-platform optional package (the
    # shape of esbuild's, swc's or sharp's prebuilt binaries), all local: tests/npm_packages.py compiles the
    # programs and packs vendor/*.tgz per session. The original installs on each target (emulated), so both
    # its images are right; the fixed build installs the runtime's node_modules in a new target-platform
    # stage (its `npm ci --omit=dev` runs for linux/arm64 under QEMU on purpose: it unpacks the arm64
    # package and compiles nothing), so its files are the original's. The naive rewrite (only the builder
    # moved) is built too: its arm64 image holds the x64 program (the trap).
    "node-deps": Case(
        name="node-deps",
        original=DATA / "node-deps" / "Dockerfile",
        context=DATA / "node-deps",
        images={"node:20-bookworm": _layout("node"), "node:20-bookworm-slim": _layout("node")},
        codes=frozenset({"XL104"}),
        unsafe=True,
        fixed_shape=(
            "FROM --platform=$BUILDPLATFORM node:20-bookworm AS build",
            "FROM node:20-bookworm-slim AS build-prod",
            "COPY package.json package-lock.json .npmrc ./",  # npm ci needs the lockfile, the settings (offline)
            "COPY vendor ./vendor",  # and the tarballs the lockfile names
            "RUN npm ci --omit=dev",
            "COPY --from=build-prod /app/node_modules ./node_modules",
        ),
        compile_line="npm run build",
        run_args=(),  # CMD ["node", "dist/server.js"]
        expect_output={"linux/amd64": "node-deps linux/x64: archinfo for linux/amd64 on x86_64",
                       "linux/arm64": "node-deps linux/arm64: archinfo for linux/arm64 on aarch64"},
        target_steps=("npm ci --omit=dev",),
        prepare=make_context,
        prepare_problem=go_problem,
        platform_files={"linux/amd64": "app/node_modules/archinfo-linux-x64/bin/archinfo",
                        "linux/arm64": "app/node_modules/archinfo-linux-arm64/bin/archinfo"},
        trap=Trap(
            rewrite=("FROM node:20-bookworm AS build", "FROM --platform=$BUILDPLATFORM node:20-bookworm AS build"),
            platform="linux/arm64",
            wrong="app/node_modules/archinfo-linux-x64/bin/archinfo",
            # on an amd64 host the x64 program would even run (no QEMU needed): archinfo refuses first
            error="archinfo: package archinfo-linux-arm64 is not installed",
        ),
    ),
}


# ----------------------------------------------------------------------------------------- engine
@pytest.fixture(scope="session")
def engine() -> None:
    require_engine(LAYOUTS)


# ----------------------------------------------------------------------------------------- builds
def offline_text(text: str) -> str:
    """Blank a `# syntax=` directive (its frontend image is on Docker Hub), keeping line numbers."""
    return "".join("# (syntax directive removed: offline engine)\n" if ln.lower().startswith("# syntax=") else ln
                   for ln in text.splitlines(keepends=True))


@dataclass
class Built:
    dockerfile: Path
    archive: Path
    ok: bool
    error: str
    seconds: float
    steps: list[Step]
    image: str  # the name `docker load` gave the archive
    runs: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)


def build(case: Case, context: Path, dockerfile: Path, tag: str, out: Path) -> Built:
    archive = out / f"{case.name}-{tag}.oci.tar"
    name = f"xlint-fixbuild/{case.name}:{tag}-{os.getpid()}"  # concurrent test runs share the daemon
    opts = BuildOptions(
        context=context,
        dockerfile=dockerfile,
        platforms=list(PLATFORMS),
        # uncompressed: the toolchains base layers (~1 GB per arch) are exported as they are, not re-gzipped
        outputs=[f"type=oci,dest={archive},name={name},compression=uncompressed"],
        build_contexts=[f"{img}={src}" for img, src in case.images.items()],
        no_cache=True,
        provenance="false",
        rawjson_file=out / f"{case.name}-{tag}.rawjson",
        extra=[f"--secret={s}" for s in case.secrets],
    )
    result = run_build(opts)
    native: set[str] = set()
    for node in result.builder_nodes:
        native |= native_platforms(node)
    steps = build_steps(
        result.progress.ordered(),
        read_instructions(dockerfile.read_text(), dockerfile.name),
        dockerfile=dockerfile.name,
        platforms=PLATFORMS,
        build_platform=result.build_platform,
        native=native or {BUILD_PLATFORM},
    )
    built = Built(dockerfile, archive, result.ok, result.error, result.wall_seconds, steps, image="")
    if not result.ok:
        return built
    load = subprocess.run(["docker", "load", "-i", str(archive)], capture_output=True, text=True, timeout=600,
                          check=False)
    assert load.returncode == 0, load.stderr
    built.image = name
    for plat in PLATFORMS:
        built.runs[plat] = run_image(name, plat, case.run_args)
    return built


def run_image(image: str, platform: str, args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    """``docker run --platform`` (no network); a container still running after the timeout is removed."""
    cname = f"xlint-fixbuild-{os.getpid()}-{time.monotonic_ns()}"
    cmd = ["docker", "run", "--rm", "--name", cname, "--network", "none", "--platform", platform, image, *args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    except subprocess.TimeoutExpired:
        subprocess.run(["docker", "rm", "-f", cname], capture_output=True, check=False, timeout=60)
        return subprocess.CompletedProcess(cmd, 124, "", f"timed out after 180 s: {' '.join(cmd)}")


@dataclass
class Pair:
    case: Case
    fixed_text: str
    applied: list[str]
    dropped: list[str]
    original: Built
    fixed: Built | None  # None when the fix produced no change (nothing to build)
    naive: Built | None = None  # the case's Trap rewrite


def make_pair(case: Case, tmp: Path) -> Pair:
    t0 = time.monotonic()
    context = case.prepare(case.context, tmp) if case.prepare else case.context
    original = tmp / "Dockerfile.original"
    original.write_text(offline_text(case.original.read_text()))
    opts = CheckOptions(platforms=tuple(PLATFORMS), build_platform=BUILD_PLATFORM, context=context)
    res = fix_text(original.read_text(), str(original), opts, all_rules(), unsafe=case.unsafe)
    fixed_path = tmp / "Dockerfile.fixed"
    fixed_path.write_text(res.text)
    orig = build(case, context, original, "original", tmp)
    fixed = build(case, context, fixed_path, "fixed", tmp) if res.changed else None
    naive = None
    if case.trap is not None:
        old, new = case.trap.rewrite
        assert original.read_text().count(old) == 1, f"{case.name}: `{old}` is not one line of the original"
        naive_path = tmp / "Dockerfile.naive"
        naive_path.write_text(original.read_text().replace(old, new))
        naive = build(case, context, naive_path, "naive", tmp)
    print(f"{case.name}: original {orig.seconds:.1f} s, fixed {fixed.seconds if fixed else 0:.1f} s"
          + (f", naive {naive.seconds:.1f} s" if naive else "")
          + f", total with context and runs {time.monotonic() - t0:.1f} s")
    return Pair(case, res.text, sorted({d.code for d in res.applied}), [f"{d.code}: {why}" for d, why in res.dropped],
                orig, fixed, naive)


class Pairs:
    """Each case built once per session (original and fixed) when a test first asks for it: a `-k` run
    builds only the cases it selects."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.built: dict[str, Pair] = {}

    def __getitem__(self, name: str) -> Pair:
        if name not in self.built:
            case = CASES[name]
            if case.prepare_problem is not None:
                require(case.prepare_problem(), f"the {name} case cannot make its build context")
            self.built[name] = make_pair(case, self.factory.mktemp(f"fixbuild-{name}"))
        return self.built[name]


@pytest.fixture(scope="session")
def pairs(engine: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pairs]:
    """The cases' builds, shared by all tests; their images and archives are removed at the end."""
    made = Pairs(tmp_path_factory)
    yield made
    built = [b for p in made.built.values() for b in (p.original, p.fixed, p.naive) if b is not None]
    images = [b.image for b in built if b.image]
    if images:
        subprocess.run(["docker", "rmi", *images], capture_output=True, check=False, timeout=300)
    for b in built:  # the archives are GBs each (the toolchains image): pytest keeps its last three temp roots
        b.archive.unlink(missing_ok=True)


def _fixed(pair: Pair) -> Built:
    assert pair.fixed is not None, (
        f"{pair.case.name}: `xlint fix` changed nothing in {pair.case.original.relative_to(ROOT)} "
        f"(expected {sorted(pair.case.codes)}; dropped: {pair.dropped})")
    return pair.fixed


# ----------------------------------------------------------------------------------------- image files
def _open_layer(data: io.BytesIO) -> IO[bytes]:
    head = data.read(4)
    data.seek(0)
    if head[:2] == b"\x1f\x8b":
        return io.BytesIO(gzip.decompress(data.getvalue()))
    if head == b"\x28\xb5\x2f\xfd":
        import zstandard

        return io.BytesIO(zstandard.ZstdDecompressor().decompressobj().decompress(data.getvalue()))
    return data


def _content_hash(path: str, data: bytes) -> str:
    """sha256 of the bytes; of a jar/zip: of its entries' names and bytes (zip timestamps left out)."""
    if path.endswith(".jar") and data[:2] == b"PK":
        h = hashlib.sha256(b"jar:")
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for info in sorted(z.infolist(), key=lambda i: i.filename):
                    h.update(info.filename.encode() + b"\0" + hashlib.sha256(z.read(info)).digest())
            return h.hexdigest()
        except (zipfile.BadZipFile, ValueError, NotImplementedError):
            pass  # not a readable jar: its bytes are compared
    return hashlib.sha256(data).hexdigest()


def _norm(name: str) -> str:
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return "/".join(parts)


def final_files(archive: Path) -> dict[str, dict[str, tuple[Any, ...]]]:
    """platform -> {path: (kind, mode, uid, gid, hash or link target)} of each final image filesystem
    (layers applied in order, OCI whiteouts honoured). No timestamps."""
    out: dict[str, dict[str, tuple[Any, ...]]] = {}
    with tarfile.open(archive) as oci:
        def blob(digest: str) -> IO[bytes]:
            f = oci.extractfile("blobs/" + digest.replace(":", "/"))
            assert f is not None
            return f

        def manifests(index: dict[str, Any]) -> Iterator[dict[str, Any]]:
            for d in index.get("manifests", []):
                if d["mediaType"].endswith("image.index.v1+json") or d["mediaType"].endswith("list.v2+json"):
                    yield from manifests(json.load(blob(d["digest"])))
                elif d.get("platform", {}).get("architecture") not in (None, "unknown"):
                    yield d

        top = json.load(oci.extractfile("index.json"))  # type: ignore[arg-type]
        for desc in manifests(top):
            plat = f"{desc['platform']['os']}/{desc['platform']['architecture']}"
            fs: dict[str, tuple[Any, ...]] = {}
            manifest = json.load(blob(desc["digest"]))
            for layer in manifest["layers"]:
                raw = io.BytesIO(blob(layer["digest"]).read())
                with tarfile.open(fileobj=_open_layer(raw), mode="r|") as t:
                    for m in t:
                        path = _norm(m.name)
                        base = path.rsplit("/", 1)[-1]
                        parent = path.rsplit("/", 1)[0] if "/" in path else ""
                        if base == ".wh..wh..opq":
                            for p in [p for p in fs if p.startswith(parent + "/") or (not parent and p)]:
                                del fs[p]
                            continue
                        if base.startswith(".wh."):
                            gone = (parent + "/" if parent else "") + base[4:]
                            for p in [p for p in fs if p == gone or p.startswith(gone + "/")]:
                                del fs[p]
                            continue
                        if m.isfile():
                            f = t.extractfile(m)
                            assert f is not None
                            entry: tuple[Any, ...] = ("f", m.mode, m.uid, m.gid, _content_hash(path, f.read()))
                        elif m.islnk():
                            target = _norm(m.linkname)
                            entry = ("f", *fs.get(target, ("f", m.mode, m.uid, m.gid, "?"))[1:])
                        elif m.issym():
                            entry = ("l", m.mode, m.uid, m.gid, m.linkname)
                        elif m.isdir():
                            entry = ("d", m.mode, m.uid, m.gid, "")
                        else:
                            entry = ("o", m.mode, m.uid, m.gid, m.type)
                        if path in fs and fs[path][0] == "d" and entry[0] != "d":
                            for p in [p for p in fs if p.startswith(path + "/")]:
                                del fs[p]
                        fs[path] = entry
            out[plat] = fs
    return out


_files_cache: dict[Path, dict[str, dict[str, tuple[Any, ...]]]] = {}


def files_of(built: Built) -> dict[str, dict[str, tuple[Any, ...]]]:
    if built.archive not in _files_cache:
        _files_cache[built.archive] = final_files(built.archive)
    return _files_cache[built.archive]


def _steps_at(built: Built, needle: str, platform: str) -> list[Step]:
    return [s for s in built.steps if s.platform == platform and s.keyword == "RUN" and needle in s.text]


# ----------------------------------------------------------------------------------------- tests
names = sorted(CASES)


@pytest.mark.parametrize("name", names)
def test_fix_has_the_expected_shape(name: str, pairs: Pairs) -> None:
    pair = pairs[name]
    case = pair.case
    assert set(pair.applied) >= case.codes, f"applied {pair.applied}, dropped {pair.dropped}"
    lines = pair.fixed_text
    missing = [want for want in case.fixed_shape if want not in lines]
    assert not missing, f"fixed Dockerfile lacks {missing}:\n{pair.fixed_text}"


@pytest.mark.parametrize("name", names)
def test_both_builds_succeed(name: str, pairs: Pairs) -> None:
    pair = pairs[name]
    assert pair.original.ok, f"original build failed: {pair.original.error}"
    fixed = _fixed(pair)
    assert fixed.ok, f"fixed build failed: {fixed.error}\n{pair.fixed_text}"


@pytest.mark.parametrize("name", names)
def test_original_emulates_and_fixed_cross_compiles(name: str, pairs: Pairs) -> None:
    pair = pairs[name]
    needle = pair.case.compile_line
    (orig_arm,) = _steps_at(pair.original, needle, "linux/arm64")
    assert orig_arm.placement == "emulated" and orig_arm.exec_platform == "linux/arm64"
    fixed = _fixed(pair)
    assert fixed.ok, fixed.error
    # Target-specific compiles (Go, C) run once per target, cross from the build platform; an
    # arch-independent builder (jar, assets) runs once, natively, and serves both targets.
    fixed_compiles = [s for p in PLATFORMS for s in _steps_at(fixed, needle, p)]
    assert fixed_compiles, [s.text for s in fixed.steps]
    for s in fixed_compiles:
        assert s.exec_platform == BUILD_PLATFORM and s.placement in ("cross", "native"), s.to_json()
    emulated = [s.text for s in fixed.steps if s.placement == "emulated" and not s.cached
                and not any(t in s.text for t in pair.case.target_steps)]
    assert emulated == [], f"the fixed build still runs these steps under QEMU: {emulated}"


@pytest.mark.parametrize("name", names)
def test_final_images_hold_the_same_files(name: str, pairs: Pairs) -> None:
    pair = pairs[name]
    fixed = _fixed(pair)
    assert pair.original.ok and fixed.ok, (pair.original.error, fixed.error)
    before, after = files_of(pair.original), files_of(fixed)
    assert sorted(before) == sorted(after) == PLATFORMS
    for plat in PLATFORMS:
        a, b = before[plat], after[plat]
        only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
        assert not only_a and not only_b, f"{plat}: only in original {only_a[:20]}, only in fixed {only_b[:20]}"
        differ = sorted(p for p in a if a[p] != b[p] and p not in pair.case.recompiled)
        assert not differ, f"{plat}: differ: " + "; ".join(f"{p}: {a[p]} vs {b[p]}" for p in differ[:10])
        for p in pair.case.recompiled:
            assert a[p][0] == b[p][0] == "f" and a[p][1:4] == b[p][1:4], (p, a[p], b[p])


@pytest.mark.parametrize("name", names)
def test_every_binary_has_the_platform_machine(name: str, pairs: Pairs) -> None:
    pair = pairs[name]
    fixed = _fixed(pair)
    for built in (pair.original, fixed):
        assert built.ok, built.error
        res = verify_image(str(built.archive), list(PLATFORMS), allow=list(pair.case.allow_elf))
        assert res.ok, res.render_text()
        assert sorted(p.platform for p in res.platforms) == PLATFORMS
        assert all(p.elf_files > 0 for p in res.platforms), res.render_text()


@pytest.mark.parametrize("name", names)
def test_program_prints_the_same_on_each_platform(name: str, pairs: Pairs) -> None:
    pair = pairs[name]
    fixed = _fixed(pair)
    for built in (pair.original, fixed):
        assert built.ok, built.error
        for plat in PLATFORMS:
            run = built.runs[plat]
            assert run.returncode == 0, f"{built.dockerfile.name} on {plat}: {run.stdout}{run.stderr}"
            assert pair.case.expect_output[plat] in run.stdout, (plat, run.stdout)
    for plat in PLATFORMS:
        assert fixed.runs[plat].stdout == pair.original.runs[plat].stdout, plat


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.platform_files))
def test_each_image_holds_its_platform_package(name: str, pairs: Pairs) -> None:
    """The per-platform program is there, executable, and no other platform's is."""
    pair = pairs[name]
    fixed = _fixed(pair)
    for built in (pair.original, fixed):
        assert built.ok, built.error
        files = files_of(built)
        for plat in PLATFORMS:
            own = pair.case.platform_files[plat]
            assert own in files[plat] and files[plat][own][0] == "f" and files[plat][own][1] & 0o111, (plat, own)
            others = [p for q, p in pair.case.platform_files.items() if q != plat and p in files[plat]]
            assert not others, f"{built.dockerfile.name} {plat} holds {others}"


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.trap))
def test_naive_rewrite_ships_the_build_platform_program(name: str, pairs: Pairs) -> None:
    """Proof that the trap the fix avoids is real: with only the builder moved to the build platform, the
    image for the trap's platform takes the build platform's node_modules."""
    pair = pairs[name]
    trap = pair.case.trap
    assert trap is not None and pair.naive is not None
    naive = pair.naive
    assert naive.ok, naive.error
    files = files_of(naive)[trap.platform]
    assert trap.wrong in files and pair.case.platform_files[trap.platform] not in files, sorted(files)[-20:]
    res = verify_image(str(naive.archive), [trap.platform], allow=list(pair.case.allow_elf))
    wrong = [f.path for p in res.platforms for f in p.failures if f.check == "arch"]
    assert wrong == ["/" + trap.wrong], res.render_text()
    run = naive.runs[trap.platform]
    assert run.returncode != 0 and trap.error in run.stderr, (run.returncode, run.stdout, run.stderr)
    for plat in PLATFORMS:  # the other platforms' images are right (and the same as the fix's)
        if plat != trap.platform:
            assert naive.runs[plat].stdout == _fixed(pair).runs[plat].stdout, plat
