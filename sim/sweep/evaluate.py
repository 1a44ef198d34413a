"""Evaluating runs: one design point's replications, reduced to the outputs a sweep keeps.

A `Job` carries everything a worker needs (the base scenario as plain data, not a file), so the
same function runs in this process, in a process pool or on a remote Dask worker. A job holds
`sim.sweep.runner.CHUNK` to `MAX_CHUNK` runs, over one or several points, and its results are
stored as one part. Replication r of point p draws from `SeedSequence(seed, spawn_key=(p, r))`:
the same whichever worker runs it.
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pydantic import ValidationError

from ..decision import MEMBER, OPTIONS
from ..inputs import Timelines, timelines_for
from ..run import run_worlds
from ..scenario import InputError
from ..scenario.changes import apply_settings
from ..scenario.loader import issues_from
from ..scenario.schema import Scenario, validated_in_parts

NEEDS = {
    "final_status": ("status",),
    "seeking_membership": ("status", "seeking_membership"),
    "ever_applied": ("seeking_membership",),
    "first_application": ("seeking_membership",),
    "p_member_final": ("probabilities",),
}


@dataclass(frozen=True)
class Job:
    """Some replications of some design points: (point, values, replications) each."""

    sweep: str
    base_json: str
    paths: tuple[str, ...]
    integer_paths: frozenset
    points: tuple[tuple[int, tuple[float, ...], tuple[int, ...]], ...]
    seed: int
    states: tuple[str, ...] | None
    outputs: tuple[str, ...]


def seed_for(seed: int, point: int, replication: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(point, replication))


def point_scenario(job: Job, base: dict, values: tuple[float, ...], scenario: Scenario | None = None) -> Scenario:
    """The scenario of a design point: `base` (data) with the point's values at the sweep's paths,
    validated; `scenario`, the base validated, if at hand (`_validated_in_parts`)."""
    data = base  # left as it is: each setting copies the mappings along its path
    for path, value in zip(job.paths, values):
        value = int(round(value)) if path in job.integer_paths else float(value)
        data = apply_settings(data, {path: value}, {"assumption": f"sweep {job.sweep}: {path}"})
    point = None if scenario is None else validated_in_parts(scenario, data, job.paths)
    if point is not None:
        return point
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:  # a point the base allows but these values do not: said in our words
        raise InputError(issues_from(exc, data, {}, f"sweep {job.sweep}, this point")) from None


@lru_cache(maxsize=2)
def base_timelines(base_json: str) -> Timelines:
    """The sweep's base scenario's timelines, kept for the jobs a worker runs next (they fill in as
    replications meet completed datasets, and its epochs' scenarios are made once)."""
    return Timelines(Scenario.model_validate(json.loads(base_json)))


def evaluate(job: Job) -> dict:
    """Run a job: {"rows": columns of kept outputs, "failures": [...]} — a failing run is recorded,
    never raised, so that the others go on."""
    rows: dict[str, list] = {"point": [], "replication": [], "state": [],
                             **{p: [] for p in job.paths}, **{o: [] for o in job.outputs}}
    failures = []
    base = json.loads(job.base_json)
    record = tuple(sorted({field for output in job.outputs for field in NEEDS[output]}))
    # A point differs from the base only at the sweep's paths: its timelines reuse what the base's,
    # kept by the worker, share with it (`Timelines.under`): with the decision block alone, every
    # epoch's terms, reweighted; with values an event may set, every epoch's scenario.
    planned = []  # (point, values, replications, scenario, [(timelines, seed) of each run])
    for point, values, replications in job.points:
        try:
            shared = base_timelines(job.base_json)  # kept: made by the first point a worker meets
            scenario = point_scenario(job, base, values, shared.scenario)
            timelines = shared.under(scenario, job.paths)
            seeds = [seed_for(job.seed, point, replication) for replication in replications]
        except Exception as exc:  # noqa: BLE001 - an invalid point fails its runs, not the sweep
            failures += [_failure(job, point, values, r, exc) for r in replications]
            continue
        planned.append((point, values, replications, scenario, [(timelines, seed) for seed in seeds]))
    planned = _compiled(job, planned, failures)
    try:  # the job's points stepped together where their worlds allow (sim.run.run_worlds)
        results = run_worlds([run for *_, runs in planned for run in runs], record)
    except Exception:  # noqa: BLE001 - then point by point, so that only a failing point's runs fail
        results = []
        for point, values, replications, runs in planned:
            try:
                results += run_worlds(runs, record)
            except Exception as exc:  # noqa: BLE001
                failures += [_failure(job, point, values, r, exc) for r in replications]
                results += [None] * len(runs)
    done = iter(results)
    for point, values, replications, runs in planned:
        timeline = runs[0][1]  # every completed dataset has the same states and dates
        names = list(timeline.states)
        keep = [names.index(s) for s in (job.states or names)]
        for replication in replications:
            data = next(done)
            if data is None:
                continue
            for index in keep:
                rows["point"].append(point)
                rows["replication"].append(replication)
                rows["state"].append(names[index])
                for path, value in zip(job.paths, values):
                    rows[path].append(float(value))
                for output in job.outputs:
                    rows[output].append(_output(output, data, index, timeline.dates))
    return {"rows": rows, "failures": failures}


def _compiled(job: Job, planned: list, failures: list) -> list:
    """The planned points, each with its runs as (scenario, timeline, seed): the points' timelines
    compiled together where they reuse the base's (`sim.inputs.timelines_for`); if that fails, point
    by point, so that only a failing point's runs fail."""
    def with_timelines(scenario, runs, timelines):
        return [(scenario, timeline, seed) for (_, seed), timeline in zip(runs, timelines)]  # runs first: `timelines` may run on

    try:
        made = iter(timelines_for([run for *_, runs in planned for run in runs]))
        return [(point, values, replications, with_timelines(scenario, runs, made))
                for point, values, replications, scenario, runs in planned]
    except Exception:  # noqa: BLE001
        kept = []
        for point, values, replications, scenario, runs in planned:
            try:
                kept.append((point, values, replications, with_timelines(scenario, runs, timelines_for(runs))))
            except Exception as exc:  # noqa: BLE001
                failures += [_failure(job, point, values, r, exc) for r in replications]
        return kept


def _output(name: str, data: dict, index: int, dates: tuple[str, ...]):
    if name == "final_status":
        return OPTIONS[data["status"][-1, index]]
    if name == "seeking_membership":
        return bool(data["seeking_membership"][-1, index] or data["status"][-1, index] == MEMBER)
    if name == "ever_applied":
        return bool(data["seeking_membership"][:, index].any())
    if name == "first_application":
        seeking = data["seeking_membership"][:, index]
        return dates[int(seeking.argmax())] if seeking.any() else ""
    return float(data["probabilities"][-1, index, MEMBER])


def _failure(job: Job, point: int, values: tuple[float, ...], replication: int, exc: BaseException) -> dict:
    return {
        "point": point,
        "replication": replication,
        "parameters": json.dumps(dict(zip(job.paths, values))),
        "error": f"{type(exc).__name__}: {exc}".strip()[:2000],
        "where": "".join(traceback.format_exception(exc, limit=-2))[-2000:],
    }
