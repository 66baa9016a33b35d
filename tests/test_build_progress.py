"""Unit tests of `xlint build`'s pieces on streams recorded from real `docker buildx build --progress=rawjson`
runs (docker 26.1 + buildx 0.13, tests/data/build/*.rawjson)."""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from xlint.build.buildx import build_command, parse_inspect
from xlint.build.dockerfile import read_instructions, simple_instructions
from xlint.build.engine import BuildOptions, output_of_spec
from xlint.build.progress import BuildProgress, RawJsonDecoder, iter_stream, parse_timestamp, read_progress
from xlint.build.report import BuildReport, CheckFinding
from xlint.build.steps import build_steps, native_platforms, parse_vertex_name

DATA = Path(__file__).parent / "data" / "build"
NATIVE = native_platforms(["linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/amd64/v4", "linux/arm64"])
BOTH = ["linux/amd64", "linux/arm64"]


def _report(stream: str, dockerfile: str, platforms: list[str] = BOTH) -> BuildReport:
    progress = read_progress((DATA / stream).read_text())
    text = (DATA / dockerfile).read_text()
    steps = build_steps(
        progress.ordered(),
        read_instructions(text, dockerfile),
        dockerfile=dockerfile,
        platforms=platforms,
        build_platform="linux/amd64",
        native=NATIVE,
    )
    return BuildReport(dockerfile, ".", platforms, "linux/amd64", "default", "buildx", steps, True, 1.0)


# ----------------------------------------------------------------------------- decoding
def test_decoder_chunked_equals_whole() -> None:
    text = (DATA / "failing-run.rawjson").read_text()
    whole = read_progress(text)
    rng = random.Random(5)
    for _ in range(30):
        dec = RawJsonDecoder()
        progress = BuildProgress()
        i = 0
        while i < len(text):
            k = rng.randint(1, 80)
            for item in dec.feed(text[i : i + k]):
                progress.apply(item)
            i += k
        for item in dec.close():
            progress.apply(item)
        assert progress.objects == whole.objects
        assert progress.text == whole.text
        assert {d: v.name for d, v in progress.vertexes.items()} == {d: v.name for d, v in whole.vertexes.items()}


def test_decoder_multiline_object_and_plain_text() -> None:
    dec = RawJsonDecoder()
    assert dec.feed('{\n  "vertexes": [\n') == []  # an object still arriving
    items = dec.feed('    {"digest": "sha256:a", "name": "x"}\n  ]\n}\n{"statuses": []}\nERROR: failed to solve: boom\n')
    assert items[0] == {"vertexes": [{"digest": "sha256:a", "name": "x"}]}
    assert items[1] == {"statuses": []}
    assert items[2] == "ERROR: failed to solve: boom"
    assert dec.feed("{not json at all\nnext") == ["{not json at all"]
    assert dec.close() == ["next"]


def test_timestamps_with_nanoseconds() -> None:
    a = parse_timestamp("2026-11-27T20:46:37.401052415Z")
    b = parse_timestamp("2026-11-27T20:46:38.5Z")
    assert a is not None and b is not None
    assert abs((b - a).total_seconds() - 1.098948) < 1e-6
    assert parse_timestamp("garbage") is None


def test_failure_stream_keeps_error_logs_and_buildkit_text() -> None:
    progress = read_progress((DATA / "failing-run.rawjson").read_text())
    failed = progress.failed()
    assert len(failed) == 1
    assert "exit code: 3" in failed[0].error
    assert failed[0].log_text() == "to-stdout\nto-stderr\n"
    assert progress.text[-1].startswith("ERROR: failed to solve")
    assert "   2 | >>> RUN echo to-stdout; echo to-stderr >&2; exit 3" in progress.text  # indent kept


def _stream(*vertexes: dict[str, object]) -> str:
    return "".join(json.dumps({"vertexes": [v]}) + "\n" for v in vertexes)


def test_a_canceled_twin_is_no_failure_an_interrupted_step_is() -> None:
    """BuildKit cancels one of two equal steps (the same WORKDIR in two stages) and keeps the other: the
    build succeeded. A step canceled without a finished twin, or one that failed, is a failure."""
    t0, t1 = "2026-12-01T10:00:00Z", "2026-12-01T10:00:01Z"
    work = "[linux/arm64 build 2/4] WORKDIR /app"
    twin = _stream({"digest": "sha256:a", "name": work, "started": t0, "completed": t1},
                   {"digest": "sha256:b", "name": work, "started": t0, "completed": t1, "error": "context canceled"})
    assert read_progress(twin).failed() == []
    lone = _stream({"digest": "sha256:a", "name": "[linux/arm64 build 3/4] RUN make", "started": t0, "completed": t1,
                    "error": "context canceled"})
    assert [v.name for v in read_progress(lone).failed()] == ["[linux/arm64 build 3/4] RUN make"]
    real = _stream({"digest": "sha256:a", "name": work, "started": t0, "completed": t1},
                   {"digest": "sha256:b", "name": work, "started": t0, "completed": t1,
                    "error": "process did not complete successfully: exit code: 1"})
    assert [v.digest for v in read_progress(real).failed()] == ["sha256:b"]


def test_vertexes_merge_by_digest() -> None:
    text = (DATA / "registry-multistage.rawjson").read_text()
    records = [v for item in iter_stream([text]) if isinstance(item, dict) for v in item.get("vertexes") or []]
    progress = read_progress(text)
    assert len(records) > len(progress.vertexes) == len({r["digest"] for r in records})
    steps = [v for v in progress.ordered() if parse_vertex_name(v.name) is not None]
    assert len(steps) == 18 and all(v.completed is not None and v.started is not None for v in steps)


# ----------------------------------------------------------------------------- names and lines
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("[linux/arm64 build 3/5] RUN go build .", ("linux/arm64", None, "build", 3, 5, "RUN go build .")),
        ("[linux/amd64->arm64 build 5/5] RUN x", ("linux/amd64", "linux/arm64", "build", 5, 5, "RUN x")),
        ("[linux/amd64->arm/v7 b 2/3] COPY a b", ("linux/amd64", "linux/arm/v7", "b", 2, 3, "COPY a b")),
        ("[1/2] RUN echo hi", (None, None, None, 1, 2, "RUN echo hi")),
        ("[stage-1 2/2] COPY --from=0 /a /a", (None, None, "stage-1", 2, 2, "COPY --from=0 /a /a")),
    ],
)
def test_parse_vertex_name(name: str, expected: tuple[object, ...]) -> None:
    vn = parse_vertex_name(name)
    assert vn is not None
    assert (vn.exec_platform, vn.target_platform, vn.stage, vn.index, vn.total, vn.text) == expected


@pytest.mark.parametrize(
    "name",
    ["[internal] load build definition from Dockerfile", "exporting to oci image format",
     "[context busybox:1.36] OCI load from client", "[linux/amd64 internal] load metadata for x"],
)
def test_parse_vertex_name_ignores_internal(name: str) -> None:
    assert parse_vertex_name(name) is None


@pytest.mark.parametrize(
    ("stream", "dockerfile"),
    [
        # base image from --build-context: BuildKit hides its FROM and does not count it in i
        ("named-context-multistage.rawjson", "Dockerfile.multistage"),
        # base image from a registry: "[a 1/5] FROM ...", then WORKDIR is 2/5
        ("registry-multistage.rawjson", "Dockerfile.multistage-registry"),
    ],
)
def test_steps_map_to_dockerfile_lines(stream: str, dockerfile: str) -> None:
    report = _report(stream, dockerfile)
    lines = {(s.text, s.platform): s.line for s in report.steps if s.keyword != "FROM"}
    for plat in BOTH:
        assert lines[("WORKDIR /w", plat)] == 4
        assert lines[("COPY x /x", plat)] == 5
        assert lines[("RUN echo a > /a", plat)] == 6
        assert lines[("RUN echo b > /b", plat)] == 8
        assert lines[("COPY --from=a /a /a", plat)] == 11
        assert lines[("COPY x /y", plat)] == 12
        assert lines[("COPY --from=s /a /c", plat)] == 15
        assert lines[("RUN echo c", plat)] == 16


def test_placement_and_emulated_totals() -> None:
    report = _report("registry-multistage.rawjson", "Dockerfile.multistage-registry")
    runs = [s for s in report.steps if s.keyword == "RUN"]
    assert {s.placement for s in runs if s.platform == "linux/amd64"} == {"native"}
    assert {s.placement for s in runs if s.platform == "linux/arm64"} == {"emulated"}
    # COPY/WORKDIR are BuildKit file operations: never emulated
    assert all(s.placement == "native" for s in report.steps if s.keyword != "RUN")
    totals = report.emulated_seconds()
    assert totals["linux/amd64"] == 0.0
    expected = sum(s.duration or 0 for s in runs if s.platform == "linux/arm64" and not s.cached)
    assert totals["linux/arm64"] == pytest.approx(expected)
    assert totals["linux/arm64"] > 0.5  # three busybox RUNs under qemu-aarch64
    top = report.top_emulated()
    assert [s.line for s in top] and all(s.platform == "linux/arm64" for s in top)


def test_cross_step_from_target_marker() -> None:
    from xlint.build.progress import Vertex

    ins = simple_instructions(
        "FROM --platform=$BUILDPLATFORM golang AS build\nARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build\n"
    )
    v = Vertex("sha256:1", "[linux/amd64->arm64 build 2/2] RUN GOARCH=$TARGETARCH go build")
    (step,) = build_steps([v], ins, dockerfile="Dockerfile", platforms=BOTH, build_platform="linux/amd64",
                          native=NATIVE)
    assert (step.placement, step.platform, step.exec_platform, step.line) == ("cross", "linux/arm64",
                                                                             "linux/amd64", 3)
    assert step.where == "cross amd64->arm64"


def test_single_platform_names_use_the_requested_platform() -> None:
    report = _report("failing-run.rawjson", "Dockerfile.failing", ["linux/arm64"])
    (step,) = [s for s in report.steps if s.keyword == "RUN"]
    assert (step.platform, step.placement, step.line, bool(step.error)) == ("linux/arm64", "emulated", 2, True)
    assert "to-stderr" in step.logs


# ----------------------------------------------------------------------------- report formats
def test_report_formats() -> None:
    report = _report("registry-multistage.rawjson", "Dockerfile.multistage-registry")
    report.attach_findings([CheckFinding("XL101", 6, "RUN under emulation")])
    data = json.loads(report.render_json())
    assert data["emulated_total_seconds"] > 0
    assert data["top_emulated"][0]["platform"] == "linux/arm64"
    assert any(s["line"] == 6 and s["rules"] == ["XL101"] for s in data["steps"])
    suite = ET.fromstring(report.render_junit())
    assert suite.find("testsuite") is not None
    assert len(suite.findall(".//testcase")) == len(report.main_steps())
    md = report.render_markdown()
    assert "| Dockerfile.multistage-registry:6 | `RUN echo a > /a` | linux/arm64 | emulated on linux/arm64 |" in md
    text = report.render_text()
    assert "emulated time: linux/amd64 0.0 s, linux/arm64" in text
    assert "fix: XL101" in text


def test_report_gate_and_failure_in_junit() -> None:
    report = _report("failing-run.rawjson", "Dockerfile.failing", ["linux/arm64"])
    report.gate_failures.append("emulated work 9.0 s exceeds --max-emulated-seconds 1")
    suite = ET.fromstring(report.render_junit())
    assert suite.find("testsuite").get("failures") == "2"  # type: ignore[union-attr]


# ----------------------------------------------------------------------------- command line
def test_build_command_default_archive(tmp_path: Path) -> None:
    opts = BuildOptions(context=tmp_path / "hello", dockerfile=tmp_path / "hello" / "Dockerfile", platforms=BOTH,
                        tags=["example.com/team/hello:1.0"], build_contexts=["golang=oci-layout:///x:latest"],
                        provenance="false", extra=["--ssh", "default"], dist=tmp_path / "dist")
    cmd, output = build_command(opts)
    archive = str(tmp_path / "dist" / "hello.oci.tar")
    assert output == archive
    assert cmd[:4] == ["docker", "buildx", "build", "--progress=rawjson"]
    assert ["--platform", "linux/amd64,linux/arm64"] == cmd[cmd.index("--platform") : cmd.index("--platform") + 2]
    assert f"type=oci,dest={archive},name=example.com/team/hello:1.0" in cmd
    assert "--provenance=false" in cmd
    assert cmd[-3:] == ["--ssh", "default", str(tmp_path / "hello")]


def test_build_command_push_and_output(tmp_path: Path) -> None:
    opts = BuildOptions(context=tmp_path, dockerfile=tmp_path / "Dockerfile", platforms=BOTH,
                        tags=["127.0.0.1:5000/hello:ci"], push=True)
    cmd, output = build_command(opts)
    assert "--push" in cmd and output == "127.0.0.1:5000/hello:ci"
    assert not any(c.startswith("type=oci") for c in cmd)
    assert output_of_spec("type=oci,dest=out/x.tar") == "out/x.tar"
    assert output_of_spec("type=registry,name=r/x:1") == "r/x:1"
    assert output_of_spec("type=local,dest=out") is None


def test_parse_inspect_nodes() -> None:
    text = (
        "Name:          multi\nDriver:        docker-container\n\nNodes:\nName: n1\n"
        "Platforms:        linux/amd64*, linux/amd64/v2, linux/arm64\nName: n2\nPlatforms: linux/arm64, linux/arm/v7\n"
    )
    driver, nodes = parse_inspect(text)
    assert driver == "docker-container"
    assert nodes == [["linux/amd64", "linux/amd64/v2", "linux/arm64"], ["linux/arm64", "linux/arm/v7"]]
    assert "linux/arm64" not in native_platforms(nodes[0])
    assert "linux/arm64" in native_platforms(nodes[1])


# ----------------------------------------------------------------------------- recorded Go builds
def test_recorded_cross_go_build() -> None:
    """fixtures/go-hello/Dockerfile built for amd64+arm64 (--no-cache): BuildKit names the arm64 compile
    `[linux/amd64->arm64 build 5/6] RUN ... GOARCH=arm64 go build` (args expanded) -> line 11, cross."""
    report = _report("go-cross.rawjson", "Dockerfile.go-cross")
    go = [s for s in report.steps if "go build" in s.text]
    assert {(s.platform, s.placement, s.line) for s in go} == {("linux/amd64", "native", 11),
                                                              ("linux/arm64", "cross", 11)}
    assert "GOARCH=arm64" in next(s.text for s in go if s.platform == "linux/arm64")
    assert all((s.duration or 0) > 1 for s in go)
    assert report.emulated_total == 0.0
    lines = {s.text: s.line for s in report.steps}
    assert lines["RUN go mod download"] == 8 and lines["COPY . ."] == 9 and lines["WORKDIR /src"] == 5


def test_recorded_emulated_go_build() -> None:
    """fixtures/go-hello/Dockerfile.emulated: the arm64 `go build` (line 8) ran under qemu-aarch64."""
    report = _report("go-emulated.rawjson", "Dockerfile.go-emulated")
    (arm,) = [s for s in report.steps if "go build" in s.text and s.platform == "linux/arm64"]
    assert (arm.placement, arm.exec_platform, arm.line, arm.where) == ("emulated", "linux/arm64", 8,
                                                                      "emulated on linux/arm64")
    assert (arm.duration or 0) > 10
    assert report.top_emulated()[0] is arm
    assert report.emulated_seconds()["linux/arm64"] >= (arm.duration or 0)
    assert report.emulated_seconds()["linux/amd64"] == 0.0
    assert f"Dockerfile.go-emulated:8 RUN CGO_ENABLED=0 go build -o /out/hello . {arm.duration:.1f} s emulated" in (
        report.render_text())


def test_multiline_run_with_expanded_arg_maps_to_its_lines() -> None:
    """BuildKit shows `RUN echo one     && echo "v=1" ...` (continuations joined, comment dropped, ARG V
    expanded) for a RUN written over lines 3-6."""
    report = _report("multiline-run.rawjson", "Dockerfile.multiline")
    runs = [s for s in report.steps if s.keyword == "RUN"]
    assert {(s.platform, s.line, s.end_line, s.placement) for s in runs} == {
        ("linux/amd64", 3, 6, "native"), ("linux/arm64", 3, 6, "emulated")}
    report.attach_findings([CheckFinding("XL101", 5, "inside the RUN's lines")])
    assert all(s.rules == ["XL101"] for s in runs)


def test_read_instructions_uses_the_lossless_parser() -> None:
    from xlint.syntax import Instruction

    text = (DATA / "Dockerfile.multiline").read_text()
    ins = read_instructions(text, "Dockerfile")
    assert all(isinstance(i, Instruction) for i in ins)
    assert [(i.keyword, i.start_line, i.end_line) for i in ins] == [
        ("FROM", 1, 1), ("ARG", 2, 2), ("RUN", 3, 6), ("COPY", 7, 7)]
    # the fallback reader agrees on this simple file
    assert [(i.keyword, i.start_line, i.end_line) for i in simple_instructions(text)] == [
        (i.keyword, i.start_line, i.end_line) for i in ins]


# ----------------------------------------------------------------------------- the command, engine stubbed
def _fake_run_build(stream: str, calls: list[BuildOptions]) -> object:
    from xlint.build.engine import BuildResult

    def run_build(opts: BuildOptions, listener: object = None) -> BuildResult:
        calls.append(opts)
        progress = read_progress((DATA / stream).read_text())
        return BuildResult(ok=True, returncode=0, progress=progress, wall_seconds=12.0, builder="default",
                           build_platform="linux/amd64", builder_nodes=[["linux/amd64", "linux/arm64"]],
                           output=str(opts.default_archive()))

    return run_build


def test_build_command_cli_gate_summary_and_passthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    import xlint.build.buildx
    from xlint.buildcmd import build_command

    calls: list[BuildOptions] = []
    monkeypatch.setattr(xlint.build.buildx, "run_build", _fake_run_build("go-emulated.rawjson", calls))
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text((DATA / "Dockerfile.go-emulated").read_text())
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(build_command, [
        "--no-check", "--no-verify", "--max-emulated-seconds", "5", "--report", "junit",
        "--report-file", "out/report.xml", "-t", "example/hello:1", "--build-arg", "A=1", "ctx", "--",
        "--ssh", "default"])
    assert result.exit_code == 1, result.output
    (opts,) = calls
    assert opts.extra == ["--ssh", "default"] and opts.build_args == ["A=1"] and opts.platforms == BOTH
    assert opts.default_archive() == Path("dist/hello.oci.tar")
    assert "Dockerfile:8 RUN CGO_ENABLED=0 go build" in result.output
    assert "exceeds --max-emulated-seconds 5" in result.output
    xml = ET.fromstring((tmp_path / "out" / "report.xml").read_text())
    assert any(tc.get("classname") == "xlint.build.gate" for tc in xml.iter("testcase"))
    assert "| ctx/Dockerfile:8 | `RUN CGO_ENABLED=0 go build -o /out/hello .` | linux/arm64 | emulated on linux/arm64 |" in (
        summary.read_text())


def test_build_command_usage_errors(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from xlint.buildcmd import build_command

    result = CliRunner().invoke(build_command, [str(tmp_path)])
    assert result.exit_code == 2 and "Dockerfile not found" in result.output
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    result = CliRunner().invoke(build_command, ["--push", str(tmp_path)])
    assert result.exit_code == 2 and "--push needs -t" in result.output


def test_display_plain_and_tty() -> None:
    import io

    from xlint.build.display import Display

    progress = read_progress((DATA / "failing-run.rawjson").read_text())
    failed = progress.failed()[0]
    plain = io.StringIO()
    d = Display(plain, tty=False)
    d.update(progress.ordered())
    d.finish()
    lines = plain.getvalue().splitlines()
    assert "[1/2] RUN echo to-stdout; echo to-stderr >&2; exit 3" in "\n".join(lines)
    assert any(ln.startswith("#") and "ERROR process" in ln for ln in lines)
    assert "\x1b" not in plain.getvalue()
    tty = io.StringIO()
    d = Display(tty, tty=True)
    running = BuildProgress()
    running.apply({"vertexes": [{"digest": "sha256:r", "name": "[linux/arm64 b 2/3] RUN make",
                                 "started": "2026-11-27T20:00:00Z"}]})
    d.update(running.ordered())
    assert "running 1: [linux/arm64 b 2/3] RUN make" in tty.getvalue()
    d.update([failed])
    d.finish()
    assert f"{failed.name} ERROR" in tty.getvalue()
