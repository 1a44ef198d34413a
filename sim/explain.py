"""Why a state chooses as it does at a given month: under the logit, every option's utility,
term by term; under a rule without per-mechanism utilities, what the rule decides on (its
`drivers`: a threshold and the share of aligned ties, the returns open on each side, or a
state's frustration and its options' energies in the landscape).

What depends on the run's history (the powers' reactions, accession friction, peers, switching
cost, the thresholds drawn) is evaluated on the history of one replication (replication 0 of
`seed`) up to that month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import decision as d
from .model import _DYNAMIC, AlignmentModel
from .run import replication_seeds
from .scenario import InputError, Issue, Scenario


def explain(scenario: Scenario, date: str, seed: int | None = None) -> pd.DataFrame:
    """At the start of month `date` (YYYY-MM), one row per state and option with the option's
    probability and, under the logit, one per term too: state, option, term, weighted utility
    contribution, probability. Under another rule: state, option, probability and one column per
    driver of the rule (the same on each option's row)."""
    seed = scenario.run.seed if seed is None else seed
    model = AlignmentModel(scenario, rng=np.random.default_rng(replication_seeds(seed, 1)[0]))
    dates = model.timeline.dates
    if date not in dates:
        raise InputError(Issue("<explain>", "date", f"{date} is not a simulated month ({dates[0]} to {dates[-1]})"))
    step = dates.index(date)
    for _ in range(step):
        model.step()
    epoch = model.timeline.epoch_at(step)
    probabilities, dynamic = model.evaluate(epoch)
    drivers = model.rule.drivers(model.world)
    if drivers:
        table = pd.DataFrame({"state": np.repeat(model.timeline.states, len(d.OPTIONS)),
                              "option": np.tile(d.OPTIONS, len(model.timeline.states)),
                              "probability": probabilities.ravel()})
        return table.assign(**{name: np.repeat(values, len(d.OPTIONS)) for name, values in drivers.items()})
    terms = epoch.exogenous_terms.copy()
    terms[_DYNAMIC] += np.stack(dynamic)  # zero there but for the standing patron pressure
    weighted = epoch.weights[:, None, None] * terms  # (terms, states, options)
    rows = []
    for s, state in enumerate(model.timeline.states):
        for o, option in enumerate(d.OPTIONS):
            for t, term in enumerate(d.TERMS):
                rows.append((state, option, term, float(weighted[t, s, o]), float(probabilities[s, o])))
    return pd.DataFrame(rows, columns=["state", "option", "term", "utility", "probability"])
