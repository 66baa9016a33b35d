r"""XL103 c-compile-emulated.

## What it does
Reports C/C++ builds in a stage that runs on the target platform when some target platform differs
from the build platform: `make`, `cmake --build`, `ninja`, `gcc`, `g++`, `cc`, `c++`, `clang`,
`./configure`, `meson compile`, `scons`. Configuring alone (`cmake -B build`, `meson setup`) is not
reported, nor are `make` runs whose targets are all chores by name (`clean`, `lint`, `help`, `version`,
`print-X`, `download-X`, `fetch-X`, `load-X`). A step that installs a compiler, runs a command xlint has no reader for (`luarocks install`,
an application's own installer) and removes the compiler again is reported at that command: nobody
installs a compiler for one step without compiling in it. When that command is a Node program installed
from npm (`ghost install`, from `npm install -g ghost-cli`) on a Node image, the compiler is node-gyp's
(g++, make, python3) and every target is linux/amd64 or linux/arm64, the unsafe fix drops the compiler
install: the addons take their prebuilt binaries, and one without a prebuilt binary for the target fails
to install instead of compiling under QEMU.

## Why is this bad?
Under QEMU the compiler, the assembler, the linker and every `configure` probe run emulated: 5-10x
slower than natively (measured here for Go: 7.2x native). C and C++ cross-compile with a cross
toolchain: Debian's `crossbuild-essential-<arch>` with multiarch libraries, or clang with a target
sysroot through tonistiigi/xx.

## Example
```dockerfile
FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y build-essential cmake
COPY . /src
RUN cmake -S /src -B /build && cmake --build /build

FROM debian:bookworm-slim
COPY --from=build /build/hello /usr/local/bin/hello
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM debian:bookworm AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y clang lld cmake
ARG TARGETPLATFORM
RUN xx-apt-get install -y libc6-dev
COPY . /src
RUN cmake -S /src -B /build $(xx-clang --print-cmake-defines) && cmake --build /build && \
    xx-verify /build/hello

FROM debian:bookworm-slim
COPY --from=build /build/hello /usr/local/bin/hello
```

`xlint fix --unsafe-fixes` does this for a builder stage with tonistiigi/xx: `xx-clang` for plain
compiler calls, `$(xx-clang --print-cmake-defines)` for CMake, `CC=xx-clang` and `--host` for
`./configure`, `CC=xx-clang` on a plain `make`, the stage's `-dev` libraries installed for the target,
`strip` turned into `llvm-strip` (Debian), and `xx-verify` on the outputs it knows. A `make` in a Node
stage that drives the JS build (its Makefile runs yarn/npm; with no Makefile to read, the stage installs
no C compiler) moves with the stage instead. In a stage that must stay on the target (the image itself,
or a stage others are built `FROM`), a self-contained step that fetches sources (`git clone`,
`curl | tar`), configures them (`./configure`, an `./autogen.sh` that runs it, or CMake) and runs `make
install` moves to a builder stage of its own: it cross-compiles there, installs into `/out`
(`DESTDIR`), and the stage copies the installed tree back before its RUN, which keeps its other
downloads and drops the build packages only that step used.

## References
- BuildKit docs, multi-platform builds: "not recommended for CPU intensive tasks like compiling"
- tonistiigi/xx README: C/C++ (`xx-clang`, `--print-cmake-defines`, autotools `--host`)
- Debian wiki: CrossToolchains, Multiarch/HOWTO
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlint.derived import report_derived
from xlint.fixes.emulated import report_emulated_xx
from xlint.rule import Context, Invalid, Rule, Valid

if TYPE_CHECKING:
    from xlint.derived import Derived
    from xlint.fixes.plan import Plan
    from xlint.model import Model


class CCompileEmulated(Rule):
    __doc__ = __doc__
    code = "XL103"
    name = "c-compile-emulated"
    message = ("`{cmd}` runs under QEMU emulation in stage '{stage}' for {platforms}: compiles run 5-10x "
               "slower emulated (measured: a Go build 7.2x native)")
    hint = ("Cross-compile natively: a `--platform=$BUILDPLATFORM` builder with a cross toolchain: "
            "tonistiigi/xx (`xx-clang`, `$(xx-clang --print-cmake-defines)`, autotools `--host=$(xx-clang "
            "--print-target-triple)`, `xx-apt-get`/`xx-apk` for target libraries, `xx-verify`) or Debian "
            "`crossbuild-essential-<arch>` with `dpkg --add-architecture`.")
    fix_title = "Rewrite the builder to cross-compile with tonistiigi/xx (`xx-clang`)"
    fix_applicability = "unsafe"
    emulation = True

    def check(self, ctx: Context) -> None:
        report_emulated_xx(self, ctx, "c")
        report_derived(self, ctx, "c", _node_gyp_plan)


def _node_gyp_plan(model: Model, d: Derived) -> Plan:
    from xlint.fixes.node import node_gyp_plan  # (the fix recipes load only for a file with a finding)

    return node_gyp_plan(model, d)


CCompileEmulated.valid = [
    # targets named for chores: fetching prebuilt files, cleaning, printing
    Valid("FROM node:20\nCOPY ui ui\nRUN make -C ui download-assets && make clean && make print-VERSION\n"),
    # only plumbing between the install and the removal: nothing to compile
    Valid("FROM debian:bookworm\nRUN apt-get update && apt-get install -y g++ && mkdir -p /app "
          "&& chown 1000 /app && apt-get purge -y g++\n"),
    # the context's Makefile shows the target runs no compiler
    Valid("FROM debian:bookworm\nCOPY . /src\nRUN make -C /src version entrypoints\n",
          context={"Makefile": ".PHONY: version entrypoints\nversion: VERSION.in\n\t@echo 1.2 > VERSION\n"
                   "entrypoints:\n\tsed -e s/x/y/ entry.tmpl > entry.txt\n", "VERSION.in": "1.2\n"}),
    # no compiler in the stage: gems install prebuilt or pure-Ruby
    Valid("FROM ruby:3.3-slim\nCOPY Gemfile Gemfile.lock ./\nRUN bundle install\n"),
    Valid(
        "FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx\n"
        "FROM --platform=$BUILDPLATFORM debian:bookworm AS build\n"
        "COPY --from=xx / /\n"
        "ARG TARGETPLATFORM\n"
        "RUN xx-clang -o /hello hello.c\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=build /hello /hello\n"
    ),
    Valid("FROM debian:bookworm\nRUN cmake -S . -B build && gcc --version && meson setup build\n"),
    Valid("FROM debian:bookworm\nRUN make -j4\n", platforms=("linux/amd64",)),
    Valid("FROM debian:bookworm\nRUN pkg-config --cflags openssl && gcc-config -l\n"),
]

CCompileEmulated.invalid = [
    # a compiler installed for one step, and removed at its end: the command in between compiles
    Invalid("FROM debian:bookworm\nRUN apt-get update && apt-get install -y g++ make \\\n"
            " && luarocks install lpeg && apt-get purge -y --auto-remove g++ make\n", line=3),
    # PHP extensions built against the image's own PHP: reported, never moved (they are the target's)
    Invalid("FROM php:8.3-fpm-alpine\nRUN apk add --no-cache $PHPIZE_DEPS libzip-dev && docker-php-ext-install zip\n",
            line=2),
    Invalid("FROM debian:bookworm\nCOPY . /src\nRUN bash -e hack/build.sh release\n", line=3,
            context={"hack/build.sh": "cd src\n./configure --prefix=/usr && make -j4 && make install\n"}),
    # the Makefile's target compiles (directly, or through a prerequisite)
    Invalid("FROM debian:bookworm\nCOPY . /src\nRUN make release\n", line=3,
            context={"Makefile": "release: app\n\tstrip app\napp: main.c\n\t$(CC) -O2 -o app main.c\n",
                     "main.c": "int main(void){return 0;}\n"}),
    Invalid("FROM debian:bookworm\nRUN make docs\n", line=2,
            context={"Makefile": "include common.mk\ndocs:\n\techo docs\n"}),
    # PHP and Ruby extensions are C compiles
    Invalid("FROM php:8.3-fpm\nRUN docker-php-ext-install -j$(nproc) pdo_mysql && pecl install redis\n", line=2,
            count=2),
    Invalid("FROM ruby:3.3\nCOPY Gemfile Gemfile.lock ./\nRUN bundle install\n", line=3),
    Invalid("FROM ruby:3.3-alpine\nRUN apk add --no-cache build-base\nRUN gem install nokogiri\n", line=3),
    Invalid(
        "FROM debian:bookworm AS build\n"
        "COPY . /src\n"
        "RUN cmake -S /src -B /build && cmake --build /build\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=build /build/hello /hello\n",
        line=3,
        unsafe=True,
        fixed="FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx\n"
        "FROM --platform=$BUILDPLATFORM debian:bookworm AS build\n"
        "COPY --from=xx / /\n"
        "RUN apt-get update && apt-get install -y clang lld\n"
        "COPY . /src\n"
        "ARG TARGETPLATFORM\n"
        "RUN xx-apt-get install -y gcc libc6-dev g++\n"
        "RUN cmake -S /src -B /build $(xx-clang --print-cmake-defines) && cmake --build /build \\\n"
        "    && xx-verify /build/hello\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=build /build/hello /hello\n",
    ),
    Invalid("FROM alpine\nRUN ./configure --prefix=/usr && make && make install\n", line=2, count=3),
    Invalid("FROM debian:bookworm\nRUN gcc -O2 -o /hello hello.c\n", line=2),
    Invalid("FROM debian:bookworm\nRUN meson compile -C build && ninja -C build install\n", line=2, count=2),
    Invalid("FROM debian:bookworm\nRUN sudo /usr/bin/make -C src\n", line=2),
]
