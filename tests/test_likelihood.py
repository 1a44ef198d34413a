"""The likelihood of the record under the simulation's dynamics (sim/likelihood.py), issue 11 item 2."""

import dataclasses
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pytest

import sim
from sim import decision as d
from sim.likelihood import HistoryLikelihood, step_of
from sim.scenario import validate as validate_scenario
from sim.validate import read_observed, scenario_weights

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_determinism import _renamed  # the same renaming as the runs' invariance test

ROOT = Path(__file__).resolve().parents[1]
ROUND = ROOT / "scenarios" / "brics_2024_round.yaml"
OBSERVED = ROOT / "data" / "brics_decisions.csv"


@cache
def scenario() -> sim.Scenario:
    return sim.load_scenario(ROUND)


def with_decision(**values) -> sim.Scenario:
    data = scenario().model_dump(mode="json")
    data["decision"].update(values)
    return validate_scenario(data)


@cache
def record():
    return read_observed(OBSERVED, scenario())[0]


@cache
def history() -> HistoryLikelihood:
    return HistoryLikelihood(scenario(), record())


def at(likelihood: HistoryLikelihood, month: str) -> int:
    return step_of(likelihood.timeline, month)


def test_the_path_follows_the_record():
    h = history()
    path, belarus, algeria = h.path, h.states.index("Belarus"), h.states.index("Algeria")
    applied, answered = at(h, "2023-05"), at(h, "2024-11")
    assert (path.course[:applied + 1, belarus] == d.OUTSIDE).all()
    assert (path.course[applied + 1:, belarus] == d.MEMBER).all()  # a partner still seeking membership
    assert (path.status[:answered + 1, belarus] == d.OUTSIDE).all()
    assert (path.status[answered + 1:, belarus] == d.PARTNER).all()
    assert list(np.flatnonzero(path.observed[:, belarus])) == [applied, answered]
    assert path.offer[answered, belarus] == d.PARTNER and h.moment[answered, belarus]
    # Algeria's application (2022-11) is scored; its withdrawal is a refusal Russia answers.
    applied, withdrew = at(h, "2022-11"), at(h, "2023-10")
    assert (path.course[:applied + 1, algeria] == d.OUTSIDE).all() and path.observed[applied, algeria]
    assert (path.course[applied + 1:withdrew + 1, algeria] == d.MEMBER).all()
    assert path.course[withdrew + 1, algeria] == d.OUTSIDE
    retaliation = h.step_terms[:, d.TERMS.index("refusal_retaliation"), algeria]
    assert (retaliation[:withdrew + 1] == 0).all() and retaliation[withdrew + 1, d.OUTSIDE] < 0
    assert h.moment[withdrew + 1, algeria]  # the reaction aimed at it is a decision moment
    # A state is scored past its own last decision, to the record's last scored one (Senegal's
    # application, 2025-04; a late answer to an invitation is placed at its summit).
    assert h.n_steps == at(h, "2025-04") + 1 and h.scored[:, algeria].all()


def test_a_state_is_scored_to_the_records_end_keeping_its_last_course():
    """The record is taken as complete to its last decision: a member that stayed one is
    evidence against leaving, so a switching cost that makes leaving less likely raises the
    likelihood of the steps after its last decision (they would weigh nothing if unscored)."""
    h, w = history(), scenario_weights(scenario())
    egypt = h.states.index("Egypt")
    member = np.flatnonzero(h.path.status[:h.n_steps, egypt] == d.MEMBER)
    assert len(member) and (h.path.status[member[0]:h.n_steps, egypt] == d.MEMBER).all()
    assert h.scored[member[0]:, egypt].all() and not h.path.observed[member[0]:h.n_steps, egypt].any()
    after = np.broadcast_to(np.arange(h.n_steps)[:, None] >= member[0], h.scored.shape)
    k = d.TERMS.index("switching_cost")
    stay = []
    for cost in (0.5, 2.0):
        weights = w.copy()
        weights[k] = cost
        stay.append(h.contributions(weights, after)[h.scored_states.index(egypt)])
    assert stay[0] < stay[1] < 0
    # Not past what the record shows unscored: Kazakhstan's answer to its Kazan offer is disputed,
    # Türkiye's offer is the bloc's own row (2024-11): each is scored only up to it.
    kazakhstan, turkiye = h.states.index("Kazakhstan"), h.states.index("Türkiye")
    assert h.scored[:, kazakhstan].sum() == at(h, "2024-10") + 1
    assert h.scored[:, turkiye].sum() == at(h, "2024-11")


def test_a_record_that_starts_with_a_withdrawal_takes_the_application_as_given():
    """Without its dated application, Algeria's record starts with its withdrawal: the state is
    taken to have applied before the record, unscored, and seeks membership from the first step."""
    undated = [o for o in record() if not (o.state == "Algeria" and o.decision == "application" and o.observed)]
    assert len(undated) == len(record()) - 1
    h = HistoryLikelihood(scenario(), undated)
    algeria, withdrew = h.states.index("Algeria"), at(h, "2023-10")
    assert (h.path.course[:withdrew + 1, algeria] == d.MEMBER).all() and h.path.course[withdrew + 1, algeria] == d.OUTSIDE
    assert not h.path.observed[:withdrew, algeria].any()


def test_the_review_rate_given_as_an_argument_is_the_scenarios_when_written_there():
    """The sampler passes the review rate beside the weights: the likelihood at a rate given as an
    argument is the likelihood of the scenario with that rate written, for every rate of a stack."""
    w = scenario_weights(scenario())
    rates = np.array([0.5, 2.0, 6.0])
    stacked = history().log_likelihood(np.tile(w, (3, 1)), rates)
    for rate, value in zip(rates, stacked):
        written = HistoryLikelihood(with_decision(review_rate_per_year=float(rate)), record())
        assert np.isclose(value, written.log_likelihood(w), rtol=0, atol=1e-9)


def test_the_rates_given_as_arguments_are_the_scenarios_when_written_there():
    """The sampler passes the summit multiplier beside the review rate: the likelihood at a rate and
    a multiplier given per set (a multiplier of 1, no summit effect, beside larger ones) is the
    likelihood of the scenario with both written, for every set of a stack."""
    w = scenario_weights(scenario())
    rates, multipliers = np.array([0.5, 2.0, 1.0]), np.array([1.0, 4.0, 12.0])
    stacked = history().log_likelihood(np.tile(w, (3, 1)), rates, multipliers)
    values = []
    for rate, multiplier, value in zip(rates, multipliers, stacked):
        written = HistoryLikelihood(with_decision(review_rate_per_year=float(rate),
                                                  summit_review_multiplier=float(multiplier)), record())
        values.append(written.log_likelihood(w))
        assert np.isclose(value, values[-1], rtol=0, atol=1e-9)
    assert len(set(np.round(values, 6))) == 3


def test_fit_review_rate_finds_the_likelihoods_peak():
    from sim.likelihood import REVIEW_RATE_BOUNDS, fit_review_rate

    w = scenario_weights(scenario())
    found = fit_review_rate(lambda rate: -history().log_likelihood(w, rate))
    assert REVIEW_RATE_BOUNDS[0] < found < REVIEW_RATE_BOUNDS[1]
    best = history().log_likelihood(w, found)
    for rate in (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, found * 0.9, found * 1.1):
        assert history().log_likelihood(w, rate) <= best + 1e-9


def test_fit_summit_multiplier_finds_the_likelihoods_best_within_its_bounds():
    from sim.likelihood import SUMMIT_MULTIPLIER_BOUNDS, fit_summit_multiplier

    w = scenario_weights(scenario())
    found = fit_summit_multiplier(lambda m: -history().log_likelihood(w, summit=m))
    assert SUMMIT_MULTIPLIER_BOUNDS[0] < found <= SUMMIT_MULTIPLIER_BOUNDS[1]
    best = history().log_likelihood(w, summit=found)
    for multiplier in (1.0, 2.0, 4.0, 8.0, 16.0, found * 0.9, min(found * 1.1, SUMMIT_MULTIPLIER_BOUNDS[1])):
        assert history().log_likelihood(w, summit=multiplier) <= best + 1e-6
    assert best > history().log_likelihood(w, summit=1.0) + 1  # the record prefers a summit effect


def test_the_history_levels_hand_set_row_is_the_hand_set_preset_with_its_review_rate():
    """validate's history level scores the hand-set alternative as a scenario with
    `decision.parameters: hand_set` runs: the hand-set weights and a review a year, not the
    scenario's estimated rate."""
    from sim.likelihood import history_scores
    from sim.parameters import HAND_SET

    _, table = history_scores(scenario(), record(), 0.01, ("leave-one-state-out",), "2023-12")
    preset = HistoryLikelihood(with_decision(parameters="hand_set"), record())
    expected = -preset.contributions(np.array([HAND_SET[term] for term in d.TERMS]))
    assert np.allclose(table.nll_hand_set.to_numpy(), expected, rtol=0, atol=1e-9)
    at_estimated_rate = -history().contributions(np.array([HAND_SET[term] for term in d.TERMS]))
    assert not np.allclose(table.nll_hand_set.to_numpy(), at_estimated_rate)


def test_a_higher_review_rate_makes_a_long_wait_before_applying_less_likely():
    slow, fast = (HistoryLikelihood(with_decision(review_rate_per_year=rate), record()) for rate in (0.5, 2.0))
    w = scenario_weights(scenario())
    malaysia = history().scored_states.index(history().states.index("Malaysia"))
    applied = at(history(), "2024-07")
    before = np.arange(history().n_steps)[:, None] < applied
    wait = [h.contributions(w, np.broadcast_to(before, h.scored.shape))[malaysia] for h in (slow, fast)]
    assert wait[1] < wait[0] < 0
    # ... and the application, once it comes, more likely to come then.
    step = [h.step_probabilities(w[None])[0, 0, applied, history().states.index("Malaysia")] for h in (slow, fast)]
    assert step[1] > step[0]


def test_an_observed_application_gains_likelihood_when_its_terms_weight_rises():
    h, w = history(), scenario_weights(scenario())
    thailand, applied = h.states.index("Thailand"), at(h, "2024-06")
    benefits = d.TERMS.index("bloc_benefits")
    weights = np.tile(w, (4, 1))
    weights[:, benefits] = [0.0, 1.0, 2.0, 4.0]
    p = h.step_probabilities(weights)[0, :, applied, thailand]
    assert (np.diff(p) > 0).all()
    # A declined invitation, the other way: the more the bloc is worth, the less likely Argentina's no.
    argentina = h.states.index("Argentina")
    declined = int(np.flatnonzero(h.path.observed[:, argentina] & (h.path.offer[:, argentina] > 0))[0])
    q = h.step_probabilities(weights)[0, :, declined, argentina]
    assert (np.diff(q) < 0).all()


def test_the_likelihood_is_the_sum_of_its_steps_and_one_pass_serves_many_weights():
    h, w = history(), scenario_weights(scenario())
    p = h.step_probabilities(w[None])[0, 0]
    assert 0 < p.min() and p.max() <= 1
    expected = np.where(h.scored, np.log(p), 0.0).sum(axis=0)[h.scored_states]
    assert np.allclose(h.contributions(w), expected)
    many = np.abs(np.random.default_rng(3).normal(1.0, 1.0, (5, len(d.TERMS))))
    assert np.allclose(h.log_likelihood(many), [h.log_likelihood(row) for row in many], rtol=0, atol=1e-9)


def test_renaming_the_states_changes_nothing_but_the_names():
    names = {name: f"State {k:02d}" for k, name in enumerate(scenario().states)}
    renamed = HistoryLikelihood(_renamed(scenario(), names),
                                [dataclasses.replace(o, state=names[o.state]) for o in record()])
    w = scenario_weights(scenario())
    assert renamed.contributions(w).tobytes() == history().contributions(w).tobytes()


def test_the_same_record_gives_the_same_bytes():
    w = scenario_weights(scenario())
    again = HistoryLikelihood(scenario(), record())
    assert again.contributions(w).tobytes() == history().contributions(w).tobytes()


@pytest.mark.parametrize("rule", ["threshold", "hedging"])
def test_every_rule_is_scored_through_its_own_probabilities(rule):
    """A rival rule scores the same history; it reads no weights, so the likelihood does not move
    with them, and it is not the logit's."""
    h = HistoryLikelihood(with_decision(rule=rule), record())
    w = scenario_weights(scenario())
    scored = h.contributions(np.stack([w, 3 * w]))
    assert np.isfinite(scored).all() and np.array_equal(scored[0], scored[1])
    assert not np.allclose(scored[0], history().contributions(w))
    if rule == "threshold":  # its per-state deviates are averaged over, not fixed at one draw
        assert len(h.rule_draws) > 1


def test_the_threshold_deviates_are_integrated_out_without_a_seed(monkeypatch):
    """The threshold's chance is integrated at fixed equally likely values: the same likelihood
    every time, and five times as many values move the record's log-likelihood by less than 1 nat
    (with the seeded draws this replaced, the fitted parameters moved with the seed)."""
    import sim.likelihood as likelihood

    threshold = with_decision(rule="threshold")
    w = scenario_weights(scenario())
    first = HistoryLikelihood(threshold, record()).contributions(w)
    assert HistoryLikelihood(threshold, record()).contributions(w).tobytes() == first.tobytes()
    monkeypatch.setattr(likelihood, "CHANCE_NODES", 5 * likelihood.CHANCE_NODES)
    finer = HistoryLikelihood(threshold, record()).contributions(w)
    assert not np.array_equal(finer, first)  # the values are the rule's, and they matter
    assert abs(finer.sum() - first.sum()) < 1.0


def test_the_decision_level_threshold_chance_is_within_005_of_forty_times_as_many_values(monkeypatch):
    """The decision-level probabilities integrate the threshold's deviate over `CHANCE_NODES` fixed
    values in the same way (docs/rules.md): forty times as many move no decision's probability by
    more than 0.05 nor the log-loss by more than 0.01, and the same values give the same bytes."""
    from sim import validate as v

    y = np.array([o.observed for o in record()])
    given, weights = v.hand_set(scenario(), "threshold"), scenario_weights(scenario())

    def predicted():
        return v.Predictor(scenario(), record(), record()).predict_rule("threshold", given, weights)

    first = predicted()
    assert predicted().tobytes() == first.tobytes()
    monkeypatch.setattr(v, "CHANCE_NODES", 40 * v.CHANCE_NODES)
    finer = predicted()
    assert not np.array_equal(finer, first) and np.abs(finer - first).max() < 0.05
    assert abs(v.scores(finer, y)["log_loss"] - v.scores(first, y)["log_loss"]) < 0.01



@pytest.mark.parametrize("rule", ["threshold", "hedging"])
def test_a_rules_parameters_fitted_along_the_history_raise_its_likelihood(rule):
    """`history_scores` fits a rival rule's `FITTED` parameters on the history: the fit's record is
    likelier than under the scenario's values, which `parameters=` reproduces exactly when given."""
    from sim.rules import RULES
    from sim.validate import fit_parameters

    h = HistoryLikelihood(with_decision(rule=rule), record())
    w, given = scenario_weights(scenario()), getattr(scenario().decision, rule)
    assert h.contributions(w, None, given).tobytes() == h.contributions(w).tobytes()
    fitted = fit_parameters(RULES[rule], given, lambda parameters: -float(h.contributions(w, None, parameters).sum()))
    assert fitted != given
    assert h.contributions(w, None, fitted).sum() > h.contributions(w, None, given).sum() + 1.0


@pytest.mark.parametrize("rule", ["logit", "threshold", "hedging"])
def test_a_row_wise_rule_scores_every_step_at_once_as_it_does_step_by_step(rule, monkeypatch):
    """A rule that reads each state's row alone is given every step of the record in one call;
    the likelihood is the same, to the bit, as when it is called step by step, for several sets of
    weights at once and with its parameters changed (an event that changes the rationality
    included)."""
    from sim.rules import RULES

    scenario = sim.with_overrides(sim.load_scenario(ROUND), {
        "decision.rule": rule, "events.calmer": {"date": "2024-01", "assumption": "a test",
                                                 "set": {"decision.rationality": 0.5}}})
    scored, _, _ = read_observed(OBSERVED, scenario)
    weights = scenario_weights(scenario) * np.array([[1.0], [0.5], [2.0]])
    parameters = getattr(scenario.decision, rule, None)
    parameters = parameters and parameters.model_copy(update={"tremble": 0.3})
    assert RULES[rule].ROW_WISE
    stacked = HistoryLikelihood(scenario, scored).contributions(weights, parameters=parameters)
    monkeypatch.setattr(RULES[rule], "ROW_WISE", False)
    stepwise = HistoryLikelihood(scenario, scored).contributions(weights, parameters=parameters)
    assert stacked.tobytes() == stepwise.tobytes()
    # What is compared moves: the logit with its weights, another rule with its parameters.
    if rule == "logit":
        assert len(np.unique(stacked.sum(axis=1))) == 3
    else:
        assert not np.array_equal(stacked, HistoryLikelihood(scenario, scored).contributions(weights))
