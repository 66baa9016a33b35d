"""Recognising a language runtime's own sources and profile-guided builds (xlint/fixes/runtimes.py), which
the C recipes refuse to cross-compile (issue 11, class 10)."""

from __future__ import annotations

import pytest

from xlint.fixes.runtimes import cannot_cross, pgo_flag, pgo_reason, runtime_of, runtime_reason, source_name


@pytest.mark.parametrize(("word", "name", "runtime"), [
    ("https://www.python.org/ftp/python/3.12.4/Python-3.12.4.tar.xz", "python", "CPython"),
    ("https://github.com/python/cpython/archive/refs/tags/v3.13.0.tar.gz", "cpython", "CPython"),
    ("https://github.com/erlang/otp/archive/OTP-27.1.tar.gz", "otp", "Erlang/OTP"),
    ("otp_src_26.2.5.tar.gz", "otp_src", "Erlang/OTP"),
    ("/usr/src/ruby-3.3.5", "ruby", "Ruby"),
    ("https://github.com/php/php-src.git", "php-src", "PHP"),
    ("https://github.com/Perl/perl5.git", "perl", "Perl"),
    ("https://nodejs.org/dist/v22.9.0/node-v22.9.0.tar.gz", "node", "Node.js"),
    # a prebuilt interpreter's archive is no source build
    ("https://nodejs.org/dist/v22.9.0/node-v22.9.0-linux-arm64.tar.xz", None, None),
    # a library named after a runtime is not the runtime
    ("python-dateutil-2.9.0.tar.gz", None, None),
    ("https://e.org/ruby-augeas-0.5.0.tgz", None, None),
    ("/tmp/jemalloc-5.3.0", "jemalloc", None),
    ("/usr/src/python", "python", "CPython"),
])
def test_source_names(word: str, name: str | None, runtime: str | None) -> None:
    assert source_name(word) == name
    assert runtime_of([word]) == runtime


def test_reasons_are_class_10() -> None:
    assert pgo_flag(["--prefix=/usr", "--enable-optimizations"]) == "--enable-optimizations"
    assert pgo_flag(["-j4", "profile-opt"]) == "profile-opt"
    assert pgo_flag(["--with-lto", "--enable-shared"]) is None
    assert cannot_cross(pgo_reason("--enable-optimizations"))
    why = runtime_reason("CPython", "/usr/src/python")
    assert cannot_cross(why) and "--with-build-python" in why
    assert not cannot_cross("the build does not end with `make install`")


def test_a_runtime_configured_by_its_own_script_is_refused_as_class_10() -> None:
    from xlint.fixes.engine import fix_text
    from xlint.rule import CheckOptions, all_rules

    text = ("FROM debian:bookworm-slim\nARG V=5.38.2\n"
            "RUN apt-get update && apt-get install -y build-essential curl \\\n"
            " && curl -fsSL https://e.org/src/perl-${V}.tar.gz | tar -xz -C /usr/src \\\n"
            " && cd /usr/src/perl-${V} && ./Configure -des && make && make install\n")
    options = CheckOptions(platforms=("linux/amd64", "linux/arm64"), build_platform="linux/amd64")
    result = fix_text(text, "Dockerfile", options, all_rules(), unsafe=True)
    assert result.text == text
    why = [result.why_not(d) for d in result.remaining if d.code == "XL103"]
    assert why and all(w.startswith("building the runtime itself for the target (Perl, from "
                                    "`/usr/src/perl-5.38.2`)") for w in why), why


def test_a_version_variable_does_not_hide_the_name() -> None:
    from xlint.fixes.runtimes import name_of

    assert runtime_of([name_of(None, '"https://e.org/ftp/Python-${PY_VERSION}.tar.xz"')]) == "CPython"
    assert runtime_of([name_of(None, "/usr/src/ruby-$RUBY_VERSION")]) == "Ruby"
    assert name_of("/opt/x", "$DIR") == "/opt/x"
