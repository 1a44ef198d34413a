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
3. each such state acts on its choice, an invited state answering its invitation;
4. the powers react to what the states did;
5. the step is recorded.

The step itself is sim/transition.py's, over arrays of states; the agents are views of them.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from mesa import Model
from mesa.discrete_space import Network

from . import decision as d
from . import transition
from .agents import Bloc, Power, StateAgent
from .inputs import Timeline, compile_timeline
from .record import Recorder
from .rules import RULES
from .scenario import Scenario

MODEL_VERSION = "7"
"""The model's dynamics, recorded in manifest.json: 2 adds decision moments, reacting powers, the
autonomy term and a choosing bloc (issue 10); 3 answers an invitation within its summit's step
and adds Russia's pressure before a summit and China's optional inducement; 4 adds the summit
window's review rate (`decision.summit_review_multiplier`, off by default); 5 estimates that
multiplier with the weights, so the `estimated` preset turns the window on; 6 makes a status on offer
beyond the course free of the switching cost (re-estimated); 7 makes a course below the status
held cost one switch more (re-estimated). Bump it when the
rules or the defaults change what a run means."""


class AlignmentModel(Model):
    """Small states choosing their alignment toward a bloc, month by month: one replication,
    stepped by sim/transition.py (which `sim.run.run_many` uses for many at once).

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
        self.rule = RULES[scenario.decision.rule]
        self.replication = transition.start([self.timeline], self.rule, [self.rng])

        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(zip(*np.nonzero(np.triu(self.timeline.adjacency))))
        self.network = Network(graph, random=self.random)
        self.states = [
            StateAgent(self, index, name, self.network[index]) for index, name in enumerate(self.timeline.states)
        ]
        self.bloc = Bloc(self, scenario.bloc.name)
        self.russia = Power(self, "Russia", self.replication.russia)
        self.west = Power(self, "West", self.replication.west)
        self.presses = Power(self, "Russia", self.replication.presses)
        self.recorder = Recorder(self.timeline.n_steps, n, record)

    # The replication's variables, as the agents and the dashboard read them.
    status = property(lambda self: self.replication.status, doc="status held (option codes)")
    stance = property(lambda self: self.replication.stance, doc="course: the option last chosen")
    offer = property(lambda self: self.replication.offer, doc="the invitation in hand")
    declined = property(lambda self: self.replication.declined, doc="declined an invitation this step")
    reviewing = property(lambda self: self.replication.reviewing, doc="decided this step")
    rule_draws = property(lambda self: self.replication.rule_draws, doc="the rule's chance (sim.rules)")

    def seeking(self) -> np.ndarray:
        """States with a membership application pending."""
        return self.replication.seeking()

    def evaluate(self, step: int) -> transition.Evaluation:
        """Every state's options scored at `step`, as they stand now (`explain` and the dashboard
        show it)."""
        return transition.evaluate(self.replication, step, self.rule)

    def step(self) -> None:
        month = self.steps - 1
        self.recorder.record(month, transition.step(self.replication, month, self.rule, self.recorder.wants("terms")))

    def run(self) -> Recorder:
        """Run every step of the calendar and return what was recorded."""
        for _ in range(self.timeline.n_steps):
            self.step()
        return self.recorder
