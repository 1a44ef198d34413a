"""The model's step as pure functions over many replications at once.

The variables of every state of every replication are flat arrays, replication after replication
(index r * n_states + i), so that the decision math runs over all of them in one call; each
replication keeps its own random stream and draws from it exactly what a lone replication draws,
in the same order. `sim.model.AlignmentModel` steps its one replication through these functions
(its agents are views of the arrays); `sim.run.run_many` steps many, which is what makes runs,
sweeps and validation fast. One step (docs/model.md, "Scheduling"):

1. at a summit the bloc issues its invitations (`convene`);
2. every state's options are scored (`evaluate`) and the rule gives their probabilities;
3. the states at a decision moment, or reviewing by the hazard, draw a choice (`deciding`) and
   act on it (`act`);
4. the powers react to what the states did (`react`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from functools import cached_property
from types import ModuleType

import numpy as np

from . import bloc
from . import decision as d
from . import powers
from .inputs import Epoch, Timeline, within_summit_window
from .rules import World

DYNAMIC = [d.TERMS.index(name) for name in
           ("western_threat", "refusal_retaliation", "accession_friction", "peer_influence", "switching_cost",
            "patron_pressure")]
"""The terms computed each step from the run's own history. All but the last are zero in the
epoch's exogenous terms; for patron_pressure the step adds Russia's pressure before a summit to
the standing pressure there."""
NEVER = -(10**9)
_ALL_AVAILABLE = np.ones((1, len(d.OPTIONS)), dtype=bool)
PER_ROW = ("weights", "rationality", "threat", "retaliation", "west_reaction", "pre_summit_pressure")
"""The values all of a world's states share that a batch may still hold one per row: replications
whose worlds differ in these (a sweep over the weights, the rationality or the powers' policy
levels; a posterior's draws) are stepped together. Stacked, the weights are (rows, terms) and the
rest (rows, 1) for the rationality, (rows,) otherwise; each row computes what its own world's
scalar gives, to the bit."""
PER_REPLICATION = ("seats_members", "seats_partners")
"""Read from each replication's own epoch (`convene`), so they need not be shared either."""


def stack_epochs(epochs: list[Epoch]) -> Epoch:
    """One epoch whose rows are those of each of `epochs` in turn (their per-state arrays joined;
    their PER_ROW values repeated per row where they differ; their other values the first's): many
    copies of the states read as one world by a rule that reads each state's row alone. One epoch
    is returned as it is."""
    if len(epochs) == 1:
        return epochs[0]
    first = epochs[0]
    n = len(first.admit_member)
    per_state = [f.name for f in fields(Epoch) if f.name != "exogenous_terms" and _per_state(first, f.name, n)]
    batches = [epoch.batch for epoch in epochs]
    if all(batch is not None and batch.arrays is batches[0].arrays for batch in batches):
        # Worlds compiled together (a sweep's job): their rows, taken at once from where they lie.
        index = (np.array([batch.block for batch in batches])[:, None] * n + np.arange(n)).ravel()
        stacked = {name: batches[0].arrays[name][index] for name in per_state}
    else:
        stacked = {name: np.concatenate([getattr(epoch, name) for epoch in epochs]) for name in per_state}
    for name in PER_ROW:
        values = np.array([getattr(epoch, name) for epoch in epochs], dtype=float)
        if (values != values[0]).any():
            rows = np.repeat(values, n, axis=0)
            stacked[name] = rows[:, None] if name == "rationality" else rows
    return Epoch(**{f.name: getattr(first, f.name) for f in fields(Epoch)} | stacked)


def stack_key(rule: str, timeline: Timeline) -> tuple[str, str, str]:
    """What replications stepped together must share, as a key: the rule, and a digest of every
    value of the timeline and of its epochs that is neither one state's nor one the batch holds per
    row or reads per replication (what is left: the calendar, the bloc's summits, observed choices
    and rules, the reactions' durations, the decision rule's parameters, the peers). Replications
    of scenarios that differ only in states' values, the weights, the rationality, the powers'
    policy levels, the review rate or its multiplier in a summit's window (a sweep over these; a
    posterior's draws) share it, and are stepped together."""
    n = len(timeline.states)
    digest = hashlib.sha256()
    # Which fields those are is the same in every epoch of a timeline: read from its first.
    shared = [f.name for f in fields(Epoch)
              if not _per_state(timeline.epochs[0], f.name, n) and f.name not in PER_ROW + PER_REPLICATION]
    _digest(digest, tuple(getattr(epoch, name) for epoch in timeline.epochs for name in shared))
    return rule, digest.hexdigest(), _timeline_digest(tuple(getattr(timeline, name) for name in TIMELINE_SHARED))


TIMELINE_SHARED = tuple(f.name for f in fields(Timeline) if f.name not in (
    "epochs", "fills", "imputation", "initial_status", "initial_seeking", "review_probability", "summit_multiplier"))
"""The timeline's own values that replications stepped together share."""
_DIGESTS: dict[tuple, tuple] = {}


def _timeline_digest(values: tuple) -> str:
    """The digest of a timeline's `TIMELINE_SHARED` values, kept by the values' identities while
    they are held here (so that no other object can take an identity on): the timelines of a
    sweep's points hold the very values of their base's."""
    key = tuple(map(id, values))
    entry = _DIGESTS.get(key)  # read once: another thread may clear the table meanwhile
    if entry is None:
        if len(_DIGESTS) >= 256:
            _DIGESTS.clear()
        digest = hashlib.sha256()
        for value in values:
            _digest(digest, value)
        _DIGESTS[key] = entry = (values, digest.hexdigest())
    return entry[1]


PLAIN = (str, int, float, bool, type(None))
"""Values whose `repr` says all of them."""


def _digest(digest, value) -> None:
    """Feed `value` to `digest`, an array by its type, shape and bytes."""
    if isinstance(value, np.ndarray):
        digest.update(f"{value.dtype.str}{value.shape}".encode())
        digest.update(value.tobytes())
    elif isinstance(value, dict):
        for key in sorted(value):
            digest.update(repr(key).encode())
            _digest(digest, value[key])
    elif isinstance(value, tuple) and all(isinstance(item, PLAIN) for item in value):  # names, dates, flags: at once
        digest.update(repr(value).encode())
    elif isinstance(value, tuple):
        digest.update(b"(")
        for item in value:
            _digest(digest, item)
        digest.update(b")")
    else:
        digest.update(repr(value).encode())
    digest.update(b";")


def _per_state(epoch: Epoch, name: str, n_states: int) -> bool:
    """The epoch's field `name` holds a value per state (the exogenous terms: per term and state)."""
    value = getattr(epoch, name)
    return name == "exogenous_terms" or (name != "weights" and isinstance(value, np.ndarray)
                                         and value.shape[:1] == (n_states,))


@dataclass
class Reactions:
    """One power's reactions against each state: their sizes (`level`, 0 for none), the step after
    which each ends (`until`), and the states a reaction started against at the last step."""

    size: str  # the Epoch attribute holding a new reaction's size
    duration: int  # in steps
    level: np.ndarray
    until: np.ndarray
    started: np.ndarray

    @classmethod
    def none(cls, size: str, duration: int, count: int) -> Reactions:
        return cls(size, duration, np.zeros(count), np.zeros(count, dtype=np.int64), np.zeros(count, dtype=bool))

    def react(self, trigger: np.ndarray, epoch: Epoch, step: int) -> None:
        """Start a reaction against each triggered state; end those that ran out (sim/powers.py)."""
        self.started = powers.react(self.level, self.until, trigger, getattr(epoch, self.size), step, self.duration)


@dataclass
class Replications:
    """The state of some replications of one scenario, every array flat over (replication, state)."""

    timelines: list[Timeline]  # each replication's (they share their calendar and epochs' dates)
    rngs: list[np.random.Generator]  # each replication's own stream
    status: np.ndarray  # status held (option codes)
    stance: np.ndarray  # course: the option last chosen
    offer: np.ndarray  # the invitation in hand (option codes; OUTSIDE for none)
    declined: np.ndarray  # declined an invitation this step
    last_interest: np.ndarray  # the month the state last followed a course toward the bloc
    choice: np.ndarray  # this step's draw of an option
    reviewing: np.ndarray  # decides this step
    rule_draws: np.ndarray | None  # the rule's per-replication chance (sim.rules)
    russia: Reactions  # retaliation for refusals
    west: Reactions  # reaction to alignment
    presses: Reactions  # Russia's pressure before a summit
    _rows: dict[int, Epoch] = field(default_factory=dict)
    _ahead: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))  # uniforms drawn, not yet used
    _used: int = 0  # of `_ahead`'s columns

    @property
    def timeline(self) -> Timeline:
        """What every replication's timeline shares: the calendar, the bloc's rules, the peers."""
        return self.timelines[0]

    @property
    def count(self) -> int:
        return len(self.rngs)

    @cached_property
    def review_probability(self) -> np.ndarray | float:
        """Each row's chance of reviewing its course in a step: its replication's timeline's."""
        return self._per_row([timeline.review_probability for timeline in self.timelines])

    @cached_property
    def summit_multiplier(self) -> np.ndarray | float:
        """Each row's multiplier of the review rate in a summit's window (`Timeline.summit_window`)."""
        return self._per_row([timeline.summit_multiplier for timeline in self.timelines])

    def _per_row(self, values: list[float]) -> np.ndarray | float:
        """One value per replication, as one number if all are the same, else repeated for each row."""
        values = np.array(values, dtype=float)
        return values[0] if (values == values[0]).all() else np.repeat(values, len(self.timeline.states))

    def rows(self, step: int) -> Epoch:
        """The epoch in force at `step`, every replication's rows stacked."""
        k = int(self.timeline.epoch_of_step[step])
        if k not in self._rows:
            self._rows[k] = stack_epochs([timeline.epochs[k] for timeline in self.timelines])
        return self._rows[k]

    def uniforms(self, k: int) -> np.ndarray:
        """The next `k` uniform draws of every replication's stream, (replications, k).

        Nothing else draws from the streams once the replications have started, so the rest of a
        run's draws (`run_draws`, at most `AHEAD` numbers in all) are drawn at once, one call per
        replication rather than one per replication and step: a generator's numbers do not depend
        on how they are asked for, so these are the numbers `k` at a time would give."""
        if self._ahead.shape[1] - self._used < k:
            more = max(k, min(run_draws(self.timeline), AHEAD // self.count))
            fresh = np.stack([rng.random(more) for rng in self.rngs])
            # reshape: the first, empty buffer has no rows to keep the replications' count by
            self._ahead = np.concatenate([self._ahead[:, self._used:].reshape(self.count, -1), fresh], axis=1)
            self._used = 0
        self._used += k
        return self._ahead[:, self._used - k:self._used]

    def seeking(self) -> np.ndarray:
        """States with a membership application pending."""
        return (self.stance == d.MEMBER) & (self.status != d.MEMBER)


AHEAD = 1 << 21
"""At most this many uniforms (16 MB) are drawn ahead for a batch of replications."""


def run_draws(timeline: Timeline) -> int:
    """How many uniforms a replication draws over the calendar: each step's review and choice
    draws, the bloc's four per state at each summit (`step`, `convene`)."""
    n = len(timeline.states)
    return 2 * n * timeline.n_steps + 4 * n * int(np.count_nonzero(timeline.summit))


def start(timelines: list[Timeline], rule: ModuleType, rngs: list[np.random.Generator]) -> Replications:
    """Replications at the calendar's start, one per stream; each draws the rule's chance first."""
    timeline = timelines[0]
    status = np.concatenate([own.initial_status for own in timelines])
    stance = np.where(np.concatenate([own.initial_seeking for own in timelines]), d.MEMBER, status).astype(np.int8)
    draws = [rule.draw(rng, len(timeline.states)) for rng in rngs]
    count = len(status)
    return Replications(
        timelines, rngs, status, stance, np.zeros(count, dtype=np.int8), np.zeros(count, dtype=bool),
        np.where(stance >= d.PARTNER, 0, NEVER), stance.copy(), np.zeros(count, dtype=bool),
        None if draws[0] is None else np.concatenate(draws),
        Reactions.none("retaliation", timeline.retaliation_steps, count),
        Reactions.none("west_reaction", timeline.west_reaction_steps, count),
        Reactions.none("pre_summit_pressure", timeline.pressure_steps, count))


def convene(reps: Replications, step: int) -> None:
    """The bloc's invitations at a summit (sim/bloc.py), issued before the states decide: each
    invited state answers in this step. Every replication draws for every state, candidate or not,
    so that each state's stream of chance does not depend on the others' choices, and whether or
    not the summit's choice is observed."""
    timeline, n, count = reps.timeline, len(reps.timeline.states), reps.count
    draws = reps.uniforms(4 * n).reshape(count, 4, n)
    observed = timeline.observed_offers.get(step)
    if observed is not None:
        reps.offer[:] = bloc.observed_invitations(reps.status, np.tile(observed, count))
        return
    epoch = reps.rows(step)
    interested = (step * timeline.step_months - reps.last_interest) <= timeline.invitation_memory
    # Seats are read from each replication's own epoch (`PER_REPLICATION`): a sweep's points may differ in them.
    seats = np.array([(own.seats_members, own.seats_partners) for own in (t.epoch_at(step) for t in reps.timelines)])
    rows = (reps.status, reps.seeking(), interested, epoch.admit_member, epoch.admit_member_from_partner,
            epoch.admit_partner, epoch.admit_on_initiative)
    reps.offer[:] = bloc.invitations(*(row.reshape(count, n) for row in rows), seats.T, draws).ravel()


@dataclass(frozen=True)
class Evaluation:
    """Every state's options scored at one step."""

    probabilities: np.ndarray  # (states, options) by the scenario's rule
    dynamic: list[np.ndarray]  # the DYNAMIC terms, unweighted
    world: World  # what the rule decided on (`explain` shows it)
    retaliation: np.ndarray  # Russia's retaliation in force against each state
    western: np.ndarray  # the West's reaction in force
    pressure: np.ndarray  # Russia's pressure before a summit in force


def evaluate(reps: Replications, step: int, rule: ModuleType) -> Evaluation:
    """Score every state's options at `step`: the mechanisms' terms, weighted, and the rule's
    probabilities. A rule that weighs states against each other (not `ROW_WISE`) is called once
    per replication, on its own epoch."""
    timeline, epoch = reps.timeline, reps.rows(step)
    n = len(timeline.states)
    aligned = ((reps.status >= d.PARTNER) | (reps.stance >= d.PARTNER)).astype(float)
    peers = d.peer_alignment(timeline.adjacency, aligned.reshape(-1, n)).ravel()
    western = powers.in_force(reps.west.level, epoch.west_reaction_in_force)
    retaliation = powers.in_force(reps.russia.level, epoch.retaliation_in_force)
    dynamic = [
        d.western_threat_term(epoch.threat + western, epoch.trade_west, epoch.pressure),
        d.refusal_retaliation_term(retaliation, epoch.dependence),
        d.accession_friction_term(np.where(reps.status == d.PARTNER, epoch.admit_member_from_partner,
                                           epoch.admit_member), epoch.admit_partner, reps.status, reps.offer),
        d.peer_influence_term(peers),
        d.switching_cost_term(reps.stance, reps.offer, reps.status),
        d.patron_pressure_term(reps.presses.level, epoch.dependence),
    ]
    utility = epoch.exogenous_utility + d.utilities(dynamic, _dynamic_weights(epoch))
    if epoch.partner_tier and epoch.open_to_applicants:
        available = _ALL_AVAILABLE
    else:
        available = np.ones_like(utility, dtype=bool)
        if not epoch.partner_tier:
            available[:, d.PARTNER] = reps.status == d.PARTNER
        if not epoch.open_to_applicants:
            available[:, d.MEMBER] = (reps.status == d.MEMBER) | (reps.stance == d.MEMBER)
    tied = np.tile(timeline.tied, reps.count)
    world = World(epoch, utility, available, reps.stance, aligned, timeline.adjacency, reps.rule_draws, peers, tied)
    if getattr(rule, "ROW_WISE", False) or reps.count == 1:
        probabilities = rule.probabilities(world)
    else:
        probabilities = np.concatenate([rule.probabilities(_one(world, r, n, own.epoch_at(step)))
                                        for r, own in enumerate(reps.timelines)])
    return Evaluation(probabilities, dynamic, world, retaliation, western, reps.presses.level.copy())


def _one(world: World, r: int, n: int, epoch: Epoch) -> World:
    """Replication `r`'s part of a stacked `world`, on its own `epoch`."""
    own = slice(r * n, (r + 1) * n)
    return World(epoch, world.utility[own], world.available if len(world.available) == 1 else world.available[own],
                 world.stance[own], world.aligned[own], world.adjacency,
                 None if world.draws is None else world.draws[own], world.peers[own], world.tied[own])


def _dynamic_weights(epoch: Epoch):
    """The DYNAMIC terms' weights, each a scalar or, in a batch holding weights per row, a (rows, 1)
    column: `d.utilities` then weighs each row by its own."""
    weights = epoch.weights[..., DYNAMIC]
    return weights if weights.ndim == 1 else weights.T[:, :, None]


def net_terms(epoch: Epoch, dynamic: list[np.ndarray]) -> np.ndarray:
    """Each weighted term's contribution to U(member) - U(outside): (states, n_terms)."""
    net = epoch.exogenous_net.copy()
    for column, weight, term in zip(DYNAMIC, _dynamic_weights(epoch), dynamic):
        net[:, column] += (weight[:, 0] if np.ndim(weight) else weight) * (term[:, d.MEMBER] - term[:, d.OUTSIDE])
    return net


def deciding(reps: Replications, step: int, epoch: Epoch, uniforms: np.ndarray) -> np.ndarray:
    """Which states decide this step: at a decision moment, or by the review hazard, whose draw is
    each state's among `uniforms`. They are drawn for every state, deciding or not, so that each
    state's stream of chance does not depend on the others' situations."""
    chance = within_summit_window(reps.review_probability, reps.summit_multiplier, reps.timeline.summit_window[step])
    hazard = uniforms < chance
    # A reaction aimed at a state changes its situation: a decision moment.
    moment = (reps.offer != d.OUTSIDE) | reps.russia.started | reps.west.started | reps.presses.started
    if step == epoch.first_step and step > 0:
        moment = moment | epoch.shocked
    return hazard | moment


def act(reps: Replications) -> None:
    """Each deciding state acts on its choice. Statuses are granted by the bloc, never taken: a
    state accepts an offer up to the alignment it chose, and the only status change it makes alone
    is leaving (choosing outside). Choosing outside while invited declines the invitation."""
    now = reps.reviewing
    choice, offer, status = reps.choice, reps.offer, reps.status
    taken = np.where(choice == d.OUTSIDE, d.OUTSIDE, np.maximum(status, np.minimum(offer, choice)))
    reps.declined[:] = now & (offer != d.OUTSIDE) & (choice == d.OUTSIDE)
    reps.status[:] = np.where(now, taken, status)
    reps.stance[:] = np.where(now, choice, reps.stance)
    reps.offer[now] = d.OUTSIDE


def react(reps: Replications, step: int, epoch: Epoch, status_before: np.ndarray, course_before: np.ndarray) -> None:
    """The powers answer this step's deeds: Russia a refusal, the West an alignment; and Russia
    presses a coming summit's candidates from `pressure_lead_months` ahead of it."""
    reps.russia.react(powers.refusals(reps.reviewing, reps.declined, course_before, reps.stance), epoch, step)
    reps.west.react(powers.alignments(status_before, reps.status), epoch, step)
    summit = reps.timeline.pressure_before[step]
    if summit >= 0:
        announced = reps.timeline.observed_offers.get(int(summit))
        pressed = powers.candidates(reps.status, reps.stance, None if announced is None else np.tile(announced, reps.count))
    else:
        pressed = np.zeros(len(reps.status), dtype=bool)
    reps.presses.react(pressed, epoch, step)


def step(reps: Replications, month: int, rule: ModuleType, terms: bool) -> dict[str, np.ndarray]:
    """One step of every replication; what `sim.record.Recorder` records of it (with the terms'
    contributions when `terms`).

    The summit's invitations come first: an invited state answers within the summit's step, once,
    with its course before the summit as its status quo. Were they issued after the states acted, a
    state shocked by the summit's own news (the bloc's new appetite) would decide twice, and the
    bloc could invite a state on an application made in answer to that news."""
    epoch = reps.rows(month)
    if reps.timeline.summit[month]:
        convene(reps, month)
    invited = reps.offer.copy()
    evaluation = evaluate(reps, month, rule)
    n = len(reps.timeline.states)
    drawn = reps.uniforms(2 * n)
    reps.reviewing = deciding(reps, month, epoch, drawn[:, :n].ravel())
    reps.choice = d.draw_choices(evaluation.probabilities, drawn[:, n:].ravel()).astype(np.int8)
    status_before, course_before = reps.status.copy(), reps.stance.copy()
    act(reps)
    react(reps, month, epoch, status_before, course_before)
    reps.last_interest[reps.stance >= d.PARTNER] = month * reps.timeline.step_months
    values = {
        "status": reps.status,
        "seeking_membership": reps.seeking(),
        "course": reps.stance,
        "invited": invited,
        "declined": reps.declined,
        "deciding": reps.reviewing,
        "probabilities": evaluation.probabilities,
        "room_for_manoeuvre": epoch.room_for_manoeuvre,
        "retaliation": evaluation.retaliation,
        "retaliation_started": reps.russia.started * reps.russia.level,
        "western_reaction": evaluation.western,
        "western_reaction_started": reps.west.started * reps.west.level,
        "pre_summit_pressure": evaluation.pressure,
        "pre_summit_pressure_started": reps.presses.started * reps.presses.level,
    }
    if terms:
        values["terms"] = net_terms(epoch, evaluation.dynamic)
    return values
