"""The powers react: Russia retaliates against a refusal, the West against alignment; each
reaction is aimed at one state, lasts its duration, enters that state's utilities while it lasts,
and is recorded per replication. Dated events can still pin an observed reaction."""

from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim import powers
from sim.decision import MEMBER, OUTSIDE, PARTNER, TERMS
from sim.inputs import INDICATORS, compile_timeline, completed_indicators
from sim.parameters import scenario_weights

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
EURASIA = sim.load_scenario(SCENARIOS / "eurasia_2024.yaml")


def test_a_refusal_triggers_a_retaliation_of_its_size_and_duration():
    level, until = np.zeros(3), np.zeros(3, dtype=np.int64)
    refused = powers.refusals(np.array([True, True, False]), np.array([True, False, False]),
                              np.array([OUTSIDE, MEMBER, MEMBER]), np.array([OUTSIDE, OUTSIDE, OUTSIDE]))
    assert refused.tolist() == [True, True, False]  # declined; withdrew; did not decide
    started = powers.react(level, until, refused, 0.4, step=10, duration=3)
    assert started.tolist() == [True, True, False] and level.tolist() == [0.4, 0.4, 0.0]
    for step in (11, 12):
        powers.react(level, until, np.zeros(3, bool), 0.4, step, 3)
        assert level.tolist() == [0.4, 0.4, 0.0]
    powers.react(level, until, np.zeros(3, bool), 0.4, 13, 3)
    assert level.tolist() == [0.0, 0.0, 0.0]
    assert not powers.react(level, until, refused, 0.0, 14, 3).any()  # no policy, no reaction


def test_alignment_is_taking_up_a_status():
    before = np.array([OUTSIDE, OUTSIDE, PARTNER, OUTSIDE])
    after = np.array([PARTNER, OUTSIDE, MEMBER, MEMBER])
    assert powers.alignments(before, after).tolist() == [True, False, False, True]


def _runs(scenario, replications=200, seed=1):
    return sim.run(scenario, seed=seed, replications=replications)


def test_in_runs_where_a_state_refuses_retaliation_follows_and_only_then():
    result = _runs(EURASIA)
    events = result.events
    refusals = events[events.event.isin(["declined the invitation", "withdrew"])]
    retaliations = events[events.event == "retaliation"]
    assert len(refusals) > 0
    keys = ["replication", "step", "state"]
    pd.testing.assert_frame_equal(refusals[keys].drop_duplicates().reset_index(drop=True),
                                  retaliations[keys].reset_index(drop=True))
    assert (retaliations.actor == "Russia").all()
    assert (retaliations.value == EURASIA.powers.russia.retaliation_for_refusal.value).all()


def test_retaliation_enters_the_targets_utility_while_it_lasts():
    result = _runs(EURASIA, replications=60)
    ts = result.timeseries.set_index(["replication", "step", "state"])
    months = EURASIA.powers.russia.retaliation_months
    checked = 0
    for row in result.events[result.events.event == "retaliation"].itertuples():
        during = ts.loc[[(row.replication, row.step + k, row.state) for k in range(1, months + 1)
                         if row.step + k <= ts.index.get_level_values("step").max()]]
        assert (during.retaliation > 0).all() and (during.u_refusal_retaliation > 0).all()
        checked += 1
    assert checked > 0
    quiet = ts[ts.retaliation == 0]
    assert (quiet.u_refusal_retaliation == 0).all()


def test_without_a_retaliation_policy_no_reaction_and_no_term():
    result = _runs(sim.with_overrides(EURASIA, {"powers.russia.retaliation_for_refusal": 0.0}), replications=50)
    assert not (result.events.event == "retaliation").any()
    assert (result.timeseries.u_refusal_retaliation == 0).all()


def test_the_west_reacts_to_alignment_when_its_policy_says_so():
    none = _runs(EURASIA, replications=50)
    assert not (none.events.event == "secondary sanctions").any()  # the bundled West never reacted
    reacting = _runs(sim.with_overrides(EURASIA, {"powers.west.reaction_to_alignment": 0.3}), replications=50)
    events = reacting.events
    took_up = events[events.event.isin(["became partner", "became member"])]
    sanctioned = events[events.event == "secondary sanctions"]
    assert len(sanctioned) > 0
    first_take_up = took_up.groupby(["replication", "state"]).step.min()
    first_sanction = sanctioned.groupby(["replication", "state"]).step.min()
    assert first_sanction.index.isin(first_take_up.index).all()
    assert (first_sanction == first_take_up.loc[first_sanction.index]).all()


def test_a_dated_event_pins_an_observed_reaction():
    pinned = sim.with_overrides(EURASIA, {
        "powers.russia.retaliation_for_refusal": 0.0,
        "powers.russia.imposed.Kazakhstan": 0.0,  # declared, so that dated events may set it
        "events.pinned_ban": {"date": "2024-10", "source": "test", "set": {"powers.russia.imposed.Kazakhstan": 0.5}},
        "events.pinned_ban_ends": {"date": "2025-10", "source": "test", "set": {"powers.russia.imposed.Kazakhstan": 0.0}},
    })
    ts = _runs(pinned, replications=3).timeseries
    kz = ts[ts.state == "Kazakhstan"]
    on = (kz.date >= "2024-10") & (kz.date < "2025-10")
    assert (kz[on].retaliation == 0.5).all() and (kz[~on].retaliation == 0).all()
    assert (ts[ts.state != "Kazakhstan"].retaliation == 0).all()


OBSERVED = sim.load_scenario(SCENARIOS / "brics_2024_round_observed.yaml")
PRESSING = {"powers.russia.pressure_before_summit": {"value": 0.8, "assumption": "test"},
            "powers.russia.pressure_months": 2}


def test_the_candidates_pressed_before_a_summit():
    status = np.array([OUTSIDE, OUTSIDE, PARTNER, MEMBER, OUTSIDE, OUTSIDE])
    course = np.array([MEMBER, PARTNER, PARTNER, MEMBER, OUTSIDE, OUTSIDE])
    announced = np.array([OUTSIDE, OUTSIDE, MEMBER, OUTSIDE, PARTNER, OUTSIDE])
    assert powers.candidates(status, course, None).tolist() == [True, True, True, False, False, False]
    assert powers.candidates(status, course, announced).tolist() == [True, True, True, False, True, False]


def test_pressure_before_a_summit_raises_a_dependent_states_acceptance_of_its_invitation():
    """Kazakhstan's Kazan invitation is announced in the observed round: Russia presses it from a
    month ahead, so at the summit, where it answers, accepting is likelier than unpressed, in every
    replication (the runs are identical until the pressure begins)."""
    replications = 30
    plain = sim.run(OBSERVED, seed=1, replications=replications)
    pressed = sim.run(sim.with_overrides(OBSERVED, PRESSING), seed=1, replications=replications)
    pressure = pressed.events[pressed.events.event == "pressure before the summit"]
    # Before Kazan: in a few replications Kazakhstan also applied earlier and was pressed before Johannesburg.
    kazakhstan = pressure[(pressure.state == "Kazakhstan") & pressure.date.between("2024-01", "2024-10")]
    assert set(kazakhstan.date) == {"2024-09"} and kazakhstan.replication.nunique() == replications
    assert (pressure.actor == "Russia").all() and (pressure.value == 0.8).all()
    assert plain.events[plain.events.event == "pressure before the summit"].empty

    def answer(result):
        ts = result.timeseries
        return ts[(ts.state == "Kazakhstan") & (ts.date == "2024-10")].set_index("replication")

    before, after = answer(plain), answer(pressed)
    assert (before.invited == "partner").all() and (after.invited == "partner").all()
    assert (after.p_outside < before.p_outside - 1e-6).all()
    assert (after.pre_summit_pressure == 0.8).all() and (before.pre_summit_pressure == 0).all()
    dependence = compile_timeline(OBSERVED).epoch_at(0).dependence[list(OBSERVED.states).index("Kazakhstan")]
    weight = scenario_weights(OBSERVED)[TERMS.index("patron_pressure")]
    assert np.allclose(after.u_patron_pressure - before.u_patron_pressure, weight * 0.8 * dependence)
    accepted = [(result.events.query("state == 'Kazakhstan' and date == '2024-10' and event == 'became partner'")
                 .replication.nunique()) for result in (plain, pressed)]
    assert accepted[0] <= accepted[1]


def test_the_pressure_lasts_its_months_and_begins_its_lead_ahead():
    longer = sim.with_overrides(OBSERVED, {**PRESSING, "powers.russia.pressure_lead_months": 3,
                                           "powers.russia.pressure_months": 4})
    result = sim.run(longer, seed=2, replications=3)
    ts = result.timeseries
    belarus = ts[(ts.state == "Belarus") & (ts.replication == 0)].set_index("date").pre_summit_pressure
    kazan_start = result.events.query("state == 'Belarus' and event == 'pressure before the summit'").date
    assert "2024-07" in set(kazan_start)  # three months before Kazan (2024-10)
    assert (belarus[["2024-08", "2024-09", "2024-10", "2024-11"]] == 0.8).all()


def test_china_inducement_pulls_more_the_more_a_state_trades_with_china():
    """Off by default; on, it raises U(member) - U(outside) by weight x inducement x China's trade share."""
    def bloc_benefits(scenario):
        epoch = compile_timeline(scenario).epoch_at(0)
        return epoch.exogenous_net[:, list(TERMS).index("bloc_benefits")], epoch

    off, epoch = bloc_benefits(OBSERVED)
    induced = sim.with_overrides(OBSERVED, {"powers.china.inducement": {"value": 0.5, "assumption": "test"}})
    on, _ = bloc_benefits(induced)
    # The share the run uses: the scenario's value, or its first imputation where it gives none.
    trade_china = completed_indicators(OBSERVED)[0, :, INDICATORS.index("trade_china")]
    gain = on - off
    assert np.allclose(gain, scenario_weights(OBSERVED)[TERMS.index("bloc_benefits")] * 0.5 * trade_china)
    order = np.argsort(trade_china)
    assert (np.diff(gain[order]) >= 0).all() and gain[order][-1] > gain[order][0]
    assert OBSERVED.powers.china.inducement.value == 0.0


def test_chinas_consent_can_block():
    """China's say in admissions is its consent as a bloc member: at 0 toward a state, the state
    is never invited."""
    vetoed = sim.with_overrides(EURASIA, {"bloc.members.China.toward.Kazakhstan": {"value": 0.0, "assumption": "test"}})
    invited = [sim.run(scenario, seed=1, replications=60).events.query("state == 'Kazakhstan'")
               .event.str.startswith("invited").sum() for scenario in (EURASIA, vetoed)]
    assert invited[0] > 0 and invited[1] == 0
