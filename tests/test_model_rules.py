"""The rules of acting: statuses are granted by the bloc, consensus can veto, the tier gates
partnership, and missing values are filled by the documented rule."""

from pathlib import Path

import numpy as np

import sim
from sim import decision as d
from sim.inputs import compile_timeline

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BELARUS = sim.load_scenario(SCENARIOS / "belarus_semi_blockade.yaml")


def _final(result, column):
    return result.summary.set_index("state")[column]


def test_no_status_without_a_grant():
    """With no appetite at all the bloc grants nothing, however eager the state."""
    scenario = sim.with_overrides(BELARUS, {"events": None, "bloc.appetite.members": 0.0,
                                            "bloc.appetite.partners": 0.0})
    result = sim.run(scenario, seed=1, replications=30)
    assert (result.timeseries.status == "outside").all()
    assert _final(result, "p_seeking_membership")["Belarus"] > 0.8


def test_a_single_member_can_veto():
    scenario = sim.with_overrides(BELARUS, {"bloc.members.Brazil.toward.Belarus": {"value": 0.0, "assumption": "test"}})
    result = sim.run(scenario, seed=1, replications=30)
    assert not (result.timeseries.status != "outside").any()


def test_no_partner_before_the_tier():
    result = sim.run(BELARUS, seed=1, replications=30)
    before = result.timeseries[result.timeseries.date < "2024-10"]
    assert (before.p_partner == 0).all()
    assert (before.status != "partner").all()
    assert (result.timeseries[result.timeseries.date >= "2024-10"].p_partner > 0).all()


def test_invitations_come_only_at_summits_and_are_answered():
    result = sim.run(BELARUS, seed=3, replications=30)
    summits = {s.date for s in BELARUS.calendar.summits}
    invited = result.timeseries[result.timeseries.invited != "none"]
    assert len(invited) > 0 and set(invited.date) <= summits
    ts = result.timeseries.sort_values(["replication", "step"])
    upgrades = ts.groupby("replication").status.apply(
        lambda s: [(a, b) for a, b in zip(s.iloc[:-1], s.iloc[1:]) if d.OPTIONS.index(b) > d.OPTIONS.index(a)])
    assert sum(len(u) for u in upgrades) > 0


def test_missing_values_are_filled_with_the_mean_of_other_states():
    eurasia = sim.with_overrides(sim.load_scenario(SCENARIOS / "eurasia_2024.yaml"), {"data.fill": "mean"})
    timeline = compile_timeline(eurasia)
    filled = {(state, key): value for date, state, key, value, _ in timeline.filled if date == timeline.dates[0]}
    known = [s.indicators.investment_west.value for s in eurasia.states.values()
             if s.indicators.investment_west.value is not None]
    assert np.isclose(filled[("Belarus", "investment_west")], np.mean(known))
    result = sim.run(eurasia, seed=1, replications=2)
    assert {"state": "Belarus", "indicator": "investment_west", "from": "2022-01",
            "filled_with": filled[("Belarus", "investment_west")],
            "rule": "mean over the scenario's other states"} in result.filled
    assert len(result.filled) == len({(e["state"], e["indicator"]) for e in result.filled})


def test_filled_trade_shares_fit_in_what_given_shares_leave():
    eurasia = sim.load_scenario(SCENARIOS / "eurasia_2024.yaml")
    given = eurasia.states["Belarus"].indicators
    # Russia's share chosen so that the given shares leave 0.01 of 1, whatever the data say
    nearly_full = 0.99 - given.trade_west.value - given.trade_china.value
    scenario = sim.with_overrides(eurasia, {"states.Belarus.indicators.trade_russia": nearly_full})
    timeline = compile_timeline(scenario)
    filled = {(s, k): v for date, s, k, v, _ in timeline.filled if date == "2022-01"}
    belarus = scenario.states["Belarus"].indicators
    given = belarus.trade_west.value + belarus.trade_russia.value + belarus.trade_china.value
    assert given + filled[("Belarus", "trade_other_members")] <= 1.0 + 1e-12
    # Belarus's Western share is a lower bound: drawn above it, and still within what is left.
    assert belarus.trade_west.bound == "lower"
    assert filled[("Belarus", "trade_west")] >= belarus.trade_west.value
    assert belarus.trade_russia.value + belarus.trade_china.value + filled[("Belarus", "trade_west")] \
        + filled[("Belarus", "trade_other_members")] <= 1.0 + 1e-12


def test_terms_explain_the_utility_difference():
    """The recorded terms add up to U(member) - U(outside), so a figure can show why."""
    model = sim.AlignmentModel(BELARUS, rng=0)
    month = model.timeline.dates.index(BELARUS.bloc.open_to_applicants.date)  # membership can be chosen
    for _ in range(month + 1):
        model.step()
    epoch = model.timeline.epoch_at(month)
    terms = model.recorder.data["terms"][month]
    probabilities = model.recorder.data["probabilities"][month]
    log_odds = np.log(probabilities[:, d.MEMBER] / probabilities[:, d.OUTSIDE])
    assert np.allclose(epoch.rationality * terms.sum(axis=1), log_odds)
