"""End to end: the dashboard served as `alignsim viz` serves it, driven in a real browser.

The server runs in a subprocess through `sim.viz.serve` (what `alignsim viz` calls), on a free
port of 127.0.0.1; Debian's Chromium, driven by Playwright, opens the page, moves sliders,
presses Reset and Step, and checks what the page shows against the same run made here in-process.
Every wait is for something the page shows (a text, a new image, a control of the rebuilt page),
never for a time. The README's screenshot command runs against the same server, writing to a
temporary folder.

Needs the viz extra (solara, playwright) and /usr/bin/chromium (`apt-get install chromium`). Without
them the tests are skipped, unless ALIGNSIM_REQUIRE_BROWSER=1 (as in CI), when they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
import warnings
from pathlib import Path

import pytest

import sim
from sim.decision import OPTIONS
from sim.viz.model import DashboardModel, load
from sim.viz.screenshot import (
    CHROMIUM, VIEWPORT, BrowserError, open_dashboard, run_whole_calendar_per_step, served, slider, wait_for_new_images,
)
from sim.viz.screenshot import browser as chromium

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "scenarios/eurasia_2024.yaml"


def _unavailable(reason: str):
    if os.environ.get("ALIGNSIM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (ALIGNSIM_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`alignsim viz scenarios/eurasia_2024.yaml --port N` in a subprocess: (url, process)."""
    for module, extra in (("solara", "the viz extra"), ("playwright", "playwright")):
        try:
            __import__(module)
        except ImportError:
            _unavailable(f"{extra} is not installed: pip install -e '.[viz]'")
    try:
        with served(SCENARIO, tmp_path_factory.mktemp("server") / "server.log") as running:
            yield running
    except BrowserError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="module")
def browser(server, tmp_path_factory):
    """Debian's Chromium, headless, with a fresh profile."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


def _open(browser, url):
    """A new tab on the dashboard (a new Solara session), loaded."""
    from playwright.sync_api import expect

    page = open_dashboard(browser, url)
    expect(page.locator(".alignsim-month")).to_have_text("Before the first month (2022-01); 0 of 60 months run")
    return page


def _statuses(page) -> dict[str, str]:
    rows = page.locator(".alignsim-states tr[data-state]")
    return {row.get_attribute("data-state"): row.get_attribute("data-status") for row in rows.all()}


def _app():
    with warnings.catch_warnings():
        # Mesa's SolaraViz trips Solara's rules-of-hooks lint (in Mesa, not here).
        warnings.filterwarnings("ignore", message=".*use_state.*found despite early return", category=UserWarning)
        from sim.viz import app
    return app


def _expect_table(page, model: DashboardModel) -> None:
    """Until the states' table shows `model`'s statuses, courses and reactions in force (it may
    arrive after the month's text)."""
    from playwright.sync_api import expect

    app = _app()
    rows = page.locator(".alignsim-states tr[data-state]")
    expect(rows).to_have_count(len(model.states))
    reactions = model.current_reactions()
    for state in model.states:
        row = page.locator(f'.alignsim-states tr[data-state="{state.name}"]')
        expect(row).to_have_attribute("data-status", state.status)
        expect(row.locator(".alignsim-course")).to_have_text(OPTIONS[model.stance[state.index]])
        expect(row.locator(".alignsim-reactions")).to_have_text(
            app.reactions_text(reactions, state.index, app.POWERS))


def _expect_events(page, model: DashboardModel) -> None:
    """Until the events panel shows `model`'s run so far: its events, the latest month first."""
    from playwright.sync_api import expect

    app = _app()
    events = model.events().sort_values("step", ascending=False, kind="stable")
    assert len(events) > 0
    expect(page.locator(".alignsim-events .alignsim-event-deed")).to_have_text(
        [app.deed_text(event) for event in events.itertuples(index=False)])
    expect(page.locator(".alignsim-events .alignsim-event-date")).to_have_text(list(events.date))


def _image(page, css_class: str) -> bytes:
    return page.locator(f".{css_class} img").screenshot()


def _new_images(page, before: dict[str, str]) -> dict[str, bytes]:
    """The plots' pixels once each shows an image drawn since its source was `before`."""
    wait_for_new_images(page, before)
    return {name: _image(page, name) for name in before}


def _expected(months: int, **params) -> DashboardModel:
    model = DashboardModel(scenario_path=str(ROOT / SCENARIO), **params)
    for _ in range(months):
        model.step()
    return model


def test_slider_reset_and_step_change_the_plots_and_statuses(server, browser):
    from playwright.sync_api import expect

    url, process = server
    page = _open(browser, url)
    _expect_table(page, _expected(0))
    initial = _statuses(page)
    assert initial == dict.fromkeys(["Belarus", "Kazakhstan", "Uzbekistan", "Armenia", "Azerbaijan", "Serbia"],
                                    "outside")
    plots = ("alignsim-status-plot", "alignsim-network")
    pixels_before = {name: _image(page, name) for name in plots}
    # Reset draws these two plots again with the same picture, which leaves their images as they
    # are: the next new image is the one Step draws.
    sources_before = {name: page.locator(f".{name} img").get_attribute("src") for name in plots}

    # Move a pressure's slider (rationality to 0: choices at random) and apply it with Reset.
    rationality = slider(page, "Rationality (logit λ)")
    expect(rationality).to_have_attribute("aria-valuenow", "3")
    rationality.focus()
    page.keyboard.press("Home")
    expect(rationality).to_have_attribute("aria-valuenow", "0")
    page.get_by_role("button", name="Reset").click()
    expect(page.locator(".alignsim-overrides")).to_have_text(
        "Pressures set on the sliders: decision.rationality=0.0")

    # SolaraViz's render interval slider at its most: one press of Step runs the whole calendar.
    run_whole_calendar_per_step(page)
    page.get_by_role("button", name="Step").click()
    expect(page.locator(".alignsim-month")).to_have_text("Month 2026-12: 60 of 60 months run (end of the calendar)")
    expect(page.get_by_role("button", name="Step")).to_be_disabled()  # the model stopped

    # The page shows the run the same parameters give in-process, and the slider mattered.
    expected = _expected(60, rationality=0.0)
    with_scenario_rationality = _expected(60)
    # The states' decisions, not only where they end: six statuses can end alike by chance.
    assert not expected.events().equals(with_scenario_rationality.events())
    _expect_table(page, expected)
    _expect_events(page, expected)
    assert _statuses(page) != initial  # a state's status changed
    for name, pixels in _new_images(page, sources_before).items():
        assert pixels != pixels_before[name], f"{name} did not change after Step"
    assert process.poll() is None
    page.close()


def test_the_screenshot_command_writes_the_page_as_png(server, tmp_path):
    """`python docs/images/dashboard.py OUT`, the README's command, against the running server.

    The picture is the page after the whole calendar of the scenario as written: the viewport's
    size, and the partner colour of Belarus in the network and its probabilities (before any
    month is run, no pixel of the page has that colour; at the end, thousands do).
    """
    import numpy as np
    from PIL import Image

    STATUS_COLOURS = _app().STATUS_COLOURS

    url, process = server
    out = tmp_path / "images" / "dashboard.png"
    done = subprocess.run([sys.executable, "docs/images/dashboard.py", str(out), "--url", url],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {out}: {SCENARIO}, Month 2026-12: 60 of 60 months run (end of the calendar)"
    run = _expected(60)  # the README's caption: Belarus, the state in focus, a partner seeking membership
    assert run.states[0].name == "Belarus" and run.states[0].status == "partner" and run.seeking()[0]
    # and: each state that declined the bloc's invitation met Russia's retaliation that month
    events = run.events()
    declined = events[events.event == "declined the invitation"]
    retaliated = events[(events.actor == "Russia") & (events.event == "retaliation")]
    assert len(declined) > 0
    assert set(zip(declined.date, declined.state)) <= set(zip(retaliated.date, retaliated.state))
    with Image.open(out) as picture:
        assert picture.format == "PNG"
        assert picture.size == (VIEWPORT["width"], VIEWPORT["height"])
        rgb = np.asarray(picture.convert("RGB"))
    partner = [int(STATUS_COLOURS["partner"][i:i + 2], 16) for i in (1, 3, 5)]
    assert (rgb == partner).all(axis=-1).sum() > 1_000
    assert process.poll() is None


def test_the_tab_is_titled_alignsim_and_the_scenario(server, browser):
    """Not Solara's name: "alignsim" while the page loads, then the scenario's title."""
    from playwright.sync_api import expect

    url, _ = server
    with urllib.request.urlopen(url, timeout=30) as response:
        assert "<title>alignsim</title>" in response.read().decode()
    page = _open(browser, url)
    expect(page).to_have_title(f"alignsim: {sim.load_scenario(ROOT / SCENARIO).title}")
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
    # Opening a file builds the page anew, its main area first, then its sidebar: wait for the new
    # page's problems and its path box, the only one left, before typing into it.
    expect(page.locator(".alignsim-issue")).to_have_text(issues)  # one line per problem
    expect(page.locator(".alignsim-issues")).to_contain_text("fails its check (3 problems)")
    expect(path).to_have_value(str(bad))
    expect(page).to_have_title("alignsim: bad.yaml")
    assert process.poll() is None

    # The same page opens a good scenario again.
    good = ROOT / "scenarios" / "belarus_semi_blockade.yaml"
    path.fill(str(good))
    path.press("Enter")
    expect(page.locator(".alignsim-issue")).to_have_count(0)
    expect(page.locator(".alignsim-month")).to_have_text("Before the first month (2022-01); 0 of 60 months run")
    expect(page.locator(".alignsim-states tr[data-state]")).to_have_count(1)
    expect(path).to_have_value(str(good))
    expect(page).to_have_title(f"alignsim: {sim.load_scenario(good).title}")
    # The old page went whole, sidebar and all, when the new main area came: a Step button now
    # is the new page's.
    step = page.get_by_role("button", name="Step")
    expect(step).to_be_enabled()
    step.click()
    expect(page.locator(".alignsim-month")).to_have_text("Month 2022-01: 1 of 60 months run")
    assert process.poll() is None
    page.close()
