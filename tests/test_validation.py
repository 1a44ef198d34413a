"""Historical validation and calibration against the 2022-2025 BRICS decisions."""

import subprocess
import sys
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.cli import main
from sim.decision import TERMS
from sim.inputs import INDICATORS, scenario_at
from sim.results import table_bytes
from sim.validate import (
    CLIP,
    FLAT,
    RIDGE,
    SCORE_COLUMNS,
    TIME_CUT,
    Predictor,
    _fit,
    _free,
    calibrate,
    fixed_terms,
    predictors,
    folds,
    indicator_features,
    log_losses,
    read_observed,
    scenario_weights,
    validate,
)

ROOT = Path(__file__).resolve().parents[1]
ROUND = ROOT / "scenarios" / "brics_2024_round.yaml"
OBSERVED = ROOT / "data" / "brics_decisions.csv"


def test_the_round_scenario_is_built_from_the_data_files():
    check = subprocess.run([sys.executable, str(ROOT / "data" / "build_brics_2024_round.py"), "--check"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    scenario = sim.load_scenario(ROUND)
    assert len(scenario.states) >= 20
    observed_states = set(pd.read_csv(OBSERVED).state)
    assert observed_states <= set(scenario.states)


@cache
def validation():
    return validate(sim.load_scenario(ROUND), OBSERVED)


@cache
def calibration():
    return calibrate(sim.load_scenario(ROUND), OBSERVED)


def test_validate_prints_model_and_baselines_over_twenty_states(tmp_path, capsys):
    assert main(["validate", str(ROUND), "--observed", str(OBSERVED), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for predictor in ("model", "base rate", "every invitee accepts", "logistic regression"):
        assert predictor in out
    in_sample = pd.read_csv(tmp_path / "in_sample.csv")
    assert set(in_sample.columns) >= {"predictor", "n", "accuracy", "log_loss", "brier"}
    # Same scenario, same data: the same bytes, bootstrap intervals included.
    assert (tmp_path / "scores.csv").read_bytes() == table_bytes(validation().scores)
    assert (tmp_path / "gains.csv").read_bytes() == table_bytes(validation().gains)
    assert (tmp_path / "statuses.csv").read_bytes() == table_bytes(validation().statuses)
    assert (tmp_path / "history.csv").read_bytes() == table_bytes(validation().history)
    predictions = pd.read_csv(tmp_path / "predictions.csv")
    assert predictions.state.nunique() >= 20
    assert predictions.p_model.between(0, 1).all()
    assert ((predictions.observed == 1) == (predictions.p_of_observed == predictions.p_model)).all()
    assert (tmp_path / "reliability.png").stat().st_size > 1000


def test_scores_put_the_model_beside_both_baselines_under_both_splits():
    scores = validation().scores
    assert tuple(scores.columns) == SCORE_COLUMNS
    # The predictors name the scenario's rule, the logit.
    named = ("logit", "logit, hand-set", "base rate", "logistic regression")
    levels = (("decision", "leave-one-state-out"), ("decision", "time"), ("simulation", "leave-one-state-out"))
    dynamic = ("logit", "logit, hand-set", "base rate")  # a static regression has no history level
    assert list(zip(scores.predictor, scores.level, scores.split)) == (
        [(p, *ls) for ls in levels for p in named]
        + [(p, "history", split) for split in ("leave-one-state-out", "time") for p in dynamic])
    predictions = validation().predictions
    n = scores.set_index(["level", "split"]).n
    assert (n[("decision", "leave-one-state-out")] == len(predictions)).all()
    assert (n[("decision", "time")] == (predictions.month > TIME_CUT).sum()).all()
    assert (n[("simulation", "leave-one-state-out")] == len(validation().statuses)).all()
    history = validation().history
    for split in ("leave-one-state-out", "time"):
        assert (n[("history", split)] == (history.split == split).sum()).all()
    assert (n[("history", "leave-one-state-out")] == predictions.state.nunique()).all()
    assert (scores.log_loss_low95 < scores.log_loss).all() and (scores.log_loss < scores.log_loss_high95).all()
    static = scores[scores.level != "history"]
    assert static[["brier", "accuracy"]].apply(lambda c: c.between(0, 1)).all().all()
    assert scores[scores.level == "history"][["brier", "accuracy"]].isna().all().all()
    # The gains are the paired differences of the same per-decision losses.
    gains = validation().gains.set_index(["predictor", "level", "split"])
    by = scores.set_index(["predictor", "level", "split"]).log_loss
    for (predictor, level, split), row in gains.iterrows():
        assert row.log_loss_gain == pytest.approx(by[("base rate", level, split)] - by[(predictor, level, split)])
        assert row.gain_low95 < row.log_loss_gain < row.gain_high95


def test_no_fold_sees_what_it_predicts():
    scored, _, _ = read_observed(OBSERVED, sim.load_scenario(ROUND))
    by_state = folds(scored, "leave-one-state-out")
    assert len(by_state) == len({o.state for o in scored})
    assert sorted(k for _, test in by_state for k in test) == list(range(len(scored)))
    for train, test in by_state:
        assert not {scored[k].state for k in train} & {scored[k].state for k in test}
    [(train, test)] = folds(scored, "time")
    assert max(scored[k].month for k in train) <= TIME_CUT < min(scored[k].month for k in test)
    assert len(train) + len(test) == len(scored)
    # The base rate of a held-out state is the rate of the others' decisions, its own left out.
    held_out = validation().out_of_sample.query("split == 'leave-one-state-out'")
    y = held_out.observed
    for state, rows in held_out.groupby("state"):
        others = y[held_out.state != state]
        assert rows.p_base_rate.iloc[0] == pytest.approx(others.mean())


def test_the_simulation_level_scores_each_undisputed_states_status_at_the_end_of_2025():
    statuses = validation().statuses.set_index("state")
    assert "Kazakhstan" not in statuses.index and "Saudi Arabia" not in statuses.index  # disputed
    assert statuses.loc["Egypt", "observed"] == "member"  # accepted membership at Johannesburg
    assert statuses.loc["Belarus", "observed"] == "partner"  # accepted partnership at Kazan
    assert statuses.loc["Argentina", "observed"] == "outside"  # declined
    for column in predictors("logit").values():
        shares = statuses[[f"{column}_{option}" for option in ("outside", "partner", "member")]]
        assert np.allclose(shares.sum(axis=1), 1.0, atol=3 * CLIP) and (shares > 0).all().all()
    # Belarus's decisions inform the weights little; sanctioned, it is most often a partner or member.
    assert statuses.loc["Belarus", "p_model_outside"] < 0.5
    # The base rate of a held-out state is the other states' shares of the three statuses.
    observed = statuses.observed
    others = observed.drop("Belarus")
    assert statuses.loc["Belarus", "p_base_rate_partner"] == pytest.approx((others == "partner").mean())


def test_the_logistic_baseline_reads_the_indicators_the_model_reads():
    scenario = sim.load_scenario(ROUND)
    scored, _, _ = read_observed(OBSERVED, scenario)
    features = indicator_features(scenario, scored)
    assert features.shape == (len(scored), len(INDICATORS) + 1)
    assert not np.isnan(features).any()
    belarus = next(k for k, o in enumerate(scored) if o.state == "Belarus")
    then = scenario_at(scenario, scored[belarus].month).states["Belarus"].indicators
    # A value given is the same in every completed dataset, so their mean is it (up to rounding).
    assert features[belarus, INDICATORS.index("sanctions")] == pytest.approx(then.sanctions.value, abs=1e-12)
    assert list(features[:, -1]) == [float(o.decision == "invitation") for o in scored]


def test_weights_no_decision_informs_are_fixed_and_identical_terms_merged():
    scenario = sim.load_scenario(ROUND)
    scored, _, _ = read_observed(OBSERVED, scenario)
    predictor = Predictor(scenario, scored, scored)
    assert fixed_terms(predictor) == {term: "no scored decision carries it"
                                      for term in ("western_threat", "refusal_retaliation", "peer_influence")}
    # A term that adds twice what an earlier one adds, at every decision, enters identically.
    substitutes, friction = TERMS.index("substitutes"), TERMS.index("accession_friction")
    predictor.terms[:, substitutes] = 2.0 * predictor.terms[:, friction]
    assert fixed_terms(predictor)["substitutes"] == "enters as accession_friction does (merged into it)"
    assert "accession_friction" not in fixed_terms(predictor)


def test_calibration_fits_only_what_the_likelihood_is_curved_in():
    result = calibration()
    ident = result.identification
    hand_set = dict(zip(TERMS, scenario_weights(sim.load_scenario(ROUND))))
    fixed = ident.terms[ident.terms.status.str.startswith("fixed")]
    assert len(fixed) >= 3
    for row in fixed.itertuples():
        assert result.weights[row.term] == hand_set[row.term] and row.curvature == 0
    estimated = ident.terms[~ident.terms.status.str.startswith("fixed")]
    assert len(ident.spectrum) == len(estimated)
    assert (ident.spectrum.relative >= FLAT).all() and ident.spectrum.relative.iloc[-1] == 1
    assert (estimated.curvature > 0).all()
    # Fixing the weights the likelihood is flat in costs almost nothing: freeing them again improves
    # the log-likelihood of all 44 decisions by less than 0.1 in total.
    assert fixed.status.str.contains("flat along").any()
    scenario = sim.load_scenario(ROUND)
    scored, _, _ = read_observed(OBSERVED, scenario)
    predictor = Predictor(scenario, scored, scored)
    y, rows, prior = np.array([o.observed for o in scored]), np.arange(len(scored)), scenario_weights(scenario)
    freed = _fit(predictor, y, prior, prior, RIDGE, rows, _free(fixed_terms(predictor)))
    fitted = np.array([result.weights[term] for term in TERMS])
    loss = log_losses(predictor.predict(fitted), y).sum()
    assert abs(loss - log_losses(predictor.predict(freed), y).sum()) < 0.1


def test_disputed_and_bloc_decisions_are_not_scored_as_facts():
    scenario = sim.load_scenario(ROUND)
    scored, disputed, skipped = read_observed(OBSERVED, scenario)
    assert {o.state for o in disputed} == {"Kazakhstan", "Saudi Arabia"}
    readings = [(o.state, o.event, o.observed) for o in disputed]
    assert len(readings) == len(set(readings)), "a disputed reading counted twice"
    assert not any(o.state == "Saudi Arabia" for o in scored)
    assert any(s["reason"].startswith("the bloc") for s in skipped)
    kazakhstan = [o for o in scored if o.state == "Kazakhstan"]
    assert len(kazakhstan) == 1 and kazakhstan[0].observed == 0  # declined to apply, 2024-10


def test_an_offer_in_hand_is_more_readily_taken_than_sought():
    """Accepting an invitation costs no accession friction, so P(accept) exceeds P(apply), under the
    hand-set weights (under the estimated ones Bolivia's chance of having applied, built up month by
    month before its invitation, overtakes its chance of accepting)."""
    hand_set = sim.with_overrides(sim.load_scenario(ROUND), {"decision.parameters": "hand_set"})
    scored, _, _ = read_observed(OBSERVED, hand_set)
    p = dict(zip(((o.state, o.decision) for o in scored),
                 Predictor(hand_set, scored, scored).predict(scenario_weights(hand_set))))
    for state in ("Malaysia", "Thailand", "Bolivia"):
        assert p[(state, "invitation")] > p[(state, "application")]


def test_calibrate_reports_out_of_sample_loss_and_writes_an_extending_scenario(tmp_path, capsys):
    target = tmp_path / "calibrated.yaml"
    assert main(["calibrate", str(ROUND), "--observed", str(OBSERVED), "--out", str(target)]) == 0
    out = capsys.readouterr().out
    assert "leave-one-out" in out and "base rate" in out
    body = yaml.safe_load(target.read_text())
    assert (target.parent / body["extends"]).resolve() == ROUND.resolve()
    calibrated = sim.load_scenario(target)
    assert set(calibrated.states) == set(sim.load_scenario(ROUND).states)
    assert main(["calibrate", str(ROUND), "--observed", str(OBSERVED), "--out", str(target)]) == 2


CALIBRATED = sim.load_scenario(ROOT / "scenarios" / "brics_2024_round_calibrated.yaml")


def _with_calibrated_weights(name: str):
    weights = CALIBRATED.decision.weights.model_dump()
    overrides = {f"decision.weights.{k}": v for k, v in weights.items()}
    overrides["decision.switching_cost"] = CALIBRATED.decision.switching_cost
    scenario = sim.with_overrides(sim.load_scenario(ROOT / "scenarios" / f"{name}.yaml"), overrides)
    return sim.run(scenario, seed=1, replications=200).summary.set_index("state")


def test_belarus_and_kazakhstan_keep_their_outcomes_under_calibrated_weights():
    belarus = _with_calibrated_weights("belarus_semi_blockade").loc["Belarus"]
    # 0.75 under the calibration centred on the history's estimated set (0.96 before): docs/validation.md.
    assert belarus.p_seeking_membership > 0.7 and belarus.p_partner + belarus.p_member > 0.5
    assert _with_calibrated_weights("kazakhstan_multivector").loc["Kazakhstan"].p_seeking_membership <= 0.2


@pytest.mark.parametrize(
    "content,message",
    [(None, "file not found"), ("state,event\nX,y\n", "missing column"), (b"\xff\xfe\x00bad", "is not UTF-8 text")],
)
def test_bad_observed_files(tmp_path, capsys, content, message):
    path = tmp_path / "observed.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    assert main(["validate", str(ROUND), "--observed", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_decision_likelihoods_gradient_is_its_derivative():
    """The closed-form gradient the fits follow equals central differences of the log-loss, on the
    decisions of a part of the record, for weights away from the scenario's."""
    scenario = sim.load_scenario(ROUND)
    scored, _, _ = read_observed(OBSERVED, scenario)
    predictor = Predictor(scenario, scored, scored)
    y = np.array([o.observed for o in scored])
    rows = np.arange(0, len(y), 2)
    weights = np.random.default_rng(3).uniform(0.0, 3.0, len(TERMS))
    total, gradient = predictor.log_loss_gradient(weights, y, rows)
    assert total == pytest.approx(log_losses(predictor.predict(weights)[rows], y[rows]).sum())
    step = 1e-6
    for j in range(len(TERMS)):
        shifted = [weights.copy(), weights.copy()]
        shifted[0][j] += step
        shifted[1][j] -= step
        up, down = (log_losses(predictor.predict(w)[rows], y[rows]).sum() for w in shifted)
        assert gradient[j] == pytest.approx((up - down) / (2 * step), rel=1e-4, abs=1e-6), TERMS[j]
    assert np.abs(gradient).max() > 0.1
