"""The alignment model: wiring and scheduling.

Each step is `calendar.step_months` months (one by default):

1. the epoch in force gives the exogenous world (indicators, policies, bloc rules) as arrays;
   if a summit falls in the step, the bloc issues its invitations;
2. every state's options are scored at once by the decision functions, and the states that
   decide this step draw a choice by the scenario's decision rule (sim/rules/: the logit by
   default). A state decides at a decision moment (its
   situation changed as an epoch began, or it holds an invitation to answer) or, between
   moments, with the probability per step of a constant review rate, so that how often states
   decide does not depend on the step's length;
3. each such state acts on its choice (sim/agents.py), an invited state answering its invitation;
4. the powers react to what the states did;
5. the step is recorded.
"""

from __future__ import annotations

from functools import cache

import networkx as nx
import numpy as np
from mesa import Model
from mesa.discrete_space import Network

from . import decision as d
from . import powers
from .agents import Bloc, Power, StateAgent, russia_presses, russia_provoked, west_provoked
from .inputs import Timeline, compile_timeline
from .record import Recorder
from .rules import RULES, World
from .scenario import Scenario

MODEL_VERSION = "3"
"""The model's dynamics, recorded in manifest.json: 2 adds decision moments, reacting powers, the
autonomy term and a choosing bloc (issue 10); 3 answers an invitation within its summit's step
and adds Russia's pressure before a summit and China's optional inducement. Bump it when the
rules change what a run means."""

# Computed each step. All but the last are zero in the epoch's exogenous terms; for
# patron_pressure the step adds Russia's pressure before a summit to the standing pressure there.
_DYNAMIC = [d.TERMS.index(name) for name in
            ("western_threat", "refusal_retaliation", "accession_friction", "peer_influence", "switching_cost",
             "patron_pressure")]
NEVER = -(10**9)
_ALL_AVAILABLE = np.ones((1, len(d.OPTIONS)), dtype=bool)


@cache
def _none(n_states: int) -> np.ndarray:
    """A shared, read-only zero term: the value of a dynamic term that is silent this step."""
    zeros = np.zeros((n_states, len(d.OPTIONS)))
    zeros.flags.writeable = False
    return zeros


class AlignmentModel(Model):
    """Small states choosing their alignment toward a bloc, month by month.

    Pass `timeline` to reuse a compiled scenario across many runs (sweeps, replications);
    `record` limits what is stored to some of `sim.record.FIELDS`.
    """

    def __init__(
        self,
        scenario: Scenario,
        rng: np.random.Generator | int | None = None,
        timeline: Timeline | None = None,
        record: tuple[str, ...] | None = None,
    ):
        super().__init__(rng=rng)
        # Not `self.scenario`: Mesa 3.4+ reserves that name for its experimental Scenario class.
        self.spec = scenario
        self.timeline = timeline if timeline is not None else compile_timeline(scenario)
        n = len(self.timeline.states)

        self.status = self.timeline.initial_status.copy()
        self.stance = np.where(self.timeline.initial_seeking, d.MEMBER, self.status).astype(np.int8)
        self.offer = np.zeros(n, dtype=np.int8)
        self.declined = np.zeros(n, dtype=bool)
        self.last_interest = np.where(self.stance >= d.PARTNER, 0, NEVER)
        self.choice = self.stance.copy()
        self.reviewing = np.zeros(n, dtype=bool)
        self.rule = RULES[scenario.decision.rule]
        self.rule_draws = self.rule.draw(self.rng, n)

        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(zip(*np.nonzero(np.triu(self.timeline.adjacency))))
        self.network = Network(graph, random=self.random)
        self.states = [
            StateAgent(self, index, name, self.network[index]) for index, name in enumerate(self.timeline.states)
        ]
        self.bloc = Bloc(self, scenario.bloc.name)
        self.russia = Power(self, "Russia", russia_provoked, "retaliation", self.timeline.retaliation_steps)
        self.west = Power(self, "West", west_provoked, "west_reaction", self.timeline.west_reaction_steps)
        self.presses = Power(self, "Russia", russia_presses, "pre_summit_pressure", self.timeline.pressure_steps)
        self.recorder = Recorder(self.timeline.n_steps, n, record)

    def seeking(self) -> np.ndarray:
        """States with a membership application pending."""
        return (self.stance == d.MEMBER) & (self.status != d.MEMBER)

    def evaluate(self, epoch) -> tuple[np.ndarray, list[np.ndarray]]:
        """Score every state's options now: (choice probabilities, the dynamic terms unweighted)."""
        aligned = ((self.status >= d.PARTNER) | (self.stance >= d.PARTNER)).astype(float)
        peers = d.peer_alignment(self.timeline.adjacency, aligned)
        none = _none(len(self.status))
        # Most steps no reaction is in force: the terms that would be zero are skipped (a run's cost).
        west_acts = self.west.active or epoch.west_reaction_pinned
        russia_acts = self.russia.active or epoch.retaliation_pinned
        western = powers.in_force(self.west.level, epoch.west_reaction_in_force) if west_acts else none[:, 0]
        retaliation = powers.in_force(self.russia.level, epoch.retaliation_in_force) if russia_acts else none[:, 0]
        if west_acts:
            threat = d.western_threat_term(epoch.threat + western, epoch.trade_west, epoch.pressure)
        else:
            threat = epoch.threat_term if epoch.threat > 0 else none
        dynamic = [
            threat,
            d.refusal_retaliation_term(retaliation, epoch.dependence) if russia_acts else none,
            d.accession_friction_term(np.where(self.status == d.PARTNER, epoch.admit_member_from_partner,
                                               epoch.admit_member), epoch.admit_partner, self.status, self.offer),
            d.peer_influence_term(peers),
            d.switching_cost_term(self.stance),
            d.patron_pressure_term(self.presses.level, epoch.dependence) if self.presses.active else none,
        ]
        weights = epoch.weights[_DYNAMIC]
        active = [k for k, term in enumerate(dynamic) if term is not none]
        utility = epoch.exogenous_utility + d.utilities([dynamic[k] for k in active], weights[active])
        if epoch.partner_tier and epoch.open_to_applicants:
            available = _ALL_AVAILABLE
        else:
            available = np.ones_like(utility, dtype=bool)
            if not epoch.partner_tier:
                available[:, d.PARTNER] = self.status == d.PARTNER
            if not epoch.open_to_applicants:
                available[:, d.MEMBER] = (self.status == d.MEMBER) | (self.stance == d.MEMBER)
        self.reactions_in_force = (retaliation, western)
        self.pressure_in_force = self.presses.level.copy() if self.presses.active else none[:, 0]
        # Kept for `explain`, which shows what the rule decided on.
        self.world = World(epoch, utility, available, self.stance, aligned, self.timeline.adjacency, self.rule_draws,
                           peers, self.timeline.tied)
        return self.rule.probabilities(self.world), dynamic

    @staticmethod
    def net_terms(epoch, dynamic: list[np.ndarray]) -> np.ndarray:
        """Each weighted term's contribution to U(member) - U(outside): (n_states, n_terms)."""
        net = epoch.exogenous_net.copy()
        none = _none(len(net))
        for column, weight, term in zip(_DYNAMIC, epoch.weights[_DYNAMIC], dynamic):
            if term is not none:
                net[:, column] += weight * (term[:, d.MEMBER] - term[:, d.OUTSIDE])
        return net

    def deciding(self, step: int, epoch) -> np.ndarray:
        """Which states decide this step: at a decision moment, or by the review hazard.

        The uniform numbers are drawn for every state, deciding or not, so that each state's
        stream of chance does not depend on the others' situations."""
        hazard = self.rng.random(len(self.status)) < self.timeline.review_probability
        # A reaction aimed at a state changes its situation: a decision moment.
        moment = (self.offer != d.OUTSIDE) | self.russia.started | self.west.started | self.presses.started
        if step == epoch.first_step and step > 0:
            moment = moment | epoch.shocked
        return hazard | moment

    def step(self) -> None:
        month = self.steps - 1
        epoch = self.timeline.epoch_at(month)
        # The summit's invitations come first: an invited state answers within the summit's step,
        # once, with its course before the summit as its status quo. Were they issued after the
        # states acted, a state shocked by the summit's own news (the bloc's new appetite) would
        # decide twice, and the bloc could invite a state on an application made in answer to
        # that news.
        if self.timeline.summit[month]:
            self.bloc.convene(month, epoch)
        invited = self.offer.copy()
        probabilities, dynamic = self.evaluate(epoch)

        self.reviewing = self.deciding(month, epoch)
        self.choice = d.draw_choices(probabilities, self.rng.random(len(self.status))).astype(np.int8)
        self.declined[:] = False
        # Only a state that decides can provoke a power; most steps none does.
        anyone = bool(np.count_nonzero(self.reviewing))
        status_before, course_before = (self.status.copy(), self.stance.copy()) if anyone else (None, None)
        for state in self.states:
            state.act()
        for power in (self.russia, self.west):
            power.react(month, epoch, status_before, course_before)
        if self.presses.active or self.timeline.pressure_before[month] >= 0:  # a summit's lead step, or pressing
            self.presses.react(month, epoch, status_before, course_before)
        self.last_interest[self.stance >= d.PARTNER] = month * self.timeline.step_months

        values = {
            "status": self.status,
            "seeking_membership": self.seeking(),
            "course": self.stance,
            "invited": invited,
            "declined": self.declined,
            "deciding": self.reviewing,
            "probabilities": probabilities,
            "room_for_manoeuvre": epoch.room_for_manoeuvre,
            "retaliation": self.reactions_in_force[0],
            "retaliation_started": self.russia.started * self.russia.level,
            "western_reaction": self.reactions_in_force[1],
            "western_reaction_started": self.west.started * self.west.level,
            "pre_summit_pressure": self.pressure_in_force,
            "pre_summit_pressure_started": self.presses.started * self.presses.level,
        }
        if self.recorder.wants("terms"):
            values["terms"] = self.net_terms(epoch, dynamic)
        self.recorder.record(month, values)

    def run(self) -> Recorder:
        """Run every step of the calendar and return what was recorded."""
        for _ in range(self.timeline.n_steps):
            self.step()
        return self.recorder
