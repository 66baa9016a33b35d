"""The HTML report in a real browser: headless Chromium renders the report of the recorded Go build
(tests/data/report/go-emulated.rawjson) at 1400x900 and prints it; the screenshot is not blank, the
emulated arm64 compile is a long bar of the emulated colour, and the DOM Chromium built holds that bar."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_helpers import chromium, count_near, dump_dom, luminance_stddev, print_pdf, read_png, screenshot
from test_report import DOCKERFILE, GO_BUILD_LINE, LOG, bars_of, xlint

EMULATED_RGB = (0xE8, 0x59, 0x0C)  # --emulated in xlint/build/html.py
NATIVE_RGB = (0x2F, 0x9E, 0x44)


@pytest.fixture(scope="module")
def browser() -> str:
    return chromium()


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    r = xlint("report", str(LOG), "-f", str(DOCKERFILE), "--format", "html", "-o", str(out))
    assert r.returncode == 0, r.stderr
    return out


def test_blank_page_control(browser: str, tmp_path: Path) -> None:
    """The checks below can fail: a blank page has no contrast and no emulated colour."""
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    png = tmp_path / "blank.png"
    screenshot(browser, blank, png)
    img = read_png(png)
    assert luminance_stddev(img) < 1.0
    assert count_near(img, EMULATED_RGB) == 0


def test_screenshot_is_not_blank_and_shows_the_emulated_bar(browser: str, page: Path, tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    screenshot(browser, page, png)
    img = read_png(png)
    assert img.size == (1400, 900)
    assert luminance_stddev(img) > 10
    assert len(img.getcolors(1 << 20) or []) > 50
    assert count_near(img, EMULATED_RGB) > 8000  # the 56 s arm64 compile bar, the card, the lane total
    assert count_near(img, NATIVE_RGB) > 1000
    # the arm64 compile spans most of the shared time axis: one row of the picture has a long emulated run
    widest = 0
    width, height = img.size
    data = img.load()
    assert data is not None
    for y in range(0, height, 2):
        run = best = 0
        for x in range(width):
            r, g, b = data[x, y]
            if abs(r - EMULATED_RGB[0]) <= 16 and abs(g - EMULATED_RGB[1]) <= 16 and abs(b - EMULATED_RGB[2]) <= 16:
                run += 1
                best = max(best, run)
            else:
                run = 0
        widest = max(widest, best)
    assert widest > 600, widest


def test_fits_one_1400x900_screen(browser: str, page: Path, tmp_path: Path) -> None:
    """Rendered in a taller window, everything below 900 px is empty: the report is seen at a glance."""
    png = tmp_path / "tall.png"
    screenshot(browser, page, png, size=(1400, 1300))
    img = read_png(png)
    assert luminance_stddev(img.crop((0, 0, 1400, 900))) > 10
    assert luminance_stddev(img.crop((0, 880, 1400, 1300))) < 0.5


def test_dom_holds_the_emulated_step_bar(browser: str, page: Path) -> None:
    dom = dump_dom(browser, page)
    bars = bars_of(dom)
    (bar,) = [b for b in bars if b["data-platform"] == "linux/arm64" and b["data-line"] == str(GO_BUILD_LINE)]
    assert "emulated" in bar["class"].split()
    assert "go build" in bar["title"] and "XL101" in bar["title"]
    assert {b["data-platform"] for b in bars} == {"linux/amd64", "linux/arm64"}
    assert "line 8 \u00b7 56.1 s" in dom


def test_prints_on_one_landscape_page(browser: str, page: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    print_pdf(browser, page, pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    counts = [int(n) for n in re.findall(rb"/Count (\d+)", data)]
    assert counts and max(counts) == 1, counts
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert box is not None and float(box.group(1)) > float(box.group(2))  # landscape


def test_screenshot_script_makes_the_readme_picture(browser: str, tmp_path: Path) -> None:
    """scripts/report-screenshot.sh regenerates docs/report.png from the recorded log."""
    import os
    import subprocess
    import sys

    out = tmp_path / "report.png"
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    root = Path(__file__).resolve().parent.parent
    r = subprocess.run(["bash", "scripts/report-screenshot.sh", str(out)], cwd=root, env=env, capture_output=True,
                       text=True, timeout=180, check=False)
    assert r.returncode == 0, r.stderr
    img = read_png(out)
    assert img.size == (1400, 900) and count_near(img, EMULATED_RGB) > 8000
    committed = read_png(root / "docs" / "report.png")
    assert committed.size == (1400, 900) and count_near(committed, EMULATED_RGB) > 8000


def test_screenshot_script_uses_the_tests_browser_flags() -> None:
    """The script renders the README picture with the same Chromium flags as these tests (the raster wait
    included), so what the tests check is what the script makes."""
    from browser_helpers import FLAGS

    script = (Path(__file__).resolve().parent.parent / "scripts" / "report-screenshot.sh").read_text()
    assert [flag for flag in FLAGS if flag not in script.split()] == []
