"""Reading a context's Makefile: which `make` runs compile nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlint.makefiles import runs_js_build_only, runs_no_compiler, runs_own_go_tool

MAKEFILE = """\
# metadata targets and a real build
VERSION := 1.2
.PHONY: all version entrypoints sub
all: app
version:
\t@echo $(VERSION) > VERSION
entrypoints: version
\tsed -e 's/x/y/' entry.tmpl \\
\t  > entry.txt
app: main.o
main.o: main.c
\t$(CC) -c main.c
sub:
\t$(MAKE) -C sub
gen:
\tgo generate ./...
"""


@pytest.mark.parametrize(("targets", "expected"), [
    (["version"], True),
    (["entrypoints"], True),  # its prerequisite `version` runs no compiler either
    (["version", "entrypoints"], True),
    ([], False),  # the default target `all` builds app
    (["app"], False),  # no recipe: an implicit rule links it
    (["main.o"], False),
    (["sub"], False),  # recursive make: unknown
    (["gen"], False),
    (["missing"], False),
])
def test_targets(tmp_path: Path, targets: list[str], expected: bool) -> None:
    (tmp_path / "Makefile").write_text(MAKEFILE)
    (tmp_path / "main.c").write_text("int main(void){return 0;}\n")
    assert runs_no_compiler(tmp_path / "Makefile", targets) is expected


def test_include_or_unreadable_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "Makefile").write_text("include rules.mk\nversion:\n\techo 1\n")
    assert runs_no_compiler(tmp_path / "Makefile", ["version"]) is False
    assert runs_no_compiler(tmp_path / "nothing", ["version"]) is False


JS_MAKEFILE = """\
.PHONY: build install lint native
build: install
\tNODE_ENV=production yarn build
install:
\tyarn install --frozen-lockfile
lint:
\tnpx eslint src
native:
\tnpm run build && gcc -o helper helper.c
tools:
\t$(NPM) install
"""


@pytest.mark.parametrize(("targets", "expected"), [
    (["install", "build"], True),
    (["build"], True),  # its prerequisite `install` runs yarn too
    ([], True),  # the default target is `build`
    (["lint"], True),
    (["native"], False),  # a C compile next to the JS build
    (["tools"], False),  # a variable as the command: unknown
    (["missing"], False),
])
def test_js_build_targets(tmp_path: Path, targets: list[str], expected: bool) -> None:
    (tmp_path / "Makefile").write_text(JS_MAKEFILE)
    assert runs_js_build_only(tmp_path / "Makefile", targets) is expected


def test_js_build_needs_a_js_tool(tmp_path: Path) -> None:
    (tmp_path / "Makefile").write_text("version:\n\techo 1 > VERSION\n")
    assert runs_js_build_only(tmp_path / "Makefile", ["version"]) is False
    assert runs_js_build_only(tmp_path / "nothing", ["version"]) is False


GO_MAKEFILE = """\
all: gen server
gen:
\tgo build -o bin/gen ./tools/gen
\t./bin/gen -o internal/generated.go
server:
\tCGO_ENABLED=0 go build -o bin/server ./cmd/server
embed:
\tgo run ./tools/embed && go build -o bin/server ./cmd/server
check:
\tgo test ./...
testbin:
\tgo test -c -o bin/tests ./pkg && go build -o bin/server ./cmd/server
"""


@pytest.mark.parametrize(("targets", "expected"), [
    (["all"], "./bin/gen -o internal/generated.go"),  # (all only groups its prerequisites)
    ([], "./bin/gen -o internal/generated.go"),  # the default target
    (["server"], None),
    (["embed"], "go run ./tools/embed && go build -o bin/server ./cmd/server"),
    (["check"], "go test ./..."),
    (["testbin"], None),  # `go test -c` builds the test binary, runs nothing
])
def test_a_go_program_the_make_run_builds_and_runs(tmp_path: Path, targets: list[str], expected: str | None) -> None:
    (tmp_path / "Makefile").write_text(GO_MAKEFILE)
    assert runs_own_go_tool(tmp_path / "Makefile", targets) == expected
