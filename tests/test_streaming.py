"""`run` at any number of replications: chunks streamed to CSV or Parquet give the same tables
and summary whatever the chunk size, the summary is exact, `--record` chooses the timeseries'
fields, memory does not grow with the replications; `--executor auto` chooses the pool only
when it repays its start-up, and a pool is kept for the process's next sweep."""

from __future__ import annotations

import importlib
import json
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.decision import OPTIONS
from sim.inputs import imputation_count
from sim.sweep import executors, read_results, run_sweep
from sim.sweep.design import points as design_points
from sim.sweep.spec import load_sweep

ROOT = Path(__file__).resolve().parents[1]
EURASIA = ROOT / "scenarios" / "eurasia_2024.yaml"
TABLES = ("timeseries", "bloc", "events")
running = importlib.import_module("sim.run")  # the module; `sim.run` is its function
runner = importlib.import_module("sim.sweep.runner")


def _run(out: Path, *extra: str) -> int:
    return main(["run", str(EURASIA), "--replications", "23", "--seed", "4", "--out", str(out), "--quiet", *extra])


def _files(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name != "manifest.json"}


def test_chunk_size_changes_no_byte(tmp_path, monkeypatch):
    """One replication per chunk, seven, or all in one: the same CSV files, summary and figures."""
    outputs = []
    for rows in (1, 7 * 60 * 6, 10**9):
        monkeypatch.setattr(running, "CHUNK_ROWS", rows)
        assert _run(tmp_path / str(rows)) == 0
        outputs.append(_files(tmp_path / str(rows)))
    assert set(outputs[0]) == {"timeseries.csv", "bloc.csv", "summary.csv", "events.csv", "timeline.png",
                               "timeline.pdf", "timeline.svg"}
    assert outputs[0] == outputs[1] == outputs[2]


def test_parquet_parts_hold_the_same_tables_as_the_csv_files(tmp_path, monkeypatch):
    monkeypatch.setattr(running, "CHUNK_ROWS", 5 * 60 * 6)  # 5 parts of 5 replications (the last of 3)
    assert _run(tmp_path / "csv") == 0
    assert _run(tmp_path / "parquet", "--format", "parquet") == 0
    parquet = tmp_path / "parquet"
    assert sorted(p.name for p in (parquet / "timeseries").iterdir()) == [f"part-{i:06d}.parquet" for i in range(5)]
    for table in TABLES:
        from_csv = pd.read_csv(tmp_path / "csv" / f"{table}.csv", keep_default_na=False)
        from_parquet = pd.read_parquet(parquet / table)
        assert list(from_parquet.columns) == list(from_csv.columns)
        assert from_parquet.replication.is_monotonic_increasing
        for column in from_csv.columns:
            expected, got = from_csv[column].to_numpy(), from_parquet[column].to_numpy()
            if np.issubdtype(got.dtype, np.floating):
                assert np.allclose(expected, got.astype(float), rtol=1e-9, atol=0), (table, column)
            else:
                assert list(expected.astype(str)) == list(got.astype(str)), (table, column)
    assert (parquet / "summary.csv").read_bytes() == (tmp_path / "csv" / "summary.csv").read_bytes()
    manifest = json.loads((parquet / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "parquet"
    assert "timeseries/part-000004.parquet" in manifest["outputs"] and "summary.csv" in manifest["outputs"]


def test_the_tally_gives_the_summary_the_timeseries_gives(monkeypatch):
    """Counts, shares and the median month of first application, tallied chunk by chunk, against
    the same computed from the whole timeseries at once."""
    monkeypatch.setattr(running, "CHUNK_ROWS", 3 * 60 * 6)
    result = sim.run(sim.load_scenario(EURASIA), seed=8, replications=31)
    series, summary = result.timeseries, result.summary.set_index("state")
    final = series[series.step == series.step.max()].set_index(["replication", "state"])
    for option in OPTIONS:
        expected = (final.status == option).groupby("state").mean()
        assert (summary[f"p_{option}"] == expected.reindex(summary.index)).all(), option
    seeking = final.seeking_membership.groupby("state").mean()
    assert (summary.p_seeking_membership == seeking.reindex(summary.index)).all()
    # The recorder's application (seeking, not yet a member) is what first_application counts.
    raw = running.Simulation(sim.load_scenario(EURASIA), seed=8, replications=31)
    stacked = {"seeking_membership": np.stack([r["seeking_membership"] for r in raw.replicate(range(31))])}
    for s, state in enumerate(raw.timeline.states):
        months = [raw.timeline.dates[int(row.argmax())] for row in stacked["seeking_membership"][:, :, s] if row.any()]
        expected = sorted(months)[(len(months) - 1) // 2] if months else ""
        assert summary.loc[state, "median_first_application"] == expected, state
    assert (summary.median_first_application != "").any()  # the scenario has applications to take the median of
    assert np.allclose(summary.mean_final_p_member, final.p_member.groupby("state").mean().reindex(summary.index),
                       rtol=1e-12, atol=0)


def test_record_chooses_the_timeseries_fields(tmp_path):
    assert _run(tmp_path / "some", "--record", "probabilities,status") == 0
    columns = pd.read_csv(tmp_path / "some" / "timeseries.csv", nrows=1).columns
    assert list(columns) == ["replication", "seed", "step", "date", "state", "status", "p_outside", "p_partner",
                             "p_member"]
    assert _run(tmp_path / "all") == 0
    for name in ("summary.csv", "bloc.csv", "events.csv"):  # always written, from what the run always records
        assert (tmp_path / "some" / name).read_bytes() == (tmp_path / "all" / name).read_bytes()
    assert _run(tmp_path / "none", "--record", "none", "--format", "parquet") == 0
    assert not (tmp_path / "none" / "timeseries").exists()
    assert (tmp_path / "none" / "summary.csv").read_bytes() == (tmp_path / "all" / "summary.csv").read_bytes()
    assert json.loads((tmp_path / "none" / "manifest.json").read_text())["timeseries_fields"] == []


@pytest.mark.parametrize("record", ["terms,bogus", "retaliation_started", ",", "none,status"])
def test_an_unknown_record_field_exits_2_and_writes_nothing(tmp_path, capsys, record):
    assert _run(tmp_path / "out", "--record", record) == 2
    err = capsys.readouterr().err
    assert "--record" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() and list(tmp_path.iterdir()) == []


def _peak_while_streaming(replications: int) -> int:
    scenario = sim.load_scenario(EURASIA)
    simulation = running.Simulation(scenario, seed=1, replications=replications)
    # One timeline per completed dataset is kept (a bounded cost, not one per replication): compiled
    # before measuring, so that the runs compare like with like.
    for imputation in range(imputation_count(scenario)):
        simulation.timelines.get(imputation)
    tracemalloc.start()
    try:
        for _ in simulation.chunks():
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_replications(monkeypatch):
    """Ten times the replications, about the same peak: one chunk (here 4 replications) at a time.
    The peak of a run varies by a tenth or so between runs and library versions (1.30 against 1.45
    MB once, on Python 3.12, with nothing held); memory kept per replication would add 72 times it,
    more than the whole peak of 8, so half the peak is the margin."""
    monkeypatch.setattr(running, "CHUNK_ROWS", 4 * 60 * 6)
    few, many = _peak_while_streaming(8), _peak_while_streaming(80)
    assert many < 1.5 * few, (few, many)


def test_auto_chooses_a_pool_only_when_it_repays_its_start_up():
    assert not executors.worth_a_pool(2, 0.007, 2)  # a 2-run sweep: 14 ms of work
    assert executors.worth_a_pool(1540, 0.007, 2)  # the bundled grid: about 11 s serially
    assert not executors.worth_a_pool(10**6, 0.007, 1)  # one core: nothing to gain
    threshold = executors.MARGIN * executors.POOL_START_SECONDS / (1 - 1 / 2)
    assert not executors.worth_a_pool(int(threshold / 0.01) - 1, 0.01, 2)
    assert executors.worth_a_pool(int(threshold / 0.01) + 1, 0.01, 2)


@pytest.fixture
def pools(monkeypatch):
    """The process pools this test's sweeps start, none kept from before it nor after it."""
    started = []
    real = executors.ProcessPoolExecutor

    def counted(*args, **kwargs):
        started.append(kwargs)
        return real(*args, **kwargs)

    executors.close_pool()
    monkeypatch.setattr(executors, "ProcessPoolExecutor", counted)
    yield started
    executors.close_pool()


def _sweep_file(tmp_path: Path) -> Path:
    body = (f"base: {ROOT / 'scenarios' / 'kazakhstan_multivector.yaml'}\nname: s\ndesign: grid\nreplications: 3\n"
            "seed: 2\nparameters:\n  states.Kazakhstan.indicators.sanctions: {values: [0.0, 0.5, 0.9]}\n")
    path = tmp_path / "sweep.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_auto_runs_a_small_sweep_without_a_pool_and_a_large_one_on_it(tmp_path, monkeypatch, pools):
    path = _sweep_file(tmp_path)
    monkeypatch.setattr(executors, "default_workers", lambda: 2)
    run_sweep(path, tmp_path / "small", executor="auto")
    assert pools == []
    monkeypatch.setattr(executors, "worth_a_pool", lambda *args: True)
    monkeypatch.setattr("sim.sweep.runner.CHUNK", 2)  # several jobs, so that some go to the pool
    run_sweep(path, tmp_path / "large", executor="auto")
    assert len(pools) == 1 and pools[0]["mp_context"].get_start_method() == "forkserver"
    pd.testing.assert_frame_equal(read_results(tmp_path / "small"), read_results(tmp_path / "large"))


def test_a_pool_is_kept_for_the_next_sweep_and_dropped_when_a_sweep_stops(tmp_path, monkeypatch, pools):
    """Two sweeps in a row run on one pool, whose warm workers give the table a serial run gives;
    a sweep stopped midway (Ctrl-C, a consumer that stops reading) takes its pool down with it,
    and the next sweep starts a new one."""
    path = _sweep_file(tmp_path)
    monkeypatch.setattr("sim.sweep.runner.CHUNK", 2)
    run_sweep(path, tmp_path / "serial", executor="serial")
    for name in ("first", "second"):
        run_sweep(path, tmp_path / name, executor="processes", workers=2)
        pd.testing.assert_frame_equal(read_results(tmp_path / "serial"), read_results(tmp_path / name))
    assert len(pools) == 1
    assert list(executors.run_jobs(iter([]), "processes", 2)) == [] and len(pools) == 1  # the kept pool stays
    sweep = load_sweep(path)
    stopped = executors.run_jobs(runner._jobs(sweep, design_points(sweep), set(), 2), "processes", 2)
    next(stopped)
    stopped.close()  # what a Ctrl-C or an abandoned sweep does to the generator
    assert executors._POOL == {}
    run_sweep(path, tmp_path / "third", executor="processes", workers=2)
    assert len(pools) == 2
    pd.testing.assert_frame_equal(read_results(tmp_path / "serial"), read_results(tmp_path / "third"))


def test_chunks_without_events_leave_no_part_of_other_types(tmp_path, monkeypatch):
    """Kazakhstan alone, one replication per chunk: most replications have no event; the parts
    that are written read as one table, the events of the run in memory."""
    monkeypatch.setattr(running, "CHUNK_ROWS", 1)
    kazakhstan = ROOT / "scenarios" / "kazakhstan_multivector.yaml"
    assert main(["run", str(kazakhstan), "--replications", "30", "--seed", "1", "--out", str(tmp_path / "out"),
                 "--quiet", "--format", "parquet", "--record", "none"]) == 0
    parts = list((tmp_path / "out" / "events").iterdir())
    expected = sim.run(sim.load_scenario(kazakhstan), seed=1, replications=30, fields=()).events
    assert 0 < len(parts) < 30  # some replications had no event, and wrote no part
    got = pd.read_parquet(tmp_path / "out" / "events")
    assert got.astype(str).equals(expected.astype(str))
