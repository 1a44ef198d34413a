"""alignsim estimate: the posterior of the decision weights (emcee, ArviZ), issue 11 item 3."""

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.decision import TERMS
from sim.estimate import PRIORS, estimate, read_priors
from sim.parameters import RATES, REVIEW_RATE, SUMMIT_MULTIPLIER, scenario_rate
from sim.validate import scenario_weights

ROOT = Path(__file__).resolve().parents[1]
ROUND = ROOT / "scenarios" / "brics_2024_round.yaml"
OBSERVED = ROOT / "data" / "brics_decisions.csv"
SHORT = ["--walkers", "26", "--steps", "300", "--burn", "100", "--thin", "2"]


@cache
def short_posterior():
    return estimate(sim.load_scenario(ROUND), OBSERVED, read_priors(PRIORS), walkers=26, steps=300, burn=100, seed=1, thin=2)


def test_estimate_writes_draws_summary_and_plots_the_same_bytes_twice(tmp_path, capsys):
    for out in (tmp_path / "a", tmp_path / "b"):
        assert main(["estimate", str(ROUND), "--observed", str(OBSERVED), "--out", str(out), *SHORT]) == 0
    assert "r_hat" in capsys.readouterr().out
    for name in ("draws.parquet", "summary.csv", "trace.png", "pair.png"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    draws = pd.read_parquet(tmp_path / "a" / "draws.parquet")
    assert len(draws) == 26 * len(range(100, 300, 2)) and list(draws["draw"].unique()) == list(range(100, 300, 2))
    summary = pd.read_csv(tmp_path / "a" / "summary.csv")
    assert {"weight", "prior", "median", "q05", "q95", "r_hat", "ess_bulk", "ess_tail"} <= set(summary.columns)
    assert (summary.r_hat > 0.9).all() and (summary.ess_bulk > 0).all()
    assert main(["estimate", str(ROUND), "--observed", str(OBSERVED), "--out", str(tmp_path / "a"), *SHORT]) == 2


@cache
def short_static_posterior():
    return estimate(sim.load_scenario(ROUND), OBSERVED, read_priors(PRIORS), walkers=26, steps=300, burn=100, seed=1, thin=2,
                    likelihood="decision")


def test_weights_no_decision_carries_keep_the_scenarios_values_and_the_rest_are_sampled():
    """Under the static likelihood, peers and retaliation are left out of every prediction; along
    the history, the record's refusals bring retaliation and its alignments move the peers, so only
    the threat (after every scored decision) is left without data."""
    hand_set = dict(zip(TERMS, scenario_weights(sim.load_scenario(ROUND))))
    for posterior, unsampled in ((short_static_posterior(), ("western_threat", "refusal_retaliation", "peer_influence")),
                                 (short_posterior(), ("western_threat",))):
        assert [term for term in TERMS if term not in posterior.names] == list(unsampled)
        for term in unsampled:
            assert (posterior.draws[term] == hand_set[term]).all()
        for name in posterior.names:
            assert (posterior.draws[name] > 0).all() and posterior.draws[name].nunique() > 100


def test_the_rates_are_sampled_along_the_history_and_kept_where_the_likelihood_ignores_them():
    """The history likelihood depends on how often a state reviews its course, and how much more
    often in a summit's window, so both rates are sampled beside the weights; the decision-level one
    depends on neither, so there the draws keep the scenario's rates; without a prior for one, the
    history's keep it too and sample the other."""
    assert short_posterior().names[-2:] == [REVIEW_RATE, SUMMIT_MULTIPLIER]
    assert not set(RATES) & set(short_static_posterior().names)
    scenario = sim.load_scenario(ROUND)
    for name in RATES:
        assert (short_static_posterior().draws[name] == scenario_rate(scenario, name)).all()
        without = {key: prior for key, prior in read_priors(PRIORS).items() if key != name}
        held = estimate(scenario, OBSERVED, without, walkers=26, steps=40, burn=20, seed=1, thin=2)
        assert name not in held.names and set(RATES) - {name} <= set(held.names)
        assert (held.draws[name] == scenario_rate(scenario, name)).all()


def test_the_data_narrow_what_they_inform():
    """Accession friction is well informed (calibrate's spectrum): its posterior is far narrower
    than its half-normal prior of scale 3 (sd 3 * sqrt(1 - 2 / pi) = 1.81)."""
    summary = short_posterior().summary.set_index("weight")
    assert summary.loc["accession_friction", "sd"] < 0.8
    assert summary.loc["accession_friction", "sd"] < 3 * np.sqrt(1 - 2 / np.pi) / 2


def test_the_bundled_priors_favour_no_weight():
    priors = read_priors(PRIORS)
    weights = [priors[term] for term in TERMS]
    assert len({(p.distribution, tuple(p.parameters.items())) for p in weights}) == 1
    assert all(p.distribution == "halfnormal" for p in weights)
    # The rates' priors are not centred on the values assumed before they were estimated (a review a
    # year, no summit effect), and the multiplier's admits no value below 1.
    assert priors[REVIEW_RATE].median() > 2 and priors[SUMMIT_MULTIPLIER].median() > 2
    assert priors[SUMMIT_MULTIPLIER].log_density(0.99) == -np.inf < priors[SUMMIT_MULTIPLIER].log_density(1.0)


@pytest.mark.parametrize("text,key", [
    ("default: {distribution: gamma, shape: 2}\n", "default.distribution"),
    ("default: {distribution: halfnormal, scale: -1}\n", "default.scale"),
    ("default: {distribution: halfnormal, scale: 3}\nweights: {bloc_benefit: {distribution: halfnormal, scale: 1}}\n",
     "weights.bloc_benefit"),
    ("default: {distribution: uniform, low: 0}\n", "default.high"),
    ("defaults: {distribution: halfnormal, scale: 3}\n", "defaults"),
    ("default: {distribution: halfnormal, scale: 3}\nreview_rate_per_year: {distribution: halfnormal}\n",
     "review_rate_per_year.scale"),
    ("default: {distribution: halfnormal, scale: 3}\nsummit_review_multiplier: {distribution: halfnormal, scale: 5}\n",
     "summit_review_multiplier.low"),
    ("default: {distribution: halfnormal, scale: 3, low: -1}\n", "default.low"),
    ("default: {distribution: halfnormal, scale: 3, high: 9}\n", "default.high"),
    ("default: {distribution: uniform, low: 0, high: 150}\n", "default.low"),
])
def test_a_bad_priors_file_is_named_with_its_key(tmp_path, capsys, text, key):
    priors = tmp_path / "priors.yaml"
    priors.write_text(text)
    out = tmp_path / "out"
    assert main(["estimate", str(ROUND), "--observed", str(OBSERVED), "--priors", str(priors), "--out", str(out),
                 *SHORT]) == 2
    err = capsys.readouterr().err
    assert str(priors) in err and key in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("options,named", [(["--steps", "100", "--burn", "100"], "--burn"),
                                           (["--steps", "100", "--burn", "50", "--thin", "60"], "--thin")])
def test_burn_in_and_thinning_must_leave_draws(tmp_path, capsys, options, named):
    assert main(["estimate", str(ROUND), "--observed", str(OBSERVED), "--out", str(tmp_path / "out"), *options]) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_the_static_likelihood_is_an_option_and_gives_another_posterior(tmp_path):
    out = tmp_path / "out"
    assert main(["estimate", str(ROUND), "--observed", str(OBSERVED), "--out", str(out), "--likelihood", "decision",
                 *SHORT]) == 0
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.weight) == short_static_posterior().names
    assert np.allclose(summary["median"], short_static_posterior().summary["median"])
    history = short_posterior().summary.set_index("weight")["median"]
    assert not np.allclose(summary.set_index("weight")["median"], history.loc[summary.weight])


def test_the_walkers_start_at_the_posteriors_mode_not_in_the_prior():
    """Started in a ball around the mode, no walker wanders in from the prior's tail: after a
    short burn-in every draw of the best-informed weight (the narrowest interval) lies within its
    prior's bulk. A half-normal's tail is its upper side: the bulk runs from its edge to its 95%
    quantile (a weight whose posterior sits near zero is inside it)."""
    posterior = short_posterior()
    summary = posterior.summary.set_index("weight").loc[posterior.names]
    best = (summary.q95 - summary.q05).idxmin()
    prior = read_priors(PRIORS)[best]
    assert prior.distribution == "halfnormal", best
    assert posterior.draws[best].between(prior.low, prior.low + 1.96 * prior.parameters["scale"]).all(), best


def test_the_prior_sensitivity_reruns_with_each_priors_spread_halved_and_doubled(tmp_path):
    out = tmp_path / "out"
    assert main(["estimate", str(ROUND), "--observed", str(OBSERVED), "--out", str(out), "--sensitivity", *SHORT]) == 0
    table = pd.read_csv(out / "prior_sensitivity.csv")
    posterior = short_posterior()
    assert sorted(table.prior_scale.unique()) == [0.5, 1.0, 2.0]
    for scale, prior, review, summit in ((0.5, "halfnormal(scale=1.5)", "halfnormal(scale=3)", "halfnormal(scale=5, low=1)"),
                                         (1.0, "halfnormal(scale=3)", "halfnormal(scale=6)", "halfnormal(scale=10, low=1)"),
                                         (2.0, "halfnormal(scale=6)", "halfnormal(scale=12)", "halfnormal(scale=20, low=1)")):
        rows = table[table.prior_scale == scale].set_index("weight")
        assert list(rows.index) == posterior.names
        assert (rows.prior.drop(list(RATES)) == prior).all()
        assert (rows.prior[REVIEW_RATE], rows.prior[SUMMIT_MULTIPLIER]) == (review, summit)
    # The run under the priors as given is the posterior of summary.csv.
    as_given = table[table.prior_scale == 1.0].set_index("weight")["median"]
    assert np.allclose(as_given.loc[posterior.names], posterior.summary.set_index("weight").loc[posterior.names, "median"])
