"""The dashboard served and driven in headless Chromium: the README's picture, and the browser test.

`served` runs `serve` (what `alignsim viz` calls) in a subprocess on a free port of 127.0.0.1;
`browser` starts Debian's Chromium through Playwright (Playwright's own browser download is not
needed); the page helpers wait for what the page shows, never for a time. `save_screenshot`
makes docs/images/dashboard.png, through `python docs/images/dashboard.py OUT`.

Needs the viz extra (solara, playwright) and /usr/bin/chromium (`apt-get install chromium`).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1500, "height": 2100}
TIMEOUT_MS = 60_000
SERVER_TIMEOUT_S = 90
SCREENSHOT_SCENARIO = "scenarios/eurasia_2024.yaml"
PLOTS = ("alignsim-network", "alignsim-status-plot", "alignsim-probability-plot", "alignsim-terms-plot")
REPOSITORY = Path(__file__).resolve().parents[2]


class BrowserError(RuntimeError):
    """The dashboard could not be served or driven (server exited, no answer, no Chromium)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(scenario: str | Path, log_path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`alignsim viz SCENARIO` on a free port in a subprocess, its output in `log_path`:
    (url, process) once the page answers; the server is stopped on leaving."""
    port = _free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", f"from sim.viz import serve; serve({str(scenario)!r}, port={port})"],
            cwd=REPOSITORY, stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise BrowserError(f"the server exited ({process.returncode}):\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise BrowserError(f"the server did not answer at {url} within {SERVER_TIMEOUT_S} s:\n"
                                   f"{log_path.read_text()}")
            time.sleep(0.3)  # polling a server that is starting: nothing to wait on but its answer
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def browser(profile: Path):
    """Debian's Chromium, headless, with a fresh profile in `profile`: a Playwright browser context."""
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.exists():
        raise BrowserError(f"{CHROMIUM} is missing: apt-get install chromium")
    # A page under load can take longer than Playwright's 5 s to show what a test waits for.
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT,
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


def open_dashboard(context, url: str):
    """A new tab on the dashboard (a new Solara session), once its first month's text and its plots are shown."""
    from playwright.sync_api import expect

    page = context.new_page()
    page.goto(url)
    expect(page.locator(".alignsim-month")).to_contain_text("0 of ")
    wait_for_new_images(page, dict.fromkeys(PLOTS))
    return page


def slider(page, label: str):
    return page.locator(".v-input", has=page.get_by_text(label, exact=True)).get_by_role("slider")


def run_whole_calendar_per_step(page) -> None:
    """SolaraViz's render interval at its most (100 months), so that one press of Step runs to the end.

    One key press, so one change: the browser sends a slider's changes one at a time, holding
    later ones until the server has answered the earlier, while a button's click goes out at
    once; a run of key presses could reach the server after a Step pressed at the end of them.
    """
    from playwright.sync_api import expect

    interval = slider(page, "Render Interval (steps)")
    interval.focus()
    page.keyboard.press("End")
    expect(interval).to_have_attribute("aria-valuenow", "100")


def image_sources(page) -> dict[str, str]:
    """Each plot's image source: a new one arrives whenever the plot is drawn again."""
    return {name: page.locator(f".{name} img").get_attribute("src") for name in PLOTS}


def wait_for_new_images(page, before: dict[str, str | None]) -> None:
    """Until every plot in `before` shows an image other than its source there, fully loaded."""
    page.wait_for_function(
        """before => Object.entries(before).every(([name, src]) => {
            const img = document.querySelector('.' + name + ' img');
            return img !== null && img.getAttribute('src') !== src && img.complete && img.naturalWidth > 0;
        })""",
        arg=before,
    )


def save_screenshot(url: str, out: Path, profile: Path) -> str:
    """The page at `url` after the whole calendar of its scenario as written, saved as PNG to
    `out`; returns the month text shown."""
    from playwright.sync_api import expect

    with browser(profile) as context:
        page = open_dashboard(context, url)
        run_whole_calendar_per_step(page)
        before = image_sources(page)
        page.get_by_role("button", name="Step").click()
        month = page.locator(".alignsim-month")
        expect(month).to_contain_text("(end of the calendar)")
        wait_for_new_images(page, before)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        return month.inner_text()
