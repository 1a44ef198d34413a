"""The threshold cascade (Granovetter 1978, "Threshold models of collective behavior", American
Journal of Sociology 83(6): 1420-1443): a state aligns once the weighted share of aligned states
it is tied to passes its own threshold. Thresholds differ between states and replications; their
location follows a state's indicators (docs/model.md, 7.8).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from .. import decision as d
from .choice import first_available, trembling

FITTED = {"location": (0.01, 0.99), "exposure": (0.0, 20.0), "relief": (0.0, 20.0), "spread": (0.05, 10.0),
          "tremble": (0.001, 1.0)}
"""What `alignsim validate` fits on a record, within these bounds. Not `peer_weight`: the scored
decisions leave peers out, so no decision carries it."""


ROW_WISE = True
"""Each state's probabilities come from its own row of the world alone (no other state's)."""


def draw(rng: np.random.Generator, n_states: int) -> np.ndarray:
    """Each state's standard normal deviate of its threshold, fixed for the replication."""
    return rng.standard_normal(n_states)


def chance_at(quantiles: np.ndarray) -> np.ndarray:
    """The deviates at `quantiles` of their distribution, the standard normal."""
    return ndtri(quantiles)


def tie_share(peers: np.ndarray, tied: np.ndarray, bloc_trade: np.ndarray, trade_west: np.ndarray,
              peer_weight: float) -> np.ndarray:
    """Weighted share of aligned ties: the regional peers together (weight `peer_weight` for a state
    `tied` to any, aligned in the share `peers`), the bloc's members (weight: trade with them;
    aligned by definition) and the West (weight: trade with it; never aligned). 0 for a state with
    no ties."""
    weight = peer_weight * tied
    total = weight + bloc_trade + trade_west
    aligned_ties = weight * peers + bloc_trade
    return np.divide(aligned_ties, total, out=np.zeros(len(total)), where=total > 0)


def thresholds(western_open: np.ndarray, pressure: np.ndarray, location: float, exposure: float, relief: float,
               spread: float, deviates: np.ndarray) -> np.ndarray:
    """Logit-normal thresholds: log-odds logit(location) + exposure x open Western stake
    - relief x sanction pressure + spread x deviate."""
    log_odds = np.log(location / (1.0 - location)) + exposure * western_open - relief * pressure + spread * deviates
    return 1.0 / (1.0 + np.exp(-log_odds))


def drivers(world) -> dict[str, np.ndarray]:
    """Each state's threshold, the weighted share of its aligned ties, and its peers' share alone."""
    epoch, p = world.epoch, world.epoch.rule
    return {
        "threshold": thresholds(epoch.western_open, epoch.pressure, p.location, p.exposure, p.relief, p.spread,
                                world.draws),
        "aligned_ties": tie_share(world.peers, world.tied, epoch.bloc_trade, epoch.trade_west, p.peer_weight),
        "aligned_peers": world.peers,
    }


def outcome(world) -> np.ndarray:
    """(n_states,) bool: the state is past its threshold. The one thing the rule's chance (the
    deviates) decides, so that a likelihood integrating it out decides twice (`sim.rules.over_chance`)."""
    driving = drivers(world)
    return driving["aligned_ties"] >= driving["threshold"]


def given(world, crossed: np.ndarray) -> np.ndarray:
    """A state past its threshold (`crossed`) keeps an aligned course, else takes the first open of
    partner and member; below it, it stays or goes outside. With chance `tremble`, any open option."""
    outside = np.full(len(crossed), d.OUTSIDE)
    course = np.where(world.stance >= d.PARTNER, world.stance, d.PARTNER)
    chosen = first_available(world.available, (np.where(crossed, course, d.OUTSIDE),
                                               np.where(crossed, d.PARTNER, d.OUTSIDE),
                                               np.where(crossed, d.MEMBER, d.OUTSIDE), outside))
    return trembling(chosen, world.available, world.epoch.rule.tremble)


def probabilities(world) -> np.ndarray:
    """The choice probabilities given whether each state is past its threshold."""
    return given(world, outcome(world))
