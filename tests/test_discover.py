"""Scenario discovery: `alignsim discover` (PRIM, the EMA Workbench's) on a small sweep writes and
prints a box, deterministically; bad inputs exit 2; the EMA route (`sim.ema.model`) gives the
same outcome table as our sweep for the same sample."""

from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.sweep import read_results, run_sweep
from sim.sweep.discover import discover
from sim.sweep.store import Store

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "kazakhstan_multivector.yaml"
SANCTIONS = "states.Kazakhstan.indicators.sanctions"
BLOCKADE = "states.Kazakhstan.indicators.blockade"
HAND_SET = "set: {decision.parameters: hand_set}"
"""The sweeps below run on the hand-set weights, under which sanctions drive Kazakhstan's choice
strongly enough for a small sweep's box to restrict them (under the estimated set they do less)."""


def _sweep_file(folder: Path, samples: int, replications: int, seed: int = 1, setting: str = HAND_SET) -> Path:
    path = folder / "lhs.yaml"
    path.write_text(f"""
name: small_lhs
base: {BASE}
{setting}
parameters:
  {SANCTIONS}: {{range: [0.0, 1.0]}}
  {BLOCKADE}: {{range: [0.0, 1.0]}}
  states.Kazakhstan.indicators.western_engagement: {{range: [0.0, 1.0]}}
design: lhs
samples: {samples}
replications: {replications}
seed: {seed}
states: [Kazakhstan]
outputs: [final_status, seeking_membership, first_application, p_member_final]
""", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("discover")
    run_sweep(_sweep_file(folder, 100, 2), folder / "lhs", executor="serial")
    return folder / "lhs"


def test_discover_prints_and_writes_a_box(sweep, tmp_path, capsys):
    assert main(["discover", str(sweep), "--output", "p_member_final", "--top", "0.3", "--min-density", "0.5",
                 "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Kazakhstan: p_member_final in the top 30% of points") and "(density)" in out
    stem = "discover_p_member_final_Kazakhstan"
    trajectory = pd.read_csv(tmp_path / f"{stem}_trajectory.csv")
    box = pd.read_csv(tmp_path / f"{stem}_box.csv")
    chosen = trajectory[trajectory.chosen]
    assert len(chosen) == 1 and chosen.density.iloc[0] >= 0.5
    # The highest coverage among the boxes dense enough; the trajectory starts from all points.
    eligible = trajectory[(trajectory.density >= 0.5) & (trajectory.res_dim > 0)]
    assert chosen.coverage.iloc[0] == eligible.coverage.max()
    assert trajectory.coverage.iloc[0] == 1.0 and trajectory.mass.iloc[0] == 1.0
    # Sanctions drive the choice (the comparative statics): the box restricts them from below.
    row = box.set_index("parameter").loc[SANCTIONS]
    assert row.lower > row.minimum and row.qp_lower < 0.05
    for name in (f"{stem}_trajectory.png", f"{stem}_box.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")


def test_the_same_sweep_gives_the_same_box_and_bytes(sweep, tmp_path, capfd):
    for target in ("A", "B"):
        assert main(["discover", str(sweep), "--output", "p_member_final", "--top", "0.3", "--min-density", "0.5",
                     "--out", str(tmp_path / target)]) == 0
    out, err = capfd.readouterr()
    first, second = (part.split("wrote")[0] for part in out.split("Kazakhstan: ")[1:])
    assert first == second and "when states.Kazakhstan.indicators.sanctions >=" in first
    assert err == ""  # nothing from the EMA Workbench's logging or warnings
    files = sorted(p.name for p in (tmp_path / "A").iterdir())
    assert len(files) == 4
    for name in files:
        assert (tmp_path / "A" / name).read_bytes() == (tmp_path / "B" / name).read_bytes(), name


def test_existing_output_is_replaced_only_with_overwrite(sweep, tmp_path, capsys):
    """The one overwrite rule of every command (README): refused with exit 2, files untouched."""
    args = ["discover", str(sweep), "--output", "p_member_final", "--top", "0.3", "--min-density", "0.5",
            "--out", str(tmp_path)]
    assert main(args) == 0
    box = tmp_path / "discover_p_member_final_Kazakhstan_box.csv"
    box.write_text("someone's box\n", encoding="utf-8")
    capsys.readouterr()
    assert main(args) == 2
    assert "--overwrite" in capsys.readouterr().err and box.read_text(encoding="utf-8") == "someone's box\n"
    assert main([*args, "--overwrite"]) == 0
    assert box.read_text(encoding="utf-8").startswith("parameter")


def test_the_library_prints_nothing(sweep, capfd):
    found = discover(sweep, "p_member_final", top=0.3, min_density=0.5)
    assert capfd.readouterr() == ("", "")
    assert found.cases == 30 and found.points == 100
    assert 0 < found.coverage < 1 and found.density >= 0.5


@pytest.mark.parametrize("args,message", [
    (["--output", "p_member_final", "--threshold", "2"], "PRIM needs at least 10"),
    (["--output", "p_member_final", "--top", "0.3", "--min-density", "1"], "no box reaches a density of 1"),
    (["--output", "p_member_final", "--threshold", "-1"], "every point is a case of interest"),
    (["--output", "nonsense", "--top", "0.3"], "'nonsense' is not a numeric output this sweep kept"),
    (["--output", "first_application", "--top", "0.3"], "not a numeric output"),
    (["--output", "p_member_final", "--top", "0.3", "--state", "Narnia"], "no state 'Narnia'"),
    (["--output", "p_member_final"], "give exactly one: a threshold X"),
    (["--output", "p_member_final", "--top", "1.5"], "--top: must be a share between 0 and 1"),
    (["--output", "p_member_final", "--top", "0.3", "--min-density", "0"], "--min-density: must be in (0, 1]"),
])
def test_bad_inputs_exit_2_with_a_message(sweep, tmp_path, capsys, args, message):
    assert main(["discover", str(sweep), *args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_threshold_and_top_together_are_refused(sweep, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["discover", str(sweep), "--output", "p_member_final", "--threshold", "0.5", "--top", "0.3"])
    assert exit.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_an_incomplete_sweep_is_refused(sweep, tmp_path, capsys):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(sweep, copy)
    sorted((copy / "parts").glob("results-*.parquet"))[0].unlink()
    assert main(["discover", str(copy), "--output", "p_member_final", "--top", "0.3"]) == 2
    err = capsys.readouterr().err
    assert "the sweep is incomplete" in err and "--resume" in err


def test_the_ema_route_gives_our_outcome_table(tmp_path):
    from ema_workbench import Scenario, SequentialEvaluator, perform_experiments

    import sim.ema

    run_sweep(_sweep_file(tmp_path, 4, 3, seed=5, setting=""), tmp_path / "ours", executor="serial")  # BASE as is
    ours = read_results(tmp_path / "ours").drop(columns="first_application")
    points = Store.open(tmp_path / "ours").points()
    names = [c for c in points.columns if c != "point"]
    model = sim.ema.model(BASE, {name: (0.0, 1.0) for name in names},
                          ["final_status", "seeking_membership", "p_member_final"], state="Kazakhstan",
                          replications=3, seed=5)
    scenarios = [Scenario(int(row["point"]), **{n: float(row[n]) for n in names}) for _, row in points.iterrows()]
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=scenarios)
    theirs = sim.ema.outcome_table(experiments, outcomes, "Kazakhstan")
    assert len(ours) == 4 * 3
    pd.testing.assert_frame_equal(ours, theirs[list(ours.columns)])
    # Not a coincidence of constant outputs: the seeds and the points matter.
    assert ours.p_member_final.nunique() > 2


def test_the_ema_model_refuses_unknown_outcomes_and_states():
    import sim.ema
    from sim.scenario import InputError

    with pytest.raises(InputError, match="choose outputs among"):
        sim.ema.model(BASE, {SANCTIONS: (0.0, 1.0)}, ["happiness"])
    with pytest.raises(InputError, match="no state 'Narnia'"):
        sim.ema.model(BASE, {SANCTIONS: (0.0, 1.0)}, ["p_member_final"], state="Narnia")


@pytest.mark.parametrize("design", [
    "design: grid\nparameters:\n  {s}: {{range: [0.0, 1.0], steps: 6}}\n  {b}: {{range: [0.0, 1.0], steps: 5}}",
    "design: sobol\nsamples: 8\nparameters:\n  {s}: {{range: [0.0, 1.0]}}\n  {b}: {{range: [0.0, 1.0]}}",
], ids=["grid", "sobol"])
def test_grid_and_sobol_sweeps_too(tmp_path, capsys, design):
    path = tmp_path / "sweep.yaml"
    path.write_text(f"name: other\nbase: {BASE}\n{HAND_SET}\n{design.format(s=SANCTIONS, b=BLOCKADE)}\nreplications: 2\nseed: 1\n"
                    "states: [Kazakhstan]\noutputs: [p_member_final]\n", encoding="utf-8")
    run_sweep(path, tmp_path / "out", executor="serial")
    assert main(["discover", str(tmp_path / "out"), "--output", "p_member_final", "--top", "0.4",
                 "--min-density", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "when states.Kazakhstan.indicators." in out  # a box, not the whole space
    assert (tmp_path / "out" / "discover_p_member_final_Kazakhstan_box.csv").is_file()
