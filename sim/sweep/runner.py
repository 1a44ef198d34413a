"""Running a sweep: design -> jobs (point x replications, seeded) -> executor -> store."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..results import versions
from ..scenario import InputError
from .design import points as design_points
from .evaluate import Job
from .executors import default_workers, run_jobs, start_early
from .spec import LoadedSweep, load_sweep
from .store import Store

CHUNK = 25
"""The fewest runs per job (and per stored part): small enough that a kill loses little, large
enough to amortise a worker's set-up and keep the number of files small."""
JOBS_PER_WORKER = 4
"""A sweep is cut into about this many jobs per worker: larger jobs step more replications together
(sim/transition.py) and write fewer parts, and four a worker still share the work out evenly to
the end (measured in docs/performance.md: the bundled grid took 0.56 s serially in jobs of 193
runs, 0.97 s in jobs of 25)."""
MAX_CHUNK = 400
"""The most runs per job, so that a large sweep still reports progress often and loses little to a kill."""

Progress = Callable[[int, int], None]


@dataclass
class SweepReport:
    """What a finished (or resumed) sweep did."""

    folder: Path
    total_runs: int
    ran: int
    skipped: int
    failures: pd.DataFrame

    @property
    def failed(self) -> int:
        return len(self.failures)

    def results(self) -> pd.DataFrame:
        """The results table as a DataFrame: one row per point, replication and kept state."""
        return read_results(self.folder)


def default_folder(sweep: LoadedSweep) -> Path:
    return Path("results") / "sweeps" / sweep.spec.name


def _jobs(sweep: LoadedSweep, matrix: np.ndarray, done: set[tuple[int, int]], workers: int = 1) -> Iterator[Job]:
    """Jobs of the same size, the runs to do shared into `JOBS_PER_WORKER` jobs per worker, but of
    no fewer than CHUNK runs and no more than MAX_CHUNK: a point's missing replications, split or
    grouped."""
    spec = sweep.spec
    chunk = min(MAX_CHUNK, max(CHUNK, -(-(len(matrix) * spec.replications - len(done)) // (JOBS_PER_WORKER * workers))))
    base_json = json.dumps(sweep.base_data, sort_keys=True)

    def job(points: list) -> Job:
        return Job(sweep=spec.name, base_json=base_json, paths=tuple(spec.parameters),
                   integer_paths=frozenset(sweep.integer_paths), points=tuple(points), seed=spec.seed,
                   states=tuple(spec.states) if spec.states else None, outputs=tuple(spec.outputs))

    pending, size = [], 0
    for point, values in enumerate(matrix):
        todo = [r for r in range(spec.replications) if (point, r) not in done]
        for start in range(0, len(todo), chunk):
            replications = tuple(todo[start:start + chunk])
            pending.append((point, tuple(float(v) for v in values), replications))
            size += len(replications)
            if size >= chunk:
                yield job(pending)
                pending, size = [], 0
    if pending:
        yield job(pending)


def run_sweep(
    sweep: LoadedSweep | str | Path,
    out: str | Path | None = None,
    executor: str = "auto",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> SweepReport:
    """Run (or, with `resume`, finish) a sweep into `out`; results stream to disk as runs finish."""
    start_early(executor, workers)
    if not isinstance(sweep, LoadedSweep):
        sweep = load_sweep(sweep)
    folder = Path(out) if out is not None else default_folder(sweep)
    matrix = design_points(sweep)
    total = len(matrix) * sweep.spec.replications
    fingerprint = sweep.fingerprint()
    existed = folder.exists()
    if resume and (folder / "sweep.json").exists():
        store = Store.open(folder, fingerprint)
    else:
        manifest = {
            "name": sweep.spec.name,
            "fingerprint": fingerprint,
            "sweep_file": str(sweep.path),
            "sweep": sweep.spec.model_dump(mode="json"),
            "base_scenario_files": sweep.base.origin.get("files", []),
            "states": list(sweep.spec.states or sweep.base.states),
            "parameters": list(sweep.spec.parameters),
            "points": len(matrix),
            "replications": sweep.spec.replications,
            "total_runs": total,
            "seeds": "replication r of point p: numpy.random.SeedSequence(seed, spawn_key=(p, r))",
            "versions": versions(),
        }
        store = Store.create(folder, manifest, matrix, list(sweep.spec.parameters))
    done = store.done()
    finished = len(done)
    if progress:
        progress(finished, total)
    try:
        jobs = _jobs(sweep, matrix, done, workers or default_workers())
        for result in run_jobs(jobs, executor, workers, scheduler, runs=total - len(done)):
            store.write(result)
            finished += len(set(zip(result["rows"]["point"], result["rows"]["replication"]))
                            | {(f["point"], f["replication"]) for f in result["failures"]})
            if progress:
                progress(finished, total)
    except InputError:
        # An executor refused before any run (Dask not installed, a scheduler not reached): a folder
        # this call made holds nothing worth resuming, and left behind it would refuse the next try.
        if not existed and finished == 0:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return SweepReport(folder=folder, total_runs=total, ran=finished - len(done), skipped=len(done),
                       failures=store.failures())


def read_results(folder: str | Path) -> pd.DataFrame:
    """A sweep's results table, as a DataFrame (the same whichever executor produced it)."""
    return Store.open(Path(folder)).results()


def export_csv(folder: str | Path, target: str | Path | None = None, overwrite: bool = False) -> Path:
    """Write a sweep's results table as CSV (default DIR/results.csv), for those without Parquet tools;
    an existing file is replaced only with `overwrite`."""
    from ..files import write_file
    from ..results import check_file_destination, table_bytes

    folder = Path(folder)
    target = Path(target) if target is not None else folder / "results.csv"
    check_file_destination(target, overwrite)
    write_file(target, table_bytes(read_results(folder)))
    return target
