"""`xlint report LOG` on streams saved from real `docker buildx build --progress=rawjson` runs.

tests/data/report/go-emulated.rawjson: fixtures/go-hello/Dockerfile.emulated built for linux/amd64 and
linux/arm64 with --no-cache on this project's engine (docker 26.1, buildx 0.13.1, qemu-aarch64), the way
a CI job saves it (`2> build.json`); go-emulated-cached.rawjson: the same build again, all cached.
go-emulated-shared.rawjson: the same build recorded while another session built the same fixture on the
shared daemon 3 s earlier (BuildKit merged the work and sent that build's vertexes too).
tests/test_report_integration.py records a fresh one from the engine and runs the same checks.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "report"
LOG = DATA / "go-emulated.rawjson"
CACHED = DATA / "go-emulated-cached.rawjson"
SHARED = DATA / "go-emulated-shared.rawjson"
FAILED = ROOT / "tests" / "data" / "build" / "failing-run.rawjson"
DOCKERFILE = ROOT / "fixtures" / "go-hello" / "Dockerfile.emulated"
GO_BUILD_LINE = 8  # RUN CGO_ENABLED=0 go build -o /out/hello .
FORMATS = ("text", "json", "markdown", "junit", "html")


def xlint(*args: str, stdin: bytes | None = None, cwd: Path = ROOT,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "xlint", *args], input=stdin, capture_output=True, cwd=cwd,
                          env=full_env, timeout=120, check=False)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


class Bars(HTMLParser):
    """The timeline bars of an HTML report (their attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: list[dict[str, str]] = []
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if "bar" in a.get("class", "").split():
            self.bars.append(a)


def bars_of(html: str) -> list[dict[str, str]]:
    parser = Bars()
    parser.feed(html)
    return parser.bars


def emulated_go_build_named(fmt: str, out: str) -> None:
    """The arm64 `go build` of line 8 appears as emulated, with its line, in the output of ``fmt``."""
    where = f"Dockerfile.emulated:{GO_BUILD_LINE}"
    if fmt == "text":
        rows = [ln for ln in out.splitlines() if where in ln and "go build" in ln and "emulated on linux/arm64" in ln]
        assert rows, out
        assert any("[XL101]" in ln for ln in rows), out
    elif fmt == "json":
        data = json.loads(out)
        (arm,) = [s for s in data["steps"] if s["line"] == GO_BUILD_LINE and s["platform"] == "linux/arm64"]
        assert arm["placement"] == "emulated" and "go build" in arm["instruction"] and arm["rules"] == ["XL101"]
        assert data["top_emulated"][0]["line"] == GO_BUILD_LINE
        assert data["emulated_seconds"]["linux/arm64"] > 10 and data["emulated_seconds"]["linux/amd64"] == 0
    elif fmt == "markdown":
        assert (f"| fixtures/go-hello/{where} | `RUN CGO_ENABLED=0 go build -o /out/hello .` | linux/arm64 | "
                "emulated on linux/arm64 |") in out
    elif fmt == "junit":
        suite = ET.fromstring(out)
        cases = [tc for tc in suite.iter("testcase") if where in (tc.get("name") or "")
                 and "go build" in (tc.get("name") or "") and tc.get("classname") == "xlint.build.linux/arm64"]
        assert len(cases) == 1
        out_el = cases[0].find("system-out")
        assert out_el is not None and (out_el.text or "").startswith("emulated on linux/arm64")
    elif fmt == "html":
        (bar,) = [b for b in bars_of(out) if b["data-line"] == str(GO_BUILD_LINE) and b["data-platform"] == "linux/arm64"]
        assert bar["data-placement"] == "emulated" and "emulated" in bar["class"].split()
        assert "go build" in bar["title"] and "XL101" in bar["title"] and "emulated on linux/arm64" in bar["title"]
        assert float(bar["data-seconds"]) > 10
    else:
        raise AssertionError(fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_names_the_emulated_go_build(fmt: str, tmp_path: Path) -> None:
    out_file = tmp_path / f"report.{fmt}"
    r = xlint("report", str(LOG.relative_to(ROOT)), "-f", str(DOCKERFILE.relative_to(ROOT)), "--format", fmt,
              "-o", str(out_file))
    assert r.returncode == 0, r.stderr
    emulated_go_build_named(fmt, out_file.read_text())
    emulated_go_build_named("text", r.stdout)  # with -o the text report still goes to stdout


def test_stdout_without_output_file_is_the_format() -> None:
    r = xlint("report", str(LOG), "-f", str(DOCKERFILE), "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["source"] == str(LOG) and data["ok"] is True
    assert data["platforms"] == ["linux/amd64", "linux/arm64"] and data["build_platform"] == "linux/amd64"


@pytest.mark.parametrize("gate", [["--max-emulated-seconds", "10"], ["--fail-on-emulation"]])
def test_gate_exits_1(gate: list[str]) -> None:
    r = xlint("report", str(LOG), "-f", str(DOCKERFILE), *gate)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "xlint: gate failed:" in r.stderr
    assert "gate: " in r.stdout
    passing = xlint("report", str(LOG), "-f", str(DOCKERFILE), "--max-emulated-seconds", "600")
    assert passing.returncode == 0, passing.stderr


def test_gate_on_the_cached_build_passes_and_marks_cached_steps(tmp_path: Path) -> None:
    r = xlint("report", str(CACHED), "-f", str(DOCKERFILE), "--fail-on-emulation", "--format", "html",
              "-o", str(tmp_path / "r.html"))
    assert r.returncode == 0, r.stderr
    assert "emulated time: linux/amd64 0.0 s, linux/arm64 0.0 s" in r.stdout
    bars = bars_of((tmp_path / "r.html").read_text())
    assert bars and all(b["data-cached"] == "true" and "cached" in b["class"].split() for b in bars)
    assert {b["data-line"] for b in bars} == {"4", "5", "6", "7", "8", "11"}


def test_stdin_and_without_dockerfile_steps_keep_their_names() -> None:
    r = xlint("report", "-", "--format", "json", stdin=LOG.read_bytes())
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["dockerfile"] == "Dockerfile.emulated" and data["source"] == "<stdin>"
    (arm,) = [s for s in data["steps"] if "go build" in s["instruction"] and s["platform"] == "linux/arm64"]
    assert arm["placement"] == "emulated" and arm["line"] is None and arm["rules"] == []
    assert arm["stage"] == "build"


def test_failed_build_reports_what_ran_and_says_it_failed(tmp_path: Path) -> None:
    r = xlint("report", str(FAILED), "--format", "html", "-o", str(tmp_path / "r.html"))
    assert r.returncode == 1
    assert r.stdout.startswith("build FAILED in ")
    assert "RUN echo to-stdout; echo to-stderr >&2; exit 3" in r.stdout and "ERROR" in r.stdout
    assert "build failed: ERROR: failed to solve:" in r.stdout
    assert "xlint: the build in" in r.stderr and "failed" in r.stderr
    html = (tmp_path / "r.html").read_text()
    assert "Build failed:" in html
    (bar,) = bars_of(html)
    assert "failed" in bar["class"].split()


def _one_error_line(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 2, r.stdout + r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    return lines[0]


def test_truncated_log_is_one_line_with_its_position(tmp_path: Path) -> None:
    data = LOG.read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(data[: len(data) // 2])
    line = _one_error_line(xlint("report", str(cut)))
    assert line.startswith(f"xlint: error: {cut}:")
    where = line.removeprefix(f"xlint: error: {cut}:").split(":", 2)
    lineno, col = int(where[0]), int(where[1])
    text = data[: len(data) // 2].decode()
    assert text.splitlines()[lineno - 1][col - 1] == "{"  # the object that is cut off starts there
    assert "truncated" in line
    # cut between two objects: BuildKit still had steps running and nothing says the build failed
    objects_end = data.index(b"\n}\n", len(data) // 3) + 3
    cut.write_bytes(data[:objects_end])
    line = _one_error_line(xlint("report", str(cut)))
    assert "truncated rawjson stream: it ends while" in line and "still running" in line


def test_corrupt_and_foreign_input_are_one_line(tmp_path: Path) -> None:
    data = LOG.read_bytes()
    i = data.index(b'"name"', 2000)
    bad = tmp_path / "bad.json"
    bad.write_bytes(data[:i] + b'"name" "x",' + data[i + 7:])
    line = _one_error_line(xlint("report", str(bad)))
    expected_line = data[:i].count(b"\n") + 1
    assert line.startswith(f"xlint: error: {bad}:{expected_line}:") and "corrupt rawjson stream" in line
    report_json = tmp_path / "report.json"
    report_json.write_text(xlint("report", str(LOG), "--format", "json").stdout)
    assert "not a rawjson stream" in _one_error_line(xlint("report", str(report_json)))
    (tmp_path / "empty.json").write_text("")
    assert "no BuildKit status objects" in _one_error_line(xlint("report", str(tmp_path / "empty.json")))
    (tmp_path / "deep.json").write_text('{"vertexes": []}\n' + '{"a":' * 100000 + "\n")
    assert _one_error_line(xlint("report", str(tmp_path / "deep.json"))).endswith(
        "deep.json:2:1: corrupt rawjson stream: JSON nested too deeply")
    (tmp_path / "bin.json").write_bytes(b'{"vertexes": []}\n\xff\xfe')
    assert "invalid UTF-8" in _one_error_line(xlint("report", str(tmp_path / "bin.json")))
    assert "no such file" in _one_error_line(xlint("report", str(tmp_path / "missing.json")))
    assert "no such Dockerfile" in _one_error_line(xlint("report", str(LOG), "-f", str(tmp_path / "nope")))
    assert "invalid platform" in _one_error_line(xlint("report", str(LOG), "--platform", "linux"))
    copy = tmp_path / "build.json"
    copy.write_bytes(LOG.read_bytes())
    assert "would overwrite the log" in _one_error_line(xlint("report", str(copy), "-o", str(copy), cwd=tmp_path))
    assert copy.read_bytes() == LOG.read_bytes()


def test_output_file_is_replaced_atomically_keeping_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    out.write_text("old")
    out.chmod(0o640)
    r = xlint("report", str(LOG), "-f", str(DOCKERFILE), "--format", "html", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left


def test_job_summary_gets_the_markdown(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    r = xlint("report", str(LOG), "-f", str(DOCKERFILE), env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert r.returncode == 0
    md = summary.read_text()
    assert md.startswith("### xlint report: `fixtures/go-hello/Dockerfile.emulated` (ok, ")
    assert "Top emulated steps:" in md and "`xlint fix` (XL101)" in md


def test_html_is_self_contained() -> None:
    html = xlint("report", str(LOG), "-f", str(DOCKERFILE), "--format", "html").stdout
    low = html.lower()
    for needle in ("http://", "https://", "<script", "<link", "@import", "url(", "src=", "@font-face"):
        assert needle not in low, needle
    assert "@media print" in html and "print-color-adjust: exact" in html
    parser = Bars()
    parser.feed(html)
    lanes = [a["data-platform"] for t, a in parser.tags if t == "section" and "lane" in a.get("class", "")]
    assert lanes == ["linux/amd64", "linux/arm64"]
    # the summary at the top: emulated time per platform, the top step and the fix hint
    head = html[: html.index('<div class="timeline">')]
    assert "57.2 s" in head and "XL101" in head and "xlint fix fixtures/go-hello/Dockerfile.emulated" in head
    # bars share one time axis: the arm64 compile starts before the amd64 one ends and lasts longer
    bars = {(b["data-platform"], b["data-line"]): b for b in parser.bars}
    arm, amd = bars[("linux/arm64", "8")], bars[("linux/amd64", "8")]

    def left_width(b: dict[str, str]) -> tuple[float, float]:
        parts = dict(p.split(":") for p in b["style"].rstrip(";").split(";"))
        return float(parts["left"].rstrip("%")), float(parts["width"].rstrip("%"))

    (la, wa), (lm, wm) = left_width(arm), left_width(amd)
    assert la < lm + wm and wa > 3 * wm
    assert amd["data-placement"] == "native"


def test_build_and_report_share_one_implementation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`xlint build --report html` renders the live stream with the same code: same steps, same bars."""
    from click.testing import CliRunner

    from xlint.build import buildx
    from xlint.build.engine import BuildOptions, BuildResult
    from xlint.build.progress import read_log
    from xlint.buildcmd import build_command

    def run_build(opts: BuildOptions, listener: object = None) -> BuildResult:
        progress = read_log(LOG.read_bytes())
        return BuildResult(ok=True, returncode=0, progress=progress, wall_seconds=58.1, builder="default",
                           build_platform="linux/amd64", builder_nodes=[["linux/amd64", "linux/arm64"]],
                           output=None)

    monkeypatch.setattr(buildx, "run_build", run_build)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.chdir(ROOT)
    out = tmp_path / "build.html"
    result = CliRunner().invoke(build_command, ["--no-verify", "--report", "html", "--report-file", str(out),
                                                "-f", str(DOCKERFILE.relative_to(ROOT)), str(DOCKERFILE.parent)])
    assert result.exit_code == 0, result.output
    built = bars_of(out.read_text())
    reported = bars_of(xlint("report", str(LOG), "-f", str(DOCKERFILE.relative_to(ROOT)), "--format", "html").stdout)
    assert [(b["data-platform"], b["data-line"], b["data-placement"], b["data-seconds"], b["title"]) for b in built] == [
        (b["data-platform"], b["data-line"], b["data-placement"], b["data-seconds"], b["title"]) for b in reported]
    emulated_go_build_named("html", out.read_text())


def test_report_is_listed_by_the_cli() -> None:
    r = xlint("--help")
    assert "report" in r.stdout
    r = xlint("report", "--help")
    assert r.returncode == 0 and "--max-emulated-seconds" in r.stdout and "html" in r.stdout


def test_build_platform_from_a_build_platform_stage(tmp_path: Path) -> None:
    """On an arm64 runner: the `--platform=$BUILDPLATFORM` stage shows linux/arm64 in its steps' names,
    so the log says the build platform even on another machine, and the amd64 RUN is the emulated one."""
    df = tmp_path / "Dockerfile"
    df.write_text("FROM --platform=$BUILDPLATFORM golang AS build\nRUN go mod download\n\n"
                  "FROM busybox\nRUN echo hi\nCOPY --from=build /go /go\n")
    t = "2026-12-01T08:00:0{}.000000000Z"
    vertexes = [
        {"digest": "sha256:0", "name": "[internal] load build definition from Dockerfile", "started": t.format(0),
         "completed": t.format(0)},
        {"digest": "sha256:1", "name": "[linux/arm64 build 1/1] RUN go mod download", "started": t.format(1),
         "completed": t.format(3)},
        {"digest": "sha256:2", "name": "[linux/amd64 stage-1 1/2] RUN echo hi", "started": t.format(1),
         "completed": t.format(5)},
        {"digest": "sha256:3", "name": "[linux/arm64 stage-1 1/2] RUN echo hi", "started": t.format(1),
         "completed": t.format(2)},
    ]
    log = tmp_path / "build.json"
    log.write_text(json.dumps({"vertexes": vertexes}, indent=2) + "\n")
    r = xlint("report", str(log), "-f", str(df), "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["build_platform"] == "linux/arm64" and data["platforms"] == ["linux/amd64", "linux/arm64"]
    where = {(s["line"], s["platform"]): s["placement"] for s in data["steps"]}
    assert where == {(2, "linux/arm64"): "native", (5, "linux/amd64"): "emulated", (5, "linux/arm64"): "native"}
    assert data["emulated_seconds"] == {"linux/amd64": 4.0, "linux/arm64": 0.0}


def test_a_build_merged_with_another_on_the_daemon_counts_its_own_steps_once() -> None:
    """The stream carries the other build's vertexes for the same steps (same names, other digests,
    started before this build): each step is reported once, from this build's side."""
    from xlint.build.progress import read_log

    raw = [v for v in read_log(SHARED.read_bytes()).ordered() if v.name.startswith("[linux/")]
    assert len(raw) > len({v.name for v in raw})  # the recording does hold duplicates
    r = xlint("report", str(SHARED), "-f", str(DOCKERFILE), "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    keys = [(s["platform"], s["line"]) for s in data["steps"]]
    assert len(keys) == len(set(keys)) == 12
    assert all(s["start_s"] is None or s["start_s"] >= 0 for s in data["steps"])
    amd = {s["line"]: s for s in data["steps"] if s["platform"] == "linux/amd64"}
    assert all(amd[line]["cached"] for line in (4, 5, 6, 7))  # the other build did that work first
    emulated_go_build_named("json", r.stdout)
