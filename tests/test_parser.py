"""Unit tests of the lossless Dockerfile parser (round trip, spans, constructs, errors)."""

from __future__ import annotations

import pytest

from xlint.syntax.parser import StrictSyntaxError, parse
from xlint.syntax.tree import (
    Blank,
    Comment,
    Directive,
    Dockerfile,
    DockerfileSyntaxError,
    Instruction,
)


def only(tree: Dockerfile, n: int = 0) -> Instruction:
    return tree.instructions[n]


def src(tree: Dockerfile, span: object) -> str:
    assert span is not None
    return tree.text[span.start : span.end]  # type: ignore[attr-defined]


def check_partition(tree: Dockerfile) -> None:
    pos = 0
    for child in tree.children:
        assert child.span.start == pos
        assert child.text == tree.text[child.span.start : child.span.end]
        pos = child.span.end
    assert pos == len(tree.text)


# --- round trip ---------------------------------------------------------------------------------

ROUND_TRIP = [
    "",
    "FROM a",
    "FROM a\n",
    "FROM a\r\nRUN b \\\r\n  c\r\n",
    "RUN a\rb\r",
    "\ufeffFROM a\n",
    "\t FROM a \t\n\n\t\n# c \nRUN x   ",
    "# escape=`\nFROM a\nRUN a `\n  b\n",
    "# just a comment\n\n",
    "FROM a\nRUN <<EOF\nbody\nEOF",
    "FROM a\nRUN <<-EOF\n\tbody\n\tEOF\r\n",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_round_trip_str(text: str) -> None:
    tree = parse(text)
    assert str(tree) == text
    check_partition(tree)


def test_round_trip_non_utf8_bytes() -> None:
    data = b"FROM a\nLABEL x=\xff\xfe\nRUN echo \xc3\xa9 \xe2\x82\n"
    tree = parse(data)
    assert bytes(tree) == data
    assert tree.instructions[1].value[1] == "\udcff\udcfe"
    check_partition(tree)


def test_bom_kept_but_ignored() -> None:
    tree = parse("\ufeff# escape=`\nFROM a `\n AS b\n")
    assert tree.children[0].text.startswith("\ufeff")
    assert isinstance(tree.children[0], Directive)
    assert tree.escape == "`"
    assert only(tree).value == ("a", "AS", "b")


def test_bytes_bom() -> None:
    data = b"\xef\xbb\xbfFROM a\n"
    tree = parse(data)
    assert bytes(tree) == data
    assert only(tree).keyword == "FROM"


# --- top-level nodes ------------------------------------------------------------------------------


def test_children_kinds() -> None:
    text = "# syntax=docker/dockerfile:1\n# ESCAPE = \\\n\n# a comment\nFROM a\n  \n"
    tree = parse(text)
    kinds = [type(c) for c in tree.children]
    assert kinds == [Directive, Directive, Blank, Comment, Instruction, Blank]
    d0, d1 = tree.directives
    assert (d0.name, d0.value) == ("syntax", "docker/dockerfile:1")
    assert (d1.name, d1.value) == ("escape", "\\")


def test_directives_only_at_top() -> None:
    tree = parse("FROM a\n# escape=`\nRUN a `\n")
    assert tree.escape == "\\"
    assert not tree.directives
    assert isinstance(tree.children[1], Comment)


def test_directive_after_comment_is_comment() -> None:
    tree = parse("# hello\n# escape=`\nFROM a\n")
    assert tree.escape == "\\"
    assert [type(c) for c in tree.children[:2]] == [Comment, Comment]


def test_check_directive() -> None:
    tree = parse("# check=skip=all\n# escape=`\nFROM a\n")
    assert [d.name for d in tree.directives] == ["check", "escape"]
    assert tree.escape == "`"


def test_backtick_continuation() -> None:
    tree = parse("# escape=`\nFROM a\nRUN dir c:\\ `\n  && echo\n")
    ins = only(tree, 1)
    assert ins.value == ("dir c:\\   && echo",)
    assert (ins.start_line, ins.end_line) == (3, 4)


# --- instructions ---------------------------------------------------------------------------------


def test_from_with_platform_and_alias() -> None:
    tree = parse("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n")
    ins = only(tree)
    assert ins.keyword == "FROM"
    assert ins.value == ("golang:1.22", "AS", "build")
    f = ins.flag("platform")
    assert f is not None
    assert (f.name, f.value, f.raw) == ("platform", "$BUILDPLATFORM", "--platform=$BUILDPLATFORM")
    assert src(tree, f.name_span) == "platform"
    assert src(tree, f.value_span) == "$BUILDPLATFORM"
    assert src(tree, f.span) == "--platform=$BUILDPLATFORM"
    assert [src(tree, a.span) for a in ins.args] == ["golang:1.22", "AS", "build"]
    assert src(tree, ins.keyword_span) == "FROM"


def test_keyword_any_case() -> None:
    tree = parse("from a\nRuN echo\n")
    assert [i.keyword for i in tree.instructions] == ["FROM", "RUN"]
    assert src(tree, tree.instructions[1].keyword_span) == "RuN"


def test_boolean_and_quoted_flags() -> None:
    tree = parse('FROM a\nCOPY --link --chmod=755 --from="b c" x /y\n')
    ins = only(tree, 1)
    assert [f.raw for f in ins.flags] == ["--link", "--chmod=755", "--from=b c"]
    link = ins.flags[0]
    assert link.value is None and link.value_span is None
    assert src(tree, ins.flags[2].value_span) == '"b c"'
    assert ins.value == ("x", "/y")


def test_mount_flag() -> None:
    tree = parse("FROM a\nRUN --mount=type=cache,target=/x --network=none make\n")
    ins = only(tree, 1)
    assert ins.flag("mount") is not None
    assert ins.flag("mount").value == "type=cache,target=/x"  # type: ignore[union-attr]
    assert ins.value == ("make",)
    assert ins.logical.text == "make"


def test_shell_form_run_one_arg() -> None:
    text = "FROM a\nRUN apt-get update && \\\n    apt-get install -y gcc\n"
    tree = parse(text)
    ins = only(tree, 1)
    assert ins.value == ("apt-get update &&     apt-get install -y gcc",)
    assert len(ins.args) == 1
    assert src(tree, ins.args[0].span) == "apt-get update && \\\n    apt-get install -y gcc"
    assert (ins.start_line, ins.end_line) == (2, 3)
    assert not ins.json


def test_logical_offsets_exact() -> None:
    text = "FROM a\nRUN echo a \\\n  # skipped comment\n\n    b\n"
    tree = parse(text)
    ins = only(tree, 1)
    lg = ins.logical
    assert lg.text == "echo a     b"
    assert len(lg.offsets) == len(lg.text) + 1
    for i, ch in enumerate(lg.text):
        assert text[lg.offsets[i]] == ch
    b = lg.text.index("b")
    assert tree.line_col(lg.offsets[b]) == (5, 5)
    assert src(tree, lg.source_span(0, 4)) == "echo"
    assert [c.text for c in ins.comments] == ["  # skipped comment\n"]
    assert ins.span.end == len(text)


def test_json_form() -> None:
    tree = parse('FROM a\nCMD ["/bin/sh", "-c", "echo \\u00e9"]\n')
    ins = only(tree, 1)
    assert ins.json
    assert ins.value == ("/bin/sh", "-c", "echo é")
    assert [src(tree, a.span) for a in ins.args] == ['"/bin/sh"', '"-c"', '"echo \\u00e9"']


def test_not_json_falls_back() -> None:
    tree = parse("FROM a\nCMD [not json\nCOPY [x y\n")
    assert not only(tree, 1).json
    assert only(tree, 1).value == ("[not json",)
    assert only(tree, 2).value == ("[x", "y")


def test_env_forms() -> None:
    tree = parse('FROM a\nENV A=1 B="two words" C=x\\ y\nENV LEGACY some value\n')
    new, legacy = tree.instructions[1:]
    assert new.value == ("A", "1", "B", '"two words"', "C", "x\\ y")
    assert [src(tree, a.span) for a in new.args] == ["A", "1", "B", '"two words"', "C", "x\\ y"]
    assert legacy.value == ("LEGACY", "some value")


def test_label_and_arg() -> None:
    tree = parse('FROM a\nLABEL "org.x"="y z" b=c\nARG A B=2 C="3 4"\n')
    label, arg = tree.instructions[1:]
    assert label.value == ('"org.x"', '"y z"', "b", "c")
    assert arg.value == ("A", "B=2", 'C="3 4"')


def test_expose_volume_user() -> None:
    tree = parse('FROM a\nEXPOSE 80 443/tcp\nVOLUME ["/v"]\nVOLUME /a /b\nUSER app:app\nWORKDIR /w x\n')
    ins = tree.instructions
    assert ins[1].value == ("80", "443/tcp")
    assert ins[2].json and ins[2].value == ("/v",)
    assert ins[3].value == ("/a", "/b")
    assert ins[4].value == ("app:app",)
    assert ins[5].value == ("/w x",)


def test_onbuild() -> None:
    tree = parse("FROM a\nONBUILD RUN --mount=type=cache,target=/c make\n")
    ins = only(tree, 1)
    assert ins.keyword == "ONBUILD"
    assert ins.sub is not None
    assert ins.sub.keyword == "RUN"
    assert ins.value == ("make",)
    assert ins.sub.flag("mount") is not None
    assert src(tree, ins.sub.keyword_span) == "RUN"
    assert ins.logical.text == "RUN --mount=type=cache,target=/c make"


def test_healthcheck() -> None:
    tree = parse('FROM a\nHEALTHCHECK --interval=5s CMD curl -f x\nHEALTHCHECK NONE\nHEALTHCHECK CMD ["a"]\n')
    h1, h2, h3 = tree.instructions[1:]
    assert h1.value == ("CMD", "curl -f x") and h1.flag("interval") is not None
    assert h2.value == ("NONE",)
    assert h3.value == ("CMD", "a") and h3.json


def test_shell_and_maintainer() -> None:
    tree = parse('FROM a\nSHELL ["/bin/bash", "-c"]\nMAINTAINER Jane <j@x>\nSTOPSIGNAL SIGTERM\n')
    assert only(tree, 1).json
    assert only(tree, 2).value == ("Jane <j@x>",)
    assert only(tree, 3).value == ("SIGTERM",)


# --- heredocs -------------------------------------------------------------------------------------


def test_heredoc_basic() -> None:
    text = "FROM a\nRUN <<EOF\nset -e\necho hi\nEOF\nRUN next\n"
    tree = parse(text)
    ins = only(tree, 1)
    (h,) = ins.heredocs
    assert (h.name, h.quoted, h.strip_tabs, h.file_descriptor) == ("EOF", False, False, 0)
    assert h.content == "set -e\necho hi\n"
    assert src(tree, h.content_span) == "set -e\necho hi\n"
    assert src(tree, h.marker_span) == "<<EOF"
    assert h.text == "set -e\necho hi\nEOF\n"
    assert (ins.start_line, ins.end_line) == (2, 5)
    assert ins.text == "RUN <<EOF\nset -e\necho hi\nEOF\n"
    assert only(tree, 2).start_line == 6


def test_heredoc_strip_tabs_and_quotes() -> None:
    text = "FROM a\nRUN <<-EOT bash 3<<'RAW'\n\techo $X\n\tEOT\n$X\nRAW\n"
    tree = parse(text)
    h1, h2 = only(tree, 1).heredocs
    assert (h1.name, h1.strip_tabs, h1.quoted, h1.content) == ("EOT", True, False, "echo $X\n")
    assert src(tree, h1.content_span) == "\techo $X\n"
    assert (h2.name, h2.quoted, h2.file_descriptor, h2.content) == ("RAW", True, 3, "$X\n")


def test_heredoc_copy_double_quoted() -> None:
    tree = parse('FROM a\nCOPY <<"EOF" /etc/x\ncontent\nEOF\n')
    ins = only(tree, 1)
    assert ins.value == ('<<"EOF"', "/etc/x")
    assert ins.heredocs[0].quoted and ins.heredocs[0].content == "content\n"


def test_heredoc_only_on_run_copy_add() -> None:
    tree = parse("FROM a\nCMD <<EOF\nRUN x\n")
    assert [i.keyword for i in tree.instructions] == ["FROM", "CMD", "RUN"]
    assert not only(tree, 1).heredocs


def test_heredoc_not_in_json_form() -> None:
    tree = parse('FROM a\nRUN ["cat"] <<EOF\nRUN x\n')
    assert [i.keyword for i in tree.instructions] == ["FROM", "RUN", "RUN"]


def test_heredoc_crlf() -> None:
    text = "FROM a\r\nRUN <<EOF\r\nx\r\nEOF\r\n"
    tree = parse(text)
    h = only(tree, 1).heredocs[0]
    assert h.content == "x\r\n"
    assert str(tree) == text


def test_onbuild_heredoc_goes_to_sub() -> None:
    tree = parse("FROM a\nONBUILD RUN <<EOF\nx\nEOF\n")
    ins = only(tree, 1)
    assert ins.end_line == 4
    assert ins.sub is not None and ins.sub.heredocs[0].content == "x\n"


# --- errors ---------------------------------------------------------------------------------------


def err(text: str) -> DockerfileSyntaxError:
    with pytest.raises(DockerfileSyntaxError) as info:
        parse(text, path="df")
    return info.value


def test_unterminated_heredoc() -> None:
    e = err("FROM a\nRUN echo <<EOF\nbody\n")
    assert "unterminated heredoc" in e.message
    assert (e.line, e.column, e.path) == (2, 10, "df")
    assert str(e) == "df:2:10: unterminated heredoc"


def test_unknown_instruction() -> None:
    e = err("FROM a\n  FOO bar\n")
    assert isinstance(e, StrictSyntaxError) and e.check == "unknown-instruction"
    assert (e.line, e.column) == (2, 3)


@pytest.mark.parametrize(
    ("text", "check"),
    [
        ("FROM\n", "missing-arguments"),
        ("FROM a b\n", "missing-arguments"),
        ("FROM a\nCOPY x\n", "missing-arguments"),
        ("FROM a\nENV\n", "missing-arguments"),
        ("FROM a\nEXPOSE\n", "missing-arguments"),
        ("FROM --platform a\n", "flag-value"),
        ("FROM a\nSHELL /bin/sh -c\n", "shell-json"),
        ("FROM a\nONBUILD ONBUILD RUN x\n", "onbuild-trigger"),
        ("FROM a\nHEALTHCHECK CMD\n", "healthcheck"),
        ("FROM a\nHEALTHCHECK NONE x\n", "healthcheck"),
    ],
)
def test_strict_errors(text: str, check: str) -> None:
    e = err(text)
    assert isinstance(e, StrictSyntaxError)
    assert e.check == check


def test_env_errors_match_buildkit() -> None:
    e = err("FROM a\nENV A=1 B\n")
    assert "can't find =" in e.message and (e.line, e.column) == (2, 9)
    e = err("FROM a\nENV A\n")
    assert "ENV must have two arguments" in e.message


def test_json_non_string_error() -> None:
    e = err('FROM a\nCMD ["a", 1]\n')
    assert "comprised of strings" in e.message
    assert (e.line, e.column) == (2, 5)


def test_directive_errors() -> None:
    e = err("# escape=x\nFROM a\n")
    assert "invalid escape token" in e.message and e.line == 1
    e = err("# syntax=a\n# syntax=b\nFROM a\n")
    assert "only one syntax parser directive" in e.message and e.line == 2


def test_line_too_long() -> None:
    e = err("FROM a\nRUN " + "x" * 70000 + "\n")
    assert "max allowed size" in e.message and e.line == 2


def test_linear_time_on_large_input() -> None:
    text = "FROM a\n" + "RUN echo \\\n  a \\\n  # c\n  b\n" * 5000
    tree = parse(text)
    assert len(tree.instructions) == 5001
    assert str(tree) == text


def test_lone_surrogate_in_a_long_line_is_a_parse_error_not_a_crash() -> None:
    # an editor can send text no file holds; the line-length check must not raise UnicodeEncodeError
    with pytest.raises(DockerfileSyntaxError, match="max allowed size"):
        parse("FROM a\nRUN echo \ud800" + "x" * 70000 + "\n")
