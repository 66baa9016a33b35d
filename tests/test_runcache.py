"""Whole runs answered from the cache (xlint.runcache): the same bytes and exit code as the full command,
without importing click, the parser or the rules; never a stale answer after a change of a checked file,
a config file (found, created, edited, given), a build-context file a rule read, the options or the
folder the run is made from; and the full command whenever the cache cannot answer."""

from __future__ import annotations

import marshal
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from gen_dockerfiles import write_corpus  # noqa: E402

_SHOW_MODULES = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('MODULES', ' '.join(sorted(sys.modules)), file=sys.stderr))\n"
    "sys.argv = ['xlint', *sys.argv[1:]]\n"
    "from xlint.runcache import main\n"
    "main()\n"
)


def xlint(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The console script, as users run it (its entry point is xlint.runcache:main)."""
    exe = shutil.which("xlint", path=os.path.dirname(sys.executable)) or shutil.which("xlint")
    cmd = [exe] if exe else [sys.executable, "-m", "xlint"]
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def modules(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str],
                                                                                set[str]]:
    """A run of the console script's entry point, and the modules it imported."""
    r = subprocess.run([sys.executable, "-c", _SHOW_MODULES, *args], cwd=cwd, capture_output=True, text=True,
                       timeout=300, input="", env={**os.environ, "XLINT_FULL_EXIT": "1", **(env or {})})
    line = next(x for x in r.stderr.splitlines() if x.startswith("MODULES "))
    return r, set(line.split()[1:])


def runs(cache: Path) -> list[Path]:
    return sorted((cache / "v1").glob("run-*"))


def test_a_stored_run_prints_the_same_bytes(tmp_path: Path) -> None:
    """Fixtures and generated files (more than the parallel threshold), every format: the run answered
    from its entry prints what the full command printed, with the same exit code."""
    work = tmp_path / "w"
    shutil.copytree(ROOT / "fixtures", work / "fixtures")
    files = sorted(str(p.relative_to(work)) for p in (work / "fixtures").rglob("Dockerfile*"))
    files += [str(p.relative_to(work)) for p in write_corpus(work / "gen", 60, seed=11)]
    cache = tmp_path / "cache"
    for fmt in ("text", "json", "sarif", "github", "junit"):
        for exit_zero in ((), ("--exit-zero",)):
            base = ["check", "--format", fmt, *exit_zero, "--cache-dir", str(cache), *files]
            full = xlint(*base[:-len(files)], "--no-cache", *files, cwd=work)
            cold = xlint(*base, cwd=work)
            assert runs(cache), "the run was not stored"
            warm, mods = modules(*base, cwd=work)
            assert "click" not in mods and "xlint.checker" not in mods  # answered from the run's entry
            for r in (cold, warm):
                assert (r.stdout, r.returncode) == (full.stdout, full.returncode), fmt
            assert full.returncode == (0 if exit_zero else 1)
            assert "XL101" in warm.stdout
    # one file, as an editor asks
    one = ["check", "--cache-dir", str(cache), "fixtures/go-hello/Dockerfile.emulated"]
    cold = xlint(*one, cwd=work)
    warm, mods = modules(*one, cwd=work)
    assert "click" not in mods
    assert (warm.stdout, warm.returncode) == (cold.stdout, cold.returncode) == (
        xlint(*one, "--no-cache", cwd=work).stdout, 1)


def test_the_stored_run_is_what_is_printed_and_a_broken_one_is_run_again(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN echo $TARGETARCH\n")
    cache = tmp_path / "cache"
    args = ("check", "--cache-dir", str(cache), "Dockerfile")
    cold = xlint(*args, cwd=tmp_path)
    (entry,) = runs(cache)
    original = entry.read_bytes()
    fmt, deps, text, code = marshal.loads(original)
    assert text == cold.stdout and code == cold.returncode == 1
    assert ("file", str(tmp_path / "Dockerfile"), 0) == tuple(next(d for d in deps if d[0] == "file"))[:3]
    entry.write_bytes(marshal.dumps((fmt, deps, "doctored\n", 0)))
    doctored = xlint(*args, cwd=tmp_path)
    assert (doctored.stdout, doctored.returncode) == ("doctored\n", 0)
    entry.write_bytes(original[:9])  # truncated: the full command runs and stores the run again
    again, mods = modules(*args, cwd=tmp_path)
    assert "xlint.checkrun" in mods and (again.stdout, again.returncode) == (cold.stdout, 1)
    assert marshal.loads(entry.read_bytes()) == marshal.loads(original)


def test_a_stored_run_is_never_stale(tmp_path: Path) -> None:
    """Each change gives the full command's answer (compared with --no-cache), then is answered warm."""
    project = tmp_path / "project"
    svc = project / "svc"
    svc.mkdir(parents=True)
    (project / ".git").mkdir()
    df = svc / "Dockerfile"
    df.write_text("FROM python:3.12\nCOPY . /src\nWORKDIR /src\nRUN pip install . && echo $TARGETARCH\n")
    (svc / "setup.py").write_text("from setuptools import setup\nsetup(name='p')\n")
    env = {"XLINT_CACHE_DIR": ""}  # the cache is .xlint_cache/ in the project (the registry's is unused)

    seen: list[str] = []

    def check(*args: str, cwd: Path = svc) -> str:
        full = xlint("check", "--no-cache", *args, cwd=cwd, env=env)
        cold = xlint("check", *args, cwd=cwd, env=env)
        warm, mods = modules("check", *args, cwd=cwd, env=env)
        assert "click" not in mods, "not answered from the stored run"
        assert cold.stdout == warm.stdout == full.stdout and cold.returncode == warm.returncode == full.returncode
        seen.append(full.stdout)
        return full.stdout

    first = check("Dockerfile")
    assert "XL201" in first and "XL107" not in first
    df.write_text(df.read_text().replace("echo $TARGETARCH", "echo hi"))  # the checked file
    assert "XL201" not in check("Dockerfile")
    df.write_text(df.read_text().replace("echo hi", "echo $TARGETARCH"))
    assert check("Dockerfile") == first
    (svc / "setup.py").write_text("from setuptools import Extension, setup\n"  # a context file a rule read
                                  "setup(name='p', ext_modules=[Extension('p._c', ['c.c'])])\n")
    assert "XL107" in check("Dockerfile")
    (project / "pyproject.toml").write_text("[tool.xlint]\nignore = ['XL107']\n")  # a config in a parent
    assert "XL107" not in check("Dockerfile")
    (project / "pyproject.toml").write_text("[tool.xlint]\nignore = ['XL201']\n")  # edited
    assert "XL107" in check("Dockerfile") and "XL201" not in seen[-1]
    (svc / ".xlint.yaml").write_text("select: [XL107]\n")  # a nearer one, created
    assert "XL107" in check("Dockerfile") and "XL201" not in seen[-1]
    (svc / ".xlint.yaml").unlink()
    assert "XL201" not in check("Dockerfile")
    given = tmp_path / "given.yaml"
    given.write_text("ignore: [XL107]\n")
    assert "XL107" not in check("--config", str(given), "Dockerfile")
    given.write_text("select: [XL107]\n")  # a --config file, edited
    assert "XL107" in check("--config", str(given), "Dockerfile") and "XL201" not in seen[-1]
    assert "XL201" not in check("--ignore", "XL201", "Dockerfile")  # other options
    assert "XL107" in check("svc/Dockerfile", cwd=project)  # another folder: other relative names
    assert "svc/Dockerfile:" in seen[-1]
    # a link to a Dockerfile of another folder: the target's folder decides config and context
    other = tmp_path / "other"
    other.mkdir()
    (other / "Dockerfile").write_text(df.read_text())
    link = tmp_path / "link"
    link.mkdir()
    (link / "Dockerfile").symlink_to(df)
    assert "XL107" in check("Dockerfile", cwd=link)
    (link / "Dockerfile").unlink()
    (link / "Dockerfile").symlink_to(other / "Dockerfile")  # same content, another folder
    assert "XL107" not in check("Dockerfile", cwd=link)


def test_runs_the_cache_cannot_answer_run_the_full_command(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN echo $TARGETARCH\n")
    (tmp_path / "k.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                                     "spec: {containers: [{name: c, image: alpine}]}\n")
    cache = tmp_path / "cache"
    for args in (["Dockerfile", "--no-cache"], ["."], ["Dockerfile", "k.yaml"], ["-", "--stdin-filename", "D"],
                 ["Dockerfile", "--output", str(tmp_path / "out.txt")], ["Dockerfile", "--resolve", "--offline"]):
        for _ in range(2):
            r, mods = modules("check", "--cache-dir", str(cache), *args, cwd=tmp_path,
                              env={"XLINT_CACHE_DIR": str(tmp_path / "registry")})
            assert "xlint.checkrun" in mods, args  # the full command ran
        assert not runs(cache), args
    # a file that is gone: the full command's error, never an old answer
    r = xlint("check", "--cache-dir", str(cache), "Dockerfile", cwd=tmp_path)
    assert runs(cache) and r.returncode == 1
    (tmp_path / "Dockerfile").unlink()
    r = xlint("check", "--cache-dir", str(cache), "Dockerfile", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", "xlint: error: Dockerfile: no such file or directory\n")


def test_which_runs_have_a_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlint.runcache import plan

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XLINT_CACHE_DIR", str(tmp_path / "env"))
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    (tmp_path / "k.yml").write_text("a: 1\n")
    (tmp_path / "sub").mkdir()
    p = plan(["check", "--select", "XL2", "--format=json", "--exit-zero", "--cache-dir", "c", "Dockerfile"])
    assert p is not None and p.folder == "c"
    assert plan(["check", "--cache-dir", "./c/", "Dockerfile"]).folder == "c"  # type: ignore[union-attr]
    other = plan(["check", "--format", "json", "Dockerfile"])
    assert other is not None and other.folder == str(tmp_path / "env" / "check")
    assert other.key != p.key and other.key.startswith("run-")
    for argv in (["check"], ["check", "sub"], ["check", "-"], ["check", "k.yml"], ["check", "missing"],
                 ["check", "--no-cache", "Dockerfile"], ["check", "--resolve", "Dockerfile"],
                 ["check", "-o", "x", "Dockerfile"], ["check", "--output=x", "Dockerfile"],
                 ["check", "--exit-zero=1", "Dockerfile"], ["check", "Dockerfile", "--select"],
                 ["fix", "Dockerfile"], ["check", "--help"], []):
        assert plan(argv) is None, argv


def test_a_terminal_and_no_color_are_part_of_the_key(tmp_path: Path) -> None:
    """On a terminal the text is coloured unless NO_COLOR is set and not empty: a run stored without
    colours is never printed where colours are due."""
    import pty

    (tmp_path / "Dockerfile").write_text("FROM alpine\nRUN echo $TARGETARCH\n")
    exe = shutil.which("xlint", path=os.path.dirname(sys.executable)) or shutil.which("xlint")
    cmd = [exe] if exe else [sys.executable, "-m", "xlint"]

    def on_terminal(no_color: str) -> str:
        main, secondary = pty.openpty()
        env = {**os.environ, "NO_COLOR": no_color}
        p = subprocess.Popen([*cmd, "check", "--cache-dir", str(tmp_path / "c"), "Dockerfile"], cwd=tmp_path,
                             stdout=secondary, stderr=subprocess.DEVNULL, env=env)
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        p.wait(timeout=300)
        os.close(main)
        return b"".join(chunks).decode()

    plain = on_terminal("1")
    assert "XL201" in plain and "\x1b[" not in plain
    assert on_terminal("1") == plain  # stored, and answered
    assert runs(tmp_path / "c")
    coloured = on_terminal("")
    assert "XL201" in coloured and "\x1b[" in coloured
