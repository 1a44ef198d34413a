"""Running a scenario: replications with independent seeded streams, gathered into tidy tables.

Replication r draws from `numpy.random.SeedSequence(seed, spawn_key=(r,))`, which is
`SeedSequence(seed).spawn(replications)[r]`: the same scenario, seed and replication count give
the same tables whatever else runs; under multiple imputation the same seed also picks the completed
dataset it runs on (`sim.inputs.imputation_for`).

Replications are simulated a chunk at a time (`CHUNK_ROWS`), all of a chunk together (`run_many`,
sim/transition.py): each chunk is stacked, turned into its rows of the
tables and added to an exact running tally (counts and sums in replication order), then let go.
`run` gathers the chunks' tables in memory; `sim.results.write_run` streams them to files, so
that memory stays flat however many replications there are. Either way the tables and the summary
are the same, and they do not depend on the chunk size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from mesa import Agent

from . import transition
from .decision import MEMBER, OPTIONS, OUTSIDE, PARTNER, TERMS
from .inputs import Timeline, Timelines, imputation_for
from .model import AlignmentModel
from .parameters import Assignment, assign, interval_from_counts, replication_worlds
from .record import FIELDS, Recorder
from .rules import RULES
from .scenario import Scenario

Progress = Callable[[int, int], None]

CHUNK_ROWS = 50_000
"""About how many timeseries rows (replications x steps x states) a chunk holds: with every field,
some 60 MB while it is tabulated, whatever the scenario's size."""

TIMESERIES_FIELDS = ("status", "seeking_membership", "course", "invited", "declined", "probabilities", "terms",
                     "room_for_manoeuvre", "deciding", "retaliation", "western_reaction", "pre_summit_pressure")
"""The recorded fields that are columns of the timeseries, which `--record` chooses among."""

POSTERIOR_OUTCOMES = ("outside", "partner", "member", "seeking", "ever_applied", "declined_invitation")
"""The shares that get intervals with parameter uncertainty under a posterior: the end states,
having applied at some point, having declined an invitation."""

TALLIED_FIELDS = ("status", "seeking_membership", "course", "invited", "declined", "probabilities",
                  "room_for_manoeuvre", "retaliation_started", "western_reaction_started", "pre_summit_pressure_started")
"""What the summary, bloc and events tables and the timeline figure need: always recorded."""


@dataclass
class RunResult:
    """The tables of one `run`, as pandas DataFrames, and what produced them. A run streamed to
    files (`sim.results.write_run`) holds no timeseries, bloc or events table (None)."""

    scenario: Scenario
    seed: int
    replications: int
    timeseries: pd.DataFrame | None
    bloc: pd.DataFrame | None
    summary: pd.DataFrame
    filled: list[dict] = field(default_factory=list)
    events: pd.DataFrame | None = None
    tally: Tally | None = None
    fields: tuple[str, ...] = TIMESERIES_FIELDS
    posterior: Assignment | None = None  # the parameter draw of each replication, when run with a posterior


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    return [replication_seed(seed, r) for r in range(replications)]


def run_once(
    scenario: Scenario,
    seed_sequence: np.random.SeedSequence,
    timeline: Timeline | None = None,
    record: tuple[str, ...] | None = None,
    offers: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """One replication, as a Mesa model; returns the recorded arrays. `offers` (option codes) are
    invitations the states hold at the start, answered at their first decision (a forecast starts
    from the record). `run_many` gives the same arrays for many replications at once."""
    model = AlignmentModel(scenario, rng=np.random.default_rng(seed_sequence), timeline=timeline, record=record)
    if offers is not None:
        model.offer[:] = offers
    data = model.run().data
    # Mesa 3.3 keeps a per-model id counter in a class attribute, which would keep every model
    # of a long sweep alive; release it (later releases no longer have it).
    ids = getattr(Agent, "_ids", None)
    if ids is not None:
        ids.pop(model, None)
    return data


def run_many(
    scenario: Scenario,
    seed_sequences: list[np.random.SeedSequence],
    timelines: list[Timeline],
    record: tuple[str, ...] | None = None,
    offers: np.ndarray | None = None,
) -> list[dict[str, np.ndarray]]:
    """Replications of `scenario`, one per seed sequence, each on its timeline, stepped together
    (sim/transition.py): the recorded arrays of each, the same as `run_once` gives it. The
    timelines are the scenario's completed datasets, or any that share their `stack_key` with them."""
    rngs = [np.random.default_rng(sequence) for sequence in seed_sequences]
    for rng in rngs:
        # What a Mesa model draws first from its generator (to seed its stdlib stream), so that a
        # replication draws the same numbers on both paths.
        rng.integers(np.iinfo(np.int32).max)
    rule = RULES[scenario.decision.rule]
    replications = transition.start(list(timelines), rule, rngs)
    if offers is not None:
        replications.offer[:] = np.tile(offers, len(rngs))
    timeline = timelines[0]
    recorder = Recorder(timeline.n_steps, len(timeline.states), record, replications=len(rngs))
    for month in range(timeline.n_steps):
        recorder.record(month, transition.step(replications, month, rule, recorder.wants("terms")))
    return [{name: array[r] for name, array in recorder.data.items()} for r in range(len(rngs))]


def run_worlds(runs: list[tuple[Scenario, Timeline, np.random.SeedSequence]],
               record: tuple[str, ...] | None = None, offers: np.ndarray | None = None) -> list[dict[str, np.ndarray]]:
    """The recorded arrays of each run (scenario, timeline, seed sequence), in order: runs whose
    timelines share their `sim.transition.stack_key` (those of one scenario, and of scenarios that
    differ only in states' values or in what a batch holds per row, `transition.PER_ROW`) go
    through `run_many` together."""
    groups: dict[tuple, list[int]] = {}
    keys: dict[int, tuple] = {}  # a timeline's key, computed once
    for index, (scenario, timeline, _) in enumerate(runs):
        if id(timeline) not in keys:
            keys[id(timeline)] = transition.stack_key(scenario.decision.rule, timeline)
        groups.setdefault(keys[id(timeline)], []).append(index)
    results: list = [None] * len(runs)
    for members in groups.values():
        scenario = runs[members[0]][0]
        for index, data in zip(members, run_many(scenario, [runs[k][2] for k in members],
                                                 [runs[k][1] for k in members], record, offers)):
            results[index] = data
    return results


def check_fields(fields: tuple[str, ...]) -> tuple[str, ...]:
    """`fields` in the timeseries' column order; ValueError naming any that is not a timeseries field."""
    unknown = [name for name in fields if name not in TIMESERIES_FIELDS]
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; choose among {', '.join(TIMESERIES_FIELDS)}")
    return tuple(name for name in TIMESERIES_FIELDS if name in fields)


class Simulation:
    """The replications of one run, chunk by chunk, with their exact running tally."""

    def __init__(self, scenario: Scenario, seed: int | None = None, replications: int | None = None,
                 fields: tuple[str, ...] = TIMESERIES_FIELDS, posterior: str | Path | None = None,
                 draws: int | None = None):
        self.scenario = scenario
        self.seed = scenario.run.seed if seed is None else seed
        self.replications = scenario.run.replications if replications is None else replications
        if self.replications < 1:
            raise ValueError("replications must be at least 1")
        if draws is not None and posterior is None:
            raise ValueError("draws needs a posterior")
        self.fields = check_fields(fields)
        self.record = tuple(name for name in FIELDS if name in self.fields or name in TALLIED_FIELDS)
        self.timelines = Timelines(scenario)
        self.timeline = self.timelines.get(0)  # the tables read only what every completed dataset shares
        self.used: set[int] = set()  # the completed datasets the replications ran on
        self.assignment = None if posterior is None else assign(posterior, self.seed, self.replications, draws)
        self.world = replication_worlds(scenario, self.timelines, self.assignment)
        self.tally = Tally(self.timeline, None if self.assignment is None else self.assignment.groups)
        self.chunk = max(1, CHUNK_ROWS // (self.timeline.n_steps * len(self.timeline.states)))

    def replicate(self, replications: range) -> list[dict[str, np.ndarray]]:
        """The recorded arrays of each of `replications`."""
        runs = []
        for replication in replications:
            seed_sequence = replication_seed(self.seed, replication)
            imputation = imputation_for(self.scenario, seed_sequence)
            self.used.add(imputation)
            scenario, timeline = self.world(replication, imputation)
            runs.append((scenario, timeline, seed_sequence))
        return run_worlds(runs, self.record)

    def chunks(self, progress: Progress | None = None) -> Iterator[dict[str, pd.DataFrame]]:
        """Each chunk's rows of the tables (timeseries, when any of its fields is kept; bloc; events),
        in replication order; the tally grows as they are produced."""
        for first in range(0, self.replications, self.chunk):
            batch = self.replicate(range(first, min(first + self.chunk, self.replications)))
            stacked = {name: np.stack([r[name] for r in batch]) for name in batch[0]}
            del batch
            self.tally.add(stacked, first)
            if progress:
                progress(first + len(stacked["status"]), self.replications)
            yield self.tables(stacked, first)

    def tables(self, stacked: dict[str, np.ndarray], first: int) -> dict[str, pd.DataFrame]:
        tables = {}
        if self.fields:
            tables["timeseries"] = timeseries_table(stacked, self.timeline, self.seed, first, self.fields)
        tables["bloc"] = bloc_table(stacked, self.timeline, len(self.scenario.bloc.members), first)
        tables["events"] = events_table(stacked, self.timeline, self.scenario.bloc.name, first)
        return tables

    def result(self, tables: dict[str, pd.DataFrame] | None = None) -> RunResult:
        tables = tables or {}
        fills: dict[tuple[str, str], tuple[str, list[float], str]] = {}
        used = sorted(self.used) or [0]
        for imputation in used:  # the first epoch's fill, per state and indicator, over the datasets used
            first: dict[tuple[str, str], tuple[str, float, str]] = {}
            for date, state, key, value, rule in self.timelines.get(imputation).filled:
                first.setdefault((state, key), (date, value, rule))
            for cell, (date, value, rule) in first.items():
                fills.setdefault(cell, (date, [], rule))[1].append(value)
        imputed = len(used) > 1
        filled = {cell: (date, float(np.mean(values)), f"{rule}; mean over the {len(values)} used" if imputed else rule)
                  for cell, (date, values, rule) in fills.items()}
        return RunResult(
            scenario=self.scenario,
            seed=self.seed,
            replications=self.replications,
            timeseries=tables.get("timeseries"),
            bloc=tables.get("bloc"),
            summary=self.tally.summary(),
            filled=[{"state": s, "indicator": k, "from": date, "filled_with": v, "rule": rule}
                    for (s, k), (date, v, rule) in filled.items()],
            events=tables.get("events"),
            tally=self.tally,
            fields=self.fields,
            posterior=self.assignment,
        )


def run(
    scenario: Scenario,
    seed: int | None = None,
    replications: int | None = None,
    progress: Progress | None = None,
    fields: tuple[str, ...] = TIMESERIES_FIELDS,
    posterior: str | Path | None = None,
    draws: int | None = None,
) -> RunResult:
    """Run `replications` replications of `scenario` (defaults from the scenario's `run`), with its
    tables in memory; `fields` chooses the timeseries' recorded columns (none: no timeseries); with
    `posterior` (a folder written by `alignsim estimate`), each replication runs under one of `draws`
    parameter draws (sim.parameters)."""
    simulation = Simulation(scenario, seed, replications, fields, posterior, draws)
    parts: dict[str, list[pd.DataFrame]] = {}
    for tables in simulation.chunks(progress):
        for name, table in tables.items():
            parts.setdefault(name, []).append(table)
    return simulation.result({name: _concat(frames) for name, frames in parts.items()})


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Chunks' rows as one table; a chunk without rows (no event) adds nothing, not its dtypes."""
    full = [frame for frame in frames if len(frame)] or frames[:1]
    return full[0] if len(full) == 1 else pd.concat(full, ignore_index=True)


def _index(stacked: dict[str, np.ndarray]) -> tuple[int, int, int]:
    return stacked["status"].shape  # (replications, steps, states)


def timeseries_table(stacked: dict[str, np.ndarray], timeline: Timeline, seed: int, first: int = 0,
                     fields: tuple[str, ...] = TIMESERIES_FIELDS) -> pd.DataFrame:
    """Tidy: one row per replication, step and state (replications numbered from `first`), with
    the columns of the recorded `fields`."""
    reps, steps, states = _index(stacked)
    rows = reps * steps * states
    labels = np.array(OPTIONS)
    table = {
        "replication": np.repeat(np.arange(first, first + reps), steps * states),
        "seed": np.full(rows, seed, dtype=np.uint64),
        "step": np.tile(np.repeat(np.arange(1, steps + 1), states), reps),
        "date": np.tile(np.repeat(np.array(timeline.dates), states), reps),
        "state": np.tile(np.array(timeline.states), reps * steps),
    }
    columns = {
        "status": lambda: {"status": labels[stacked["status"].ravel()]},
        # As in summary.csv and sweeps: membership held or applied for (the recorder's field is the application).
        "seeking_membership": lambda: {
            "seeking_membership": (stacked["seeking_membership"] | (stacked["status"] == MEMBER)).ravel()},
        "course": lambda: {"course": labels[stacked["course"].ravel()]},
        "invited": lambda: {"invited": np.array(["none", "partner", "member"])[stacked["invited"].ravel()]},
        "declined": lambda: {"declined": stacked["declined"].ravel()},
        "probabilities": lambda: {f"p_{name}": stacked["probabilities"][..., option].ravel()
                                  for option, name in enumerate(OPTIONS)},
        "terms": lambda: {f"u_{name}": stacked["terms"][..., term].ravel() for term, name in enumerate(TERMS)},
    }
    for name in fields:
        table.update(columns[name]() if name in columns else {name: stacked[name].ravel()})
    return pd.DataFrame(table)


def bloc_table(stacked: dict[str, np.ndarray], timeline: Timeline, initial_members: int,
               first: int = 0) -> pd.DataFrame:
    """Bloc-level counts: one row per replication and step."""
    reps, steps, _ = _index(stacked)
    status = stacked["status"]
    return pd.DataFrame(
        {
            "replication": np.repeat(np.arange(first, first + reps), steps),
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


def events_table(stacked: dict[str, np.ndarray], timeline: Timeline, bloc: str, first: int = 0) -> pd.DataFrame:
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
        (stacked["pre_summit_pressure_started"] > 0, "Russia", "pressure before the summit",
         stacked["pre_summit_pressure_started"]),
    ]
    parts = []
    for order, (mask, actor, event, value) in enumerate(deeds):
        r, t, i = np.nonzero(mask)
        parts.append(pd.DataFrame({"replication": r + first, "step": t + 1, "order": order, "state_index": i,
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


class Tally:
    """What the summary and the timeline figure need, accumulated chunk by chunk, exactly: counts,
    each state's histogram of first-application months (for the median), and the one sum of
    floats (the final probability of membership) added replication by replication, in order, so
    that any chunking gives the same bits."""

    def __init__(self, timeline: Timeline, groups: np.ndarray | None = None):
        self.timeline = timeline
        # With a posterior, each replication's parameter set: the summary's intervals with parameter
        # uncertainty need each set's count of replications and of each outcome.
        self.groups = groups
        n_groups = 0 if groups is None else int(groups.max()) + 1
        self.group_size = np.zeros(n_groups, dtype=np.int64)
        self.group_outcomes = np.zeros((len(POSTERIOR_OUTCOMES), n_groups, len(timeline.states)), dtype=np.int64)
        steps, states = timeline.n_steps, len(timeline.states)
        self.replications = 0
        self.final = np.zeros((len(OPTIONS), states), dtype=np.int64)  # replications ending in each status
        self.seeking_final = np.zeros(states, dtype=np.int64)
        self.applied = np.zeros(states, dtype=np.int64)
        self.declined = np.zeros(states, dtype=np.int64)
        self.first_application = np.zeros((steps, states), dtype=np.int64)  # histogram over months
        self.p_member_final = np.zeros(states)
        self.changes_of_course = np.zeros(states, dtype=np.int64)
        self.room_for_manoeuvre_final = None  # replication 0's
        self.status = np.zeros((len(OPTIONS), steps, states), dtype=np.int64)  # per month, for the timeline
        self.seeking = np.zeros((steps, states), dtype=np.int64)

    def add(self, stacked: dict[str, np.ndarray], first: int = 0) -> None:
        """Add the replications `first`, `first + 1`, ... of a chunk."""
        status, seeking = stacked["status"], stacked["seeking_membership"]
        held_or_applied = seeking | (status == MEMBER)
        applied, declined = seeking.any(axis=1), stacked["declined"].any(axis=1)
        if self.groups is not None:
            groups = self.groups[first:first + len(status)]
            np.add.at(self.group_size, groups, 1)
            final = status[:, -1, :]
            outcomes = (final == OUTSIDE, final == PARTNER, final == MEMBER, held_or_applied[:, -1, :], applied, declined)
            for k, outcome in enumerate(outcomes):
                np.add.at(self.group_outcomes[k], groups, outcome.astype(np.int64))
        for option in range(len(OPTIONS)):
            self.final[option] += (status[:, -1, :] == option).sum(axis=0)
            self.status[option] += (status == option).sum(axis=0)
        self.seeking_final += held_or_applied[:, -1, :].sum(axis=0)
        self.seeking += held_or_applied.sum(axis=0)
        self.applied += applied.sum(axis=0)
        reps, states = applied.shape
        first = seeking.argmax(axis=1)
        np.add.at(self.first_application, (first[applied], np.nonzero(applied)[1]), 1)
        self.declined += declined.sum(axis=0)
        for row in stacked["probabilities"][:, -1, :, MEMBER]:
            self.p_member_final += row
        self.changes_of_course += (np.diff(stacked["course"], axis=1) != 0).sum(axis=(0, 1))
        if self.room_for_manoeuvre_final is None:
            self.room_for_manoeuvre_final = stacked["room_for_manoeuvre"][0, -1, :].copy()
        self.replications += reps

    def median_first_application(self) -> list[str]:
        """Per state, the lower median month of first application among the replications that applied."""
        months = []
        for column in self.first_application.T:
            applied = column.sum()
            if not applied:
                months.append("")
                continue
            rank = (applied - 1) // 2  # numpy's quantile(0.5, method="lower") of the sorted months
            months.append(self.timeline.dates[int(np.searchsorted(np.cumsum(column), rank, side="right"))])
        return months

    def summary(self) -> pd.DataFrame:
        """One row per state: shares of replications ending in each status, and more."""
        n = self.replications
        timeline = self.timeline
        low, high = _wilson(self.seeking_final, n)
        table = {
            "state": list(timeline.states),
            "region": list(timeline.regions),
            "p_outside": self.final[OUTSIDE] / n,
            "p_partner": self.final[PARTNER] / n,
            "p_member": self.final[MEMBER] / n,
            "p_seeking_membership": self.seeking_final / n,
            "p_seeking_low95": low,
            "p_seeking_high95": high,
            "p_ever_applied": self.applied / n,
            "p_declined_invitation": self.declined / n,
            "median_first_application": self.median_first_application(),
            "mean_final_p_member": self.p_member_final / n,
            "room_for_manoeuvre_final": self.room_for_manoeuvre_final,
            "replications": np.full(len(timeline.states), n),
            "mean_changes_of_course": self.changes_of_course / n,
        }
        if self.groups is not None:
            present = self.group_size > 0
            for name, counts in zip(POSTERIOR_OUTCOMES, self.group_outcomes):
                table[f"p_{name}_post_low95"], table[f"p_{name}_post_high95"] = interval_from_counts(
                    counts[present], self.group_size[present])
            table["parameter_sets"] = np.full(len(timeline.states), int(present.sum()))
        return pd.DataFrame(table)

    def shares(self) -> dict[str, dict[str, np.ndarray]]:
        """Per state, month by month, the share of replications in each status and seeking membership."""
        n = self.replications
        return {state: {**{option: self.status[o, :, s] / n for o, option in enumerate(OPTIONS)},
                        "seeking": self.seeking[:, s] / n}
                for s, state in enumerate(self.timeline.states)}
