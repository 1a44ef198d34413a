"""Hedging (Kuik 2008, "The essence of hedging: Malaysia and Singapore's response to a rising
China", Contemporary Southeast Asia 30(2): 159-185): a weaker state keeps the returns it has from
both sides and avoids the options that would close either. Partner status is the hedge;
membership is taken only once the Western side is already closed, and a state whose bloc side is
closed stays outside (docs/model.md, 7.9).
"""

from __future__ import annotations

import numpy as np

from .. import decision as d
from .choice import first_available, trembling

FITTED = {"closed_below": (0.0, 1.0), "tremble": (0.001, 1.0)}
"""What `alignsim validate` fits on a record, within these bounds."""


ROW_WISE = True
"""Each state's probabilities come from its own row of the world alone (no other state's)."""


def draw(rng: np.random.Generator, n_states: int) -> None:
    """Hedging fixes no chance at the start."""


def chance_at(quantiles: np.ndarray) -> None:
    """Hedging fixes no chance."""


def drivers(world) -> dict[str, np.ndarray]:
    """The returns still open on each side, and the share below which a side counts as closed."""
    epoch = world.epoch
    return {
        "western_returns": epoch.western_open,
        "bloc_returns": epoch.bloc_trade,
        "closed_below": np.full(len(epoch.bloc_trade), epoch.rule.closed_below),
    }


def hedge(west_closed: np.ndarray, bloc_closed: np.ndarray, stance: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each state's options in order of preference (the last, outside, is always open): both sides
    open, partner then outside; the West closed, member, partner, outside; the bloc closed,
    outside; both closed, nothing left to hedge: the current course."""
    both_open = ~west_closed & ~bloc_closed
    bandwagon = west_closed & ~bloc_closed
    first = np.select([both_open, bandwagon, west_closed & bloc_closed], [d.PARTNER, d.MEMBER, stance], d.OUTSIDE)
    second = np.where(bandwagon, d.PARTNER, d.OUTSIDE)
    return first, second, np.full(len(stance), d.OUTSIDE)


def probabilities(world) -> np.ndarray:
    """The first open option of `hedge`; with chance `tremble`, any open option."""
    epoch = world.epoch
    closed = epoch.rule.closed_below
    chosen = first_available(world.available, hedge(epoch.western_open < closed, epoch.bloc_trade < closed,
                                                    world.stance))
    return trembling(chosen, world.available, epoch.rule.tremble)
