"""The bloc's choice at a summit: pure functions over arrays of states (docs/model.md, mechanism 5:
admission by consensus of members, tass.com and opovo.com.br on Brazil's veto, 2024-10). Nothing here knows a state's name.

Admission needs every voting member's consent (`consent` is the product of the members'
consents toward a state, so a single member's veto blocks); the bloc's appetite is a probability
per consented candidate and, where a scenario holds the whole field, a number of seats.
"""

from __future__ import annotations

import numpy as np

from .decision import MEMBER, OUTSIDE, PARTNER


def within_seats(invited: np.ndarray, order: np.ndarray, seats: float | np.ndarray) -> np.ndarray:
    """Keep at most `seats` of the invited states: those first in the random `order`. Over
    (states,) or, for many replications at once, (replications, states) with a number of seats each."""
    seats = np.floor(np.asarray(seats, dtype=float))[..., None]
    if (invited.sum(axis=-1, keepdims=True) <= seats).all():
        return invited
    ranked = np.where(invited, order, np.inf)
    place = np.argsort(np.argsort(ranked, axis=-1, kind="stable"), axis=-1, kind="stable")
    return invited & (place < seats)


def invitations(status: np.ndarray, seeking: np.ndarray, interested: np.ndarray, admit_member: np.ndarray,
                admit_member_from_partner: np.ndarray, admit_partner: np.ndarray, admit_on_initiative: np.ndarray,
                seats: tuple, draws: np.ndarray) -> np.ndarray:
    """The offers of one summit, by the bloc's rule: (n_states,) option codes, OUTSIDE for none;
    or (replications, n_states) for many replications' summits at once, each array so shaped and
    `seats` a number per replication.

    - membership to applicants, each with the consensus probability times the member appetite
      (for a partner, the partner route's appetite);
    - partnership to outside states that showed interest recently, with the partner appetite;
    - partnership, on the bloc's own initiative, to outside states that showed none (Kazan:
      Uzbekistan was invited without having applied, Kazakhstan after withdrawing; thecentral.asia,
      astanatimes.com 2024-10);
    - at most `seats` = (members, partners) of each, chosen at random among those drawn.

    `draws` is (4, n_states) uniform numbers, or (replications, 4, n_states): member, partner,
    initiative, seat order.
    """
    member_draw, partner_draw, initiative_draw, order = (draws[..., k, :] for k in range(4))
    admit = np.where(status == PARTNER, admit_member_from_partner, admit_member)
    member = within_seats(seeking & (member_draw < admit), order, seats[0])
    outside = (status == OUTSIDE) & ~member
    partner = outside & np.where(interested, partner_draw < admit_partner, initiative_draw < admit_on_initiative)
    partner = within_seats(partner, order, seats[1])
    return np.where(member, MEMBER, np.where(partner, PARTNER, OUTSIDE)).astype(np.int8)


def observed_invitations(status: np.ndarray, offers: np.ndarray) -> np.ndarray:
    """The bloc's observed choice at a summit, as offers: each listed state is offered what the
    record says, unless it already holds that status."""
    return np.where(offers > status, offers, OUTSIDE).astype(np.int8)
