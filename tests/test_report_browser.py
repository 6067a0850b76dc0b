"""The report in a real browser: its Chinese drawn with the embedded font, printable on A4.

Chromium (Debian's, driven by Playwright) opens the page from disk, screenshots it
and prints it to PDF. It sees only matplotlib's DejaVu fonts (its own fontconfig
file), as on a machine without any CJK font, whatever this machine has installed.
The tests skip when Chromium, Playwright or poppler is missing, and fail instead
when ``CIVSIM_CI`` is set (CI installs them).

With ``CIVSIM_SHOTS=/some/folder`` the full-page screenshots and PDFs of the
Chinese and English reports are written there, to look at.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from conftest import variant
from PIL import Image

from civsim.experiments import compare
from civsim.report import report_text, write_report
from civsim.sim import prepare

CHROMIUM = Path("/usr/bin/chromium")
#: Chromium's switches: no sandbox (root in CI), and no calls home that fail offline.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The A4 page's printable width in CSS pixels (210 mm less the stylesheet's 2 x 12 mm margins).
A4_PRINT_WIDTH = round((210 - 2 * 12) / 25.4 * 96)
META = {"created": "2026-01-02T03:04:05+00:00", "seed": 11, "executor": "serial"}


def _needs_browser() -> None:
    """Skip without Chromium, Playwright or poppler; fail instead in CI."""
    missing = [] if CHROMIUM.is_file() else [f"{CHROMIUM} (Debian package chromium)"]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install playwright)")
    missing += [
        f"{tool} (poppler-utils)" for tool in ("pdfinfo", "pdftotext") if not shutil.which(tool)
    ]
    if missing:
        message = "the browser test needs " + ", ".join(missing)
        if os.environ.get("CIVSIM_CI"):
            pytest.fail(f"{message}; CIVSIM_CI is set, so this fails rather than skips")
        pytest.skip(message)


@pytest.fixture(scope="module")
def reports(county, county_prep, tmp_path_factory) -> dict[str, Path]:
    """The county against a smart-platform copy, two replications, in both languages."""
    _needs_browser()
    smart = prepare(variant(county, "smart", detection={"platform": True}), city=county_prep.city)
    cmp = compare([county_prep, smart], 2, progress=False)
    scenarios = [county, smart.scenario]
    folder = tmp_path_factory.mktemp("reports")
    return {
        lang: write_report(
            cmp, scenarios, folder / lang, city=county_prep.city, metadata=META, lang=lang
        )
        for lang in ("zh", "en")
    }


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for the module, seeing no CJK font: only matplotlib's DejaVu."""
    _needs_browser()
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("fontconfig")
    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    conf = folder / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{dejavu}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=env)
        yield chromium
        chromium.close()


def _open(browser, path: Path):
    """The page loaded with its fonts, and the console errors and page errors it raised."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.evaluate("document.fonts.ready")
    return page, errors


def _platform_fonts(browser, path: Path, selector: str) -> list[dict]:
    """The fonts Chromium actually drew ``selector``'s text with (DevTools protocol).

    In a page of its own: the protocol's CSS agent, enabled on a page opened from a
    file, logs "Unsafe attempt to load URL" to that page's console (Chromium 150), an
    error of the inspector's, not of the report's.
    """
    page, _ = _open(browser, path)
    try:
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        page.close()


def _pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _shots() -> Path | None:
    folder = os.environ.get("CIVSIM_SHOTS")
    return Path(folder) if folder else None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_renders_and_prints_cleanly(browser, reports, lang, tmp_path) -> None:
    """Chinese drawn with the embedded font; no errors; a non-blank screen; a sensible A4 PDF."""
    text = report_text(lang)
    page, errors = _open(browser, reports[lang])
    try:
        # Chinese headings (the English page's Chinese is the scenarios' titles in its table).
        selector = "h1" if lang == "zh" else "tbody tr:first-child td"
        fonts = _platform_fonts(browser, reports[lang], selector)
        assert fonts and all(f["isCustomFont"] for f in fonts), fonts
        assert sum(f["glyphCount"] for f in fonts) > 0
        assert page.evaluate("[...document.fonts].map(f => f.status)") == ["loaded"]

        shot = page.screenshot()
        pixels = np.asarray(Image.open(io.BytesIO(shot)).convert("L"))
        assert (pixels < 200).mean() > 0.01 and len(np.unique(pixels)) > 16  # text, not blank

        # Every table of contents link leads somewhere.
        targets = page.evaluate(
            "[...document.querySelectorAll('nav a')].map(a => "
            "!!document.getElementById(a.getAttribute('href').slice(1)))"
        )
        assert targets and all(targets)

        # Printed on A4 nothing runs off the page's width.
        page.emulate_media(media="print")
        page.set_viewport_size({"width": A4_PRINT_WIDTH, "height": 1000})
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        pdf = tmp_path / f"report-{lang}.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        assert not errors
    finally:
        page.close()

    pages = _pdf_pages(pdf)
    assert 4 <= pages <= 40
    printed = _pdf_text(pdf)
    assert text["title"] in printed.replace("\n", " ") and text["h_summary"] in printed
    if lang == "zh":
        assert "文明城市" in printed  # the PDF carries the Chinese as text, not boxes

    if (shots := _shots()) is not None:
        shots.mkdir(parents=True, exist_ok=True)
        shutil.copy(pdf, shots / pdf.name)
        full, _ = _open(browser, reports[lang])
        full.screenshot(path=str(shots / f"report-{lang}-top.png"))
        full.screenshot(path=str(shots / f"report-{lang}-full.png"), full_page=True)
        full.close()


def test_without_the_embedded_font_chinese_is_not_drawn_by_it(browser, reports, tmp_path):
    """The check above tells: with the @font-face removed, the heading's font is not ours."""
    page_html = reports["zh"].read_text(encoding="utf-8")
    start = page_html.index("@font-face")
    stripped = page_html[:start] + page_html[page_html.index("}", start) + 1 :]
    path = tmp_path / "no-font.html"
    path.write_text(stripped, encoding="utf-8")
    fonts = _platform_fonts(browser, path, "h1")
    assert not any(f["isCustomFont"] for f in fonts), fonts
