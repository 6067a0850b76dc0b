"""Benchmark of the explorer in a browser: how fast a control answers while a run streams in.

Run from the repository root (needs Debian's Chromium and the playwright package)::

    .venv/bin/python benchmarks/bench_app_typing.py [--reps 20] [--turns 12] [--pause 0.3]

It serves ``civsim app`` on a free port from a scratch copy of ``scenarios/``,
opens it in Chromium, runs the county once, then moves a lever and runs ``--reps``
replications of it. Once the first pair is in, while the rest stream in, it types
a fund of 0 yuan (invalid) and 3,500,000 yuan in turn, ``--turns`` times,
``--pause`` seconds apart, and times each until the page answers: the
validation message shown, then gone. A value is *lost* when the page has not
answered within ``--patience`` seconds (the field went back to the old value:
what happened when fields were read on Enter, stop 42). Prints each
answer's time, their median and largest, the values lost, and the run's
progress when the typing ended. Not a test: timings depend on the machine and
on what else runs on it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

#: Debian's Chromium (never ``playwright install``, which downloads from outside the registries).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]
FUND = "special fund, yuan a year"
BAD, GOOD = "0", "3500000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _serve(folder: Path, port: int) -> subprocess.Popen:
    """``civsim app`` (this checkout's, first on the path) on ``folder``, in its own group.

    It runs in the scratch folder above ``folder``, where anything it writes stays.
    """
    civsim = Path(sys.executable).with_name("civsim")
    command = [str(civsim), "app", "--scenarios", str(folder), "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    return subprocess.Popen(command, cwd=folder.parent, env=env, start_new_session=True, **quiet)


def _wait_for(url: str, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"civsim app did not answer on {url} within {seconds:.0f} s")


def _type(page, label: str, value: str) -> None:
    field = page.get_by_label(label, exact=True)
    field.fill(value)
    field.press("Enter")


def measure(url: str, reps: int, turns: int, patience: float, pause: float) -> None:
    """Drive the explorer at ``url`` and print what the typing measured."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1300})
        page.goto(url)
        page.get_by_role("button", name="Run").wait_for(timeout=90_000)
        page.get_by_label("scenario").click(force=True)
        page.get_by_role("option", name="county_nominee.yaml", exact=True).click()
        _type(page, "replications", "1")
        page.get_by_role("button", name="Run").click()
        page.get_by_text(re.compile(r"run 1: (\d+) of \1 replications in \(done\)")).wait_for(
            timeout=240_000
        )
        _type(page, "replications", str(reps))
        page.get_by_label("smart platform").check(force=True)
        page.locator(".civsim-moved").get_by_text("detection.platform = True").wait_for()
        page.get_by_role("button", name="Run").click()
        status = page.get_by_text(re.compile(rf"run 2: \d+ of {2 * reps} replications"))
        # type while replications stream in: from the first pair on
        page.get_by_text(re.compile(rf"run 2: ([2-9]|\d\d+) of {2 * reps} replications")).wait_for(
            timeout=240_000
        )
        message = page.locator(".civsim-invalid")
        answers: list[float] = []
        lost = 0
        for value in [BAD, GOOD] * turns:
            start = time.monotonic()
            _type(page, FUND, value)
            try:
                if value == BAD:
                    message.wait_for(timeout=patience * 1000)
                else:
                    message.wait_for(state="detached", timeout=patience * 1000)
            except PlaywrightTimeout:
                lost += 1
                print(
                    f"  {value}: not answered in {patience:g} s (field shows "
                    f"{page.get_by_label(FUND, exact=True).input_value()})"
                )
                continue
            answers.append(time.monotonic() - start)
            time.sleep(pause)
        progress = status.inner_text()
        browser.close()
    shown = ", ".join(f"{a:.2f}" for a in answers)
    print(f"answers (s): {shown}")
    if answers:
        print(f"median {statistics.median(answers):.2f} s, largest {max(answers):.2f} s")
    print(f"values lost: {lost} of {2 * turns}; when the typing ended: {progress}")


def main() -> None:
    """Serve the explorer from a scratch folder, measure, stop the server."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=20, help="replications of the run (default 20)")
    ap.add_argument("--turns", type=int, default=12, help="bad and good values typed in turn")
    ap.add_argument("--patience", type=float, default=10.0, help="seconds before a value is lost")
    ap.add_argument("--pause", type=float, default=0.3, help="seconds between two values typed")
    args = ap.parse_args()
    if not CHROMIUM.is_file():
        raise SystemExit(f"needs {CHROMIUM} (Debian package chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copytree("scenarios", folder / "scenarios")
        port = _free_port()
        server = _serve(folder / "scenarios", port)
        try:
            url = f"http://localhost:{port}"
            _wait_for(url, 90)
            measure(url, args.reps, args.turns, args.patience, args.pause)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
