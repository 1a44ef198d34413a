"""Running a scenario: replications with independent seeded streams, gathered into tidy tables.

Replication r draws from `numpy.random.SeedSequence(seed).spawn(replications)[r]`, so the same
scenario, seed and replication count give the same tables whatever else runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from mesa import Agent

from .decision import MEMBER, OPTIONS, OUTSIDE, PARTNER, TERMS
from .inputs import Timeline, compile_timeline
from .model import AlignmentModel
from .parameters import Assignment, assign, interval, replication_worlds
from .scenario import Scenario

Progress = Callable[[int, int], None]


@dataclass
class RunResult:
    """The tables of one `run`, as pandas DataFrames, and what produced them."""

    scenario: Scenario
    seed: int
    replications: int
    timeseries: pd.DataFrame
    bloc: pd.DataFrame
    summary: pd.DataFrame
    filled: list[dict] = field(default_factory=list)
    events: pd.DataFrame | None = None
    posterior: Assignment | None = None  # the parameter draw of each replication, when run with a posterior


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    return np.random.SeedSequence(seed).spawn(replications)


def run_once(
    scenario: Scenario,
    seed_sequence: np.random.SeedSequence,
    timeline: Timeline | None = None,
    record: tuple[str, ...] | None = None,
) -> dict[str, np.ndarray]:
    """One replication; returns the recorded arrays."""
    model = AlignmentModel(scenario, rng=np.random.default_rng(seed_sequence), timeline=timeline, record=record)
    data = model.run().data
    # Mesa 3.3 keeps a per-model id counter in a class attribute, which would keep every model
    # of a long sweep alive; release it (later releases no longer have it).
    ids = getattr(Agent, "_ids", None)
    if ids is not None:
        ids.pop(model, None)
    return data


def run(
    scenario: Scenario,
    seed: int | None = None,
    replications: int | None = None,
    progress: Progress | None = None,
    posterior: str | Path | None = None,
    draws: int | None = None,
) -> RunResult:
    """Run `replications` replications of `scenario` (defaults from the scenario's `run`); with
    `posterior` (a folder written by `alignsim estimate`), each under one of `draws` parameter draws
    (sim.parameters)."""
    seed = scenario.run.seed if seed is None else seed
    replications = scenario.run.replications if replications is None else replications
    if replications < 1:
        raise ValueError("replications must be at least 1")
    if draws is not None and posterior is None:
        raise ValueError("draws needs a posterior")
    timeline = compile_timeline(scenario)
    assignment = None if posterior is None else assign(posterior, seed, replications, draws)
    world = replication_worlds(scenario, timeline, assignment)
    runs = []
    for index, seed_sequence in enumerate(replication_seeds(seed, replications)):
        world_scenario, world_timeline = world(index)
        runs.append(run_once(world_scenario, seed_sequence, world_timeline))
        if progress:
            progress(index + 1, replications)
    stacked = {name: np.stack([r[name] for r in runs]) for name in runs[0]}
    filled = {}
    for date, state, key, value, rule in timeline.filled:  # the first epoch's fill, per state and indicator
        filled.setdefault((state, key), (date, value, rule))
    return RunResult(
        scenario=scenario,
        seed=seed,
        replications=replications,
        timeseries=timeseries_table(stacked, timeline, seed),
        bloc=bloc_table(stacked, timeline, len(scenario.bloc.members)),
        summary=summary_table(stacked, timeline, None if assignment is None else assignment.groups),
        filled=[{"state": s, "indicator": k, "from": date, "filled_with": v, "rule": rule}
                for (s, k), (date, v, rule) in filled.items()],
        events=events_table(stacked, timeline, scenario.bloc.name),
        posterior=assignment,
    )


def _index(stacked: dict[str, np.ndarray]) -> tuple[int, int, int]:
    return stacked["status"].shape  # (replications, steps, states)


def timeseries_table(stacked: dict[str, np.ndarray], timeline: Timeline, seed: int) -> pd.DataFrame:
    """Tidy: one row per replication, step and state."""
    reps, steps, states = _index(stacked)
    rows = reps * steps * states
    labels = np.array(OPTIONS)
    table = {
        "replication": np.repeat(np.arange(reps), steps * states),
        "seed": np.full(rows, seed, dtype=np.uint64),
        "step": np.tile(np.repeat(np.arange(1, steps + 1), states), reps),
        "date": np.tile(np.repeat(np.array(timeline.dates), states), reps),
        "state": np.tile(np.array(timeline.states), reps * steps),
        "status": labels[stacked["status"].ravel()],
        # As in summary.csv and sweeps: membership held or applied for (the recorder's field is the application).
        "seeking_membership": (stacked["seeking_membership"] | (stacked["status"] == MEMBER)).ravel(),
        "course": labels[stacked["course"].ravel()],
        "invited": np.array(["none", "partner", "member"])[stacked["invited"].ravel()],
        "declined": stacked["declined"].ravel(),
    }
    for option, name in enumerate(OPTIONS):
        table[f"p_{name}"] = stacked["probabilities"][..., option].ravel()
    for term, name in enumerate(TERMS):
        table[f"u_{name}"] = stacked["terms"][..., term].ravel()
    table["room_for_manoeuvre"] = stacked["room_for_manoeuvre"].ravel()
    table["deciding"] = stacked["deciding"].ravel()
    table["retaliation"] = stacked["retaliation"].ravel()
    table["western_reaction"] = stacked["western_reaction"].ravel()
    return pd.DataFrame(table)


def bloc_table(stacked: dict[str, np.ndarray], timeline: Timeline, initial_members: int) -> pd.DataFrame:
    """Bloc-level counts: one row per replication and step."""
    reps, steps, _ = _index(stacked)
    status = stacked["status"]
    return pd.DataFrame(
        {
            "replication": np.repeat(np.arange(reps), steps),
            "step": np.tile(np.arange(1, steps + 1), reps),
            "date": np.tile(np.array(timeline.dates), reps),
            "members": (initial_members + (status == MEMBER).sum(axis=2)).ravel(),
            "new_members": (status == MEMBER).sum(axis=2).ravel(),
            "partners": (status == PARTNER).sum(axis=2).ravel(),
            "applicants": stacked["seeking_membership"].sum(axis=2).ravel(),
            "invitations": (stacked["invited"] != OUTSIDE).sum(axis=2).ravel(),
            "declines": stacked["declined"].sum(axis=2).ravel(),
            "summit": np.tile(timeline.summit, reps),
        }
    )


EVENT_COLUMNS = ("replication", "step", "date", "state", "actor", "event", "value")


def events_table(stacked: dict[str, np.ndarray], timeline: Timeline, bloc: str) -> pd.DataFrame:
    """What each actor did, one row per replication, step, state and deed, in that order: the
    states' applications, withdrawals, declines and statuses taken up, the bloc's invitations and
    the powers' reactions (with their size), so that a reader sees, run by run, what followed
    what."""
    reps, _, states = _index(stacked)
    course = stacked["course"]
    course_before = np.concatenate(
        [np.broadcast_to(np.where(timeline.initial_seeking, MEMBER, timeline.initial_status), (reps, 1, states)),
         course[:, :-1]], axis=1)
    status = stacked["status"]
    status_before = np.concatenate([np.broadcast_to(timeline.initial_status, (reps, 1, states)), status[:, :-1]], axis=1)
    seeking = stacked["seeking_membership"]
    seeking_before = np.concatenate([np.broadcast_to(timeline.initial_seeking, (reps, 1, states)), seeking[:, :-1]], axis=1)
    ones = np.ones(course.shape)
    deeds = [  # (mask, actor, event, value); the actor "state" is the state itself
        (seeking & ~seeking_before, "state", "applied for membership", ones),
        ((course_before >= PARTNER) & (course == OUTSIDE) & ~stacked["declined"], "state", "withdrew", ones),
        (stacked["invited"] == PARTNER, bloc, "invited as partner", ones),
        (stacked["invited"] == MEMBER, bloc, "invited as member", ones),
        (stacked["declined"], "state", "declined the invitation", ones),
        ((status > status_before) & (status == PARTNER), "state", "became partner", ones),
        ((status > status_before) & (status == MEMBER), "state", "became member", ones),
        (stacked["retaliation_started"] > 0, "Russia", "retaliation", stacked["retaliation_started"]),
        (stacked["western_reaction_started"] > 0, "West", "secondary sanctions", stacked["western_reaction_started"]),
    ]
    parts = []
    for order, (mask, actor, event, value) in enumerate(deeds):
        r, t, i = np.nonzero(mask)
        parts.append(pd.DataFrame({"replication": r, "step": t + 1, "order": order, "state_index": i,
                                   "actor": actor, "event": event, "value": value[r, t, i]}))
    table = pd.concat(parts, ignore_index=True).sort_values(["replication", "step", "state_index", "order"], kind="stable")
    names = np.array(timeline.states)
    table["date"] = np.array(timeline.dates)[table.step.to_numpy() - 1] if len(table) else []
    table["state"] = names[table.state_index.to_numpy()] if len(table) else []
    table.loc[table.actor == "state", "actor"] = table.state
    return table[list(EVENT_COLUMNS)].reset_index(drop=True)


def _wilson(successes: np.ndarray, n: int, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def summary_table(stacked: dict[str, np.ndarray], timeline: Timeline, groups: np.ndarray | None = None) -> pd.DataFrame:
    """One row per state: shares of replications ending in each status, and more; with `groups`
    (each replication's parameter set), each share's interval with parameter uncertainty too."""
    reps, steps, _ = _index(stacked)
    final = stacked["status"][:, -1, :]
    seeking_final = stacked["seeking_membership"][:, -1, :] | (final == MEMBER)
    applied = stacked["seeking_membership"].any(axis=1)
    first_applied = np.where(applied, stacked["seeking_membership"].argmax(axis=1), -1)
    low, high = _wilson(seeking_final.sum(axis=0), reps)
    table = {
        "state": list(timeline.states),
        "region": list(timeline.regions),
        "p_outside": (final == OUTSIDE).mean(axis=0),
        "p_partner": (final == PARTNER).mean(axis=0),
        "p_member": (final == MEMBER).mean(axis=0),
        "p_seeking_membership": seeking_final.mean(axis=0),
        "p_seeking_low95": low,
        "p_seeking_high95": high,
        "p_ever_applied": applied.mean(axis=0),
        "p_declined_invitation": stacked["declined"].any(axis=1).mean(axis=0),
        "median_first_application": [
            timeline.dates[int(np.quantile(col[col >= 0], 0.5, method="lower"))] if (col >= 0).any() else ""
            for col in first_applied.T
        ],
        "mean_final_p_member": stacked["probabilities"][:, -1, :, MEMBER].mean(axis=0),
        "room_for_manoeuvre_final": stacked["room_for_manoeuvre"][0, -1, :],
        "replications": np.full(len(timeline.states), reps),
        "mean_changes_of_course": (np.diff(stacked["course"], axis=1) != 0).sum(axis=1).mean(axis=0),
    }
    if groups is not None:
        outcomes = {"outside": final == OUTSIDE, "partner": final == PARTNER, "member": final == MEMBER,
                    "seeking": seeking_final}
        for name, ended in outcomes.items():
            table[f"p_{name}_post_low95"], table[f"p_{name}_post_high95"] = interval(ended, groups)
        table["parameter_sets"] = np.full(len(timeline.states), len(np.unique(groups)))
    return pd.DataFrame(table)
