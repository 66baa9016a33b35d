"""Tests of the shell view of RUN instructions (xlint.shell)."""

from __future__ import annotations

import json
import re
import time

import pytest

from xlint.shell import SimpleCommand, Word, assignments, parse_script, run_commands
from xlint.syntax.tree import Arg, Heredoc, Instruction, LogicalLine, Span

# ---------------------------------------------------------------------------------------------------------
# Hand-built instructions (independent of the Dockerfile parser)


def _logical(source: str, start: int, end: int) -> LogicalLine:
    """Logical line of ``source[start:end]``: ``\\`` + newline continuations and the comment lines after
    them removed, with the offset of every character."""
    text: list[str] = []
    offsets: list[int] = []
    i = start
    while i < end:
        if source[i] == "\\" and source.startswith("\n", i + 1):
            i += 2
            while True:  # comment lines inside a continuation are dropped
                m = re.compile(r"[ \t]*#[^\n]*\n").match(source, i)
                if m is None or m.end() > end:
                    break
                i = m.end()
            continue
        text.append(source[i])
        offsets.append(i)
        i += 1
    offsets.append(end)
    return LogicalLine("".join(text), offsets)


def shell_run(source: str, start: int = 0) -> Instruction:
    """A shell-form RUN starting at ``source[start:]`` (``RUN `` then the command, to the end of text)."""
    end = len(source.rstrip("\n"))
    kw_end = start + 3
    args_start = kw_end + 1
    logical = _logical(source, args_start, end)
    return Instruction(
        span=Span(start, len(source)),
        text=source[start:],
        keyword="RUN",
        keyword_span=Span(start, kw_end),
        start_line=1,
        end_line=1,
        flags=[],
        args=[Arg(Span(args_start, end), source[args_start:end], logical.text)],
        value=(logical.text,),
        json=False,
        heredocs=[],
        logical=logical,
    )


_MARKER = re.compile(r"(\d?)<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\3")


def heredoc_run(source: str) -> Instruction:
    """A RUN with heredocs: the first line is the instruction, the bodies follow (as BuildKit reads them)."""
    line_end = source.index("\n")
    logical = _logical(source, 4, line_end)
    docs: list[Heredoc] = []
    pos = line_end + 1
    for m in _MARKER.finditer(source, 0, line_end):
        name = m.group(4)
        strip = m.group(2) == "-"
        body_start = pos
        content: list[str] = []
        while True:
            nl = source.index("\n", pos)
            line = source[pos : nl + 1]
            check = line.lstrip("\t") if strip else line
            if check.rstrip("\n") == name:
                body_end = pos
                pos = nl + 1
                break
            content.append(line.lstrip("\t") if strip else line)
            pos = nl + 1
        docs.append(
            Heredoc(
                span=Span(body_start, pos),
                text=source[body_start:pos],
                name=name,
                quoted=bool(m.group(3)),
                strip_tabs=strip,
                file_descriptor=int(m.group(1) or 0),
                content="".join(content),
                content_span=Span(body_start, body_end),
                marker_span=Span(m.start() + len(m.group(1)), m.end()),
            )
        )
    return Instruction(
        span=Span(0, len(source)),
        text=source,
        keyword="RUN",
        keyword_span=Span(0, 3),
        start_line=1,
        end_line=1,
        flags=[],
        args=[Arg(Span(4, line_end), source[4:line_end], logical.text)],
        value=(logical.text,),
        json=False,
        heredocs=docs,
        logical=logical,
    )


def json_run(source: str) -> Instruction:
    """An exec-form RUN: ``RUN ["a", "b"]``; arg spans include the quotes."""
    start = source.index("[")
    args: list[Arg] = []
    decoder = json.JSONDecoder()
    i = start + 1
    while True:
        m = re.compile(r"\s*,?\s*").match(source, i)
        assert m is not None
        i = m.end()
        if source[i] == "]":
            break
        value, end = decoder.raw_decode(source, i)
        args.append(Arg(Span(i, end), source[i:end], value))
        i = end
    end = i + 1
    return Instruction(
        span=Span(0, len(source)),
        text=source,
        keyword="RUN",
        keyword_span=Span(0, 3),
        start_line=1,
        end_line=1,
        flags=[],
        args=args,
        value=tuple(a.value for a in args),
        json=True,
        heredocs=[],
        logical=LogicalLine(source[start:end], list(range(start, end + 1))),
    )


def src(source: str, span: Span) -> str:
    return source[span.start : span.end]


def names(cmds: list[SimpleCommand]) -> list[str | None]:
    return [c.name for c in cmds]


def by_name(cmds: list[SimpleCommand], name: str) -> SimpleCommand:
    found = [c for c in cmds if c.name == name]
    assert len(found) == 1, (name, names(cmds))
    return found[0]


def check_spans(source: str, cmd: SimpleCommand) -> None:
    """Every word's span gives back its raw text (no continuation inside the word)."""
    for w in cmd.argv:
        assert src(source, w.span) == w.raw, (w, src(source, w.span))
    for a in cmd.env:
        assert src(source, a.span) == f"{a.name}={a.raw_value}"


# ---------------------------------------------------------------------------------------------------------
# parse_script: constructs


def test_simple_command_words_and_values() -> None:
    s = """go build -o "out dir/app" 'lit $X' $A "a$B" a\\ b "x"y'z' ~/bin *.c --x=\\$y"""
    (cmd,) = parse_script(s)
    assert cmd.name == "go" and cmd.basename == "go"
    assert [w.raw for w in cmd.argv] == [
        "go",
        "build",
        "-o",
        '"out dir/app"',
        "'lit $X'",
        "$A",
        '"a$B"',
        "a\\ b",
        "\"x\"y'z'",
        "~/bin",
        "*.c",
        "--x=\\$y",
    ]
    assert cmd.args() == [
        "build",
        "-o",
        "out dir/app",
        "lit $X",
        None,
        None,
        "a b",
        "xyz",
        "~/bin",
        "*.c",
        "--x=$y",
    ]
    assert cmd.env == [] and cmd.context == ()
    assert src(s, cmd.span) == s
    check_spans(s, cmd)


def test_env_prefix() -> None:
    s = 'CGO_ENABLED=0 GOOS=linux GOARCH=$TARGETARCH GOFLAGS="-a -b" E= go build ./...'
    (cmd,) = parse_script(s)
    assert cmd.name == "go"
    assert [(a.name, a.raw_value, a.value) for a in cmd.env] == [
        ("CGO_ENABLED", "0", "0"),
        ("GOOS", "linux", "linux"),
        ("GOARCH", "$TARGETARCH", None),
        ("GOFLAGS", '"-a -b"', "-a -b"),
        ("E", "", ""),
    ]
    assert src(s, cmd.span) == s
    check_spans(s, cmd)


def test_lists_pipes_negation_background() -> None:
    s = "apt-get update && apt-get install -y gcc || true; curl -fsSL x | sh -s; ! grep a b & wait"
    cmds = parse_script(s)
    assert names(cmds) == ["apt-get", "apt-get", "true", "curl", "sh", "grep", "wait"]
    assert by_name(cmds, "curl").context == ("|",)
    assert by_name(cmds, "sh").context == ("|",)
    assert by_name(cmds, "grep").context == ("!",)
    assert [src(s, c.span) for c in cmds] == [
        "apt-get update",
        "apt-get install -y gcc",
        "true",
        "curl -fsSL x",
        "sh -s",
        "grep a b",
        "wait",
    ]


def test_subshell_group_substitutions() -> None:
    s = "(cd src && make); { echo a; }; echo $(uname -m) `dpkg --print-architecture` <(ls) ${X:-$(arch)}"
    cmds = parse_script(s)
    assert [(c.name, c.context) for c in cmds] == [
        ("cd", ("(...)",)),
        ("make", ("(...)",)),
        ("echo", ("{...}",)),
        ("echo", ()),
        ("uname", ("$(...)",)),
        ("dpkg", ("`...`",)),
        ("ls", ("<(...)",)),
        ("arch", ("$(...)",)),
    ]
    for c in cmds:
        check_spans(s, c)
    assert src(s, by_name(cmds, "uname").span) == "uname -m"
    assert src(s, by_name(cmds, "dpkg").span) == "dpkg --print-architecture"
    assert by_name(cmds, "dpkg").args() == ["--print-architecture"]
    outer = cmds[3]
    assert outer.args() == [None, None, None, None]


def test_compound_statements() -> None:
    s = (
        "if [ -f x ]; then a; elif test -d y; then b; else c; fi; for i in 1 2; do d $i; done; "
        "while e; do f; done; until g; do h; done; case $X in amd64) i;; *) j;; esac; fn() { k; }; fn"
    )
    cmds = parse_script(s)
    got = [(c.name, c.context) for c in cmds]
    assert got == [
        ("a", ("if",)),
        ("test", ("if",)),
        ("b", ("if",)),
        ("c", ("if",)),
        ("d", ("for",)),
        ("e", ("while",)),
        ("f", ("while",)),
        ("g", ("while",)),
        ("h", ("while",)),
        ("i", ("case",)),
        ("j", ("case",)),
        ("k", ("function", "{...}")),
        ("fn", ()),
    ]
    for c in cmds:
        check_spans(s, c)


def test_redirections_are_not_arguments() -> None:
    s = "make >/dev/null install 2>&1 all; >log cmd a; cat <in.txt b <<<'s'"
    cmds = parse_script(s)
    assert [(c.name, c.args()) for c in cmds] == [
        ("make", ["install", "all"]),
        ("cmd", ["a"]),
        ("cat", ["b"]),
    ]
    for c in cmds:
        check_spans(s, c)


def test_dynamic_command_name_and_paths() -> None:
    s = '"$CC" -o x x.c; ./configure --host=$HOST; /usr/bin/make -j"$(nproc)"'
    cmds = parse_script(s)
    assert cmds[0].name is None and cmds[0].basename is None and cmds[0].argv[0].raw == '"$CC"'
    assert cmds[1].name == "./configure" and cmds[1].basename == "configure" and cmds[1].args() == [None]
    assert cmds[2].name == "/usr/bin/make" and cmds[2].basename == "make" and cmds[2].args() == [None]
    assert names(cmds) == [None, "./configure", "/usr/bin/make", "nproc"]


def test_wrappers_are_not_unwrapped() -> None:
    s = "env GOOS=linux go build; exec nginx; time make; sudo apt-get install x"
    cmds = parse_script(s)
    assert names(cmds) == ["env", "exec", "time", "sudo"]
    assert cmds[0].args() == ["GOOS=linux", "go", "build"]
    assert cmds[3].args() == ["apt-get", "install", "x"]


def test_quoting_values() -> None:
    s = r"""echo "$X" "${X}" '$X' "\$X" $'a\tb' "a"'b'c "it's" \" $((1+2)) "" '' $"loc" """.strip()
    (cmd,) = parse_script(s)
    assert cmd.args() == [None, None, "$X", "$X", "a\tb", "abc", "it's", '"', None, "", "", "loc"]
    check_spans(s, cmd)


def test_declarations_are_commands_and_assignments() -> None:
    s = "export A=1 B; X=2 Y=$Z; readonly R=r; unset Q"
    cmds = parse_script(s)
    assert names(cmds) == ["export", "readonly", "unset"]
    assert cmds[0].args() == ["A=1", "B"]
    assert src(s, cmds[0].span) == "export A=1 B"


# ---------------------------------------------------------------------------------------------------------
# sh -c


def test_sh_c_single_quoted_spans() -> None:
    s = "sh -c 'apt-get update && GOARCH=arm64 go build -o \"a b\"' && bash -ec 'uname -m'"
    cmds = parse_script(s)
    assert [(c.name, c.context) for c in cmds] == [
        ("sh", ()),
        ("apt-get", ("sh -c",)),
        ("go", ("sh -c",)),
        ("bash", ()),
        ("uname", ("sh -c",)),
    ]
    go = by_name(cmds, "go")
    assert src(s, go.span) == 'GOARCH=arm64 go build -o "a b"'
    assert go.args() == ["build", "-o", "a b"]
    assert [(a.name, a.value) for a in go.env] == [("GOARCH", "arm64")]
    for c in cmds:
        check_spans(s, c)


def test_sh_c_double_quoted_with_escapes() -> None:
    s = 'bash -o pipefail -c "echo \\"hi there\\" && GOARCH=$TARGETARCH go build \\$PKG && make"'
    cmds = parse_script(s)
    assert names(cmds) == ["bash", "echo", "go", "make"]
    string = cmds[0].argv[-1].span
    for c in cmds[1:]:
        assert c.context == ("sh -c",)
        assert string.contains(c.span)
        for w in c.argv:
            assert string.contains(w.span)
    echo = cmds[1]
    assert echo.args() == ["hi there"]
    assert src(s, echo.argv[1].span) == '\\"hi there\\"'
    go = cmds[2]
    assert src(s, go.span) == "GOARCH=$TARGETARCH go build \\$PKG"
    assert go.env[0].value is None  # $TARGETARCH is expanded by the outer shell: unknown here
    assert go.args() == ["build", None]  # the inner shell sees $PKG
    assert src(s, cmds[3].span) == "make"


def test_sh_c_not_a_script() -> None:
    cmds = parse_script("sh ./install.sh -c x; bash -e script.sh; sh -c; /bin/sh -xc 'ls'")
    assert names(cmds) == ["sh", "bash", "sh", "/bin/sh", "ls"]
    assert cmds[-1].context == ("sh -c",)


def test_sh_c_with_outer_substitution_not_duplicated() -> None:
    s = 'sh -c "echo $(uname -m)"'
    cmds = parse_script(s)
    assert names(cmds) == ["sh", "uname", "echo"]
    assert by_name(cmds, "uname").context == ("$(...)",)  # run by the outer shell
    assert src(s, by_name(cmds, "uname").span) == "uname -m"
    assert by_name(cmds, "echo").context == ("sh -c",)


def test_sh_c_nested_two_levels() -> None:
    s = """sh -c 'bash -c "make all"'"""
    cmds = parse_script(s)
    assert [(c.name, c.context) for c in cmds] == [
        ("sh", ()),
        ("bash", ("sh -c",)),
        ("make", ("sh -c", "sh -c")),
    ]
    assert src(s, cmds[2].span) == "make all"


# ---------------------------------------------------------------------------------------------------------
# offsets, unicode, robustness


def test_offsets_map() -> None:
    # script "a b" whose characters sit at 10, 11 and 20 in some source
    (cmd,) = parse_script("a b", [10, 11, 20, 21])
    assert cmd.argv[0].span == Span(10, 11)
    assert cmd.argv[1].span == Span(20, 21)
    assert cmd.span == Span(10, 21)


def test_unicode_and_surrogates() -> None:
    s = "echo héllo 日本 😀 && printf '\udcff\udcfe' x && ünïcode ok"
    cmds = parse_script(s)
    assert names(cmds) == ["echo", "printf", "ünïcode"]
    assert cmds[0].args() == ["héllo", "日本", "😀"]
    assert cmds[1].args() == ["\udcff\udcfe", "x"]
    for c in cmds:
        check_spans(s, c)
    assert src(s, cmds[2].span) == "ünïcode ok"


@pytest.mark.parametrize(
    "script",
    [
        "",
        "   ",
        'echo "unterminated && make',
        "if then fi ((( ]] }}} $(",
        "<<<<<<< >>>>>> ;;; &&& |||",
        "\x00\x01\udcff",
        "a" * 5000,
        "$(" * 300 + ")" * 300,
        "( " * 500 + "x" + " )" * 500,
    ],
)
def test_never_raises(script: str) -> None:
    cmds = parse_script(script)
    for c in cmds:
        assert 0 <= c.span.start <= c.span.end <= len(script)


def test_performance_smoke() -> None:
    # not a benchmark: a sanity bound far above the target (thousands of RUN lines per second)
    line = (
        "apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && "
        "CGO_ENABLED=0 GOOS=linux GOARCH=$TARGETARCH go build -o /out/app ./cmd/app && rm -rf /var/lib/apt"
    )
    t0 = time.perf_counter()
    for _ in range(500):
        parse_script(line)
    assert time.perf_counter() - t0 < 5.0


# ---------------------------------------------------------------------------------------------------------
# run_commands on instructions


def test_run_shell_form_with_continuations() -> None:
    prefix = "FROM golang AS build\n"
    source = prefix + (
        "RUN apt-get update && \\\n"
        "    # a comment line\n"
        "    apt-get install -y \\\n"
        "      gcc && \\\n"
        "    CGO_ENABLED=0 GOARCH=$TARGETARCH \\\n"
        "      go build -o /out/app .\n"
    )
    instr = shell_run(source, len(prefix))
    cmds = run_commands(instr)
    assert names(cmds) == ["apt-get", "apt-get", "go"]
    install = cmds[1]
    assert src(source, install.span) == "apt-get install -y \\\n      gcc"
    assert [src(source, w.span) for w in install.argv] == ["apt-get", "install", "-y", "gcc"]
    go = cmds[2]
    assert src(source, go.span).startswith("CGO_ENABLED=0 GOARCH=$TARGETARCH")
    assert src(source, go.span).endswith("go build -o /out/app .")
    assert [src(source, a.span) for a in go.env] == ["CGO_ENABLED=0", "GOARCH=$TARGETARCH"]
    assert src(source, go.argv[0].span) == "go"
    assert go.argv[0].span.start == source.index("go build")


def test_run_shell_form_sh_c_across_continuation() -> None:
    source = "RUN sh -c 'cd /src && \\\n  make install'\n"
    cmds = run_commands(shell_run(source))
    assert names(cmds) == ["sh", "cd", "make"]
    assert src(source, cmds[2].span) == "make install"
    assert cmds[2].context == ("sh -c",)


def test_run_json_form() -> None:
    source = 'RUN ["/usr/local/bin/build", "--arch", "arm64", "$X"]\n'
    (cmd,) = run_commands(json_run(source))
    assert cmd.name == "/usr/local/bin/build" and cmd.basename == "build"
    assert cmd.args() == ["--arch", "arm64", "$X"]  # no shell: no expansion
    assert [w.raw for w in cmd.argv] == ['"/usr/local/bin/build"', '"--arch"', '"arm64"', '"$X"']
    assert src(source, cmd.span) == '"/usr/local/bin/build", "--arch", "arm64", "$X"'


def test_run_json_form_sh_c() -> None:
    source = 'RUN ["sh", "-ec", "apt-get update && echo \\"caf\\u00e9\\" > /x && uname -m"]\n'
    cmds = run_commands(json_run(source))
    assert [(c.name, c.context) for c in cmds] == [
        ("sh", ()),
        ("apt-get", ("sh -c",)),
        ("echo", ("sh -c",)),
        ("uname", ("sh -c",)),
    ]
    assert src(source, cmds[1].span) == "apt-get update"
    echo = cmds[2]
    assert echo.args() == ["café"]
    assert src(source, echo.argv[1].span) == '\\"caf\\u00e9\\"'
    assert src(source, cmds[3].span) == "uname -m"


def test_run_heredoc_script() -> None:
    source = "RUN <<EOF\napt-get update\nGOARCH=arm64 go build \\\n  -o app .\nEOF\n"
    instr = heredoc_run(source)
    cmds = run_commands(instr)
    assert [(c.name, c.context) for c in cmds] == [("apt-get", ()), ("go", ())]
    assert src(source, cmds[0].span) == "apt-get update"
    assert src(source, cmds[1].span) == "GOARCH=arm64 go build \\\n  -o app ."
    assert cmds[1].args() == ["build", "-o", "app", "."]


def test_run_heredoc_strip_tabs() -> None:
    source = "RUN <<-EOT\n\tset -e\n\t\tmake \\\n\t\t  all\n\tEOT\n"
    instr = heredoc_run(source)
    assert instr.heredocs[0].content == "set -e\nmake \\\n  all\n"
    cmds = run_commands(instr)
    assert names(cmds) == ["set", "make"]
    assert src(source, cmds[0].span) == "set -e"
    assert [src(source, w.span) for w in cmds[1].argv] == ["make", "all"]


def test_run_heredoc_fed_to_shell() -> None:
    source = "RUN bash -ex <<'EOF' && echo done\ncd /src\nmake\nEOF\n"
    cmds = run_commands(heredoc_run(source))
    assert [(c.name, c.context) for c in cmds] == [
        ("bash", ()),
        ("echo", ()),
        ("cd", ("heredoc",)),
        ("make", ("heredoc",)),
    ]
    assert cmds[0].args() == ["-ex"]
    assert src(source, cmds[2].span) == "cd /src"


def test_run_heredoc_not_a_shell_script() -> None:
    source = "RUN python3 <<EOF\nimport os\nos.system('make')\nEOF\n"
    assert names(run_commands(heredoc_run(source))) == ["python3"]
    shebang = "RUN <<EOF\n#!/usr/bin/env python3\nprint('x')\nEOF\n"
    assert run_commands(heredoc_run(shebang)) == []
    sh_shebang = "RUN <<EOF\n#!/bin/bash\nmake\nEOF\n"
    assert names(run_commands(heredoc_run(sh_shebang))) == ["make"]


def test_run_heredoc_file_with_substitution() -> None:
    source = "RUN cat <<EOF > /etc/arch && cat <<'Q' > /q\narch=$(uname -m)\nEOF\n$(not-run)\nQ\n"
    cmds = run_commands(heredoc_run(source))
    assert [(c.name, c.context) for c in cmds] == [("cat", ()), ("cat", ()), ("uname", ("$(...)",))]
    assert src(source, cmds[2].span) == "uname -m"


def test_run_two_heredocs_one_script() -> None:
    source = "RUN cat <<A >/a && sh <<B\nfile text\nA\nmake\nB\n"
    cmds = run_commands(heredoc_run(source))
    assert [(c.name, c.context) for c in cmds] == [("cat", ()), ("sh", ()), ("make", ("heredoc",))]
    assert src(source, cmds[2].span) == "make"


def test_assignments() -> None:
    source = (
        "RUN export GOOS=linux GOARCH=$TARGETARCH && X=1 && CC=gcc make && (Y=2) && Z=$(W=3; echo) "
        "&& sh -c 'V=4'"
    )
    got = [(a.name, a.value, a.context, src(source, a.span)) for a in assignments(shell_run(source))]
    assert got == [
        ("GOOS", "linux", (), "GOOS=linux"),
        ("GOARCH", None, (), "GOARCH=$TARGETARCH"),
        ("X", "1", (), "X=1"),
        ("Z", None, (), "Z=$(W=3; echo)"),
        ("V", "4", ("sh -c",), "V=4"),
    ]


def test_word_and_command_are_frozen_values() -> None:
    w = Word("a", "a", Span(0, 1))
    with pytest.raises(AttributeError):
        w.value = "b"  # type: ignore[misc]
    assert SimpleCommand("a", [w], [], Span(0, 1)).args() == []


# ---------------------------------------------------------------------------------------------------------
# Through the real parser.


def test_parse_shell_form_continuation() -> None:
    import xlint

    text = "FROM alpine\nRUN apk add gcc && \\\n    make \\\n      all\n"
    df = xlint.parse(text)
    run = df.instructions[1]
    cmds = run_commands(run)
    assert names(cmds) == ["apk", "make"]
    assert [text[w.span.start : w.span.end] for w in cmds[1].argv] == ["make", "all"]


def test_parse_heredoc_and_json() -> None:
    import xlint

    text = 'FROM alpine\nRUN <<-EOF\n\tuname -m\nEOF\nRUN ["sh", "-c", "go build ./..."]\n'
    df = xlint.parse(text)
    heredoc_cmds = run_commands(df.instructions[1])
    assert names(heredoc_cmds) == ["uname"]
    assert text[heredoc_cmds[0].span.start : heredoc_cmds[0].span.end] == "uname -m"
    json_cmds = run_commands(df.instructions[2])
    assert names(json_cmds) == ["sh", "go"]
    assert text[json_cmds[1].span.start : json_cmds[1].span.end] == "go build ./..."


def test_heredoc_reader_is_taken_from_the_outer_script_only() -> None:
    # the inner ``<x sh`` of the -c string must not be taken as the reader of the heredoc
    source = "RUN <<EOF bash -c '<x sh'\nmake\nEOF\n"
    cmds = run_commands(heredoc_run(source))
    assert [(c.name, c.context) for c in cmds] == [("bash", ()), ("sh", ("sh -c",))]
