"""CI's policy on skipped tests, run through a real pytest session (pytester)."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFTEST = (Path(__file__).parent / "conftest.py").read_text()


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, ci: bool) -> pytest.RunResult:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_x="""
        import pytest
        def test_needs_tool():
            pytest.skip("toolchain not on PATH: go")
        def test_needs_dotnet():
            pytest.skip("toolchain not on PATH: dotnet")
        def test_ok():
            pass
    """)
    if ci:
        monkeypatch.setenv("CI", "true")
    else:
        monkeypatch.delenv("CI", raising=False)
    return pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")


def test_skip_fails_in_ci_unless_debian_cannot_provide_it(pytester: pytest.Pytester,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    res = _run(pytester, monkeypatch, ci=True)
    res.assert_outcomes(passed=1, failed=1, skipped=1)
    assert "skipped in CI, which must run every test: toolchain not on PATH: go" in res.stdout.str()


def test_skip_is_a_skip_outside_ci(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    _run(pytester, monkeypatch, ci=False).assert_outcomes(passed=1, skipped=2)
