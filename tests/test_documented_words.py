"""The words of the outputs, the help texts and the README mean what the code does."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.cli import main
from sim.inputs import compile_timeline
from sim.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def help_text(capsys, command: str) -> str:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_help_texts_say_what_the_commands_do(capsys):
    sensitivity = help_text(capsys, "sensitivity")
    assert "95% confidence" in sensitivity and "%%" not in sensitivity
    validate = help_text(capsys, "validate")
    for name in ("predictions.csv", "scores.csv", "disputed.csv", "skipped.csv", "reliability.png"):
        assert name in validate
    for command in ("run", "sweep", "figures", "validate", "calibrate", "export", "sensitivity"):
        assert "--overwrite" in help_text(capsys, command), command


def test_the_readme_run_table_lists_every_file_run_writes(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(SCENARIOS / "kazakhstan_multivector.yaml"), "--replications", "2", "--out", str(out),
                 "--quiet"]) == 0
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("`run` writes", 1)[1].split("\n\n")[1]
    listed = []
    for row in table.splitlines()[2:]:
        for name in re.findall(r"`([\w.]+)`", row.split("|")[1]):  # `timeline.png`, `.pdf` names timeline.pdf
            listed.append(listed[-1].rsplit(".", 1)[0] + name if name.startswith(".") else name)
    plain = {path.name for path in out.iterdir()}
    drawn = tmp_path / "drawn"  # with a posterior, run writes parameters.csv too
    assert main(["run", str(SCENARIOS / "kazakhstan_multivector.yaml"), "--replications", "2", "--out", str(drawn),
                 "--posterior", str(ROOT / "estimation" / "posterior"), "--quiet"]) == 0
    assert {path.name for path in drawn.iterdir()} - plain == {"parameters.csv"}
    assert set(listed) == plain | {"parameters.csv"}


def test_seeking_membership_means_the_same_in_timeseries_and_summary():
    """Held or applied for, in both; bloc.csv's applicants count pending applications only."""
    result = sim.run(sim.load_scenario(SCENARIOS / "belarus_semi_blockade.yaml"), seed=1, replications=40)
    series = result.timeseries
    last = series[series.date == series.date.max()].groupby("state").seeking_membership.mean()
    assert (series.status == "member").any()
    assert (series[series.status == "member"].seeking_membership).all()
    summary = result.summary.set_index("state").p_seeking_membership
    pd.testing.assert_series_equal(last, summary, check_names=False)
    pending = series[series.seeking_membership & (series.status != "member")].groupby(["replication", "date"]).size()
    applicants = result.bloc.set_index(["replication", "date"]).applicants
    assert (applicants.reindex(pending.index) == pending).all()
    assert applicants.sum() == pending.sum()


def test_a_one_state_scenario_fills_from_data_indicators_and_says_so(tmp_path, capsys):
    reference = pd.read_csv(ROOT / "data" / "indicators.csv", dtype=str)
    known = reference[(reference.indicator == "investment_west") & (reference.kind != "missing")]
    scenario = sim.load_scenario(SCENARIOS / "belarus_semi_blockade.yaml")
    assert scenario.states["Belarus"].indicators.investment_west.value is None and len(scenario.states) == 1
    mean_rule = sim.with_overrides(scenario, {"data.fill": "mean"})
    filled = {(s, k): (v, rule) for _, s, k, v, rule in compile_timeline(mean_rule).filled}
    value, rule = filled[("Belarus", "investment_west")]
    assert value == pytest.approx(known.value.astype(float).mean()) and value > 0
    assert rule.startswith("mean over the states of data/indicators.csv (sha256 ")

    # Multiple imputation, the default, draws from the same states' values, and says so too.
    rule = dict(((s, k), r) for _, s, k, _, r in compile_timeline(scenario).filled)[("Belarus", "investment_west")]
    assert rule.startswith("regional imputation from the states of data/indicators.csv (sha256 ")
    out = tmp_path / "out"
    assert main(["run", str(SCENARIOS / "belarus_semi_blockade.yaml"), "--replications", "2", "--out", str(out)]) == 0
    assert "data.fill: regional_imputation" in capsys.readouterr().out
    records = json.loads((out / "manifest.json").read_text())["filled_missing_values"]
    record = next(r for r in records if (r["state"], r["indicator"]) == ("Belarus", "investment_west"))
    assert record["rule"].startswith(rule) and 0.0 <= record["filled_with"] <= 1.0


@pytest.fixture(scope="module")
def small_sobol(tmp_path_factory) -> Path:
    """The bundled Sobol' sweep at 32 samples and 2 replications: 384 points (at 16 the estimate of
    the noise share is itself too noisy to tell 0.19 from the warning's 0.2)."""
    folder = tmp_path_factory.mktemp("sobol")
    spec = yaml.safe_load((ROOT / "sweeps" / "kazakhstan_sobol.yaml").read_text())
    spec.update(samples=32, base=str(SCENARIOS / "kazakhstan_sanctioned.yaml"))
    path = folder / "sobol.yaml"
    path.write_text(yaml.safe_dump(spec))
    run_sweep(path, folder / "out", executor="serial")
    return folder / "out"


def test_sensitivity_prints_its_indices_and_warns_about_a_noisy_yes_no(small_sobol, tmp_path, capsys):
    assert main(["sensitivity", str(small_sobol), "--output", "seeking_membership", "--out", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    table = pd.read_csv(tmp_path / "sensitivity_seeking_membership_Kazakhstan.csv")
    header, *rows = out.splitlines()[: len(table) + 1]
    assert header.split() == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    for line, row in zip(rows, table.itertuples()):
        # The printed figures are the file's to 3 decimals; the file holds them rounded to 6 significant
        # digits, so a figure on a rounding boundary may print one unit off the file's rounded again.
        name, *printed = line.split()
        assert name == row.parameter and all(len(text.split(".")[-1]) == 3 for text in printed)
        assert np.allclose([float(text) for text in printed], [getattr(row, c) for c in ("S1", "S1_conf", "ST", "ST_conf")],
                           rtol=0, atol=0.0005 + 1e-9)
    assert "warning: replication noise makes up" in err and "p_member_final" in err


def test_the_readme_sensitivity_example_is_quieter_than_the_yes_no(small_sobol):
    from sim.sweep.sensitivity import NOISY, noise_share

    assert noise_share(small_sobol, "seeking_membership") > NOISY
    assert noise_share(small_sobol, "p_member_final") < noise_share(small_sobol, "seeking_membership")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "alignsim sensitivity results/sweeps/kazakhstan_sobol --output p_member_final" in readme


def test_sensitivity_refuses_to_replace_its_files_without_overwrite(small_sobol, tmp_path, capsys):
    arguments = ["sensitivity", str(small_sobol), "--output", "p_member_final", "--out", str(tmp_path)]
    assert main(arguments) == 0
    csv = tmp_path / "sensitivity_p_member_final_Kazakhstan.csv"
    before = csv.read_bytes()
    csv.write_text("mine\n")
    assert main(arguments) == 2 and "--overwrite" in capsys.readouterr().err
    assert csv.read_text() == "mine\n"
    assert main([*arguments, "--overwrite"]) == 0 and csv.read_bytes() == before
