"""What a run records each month, declared in one place.

Each field is an array over (steps, states, ...). A caller may ask for a subset (a sweep keeps
only what it analyses); nothing else is stored.
"""

from __future__ import annotations

import numpy as np

from .decision import OPTIONS, TERMS

FIELDS: dict[str, tuple[type, tuple[int, ...], str]] = {
    "status": (np.int8, (), "status held: 0 outside, 1 partner, 2 member"),
    "seeking_membership": (np.bool_, (), "a membership application is pending"),
    "course": (np.int8, (), "the option last chosen: 0 outside, 1 partner, 2 member"),
    "invited": (np.int8, (), "invitation received at this month's summit: 0 none, 1 partner, 2 member"),
    "declined": (np.bool_, (), "an invitation was declined this month"),
    "deciding": (np.bool_, (), "the state decided this step (a decision moment or a review)"),
    "probabilities": (np.float64, (len(OPTIONS),), "probability of each option under the decision rule"),
    "terms": (np.float64, (len(TERMS),), "each weighted term's contribution to U(member) - U(outside)"),
    "room_for_manoeuvre": (np.float64, (), "(1 - sanction pressure) x (1 - trade concentration)"),
    "retaliation": (np.float64, (), "Russia's retaliation in force against the state this step (its size)"),
    "retaliation_started": (np.float64, (), "size of a retaliation Russia began this step after a refusal (0: none)"),
    "western_reaction": (np.float64, (), "the West's reaction to alignment in force against the state this step"),
    "western_reaction_started": (np.float64, (), "size of a reaction the West began this step (0: none)"),
    "pre_summit_pressure": (np.float64, (), "Russia's pressure before a summit in force against the state this step"),
    "pre_summit_pressure_started": (np.float64, (), "size of a pressure before a summit Russia began this step (0: none)"),
}


class Recorder:
    """Preallocated arrays, filled one month at a time: (steps, states, ...), or with
    `replications`, (replications, steps, states, ...) from the flat arrays of sim/transition.py."""

    def __init__(self, n_steps: int, n_states: int, fields: tuple[str, ...] | None = None,
                 replications: int | None = None):
        unknown = set(fields or ()) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown recorded fields {sorted(unknown)}; known: {sorted(FIELDS)}")
        self.fields = tuple(FIELDS) if fields is None else tuple(fields)
        self.replications = replications
        lead = (n_steps,) if replications is None else (replications, n_steps)
        self.data = {name: np.zeros((*lead, n_states, *FIELDS[name][1]), dtype=FIELDS[name][0])
                     for name in self.fields}

    def wants(self, name: str) -> bool:
        return name in self.data

    def record(self, step: int, values: dict[str, np.ndarray]) -> None:
        for name, array in self.data.items():
            target = array[step] if self.replications is None else array[:, step]
            target[...] = np.reshape(values[name], target.shape)
