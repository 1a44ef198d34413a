"""End-to-end tests of the command line: `alignsim check` and `alignsim run`.

Most tests call `sim.cli.main([...])` in-process; `--help` is also run as `python -m sim` in a
subprocess. Exit codes (sim/cli.py): 0 success, 2 bad input, 1 unexpected failure.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.decision import OPTIONS, TERMS
from sim.model import MODEL_VERSION
from sim.run import EVENT_COLUMNS
from sim.scenario import validate

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
RUNNABLE = sorted(SCENARIOS.glob("*.yaml"))
KAZAKHSTAN = SCENARIOS / "kazakhstan_multivector.yaml"
KAZAKHSTAN_FILES = [KAZAKHSTAN, SCENARIOS / "base" / "brics_world.yaml", SCENARIOS / "states" / "kazakhstan.yaml"]
OUTPUTS = ("timeseries.csv", "bloc.csv", "summary.csv", "events.csv", "manifest.json", "timeline.png", "timeline.pdf",
           "timeline.svg")
REPLICATIONS, SEED, MONTHS = 5, 3, 60  # the calendar runs 2022-01 to 2026-12


def run_cli(*args: str) -> int:
    return main(["run", *args])


def kazakhstan_run(out: Path, *extra: str) -> int:
    return run_cli(str(KAZAKHSTAN), "--replications", str(REPLICATIONS), "--seed", str(SEED),
                   "--out", str(out), *extra)


def read_bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in OUTPUTS}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """One run of the Kazakhstan scenario, 5 replications, seed 3, shared by read-only tests."""
    out = tmp_path_factory.mktemp("kz") / "out"
    assert kazakhstan_run(out, "--quiet") == 0
    return out


# --- check -----------------------------------------------------------------------------------


def test_there_are_runnable_scenarios():
    assert len(RUNNABLE) >= 5
    assert KAZAKHSTAN in RUNNABLE


@pytest.mark.parametrize("scenario", RUNNABLE, ids=[p.stem for p in RUNNABLE])
def test_check_accepts_every_bundled_scenario(scenario, capsys):
    code = main(["check", str(scenario)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"{scenario}: OK" in out
    assert err == ""


@pytest.mark.parametrize("scenario", RUNNABLE, ids=[p.stem for p in RUNNABLE])
def test_run_runs_every_bundled_scenario(scenario, tmp_path):
    out = tmp_path / "out"
    assert run_cli(str(scenario), "--replications", "2", "--seed", "1", "--out", str(out), "--quiet") == 0
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == len(sim.load_scenario(scenario).states) and (summary.replications == 2).all()
    assert json.loads((out / "manifest.json").read_text())["model_version"] == MODEL_VERSION


def test_check_accepts_all_bundled_scenarios_at_once(capsys):
    code = main(["check", *map(str, RUNNABLE)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.count(": OK") == len(RUNNABLE)


# --- run: the outputs ------------------------------------------------------------------------


def test_run_writes_its_outputs_and_nothing_else(run_dir):
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(OUTPUTS)
    # No staging or backup folders left beside the output folder.
    assert [p.name for p in run_dir.parent.iterdir()] == [run_dir.name]


def test_run_prints_a_summary(tmp_path, capsys):
    assert kazakhstan_run(tmp_path / "out") == 0
    out, err = capsys.readouterr()
    assert "kazakhstan_multivector: 5 replications, seed 3" in out
    assert "Kazakhstan" in out
    assert "wrote" in out and "manifest.json" in out


def test_timeseries_has_the_documented_columns_and_rows(run_dir):
    table = pd.read_csv(run_dir / "timeseries.csv")
    documented = ["replication", "seed", "step", "date", "state", "status", "seeking_membership",
                  "p_outside", "p_partner", "p_member"]
    assert set(documented) <= set(table.columns), sorted(set(documented) - set(table.columns))
    utility = sorted(c for c in table.columns if c.startswith("u_"))
    assert utility == sorted(f"u_{term}" for term in TERMS)

    assert len(table) == REPLICATIONS * MONTHS
    assert set(table["state"]) == {"Kazakhstan"}
    assert sorted(table["replication"].unique()) == list(range(REPLICATIONS))
    assert set(table["seed"]) == {SEED}
    assert sorted(table["step"].unique()) == list(range(1, MONTHS + 1))
    assert table["date"].iloc[0] == "2022-01" and table["date"].iloc[MONTHS - 1] == "2026-12"
    assert set(table["status"]) <= set(OPTIONS)
    assert table["seeking_membership"].dtype == bool
    probabilities = table[["p_outside", "p_partner", "p_member"]]
    assert ((probabilities >= 0) & (probabilities <= 1)).all().all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-8)
    assert table.notna()[documented + utility].all().all()


def test_bloc_table(run_dir):
    table = pd.read_csv(run_dir / "bloc.csv")
    assert {"replication", "step", "date", "members", "partners", "applicants"} <= set(table.columns)
    assert len(table) == REPLICATIONS * MONTHS
    assert (table["members"] >= 5).all()  # the five founders are members throughout


def test_summary_table(run_dir):
    table = pd.read_csv(run_dir / "summary.csv")
    assert {"state", "p_outside", "p_partner", "p_member", "p_seeking_membership"} <= set(table.columns)
    assert list(table["state"]) == ["Kazakhstan"]
    row = table.iloc[0]
    assert row["p_outside"] + row["p_partner"] + row["p_member"] == pytest.approx(1.0)
    for column in ("p_outside", "p_partner", "p_member", "p_seeking_membership"):
        assert 0.0 <= row[column] <= 1.0
    # A member is counted as seeking (or holding) membership.
    assert row["p_seeking_membership"] >= row["p_member"] - 1e-12
    # Shares of 5 replications are multiples of 1/5.
    for column in ("p_outside", "p_partner", "p_member"):
        assert row[column] * REPLICATIONS == pytest.approx(round(row[column] * REPLICATIONS))


def test_summary_agrees_with_the_final_month_of_the_timeseries(run_dir):
    timeseries = pd.read_csv(run_dir / "timeseries.csv")
    summary = pd.read_csv(run_dir / "summary.csv").set_index("state")
    final = timeseries[timeseries["step"] == MONTHS]
    for option in OPTIONS:
        assert summary.loc["Kazakhstan", f"p_{option}"] == pytest.approx((final["status"] == option).mean())


def test_manifest(run_dir):
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == SEED
    assert manifest["replications"] == REPLICATIONS
    assert manifest["scenario"] == "kazakhstan_multivector"
    assert manifest["model_version"] == MODEL_VERSION
    assert tuple(pd.read_csv(run_dir / "events.csv").columns) == EVENT_COLUMNS

    files = {Path(entry["path"]).resolve(): entry["sha256"] for entry in manifest["scenario_files"]}
    assert set(files) == {p.resolve() for p in KAZAKHSTAN_FILES}
    for path, digest in files.items():
        assert digest == hashlib.sha256(path.read_bytes()).hexdigest(), path

    assert isinstance(manifest["command_line"], list) and manifest["command_line"][0] == "alignsim"
    for package in ("python", "alignsim", "mesa", "numpy"):
        assert manifest["versions"].get(package) not in (None, "", "not installed"), package
    assert manifest["versions"]["python"] == ".".join(map(str, sys.version_info[:3]))

    resolved = manifest["resolved_scenario"]
    assert resolved["name"] == "kazakhstan_multivector"
    assert "Kazakhstan" in resolved["states"]
    assert validate(resolved).name == "kazakhstan_multivector"  # the resolved scenario is runnable

    for name, digest in manifest["outputs"].items():
        assert digest == hashlib.sha256((run_dir / name).read_bytes()).hexdigest(), name


def test_manifest_command_line_records_the_arguments_given(run_dir):
    """main(argv) records argv, not the arguments of whatever process called it."""
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command_line"] == [
        "alignsim", "run", str(KAZAKHSTAN), "--replications", str(REPLICATIONS), "--seed", str(SEED),
        "--out", str(run_dir), "--quiet",
    ]


def test_same_seed_gives_identical_tables(run_dir, tmp_path):
    assert kazakhstan_run(tmp_path / "again", "--quiet") == 0
    for name in ("timeseries.csv", "bloc.csv", "summary.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (run_dir / name).read_bytes(), name


# --- run: never over someone's results -------------------------------------------------------


def test_run_into_a_non_empty_folder_exits_2_and_changes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert kazakhstan_run(out, "--quiet") == 0
    before = read_bytes(out)
    capsys.readouterr()

    code = run_cli(str(KAZAKHSTAN), "--replications", "2", "--seed", "9", "--out", str(out))
    _, err = capsys.readouterr()
    assert code == 2
    assert "--overwrite" in err and str(out) in err
    assert "Traceback" not in err
    assert read_bytes(out) == before
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)


def test_run_into_a_folder_with_a_foreign_file_exits_2(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert kazakhstan_run(out, "--quiet") == 2
    assert (out / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_run_into_an_empty_existing_folder_works(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert kazakhstan_run(out, "--quiet") == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)


def test_overwrite_replaces_the_outputs(tmp_path):
    out = tmp_path / "out"
    assert kazakhstan_run(out, "--quiet") == 0
    before = read_bytes(out)
    code = run_cli(str(KAZAKHSTAN), "--replications", "2", "--seed", "9", "--out", str(out), "--overwrite", "--quiet")
    assert code == 0
    after = read_bytes(out)
    assert after["timeseries.csv"] != before["timeseries.csv"]
    manifest = json.loads(after["manifest.json"])
    assert manifest["seed"] == 9 and manifest["replications"] == 2
    assert len(pd.read_csv(out / "timeseries.csv")) == 2 * MONTHS
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no backup or staging left


def test_out_pointing_at_a_file_exits_2(tmp_path, capsys):
    out = tmp_path / "results.txt"
    out.write_text("not a folder")
    code = kazakhstan_run(out)
    _, err = capsys.readouterr()
    assert code == 2
    assert "exists and is not a folder" in err and str(out) in err
    assert out.read_text() == "not a folder"


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_replications_must_be_a_positive_whole_number(value, tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        run_cli(str(KAZAKHSTAN), "--replications", value, "--out", str(tmp_path / "out"))
    _, err = capsys.readouterr()
    assert exited.value.code == 2
    assert "--replications" in err
    assert not (tmp_path / "out").exists()


def test_run_on_a_malformed_scenario_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(KAZAKHSTAN.read_text(encoding="utf-8").replace("extends: [base/", "extends: [nowhere/"),
                   encoding="utf-8")
    code = run_cli(str(bad), "--out", str(tmp_path / "out"))
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("error: ") and str(bad) in err and "does not exist" in err
    assert not (tmp_path / "out").exists()


# --- run: options ----------------------------------------------------------------------------


def test_run_with_rationality_zero_chooses_at_random(tmp_path):
    out = tmp_path / "out"
    assert kazakhstan_run(out, "--set", "decision.rationality=0", "--quiet") == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["resolved_scenario"]["decision"]["rationality"] == 0
    assert manifest["overrides"] == ["decision.rationality=0"]
    table = pd.read_csv(out / "timeseries.csv")
    assert len(table) == REPLICATIONS * MONTHS
    # With lambda = 0 every option open to the state is equally likely (before the bloc opens
    # to applicants, staying outside is the only one).
    assert (table[table.date >= "2022-06"].p_outside < 1).all()
    for row in table[["p_outside", "p_partner", "p_member"]].itertuples(index=False):
        open_options = [p for p in row if p > 0]
        assert open_options == pytest.approx([1 / len(open_options)] * len(open_options))


def test_default_output_folder_is_results_slash_scenario_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli(str(KAZAKHSTAN), "--replications", "2", "--quiet") == 0
    out = tmp_path / "results" / "kazakhstan_multivector"
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["kazakhstan_multivector"]


def test_scenario_defaults_for_seed_and_replications(tmp_path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(
        f"extends: {KAZAKHSTAN}\nname: small\nrun:\n  seed: 11\n  replications: 3\n", encoding="utf-8"
    )
    assert run_cli(str(scenario), "--out", str(tmp_path / "out"), "--quiet") == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 11 and manifest["replications"] == 3


# --- help, version, and unexpected failures --------------------------------------------------


def test_python_dash_m_sim_help():
    result = subprocess.run([sys.executable, "-m", "sim", "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "usage: alignsim" in result.stdout
    assert "check" in result.stdout and "run" in result.stdout


def test_alignsim_help_mentions_check_and_run(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    out, _ = capsys.readouterr()
    assert exited.value.code == 0
    assert "check" in out and "run" in out
    assert "validate scenario files" in out


@pytest.mark.parametrize("command", ["check", "run"])
def test_subcommand_help(command, capsys):
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    out, _ = capsys.readouterr()
    assert exited.value.code == 0
    assert f"usage: alignsim {command}" in out
    assert "--set" in out


def test_every_help_prints_its_percent_signs_once(capsys):
    """argparse %-formats an argument's help but not a command's description: a '%%' written in a
    description reaches the reader doubled."""
    from sim.cli import _parser

    commands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)).choices
    for command in commands:
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out, _ = capsys.readouterr()
        assert "%%" not in out, command


def test_version(capsys):
    import sim

    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    out, _ = capsys.readouterr()
    assert exited.value.code == 0
    assert out.strip() == f"alignsim {sim.__version__}"


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2
    assert "usage: alignsim" in capsys.readouterr().err


def test_unexpected_exception_exits_1_and_asks_for_a_report(tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure inside the run")

    monkeypatch.setattr(importlib.import_module("sim.run").Simulation, "replicate", broken)
    out_dir = tmp_path / "out"
    code = run_cli(str(KAZAKHSTAN), "--replications", "2", "--out", str(out_dir))
    _, err = capsys.readouterr()
    assert code == 1
    assert not err.startswith("Traceback")
    assert err.startswith("alignsim failed unexpectedly. Please report this")
    assert "the project's issue tracker" in err
    assert "RuntimeError: simulated failure inside the run" in err
    assert not out_dir.exists()


def test_a_closed_pipe_ends_quietly(monkeypatch, capsys):
    """`alignsim ... | head` must not report an unexpected failure when head stops reading."""
    import sim.cli

    def closed(args):
        raise BrokenPipeError

    monkeypatch.setattr(sim.cli, "_check", closed)
    assert sim.cli.main(["check", "x.yaml"]) == 141
    assert "unexpectedly" not in capsys.readouterr().err
