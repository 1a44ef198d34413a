"""The Mesa agents: the deciding states and the bloc.

A state's variables live in the model's arrays (so the decision math can run for all states at
once, sim/transition.py); a `StateAgent` is that state's view of them. The bloc and the outside
powers are agents too: the bloc's choice at a summit follows sim/bloc.py; the powers' standing
policies are levels that dated events change, compiled into the timeline (sim/inputs.py), and
their reactions to what states do follow the rules in sim/powers.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent
from mesa.discrete_space import FixedAgent

from .decision import OPTIONS

if TYPE_CHECKING:
    from .model import AlignmentModel
    from .transition import Reactions


class StateAgent(FixedAgent):
    """A deciding state: it holds a status, follows a course (its last choice), may have an
    application pending, and answers the bloc's invitations."""

    def __init__(self, model: AlignmentModel, index: int, name: str, cell):
        super().__init__(model)
        self.index = index
        self.name = name
        self.cell = cell

    @property
    def status(self) -> str:
        return OPTIONS[self.model.status[self.index]]

    @property
    def seeking_membership(self) -> bool:
        return bool(self.model.seeking()[self.index])


class Bloc(Agent):
    """The bloc: at each summit its members choose whom to invite (sim/bloc.py): applicants as
    members, interested states and, on its own initiative, others as partners, each by the
    consent of every member and within its appetite and seats; or, where a scenario gives the
    bloc's observed choice at that summit, exactly that."""

    def __init__(self, model: AlignmentModel, name: str):
        super().__init__(model)
        self.name = name


class Power(Agent):
    """An outside power's reaction rule (sim/powers.py): Russia's to refusals and its pressure
    before a summit, the West's to alignment. `reactions` are its reactions against each state."""

    def __init__(self, model: AlignmentModel, name: str, reactions: Reactions):
        super().__init__(model)
        self.name = name
        self.reactions = reactions

    @property
    def level(self) -> np.ndarray:
        """The size of the reaction in force against each state (0: none)."""
        return self.reactions.level

    @property
    def active(self) -> bool:
        """Some reaction of this power is in force."""
        return bool(np.count_nonzero(self.reactions.level))
