"""alignsim as an EMA Workbench model, for researchers who already work there: its samplers,
evaluators and analyses (PRIM, feature scoring, ...) run alignsim without our sweep files.

    import sim.ema
    from ema_workbench import perform_experiments

    model = sim.ema.model("scenarios/kazakhstan_multivector.yaml",
                          {"states.Kazakhstan.indicators.sanctions": (0, 1)}, ["seeking_membership"])
    experiments, outcomes = perform_experiments(model, scenarios=100)

A run of the EMA route is a run of a sweep: the same function (`sim.sweep.evaluate`) evaluates
it, and replication r of the EMA scenario named p draws from `SeedSequence(seed, spawn_key=(p, r))`,
as replication r of a sweep's point p does. So EMA scenarios named 0..n-1 with a sweep's points
give that sweep's outcome table (`outcome_table`). The EMA Workbench names the scenarios it
samples with a counter that runs on across calls in one process: name them yourself to repeat a run.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from .scenario import InputError, Issue, Scenario, load_scenario
from .sweep.evaluate import Job, evaluate
from .sweep.spec import OUTPUTS, _integer_paths

try:
    # Importing the EMA Workbench warns that an optional backend (ipyparallel) is missing; that is
    # not our users' concern.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ema_workbench as workbench
except ImportError as exc:
    raise ImportError("sim.ema needs the EMA Workbench: pip install 'alignsim[discovery]'") from exc


def point_key(name) -> int:
    """The point index an EMA scenario's name stands for: the name itself when it is a whole
    number, else a stable hash of it."""
    if isinstance(name, (int, np.integer)) and name >= 0:
        return int(name)
    return int.from_bytes(hashlib.sha256(str(name).encode("utf-8")).digest()[:8], "big")


def _run(job: Job, point: int, replication: int, **values) -> dict:
    """One replication at one point, through the sweep's evaluation."""
    job = replace(job, points=((point, tuple(float(values[p]) for p in job.paths), (replication,)),))
    result = evaluate(job)
    if result["failures"]:
        raise RuntimeError(result["failures"][0]["error"])
    return {output: result["rows"][output][0] for output in job.outputs}


def model(scenario: Scenario | str | Path, parameters: dict[str, tuple[float, float]], outcomes: list[str],
          state: str | None = None, replications: int = 10, seed: int = 0, name: str = "alignsim"):
    """An EMA Workbench `ReplicatorModel` of `scenario`: `parameters` (dotted paths, as in a sweep,
    each with its (low, high) range) are its uncertainties; `outcomes` (sweep outputs, of `state`)
    are `ArrayOutcome`s with one column per replication."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    unknown = [o for o in outcomes if o not in OUTPUTS]
    if unknown or not outcomes:
        raise InputError(Issue("outcomes", str(unknown[0] if unknown else outcomes),
                               f"choose outputs among {', '.join(OUTPUTS)}"))
    if state is None:
        if len(scenario.states) > 1:
            raise InputError(Issue("state", "", f"the scenario has several states; choose one of "
                                   f"{', '.join(scenario.states)}"))
        state = next(iter(scenario.states))
    elif state not in scenario.states:
        raise InputError(Issue("state", state, f"no state {state!r} in the scenario ({', '.join(scenario.states)})"))
    base = scenario.model_dump(mode="json")
    integers = _integer_paths(base, list(parameters))
    job = Job(sweep=f"ema {name}", base_json=json.dumps(base, sort_keys=True), paths=tuple(parameters),
              integer_paths=frozenset(integers), points=(), seed=seed, states=(state,), outputs=tuple(outcomes))
    wrapped = ReplicatedAtPoint(name, function=partial(_run, job))
    wrapped.uncertainties = [
        workbench.IntegerParameter(path, int(low), int(high)) if path in integers
        else workbench.RealParameter(path, float(low), float(high))
        for path, (low, high) in parameters.items()
    ]
    wrapped.outcomes = [workbench.ArrayOutcome(output) for output in outcomes]
    wrapped.replications = replications
    return wrapped


def outcome_table(experiments: pd.DataFrame, outcomes: dict, state: str) -> pd.DataFrame:
    """The EMA results as a sweep's results table: point, replication, state, parameters, outputs."""
    parameters = [c for c in experiments.columns if c not in ("scenario", "policy", "model")]
    rows = []
    for i in range(len(experiments)):
        values = {p: float(experiments[p].iloc[i]) for p in parameters}
        point = point_key(experiments["scenario"].iloc[i])
        for r in range(len(next(iter(outcomes.values()))[i])):
            rows.append({"point": point, "replication": r, "state": state, **values,
                         **{o: array[i][r] for o, array in outcomes.items()}})
    return pd.DataFrame(rows)


class ReplicatedAtPoint(workbench.ReplicatorModel):
    """Tells each replication which point (the EMA scenario's name) and which replication it is,
    so that it draws the seeds a sweep's point would."""

    def run_model(self, scenario, policy):
        point = point_key(scenario.name)
        self.replications = [{"point": point, "replication": r} for r in range(self.nreplications)]
        super().run_model(scenario, policy)
