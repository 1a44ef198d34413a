"""The dashboard (`alignsim viz`): the model it drives, and its page rendered headless.

The page tests render the Solara app without a browser (`solara.render`, as Solara's testing
guide recommends) and press its buttons through the widgets; tests/test_browser.py does the same
in a real browser.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.inputs import compile_timeline
from sim.run import events_table
from sim.viz.model import (
    ALL_STATES, SCENARIO_VALUES, DashboardModel, bundled_scenarios, load, scenario_overrides, slider_values,
)

ROOT = Path(__file__).resolve().parents[1]
EURASIA = str(ROOT / "scenarios" / "eurasia_2024.yaml")
KAZAKHSTAN_SANCTIONED = str(ROOT / "scenarios" / "kazakhstan_sanctioned.yaml")
KAZAKHSTAN = str(ROOT / "scenarios" / "kazakhstan_multivector.yaml")


def _first_retaliation(path: str, seeds=range(100)) -> tuple[int, dict]:
    """The first seed whose run of `path` has Russia retaliate against a state that declined the
    bloc's invitation that month, and that retaliation (a row of the run's events), found in the
    run's own events rather than assumed."""
    for seed in seeds:
        model = DashboardModel(scenario_path=path, seed=seed)
        while model.running:
            model.step()
        events = model.events()
        declined = set(zip(events.date[events.event == "declined the invitation"],
                           events.state[events.event == "declined the invitation"]))
        for row in events[(events.actor == "Russia") & (events.event == "retaliation")].itertuples():
            if (row.date, row.state) in declined:
                return seed, row._asdict()
    raise AssertionError(f"no seed in {seeds} has a retaliation after a refusal in {path}")


# --- The model the dashboard drives ---------------------------------------------------------------


def test_runs_the_calendar_then_stops():
    model = DashboardModel(scenario_path=EURASIA)
    assert model.issues == () and model.running and model.months_run == 0 and model.date is None
    for _ in range(model.n_months):
        assert model.running
        model.step()
    assert not model.running and model.steps == model.n_months == 60
    assert model.date == "2026-12"
    recorded = {name: array.copy() for name, array in model.recorder.data.items()}
    model.step()  # SolaraViz may call step past the end (its render interval): nothing happens
    assert model.steps == 60 and not model.running
    for name, array in model.recorder.data.items():
        np.testing.assert_array_equal(array, recorded[name])


def test_same_run_as_the_library_for_the_same_seed():
    scenario = sim.load_scenario(EURASIA)
    reference = sim.AlignmentModel(scenario, rng=7).run().data
    model = DashboardModel(scenario_path=EURASIA, seed=7)
    while model.running:
        model.step()
    for name in ("status", "probabilities", "terms"):
        np.testing.assert_array_equal(model.recorder.data[name], reference[name])


def test_sliders_at_the_scenario_values_change_nothing():
    scenario = sim.load_scenario(EURASIA)
    assert slider_values(scenario) == {}
    assert slider_values(
        scenario,
        sanctions_target=SCENARIO_VALUES, sanctions=0.7, engagement=0.1,  # no target: not applied
        retaliation=scenario.powers.russia.retaliation_for_refusal.value,
        benefits=scenario.bloc.benefits.value,
        rationality=scenario.decision.rationality,
    ) == {}
    assert scenario_overrides(scenario, {}) == {}
    assert DashboardModel(scenario_path=EURASIA).replaced_events == ()


def test_a_slider_holds_for_the_whole_run_over_dated_events():
    model = DashboardModel(scenario_path=EURASIA, sanctions_target="Belarus", sanctions=0.2, engagement=0.9)
    spec = model.spec
    assert spec.states["Belarus"].indicators.sanctions.value == 0.2
    assert spec.states["Belarus"].indicators.western_engagement.value == 0.9
    assert spec.states["Kazakhstan"].indicators.sanctions.value == 0.0  # untouched
    for event in spec.events.values():
        assert "states.Belarus.indicators.sanctions" not in event.set
    # the 2022 sanctions event keeps its other change (the blockade)
    assert spec.events["belarus_sanctions_2022"].set == {"states.Belarus.indicators.blockade": 0.6}
    # Serbia's own sanctions event is untouched
    assert "states.Serbia.indicators.sanctions" in spec.events["serbia_nis_sanctions"].set


def test_a_slider_replacing_a_dated_event_says_which_and_how_to_keep_it():
    # kazakhstan_sanctioned.yaml: the event belarus_level_sanctions sets Kazakhstan's sanctions
    # to 0.9 and its engagement to 0.05 from 2022-03, over the sliders' 0.0 and 0.5.
    model = DashboardModel(scenario_path=KAZAKHSTAN_SANCTIONED, sanctions_target="Kazakhstan",
                           sanctions=0.0, engagement=0.5)
    fix = "To run the event as written, set 'Sanctions and engagement apply to' back to 'as in the scenario' " \
          "and press Reset."
    assert model.replaced_events == (
        "Western sanctions sets states.Kazakhstan.indicators.sanctions = 0 for the whole run, replacing the "
        "scenario's event 'belarus_level_sanctions' of 2022-03, which sets it to 0.9. " + fix,
        "Western engagement sets states.Kazakhstan.indicators.western_engagement = 0.5 for the whole run, "
        "replacing the scenario's event 'belarus_level_sanctions' of 2022-03, which sets it to 0.05. " + fix,
    )
    # what the lines say is what runs: the values hold, the event keeps only its blockade
    assert model.spec.events["belarus_level_sanctions"].set == {"states.Kazakhstan.indicators.blockade": 0.6}
    assert model.spec.states["Kazakhstan"].indicators.sanctions.value == 0.0
    # the way back the lines give: the scenario as written, its event included
    as_written = DashboardModel(scenario_path=KAZAKHSTAN_SANCTIONED, sanctions=0.0, engagement=0.5)
    assert as_written.replaced_events == () and as_written.overrides == {}
    # a slider whose value no event sets again says nothing
    assert DashboardModel(scenario_path=KAZAKHSTAN_SANCTIONED, benefits=0.9).replaced_events == ()


def test_all_states_and_the_world_pressures():
    model = DashboardModel(scenario_path=EURASIA, sanctions_target=ALL_STATES, sanctions=0.5,
                           retaliation=0.9, benefits=0.1, rationality=1.5)
    assert {s.indicators.sanctions.value for s in model.spec.states.values()} == {0.5}
    assert not any("indicators.sanctions" in path for e in model.spec.events.values() for path in e.set)
    assert model.spec.powers.russia.retaliation_for_refusal.value == 0.9
    assert model.spec.bloc.benefits.value == 0.1
    assert model.spec.decision.rationality == 1.5
    assert model.timeline.epoch_at(59).rationality == 1.5


def test_the_sliders_change_the_explanation():
    base, _ = DashboardModel(scenario_path=EURASIA).current_terms()
    more, _ = DashboardModel(scenario_path=EURASIA, benefits=1.0).current_terms()
    column = sim.decision.TERMS.index("bloc_benefits")
    assert np.all(more[:, column] > base[:, column])
    others = [i for i in range(len(sim.decision.TERMS)) if i != column]
    np.testing.assert_allclose(more[:, others], base[:, others])


def test_current_terms_are_the_recorded_month():
    model = DashboardModel(scenario_path=EURASIA)
    before, probabilities_before = model.current_terms()
    model.step()
    terms, probabilities = model.current_terms()
    # before the first step, the terms the states face in the first month: what month 1 records
    np.testing.assert_allclose(before, model.recorder.data["terms"][0])
    np.testing.assert_allclose(probabilities_before, model.recorder.data["probabilities"][0])
    np.testing.assert_array_equal(terms, model.recorder.data["terms"][0])


def test_events_are_the_runs_events_as_they_happen():
    """The events the page shows are events.csv's rows (sim.run.events_table) for the library's
    run with the same seed, up to the month run so far."""
    scenario = sim.load_scenario(EURASIA)
    reference = sim.AlignmentModel(scenario, rng=7).run()
    timeline = compile_timeline(scenario)
    expected = events_table({name: array[None] for name, array in reference.data.items()}, timeline,
                                    scenario.bloc.name)
    assert len(expected) > 0
    model = DashboardModel(scenario_path=EURASIA, seed=7)
    assert model.events().empty
    for _ in range(30):
        model.step()
    so_far = model.events()
    assert list(so_far.columns) == list(expected.columns)
    assert so_far.equals(expected[expected.step <= 30].reset_index(drop=True))
    while model.running:
        model.step()
    assert model.events().equals(expected)


def test_a_retaliation_after_a_refusal_is_in_force_the_month_after():
    seed, retaliation = _first_retaliation(KAZAKHSTAN)
    model = DashboardModel(scenario_path=KAZAKHSTAN, seed=seed)
    index = model.timeline.states.index(retaliation["state"])
    column = sim.decision.TERMS.index("refusal_retaliation")
    for _ in range(retaliation["step"]):
        model.step()
    assert model.date == retaliation["date"]
    assert model.current_reactions()[0][index] == 0  # decided at the end of the month: not yet weighing
    assert model.current_terms()[0][index, column] == 0
    model.step()
    assert model.current_reactions()[0][index] == retaliation["value"] > 0
    assert model.current_terms()[0][index, column] != 0  # the why's retaliation term, while it lasts
    np.testing.assert_array_equal(model.current_reactions()[0], model.recorder.data["retaliation"][model.steps - 1])


@pytest.mark.parametrize("target", ["Narnia"])
def test_unknown_target_is_an_issue_not_a_crash(target):
    model = DashboardModel(scenario_path=EURASIA, sanctions_target=target, sanctions=0.5)
    assert len(model.issues) == 1 and "Narnia" in model.issues[0]
    assert not model.running
    model.step()
    assert model.steps == 0


def test_a_scenario_that_fails_its_check_is_kept_as_issues(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {EURASIA}\nname: bad one\ndecision:\n  rationality: -3\n  ratonality: 2\n")
    expected = load(str(bad)).issues
    assert len(expected) == 3
    model = DashboardModel(scenario_path=str(bad))
    assert model.issues == expected
    assert any(":5: decision.ratonality: unknown key; did you mean 'rationality'?" in line for line in expected)
    assert model.spec is None and not model.running
    model.step()
    assert model.steps == 0
    assert DashboardModel(scenario_path=str(tmp_path / "missing.yaml")).issues == (
        f"{tmp_path / 'missing.yaml'}: file not found",)


def test_bundled_scenarios_are_the_runnable_files():
    bundled = bundled_scenarios()
    assert "eurasia_2024.yaml" in bundled and "belarus_semi_blockade.yaml" in bundled
    assert not any(name.startswith(("base", "states")) for name in bundled)
    for path in bundled.values():
        assert load(path).issues == ()


def test_ctrl_c_stops_the_server_with_keyboard_interrupt(tmp_path):
    """Interrupted, `serve` raises KeyboardInterrupt (not Solara's click.Abort), so the command line
    can end quietly as it does for any interrupted command."""
    import signal

    from sim.viz.screenshot import served

    log = tmp_path / "server.log"
    with served(EURASIA, log) as (url, process):
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    # Python ends on an uncaught KeyboardInterrupt by the signal itself
    assert process.returncode == -signal.SIGINT, log.read_text()
    assert log.read_text().rstrip().endswith("KeyboardInterrupt")


# --- The page, rendered without a browser ---------------------------------------------------------

@pytest.fixture
def page():
    """The app's page rendered headless for the bundled eurasia scenario: (render context, app)."""
    import solara  # the viz extra, installed by the test extra

    with warnings.catch_warnings():
        # Mesa's SolaraViz trips Solara's rules-of-hooks lint (in Mesa, not here).
        warnings.filterwarnings("ignore", message=".*use_state.*found despite early return", category=UserWarning)
        from sim.viz import app

    app.opened.set(app.Opened(EURASIA))
    app.focus_state.set("")
    box, rc = solara.render(app.Page(), handle_error=False)
    yield rc, app
    rc.close()


def _text(rc, css_class: str) -> str:
    import ipyvuetify as v

    return rc.find(v.Html, class_=css_class).widget.children[0]


def _image(rc, css_class: str) -> bytes:
    import ipyvuetify as v
    import ipywidgets

    return bytes(rc.find(v.Html, class_=css_class).find(ipywidgets.Image).widget.value)


def _statuses(rc) -> dict[str, str]:
    import ipyvuetify as v

    return {row.attributes["data-state"]: row.attributes["data-status"]
            for row in rc.find(v.Html, tag="tr").widgets if "data-status" in row.attributes}


def _button(rc, label: str):
    import ipyvuetify as v

    return rc.find(v.Btn, children=[label]).widget


def test_page_renders_the_panels(page):
    import ipyvuetify as v

    rc, app = page
    assert _text(rc, "alignsim-month") == "Before the first month (2022-01); 0 of 60 months run"
    assert _statuses(rc) == dict.fromkeys(
        ["Belarus", "Kazakhstan", "Uzbekistan", "Armenia", "Azerbaijan", "Serbia"], "outside")
    for plot in ("alignsim-network", "alignsim-status-plot", "alignsim-probability-plot", "alignsim-terms-plot"):
        assert _image(rc, plot).startswith(b"\x89PNG")
    # SolaraViz's controls and the pressures' sliders, starting at the scenario's values
    for label in ("Reset", "Step"):
        _button(rc, label)
    sliders = {s.label: s.v_model for s in rc.find(v.Slider).widgets}
    assert sliders["Bloc benefits"] == 0.6
    assert sliders["Retaliation for refusal (Russia)"] == 0.5
    assert sliders["Rationality (logit λ)"] == 3.0
    assert sliders["Seed"] == 1
    assert sliders["Posterior draw"] == 0
    for label in ("Western sanctions", "Western engagement"):
        assert label in sliders
    assert _text(rc, "alignsim-weights") == "Weights and rates: the scenario's"
    assert rc.find(v.Html, class_="alignsim-issue").widgets == []


def test_step_moves_the_month_plots_and_explanation(page):
    rc, app = page
    before = {name: _image(rc, name) for name in ("alignsim-status-plot", "alignsim-terms-plot")}
    _button(rc, "Step").click()
    assert _text(rc, "alignsim-month") == "Month 2022-01: 1 of 60 months run"
    for name, image in before.items():
        assert _image(rc, name) != image, f"{name} did not change when the model stepped"


def test_a_slider_takes_effect_on_reset(page):
    import ipyvuetify as v

    rc, app = page
    assert _text(rc, "alignsim-overrides").endswith("none (the scenario as written)")
    terms_before = _image(rc, "alignsim-terms-plot")
    rc.find(v.Slider, label="Bloc benefits").widget.v_model = 1.0
    _button(rc, "Reset").click()
    assert _text(rc, "alignsim-overrides") == "Pressures set on the sliders: bloc.benefits=1.0"
    assert _image(rc, "alignsim-terms-plot") != terms_before


def test_a_posterior_draw_chosen_on_the_page_takes_effect_on_reset(page):
    import ipyvuetify as v

    rc, app = page
    terms_before = _image(rc, "alignsim-terms-plot")
    rc.find(v.Slider, label="Posterior draw").widget.v_model = 5
    _button(rc, "Reset").click()
    assert _text(rc, "alignsim-weights").startswith("Weights and rates: draw 5 of the ")
    assert _image(rc, "alignsim-terms-plot") != terms_before  # the same month, other weights


def test_steps_change_a_status_and_stop_at_the_end(page):
    import ipyvuetify as v

    rc, app = page
    # SolaraViz's render interval: one press of Step runs that many months (here past the end)
    rc.find(v.Slider, label="Render Interval (steps)").widget.v_model = 61
    _button(rc, "Step").click()
    expected = DashboardModel(scenario_path=EURASIA)
    while expected.running:
        expected.step()
    statuses = _statuses(rc)
    assert statuses == {s.name: s.status for s in expected.states}
    assert set(statuses.values()) != {"outside"}  # a state's status changed along the way
    assert _text(rc, "alignsim-month") == "Month 2026-12: 60 of 60 months run (end of the calendar)"
    assert _button(rc, "Step").disabled


def test_focus_state_switches_the_explanation(page):
    import ipyvuetify as v

    rc, app = page
    before = _image(rc, "alignsim-terms-plot")
    select = rc.find(v.Select, label="State in focus").widget
    select.v_model = "Kazakhstan"
    assert app.focus_state.value == "Kazakhstan"
    assert _image(rc, "alignsim-terms-plot") != before
    rc.find(v.CardTitle, children=["Focus: Kazakhstan"]).assert_single()


def test_opening_a_file_builds_the_page_once(page, monkeypatch):
    """One new page per file opened: a page built twice let a control used between the two
    builds (the path box, Step) belong to a page about to vanish (the browser test's flake)."""
    import ipyvuetify as v

    rc, app = page
    built = []
    monkeypatch.setattr(app, "load", lambda path: built.append(path) or load(path))
    kazakhstan = str(ROOT / "scenarios" / "kazakhstan_multivector.yaml")
    rc.find(v.TextField, label="Or open a file (path, then Enter)").widget.v_model = kazakhstan
    _button(rc, "Open").click()
    assert built == [kazakhstan]
    assert list(_statuses(rc)) == ["Kazakhstan"]
    _button(rc, "Reload file").click()
    assert built == [kazakhstan, kazakhstan]


def test_the_page_warns_of_a_dated_event_a_slider_replaces(page):
    import ipyvuetify as v

    rc, app = page
    assert rc.find(v.Html, class_="alignsim-replaced-event").widgets == []
    rc.find(v.TextField, label="Or open a file (path, then Enter)").widget.v_model = KAZAKHSTAN_SANCTIONED
    _button(rc, "Open").click()
    rc.find(v.Select, label="Sanctions and engagement apply to").widget.v_model = "Kazakhstan"
    assert rc.find(v.Html, class_="alignsim-replaced-event").widgets == []  # sliders take effect on Reset
    _button(rc, "Reset").click()
    lines = [w.children[0] for w in rc.find(v.Html, class_="alignsim-replaced-event").widgets]
    assert lines == list(DashboardModel(scenario_path=KAZAKHSTAN_SANCTIONED, sanctions_target="Kazakhstan",
                                        sanctions=0.0, engagement=0.5).replaced_events)
    assert len(lines) == 2 and all("'belarus_level_sanctions' of 2022-03" in line for line in lines)
    alert = rc.find(v.Alert, class_="alignsim-replaced").widget
    assert alert.type == "warning" and alert.children[0] == "The sliders replace 2 dated changes of the scenario:"


def test_the_page_title_names_alignsim_and_the_scenario(page):
    from solara.components.title import TitleWidget

    rc, app = page
    assert rc.find(TitleWidget).widget.title == f"alignsim: {sim.load_scenario(EURASIA).title}"


def test_a_failing_scenario_shows_its_problems_one_per_line(page, tmp_path):
    import ipyvuetify as v

    rc, app = page
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {EURASIA}\nname: bad one\ndecision:\n  rationality: -3\n  ratonality: 2\n")
    box = rc.find(v.TextField, label="Or open a file (path, then Enter)").widget
    box.v_model = str(bad)
    _button(rc, "Open").click()
    lines = [w.children[0] for w in rc.find(v.Html, class_="alignsim-issue").widgets]
    assert lines == list(load(str(bad)).issues) and len(lines) == 3
    _button(rc, "Step").click()  # nothing to run: no crash, the problems stay, Step is then disabled
    assert len(rc.find(v.Html, class_="alignsim-issue").widgets) == 3
    assert _button(rc, "Step").disabled
    # and another scenario opens again in the same page
    rc.find(v.Select, label="Bundled scenario").widget.v_model = "kazakhstan_multivector.yaml"
    assert rc.find(v.Html, class_="alignsim-issue").widgets == []
    assert list(_statuses(rc)) == ["Kazakhstan"]
    # SolaraViz's controls and parameters start afresh for the new scenario
    assert not _button(rc, "Step").disabled
    _button(rc, "Reset").click()
    assert list(_statuses(rc)) == ["Kazakhstan"]
    _button(rc, "Step").click()
    assert _text(rc, "alignsim-month") == "Month 2022-01: 1 of 60 months run"


def test_every_term_of_the_why_has_a_label():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*use_state.*found despite early return", category=UserWarning)
        from sim.viz import app

    assert set(app.TERM_LABELS) == set(sim.decision.TERMS)
    assert app.TERM_LABELS["autonomy"] == "autonomy (wariness of Russia)"


def _cell(rc, state: str, column: str) -> str:
    import ipyvuetify as v

    row = next(r for r in rc.find(v.Html, tag="tr").widgets if r.attributes.get("data-state") == state
               and "data-status" in r.attributes)
    return next(c for c in row.children if c.class_ == f"alignsim-{column}").children[0]


def test_the_page_shows_a_refusal_and_russias_retaliation(page):
    """kazakhstan_multivector.yaml with the first seed in which Kazakhstan (or any state of it)
    declines the bloc's invitation and Russia retaliates: the month's events name both, and from
    the next month the states' table and the focus's why show the retaliation in force."""
    import ipyvuetify as v

    rc, app = page
    seed, retaliation = _first_retaliation(KAZAKHSTAN)
    state, month = retaliation["state"], retaliation["date"]
    rc.find(v.Select, label="Bundled scenario").widget.v_model = "kazakhstan_multivector.yaml"
    rc.find(v.Slider, label="Seed").widget.v_model = seed
    _button(rc, "Reset").click()
    assert _text(rc, "alignsim-events-now") == "No month run yet."
    # One press of Step runs to the month of the refusal.
    rc.find(v.Slider, label="Render Interval (steps)").widget.v_model = retaliation["step"]
    _button(rc, "Step").click()
    assert _text(rc, "alignsim-month").startswith(f"Month {month}: {retaliation['step']} of 60")
    rows = [(r.attributes["data-date"], r.attributes["data-actor"], r.attributes["data-event"],
             r.children[1].children[0], r.style_)
            for r in rc.find(v.Html, tag="tr").widgets if "data-event" in r.attributes]
    this_month = [row for row in rows if row[0] == month]
    assert (month, state, "declined the invitation", f"{state} declined the invitation",
            "font-weight: bold") in this_month
    assert (month, "Russia", "retaliation", f"Russia retaliated against {state} (size {retaliation['value']:.2f})",
            "font-weight: bold") in this_month
    assert rows[:len(this_month)] == this_month  # the latest month first
    assert all(row[4] == "" for row in rows[len(this_month):])
    refusal = this_month.index((month, state, "declined the invitation", f"{state} declined the invitation",
                                "font-weight: bold"))
    assert this_month[refusal + 1][1:3] == ("Russia", "retaliation")  # within a month, what followed what
    # the whole story so far, as the run's events have it, month by month from the latest
    expected = DashboardModel(scenario_path=KAZAKHSTAN, seed=seed)
    for _ in range(retaliation["step"]):
        expected.step()
    story = [tuple(row) for row in expected.events()[["step", "date", "actor", "event"]].itertuples(index=False)]
    assert [row[:3] for row in rows] == [row[1:] for row in sorted(story, key=lambda row: -row[0])]
    assert _text(rc, "alignsim-events-now") == f"{month}: {len(this_month)} deeds this month (in bold)."
    assert _cell(rc, state, "reactions") == ""  # it weighs on choices from the next month
    terms_before = _image(rc, "alignsim-terms-plot")

    rc.find(v.Slider, label="Render Interval (steps)").widget.v_model = 1
    app.focus_state.set(state)
    _button(rc, "Step").click()
    assert _cell(rc, state, "reactions") == f"Russia {retaliation['value']:.2f}"
    assert _text(rc, "alignsim-focus-reactions") == (
        f"In force against {state} this month: Russia's retaliation {retaliation['value']:.2f}.")
    assert _image(rc, "alignsim-terms-plot") != terms_before
    labels = app.term_labels(expected.current_reactions(), 0)
    assert "Russia's retaliation for refusal" in labels
    expected.step()
    labels = app.term_labels(expected.current_reactions(), expected.timeline.states.index(state))
    assert f"Russia's retaliation for refusal ({retaliation['value']:.2f} in force)" in labels
    assert "autonomy (wariness of Russia)" in labels



# --- a draw of the posterior's weights ------------------------------------------------------------


def test_a_posterior_draw_runs_the_scenario_under_that_draws_weights():
    from sim.model import AlignmentModel
    from sim.parameters import ESTIMATED, draw_overrides, read_draws

    scenario = sim.load_scenario(EURASIA)
    draws = read_draws(ESTIMATED).to_numpy()
    dashboard = DashboardModel(EURASIA, draw=17)
    expected = AlignmentModel(sim.with_overrides(scenario, draw_overrides(draws[16])), rng=scenario.run.seed)
    plain = DashboardModel(EURASIA)
    for model in (dashboard, expected, plain):
        model.run()
    assert np.array_equal(dashboard.recorder.data["probabilities"], expected.recorder.data["probabilities"])
    assert not np.array_equal(dashboard.recorder.data["probabilities"], plain.recorder.data["probabilities"])
    assert dashboard.weights_source == (f"Weights and rates: draw 17 of the {len(draws)} of the bundled posterior "
                                        "(estimation/posterior)")
    assert plain.weights_source == "Weights and rates: the scenario's"


def test_a_draw_the_posterior_does_not_hold_is_a_problem_on_the_page_not_a_crash():
    from sim.viz.model import posterior_draws

    model = DashboardModel(EURASIA, draw=posterior_draws() + 1)
    assert not model.running and model.timeline is None
    assert any(f"posterior draw {posterior_draws() + 1} does not exist" in issue for issue in model.issues)
