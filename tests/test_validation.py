"""Historical validation and calibration against the 2023-2025 BRICS decisions."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim
from sim.cli import main
from sim.validate import read_observed, validate

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


def test_validate_prints_model_and_baselines_over_twenty_states(tmp_path, capsys):
    assert main(["validate", str(ROUND), "--observed", str(OBSERVED), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for predictor in ("model", "base rate", "every invitee accepts"):
        assert predictor in out
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert set(scores.columns) >= {"predictor", "n", "accuracy", "log_loss", "brier"}
    predictions = pd.read_csv(tmp_path / "predictions.csv")
    assert predictions.state.nunique() >= 20
    assert predictions.p_model.between(0, 1).all()
    assert ((predictions.observed == 1) == (predictions.p_of_observed == predictions.p_model)).all()
    assert (tmp_path / "reliability.png").stat().st_size > 1000


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
    """Accepting an invitation costs no accession friction, so P(accept) exceeds P(apply)."""
    result = validate(sim.load_scenario(ROUND), OBSERVED).predictions.set_index(["state", "decision"])
    for state in ("Malaysia", "Thailand", "Bolivia"):
        assert result.loc[(state, "invitation"), "p_model"] > result.loc[(state, "application"), "p_model"]


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
    assert belarus.p_seeking_membership >= 0.8 and belarus.p_partner + belarus.p_member > 0.5
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
