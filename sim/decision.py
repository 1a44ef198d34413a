"""The decision math: one pure function per mechanism of the brief, over arrays of states.

Every term function returns an (n_states, n_options) array of unweighted utility contributions;
`utilities` weights and sums them, `choice_probabilities` applies the logit rule. Names match the
equations in docs/model.md, section "Submodels". Nothing here knows a state's name.

The options are, in this order: stay outside, be a partner, be a member (which, until granted,
means applying). Most mechanisms scale with the option's degree of alignment `ALIGNMENT`.
"""

from __future__ import annotations

import functools

import numpy as np

OPTIONS = ("outside", "partner", "member")
OUTSIDE, PARTNER, MEMBER = 0, 1, 2
ALIGNMENT = np.array([0.0, 0.5, 1.0])
"""How far each option commits a state to the bloc: the scale of most mechanisms."""

TERMS = (
    "sanction_relief",
    "western_exposure",
    "western_threat",
    "patron_pressure",
    "refusal_retaliation",
    "diversification",
    "autonomy",
    "bloc_benefits",
    "accession_friction",
    "substitutes",
    "peer_influence",
    "switching_cost",
)


# --- Derived measures of a state's position ---------------------------------------------------


def sanction_pressure(sanctions: np.ndarray, blockade: np.ndarray) -> np.ndarray:
    """Share of Western economic relations already closed off: sanctions or blockade, either."""
    return 1.0 - (1.0 - sanctions) * (1.0 - blockade)


def western_stake(trade_west: np.ndarray, investment_west: np.ndarray, engagement: np.ndarray) -> np.ndarray:
    """What a state has with the West: trade, investment and diplomatic engagement, averaged."""
    return (trade_west + investment_west + engagement) / 3.0


def patron_dependence(trade_russia: np.ndarray, transit_russia: np.ndarray, investment_russia: np.ndarray) -> np.ndarray:
    """Dependence on the patron through trade, transit and investment, averaged."""
    return (trade_russia + transit_russia + investment_russia) / 3.0


def trade_concentration(trade_shares: np.ndarray) -> np.ndarray:
    """Herfindahl index over partners (West, Russia, China, other members, rest of the world).

    `trade_shares` is (n_states, 4); the rest of the world is what they leave of 1.
    """
    rest = np.clip(1.0 - trade_shares.sum(axis=1), 0.0, 1.0)
    return (trade_shares**2).sum(axis=1) + rest**2


def room_for_manoeuvre(pressure: np.ndarray, concentration: np.ndarray) -> np.ndarray:
    """Share of external relations a state could reorient without meeting a closed door:
    unsanctioned (1 - pressure) and spread over several partners (1 - Herfindahl)."""
    return (1.0 - pressure) * (1.0 - concentration)


def substitute_access(overlaps: np.ndarray, bilateral_channels: np.ndarray) -> np.ndarray:
    """Share of the bloc's benefits a state already gets elsewhere.

    `overlaps` is (n_states, n_organizations), 0 where the state is not a member; access through
    several organizations combines as 1 - product of what each leaves out. Organizational and
    bilateral access are averaged, so that neither alone saturates the term.
    """
    organizational = 1.0 - np.prod(1.0 - overlaps, axis=1)
    return (organizational + bilateral_channels) / 2.0


def peer_alignment(adjacency: np.ndarray, aligned: np.ndarray) -> np.ndarray:
    """Share of a state's peers that are aligned: holding or seeking partnership or membership
    (0 without peers)."""
    degree = adjacency.sum(axis=1)
    # `aligned` (..., n_states): several copies of the states at once (replications, steps).
    counts = aligned @ adjacency.T
    return np.divide(counts, degree, out=np.zeros(counts.shape), where=degree > 0)


# --- One term per mechanism --------------------------------------------------------------------


def _scaled(level: np.ndarray, profile: np.ndarray = ALIGNMENT) -> np.ndarray:
    return np.outer(level, profile)


def sanction_relief_term(pressure: np.ndarray) -> np.ndarray:
    """Mechanism 1, "nothing left to lose": the more is already closed, the more an alternative
    outlet is worth."""
    return _scaled(pressure)


def western_exposure_term(stake: np.ndarray, pressure: np.ndarray) -> np.ndarray:
    """Mechanism 2: aligning puts at risk the Western stake not already lost to sanctions."""
    return -_scaled(stake * (1.0 - pressure))


def western_threat_term(threat: float, trade_west: np.ndarray, pressure: np.ndarray) -> np.ndarray:
    """Mechanism 2, secondary pressure: a threat against any state that aligns (partner or
    member), costing in proportion to the Western trade still open."""
    aligns = (ALIGNMENT > 0).astype(float)
    return -_scaled(threat * trade_west * (1.0 - pressure), aligns)


def patron_pressure_term(pressure_to_join: float, dependence: np.ndarray) -> np.ndarray:
    """Mechanism 3a: the patron presses dependent states to align."""
    return _scaled(pressure_to_join * dependence)


def refusal_retaliation_term(retaliation: float, dependence: np.ndarray) -> np.ndarray:
    """Mechanism 3a: the patron punishes refusal, more the further a state stays out."""
    return -_scaled(retaliation * dependence, 1.0 - ALIGNMENT)


def diversification_term(dependence: np.ndarray) -> np.ndarray:
    """Mechanism 3b: a multilateral bloc dilutes mono-dependence on the patron. Measured by the
    patron's contribution to a Herfindahl index of dependence (its squared share), so it is
    concentration, not dependence as such, that drives it."""
    return _scaled(dependence**2)


def autonomy_term(dependence: np.ndarray, pressure: np.ndarray) -> np.ndarray:
    """Mechanism 3, wariness of the patron: binding oneself further to a bloc in which one's
    patron leads costs autonomy, more the more dependent a state already is on that patron.

    Only a state with somewhere else to turn can afford the wariness, so the cost is felt on the
    share of its relations not closed by sanctions (1 - pressure): Kazakhstan keeps "outside of
    Russia's sphere of influence", since to "stray too far under the influence of one state could
    present ... risks to the country's sovereign independence" (London Politica), while sanctioned Minsk
    is "deprived of a geopolitical margin for manoeuvre" (Preiherman, EDM 2024). With `diversification_term`,
    dependence can push either way."""
    return -_scaled(dependence * (1.0 - pressure))


def bloc_benefits_term(benefits: float, trade_with_members: np.ndarray, affinity: np.ndarray) -> np.ndarray:
    """Mechanism 4: market access, finance and status, worth more with trade already done with
    members and with affinity for the bloc's narrative."""
    return _scaled(benefits * (trade_with_members + affinity) / 2.0)


def china_inducement_term(inducement: float, trade_china: np.ndarray) -> np.ndarray:
    """Mechanism 4, China's optional policy: an inducement to align (finance, trade) that China
    offers candidates, worth more to a state that trades more with China. It is one of the bloc's
    benefits and is reported with them."""
    return _scaled(inducement * trade_china)


def accession_friction_term(
    admit_member: np.ndarray, admit_partner: np.ndarray, status: np.ndarray, offer: np.ndarray
) -> np.ndarray:
    """Mechanism 5: seeking a status the bloc may not grant costs the chance it is refused.

    `admit_*` are the probabilities a summit grants each status (appetite times consensus);
    nothing is lost for a status already held or on offer.
    """
    held = np.maximum(status, offer)  # the status held, or on offer
    friction = np.zeros((len(status), len(OPTIONS)))
    friction[:, PARTNER] = (held < PARTNER) * (admit_partner - 1.0)
    friction[:, MEMBER] = (held < MEMBER) * (admit_member - 1.0)
    return friction


def substitutes_term(access: np.ndarray) -> np.ndarray:
    """Mechanism 6: benefits already had elsewhere are not worth joining for."""
    return -_scaled(access)


def peer_influence_term(peer_share: np.ndarray) -> np.ndarray:
    """Mechanism 7: the pull of regional peers that have aligned."""
    return _scaled(peer_share)


def switching_cost_term(stance: np.ndarray, offer: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Mechanism 8: changing course costs; the current stance is free, and so is a status the bloc
    offers beyond it: taking up an invitation is the bloc's move, not a reversal of the state's own
    (the record's invitees accepted whether or not they had applied), while settling for less than
    one applied for still is one. A course below the status held costs once more: it disowns a
    commitment the bloc granted, not only a course the state declared (docs/model.md, 7.2)."""
    cost = _SWITCHING[stance] - _BELOW[status]  # a fresh array: the invited entries are written into it
    invited = np.flatnonzero(offer > stance)
    cost[invited, offer[invited]] = 0.0
    return cost


_SWITCHING = np.eye(len(OPTIONS)) - 1.0  # row c: what each option costs a state whose course is c
_BELOW = np.tril(np.ones((len(OPTIONS), len(OPTIONS))), -1)  # row s: the options below status s


# --- Choice ------------------------------------------------------------------------------------


def utilities(terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted sum over terms: (n_terms, n_states, n_options) x (n_terms,) -> (n_states, n_options).
    A weight may also be a (n_states, 1) column, one per state's row (a batch of worlds)."""
    # A plain loop over the few terms: np.tensordot's set-up costs more than the sum on arrays this small.
    total = weights[0] * terms[0]
    for weight, term in zip(weights[1:], terms[1:]):
        total = total + weight * term
    return total


def choice_probabilities(utility: np.ndarray, rationality: float, available: np.ndarray) -> np.ndarray:
    """Logit (quantal response): P(a) = exp(lambda U_a) / sum over available b of exp(lambda U_b)."""
    scaled = np.where(available, rationality * utility, -np.inf)
    # Option by option: a reduction along the short last axis is slow over many rows (the history
    # likelihood stacks hundreds of states), and this gives the same bits.
    scaled -= functools.reduce(np.maximum, scaled.T)[:, None]
    weights = np.exp(scaled)
    weights /= functools.reduce(np.add, weights.T)[:, None]
    return weights


def draw_choices(probabilities: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Inverse-CDF draw of one option per state from uniform numbers in [0, 1)."""
    cumulative = probabilities.cumsum(axis=1)
    return np.minimum((cumulative <= uniforms[:, None]).sum(axis=1), len(OPTIONS) - 1)
