"""Parameter uncertainty carried into runs and explanations (issue 11 item 4): `run --posterior`,
summary intervals with parameter uncertainty, `explain --posterior`, and the estimated parameter
set as the default of the bundled scenarios, the hand-set one as a named alternative."""

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.decision import TERMS
from sim.explain import explain, shares
from sim.parameters import (ESTIMATED, HAND_SET, PARAMETERS, RATES, REVIEW_RATE, SUMMIT_MULTIPLIER, interval, preset,
                            scenario_rate, scenario_review_rate, scenario_weights)
from sim.run import _wilson

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BELARUS = SCENARIOS / "belarus_semi_blockade.yaml"
KAZAKHSTAN = SCENARIOS / "kazakhstan_multivector.yaml"
EURASIA = SCENARIOS / "eurasia_2024.yaml"
HAND_SET_VALUES = {"sanction_relief": 2.0, "western_exposure": 2.0, "western_threat": 5.0, "patron_pressure": 1.0,
                   "refusal_retaliation": 1.0, "diversification": 1.0, "autonomy": 1.0, "bloc_benefits": 1.0,
                   "accession_friction": 1.0, "substitutes": 1.0, "peer_influence": 1.0, "switching_cost": 0.5}
"""The weights of the scenarios before issue 11 (the schema's defaults then), written out."""
POST = [f"p_{name}_post_{end}95" for name in ("outside", "partner", "member", "seeking", "ever_applied",
                                               "declined_invitation") for end in ("low", "high")]


def write_draws(folder: Path, rows: list[dict[str, float]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame([{**HAND_SET_VALUES, **RATES, **row} for row in rows])
    table.insert(0, "walker", np.arange(len(table)))
    table.insert(1, "draw", 0)
    table.to_parquet(folder / "draws.parquet", index=False)
    return folder


@cache
def hand_set(path: Path) -> sim.Scenario:
    return sim.with_overrides(sim.load_scenario(path), {"decision.parameters": "hand_set"})


# --- the default parameter set ----------------------------------------------------------------------


def test_bundled_scenarios_run_on_the_posterior_median_of_the_committed_draws():
    draws = pd.read_parquet(ESTIMATED / "draws.parquet")
    median = np.array([np.median(draws[term]) for term in TERMS])
    rates = {name: np.median(draws[name]) for name in RATES}
    for path in sorted(SCENARIOS.glob("*.yaml")):
        scenario = sim.load_scenario(path)
        if scenario.name.endswith("_calibrated"):  # sets its own, calibrated, weights
            continue
        assert scenario.decision.parameters == "estimated", path.name
        assert np.array_equal(scenario_weights(scenario), median), path.name
        assert {name: scenario_rate(scenario, name) for name in RATES} == rates, path.name
        step_years = scenario.calendar.step_months / 12
        timeline = sim.inputs.compile_timeline(scenario)
        assert timeline.review_probability == -np.expm1(-rates[REVIEW_RATE] * step_years)
        assert timeline.summit_multiplier == rates[SUMMIT_MULTIPLIER]
    assert not np.array_equal(median, np.array([HAND_SET_VALUES[t] for t in TERMS]))
    assert (draws[list(RATES)].nunique() > 100).all()  # sampled, not held at assumed values


def test_the_hand_set_alternative_reproduces_the_old_weights():
    assert preset("hand_set") == HAND_SET == HAND_SET_VALUES
    assert np.array_equal(scenario_weights(hand_set(BELARUS)), [HAND_SET_VALUES[t] for t in TERMS])
    timeline = sim.inputs.compile_timeline(hand_set(BELARUS))
    assert np.array_equal(timeline.epochs[0].weights, [HAND_SET_VALUES[t] for t in TERMS])
    # A review a year and no summit effect, as assumed before they were estimated.
    assert {name: scenario_rate(hand_set(BELARUS), name) for name in RATES} == {REVIEW_RATE: 1.0, SUMMIT_MULTIPLIER: 1.0}
    assert timeline.summit_multiplier == 1.0


def test_a_weight_the_scenario_writes_overrides_its_preset():
    for parameters in ("estimated", "hand_set"):
        scenario = sim.with_overrides(sim.load_scenario(BELARUS), {"decision.parameters": parameters,
                                                                   "decision.weights.bloc_benefits": 7.5,
                                                                   "decision.switching_cost": 0.25,
                                                                   "decision.review_rate_per_year": 4.0,
                                                                   "decision.summit_review_multiplier": 3.0})
        weights = dict(zip(TERMS, scenario_weights(scenario)))
        assert weights["bloc_benefits"] == 7.5 and weights["switching_cost"] == 0.25
        assert scenario_review_rate(scenario) == 4.0 and scenario_rate(scenario, SUMMIT_MULTIPLIER) == 3.0
        assert weights["accession_friction"] == preset(parameters)["accession_friction"]


def test_the_committed_posterior_converged():
    summary = pd.read_csv(ESTIMATED / "summary.csv")
    assert len(summary) >= 5
    assert (summary.r_hat < 1.01).all(), summary[["weight", "r_hat"]]
    assert (summary.ess_bulk > 400).all()


def test_a_bad_preset_name_is_refused_with_its_key(tmp_path, capsys):
    assert main(["check", str(BELARUS), "--set", "decision.parameters=guessed"]) == 2
    err = capsys.readouterr().err
    assert "decision.parameters" in err and "estimated" in err and "hand_set" in err


# --- run --posterior --------------------------------------------------------------------------------


def test_a_posterior_run_is_the_same_bytes_twice_and_records_each_replications_draw(tmp_path):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert main(["run", str(BELARUS), "--replications", "12", "--seed", "3", "--posterior", str(ESTIMATED),
                     "--draws", "4", "--out", str(out), "--quiet"]) == 0
    for name in ("summary.csv", "timeseries.csv", "events.csv", "bloc.csv", "parameters.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    parameters = pd.read_csv(outs[0] / "parameters.csv")
    assert list(parameters.replication) == list(range(12))
    assert parameters.draw_row.nunique() == 4
    assert (parameters.groupby("draw_row").size() == 3).all()
    draws = pd.read_parquet(ESTIMATED / "draws.parquet")
    for row in parameters.itertuples():
        names = list(PARAMETERS)
        assert np.allclose([getattr(row, t) for t in names], draws.loc[row.draw_row, names].to_numpy())
    summary = pd.read_csv(outs[0] / "summary.csv")
    assert set(POST) <= set(summary.columns) and (summary.parameter_sets == 4).all()


def test_another_seed_picks_other_draws(tmp_path):
    rows = {}
    for seed in (3, 4):
        result = sim.run(sim.load_scenario(BELARUS), seed=seed, replications=8, posterior=ESTIMATED, draws=4)
        rows[seed] = set(result.posterior.rows)
    assert rows[3] != rows[4]


def test_one_repeated_draw_gives_the_run_without_a_posterior_and_sampling_only_intervals(tmp_path):
    """A posterior whose every draw is the hand-set weights: the same run as the hand-set scenario
    without a posterior, and intervals with parameter uncertainty equal to the sampling-only ones."""
    folder = write_draws(tmp_path / "one", [{}] * 5)
    scenario = hand_set(BELARUS)
    plain = sim.run(scenario, seed=2, replications=30)
    drawn = sim.run(scenario, seed=2, replications=30, posterior=folder, draws=5)
    pd.testing.assert_frame_equal(plain.timeseries, drawn.timeseries)
    pd.testing.assert_frame_equal(plain.summary, drawn.summary[plain.summary.columns])
    row = drawn.summary.iloc[0]
    assert row.parameter_sets == 1
    assert (row.p_seeking_post_low95, row.p_seeking_post_high95) == (row.p_seeking_low95, row.p_seeking_high95)
    for name in ("outside", "partner", "member", "ever_applied", "declined_invitation"):
        low, high = _wilson(np.array([row[f"p_{name}"] * 30]), 30)
        assert np.isclose(row[f"p_{name}_post_low95"], low[0]) and np.isclose(row[f"p_{name}_post_high95"], high[0])


@pytest.mark.parametrize("name,value", [(REVIEW_RATE, 0.1), (SUMMIT_MULTIPLIER, 12.0)])
def test_a_draws_rates_reach_the_run(tmp_path, name, value):
    """The rates are parameters of the draw: a posterior of one repeated draw with a rare review
    (or a summit's window of frequent ones) gives the run of the scenario with that value written,
    not the run with its own."""
    scenario = hand_set(KAZAKHSTAN)
    folder = write_draws(tmp_path / "drawn", [{name: value}] * 2)
    drawn = sim.run(scenario, seed=2, replications=20, posterior=folder, draws=2)
    written = sim.run(sim.with_overrides(scenario, {f"decision.{name}": value}), seed=2, replications=20)
    own = sim.run(scenario, seed=2, replications=20)
    pd.testing.assert_frame_equal(drawn.timeseries, written.timeseries)
    assert not drawn.timeseries.equals(own.timeseries)


def test_parameter_uncertainty_widens_the_intervals(tmp_path):
    """Two draws far apart (Kazakhstan with and without a large pull of the bloc's benefits): the
    intervals with parameter uncertainty contain and exceed the sampling-only one."""
    folder = write_draws(tmp_path / "two", [{"bloc_benefits": 0.0}, {"bloc_benefits": 30.0}])
    row = sim.run(hand_set(KAZAKHSTAN), seed=1, replications=40, posterior=folder, draws=2).summary.iloc[0]
    assert row.parameter_sets == 2
    assert row.p_seeking_post_low95 < row.p_seeking_low95 and row.p_seeking_post_high95 > row.p_seeking_high95


def test_the_summary_intervals_are_those_of_each_replications_outcome_grouped_by_draw():
    """The tally's intervals, kept as counts chunk by chunk, equal `interval` over each replication's
    own outcome (ever applied, declined an invitation, ending a member) grouped by its draw."""
    result = sim.run(sim.load_scenario(EURASIA), seed=3, replications=24, posterior=ESTIMATED, draws=6)
    series = result.timeseries
    per_replication = {
        "ever_applied": series.groupby(["replication", "state"]).seeking_membership.any(),
        "declined_invitation": series.groupby(["replication", "state"]).declined.any(),
        "member": series[series.step == series.step.max()].set_index(["replication", "state"]).status == "member",
    }
    summary = result.summary.set_index("state")
    for name, outcome in per_replication.items():
        table = outcome.unstack("state")[list(summary.index)].astype(int)
        low, high = interval(table.to_numpy(), result.posterior.groups[table.index.to_numpy()])
        assert np.allclose(summary[f"p_{name}_post_low95"], low) and np.allclose(summary[f"p_{name}_post_high95"], high)


def test_the_interval_is_wilsons_with_one_group_and_wider_with_groups_apart():
    outcomes = np.array([1, 0, 1, 1, 0, 1, 0, 0, 1, 1] * 4, dtype=float)[:, None]
    low, high = interval(outcomes, np.zeros(40, dtype=int))
    assert (low, high) == tuple(_wilson(outcomes.sum(axis=0), 40))
    apart = np.r_[np.ones(20), np.zeros(20)][:, None]
    groups = np.r_[np.zeros(20, dtype=int), np.ones(20, dtype=int)]
    low_apart, high_apart = interval(apart, groups)
    sampling_low, sampling_high = _wilson(apart.sum(axis=0), 40)
    assert low_apart[0] < sampling_low[0] and high_apart[0] > sampling_high[0]
    mixed = np.tile([1.0, 0.0], 20)[:, None]  # both groups alike: no parameter variance found
    assert interval(mixed, groups) == tuple(_wilson(mixed.sum(axis=0), 40))


def damaged(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Bad posterior folders, each with what the message must name."""
    cases = {"missing folder": (tmp_path / "nowhere", "nowhere")}
    empty = tmp_path / "empty"
    empty.mkdir()
    cases["no draws file"] = (empty, "draws.parquet")
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "draws.parquet").write_bytes(b"not parquet at all")
    cases["not parquet"] = (garbage, "draws.parquet")
    column = write_draws(tmp_path / "column", [{}])
    pd.read_parquet(column / "draws.parquet").drop(columns="autonomy").to_parquet(column / "draws.parquet")
    cases["missing column"] = (column, "autonomy")
    older = write_draws(tmp_path / "older", [{}])  # written before the review rate was sampled
    pd.read_parquet(older / "draws.parquet").drop(columns=REVIEW_RATE).to_parquet(older / "draws.parquet")
    cases["no review rate"] = (older, "review_rate_per_year: column missing; a posterior written before")
    cases["negative rate"] = (write_draws(tmp_path / "rate", [{REVIEW_RATE: -0.5}]), REVIEW_RATE)
    older = write_draws(tmp_path / "before_summits", [{}])  # written before the summit multiplier was sampled
    pd.read_parquet(older / "draws.parquet").drop(columns=SUMMIT_MULTIPLIER).to_parquet(older / "draws.parquet")
    cases["no summit multiplier"] = (older, "summit_review_multiplier: column missing; a posterior written before")
    cases["summit multiplier below 1"] = (write_draws(tmp_path / "below", [{SUMMIT_MULTIPLIER: 0.5}]),
                                          "summit_review_multiplier: every draw must be a number from 1 to 100")
    cases["negative weight"] = (write_draws(tmp_path / "negative", [{"substitutes": -1.0}]), "substitutes")
    cases["nan weight"] = (write_draws(tmp_path / "nan", [{"bloc_benefits": float("nan")}]), "bloc_benefits")
    return cases


@pytest.mark.parametrize("case", ["missing folder", "no draws file", "not parquet", "missing column",
                                  "no review rate", "negative rate", "no summit multiplier",
                                  "summit multiplier below 1", "negative weight", "nan weight"])
def test_a_bad_posterior_folder_exits_2_naming_it_and_writes_nothing(tmp_path, capsys, case):
    folder, named = damaged(tmp_path)[case]
    out = tmp_path / "out"
    assert main(["run", str(BELARUS), "--replications", "4", "--posterior", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and named in err and "Traceback" not in err
    assert not out.exists()
    assert main(["explain", str(BELARUS), "--date", "2024-10", "--posterior", str(folder)]) == 2
    assert named in capsys.readouterr().err


@pytest.mark.parametrize("arguments,message", [
    (["--draws", "3"], "needs --posterior"),
    (["--posterior", "POSTERIOR", "--draws", "3"], "two replications per draw"),
])
def test_bad_draws_exit_2(tmp_path, capsys, arguments, message):
    arguments = [str(ESTIMATED) if a == "POSTERIOR" else a for a in arguments]
    out = tmp_path / "out"
    assert main(["run", str(BELARUS), "--replications", "4", *arguments, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_more_draws_than_the_file_holds_exits_2(tmp_path, capsys):
    folder = write_draws(tmp_path / "few", [{}, {"autonomy": 2.0}])
    assert main(["run", str(BELARUS), "--replications", "10", "--posterior", str(folder), "--draws", "3",
                 "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "--draws" in err and "2 draws" in err


# --- explain --posterior ----------------------------------------------------------------------------


def test_explain_with_a_posterior_gives_each_mechanisms_share_with_an_interval():
    table = shares(explain(sim.load_scenario(BELARUS), "2024-10", seed=1, posterior=ESTIMATED, draws=8))
    belarus = table[table.state == "Belarus"].set_index("term")
    assert (belarus.draws == 8).all()
    assert np.isclose(belarus.share.abs().sum(), 1.0, atol=0.2)  # medians of shares summing to 1 in absolute value
    assert (belarus.share_low90 <= belarus.share).all() and (belarus.share <= belarus.share_high90).all()
    moved = belarus.loc[["sanction_relief", "bloc_benefits"]]
    assert (moved.share_high90 > moved.share_low90).all()
    assert belarus.loc["sanction_relief", "share_low90"] > 0 and belarus.loc["bloc_benefits", "share_low90"] > 0


def test_explain_under_one_repeated_draw_is_the_explanation_without_a_posterior(tmp_path):
    folder = write_draws(tmp_path / "one", [{}] * 3)
    scenario = hand_set(BELARUS)
    plain = shares(explain(scenario, "2024-10", seed=1))
    drawn = shares(explain(scenario, "2024-10", seed=1, posterior=folder, draws=3))
    pd.testing.assert_series_equal(plain.share, drawn.share)
    assert (drawn.share_low90 == drawn.share).all() and (drawn.share_high90 == drawn.share).all()


def test_explain_command_prints_shares_with_posterior_intervals(capsys):
    assert main(["explain", str(SCENARIOS / "eurasia_2024.yaml"), "--date", "2024-10", "--state", "Belarus",
                 "--seed", "1", "--posterior", str(ESTIMATED), "--draws", "6"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Belarus, 2024-10: ") and "sanction relief +" in lines[0]
    assert "[" in lines[0] and "6 posterior draws" in lines[-1]
    assert main(["explain", str(BELARUS), "--date", "2024-10", "--state", "Minsk"]) == 2
    assert "'Minsk' is not a state" in capsys.readouterr().err


def test_the_why_chart_with_a_posterior_shows_shares_with_intervals(tmp_path):
    figures = tmp_path / "figures.yaml"
    figures.write_text(f"""name: t
formats: [png]
figures:
  - {{id: why, kind: why, scenario: {SCENARIOS}/eurasia_2024.yaml, states: [Belarus], date: 2024-10, seed: 1,
     posterior: {ESTIMATED}, draws: 5}}
""", encoding="utf-8")
    for out in (tmp_path / "a", tmp_path / "b"):
        assert main(["figures", str(figures), "--out", str(out), "--quiet"]) == 0
    assert (tmp_path / "a" / "why.png").read_bytes() == (tmp_path / "b" / "why.png").read_bytes()
    provenance = json.loads((tmp_path / "a" / "why.json").read_text(encoding="utf-8"))
    assert provenance["draws"] == 5 and provenance["posterior"] == str(ESTIMATED)


def test_the_library_refuses_draws_without_a_posterior():
    with pytest.raises(ValueError, match="draws needs a posterior"):
        sim.run(sim.load_scenario(BELARUS), seed=1, replications=4, draws=2)
