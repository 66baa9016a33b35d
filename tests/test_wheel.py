"""The built wheel works on its own: `xlint.rules` is inside it and the console script runs."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installs_and_runs(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    (wheel,) = wheels.glob("xlint-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    # install the wheel by unpacking it (what pip does for a pure wheel), no network needed
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "xlint/rules/xl201_undeclared_platform_arg.py" in names
        assert not any(n.startswith("rules/") for n in names)
        zf.extractall(purelib)
    # dependencies (click, tree-sitter...) come from the test environment, appended after the wheel
    deps = [p for p in site.getsitepackages() if "site-packages" in p]
    (Path(purelib) / "_deps.pth").write_text("\n".join(deps) + "\n")
    code = (
        "import sys, xlint, xlint.rules, xlint.cli;"
        "assert xlint.__file__.startswith(sys.argv[1]), xlint.__file__;"
        "assert xlint.rules.__file__.startswith(sys.argv[1]), xlint.rules.__file__;"
        "from xlint.rule import all_rules; print(len(all_rules()));"
        "sys.argv=['xlint','check',sys.argv[2]]; xlint.cli.main()"
    )
    fixture = ROOT / "fixtures" / "go-hello" / "Dockerfile.undeclared"
    r = subprocess.run([str(py), "-c", code, purelib, str(fixture)], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": ""}, cwd=tmp_path, timeout=120)
    assert r.returncode == 1, r.stderr
    assert int(r.stdout.splitlines()[0]) >= 3
    assert "XL201" in r.stdout


def test_language_server_runs_from_the_installed_wheel(tmp_path: Path) -> None:
    """`pip install` the built wheel into a clean venv (its console script included) and talk LSP to
    `xlint lsp` from there."""
    import asyncio

    from lsp_helpers import Session, apply_workspace_edit, run

    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    (wheel,) = wheels.glob("xlint-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, text=True, timeout=300)
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    deps = [p for p in site.getsitepackages() if "site-packages" in p]
    (Path(purelib) / "_deps.pth").write_text("\n".join(deps) + "\n")
    env = {"PYTHONPATH": ""}
    where = subprocess.run([str(py), "-c", "import xlint.lsp.server as s; print(s.__file__)"], capture_output=True,
                           text=True, env={**os.environ, **env}, cwd=tmp_path, check=True).stdout
    assert where.startswith(purelib), where
    script = env_dir / "bin" / "xlint"
    assert script.exists()
    work = tmp_path / "work"
    work.mkdir()
    dockerfile = work / "Dockerfile"
    dockerfile.write_text((ROOT / "fixtures" / "go-hello" / "Dockerfile.undeclared").read_text())

    async def body() -> None:
        async with Session(work, command=[str(script), "lsp"], env=env) as s:
            uri = s.open(dockerfile)
            diags = await s.diagnostics(uri, 1)
            assert [d.code for d in diags] == ["XL201"]
            h = await s.hover(uri, diags[0].range.start)
            assert h is not None
            actions = await s.code_actions(uri, diags[0].range, diags)
            quick = next(a for a in actions if a.title.startswith("XL201"))
            assert quick.edit is not None
            after = apply_workspace_edit(s.texts, quick.edit)[uri]
            assert after is not None and "ARG TARGETOS\nARG TARGETARCH\n" in after
            assert await asyncio.wait_for(s.shutdown(), 60) == 0

    run(body())
