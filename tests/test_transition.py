"""One transition, two callers (issue 13): the Mesa model steps its one replication through
sim/transition.py, and `run_many` steps many at once; the same seeds give the same recorded arrays,
to the bit, for every bundled scenario and every decision rule, whatever else shares the batch."""

from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

import sim
from sim import transition
from sim.inputs import Timelines, timelines_for
from sim.record import FIELDS
from sim.rules import RULES
from sim.run import replication_seeds, run_many, run_once, run_worlds
from sim.scenario import with_overrides

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def _same(one: dict[str, np.ndarray], other: dict[str, np.ndarray]) -> bool:
    return one.keys() == other.keys() and all(
        one[name].dtype == other[name].dtype and one[name].shape == other[name].shape
        and one[name].tobytes() == other[name].tobytes() for name in one)


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.stem)
def test_the_batched_path_records_what_the_mesa_model_records(path, rule):
    scenario = with_overrides(sim.load_scenario(path), {"decision.rule": rule})
    timelines = Timelines(scenario)
    seeds = replication_seeds(11, 5)
    lines = [timelines.for_replication(seed) for seed in seeds]  # completed datasets mixed in one batch
    batched = run_many(scenario, seeds, lines)
    for seed, timeline, data in zip(seeds, lines, batched):
        assert set(data) == set(FIELDS)
        assert _same(run_once(scenario, seed, timeline), data)


def test_a_replication_records_the_same_alone_and_in_any_batch():
    scenario = sim.load_scenario(ROOT / "scenarios" / "eurasia_2024_threshold.yaml")
    timelines = Timelines(scenario)
    seeds = replication_seeds(3, 6)
    lines = [timelines.for_replication(seed) for seed in seeds]
    together = run_many(scenario, seeds, lines, record=("status", "probabilities"))
    alone = run_many(scenario, seeds[4:5], lines[4:5], record=("status", "probabilities"))[0]
    reversed_ = run_many(scenario, seeds[::-1], lines[::-1], record=("status", "probabilities"))
    assert _same(together[4], alone) and _same(together[4], reversed_[1])
    assert not _same(together[0], together[1])  # each replication has its own stream


@pytest.mark.parametrize("change, together", [
    ({"states.Kazakhstan.indicators.sanctions": 0.6}, True),
    ({"decision.rationality": 0.5}, True),
    ({"decision.weights.bloc_benefits": 4.0, "decision.weights.refusal_retaliation": 3.0,
      "decision.switching_cost": 0.1}, True),
    ({"powers.russia.retaliation_for_refusal": 0.9, "powers.russia.pressure_before_summit": 0.7,
      "powers.west.threat_against_joiners": 0.8, "powers.west.reaction_to_alignment": 0.6}, True),
    ({"decision.review_rate_per_year": 6.0}, True),
    ({"decision.summit_review_multiplier": 6.0}, True),
    ({"bloc.seats.members": 1}, True),
    ({"powers.russia.retaliation_months": 3}, False),
    ({"decision.summit_review_months": 0}, False),
    ({"decision.rule": "threshold"}, False),
], ids=["indicator", "rationality", "weights", "policy-levels", "review-rate", "summit-multiplier", "seats",
        "reaction-months", "summit-window", "rule"])
@pytest.mark.filterwarnings("ignore::sim.OverwrittenValueWarning")  # the threat differs until the tariff event sets it
def test_run_worlds_steps_scenarios_together_when_only_per_row_values_differ(change, together):
    """A sweep's points that change an indicator, a weight, the rationality, a power's policy level
    or the review rate (a posterior's draws differ in these) are stepped together, each row with its
    own value; one that changes what the batch must share (a reaction's duration, the rule) is not.
    Either way each run records what it records alone, to the bit, in the order given."""
    base = sim.load_scenario(ROOT / "scenarios" / "kazakhstan_multivector.yaml")
    other = with_overrides(base, change)
    assert (transition.stack_key("logit", Timelines(base).get(0))
            == transition.stack_key("logit", Timelines(other).get(0))) is together
    runs = []
    for k, seed in enumerate(replication_seeds(2, 6)):
        scenario = base if k % 2 else other
        runs.append((scenario, Timelines(scenario).for_replication(seed), seed))
    # What the per-row values reach: the weighted terms, the reactions' sizes, who reviews.
    record = ("status", "probabilities", "terms", "deciding", "retaliation_started", "western_reaction_started",
              "pre_summit_pressure_started")
    results = run_worlds(runs, record=record)
    for (scenario, timeline, seed), data in zip(runs, results):
        assert _same(run_once(scenario, seed, timeline, record=record), data)


def test_offers_held_at_the_start_are_answered_alike_on_both_paths():
    scenario = sim.load_scenario(ROOT / "scenarios" / "eurasia_2024.yaml")
    timelines = Timelines(scenario)
    seeds = replication_seeds(9, 4)
    offers = np.zeros(len(timelines.get(0).states), dtype=np.int8)
    offers[:2] = 1
    batched = run_many(scenario, seeds, [timelines.for_replication(s) for s in seeds], offers=offers)
    for seed, data in zip(seeds, batched):
        assert _same(run_once(scenario, seed, timelines.for_replication(seed), offers=offers), data)
    assert any(data["declined"][0].any() or (data["status"][0] > 0).any() for data in batched)


def test_epochs_compiled_together_are_stacked_from_their_batch_as_joined_one_by_one():
    """A sweep job's points are compiled together (`sim.inputs.timelines_for`) and a batch of their
    replications takes its rows from the arrays they were computed in (`Epoch.batch`), in any
    order and with repeats: the same stacked epoch as joining each epoch's own arrays (what an
    epoch without a batch, made by `replace`, gets)."""
    base = sim.load_scenario(ROOT / "scenarios" / "kazakhstan_multivector.yaml")
    timelines = Timelines(base)
    path = "states.Kazakhstan.indicators.sanctions"
    points = [timelines.under(with_overrides(base, {path: value}), (path,)) for value in (0.1, 0.5, 0.9)]
    seeds = replication_seeds(4, 3)
    made = timelines_for([(point, seed) for point in points for seed in seeds])
    order = [4, 0, 8, 4, 2, 7, 1]  # points and datasets mixed, one twice
    for k in range(len(made[0].epochs)):
        epochs = [made[i].epochs[k] for i in order]
        assert len({id(epoch.batch.arrays) for epoch in epochs}) == 1
        assert len({epoch.batch.block for epoch in epochs}) > 2
        taken, joined = transition.stack_epochs(epochs), transition.stack_epochs([replace(e) for e in epochs])
        for name in (f.name for f in fields(taken)):
            one, other = np.asarray(getattr(taken, name)), np.asarray(getattr(joined, name))
            assert one.shape == other.shape and one.tobytes() == other.tobytes(), (k, name)


def test_uniforms_drawn_ahead_are_each_streams_numbers_in_turn(monkeypatch):
    """Replications draw the rest of a run's uniforms ahead (`Replications.uniforms`); asked for in
    any amounts, across refills (a small `AHEAD` forces them) and past the run's own count, they
    are the numbers each stream gives drawn in turn."""
    monkeypatch.setattr(transition, "AHEAD", 64)
    timeline = Timelines(sim.load_scenario(ROOT / "scenarios" / "kazakhstan_multivector.yaml")).get(0)
    seeds = (1, 2, 3)
    reps = transition.start([timeline] * len(seeds), RULES["logit"], [np.random.default_rng(s) for s in seeds])
    fresh = [np.random.default_rng(s) for s in seeds]
    for k in (4, 10, 2, 30, 7, 100, 3, transition.run_draws(timeline)):
        assert np.array_equal(reps.uniforms(k), np.stack([rng.random(k) for rng in fresh])), k
