"""End to end: the dashboard served as `alignsim viz` serves it, driven in a real browser.

The server runs in a subprocess through `sim.viz.serve` (what `alignsim viz` calls), on a free
port of 127.0.0.1; Debian's Chromium, driven by Playwright, opens the page, moves sliders,
presses Reset and Step, and checks what the page shows against the same run made here in-process.
It saves the page to docs/images/dashboard.png, the screenshot the README shows.

Needs the viz extra (solara, playwright) and /usr/bin/chromium (`apt-get install chromium`). Without
them the tests are skipped, unless ALIGNSIM_REQUIRE_BROWSER=1 (as in CI), when they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from sim.viz.model import DashboardModel, load

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "scenarios/eurasia_2024.yaml"
SCREENSHOT = ROOT / "docs" / "images" / "dashboard.png"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1500, "height": 1750}
TIMEOUT_MS = 60_000


def _unavailable(reason: str):
    if os.environ.get("ALIGNSIM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (ALIGNSIM_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`alignsim viz scenarios/eurasia_2024.yaml --port N` in a subprocess: (url, process)."""
    try:
        import solara  # noqa: F401
    except ImportError:
        _unavailable("the viz extra is not installed: pip install -e '.[viz]'")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", f"from sim.viz import serve; serve({SCENARIO!r}, port={port})"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            pytest.fail(f"the server exited ({process.returncode}):\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the server did not answer at {url} within 90 s:\n{log_path.read_text()}")
        time.sleep(0.3)
    yield url, process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def browser(server, tmp_path_factory):
    """Debian's Chromium, headless, with a fresh profile."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[viz]'")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT,
        )
        context.set_default_timeout(TIMEOUT_MS)
        yield context
        context.close()


def _open(browser, url):
    """A new tab on the dashboard (a new Solara session), loaded."""
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(url)
    expect(page.locator(".alignsim-month")).to_have_text("Before the first month (2022-01); 0 of 60 months run")
    return page


def _slider(page, label: str):
    return page.locator(".v-input", has=page.get_by_text(label, exact=True)).get_by_role("slider")


def _statuses(page) -> dict[str, str]:
    rows = page.locator(".alignsim-states tr[data-state]")
    return {row.get_attribute("data-state"): row.get_attribute("data-status") for row in rows.all()}


def _courses(page) -> dict[str, str]:
    rows = page.locator(".alignsim-states tr[data-state]")
    return {row.get_attribute("data-state"): row.locator(".alignsim-course").inner_text() for row in rows.all()}


def _image(page, css_class: str) -> bytes:
    return page.locator(f".{css_class} img").screenshot()


def _wait_changed(page, css_class: str, before: bytes, timeout: float = 20) -> bytes:
    """The plot's pixels once they differ from `before` (the image arrives after the text)."""
    deadline = time.monotonic() + timeout
    while True:
        now = _image(page, css_class)
        if now != before or time.monotonic() > deadline:
            return now
        time.sleep(0.2)


def _expected(months: int, **params) -> DashboardModel:
    model = DashboardModel(scenario_path=str(ROOT / SCENARIO), **params)
    for _ in range(months):
        model.step()
    return model


def test_slider_reset_and_step_change_the_plots_and_statuses(server, browser):
    from playwright.sync_api import expect

    url, process = server
    page = _open(browser, url)
    initial = _statuses(page)
    assert initial == dict.fromkeys(["Belarus", "Kazakhstan", "Uzbekistan", "Armenia", "Azerbaijan", "Serbia"],
                                    "outside")
    plots_before = {name: _image(page, name) for name in ("alignsim-status-plot", "alignsim-network")}

    # Move a pressure's slider (rationality to 0: choices at random) and apply it with Reset.
    rationality = _slider(page, "Rationality (logit λ)")
    expect(rationality).to_have_attribute("aria-valuenow", "3")
    rationality.focus()
    page.keyboard.press("Home")
    expect(rationality).to_have_attribute("aria-valuenow", "0")
    page.get_by_role("button", name="Reset").click()
    expect(page.locator(".alignsim-overrides")).to_have_text(
        "Pressures set on the sliders: decision.rationality=0.0")

    # SolaraViz's render interval slider: one press of Step runs 59 months.
    interval = _slider(page, "Render Interval (steps)")
    interval.focus()
    for _ in range(29):
        page.keyboard.press("ArrowRight")
    expect(interval).to_have_attribute("aria-valuenow", "59")
    page.get_by_role("button", name="Step").click()
    expect(page.locator(".alignsim-month")).to_have_text("Month 2026-11: 59 of 60 months run")

    # The page shows the run the same parameters give in-process, and the slider mattered.
    expected = _expected(59, rationality=0.0)
    with_scenario_rationality = _expected(59)
    expected_statuses = {state.name: state.status for state in expected.states}
    assert expected_statuses != {s.name: s.status for s in with_scenario_rationality.states}
    assert _statuses(page) == expected_statuses
    assert _statuses(page) != initial  # a state's status changed
    assert _courses(page) == {state.name: ("outside", "partner", "member")[expected.stance[state.index]]
                              for state in expected.states}
    for name, before in plots_before.items():
        assert _wait_changed(page, name, before) != before, f"{name} did not change after Step"

    # The last month; then the model stops and Step is disabled.
    status_plot = _image(page, "alignsim-status-plot")
    page.get_by_role("button", name="Step").click()
    expect(page.locator(".alignsim-month")).to_have_text("Month 2026-12: 60 of 60 months run (end of the calendar)")
    expect(page.get_by_role("button", name="Step")).to_be_disabled()
    assert _wait_changed(page, "alignsim-status-plot", status_plot) != status_plot
    assert process.poll() is None
    page.close()


def test_the_dashboard_screenshot(server, browser):
    """A fresh session starts from the scenario as written; run 45 months and save the README's picture."""
    from playwright.sync_api import expect

    url, _ = server
    page = _open(browser, url)
    expect(_slider(page, "Rationality (logit λ)")).to_have_attribute("aria-valuenow", "3")
    expect(page.locator(".alignsim-overrides")).to_have_text(
        "Pressures set on the sliders: none (the scenario as written)")
    interval = _slider(page, "Render Interval (steps)")
    interval.focus()
    for _ in range(22):
        page.keyboard.press("ArrowRight")
    expect(interval).to_have_attribute("aria-valuenow", "45")
    terms_before = _image(page, "alignsim-terms-plot")
    page.get_by_role("button", name="Step").click()
    expect(page.locator(".alignsim-month")).to_have_text("Month 2025-09: 45 of 60 months run")
    expected = _expected(45)
    assert _statuses(page) == {state.name: state.status for state in expected.states}
    assert _statuses(page)["Belarus"] == "partner"
    assert _wait_changed(page, "alignsim-terms-plot", terms_before) != terms_before
    _wait_changed(page, "alignsim-status-plot", b"")  # settled
    time.sleep(0.5)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 50_000
    page.close()


def test_a_failing_scenario_shows_its_problems_and_the_server_stays_up(server, browser, tmp_path):
    from playwright.sync_api import expect

    url, process = server
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {ROOT / SCENARIO}\nname: bad one\ndecision:\n  rationality: -3\n  ratonality: 2\n")
    issues = list(load(str(bad)).issues)
    assert len(issues) == 3

    page = _open(browser, url)
    path = page.get_by_label("Or open a file (path, then Enter)")
    path.fill(str(bad))
    path.press("Enter")
    expect(page.locator(".alignsim-issue")).to_have_text(issues)  # one line per problem
    expect(page.locator(".alignsim-issues")).to_contain_text("fails its check (3 problems)")
    assert process.poll() is None

    # The same page opens a good scenario again.
    # Through the same path box: the bundled-scenario menu re-renders under the pointer while
    # the page settles, which made clicking its option flaky.
    path.fill(str(ROOT / "scenarios" / "belarus_semi_blockade.yaml"))
    path.press("Enter")
    expect(page.locator(".alignsim-issue")).to_have_count(0)
    expect(page.locator(".alignsim-month")).to_have_text("Before the first month (2022-01); 0 of 60 months run")
    expect(page.locator(".alignsim-states tr[data-state]")).to_have_count(1)
    # Opening a scenario rebuilds the page's controls; step once they are the new page's.
    step = page.get_by_role("button", name="Step")
    expect(step).to_be_enabled()
    page.wait_for_timeout(1000)
    step.click()
    expect(page.locator(".alignsim-month")).to_have_text("Month 2022-01: 1 of 60 months run")
    assert process.poll() is None
    page.close()
