"""Sweeps: designs, executor equivalence, streaming and resume after a real kill, failures,
sensitivity, and clear errors for bad sweep files."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.sweep import load_sweep, read_results, run_sweep
from sim.sweep.design import points
from sim.sweep.store import Store
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
KAZAKHSTAN = ROOT / "scenarios" / "kazakhstan_multivector.yaml"


def write_sweep(tmp_path: Path, body: str, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"base: {KAZAKHSTAN}\n" + body, encoding="utf-8")
    return path


GRID = """
name: tiny_grid
parameters:
  states.Kazakhstan.indicators.sanctions: {values: [0.0, 0.5, 0.9]}
  states.Kazakhstan.indicators.trade_west: {range: [0.1, 0.3], steps: 3}
design: grid
replications: 4
seed: 3
"""


@pytest.mark.parametrize(
    "design,extra,expected",
    [
        ("grid", "", 3 * 3),
        ("lhs", "samples: 7\n", 7),
        ("sobol", "samples: 8\n", 8 * (2 + 2)),
        ("morris", "samples: 5\nlevels: 4\n", 5 * (2 + 1)),
    ],
)
def test_each_design_yields_its_number_of_points(tmp_path, design, extra, expected):
    ranges = "" if design == "grid" else (
        "parameters:\n  states.Kazakhstan.indicators.sanctions: {range: [0.0, 1.0]}\n"
        "  decision.rationality: {range: [1.0, 5.0]}\n")
    body = GRID if design == "grid" else f"name: d\n{ranges}design: {design}\n{extra}replications: 1\n"
    sweep = load_sweep(write_sweep(tmp_path, body))
    matrix = points(sweep)
    assert matrix.shape == (expected, 2)
    assert (matrix[:, 0] >= 0).all() and (matrix[:, 0] <= 1).all()


def test_grid_values_are_the_product_of_the_axes(tmp_path):
    matrix = points(load_sweep(write_sweep(tmp_path, GRID)))
    assert sorted(set(matrix[:, 0])) == [0.0, 0.5, 0.9]
    assert sorted(set(matrix[:, 1])) == [0.1, 0.2, 0.3]


def test_executors_give_the_same_table(tmp_path):
    path = write_sweep(tmp_path, GRID)
    tables = {}
    for executor in ("serial", "processes", "dask"):
        report = run_sweep(path, tmp_path / executor, executor=executor, workers=2)
        assert report.failed == 0 and report.ran == 36
        tables[executor] = read_results(tmp_path / executor)
    assert len(tables["serial"]) == 36
    pd.testing.assert_frame_equal(tables["serial"], tables["processes"])
    pd.testing.assert_frame_equal(tables["serial"], tables["dask"])
    assert set(tables["serial"].columns) >= {"point", "replication", "state", "final_status", "seeking_membership",
                                             "states.Kazakhstan.indicators.sanctions"}


DECISION_BLOCK = """
  decision.weights.sanction_relief: {range: [0.0, 4.0]}
  decision.rationality: {range: [0.5, 6.0]}
  decision.review_rate_per_year: {range: [0.5, 4.0]}
  decision.summit_review_multiplier: {range: [1.0, 8.0]}
  decision.summit_review_months: {range: [0, 6]}"""
VALUES = """
  states.Kazakhstan.indicators.trade_russia: {range: [0.0, 0.45]}
  powers.russia.retaliation_for_refusal: {range: [0.0, 1.0]}
  bloc.benefits: {range: [0.0, 1.0]}"""


@pytest.mark.parametrize("parameters", [DECISION_BLOCK, DECISION_BLOCK + VALUES], ids=["decision", "values"])
def test_a_sweep_compiles_the_base_not_each_point(tmp_path, monkeypatch, parameters):
    """A point reuses the base's compilation (issue 13, item 2): with the decision block alone, the
    base's epochs reweighted; with values a dated event may set, too, the base's epochs' scenarios
    with the values put in. The same table as compiling every point, with at most one whole
    compilation per completed dataset in the worker instead of one per completed dataset and point."""
    from sim import inputs

    path = write_sweep(tmp_path, f"""
name: reuse
parameters:{parameters}
design: sobol
samples: 8
replications: 1
seed: 2
""")
    compiled, compile_timeline = [], inputs.compile_timeline
    monkeypatch.setattr(inputs, "compile_timeline", lambda *a, **k: compiled.append(1) or compile_timeline(*a, **k))
    run_sweep(path, tmp_path / "reused", executor="serial")
    reused = len(compiled)
    monkeypatch.setattr(inputs.Timelines, "under", lambda self, scenario, paths=None: inputs.Timelines(scenario))
    compiled.clear()
    run_sweep(path, tmp_path / "compiled", executor="serial")
    runs = 8 * (parameters.count("range") + 2)
    assert len(compiled) == runs  # one replication a point: one compilation each
    assert reused <= 10 < runs  # the base's ten completed datasets, at most
    pd.testing.assert_frame_equal(read_results(tmp_path / "reused"), read_results(tmp_path / "compiled"))


def test_a_points_scenario_validated_in_parts_is_the_scenario_validated_whole(tmp_path):
    """A point's scenario validates only the parts its paths lie in (a state, an organization, the
    bloc, the powers, the decision block) and the references across parts: the same scenario as
    validating the whole, for every point; a point whose part does not validate gets the whole's
    message (the trade shares' sum: test above)."""
    import json

    from sim.sweep.evaluate import base_timelines, point_scenario
    from sim.sweep.runner import _jobs

    sweep = load_sweep(write_sweep(tmp_path, """
name: parts
parameters:
  states.Kazakhstan.indicators.trade_russia: {range: [0.0, 0.45]}
  organizations.EAEU.overlap: {range: [0.0, 1.0]}
  bloc.members.Brazil.consent: {range: [0.0, 1.0]}
  bloc.benefits: {range: [0.0, 1.0]}
  powers.russia.retaliation_for_refusal: {range: [0.0, 1.0]}
  decision.weights.autonomy: {range: [0.0, 4.0]}
  decision.summit_review_months: {range: [0, 6]}
design: lhs
samples: 12
seed: 3
"""))
    checked = 0
    for job in _jobs(sweep, points(sweep), set()):
        base, whole = json.loads(job.base_json), base_timelines(job.base_json).scenario
        for _, values, _ in job.points:
            in_parts = point_scenario(job, base, values, whole)
            assert in_parts == point_scenario(job, base, values)
            assert in_parts.model_dump() == point_scenario(job, base, values).model_dump()
            checked += 1
    assert checked == 12
    # What makes the parts enough: the whole scenario's only check is its references across parts.
    assert set(Scenario.__pydantic_decorators__.model_validators) == {"_references"}
    assert not Scenario.__pydantic_decorators__.field_validators


def test_a_path_written_with_spaces_around_it_runs_as_the_path(tmp_path):
    """The loader strips a path ('sanctions ' in quotes); the reuse of the base's epochs does too."""
    body = "name: spaced\nparameters:\n  {key}: {{values: [0.2, 0.7]}}\ndesign: grid\nreplications: 2\nseed: 1\n"
    tables = {}
    for label, key in (("spaced", '"states.Kazakhstan.indicators.sanctions "'),
                       ("plain", "states.Kazakhstan.indicators.sanctions")):
        report = run_sweep(write_sweep(tmp_path, body.format(key=key), f"{label}.yaml"), tmp_path / label,
                           executor="serial")
        assert report.failed == 0, report.failures
        tables[label] = report.results()
    assert tables["spaced"]["final_status"].tolist() == tables["plain"]["final_status"].tolist()


def test_sanctions_raise_seeking_across_the_grid(tmp_path):
    """The Python API: run a sweep from a notebook, get a DataFrame."""
    table = run_sweep(write_sweep(tmp_path, GRID), tmp_path / "out", executor="serial").results()
    by_sanctions = table.groupby("states.Kazakhstan.indicators.sanctions")["seeking_membership"].mean()
    assert by_sanctions.loc[0.9] > by_sanctions.loc[0.0]


KILLABLE = """
name: killable
parameters:
  states.Kazakhstan.indicators.sanctions: {range: [0.0, 1.0], steps: 12}
  decision.rationality: {values: [1.0, 3.0, 5.0]}
design: grid
replications: 30
seed: 8
outputs: [final_status, seeking_membership]
"""


def test_killed_sweep_resumes_to_the_same_table(tmp_path):
    """SIGKILL a sweep (and its workers) midway, resume it, and compare with an uninterrupted run."""
    path = write_sweep(tmp_path, KILLABLE)
    killed = tmp_path / "killed"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(killed), "--executor", "processes",
         "--workers", "2", "--quiet"],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if list((killed / "parts").glob("results-*.parquet")):  # a job of the eight is in (four a worker)
            break
        time.sleep(0.05)
    assert process.poll() is None, "the sweep finished before it could be killed: " + process.stderr.read().decode()
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    store = Store.open(killed)
    done_at_kill = len(store.done())
    assert 0 < done_at_kill < 36 * 30

    assert main(["sweep", str(path), "--out", str(killed), "--executor", "serial", "--resume", "--quiet"]) == 0
    parts = [pd.read_parquet(p) for p in (killed / "parts").glob("results-*.parquet")]
    rows = pd.concat(parts)
    assert len(rows) == 36 * 30, "a run was counted twice or lost"
    assert not rows.duplicated(subset=["point", "replication", "state"]).any()

    run_sweep(path, tmp_path / "whole", executor="serial")
    pd.testing.assert_frame_equal(read_results(killed), read_results(tmp_path / "whole"))


def test_a_sweep_is_cut_into_four_jobs_a_worker_of_25_to_400_runs():
    """Jobs are sized by the workers (`runner.JOBS_PER_WORKER`), within CHUNK and MAX_CHUNK, and
    every missing run is in exactly one of them."""
    from sim.sweep.runner import CHUNK, MAX_CHUNK, _jobs

    sweep = load_sweep(ROOT / "sweeps" / "sanctions_vs_western_trade.yaml")  # 77 points x 20 = 1,540 runs
    matrix = points(sweep)

    def sizes(workers, design=matrix, done=frozenset()):
        jobs = list(_jobs(sweep, design, set(done), workers))
        runs = [(point, r) for job in jobs for point, _, replications in job.points for r in replications]
        assert len(runs) == len(set(runs)) == len(design) * 20 - len(done)
        return [sum(len(replications) for *_, replications in job.points) for job in jobs]

    assert len(sizes(2)) == 8 and max(sizes(2)) <= 1540 // 8 + 20  # a point's replications are not split
    assert len(sizes(2, done={(p, r) for p in range(40) for r in range(20)})) == 8  # the runs left, shared out
    assert min(sizes(64)[:-1]) >= CHUNK  # many workers: jobs of the fewest runs
    assert max(sizes(1, np.tile(matrix, (3, 1)))) <= MAX_CHUNK + 20 < 4620 // 4  # one worker, a large sweep


def test_resume_of_a_finished_sweep_runs_nothing(tmp_path):
    path = write_sweep(tmp_path, GRID)
    run_sweep(path, tmp_path / "out", executor="serial")
    report = run_sweep(path, tmp_path / "out", executor="serial", resume=True)
    assert report.ran == 0 and report.skipped == 36


def test_resume_refuses_a_different_sweep(tmp_path, capsys):
    run_sweep(write_sweep(tmp_path, GRID), tmp_path / "out", executor="serial")
    other = write_sweep(tmp_path, GRID.replace("seed: 3", "seed: 4"), "other.yaml")
    assert main(["sweep", str(other), "--out", str(tmp_path / "out"), "--resume", "--quiet"]) == 2
    assert "holds a different sweep" in capsys.readouterr().err


def test_existing_results_are_not_overwritten(tmp_path, capsys):
    path = write_sweep(tmp_path, GRID)
    run_sweep(path, tmp_path / "out", executor="serial")
    before = sorted(p.name for p in (tmp_path / "out" / "parts").iterdir())
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial", "--quiet"]) == 2
    assert "--resume" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "out" / "parts").iterdir()) == before


def test_failing_runs_are_recorded_and_the_rest_go_on(tmp_path, capsys):
    """Each value is valid alone, but Western trade 0.5 with Russian trade 0.4 sums above 1."""
    body = """
name: partly_invalid
parameters:
  states.Kazakhstan.indicators.trade_west: {values: [0.1, 0.5]}
  states.Kazakhstan.indicators.trade_russia: {values: [0.186, 0.4]}
design: grid
replications: 3
"""
    path = write_sweep(tmp_path, body)
    code = main(["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"])
    err = capsys.readouterr().err
    assert code == 3
    assert "3 run(s) failed" in err and "trade shares sum to" in err
    assert "InputError: sweep partly_invalid, this point: states.Kazakhstan.indicators: trade shares sum to" in err
    assert "pydantic" not in err and "input_value" not in err  # our words, not the validator's dump
    failures = Store.open(tmp_path / "out").failures()
    assert len(failures) == 3 and set(failures.point) == {3}
    assert '"states.Kazakhstan.indicators.trade_west": 0.5' in failures.parameters.iloc[0]
    assert len(read_results(tmp_path / "out")) == 9
    assert main(["export", str(tmp_path / "out")]) == 0
    assert len(pd.read_csv(tmp_path / "out" / "results.csv")) == 9
    assert len(pd.read_csv(tmp_path / "out" / "failures.csv")) == 3


def test_export_writes_the_results_table_as_csv(tmp_path):
    path = write_sweep(tmp_path, GRID)
    run_sweep(path, tmp_path / "out", executor="serial")
    assert main(["export", str(tmp_path / "out"), "--out", str(tmp_path / "table.csv")]) == 0
    exported = pd.read_csv(tmp_path / "table.csv")
    expected = read_results(tmp_path / "out")
    assert list(exported.columns) == list(expected.columns) and len(exported) == len(expected)


SOBOL = """
name: small_sobol
parameters:
  states.Kazakhstan.indicators.sanctions: {range: [0.0, 1.0]}
  decision.weights.sanction_relief: {range: [0.0, 4.0]}
  decision.rationality: {range: [1.0, 5.0]}
design: sobol
samples: 16
replications: 2
seed: 2
outputs: [seeking_membership, p_member_final]
"""


def test_sensitivity_writes_sobol_indices_with_intervals(tmp_path):
    path = write_sweep(tmp_path, SOBOL)
    run_sweep(path, tmp_path / "out", executor="serial")
    assert main(["sensitivity", str(tmp_path / "out"), "--output", "p_member_final"]) == 0
    table = pd.read_csv(tmp_path / "out" / "sensitivity_p_member_final_Kazakhstan.csv")
    assert list(table.columns) == ["state", "output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(table) == 3 and (table.ST_conf > 0).all()
    sanctions = table.set_index("parameter").loc["states.Kazakhstan.indicators.sanctions"]
    assert sanctions.ST > 0.05
    assert (tmp_path / "out" / "sensitivity_p_member_final_Kazakhstan.png").stat().st_size > 1000


def test_sensitivity_morris(tmp_path):
    body = SOBOL.replace("design: sobol\nsamples: 16", "design: morris\nsamples: 6")
    run_sweep(write_sweep(tmp_path, body), tmp_path / "out", executor="serial")
    assert main(["sensitivity", str(tmp_path / "out"), "--output", "seeking_membership"]) == 0
    table = pd.read_csv(tmp_path / "out" / "sensitivity_seeking_membership_Kazakhstan.csv")
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(table.columns)


def test_sensitivity_needs_a_sobol_or_morris_sweep(tmp_path, capsys):
    run_sweep(write_sweep(tmp_path, GRID), tmp_path / "out", executor="serial")
    assert main(["sensitivity", str(tmp_path / "out"), "--output", "seeking_membership"]) == 2
    assert "sobol or morris" in capsys.readouterr().err


def test_sensitivity_refuses_an_incomplete_sweep(tmp_path, capsys):
    path = write_sweep(tmp_path, SOBOL)
    run_sweep(path, tmp_path / "out", executor="serial")
    victim = next((tmp_path / "out" / "parts").glob("results-*.parquet"))
    victim.unlink()
    assert main(["sensitivity", str(tmp_path / "out"), "--output", "seeking_membership"]) == 2
    assert "incomplete" in capsys.readouterr().err


@pytest.mark.parametrize(
    "body,message",
    [
        (GRID.replace("design: grid", "design: grdi"), "expected 'grid', 'lhs', 'sobol' or 'morris', got 'grdi'"),
        (GRID.replace("replications: 4", "replicatons: 4"), "did you mean 'replications'"),
        (GRID.replace("{values: [0.0, 0.5, 0.9]}", "{range: [0.0, 1.0]}"), "a grid needs 'values'"),
        (SOBOL.replace("samples: 16", "samples: 12"), "power of 2"),
        (SOBOL.replace("samples: 16\n", ""), "needs 'samples'"),
        (GRID.replace("states.Kazakhstan.indicators.sanctions", "states.Kazakhstan.indicators.sanction"), "did you mean 'sanctions'"),
        (GRID.replace("[0.0, 0.5, 0.9]", "[0.0, 0.5, 1.9]"), "at 1.9"),
        (GRID.replace("{range: [0.1, 0.3], steps: 3}", "{range: [0.3, 0.1], steps: 3}"), "low < high"),
        (GRID + "states: [Atlantis]\n", "no state 'Atlantis'"),
        (GRID + "outputs: [happiness]\n", "got 'happiness'"),
        (GRID.replace(f"base: {KAZAKHSTAN}", "").replace("states.Kazakhstan.indicators.sanctions",
                                                       "powers.west.threat_against_joiners"),
         "is set again by the base scenario's event 'us_tariff_threat'"),
        (SOBOL.replace("samples: 16", "samples: 524288"), "has 2,621,440 points, more than the 2,000,000 a sweep holds"),
    ],
    ids=["bad-design", "misspelt-key", "grid-without-values", "sobol-not-power-of-2", "missing-samples",
         "unknown-parameter-path", "value-out-of-range", "reversed-range", "unknown-state", "unknown-output", "parameter-overwritten-by-an-event",
         "too-many-points"],
)
def test_bad_sweep_files_get_clear_messages(tmp_path, capsys, body, message):
    path = write_sweep(tmp_path, body)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and str(path) in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_missing_base_scenario(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text("base: nowhere.yaml\n" + GRID, encoding="utf-8")
    assert main(["sweep", str(path), "--quiet"]) == 2
    assert "nowhere.yaml" in capsys.readouterr().err


def test_bundled_sweeps_are_valid():
    for path in (ROOT / "sweeps").glob("*.yaml"):
        sweep = load_sweep(path)
        assert len(points(sweep)) > 0
    sobol = load_sweep(ROOT / "sweeps" / "kazakhstan_sobol.yaml")
    assert len(sobol.spec.parameters) >= 8 and sobol.spec.design == "sobol"
    grid = load_sweep(ROOT / "sweeps" / "sanctions_vs_western_trade.yaml")
    assert grid.spec.design == "grid"


def test_quiet_and_non_terminal_runs_print_no_progress(tmp_path, capsys):
    path = write_sweep(tmp_path, GRID)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"]) == 0
    captured = capsys.readouterr()
    assert "it/s" not in captured.err and "runs/s" not in captured.err
    assert "36 runs" in captured.out


def test_progress_bar_on_a_terminal(tmp_path):
    """On a terminal the sweep shows a progress bar with its rate and the time left."""
    import fcntl
    import pty
    import struct
    import termios

    path = write_sweep(tmp_path, GRID)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"],
        stdout=subprocess.DEVNULL, stderr=follower, close_fds=True,
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    process.wait()
    os.close(leader)
    text = output.decode(errors="replace")
    assert process.returncode == 0
    assert "runs/s" in text and "36/36" in text and "<" in text  # rate, count, time left


def test_bundled_grid_sweep_is_the_same_on_every_executor(tmp_path):
    """The issue's acceptance check, on the bundled sweep (1,540 runs per executor)."""
    path = ROOT / "sweeps" / "sanctions_vs_western_trade.yaml"
    tables = []
    for executor in ("serial", "processes", "dask"):
        assert main(["sweep", str(path), "--out", str(tmp_path / executor), "--executor", executor,
                     "--workers", "2", "--quiet"]) == 0
        tables.append(read_results(tmp_path / executor))
    assert len(tables[0]) == 11 * 7 * 20
    pd.testing.assert_frame_equal(tables[0], tables[1])
    pd.testing.assert_frame_equal(tables[0], tables[2])


def test_whole_number_parameters_are_rounded_or_refused(tmp_path, capsys):
    body = """
name: reviews
parameters:
  calendar.step_months: {range: [1, 6]}
  states.Kazakhstan.indicators.sanctions: {range: [0.0, 1.0]}
design: lhs
samples: 5
replications: 1
"""
    report = run_sweep(write_sweep(tmp_path, body), tmp_path / "out", executor="serial")
    assert report.failed == 0
    months = read_results(tmp_path / "out")["calendar.step_months"]
    assert (months == months.round()).all() and months.between(1, 6).all()
    bad = write_sweep(tmp_path, GRID.replace("states.Kazakhstan.indicators.trade_west: {range: [0.1, 0.3], steps: 3}",
                                              "calendar.step_months: {values: [1, 2.5]}"), "bad.yaml")
    assert main(["sweep", str(bad), "--out", str(tmp_path / "bad"), "--quiet"]) == 2
    assert "whole numbers" in capsys.readouterr().err


def test_a_sweeps_dask_workers_drop_only_the_heartbeat_lost_as_the_cluster_closes():
    """When a sweep's own cluster closes, a worker's heartbeat in flight fails and distributed logs
    it with a traceback (seen once in CI at the end of the README's Dask sweep). The cluster's
    workers load `dask_setup`, which drops that record and no other."""
    import logging

    from dask.distributed import Client

    from sim.sweep.executors import HEARTBEAT_FAILED, local_cluster

    def passed(message):
        record = logging.LogRecord("distributed.worker", logging.ERROR, __file__, 1, message, None, None)
        return bool(logging.getLogger("distributed.worker").filter(record))

    with local_cluster(1) as cluster, Client(cluster) as client:
        ((_, seen),) = client.run(lambda: (passed(HEARTBEAT_FAILED), passed("Compute Failed"))).items()
    assert seen == (False, True)
