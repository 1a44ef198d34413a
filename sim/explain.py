"""Why a state chooses as it does at a given month: under the logit, every option's utility,
term by term; under a rule without per-mechanism utilities, what the rule decides on (its
`drivers`: a threshold and the share of aligned ties, the returns open on each side, or a
state's frustration and its options' energies in the landscape).

What depends on the run's history (the powers' reactions, accession friction, peers, switching
cost, the thresholds drawn) is evaluated on the history of one replication (replication 0 of
`seed`) up to that month. With a posterior, the month is explained under each of a seeded
choice of parameter draws, each on its own history, and a mechanism's share of the choice comes
with its interval over the draws.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import decision as d
from .model import AlignmentModel
from .parameters import draw_overrides, pick
from .run import replication_seeds
from .scenario import InputError, Issue, Scenario, with_overrides
from .scenario.schema import _parse_month
from .transition import DYNAMIC

DRAWS = 50
"""Posterior draws `explain` uses unless told otherwise."""


def explain(scenario: Scenario, date: str, seed: int | None = None, posterior: str | Path | None = None,
            draws: int | None = None) -> pd.DataFrame:
    """At the start of month `date` (YYYY-MM), one row per state and option with the option's
    probability and, under the logit, one per term too: state, option, term, weighted utility
    contribution, probability. Under another rule: state, option, probability and one column per
    driver of the rule (the same on each option's row). With `posterior` (a folder written by
    `alignsim estimate`), the same under each of `draws` draws (default DRAWS) picked with `seed`,
    with a first column `draw`, the draw's row in the draws file."""
    seed = scenario.run.seed if seed is None else seed
    if posterior is None:
        return _explain(scenario, date, seed)
    picked = pick(posterior, seed, DRAWS if draws is None else draws)
    tables = [_explain(with_overrides(scenario, draw_overrides(values)), date, seed).assign(draw=row)
              for row, values in zip(picked.rows, picked.values)]
    table = pd.concat(tables, ignore_index=True)
    return table[["draw", *tables[0].columns[:-1]]]


def shares(explained: pd.DataFrame) -> pd.DataFrame:
    """Each mechanism's share of the choice between membership and staying outside: its weighted
    contribution to U(member) - U(outside) over the sum of every term's contribution in absolute
    value, signed (positive: toward membership). One row per state and term, and per draw with a
    posterior: share, its median over the draws, and the 5% and 95% quantiles (one draw: all three
    the same)."""
    keys = ["draw", "state", "term"] if "draw" in explained else ["state", "term"]
    wide = explained.pivot_table(index=keys, columns="option", values="utility", sort=False)
    net = (wide["member"] - wide["outside"]).rename("net").reset_index()
    whole = net.groupby(keys[:-1], sort=False)["net"].transform(lambda v: v.abs().sum())
    net["share"] = np.divide(net["net"], whole, out=np.zeros(len(net)), where=whole.to_numpy() > 0)
    grouped = net.groupby(["state", "term"], sort=False)["share"]
    return pd.DataFrame({"share": grouped.median(), "share_low90": grouped.quantile(0.05),
                         "share_high90": grouped.quantile(0.95), "draws": grouped.size()}).reset_index()


def _not_simulated(date: str, dates: tuple[str, ...], step_months: int) -> str:
    """Why `date` names no simulated month, and which would."""
    try:
        month = _parse_month(date)
    except ValueError as exc:
        return str(exc)
    message = f"{date} is not a simulated month: they run from {dates[0]} to {dates[-1]}"
    if step_months > 1 and dates[0] <= month <= dates[-1]:
        nearest = max(d for d in dates if d <= month)
        message += f" in steps of {step_months} months ({month} falls in the step of {nearest})"
    return message


def _explain(scenario: Scenario, date: str, seed: int) -> pd.DataFrame:
    model = AlignmentModel(scenario, rng=np.random.default_rng(replication_seeds(seed, 1)[0]))
    dates = model.timeline.dates
    try:
        date = _parse_month(date)  # " 2024-10" is 2024-10
    except ValueError:
        pass  # said by _not_simulated
    if date not in dates:
        raise InputError(Issue("<explain>", "date", _not_simulated(date, dates, scenario.calendar.step_months)))
    step = dates.index(date)
    for _ in range(step):
        model.step()
    epoch = model.timeline.epoch_at(step)
    evaluation = model.evaluate(step)
    probabilities, dynamic = evaluation.probabilities, evaluation.dynamic
    drivers = model.rule.drivers(evaluation.world)
    if drivers:
        table = pd.DataFrame({"state": np.repeat(model.timeline.states, len(d.OPTIONS)),
                              "option": np.tile(d.OPTIONS, len(model.timeline.states)),
                              "probability": probabilities.ravel()})
        return table.assign(**{name: np.repeat(values, len(d.OPTIONS)) for name, values in drivers.items()})
    terms = epoch.exogenous_terms.copy()
    terms[DYNAMIC] += np.stack(dynamic)  # zero there but for the standing patron pressure
    weighted = epoch.weights[:, None, None] * terms  # (terms, states, options)
    rows = []
    for s, state in enumerate(model.timeline.states):
        for o, option in enumerate(d.OPTIONS):
            for t, term in enumerate(d.TERMS):
                rows.append((state, option, term, float(weighted[t, s, o]), float(probabilities[s, o])))
    return pd.DataFrame(rows, columns=["state", "option", "term", "utility", "probability"])
