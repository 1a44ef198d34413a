"""The logit rule (random utility, quantal response): the model's default. Its functions are the
mechanisms of sim/decision.py; this module only plugs them into the rules' signature."""

from __future__ import annotations

import numpy as np

from .. import decision as d


ROW_WISE = True
"""Each state's probabilities come from its own row of the world alone (no other state's)."""


def draw(rng: np.random.Generator, n_states: int) -> None:
    """The logit draws its chance at each choice, nothing at the start."""


def chance_at(quantiles: np.ndarray) -> None:
    """The logit fixes no chance at the start."""


def probabilities(world) -> np.ndarray:
    """`choice_probabilities` of the mechanisms' utilities (docs/model.md, 7.3)."""
    return d.choice_probabilities(world.utility, world.epoch.rationality, world.available)


def drivers(world) -> dict[str, np.ndarray]:
    """None beyond the utilities, which `explain` splits by mechanism."""
    return {}
