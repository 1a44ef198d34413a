"""Landscape theory of aggregation as a decision rule (Axelrod & Bennett 1993, "A landscape theory
of aggregation", British Journal of Political Science 23(2): 211-233): the West, the bloc and the
deciding states are actors with sizes and pairwise propensities; a state values each option by
the energy of the nearest local minimum its choice leads to, and chooses by a logit over those
energies (docs/model.md, 7.10). The energies and the descent are sim/landscape.py's engine.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from .. import decision as d
from ..landscape import Landscape, descend, energies, frustrations

WEST, BLOC = 0, 1  # the poles' places among the actors; the deciding states follow, in scenario order
POLES = 2
HELD = {WEST: False, BLOC: True}
"""The poles stay on their sides: they define the two sides, and no configuration joins them."""
POSITION = d.ALIGNMENT
"""Where each option puts a state: outside on the West's side (0), member on the bloc's (1),
partner half-way (1/2)."""


ROW_WISE = False
"""A state's probabilities depend on the other states' (the whole landscape)."""


def draw(rng: np.random.Generator, n_states: int) -> None:
    """The landscape rule fixes no chance at the start."""


def chance_at(quantiles: np.ndarray) -> None:
    """The landscape rule fixes no chance."""


def toward_bloc(epoch, p) -> np.ndarray:
    """p_iB: trade with the bloc's members, plus affinity with its narrative (weight `political_ties`)."""
    return epoch.bloc_trade + p.political_ties * epoch.affinity


def toward_west(epoch, p) -> np.ndarray:
    """p_iW: trade with the West, plus its engagement (weight `political_ties`), less the sanction
    pressure it applies (weight `conflict`)."""
    return epoch.trade_west + p.political_ties * epoch.engagement - p.conflict * epoch.pressure


@cache
def _actors(n_states: int) -> tuple[str, ...]:
    """Names the engine carries for the actors; the rule never reads them."""
    return ("West", "bloc", *map(str, range(n_states)))


def world_landscape(epoch, adjacency: np.ndarray, p, actors: tuple[str, ...] | None = None) -> Landscape:
    """The West, the bloc and the deciding states: sizes (the poles' from the parameters `p`,
    `decision.landscape`; 1 for a state) and propensities (state-pole from the indicators,
    peer-peer for regional peers). `actors` names them (West, bloc, states) for output. The poles
    are held apart (`HELD`), so their own propensity would add the same to every energy: it is 0."""
    n = len(adjacency)
    propensity = np.zeros((n + POLES, n + POLES))
    propensity[POLES:, POLES:] = p.peer_propensity * adjacency
    propensity[POLES:, WEST] = propensity[WEST, POLES:] = toward_west(epoch, p)
    propensity[POLES:, BLOC] = propensity[BLOC, POLES:] = toward_bloc(epoch, p)
    sizes = np.concatenate([[p.west_size, p.bloc_size], np.ones(n)])
    return Landscape(_actors(n) if actors is None else actors, sizes, propensity)


def configuration(aligned: np.ndarray) -> np.ndarray:
    """The world now: the West at 0, the bloc at 1, an aligned state (a partner, a member or
    seeking either) on the bloc's side, any other on the West's."""
    return np.concatenate([[float(HELD[WEST]), float(HELD[BLOC])], aligned])


def option_energies(world) -> np.ndarray:
    """(n_states, n_options): for each state and option, the energy of the nearest local minimum
    from the configuration the option leads to (the state placed at the option's position), reached
    by steepest descent of the state's peers, everyone else held."""
    n = len(world.stance)
    if world.adjacency.shape[1] == 0:  # no one tied to anyone (a record's months, scored one by one)
        return _own_energies(world.epoch, world.epoch.rule)
    landscape = world_landscape(world.epoch, world.adjacency, world.epoch.rule)
    rows = np.arange(n * len(POSITION))
    state, option = rows // len(POSITION), rows % len(POSITION)
    start = np.repeat(configuration(world.aligned)[None, :], len(rows), axis=0)
    start[rows, POLES + state] = POSITION[option]
    movable = np.zeros(start.shape, dtype=bool)
    movable[:, POLES:] = world.adjacency[state] > 0  # no one else is tied to the state
    return energies(landscape, descend(landscape, start, movable)).reshape(n, len(POSITION))


def _own_energies(epoch, p) -> np.ndarray:
    """(n_states, n_options): with no peers, the part of the energy that depends on a state's own
    position x: 2 (s_W p_iW x + s_B p_iB (1 - x)), its ordered pairs with the poles counted twice.
    The rest of E is the same for each of its options, and a choice between them ignores it."""
    west = p.west_size * toward_west(epoch, p)[:, None] * POSITION[None, :]
    bloc = p.bloc_size * toward_bloc(epoch, p)[:, None] * (1.0 - POSITION[None, :])
    return 2.0 * (west + bloc)


def probabilities(world) -> np.ndarray:
    """Logit over the options' energies: P_ia proportional to exp(-E_ia / temperature), available
    options only (`choice_probabilities` with utility -E and precision 1 / temperature)."""
    return d.choice_probabilities(-option_energies(world), 1.0 / world.epoch.rule.temperature, world.available)


def drivers(world) -> dict[str, np.ndarray]:
    """Each state's frustration in the world now, its options' energies above the lowest of the
    three, and its propensities toward the two poles."""
    landscape = world_landscape(world.epoch, world.adjacency, world.epoch.rule)
    energy = option_energies(world)
    relative = energy - energy.min(axis=1, keepdims=True)
    return {
        "frustration": frustrations(landscape, configuration(world.aligned)[None, :])[0, POLES:],
        **{f"energy_{option}": relative[:, k] for k, option in enumerate(d.OPTIONS)},
        "bloc_propensity": toward_bloc(world.epoch, world.epoch.rule),
        "west_propensity": toward_west(world.epoch, world.epoch.rule),
    }
