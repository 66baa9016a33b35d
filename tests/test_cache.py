"""The results cache of ``xlint check``: the same report byte for byte whether answered cold, warm or
with --no-cache, in one process or several; never a stale answer after a change of the file, the config,
the version, xlint's code or a build-context file a rule read; safe with concurrent writers."""

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


def xlint(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("xlint", path=os.path.dirname(sys.executable)) or shutil.which("xlint")
    cmd = [exe] if exe else [sys.executable, "-m", "xlint"]
    full = {**os.environ, **(env or {})}
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=full)


def entries(cache: Path) -> list[Path]:
    """The entries of files (and of the project check), not those of whole runs (``run-*``)."""
    folder = cache / "v1"
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "run-"))) if folder.is_dir() else []


def run_entries(cache: Path) -> list[Path]:
    folder = cache / "v1"
    return sorted(folder.glob("run-*")) if folder.is_dir() else []


def forget_runs(cache: Path) -> None:
    """Remove the entries of whole runs: the next run is answered from the entries of its files."""
    for p in run_entries(cache):
        p.unlink()


def test_cold_warm_no_cache_and_one_process_agree(tmp_path: Path) -> None:
    """Fixtures and a generated set (more files than the parallel threshold): one report whatever the
    path to it."""
    work = tmp_path / "w"
    shutil.copytree(ROOT / "fixtures", work / "fixtures")
    write_corpus(work / "gen", 60, seed=7)
    cache = tmp_path / "cache"
    outputs = {}
    for fmt in ("text", "json"):
        base = ["check", "--exit-zero", "--format", fmt, "fixtures", "gen"]
        runs = {
            "no-cache": xlint(*base, "--no-cache", cwd=work),
            "one-process": xlint(*base, "--no-cache", cwd=work, env={"XLINT_JOBS": "1"}),
            "cold": xlint(*base, "--cache-dir", str(cache), cwd=work),
            "warm": xlint(*base, "--cache-dir", str(cache), cwd=work),
            "warm-one-process": xlint(*base, "--cache-dir", str(cache), cwd=work, env={"XLINT_JOBS": "1"}),
        }
        for name, r in runs.items():
            assert r.returncode == 0, (name, r.stderr)
        outputs[fmt] = {name: r.stdout for name, r in runs.items()}
        assert len(set(outputs[fmt].values())) == 1, {k: len(v) for k, v in outputs[fmt].items()}
        shutil.rmtree(cache)
    assert "XL101" in outputs["text"]["warm"] and outputs["text"]["warm"].count("\n") > 500


def test_warm_run_reads_the_cache(tmp_path: Path) -> None:
    """An entry is what a warm run reports: a doctored entry shows (so hits are real), a broken one is a
    miss that is checked again and rewritten."""
    # a Go build at the project root: the cgo scan walks the build context, which holds .xlint_cache/
    project = tmp_path / "p"
    (project / ".git").mkdir(parents=True)
    (project / "main.go").write_text("package main\n\nfunc main() {}\n")
    (project / "Dockerfile").write_text("FROM golang:1.22 AS b\nRUN go build -o /app .\nFROM alpine\n"
                                        "COPY --from=b /app /app\n")
    env = {"XLINT_CACHE_DIR": ""}
    cold = xlint("check", "Dockerfile", cwd=project, env=env)
    assert "XL101" in cold.stdout
    (entry,) = entries(project / ".xlint_cache")
    original = entry.read_bytes()
    fmt, deps, rows = marshal.loads(original)
    assert any(d[0] == "dir" for d in deps)  # the walk was recorded
    doctored = [tuple(r[:4]) + ("doctored message",) + tuple(r[5:]) for r in rows]
    entry.write_bytes(marshal.dumps((fmt, deps, doctored)))
    forget_runs(project / ".xlint_cache")
    assert "doctored message" in xlint("check", "Dockerfile", cwd=project, env=env).stdout
    assert "doctored message" not in xlint("check", "--no-cache", "Dockerfile", cwd=project, env=env).stdout
    entry.write_bytes(original[:7])  # truncated
    forget_runs(project / ".xlint_cache")
    again = xlint("check", "Dockerfile", cwd=project, env=env)
    assert again.stdout == cold.stdout
    assert entry.read_bytes() == original  # checked again and written back


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine\nARG TARGETARCH=amd64\n")
    r = xlint("check", "--no-cache", "--cache-dir", str(tmp_path / "cache"), "Dockerfile", cwd=tmp_path)
    assert "XL202" in r.stdout
    assert not (tmp_path / "cache").exists()


def test_changes_are_never_answered_from_the_cache(tmp_path: Path) -> None:
    """Content, config content and options each make a new answer (and the old one still stands)."""
    cache = tmp_path / "cache"
    df = tmp_path / "Dockerfile"
    df.write_text("FROM alpine\nRUN echo $TARGETARCH\n")

    def run(*extra: str) -> str:
        return xlint("check", "--cache-dir", str(cache), *extra, "Dockerfile", cwd=tmp_path).stdout

    assert "XL201" in run()
    df.write_text("FROM alpine\nARG TARGETARCH\nRUN echo $TARGETARCH\n")
    assert "XL201" not in run()
    df.write_text("FROM alpine\nRUN echo $TARGETARCH\n")
    assert "XL201" in run()
    (tmp_path / ".xlint.yaml").write_text("ignore: [XL201]\n")
    assert "XL201" not in run()
    (tmp_path / ".xlint.yaml").write_text("select: [XL2]\n")
    assert "XL201" in run()
    assert "XL201" not in run("--ignore", "XL201")
    # same rules, other platforms (from the config or the command line): another answer
    df.write_text("FROM golang:1.22\nRUN go build -o /app .\n")
    (tmp_path / ".xlint.yaml").write_text("select: [XL1]\n")
    assert "XL101" in run()
    (tmp_path / ".xlint.yaml").write_text("select: [XL1]\nplatforms: [linux/amd64]\n")
    assert "XL101" not in run()
    assert "XL101" in run("--platform", "linux/amd64,linux/arm64")
    assert "XL101" not in run("--platform", "linux/amd64,linux/arm64", "--build-platform", "linux/arm64",
                              "--select", "XL2")


def test_build_context_files_rules_read_are_part_of_the_answer(tmp_path: Path) -> None:
    """XL107 reads setup.py; the cgo analysis walks the Go sources: changing either changes the report."""
    cache = tmp_path / "cache"
    (tmp_path / "Dockerfile").write_text("FROM python:3.12\nCOPY . /src\nWORKDIR /src\nRUN pip install .\n")
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup(name='p')\n")

    def run(*args: str) -> str:
        return xlint("check", "--cache-dir", str(cache), "--format", "json", *args, cwd=tmp_path).stdout

    assert "XL107" not in run("Dockerfile")
    (tmp_path / "setup.py").write_text("from setuptools import Extension, setup\n"
                                       "setup(name='p', ext_modules=[Extension('p._c', ['c.c'])])\n")
    assert "XL107" in run("Dockerfile")

    go = tmp_path / "go"
    (go / "cmd").mkdir(parents=True)
    (go / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    (go / "cmd" / "main.go").write_text("package main\n\nfunc main() {}\n")
    (go / "Dockerfile").write_text("FROM --platform=$BUILDPLATFORM golang:1.22 AS b\nARG TARGETOS TARGETARCH\n"
                                   "RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /app ./cmd\n"
                                   "FROM alpine\nCOPY --from=b /app /app\n")
    no_cgo = run("go/Dockerfile")
    assert no_cgo == xlint("check", "--no-cache", "--format", "json", "go/Dockerfile", cwd=tmp_path).stdout
    (go / "cmd" / "c.go").write_text('package main\n\n// #include <stdio.h>\nimport "C"\n')  # a new file
    with_cgo = run("go/Dockerfile")
    assert with_cgo == xlint("check", "--no-cache", "--format", "json", "go/Dockerfile", cwd=tmp_path).stdout
    assert with_cgo != no_cgo


def test_context_scripts_a_run_step_calls_are_part_of_the_answer(tmp_path: Path) -> None:
    """``RUN ./build.sh`` is read from the build context: a compile added to the script is seen warm."""
    cache = tmp_path / "cache"
    (tmp_path / "Dockerfile").write_text("FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN ./build.sh\n")
    (tmp_path / "build.sh").write_text("#!/bin/sh\necho hi\n")

    def run() -> str:
        return xlint("check", "--cache-dir", str(cache), "Dockerfile", cwd=tmp_path).stdout

    assert "XL101" not in run()
    (tmp_path / "build.sh").write_text("#!/bin/sh\nset -e\ngo build -o /app .\n")
    out = run()
    assert "XL101" in out and "(in `./build.sh`, run by this step)" in out
    (tmp_path / "build.sh").unlink()
    # gone from the context: no longer read, only guessed from its name in a stage with a compiler
    out = run()
    assert "run by this step" not in out and "(a build script, in a stage that has a compiler)" in out


def test_key_follows_version_and_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlint
    from xlint import cache as cache_mod

    c = cache_mod.ResultCache(tmp_path)
    before = c.key("dockerfile", "Dockerfile", "abc")
    monkeypatch.setattr(cache_mod, "__version__", "9.9.9")
    assert c.key("dockerfile", "Dockerfile", "abc") != before
    monkeypatch.undo()
    assert c.key("dockerfile", "Dockerfile", "abc") == before
    # the fingerprint covers every module file: an edited one is another xlint
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sub" / "b.py").write_text("y = 1\n")
    monkeypatch.setattr(xlint, "__path__", [str(pkg)])
    monkeypatch.setattr(cache_mod, "_FINGERPRINT", None)
    first = cache_mod.code_fingerprint()
    monkeypatch.setattr(cache_mod, "_FINGERPRINT", None)
    assert cache_mod.code_fingerprint() == first
    (pkg / "sub" / "b.py").write_text("y = 22\n")
    monkeypatch.setattr(cache_mod, "_FINGERPRINT", None)
    assert cache_mod.code_fingerprint() != first


def test_concurrent_writers(tmp_path: Path) -> None:
    """Four runs writing the same cache at once: every report is the cold one, every entry loads, no
    temporary file is left."""
    write_corpus(tmp_path / "gen", 30, seed=3)
    cache = tmp_path / "cache"
    want = xlint("check", "--exit-zero", "--no-cache", "gen", cwd=tmp_path).stdout
    exe = shutil.which("xlint", path=os.path.dirname(sys.executable)) or shutil.which("xlint")
    cmd = [exe] if exe else [sys.executable, "-m", "xlint"]
    procs = [subprocess.Popen([*cmd, "check", "--exit-zero", "--cache-dir", str(cache), "gen"], cwd=tmp_path,
                              stdout=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=300)[0] for p in procs]
    assert outs == [want] * 4
    assert len(entries(cache)) >= 30
    for e in entries(cache):
        marshal.loads(e.read_bytes())
    assert not [p for p in (cache / "v1").iterdir() if p.name.startswith(".")]
    assert xlint("check", "--exit-zero", "--cache-dir", str(cache), "gen", cwd=tmp_path).stdout == want


def test_resolving_runs_are_not_cached(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nRUN true\n")
    cache = tmp_path / "cache"
    xlint("check", "--resolve", "--offline", "--cache-dir", str(cache), "Dockerfile", cwd=tmp_path,
          env={"XLINT_CACHE_DIR": str(tmp_path / "registry")})
    assert entries(cache) == []
    xlint("check", "--cache-dir", str(cache), "Dockerfile", cwd=tmp_path)
    assert len(entries(cache)) == 1


def test_where_the_cache_is(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "svc").mkdir(parents=True)
    (project / ".git").mkdir()
    (project / "svc" / "Dockerfile").write_text("FROM alpine\n")
    env = {"XLINT_CACHE_DIR": "", "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    xlint("check", "Dockerfile", cwd=project / "svc", env=env)
    folder = project / ".xlint_cache"
    assert len(entries(folder)) == 1
    assert (folder / ".gitignore").read_text().strip().endswith("*")
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "Dockerfile").write_text("FROM alpine\n")
    xlint("check", "Dockerfile", cwd=lone, env=env)
    assert len(entries(tmp_path / "xdg" / "xlint" / "check")) == 1
    xlint("check", "Dockerfile", cwd=lone, env={"XLINT_CACHE_DIR": str(tmp_path / "env")})
    assert len(entries(tmp_path / "env" / "check")) == 1


def test_rules_read_the_build_context_only_through_contextfiles() -> None:
    """A cached answer is checked against the context files its rules read; a read that goes around
    xlint.contextfiles would make stale answers possible. Modules that never run inside a check (or
    read only what the key already holds) are left out."""
    import re

    outside = {"cli.py", "buildcmd.py", "verifycmd.py", "reportcmd.py", "files.py", "config.py", "cache.py",
               "contextfiles.py", "checker.py", "checkrun.py", "workloads/cli.py", "workloads/resolve.py", "runcache.py"}
    reads = re.compile(r"(?<!contextfiles)\.(?:read_text|read_bytes|is_file|is_dir|exists|iterdir|glob|stat|"
                       r"resolve|open)\(|\bopen\(|\bos\.(?:walk|listdir|scandir|stat)\(|"
                       r"\bos\.path\.(?:isfile|isdir|exists|getsize)\(")
    found = []
    for folder in (ROOT / "xlint", ROOT / "xlint" / "syntax", ROOT / "xlint" / "workloads", ROOT / "rules"):
        for f in sorted(folder.glob("*.py")):
            rel = f.relative_to(ROOT / "xlint").as_posix() if folder != ROOT / "rules" else f"rules/{f.name}"
            if rel in outside:
                continue
            for n, line in enumerate(f.read_text().splitlines(), 1):
                code = line.split("#", 1)[0]
                if reads.search(code) and "tree_sitter_bash" not in code and "_binding" not in code:
                    found.append(f"{rel}:{n}: {line.strip()}")
    allowed = {"shell.py",  # loads tree-sitter-bash's extension module, no build-context file
               "rule.py",  # lists the rules package's own folder
               "rx.py"}  # the stored compiled patterns, in xlint's cache folder
    assert [x for x in found if x.split(":", 1)[0] not in allowed] == []
