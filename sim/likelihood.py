"""The likelihood of the record under the simulation's own dynamics (the `history` level).

Each state of the record is walked through the model's steps, from the calendar's start to the
record's last scored decision, in the course and status the record gives it at each step: outside until
it applied, an applicant from the month it applied until it withdrew, a partner or member from
the summit whose invitation it accepted. At every step the model says how likely that state was
to decide (1 at a decision moment: an invitation in hand, a change of its situation as an epoch
began, a reaction of a power aimed at it; else the chance of a review in the step, at the review
rate `decision.review_rate_per_year`, which the likelihood takes as an argument beside the weights)
and, if it decided, how likely each choice was, by the scenario's decision rule on the situation
the record implies: its status, course and offer, the powers' reactions its recorded refusals and
alignments provoke (sim/powers.py, as in a run), and its peers' recorded alignment. The
probability of the step is that of what the record shows:

    P_t = (1 - q_t) [nothing observed at t] + q_t * sum of P_t(a) over the choices a that
          give the recorded course and status after t,

and the log-likelihood of the record is the sum of log P_t over every state and step. It is a
dynamic discrete-choice likelihood along the observed history (Rust 1987, "Optimal replacement of
GMC bus engines", Econometrica 55(5): 999-1033, with myopic choice): because the whole history is
observed, every situation the model would compute is known, and the likelihood is exact, smooth in
the weights and needs no simulation, for the logit. A rule that fixes per-state chance at the
start of a replication (the threshold rule's deviates) is integrated out, each state's likelihood
averaged over `CHANCE_NODES` equally likely values of that chance (`sim.rules.chance_nodes`): the
part of the state the record cannot show, integrated deterministically, so that no seed moves a fit.

Everything that does not depend on the weights (the unweighted terms of every state at every
step, which options were open, the decision probabilities, which choices fit the record) is
computed once; an evaluation weights the terms and applies the rule step by step.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from . import decision as d
from . import powers
from .inputs import Epoch, Timeline, compile_timeline, review_chance, within_summit_window
from .rules import RULES, World, chance_nodes, over_chance
from .scenario import Scenario
from .scenario.schema import month_number
from .validate import CLIP, Observation

CHANCE_NODES = 40
"""Values of a rule's per-replication chance averaged over, for a rule that fixes one."""
_DYNAMIC = {name: d.TERMS.index(name) for name in
            ("western_threat", "refusal_retaliation", "accession_friction", "peer_influence", "switching_cost")}


@dataclass(frozen=True)
class History:
    """The record's history of every state of a scenario, step by step (n_steps, n_states)."""

    status: np.ndarray  # before the step's decision
    course: np.ndarray
    offer: np.ndarray  # the invitation in hand at the step
    choices: np.ndarray  # (n_steps, n_states, n_options) bool: the choices that give the recorded outcome
    observed: np.ndarray  # bool: the record shows a decision at this step (so not deciding does not fit it)
    horizon: np.ndarray  # (n_states,) the last step scored: the record's last scored decision, -1 for a state with no record


def step_of(timeline: Timeline, month: str) -> int:
    """The step whose months include `month`."""
    first = month_number(timeline.dates[0])
    return min((month_number(month) - first) // timeline.step_months, timeline.n_steps - 1)


def observed_path(timeline: Timeline, scored: list[Observation]) -> History:
    """The course and status of every state at every step as the record gives them.

    An application stays pending until withdrawn; a state whose record starts with a withdrawal
    had applied before the record (undated: the application is taken as given, not scored). An
    accepted invitation (answered at the step after its summit, as `sim.validate` reads it) gives
    the offered status, and the course becomes the offered status unless the state's application
    went further (Belarus, a partner still seeking membership); a declined one leaves the state
    with the status it holds, and that as its course. A declaration that a state will not apply is a step at which nothing changes."""
    n_steps, names = timeline.n_steps, list(timeline.states)
    n = len(names)
    events: dict[int, list[tuple[int, Observation]]] = {}
    horizon = np.full(n, -1)
    course0 = np.where(timeline.initial_seeking, d.MEMBER, timeline.initial_status).astype(np.int8)
    for obs in sorted(scored, key=lambda o: o.month):
        i = names.index(obs.state)
        t = step_of(timeline, obs.month)
        horizon[i] = max(horizon[i], t)
        if obs.decision == "application" and obs.response == "withdrew" and i not in events:
            course0[i] = max(course0[i], obs.offer)
        events.setdefault(i, []).append((t, obs))
    # The record is taken as complete to its last scored decision: a state it follows kept its
    # course from its own last decision to then (a reversal, such as Kazakhstan's withdrawn
    # ambition, would be on record), and that is evidence too: a member that stayed one weighs
    # against leaving (an assumption, docs/validation.md). Not past a month at which the record
    # shows the state's course unscored (a disputed answer, an offer of the bloc's own).
    last, own = horizon.max(), horizon.copy()
    for i, unscored in {names.index(obs.state): obs.unscored for obs in scored}.items():
        gaps = [step_of(timeline, month) - 1 for month in unscored if step_of(timeline, month) >= own[i]]
        horizon[i] = max(own[i], min([last, *gaps]))

    status = np.zeros((n_steps, n), dtype=np.int8)
    course = np.zeros((n_steps, n), dtype=np.int8)
    offer = np.zeros((n_steps, n), dtype=np.int8)
    choices = np.zeros((n_steps, n, len(d.OPTIONS)), dtype=bool)
    observed = np.zeros((n_steps, n), dtype=bool)
    s, c = timeline.initial_status.copy(), course0
    for t in range(n_steps):
        status[t], course[t] = s, c
        s, c = s.copy(), c.copy()
        for i in range(n):
            choices[t, i, c[i]] = True  # staying on course, unless the record shows more
        for i, items in events.items():
            for when, obs in items:
                if when != t:
                    continue
                if obs.decision == "invitation":
                    offer[t, i] = obs.offer
                    observed[t, i] = True
                    if obs.observed:
                        s[i] = max(s[i], obs.offer)
                        c[i] = max(c[i], obs.offer)
                    else:  # declined: it keeps what it holds (choosing outside would leave it)
                        c[i] = s[i]
                elif obs.observed and c[i] < obs.offer:  # applied
                    c[i] = obs.offer
                    observed[t, i] = True
                elif obs.response == "withdrew" and c[i] != d.OUTSIDE:
                    c[i] = d.OUTSIDE
                    observed[t, i] = True
                if observed[t, i]:
                    choices[t, i] = False
                    choices[t, i, c[i]] = True
    return History(status, course, offer, choices, observed, horizon)


class HistoryLikelihood:
    """The record's likelihood under the model's dynamics, with everything but the weights
    precomputed; `contributions(weights)` is cheap."""

    def __init__(self, scenario: Scenario, scored: list[Observation]):
        timeline = compile_timeline(scenario)
        self.timeline = timeline
        self.states = list(timeline.states)
        self.path = path = observed_path(timeline, scored)
        self.rule = RULES[scenario.decision.rule]
        n = path.status.shape[1]
        self.n_steps = int(path.horizon.max()) + 1 if (path.horizon >= 0).any() else 0
        self.epochs = [timeline.epoch_at(t) for t in range(self.n_steps)]
        self.aligned = ((path.status >= d.PARTNER) | (path.course >= d.PARTNER)).astype(float)
        self.peers = np.array([d.peer_alignment(timeline.adjacency, aligned) for aligned in self.aligned])
        retaliation, western, provoked = _reactions(timeline, path, self.n_steps)
        terms, available, moments = [], [], []
        for t, epoch in enumerate(self.epochs):
            status, course, offer = path.status[t], path.course[t], path.offer[t]
            term = epoch.exogenous_terms.copy()
            term[_DYNAMIC["western_threat"]] = d.western_threat_term(epoch.threat + western[t], epoch.trade_west,
                                                                     epoch.pressure)
            term[_DYNAMIC["refusal_retaliation"]] = d.refusal_retaliation_term(retaliation[t], epoch.dependence)
            term[_DYNAMIC["accession_friction"]] = d.accession_friction_term(
                np.where(status == d.PARTNER, epoch.admit_member_from_partner, epoch.admit_member),
                epoch.admit_partner, status, offer)
            term[_DYNAMIC["peer_influence"]] = d.peer_influence_term(self.peers[t])
            term[_DYNAMIC["switching_cost"]] = d.switching_cost_term(course, offer, status)
            terms.append(term)
            open_options = np.ones((n, len(d.OPTIONS)), dtype=bool)
            if not epoch.partner_tier:
                open_options[:, d.PARTNER] = status == d.PARTNER
            if not epoch.open_to_applicants:
                open_options[:, d.MEMBER] = (status == d.MEMBER) | (course == d.MEMBER)
            available.append(open_options)
            moment = (offer != d.OUTSIDE) | provoked[t]
            if t == epoch.first_step and t > 0:
                moment = moment | epoch.shocked
            moments.append(moment)
        self.step_terms = np.array(terms).reshape(self.n_steps, len(d.TERMS), n, len(d.OPTIONS))
        self.available_steps = np.array(available).reshape(self.n_steps, n, len(d.OPTIONS))
        self.moment = np.array(moments, dtype=bool).reshape(self.n_steps, n)  # a state decides for certain
        self.scored = np.arange(self.n_steps)[:, None] <= path.horizon[None, :]  # (steps, states)
        self.scored_states = [i for i in range(n) if path.horizon[i] >= 0]
        self.rule_draws = chance_nodes(self.rule, CHANCE_NODES, n)
        self._stacks: dict[int, tuple] = {}
        self._row_epochs: dict[int, Epoch] = {}
        self._chosen = np.argmax(path.choices[:self.n_steps], axis=2)  # the option the record shows, a step's one
        self._flat_terms = self.step_terms.transpose(1, 0, 2, 3).reshape(len(d.TERMS), -1)
        # What `sim.validate.fixed_terms` reads, as `Predictor` has it: the scored rows' terms
        # (rows, n_terms, options) and open options.
        self.terms = self.step_terms.transpose(0, 2, 1, 3)[self.scored]
        self.available = self.available_steps[self.scored]

    def step_probabilities(self, weights: np.ndarray, draws: list[np.ndarray | None] = (None,),
                           parameters=None, review: np.ndarray | None = None,
                           summit: np.ndarray | None = None) -> np.ndarray:
        """(draws, sets, steps, states): the probability of what the record shows at each step,
        under each row of `weights` (sets, n_terms) with the review rate per year and its summit
        multiplier of the same row of `review` and `summit` (sets,) (the scenario's if None), the rule's `parameters` (the scenario's if
        None) and each of `draws`, values of the rule's per-replication chance (one per state). The
        sets are stacked along the rule's state axis, each with its own copy of the peers (a
        block-diagonal adjacency), so that one call of the rule per step serves them all (one call
        for every step, for a rule that reads each row alone); the draws go through
        `sim.rules.over_chance`."""
        sets = len(weights)
        path, n = self.path, len(self.states)
        utility = (weights @ self._flat_terms).reshape(sets, self.n_steps, n, -1).transpose(1, 0, 2, 3)
        adjacency, epochs, available, course, aligned, peers, tied = self._stacked(sets)
        per_set = [None if draw is None else np.tile(draw, sets) for draw in draws]
        if getattr(self.rule, "ROW_WISE", False):
            # Every step in one call: the rule reads each state's row alone.
            rows = self._rows(sets) if parameters is None else replace(self._rows(sets), rule=parameters)
            world = World(rows, utility.reshape(-1, len(d.OPTIONS)), available.reshape(-1, len(d.OPTIONS)),
                          course.reshape(-1), aligned.reshape(-1), np.zeros((0, 0)), None, peers.reshape(-1),
                          np.tile(tied, self.n_steps))
            p = over_chance(self.rule, world, [None if draw is None else np.tile(draw, self.n_steps)
                                               for draw in per_set])
        else:
            if parameters is not None:
                swapped = {id(epoch): replace(epoch, rule=parameters) for epoch in epochs}
                epochs = [swapped[id(epoch)] for epoch in epochs]
            p = np.stack([over_chance(self.rule, World(epochs[t], utility[t].reshape(sets * n, -1), available[t],
                                                       course[t], aligned[t], adjacency, None, peers[t], tied), per_set)
                          for t in range(self.n_steps)], axis=1)
        p = p.reshape(len(draws), self.n_steps, sets, n, -1)
        fits = np.take_along_axis(p, self._chosen[None, :, None, :, None], axis=4)[..., 0]
        chance = (np.full(sets, self.timeline.review_probability) if review is None
                  else review_chance(review, self.timeline.step_months))
        multiplier = self.timeline.summit_multiplier if summit is None else np.asarray(summit, dtype=float)[None, :]
        chance = within_summit_window(chance[None, :], multiplier,
                                      self.timeline.summit_window[:self.n_steps, None])  # (steps, sets)
        q = np.where(self.moment[:, None, :], 1.0, chance[:, :, None])
        out = (1.0 - q) * ~path.observed[:self.n_steps, None, :] + q * fits
        return np.clip(out.transpose(0, 2, 1, 3), CLIP, 1.0)

    def _rows(self, sets: int) -> Epoch:
        """One epoch whose rows are every state of every step, for `sets` stacked sets (in the
        order of `_stacked`'s arrays, flattened), as a rule that reads each row alone is given
        them: the per-state arrays of each step's epoch, and its rationality as a column (an
        event may change it from one epoch to the next)."""
        if sets not in self._row_epochs:
            epochs = self._stacked(sets)[1]
            first, width = epochs[0], sets * len(self.states)
            per_state = [f.name for f in fields(first) if f.name != "exogenous_terms"
                         and isinstance(getattr(first, f.name), np.ndarray) and getattr(first, f.name).shape[:1] == (width,)]
            self._row_epochs[sets] = replace(
                first, **{name: np.concatenate([getattr(epoch, name) for epoch in epochs]) for name in per_state},
                rationality=np.repeat([epoch.rationality for epoch in epochs], width)[:, None])
        return self._row_epochs[sets]

    def _stacked(self, sets: int) -> tuple:
        """For `sets` stacked sets of weights: the adjacency, every step's epoch, and every step's
        open options, course, aligned states and share of aligned peers, and who has peers, kept: a
        sampler asks for a few numbers over and over (its half-ensemble, less the walkers outside
        the prior's support)."""
        if sets not in self._stacks:
            tiled = {id(epoch): _tiled(epoch, len(self.states), sets) for epoch in self.epochs}
            self._stacks[sets] = (np.kron(np.eye(sets), self.timeline.adjacency),
                                  [tiled[id(epoch)] for epoch in self.epochs],
                                  np.tile(self.available_steps[:self.n_steps], (1, sets, 1)),
                                  np.tile(self.path.course[:self.n_steps], (1, sets)),
                                  np.tile(self.aligned[:self.n_steps], (1, sets)),
                                  np.tile(self.peers[:self.n_steps], (1, sets)),
                                  np.tile(self.timeline.tied, sets))
        return self._stacks[sets]

    def step_count(self, steps: np.ndarray | None, rows: np.ndarray) -> int:
        """How many steps of the scored states `rows` (an index into `scored_states`) are scored
        within `steps` (a (steps, states) mask; all if None): a fit averages its loss over them, so
        that a penalty weighs the same against any part of the record."""
        mask = self.scored if steps is None else self.scored & steps
        return max(int(mask[:, self.scored_states][:, rows].sum()), 1)

    def contributions(self, weights: np.ndarray, steps: np.ndarray | None = None, parameters=None,
                      review: np.ndarray | None = None, summit: np.ndarray | None = None) -> np.ndarray:
        """Each scored state's log-likelihood (over `steps`, a (steps, states) mask, if given), in
        the order of `scored_states`, under the rule's `parameters` (the scenario's if None), the
        review rates `review` and their summit multipliers `summit` (each a number or one per set of
        weights; the scenario's if None): (states,) for one set of weights (n_terms,), (sets,
        states) for several (sets, n_terms)."""
        single = np.ndim(weights) == 1
        weights = np.atleast_2d(weights)
        mask = self.scored if steps is None else self.scored & steps
        p = self.step_probabilities(weights, self.rule_draws, parameters,
                                    None if review is None else np.broadcast_to(review, len(weights)),
                                    None if summit is None else np.broadcast_to(summit, len(weights)))
        logs = np.where(mask, np.log(p), 0.0).sum(axis=2)  # (draws, sets, states)
        # The per-state likelihood averaged over the rule's chance (one draw for a rule with none).
        top = logs.max(axis=0)
        total = (top + np.log(np.exp(logs - top).mean(axis=0)))[:, self.scored_states]
        return total[0] if single else total

    def log_likelihood(self, weights: np.ndarray, review: np.ndarray | None = None,
                       summit: np.ndarray | None = None) -> float | np.ndarray:
        """The record's log-likelihood under `weights` (n_terms,), or under each row of (sets, n_terms),
        with the review rates `review` and summit multipliers `summit` (each a number, or one per row;
        the scenario's if None)."""
        total = self.contributions(weights, review=review, summit=summit).sum(axis=-1)
        return float(total) if np.ndim(total) == 0 else total


def _tiled(epoch: Epoch, n_states: int, sets: int) -> Epoch:
    """`epoch` with every per-state array repeated `sets` times along the state axis."""
    if sets == 1:
        return epoch
    tiled = {}
    for field in fields(epoch):
        value = getattr(epoch, field.name)
        # exogenous_terms is the one array whose leading axis is the terms, not the states.
        if field.name != "exogenous_terms" and isinstance(value, np.ndarray) and value.shape[:1] == (n_states,):
            tiled[field.name] = np.tile(value, (sets,) + (1,) * (value.ndim - 1))
    return replace(epoch, **tiled)


def _reactions(timeline: Timeline, path: History, n_steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps, states): Russia's retaliation and the West's reaction in force at each step, as the
    powers' rules (sim/powers.py) answer the refusals and alignments the record shows, and
    whether a reaction aimed at the state started the step before (a decision moment)."""
    n = path.status.shape[1]
    retaliation, western = np.zeros((n_steps, n)), np.zeros((n_steps, n))
    provoked = np.zeros((n_steps, n), dtype=bool)
    levels = {name: (np.zeros(n), np.zeros(n, dtype=np.int64)) for name in ("russia", "west")}
    for t in range(n_steps):
        epoch = timeline.epoch_at(t)
        retaliation[t] = powers.in_force(levels["russia"][0], epoch.retaliation_in_force)
        western[t] = powers.in_force(levels["west"][0], epoch.west_reaction_in_force)
        if t + 1 >= path.status.shape[0]:
            break
        before_status, before_course = path.status[t], path.course[t]
        after_status, after_course = path.status[t + 1], path.course[t + 1]
        declined = (path.offer[t] != d.OUTSIDE) & (after_course == d.OUTSIDE) & path.observed[t]
        refused = powers.refusals(path.observed[t], declined, before_course, after_course)
        started = powers.react(*levels["russia"], refused, epoch.retaliation, t, timeline.retaliation_steps)
        started |= powers.react(*levels["west"], powers.alignments(before_status, after_status), epoch.west_reaction,
                                t, timeline.west_reaction_steps)
        if t + 1 < n_steps:
            provoked[t + 1] = started
    return retaliation, western, provoked


def fit(history: HistoryLikelihood, prior: np.ndarray, ridge: float, free: np.ndarray,
        steps: np.ndarray | None = None, states: np.ndarray | None = None) -> np.ndarray:
    """Maximum-likelihood weights on part of the record (the scored `states`, an index into
    `scored_states`, over `steps`, a (steps, states) mask), penalised by `ridge` toward `prior`
    as `sim.validate`'s fit is; the weights not `free` keep `prior`'s values. Bounded to [0, 20].
    The gradient is by forward differences, every shifted set of weights evaluated in one pass."""
    from scipy.optimize import minimize
    from threadpoolctl import threadpool_limits

    rows = np.arange(len(history.scored_states)) if states is None else states
    n_steps = history.step_count(steps, rows)
    index = np.flatnonzero(free)
    shift = 1e-6

    def loss_and_gradient(v: np.ndarray) -> tuple[float, np.ndarray]:
        w = np.tile(prior, (len(index) + 1, 1))
        w[:, index] = v
        w[np.arange(1, len(index) + 1), index] += shift
        values = -history.contributions(w, steps)[:, rows].sum(axis=1) / n_steps + ridge * ((w - prior) ** 2).sum(axis=1)
        return float(values[0]), (values[1:] - values[0]) / shift

    with threadpool_limits(1):  # as in sim.validate._fit
        fitted = prior.copy()
        fitted[index] = minimize(loss_and_gradient, prior[index], jac=True, method="L-BFGS-B",
                                 bounds=[(0.0, 20.0)] * len(index), options={"maxiter": 200}).x
    return fitted


REVIEW_RATE_BOUNDS = (0.05, 20.0)
"""The review rates (a year) `fit_review_rate` searches between: from one review in twenty years to
more than one a month."""


SUMMIT_MULTIPLIER_BOUNDS = (1.0, 50.0)
"""The summit multipliers `fit_summit_multiplier` searches between: from no summit effect to
fifty-fold, beyond which a window's months are reviewed all but surely at any rate the record allows."""


def fit_review_rate(negative_log_likelihood) -> float:
    """The review rate (a year) that minimises `negative_log_likelihood(rate)`, a bounded search over
    its logarithm within REVIEW_RATE_BOUNDS (the record's likelihood is smooth and single-peaked in
    it: docs/validation.md, "Is the review rate to blame?")."""
    return _fit_on_log_scale(negative_log_likelihood, REVIEW_RATE_BOUNDS)


def fit_summit_multiplier(negative_log_likelihood) -> float:
    """The summit multiplier that minimises `negative_log_likelihood(multiplier)`, a bounded search
    over its logarithm within SUMMIT_MULTIPLIER_BOUNDS (the likelihood rises to a plateau in it:
    docs/validation.md, "Is an approaching summit a time to decide?")."""
    return _fit_on_log_scale(negative_log_likelihood, SUMMIT_MULTIPLIER_BOUNDS)


def _fit_on_log_scale(negative_log_likelihood, bounds: tuple[float, float]) -> float:
    from scipy.optimize import minimize_scalar

    low, high = np.log(bounds)
    found = minimize_scalar(lambda u: negative_log_likelihood(float(np.exp(u))), bounds=(low, high), method="bounded",
                            options={"xatol": 1e-3})
    return float(np.exp(found.x))


def transition_kinds(history: HistoryLikelihood) -> tuple[np.ndarray, np.ndarray]:
    """(steps, states): what kind of step each is (an invitation answered, or the course held
    before it) and its outcome (accepted or not; the course after): what the base rate counts."""
    path = history.path
    steps = slice(0, history.n_steps)
    offer = path.offer[steps] != d.OUTSIDE
    kind = np.where(offer, len(d.OPTIONS), path.course[steps])
    after = np.argmax(path.choices[steps], axis=2)
    outcome = np.where(offer, after != d.OUTSIDE, after)
    return kind, outcome


def base_rate_probabilities(history: HistoryLikelihood, training: np.ndarray) -> np.ndarray:
    """(steps, states): the dynamic base rate's probability of what the record shows at each step:
    the training steps' share of the same outcome among steps of the same kind (an answer to an
    invitation; a step on each course), each count plus one half (the Jeffreys prior), so that an
    outcome training never saw is improbable, not impossible."""
    kind, outcome = transition_kinds(history)
    n_outcomes = len(d.OPTIONS)
    counts = np.zeros((len(d.OPTIONS) + 1, n_outcomes))
    np.add.at(counts, (kind[training], outcome[training]), 1.0)
    outcomes = np.array([n_outcomes] * len(d.OPTIONS) + [2])  # an answer is yes or no
    p = (counts[kind, outcome] + 0.5) / (counts[kind].sum(axis=-1) + 0.5 * outcomes[kind])
    return np.clip(p, CLIP, 1.0)


HISTORY_COLUMNS = {"model": "nll_model", "model, hand-set weights": "nll_hand_set", "base rate": "nll_base_rate"}
"""The history level's predictors and their columns in history.csv: each held-out state's negative
log-likelihood of its observed history."""


def history_scores(scenario: Scenario, scored: list[Observation], ridge: float, splits: tuple[str, ...],
                   time_cut: str) -> tuple[dict[str, dict[str, np.ndarray]], pd.DataFrame]:
    """The history level of `alignsim validate`: per split, each held-out state's negative
    log-likelihood of its observed history (over the held-out steps) under the scenario's decision
    rule fitted on the training part, under the scenario's values (for the logit, the hand-set
    preset: its weights, a review a year and no summit effect), and under the dynamic base rate. The logit's weights
    are fitted by `fit`; another rule's `FITTED` parameters as `sim.validate.fit_rule` fits them on
    the decisions, with the scenario's weights; then, for every rule, the review rate by
    `fit_review_rate` on the same part, then the summit multiplier by `fit_summit_multiplier` (the
    scenario's own were estimated on the whole record). Leave-one-state-out holds out each state's whole history; the time split
    fits on every state's steps up to `time_cut` and holds out the later steps of the states scored
    after it. Returns ({split: {predictor: (held-out states,)}}, the same as a table)."""
    from .parameters import RATES, REVIEW_RATE, SUMMIT_MULTIPLIER, scenario_weights
    from .validate import fit_parameters, fixed_terms, hand_set as hand_set_values

    history = HistoryLikelihood(scenario, scored)
    rule = scenario.decision.rule
    given = hand_set_values(scenario, rule)
    states = np.array(history.scored_states)
    hand_review = hand_summit = None  # the scenario's
    if rule == "logit":
        free = np.array([term not in fixed_terms(history) for term in d.TERMS])
        hand_weights, hand_parameters = given, None
        hand_review, hand_summit = RATES[REVIEW_RATE], RATES[SUMMIT_MULTIPLIER]

        def fitted(steps, train):  # (weights, the rule's parameters)
            return fit(history, given, ridge, free, steps, train), None
    else:
        scenario_set = scenario_weights(scenario)
        hand_weights, hand_parameters = scenario_set, given

        def fitted(steps, train):
            n_steps = history.step_count(steps, train)
            return scenario_set, fit_parameters(history.rule, given, lambda parameters: float(
                -history.contributions(scenario_set, steps, parameters)[train].sum() / n_steps))
    dates = history.timeline.dates[:history.n_steps]
    early = np.broadcast_to(np.array([date <= time_cut for date in dates])[:, None], history.scored.shape)
    losses, tables = {}, []
    for split in splits:
        if split == "leave-one-state-out":
            folds = [(np.setdiff1d(np.arange(len(states)), [k]), np.array([k]), None, None)
                     for k in range(len(states))]
        else:
            later = np.flatnonzero((history.scored & ~early)[:, states].any(axis=0))
            folds = [(np.arange(len(states)), later, early, ~early)]
        nll = {name: [] for name in HISTORY_COLUMNS}
        for train, test, train_steps, test_steps in folds:
            training = np.zeros_like(history.scored)
            training[:, states[train]] = history.scored[:, states[train]]
            if train_steps is not None:
                training &= train_steps
            tested = history.scored if test_steps is None else history.scored & test_steps
            base = np.where(tested, np.log(base_rate_probabilities(history, training)), 0.0).sum(axis=0)
            weights, parameters = fitted(train_steps, train)
            review = fit_review_rate(lambda rate: float(
                -history.contributions(weights, train_steps, parameters, review=rate)[train].sum()))
            summit = fit_summit_multiplier(lambda multiplier: float(
                -history.contributions(weights, train_steps, parameters, review=review, summit=multiplier)[train].sum()))
            nll["model"].append(-history.contributions(weights, test_steps, parameters, review=review,
                                                       summit=summit)[test])
            nll["model, hand-set weights"].append(-history.contributions(hand_weights, test_steps, hand_parameters,
                                                                         review=hand_review, summit=hand_summit)[test])
            nll["base rate"].append(-base[states[test]])
        held = np.concatenate([fold[1] for fold in folds])
        losses[split] = {name: np.concatenate(values) for name, values in nll.items()}
        tables.append(pd.DataFrame({"split": split, "state": [history.states[states[k]] for k in held],
                                    **{column: losses[split][name] for name, column in HISTORY_COLUMNS.items()}}))
    return losses, pd.concat(tables, ignore_index=True)


def review_rate_profile(scenario: Scenario, scored: list[Observation], rates: list[float]) -> pd.DataFrame:
    """The record's log-likelihood along its history as a function of the review hazard
    (`decision.review_rate_per_year`; a check on the rate `estimate` samples with the weights): see
    `profile`."""
    return profile(scenario, scored, "decision.review_rate_per_year", rates)


def profile(scenario: Scenario, scored: list[Observation], path: str, values: list[float],
            refit_review: bool = False) -> pd.DataFrame:
    """The record's log-likelihood along its history as a function of one value of the decision
    block, `path` (a profile likelihood): one row per value, with the chance of a review per step,
    the log-likelihood under the scenario's weights, and its maximum over the weights the record
    carries (`fit` without a penalty), with the weights that reach it; with `refit_review`, the
    review rate is then fitted too, given those weights (`fit_review_rate`), and reported."""
    from .parameters import scenario_weights
    from .scenario import with_overrides
    from .validate import fixed_terms

    weights = scenario_weights(scenario)
    rows = []
    for value in values:
        history = HistoryLikelihood(with_overrides(scenario, {path: value}), scored)
        free = np.array([term not in fixed_terms(history) for term in d.TERMS])
        fitted = fit(history, weights, 0.0, free)
        row = {path.rsplit(".", 1)[-1]: value, "review_per_step": history.timeline.review_probability,
               "log_likelihood": history.log_likelihood(weights)}
        review = None
        if refit_review:
            review = fit_review_rate(lambda rate: -float(history.log_likelihood(fitted, rate)))
            row["review_rate_per_year"] = review
        rows.append(row | {"max_log_likelihood": history.log_likelihood(fitted, review),
                           **{term: value for term, value, carried in zip(d.TERMS, fitted, free) if carried}})
    return pd.DataFrame(rows)
