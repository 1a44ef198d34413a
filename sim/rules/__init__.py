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
integrates the chance out (`chance_nodes`, `over_chance`). A rule whose chance acts only through
one yes/no per state may split `probabilities` into `outcome(world) -> (n_states,) bool` (what the
chance decides) and `given(world, outcome)`, so that a likelihood over many values of the chance
decides twice (the threshold rule does). docs/model.md, section 7, gives each rule's equations.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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


def over_chance(rule: ModuleType, world: World, draws: list[np.ndarray | None]) -> np.ndarray:
    """(len(draws), n_states, n_options): `rule`'s probabilities in `world` at each of `draws`,
    values of its chance (`world.draws` is not read). A rule with `outcome` and `given` decides
    once on each side of its yes/no and each value only picks between the two; another is called
    once per value."""
    if not hasattr(rule, "outcome"):
        return np.stack([rule.probabilities(replace(world, draws=draw)) for draw in draws])
    n_states = len(world.stance)
    no, yes = (rule.given(world, np.full(n_states, side)) for side in (False, True))
    return np.stack([np.where(rule.outcome(replace(world, draws=draw))[:, None], yes, no) for draw in draws])
