"""Headless Chromium (Debian's `chromium`) for the HTML report tests and scripts/report-screenshot.sh,
and Pillow to look at what it rendered.

With CI set a missing browser fails the tests (`.ci/run` installs `chromium`); elsewhere they skip
with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

# The last two make a screenshot wait for the whole page to be rastered: without them a loaded machine
# can capture before the bottom tiles are painted (CI once got the page without its lowest rows).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--run-all-compositor-stages-before-draw", "--virtual-time-budget=5000"]


def chromium() -> str:
    """The browser binary, or fail (CI) / skip (elsewhere)."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("CI is set but chromium is not installed (.ci/run apt-installs it)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def run_chromium(browser: str, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    with tempfile.TemporaryDirectory(prefix="xlint-chromium-") as profile:
        return subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              timeout=timeout, check=False, stdin=subprocess.DEVNULL)


def screenshot(browser: str, page: Path, png: Path, size: tuple[int, int] = (1400, 900)) -> None:
    r = run_chromium(browser, [f"--window-size={size[0]},{size[1]}", f"--screenshot={png}", page.resolve().as_uri()])
    assert png.is_file(), r.stderr.decode(errors="replace")[-2000:]


def dump_dom(browser: str, page: Path) -> str:
    r = run_chromium(browser, ["--dump-dom", page.resolve().as_uri()])
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-2000:]
    return r.stdout.decode()


def print_pdf(browser: str, page: Path, pdf: Path) -> None:
    r = run_chromium(browser, ["--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.resolve().as_uri()])
    assert pdf.is_file(), r.stderr.decode(errors="replace")[-2000:]


def read_png(path: Path) -> Image.Image:
    """The screenshot as an RGB image (Pillow)."""
    with Image.open(path) as img:
        return img.convert("RGB")


def count_near(img: Image.Image, rgb: tuple[int, int, int], tolerance: int = 16) -> int:
    """Pixels within ``tolerance`` of ``rgb`` on every channel."""
    bands = img.split()
    masks = [band.point(lambda v, c=c: 255 if abs(v - c) <= tolerance else 0) for band, c in zip(bands, rgb, strict=True)]
    both = ImageChops.multiply(ImageChops.multiply(masks[0], masks[1]), masks[2])
    return int(both.histogram()[255])


def luminance_stddev(img: Image.Image) -> float:
    return float(ImageStat.Stat(img.convert("L")).stddev[0])
