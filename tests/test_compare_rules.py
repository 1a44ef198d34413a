"""The decision rules compared on the same record (`alignsim validate --rule`, `alignsim compare-rules`).

The records here are synthetic: every state of the 2024 round offered membership at Johannesburg
and partnership at Kazan, its answers drawn from a known rule. Runs are kept small by fewer draws
of the threshold's chance, fewer simulated replications and a small verdicts file.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim import validate as v
from sim.cli import main
from sim.rules import RULES

ROOT = Path(__file__).resolve().parents[1]
ROUND = ROOT / "scenarios" / "brics_2024_round.yaml"
HEADER = "state,event,event_date,decision,offer,response,response_date,source,certainty\n"
OFFERS = (("2023-08", "member"), ("2024-10", "partner"))


def _invitations(scenario) -> str:
    """Every state invited as member at Johannesburg and as partner at Kazan, each answer 'accepted'."""
    return "".join(f"{state},invited {offer},{month},invitation,{offer},accepted,,synthetic,certain\n"
                   for state in scenario.states for month, offer in OFFERS)


def synthetic_record(path: Path, rule: str, seed: int = 1, **parameters) -> Path:
    """A record of answers drawn from `rule` with the scenario's values of its parameters but
    `parameters`: the rule is the data-generating process."""
    scenario = sim.load_scenario(ROUND)
    path.write_text(HEADER + _invitations(scenario), encoding="utf-8")
    scored, _, _ = v.read_observed(path, scenario)
    truth = v.hand_set(scenario, rule).model_copy(update=parameters)
    p = v.Predictor(scenario, scored, scored).predict_rule(rule, truth, v.scenario_weights(scenario))
    accepted = np.random.default_rng(seed).random(len(p)) < p
    rows = [f"{o.state},{o.event},{month},invitation,{offer},{'accepted' if yes else 'declined'},,synthetic,certain\n"
            for o, yes, (month, offer) in zip(scored, accepted, OFFERS * len(scenario.states))]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Fewer values of the threshold's chance and fewer simulated replications."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(v, "CHANCE_NODES", 20)
        patch.setattr(v, "SIMULATION_REPLICATIONS", 1)
        yield tmp_path_factory.mktemp("compare")


def _verdicts(folder: Path) -> Path:
    path = folder / "verdicts.yaml"
    path.write_text(f"replications: 3\nseed: 1\ncases:\n"
                    f"  - {{label: Belarus, scenario: {ROOT}/scenarios/belarus_semi_blockade.yaml, state: Belarus}}\n",
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def compared(small):
    """compare-rules over every rule of RULES on a record the hedging rule generated."""
    record = synthetic_record(small / "hedging.csv", "hedging", closed_below=0.3, tremble=0.1)
    out = small / "out"
    code = main(["compare-rules", str(ROUND), "--observed", str(record), "--verdicts", str(_verdicts(small)),
                 "--out", str(out), "--quiet"])
    return code, out, record


def test_compare_rules_writes_every_rule_of_RULES(compared):
    code, out, _ = compared
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["comparison.pdf", "comparison.png", "comparison.svg",
                                                     "fitted.csv", "scores.csv", "verdicts.csv"]
    scores = pd.read_csv(out / "scores.csv")
    assert list(scores.columns) == list(v.SCORE_COLUMNS)
    levels = [("decision", "leave-one-state-out"), ("decision", "time"), ("simulation", "leave-one-state-out")]
    histories = [("history", "leave-one-state-out"), ("history", "time")]
    # Each level and split: every rule, then the baselines once (along a history, the base rate alone).
    assert list(zip(scores.predictor, scores.level, scores.split)) == [
        (p, *ls) for ls in levels for p in [*RULES, "base rate", "logistic regression"]] + [
        (p, *ls) for ls in histories for p in [*RULES, "base rate"]]
    assert (scores.log_loss_low95 <= scores.log_loss).all() and (scores.log_loss <= scores.log_loss_high95).all()
    verdicts = pd.read_csv(out / "verdicts.csv")
    assert list(verdicts.rule) == list(RULES) and set(verdicts.case) == {"Belarus"}
    assert verdicts[["p_seeking_membership", "p_partner_or_member"]].stack().between(0, 1).all()
    assert set(pd.read_csv(out / "fitted.csv").rule) == set(RULES)


def test_the_rule_that_generated_the_record_ranks_first(compared):
    """Out of sample, at the decision level, the hedging rule predicts a record it generated better
    than every other rule leaving one state out, and better than the logit under the time split.
    (The time split fits on the member answers of 2023 and scores the partner answers of 2024: there
    the landscape rule, which nothing is fitted for, can come out ahead of the fitted hedging rule.)"""
    _, out, _ = compared
    scores = pd.read_csv(out / "scores.csv")
    decision = scores[(scores.level == "decision") & scores.predictor.isin(list(RULES))]
    loso = decision[decision.split == "leave-one-state-out"]
    assert loso.sort_values("log_loss").predictor.iloc[0] == "hedging", loso
    time = decision[decision.split == "time"].set_index("predictor").log_loss
    assert time["hedging"] < time["logit"], time


def test_the_rules_share_the_bootstrap_resamples(compared):
    """The baselines' rows are those `validate --rule` writes for any rule: the resamples are the same."""
    _, out, record = compared
    scenario = sim.load_scenario(ROUND)
    scored, disputed, _ = v.read_observed(record, scenario)
    held_out = v.out_of_sample(scenario, scored, disputed, rule="hedging").scores
    scores = pd.read_csv(out / "scores.csv")
    for name in ("hedging", "base rate", "logistic regression"):
        mine = scores[scores.predictor == name][["log_loss", "log_loss_low95", "log_loss_high95"]].to_numpy()
        theirs = held_out[held_out.predictor == name][["log_loss", "log_loss_low95", "log_loss_high95"]].to_numpy()
        assert np.allclose(mine, theirs)


def test_compare_rules_refuses_to_overwrite_and_bad_rules(compared, small, capsys):
    _, out, record = compared
    before = (out / "scores.csv").read_bytes()
    assert main(["compare-rules", str(ROUND), "--observed", str(record), "--out", str(out), "--quiet"]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (out / "scores.csv").read_bytes() == before
    fresh = small / "never"
    with pytest.raises(SystemExit) as exit_:
        main(["compare-rules", str(ROUND), "--observed", str(record), "--out", str(fresh), "--rules", "logit,cascade"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--rules" in err and "'cascade'" in err and "Traceback" not in err
    assert not fresh.exists()


def test_a_bad_verdicts_file_names_the_file_and_the_key(small, capsys):
    bad = small / "bad_verdicts.yaml"
    bad.write_text(f"cases:\n  - {{label: X, scenario: {ROOT}/scenarios/eurasia_2024.yaml, state: Atlantis}}\n",
                   encoding="utf-8")
    record = small / "any.csv"
    record.write_text(HEADER + _invitations(sim.load_scenario(ROUND)), encoding="utf-8")
    assert main(["compare-rules", str(ROUND), "--observed", str(record), "--verdicts", str(bad),
                 "--out", str(small / "none"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "cases.0.state" in err and "Atlantis" in err
    assert not (small / "none").exists()


def _fitted(folder: Path, rule: str, name: str, **truth):
    scenario = sim.load_scenario(ROUND)
    record = synthetic_record(folder / f"{rule}_{name}.csv", rule, **truth)
    scored, _, _ = v.read_observed(record, scenario)
    y = np.array([o.observed for o in scored])
    return v.fit_rule(v.Predictor(scenario, scored, scored), y, scenario, rule, v.RIDGE, np.arange(len(y)))


def test_the_fitted_tremble_rises_with_the_noise_in_the_record(small):
    calm = _fitted(small, "hedging", "calm", closed_below=0.3, tremble=0.02)
    noisy = _fitted(small, "hedging", "noisy", closed_below=0.3, tremble=0.6)
    assert calm.tremble < 0.15 < noisy.tremble


def test_the_fitted_threshold_location_follows_the_record(small):
    """A record of states that cross low thresholds gives a lower fitted median threshold than one
    of states that need many aligned ties."""
    low = _fitted(small, "threshold", "low", location=0.1, tremble=0.02)
    high = _fitted(small, "threshold", "high", location=0.9, tremble=0.02)
    assert low.location < high.location


def test_the_logit_through_the_rules_signature_predicts_as_the_logit(small):
    scenario = sim.load_scenario(ROUND)
    scored, _, _ = v.read_observed(ROOT / "data" / "brics_decisions.csv", scenario)
    predictor = v.Predictor(scenario, scored, scored)
    weights = v.scenario_weights(scenario)
    assert np.allclose(predictor.predict_rule("logit", None, weights), predictor.predict(weights))


def test_validate_scores_the_rule_it_is_given(small, capsys):
    record = synthetic_record(small / "for_validate.csv", "hedging", closed_below=0.3, tremble=0.1)
    out = small / "validate"
    assert main(["validate", str(ROUND), "--observed", str(record), "--rule", "hedging", "--out", str(out)]) == 0
    scores = pd.read_csv(out / "scores.csv")
    assert list(dict.fromkeys(scores.predictor)) == ["hedging", "hedging, hand-set", "base rate",
                                                     "logistic regression"]
    assert "in sample, the hedging rule" in capsys.readouterr().out


def test_the_rule_comparison_figure_builds_from_a_figures_file(small, capsys):
    """figures/paper.yaml's kind `rule_comparison`, on a record of four states' answers; built
    again, it reuses the comparison kept with the sweeps and draws the same bytes."""
    scenario = sim.load_scenario(ROUND)
    few = [state for state in scenario.states][:4]
    record = small / "few.csv"
    record.write_text(HEADER + "".join(line for line in _invitations(scenario).splitlines(keepends=True)
                                       if line.split(",")[0] in few), encoding="utf-8")
    figures = small / "figures.yaml"
    figures.write_text(f"name: rules\nfigures:\n  - {{id: rules, kind: rule_comparison, scenario: {ROUND}, "
                       f"observed: {record}, replications: 1, formats: [png, svg]}}\n", encoding="utf-8")
    out, sweeps = small / "figures", small / "sweeps"
    assert main(["figures", str(figures), "--out", str(out), "--sweeps", str(sweeps)]) == 0
    assert "scoring the rules" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["rules.json", "rules.png", "rules.svg"]
    svg = (out / "rules.svg").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"{rule}" in svg
    assert "base rate" in svg and "logistic regression" in svg
    assert main(["figures", str(figures), "--out", str(small / "again"), "--sweeps", str(sweeps)]) == 0
    printed = capsys.readouterr().out
    assert "reused the rule comparison" in printed and "scoring the rules" not in printed
    assert (small / "again" / "rules.svg").read_bytes() == (out / "rules.svg").read_bytes()
    # Another record is another comparison: not reused.
    record.write_text(HEADER + "".join(line for line in _invitations(scenario).splitlines(keepends=True)
                                       if line.split(",")[0] in few[:3]), encoding="utf-8")
    assert main(["figures", str(figures), "--out", str(small / "other"), "--sweeps", str(sweeps)]) == 0
    assert "scoring the rules" in capsys.readouterr().out

