"""The GitHub Action (action.yml) runs its own steps here, as the runner would run a composite action:
each `run:` script in order with `bash --noprofile --norc -eo pipefail`, its `env:` expressions
(`${{ inputs.X }}`, `${{ github.action_path }}`, `${{ steps.ID.outputs.X }}`) filled in, a temporary
GITHUB_WORKSPACE (a copy of fixtures/go-hello and the recorded build log), GITHUB_STEP_SUMMARY,
a GITHUB_OUTPUT file per step and RUNNER_TEMP. The install step installs xlint from this checkout for
real, into a fresh virtual environment whose dependencies come from the test environment
(`pip-args: --no-deps --no-build-isolation`, no network)."""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
import venv
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
ACTION = YAML(typ="safe").load((ROOT / "action.yml").read_text())
LOG = ROOT / "tests" / "data" / "report" / "go-emulated.rawjson"
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class ActionRun:
    rc: int  # exit code of the last step that ran
    failed_step: str | None
    logs: dict[str, str]  # stdout + stderr per step id
    steps: dict[str, dict[str, str]]  # outputs per step id
    outputs: dict[str, str]  # the action's outputs
    summary: str
    workspace: Path
    ran: list[str] = field(default_factory=list)


def parse_output_file(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT: `name=value` lines and `name<<DELIM` ... `DELIM` blocks."""
    out: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body = []
            i += 1
            while lines[i] != delim:
                body.append(lines[i])
                i += 1
            out[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


def evaluate(expr: str, inputs: dict[str, str], steps: dict[str, dict[str, str]]) -> str:
    if expr == "github.action_path":
        return str(ROOT)
    m = re.fullmatch(r"inputs\.([A-Za-z0-9_-]+)", expr)
    if m:
        return inputs[m.group(1)]
    m = re.fullmatch(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)", expr)
    if m:
        return steps.get(m.group(1), {}).get(m.group(2), "")
    raise AssertionError(f"action.yml uses an expression this runner does not know: {expr}")


def substitute(text: str, inputs: dict[str, str], steps: dict[str, dict[str, str]]) -> str:
    return _EXPR.sub(lambda m: evaluate(m.group(1), inputs, steps), text)


def run_action(workspace: Path, given: dict[str, str], runner_temp: Path) -> ActionRun:
    unknown = set(given) - set(ACTION["inputs"])
    assert not unknown, unknown
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    inputs.update(given)
    summary = runner_temp / "step_summary.md"
    summary.write_text("")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "XLINT_"))}
    base_env.update({"GITHUB_WORKSPACE": str(workspace), "GITHUB_STEP_SUMMARY": str(summary),
                     "GITHUB_ACTION_PATH": str(ROOT), "RUNNER_TEMP": str(runner_temp), "CI": "true",
                     "GITHUB_ACTIONS": "true"})
    steps: dict[str, dict[str, str]] = {}
    logs: dict[str, str] = {}
    ran: list[str] = []
    rc, failed = 0, None
    assert ACTION["runs"]["using"] == "composite"
    for n, step in enumerate(ACTION["runs"]["steps"]):
        sid = step.get("id", f"step{n}")
        assert step["shell"] == "bash" and "uses" not in step
        assert set(step) <= {"id", "name", "shell", "env", "run"}, set(step)  # no `if:` to evaluate
        env = dict(base_env)
        env.update({k: substitute(str(v), inputs, steps) for k, v in (step.get("env") or {}).items()})
        out_file = runner_temp / f"output-{sid}"
        out_file.write_text("")
        env["GITHUB_OUTPUT"] = str(out_file)
        script = runner_temp / f"{sid}.sh"
        script.write_text(substitute(step["run"], inputs, steps))
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=env, capture_output=True, text=True, timeout=600, check=False)
        ran.append(sid)
        logs[sid] = proc.stdout + proc.stderr
        steps[sid] = parse_output_file(out_file.read_text())
        rc = proc.returncode
        if rc != 0:
            failed = sid
            break
    outputs = {name: substitute(str(spec["value"]), inputs, steps) for name, spec in ACTION["outputs"].items()}
    return ActionRun(rc, failed, logs, steps, outputs, summary.read_text(), workspace, ran)


@pytest.fixture(scope="module")
def python_with_deps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment (with pip) that sees the test environment's packages but not xlint."""
    env_dir = tmp_path_factory.mktemp("venv") / "py"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    deps = [p for p in site.getsitepackages() if "site-packages" in p]
    (Path(purelib) / "_deps.pth").write_text("\n".join(deps) + "\n")
    probe = subprocess.run([str(py), "-c", "import xlint"], capture_output=True, text=True, cwd=env_dir)
    assert probe.returncode != 0  # xlint itself comes from the action's install step
    return py


def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "workspace"
    shutil.copytree(ROOT / "fixtures" / "go-hello", ws)
    shutil.copy(LOG, ws / "build.json")
    return ws


def test_annotations_summary_outputs_and_gates(python_with_deps: Path, tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    run = run_action(ws, {"python": str(python_with_deps), "pip-args": "--no-deps --no-build-isolation",
                          "build-log": "build.json", "dockerfile": "Dockerfile.emulated",
                          "max-emulated-seconds": "10", "failure-threshold": "error",
                          "html-report": "report.html"}, temp)
    assert run.ran == ["install", "check", "report", "gate"], run.logs
    # installed from this checkout, into the given environment
    assert run.steps["install"]["python"] == str(python_with_deps)
    assert "xlint, version" in run.logs["install"]
    # annotations: what the runner turns into pull request annotations, repository-relative
    annotations = [ln for ln in run.logs["check"].splitlines() if ln.startswith("::")]
    assert any(a.startswith("::warning file=Dockerfile.emulated,line=8,") and "XL101" in a for a in annotations)
    assert any(a.startswith("::error file=Dockerfile.undeclared,line=12,") and "XL201" in a for a in annotations)
    assert len(annotations) == 3
    # the job summary: the check's table and the build report's
    assert "### xlint check: 3 findings (1 error, 2 warnings)" in run.summary
    assert "| `Dockerfile.undeclared:12:41` | XL201 `undeclared-platform-arg` | error |" in run.summary
    assert "### xlint report: `Dockerfile.emulated` (ok, 58.1 s, log `build.json`)" in run.summary
    assert ("| Dockerfile.emulated:8 | `RUN CGO_ENABLED=0 go build -o /out/hello .` | linux/arm64 | "
            "emulated on linux/arm64 |") in run.summary
    assert "**Gate failed:** emulated work 57.2 s exceeds --max-emulated-seconds 10" in run.summary
    # outputs
    assert run.outputs["findings"] == "3"
    assert float(run.outputs["emulated-seconds"]) == pytest.approx(57.2, abs=0.05)
    assert run.outputs["sarif-file"] == ""
    assert (ws / "report.html").read_text().startswith("<!DOCTYPE html>")
    # the error finding (threshold error) and the emulation gate fail the action, at its last step
    assert run.failed_step == "gate" and run.rc == 1
    assert "::error title=xlint check::" in run.logs["gate"] and "::error title=xlint report::" in run.logs["gate"]


def test_sarif_without_threshold_passes(python_with_deps: Path, tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    run = run_action(ws, {"python": str(python_with_deps), "pip-args": "--no-deps --no-build-isolation",
                          "format": "sarif", "sarif-file": "out/xlint.sarif", "failure-threshold": "none"}, temp)
    assert run.rc == 0 and run.failed_step is None, run.logs
    sarif = json.loads((ws / "out" / "xlint.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["XL101", "XL101", "XL201"]
    assert not [ln for ln in run.logs["check"].splitlines() if ln.startswith("::")]  # no annotations
    assert run.outputs == {"findings": "3", "emulated-seconds": "", "sarif-file": "out/xlint.sarif"}
    assert "### xlint check: 3 findings" in run.summary and "xlint report" not in run.summary


def test_unreadable_build_log_fails_the_report_step(python_with_deps: Path, tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    (ws / "build.json").write_bytes(LOG.read_bytes()[:5000])
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    run = run_action(ws, {"python": str(python_with_deps), "pip-args": "--no-deps --no-build-isolation",
                          "build-log": "build.json", "failure-threshold": "none"}, temp)
    assert run.failed_step == "report" and run.rc == 2
    assert "xlint: error: build.json:" in run.logs["report"] and "truncated" in run.logs["report"]


def test_install_makes_a_virtual_environment_for_a_plain_python(tmp_path: Path) -> None:
    """Given a Python that is not a virtual environment, the install step makes one under RUNNER_TEMP
    (pip into a system Python is refused on current runners). Only the install step runs here."""
    base = Path(getattr(sys, "_base_executable", sys.executable))
    if sys.prefix == sys.base_prefix:
        pytest.skip("the tests run outside a virtual environment")
    step = ACTION["runs"]["steps"][0]
    assert step["id"] == "install"
    script = tmp_path / "install.sh"
    # stop before pip: what is under test is the choice of environment, not a download of the dependencies
    body = step["run"].split('"$py" -m pip install', 1)[0] + 'echo "python=$py" >> "$GITHUB_OUTPUT"\n'
    script.write_text(body)
    out = tmp_path / "out"
    out.write_text("")
    env = {**os.environ, "XLINT_PYTHON": str(base), "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(out)}
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    made = parse_output_file(out.read_text())["python"]
    assert made == str(tmp_path / "xlint-venv" / "bin" / "python") and Path(made).exists()
    assert (tmp_path / "xlint-venv" / "pyvenv.cfg").is_file()


def test_readme_workflow_uses_the_action_as_it_is() -> None:
    """The README's workflow: a build that saves rawjson, this action with inputs it has, SARIF upload."""
    readme = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", readme, flags=re.S) if "uses: xlint/xlint@" in b]
    assert len(blocks) == 1
    workflow = YAML(typ="safe").load(blocks[0])
    steps = workflow["jobs"]["build"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    for needed in ("actions/checkout", "docker/setup-buildx-action", "xlint/xlint",
                   "github/codeql-action/upload-sarif"):
        assert needed in uses, uses
    build = next(s for s in steps if "run" in s and "docker buildx build" in s["run"])
    assert "--progress=rawjson" in build["run"] and "2> build.json" in build["run"]
    (xl,) = [s for s in steps if s.get("uses", "").startswith("xlint/xlint@")]
    assert set(xl["with"]) <= set(ACTION["inputs"]), set(xl["with"]) - set(ACTION["inputs"])
    assert xl["with"]["build-log"] == "build.json"
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] == xl["with"]["sarif-file"]
    for name in re.findall(r"steps\.xlint\.outputs\.([A-Za-z0-9_-]+)", blocks[0]):
        assert name in ACTION["outputs"], name
