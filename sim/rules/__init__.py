"""The decision rules a scenario may choose (`decision.rule`): how a state's situation becomes
probabilities over the options.

Each rule is a module with the same two pure functions over arrays of states:

- `probabilities(world) -> (n_states, n_options)`: the choice probabilities, zero on options
  that are not available;
- `drivers(world) -> {name: (n_states,)}`: what the rule decides on, for `explain` (empty for the
  logit, whose drivers are the mechanisms' utilities);

`ROW_WISE`, whether a state's probabilities come from its own row of the world alone (then a
likelihood may stack every step of a record into one call); `draw(rng, n_states)`, the
per-state chance a replication fixes once at its start (None when the rule needs none, so that
it consumes no random numbers), and `chance_at(quantiles)`, the
values of that chance at quantiles of its distribution (None likewise), from which a likelihood
integrates the chance out (`chance_nodes`). docs/model.md, section 7, gives each rule's equations.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from . import hedging, landscape, logit, threshold

if TYPE_CHECKING:
    from ..inputs import Epoch


@dataclass(frozen=True)
class World:
    """What a rule may look at, for every state, at one step."""

    epoch: Epoch  # the exogenous world and the rule's parameters (`epoch.rule`)
    utility: np.ndarray  # (n_states, n_options) the mechanisms' weighted utilities
    available: np.ndarray  # (n_states, n_options) bool, or (1, n_options) when all are
    stance: np.ndarray  # (n_states,) current course
    aligned: np.ndarray  # (n_states,) 1.0 for a partner, a member or a state seeking either
    adjacency: np.ndarray  # (n_states, n_states) regional peers
    draws: np.ndarray | None  # what the rule's `draw` fixed for this replication
    peers: np.ndarray  # (n_states,) share of each state's peers that are aligned (`d.peer_alignment`)
    tied: np.ndarray  # (n_states,) bool: the state has regional peers


RULES: dict[str, ModuleType] = {"logit": logit, "threshold": threshold, "hedging": hedging,
                                "landscape": landscape}


def chance_nodes(rule: ModuleType, count: int, n_states: int) -> list[np.ndarray | None]:
    """`count` equally likely values of `rule`'s per-state chance, each the same for every state:
    the midpoints of `count` equal-probability slices of its distribution. A likelihood that
    averages a state's probability over them integrates the chance out by the midpoint rule in its
    quantiles: no seed, so that a fit does not move with one. [None] for a rule that fixes none."""
    values = rule.chance_at((np.arange(count) + 0.5) / count)
    return [None] if values is None else [np.full(n_states, value) for value in values]
