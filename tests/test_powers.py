"""The powers react: Russia retaliates against a refusal, the West against alignment; each
reaction is aimed at one state, lasts its duration, enters that state's utilities while it lasts,
and is recorded per replication. Dated events can still pin an observed reaction."""

from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim import powers
from sim.decision import MEMBER, OUTSIDE, PARTNER

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
