"""Multiple imputation by region (`data.fill: regional_imputation`): bounds are kept, the draws
are deterministic, a state's name plays no part, and a state's region does."""

import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.decision import TERMS
from sim.inputs import INDICATORS, TRADE_KEYS, Timelines, compile_timeline, completed_indicators, scenario_at
from sim.parameters import weight_overrides
from sim.run import replication_seeds
from sim.scenario import InputError, Scenario
from sim.validate import Predictor, read_observed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_determinism import _renamed  # noqa: E402  one way to rename states, for every test of it

ROOT = Path(__file__).resolve().parents[1]
ROUND = sim.load_scenario(ROOT / "scenarios" / "brics_2024_round.yaml")
EURASIA = sim.load_scenario(ROOT / "scenarios" / "eurasia_2024.yaml")


def _missing(state: str, indicator: str) -> dict:
    return {f"states.{state}.indicators.{indicator}": {"value": None, "missing": "removed for a test"}}


def test_a_lower_bound_is_never_imputed_below_it_and_trade_shares_fit_in_one():
    bounds = {(name, key): getattr(state.indicators, key).value for name, state in ROUND.states.items()
              for key in INDICATORS if getattr(state.indicators, key).bound == "lower"}
    assert len(bounds) >= 20
    names = list(ROUND.states)
    completed = completed_indicators(ROUND)
    assert completed.shape == (ROUND.data.imputations, len(names), len(INDICATORS))
    assert np.isfinite(completed).all() and (completed >= 0).all() and (completed <= 1).all()
    for (state, key), bound in bounds.items():
        draws = completed[:, names.index(state), INDICATORS.index(key)]
        assert (draws >= bound - 1e-12).all(), (state, key)
    above = [(completed[:, names.index(s), INDICATORS.index(k)] > b + 1e-6).mean() for (s, k), b in bounds.items()]
    assert np.mean(above) > 0.5  # drawn as bounds, not read as points
    trade = [INDICATORS.index(k) for k in TRADE_KEYS]
    assert (completed[:, :, trade].sum(axis=2) <= 1.0 + 1e-9).all()
    # Every epoch keeps them too, and what a scenario gives as a point value is never touched.
    timeline = compile_timeline(ROUND, 7)
    for date, state, key, value, rule in timeline.filled:
        if (state, key) in bounds:
            assert value >= bounds[state, key] - 1e-12 and rule.endswith("above its lower bound")
        else:
            assert getattr(scenario_at(ROUND, date).states[state].indicators, key).value is None


def test_the_mean_rule_reads_a_lower_bound_as_a_point():
    mean_rule = sim.with_overrides(ROUND, {"data.fill": "mean"})
    completed = completed_indicators(mean_rule)
    assert completed.shape[0] == 1
    names = list(ROUND.states)
    iran = ROUND.states["Iran"].indicators.trade_west
    assert iran.bound == "lower" and completed[0, names.index("Iran"), INDICATORS.index("trade_west")] == iran.value


def test_imputations_are_deterministic_and_differ_between_datasets_and_seeds():
    first, again = completed_indicators(EURASIA), completed_indicators(EURASIA)
    assert np.array_equal(first, again)
    assert not np.array_equal(first[0], first[1])
    reseeded = completed_indicators(sim.with_overrides(EURASIA, {"data.imputation_seed": 1}))
    assert not np.array_equal(first, reseeded)


def test_a_run_draws_its_datasets_from_the_seed():
    runs = [sim.run(EURASIA, seed=3, replications=6) for _ in range(2)]
    assert runs[0].timeseries.equals(runs[1].timeseries) and runs[0].filled == runs[1].filled
    timelines = Timelines(EURASIA)
    used = [timelines.for_replication(seed).imputation for seed in replication_seeds(3, 6)]
    assert len(set(used)) > 1  # replications run on different completed datasets
    assert used == [Timelines(EURASIA).for_replication(seed).imputation for seed in replication_seeds(3, 6)]
    assert all(r["rule"].endswith(f"mean over the {len(set(used))} used") for r in runs[0].filled)


def test_a_renamed_state_gets_the_same_imputations():
    names = {name: ("Ruritania" if name == "Belarus" else name) for name in EURASIA.states}
    renamed = _renamed(EURASIA, names)
    assert list(renamed.states)[0] == "Ruritania"
    assert np.array_equal(completed_indicators(renamed), completed_indicators(EURASIA))


def test_a_states_imputation_moves_with_its_regions_observed_values():
    """Uzbekistan's Chinese trade share removed: its draws follow Kazakhstan's (its region) more
    than Serbia's (another region), for the same change."""
    base = sim.with_overrides(EURASIA, _missing("Uzbekistan", "trade_china"))
    names, column = list(base.states), INDICATORS.index("trade_china")

    def imputed(changes: dict) -> float:
        return completed_indicators(sim.with_overrides(base, changes))[:, names.index("Uzbekistan"), column].mean()

    before = imputed({})
    kazakhstan = base.states["Kazakhstan"].indicators.trade_china.value
    serbia = base.states["Serbia"].indicators.trade_china.value
    same_region = imputed({"states.Kazakhstan.indicators.trade_china": kazakhstan + 0.2})
    other_region = imputed({"states.Serbia.indicators.trade_china": serbia + 0.2})
    assert same_region - before > 0.05
    assert same_region - before > 2 * abs(other_region - before)


def test_validation_averages_over_the_completed_datasets():
    observed = ROOT / "data" / "brics_decisions.csv"
    three = sim.with_overrides(EURASIA, {"data.imputations": 3})
    scored, _, _ = read_observed(observed, three)
    predictor = Predictor(three, scored, scored)
    weights = np.array([1.0] * predictor.terms.shape[1])
    each = predictor.predict_each(weights)
    assert each.shape == (3, len(scored))
    assert not np.allclose(each[0], each[1])
    assert np.allclose(predictor.predict(weights), each.mean(axis=0))
    single = Predictor(sim.with_overrides(EURASIA, {"data.fill": "mean"}), scored, scored)
    assert single.predict_each(weights).shape == (1, len(scored))


@pytest.mark.parametrize("setting, message", [({"data.fill": "median"}, "data.fill"),
                                              ({"data.imputations": 0}, "data.imputations")])
def test_a_bad_fill_setting_is_refused_with_its_key(setting, message):
    with pytest.raises(InputError) as caught:
        sim.with_overrides(EURASIA, setting)
    assert message in str(caught.value)


def _same(a, b) -> bool:
    """Two compiled timelines (or epochs) hold the same values, field by field."""
    from dataclasses import fields, is_dataclass

    for f in fields(a):
        name = "filled" if f.name == "fills" else f.name  # what was filled as listed, not what it is read from
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, tuple) and x and is_dataclass(x[0]):
            if len(x) != len(y) or not all(_same(u, v) for u, v in zip(x, y)):
                return False
        elif isinstance(x, dict):
            if x.keys() != y.keys() or not all(np.array_equal(x[k], y[k]) for k in x):
                return False
        elif not (np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y):
            return False
    return True


def test_a_fits_trial_weights_reuse_the_compiled_epochs_and_give_what_a_fresh_compile_gives():
    """`Timelines.under`: a scenario that differs only in its decision block (weights, rule,
    review rate) gets the compiled epochs reweighted, with the same values and decision moments
    as compiling it afresh; with a dated event that changes a weight, it is compiled afresh."""
    compiled = Timelines(ROUND)
    changed = sim.with_overrides(ROUND, {"decision.weights.sanction_relief": 0.0, "decision.weights.autonomy": 4.0,
                                         "decision.rule": "threshold", "decision.threshold.location": 0.3,
                                         "decision.review_rate_per_year": 2.0})
    under = compiled.under(changed)
    for imputation in range(2):
        fresh = compile_timeline(changed, imputation)
        assert _same(under.get(imputation), fresh)
        assert not _same(compiled.get(imputation), fresh)
    # With every weight 0, a change of indicators alone is no decision moment: the marks are made anew.
    indifferent = compiled.under(sim.with_overrides(ROUND, weight_overrides(np.zeros(len(TERMS)))))
    marks = [[e.shocked.sum() for e in t.get(0).epochs] for t in (indifferent, compiled)]
    assert marks[0] != marks[1]
    assert _same(indifferent.get(0), compile_timeline(indifferent.scenario, 0))
    dated = sim.with_overrides(ROUND, {"events.reweighted": {"date": "2024-01", "assumption": "a test",
                                                              "set": {"decision.weights.autonomy": 4.0}}})
    assert compiled.under(dated).base is None
    assert _same(compiled.under(dated).get(0), compile_timeline(dated, 0))


def test_a_sweep_points_values_reuse_the_epochs_scenarios_and_give_what_a_fresh_compile_gives():
    """`Timelines.under` with the paths a point changes (issue 13, item 2): values a dated event may
    set (an indicator, with a missing one among them, a power's level, the bloc's benefits) and the
    decision block are put into the base's epochs' scenarios, not made and validated again, and the
    timelines are what compiling the point afresh gives; a value a dated event sets again, or a
    trade share beside one an event sets, is compiled afresh."""
    compiled = Timelines(ROUND)
    changes = {"states.Kazakhstan.indicators.trade_russia": 0.05, "states.Iran.indicators.affinity": 0.1,
               "states.Egypt.indicators.investment_russia": 0.3, "powers.russia.retaliation_for_refusal": 0.9,
               "powers.russia.pressure_to_join": 0.7, "bloc.benefits": 0.2, "decision.rationality": 4.0,
               "decision.weights.autonomy": 3.0, "decision.summit_review_months": 1}
    assert ROUND.states["Egypt"].indicators.investment_russia.value is None  # a missing value, now given
    changed = sim.with_overrides(ROUND, changes)
    under = compiled.under(changed, tuple(changes))
    assert under.base is compiled and under.worlds is not None
    for imputation in range(3):
        fresh = compile_timeline(changed, imputation)
        assert _same(under.get(imputation), fresh)
        assert not _same(compiled.get(imputation), fresh)
    # Set again by a dated event: the point's value holds only until it, so the epochs are made anew.
    with pytest.warns(UserWarning, match="set again"):
        dated = sim.with_overrides(ROUND, {"bloc.appetite.members": 0.5})
    assert compiled.under(dated, ("bloc.appetite.members",)).base is None
    assert _same(compiled.under(dated, ("bloc.appetite.members",)).get(0), compile_timeline(dated, 0))
    trade = sim.with_overrides(ROUND, {"events.trade_shift": {"date": "2024-01", "assumption": "a test",
                                                              "set": {"states.Iran.indicators.trade_china": 0.3}}})
    assert Timelines(trade).under(sim.with_overrides(trade, {"states.Iran.indicators.trade_west": 0.1}),
                                  ("states.Iran.indicators.trade_west",)).base is None
    assert Timelines(trade).under(sim.with_overrides(trade, {"states.Iran.indicators.affinity": 0.1}),
                                  ("states.Iran.indicators.affinity",)).base is not None


def test_worlds_completed_together_are_completed_as_each_alone():
    """A sweep's points completed together (`_completed` over many worlds) share a column's
    completion among the worlds that give it alike: each world still gets what completing it
    alone gives, on its own dataset, whether it gives the column alike, changed, or with a cell
    missing that the others give."""
    from sim.inputs import _completed, _given

    names = list(ROUND.states)
    raw, _ = _given(ROUND)
    col = next(c for c in range(len(INDICATORS)) if np.isnan(raw[:, c]).any() and not np.isnan(raw[:, c]).all())
    key, state = INDICATORS[col], names[int(np.flatnonzero(~np.isnan(raw[:, col]))[0])]
    worlds = [ROUND, sim.with_overrides(ROUND, {f"states.{state}.indicators.{key}": 0.05}), ROUND,
              sim.with_overrides(ROUND, _missing(state, key)), ROUND]
    imputations = [0, 1, 1, 0, 2]
    together = _completed(worlds, imputations, [_given(world) for world in worlds])
    for world, imputation, (values, drawn, base, rule) in zip(worlds, imputations, together):
        (alone, alone_drawn, alone_base, alone_rule), = _completed([world], [imputation], [_given(world)])
        assert np.array_equal(values, alone) and np.array_equal(drawn, alone_drawn)
        assert np.array_equal(base, alone_base)
        assert [rule(r, c) for r, c in zip(*np.nonzero(drawn))] == [alone_rule(r, c) for r, c in zip(*np.nonzero(drawn))]
    assert not np.array_equal(together[0][0], together[2][0])  # datasets 0 and 1 differ: the test can see a mix-up
    assert not np.array_equal(together[1][0][:, col], together[2][0][:, col])


def test_a_changed_indicator_recompletes_only_its_own_column():
    """A sweep point that changes one indicator (issue 13, item 2): the completed dataset is made
    anew for that indicator's column alone, each other column read from what an earlier point made,
    and the result is what completing the whole matrix afresh gives."""
    from sim.inputs import _imputed_column, epoch_worlds

    compile_timeline(ROUND, 0)
    before = _imputed_column.cache_info().misses
    changed = sim.with_overrides(ROUND, {"states.Kazakhstan.indicators.sanctions": 0.37})
    timeline = compile_timeline(changed, 0)
    # One column made anew for each version of the sanctions that the epochs' events give.
    versions = {tuple(state.indicators.sanctions.value for state in world.states.values())
                for world in epoch_worlds(changed)}
    assert _imputed_column.cache_info().misses - before == len(versions)
    _imputed_column.cache_clear()
    assert _imputed_column.cache_info().misses == 0
    afresh = compile_timeline(changed, 0)
    assert _imputed_column.cache_info().misses >= len(INDICATORS)  # every column, in each version the epochs give
    for epoch, fresh in zip(timeline.epochs, afresh.epochs):
        assert np.array_equal(epoch.exogenous_terms, fresh.exogenous_terms)
