"""The Mesa agents: the deciding states and the bloc.

A state's variables live in the model's arrays (so the decision math can run for all states at
once); a `StateAgent` is that state's view of them and the rules by which it acts on its choice.
The outside powers are agents too: their standing policies are levels that dated events change,
compiled into the timeline (sim/inputs.py), and their reactions to what states do follow the
rules in sim/powers.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent
from mesa.discrete_space import FixedAgent

from . import powers
from .decision import MEMBER, OPTIONS, OUTSIDE, PARTNER

if TYPE_CHECKING:
    from .model import AlignmentModel


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

    def act(self) -> None:
        """Act on this month's choice, if the state reviews its course or holds an invitation.

        Statuses are granted by the bloc, never taken: a state accepts an offer up to the
        alignment it chose, and the only status change it makes alone is leaving (choosing
        outside). Choosing outside while invited declines the invitation.
        """
        model, i = self.model, self.index
        if not model.reviewing[i]:
            return
        choice, offer, status = model.choice[i], model.offer[i], model.status[i]
        model.status[i] = OUTSIDE if choice == OUTSIDE else max(status, min(offer, choice))
        model.declined[i] = offer != OUTSIDE and choice == OUTSIDE
        model.stance[i] = choice
        model.offer[i] = OUTSIDE


class Bloc(Agent):
    """The bloc: at each summit it grants membership to applicants and partnership to states
    that showed interest, by consensus of its members and within its appetite."""

    def __init__(self, model: AlignmentModel, name: str):
        super().__init__(model)
        self.name = name

    def convene(self, admit_member: np.ndarray, admit_partner: np.ndarray) -> None:
        """Issue invitations; the states answer them at their next decision."""
        model = self.model
        # Draw for every state, candidate or not, so that each state's stream of chance does not
        # depend on the others' choices.
        member_draw = model.rng.random(len(model.status))
        partner_draw = model.rng.random(len(model.status))
        applicants = model.seeking()
        invite_member = applicants & (member_draw < admit_member)
        months = (model.steps - 1) * model.timeline.step_months
        interested = (months - model.last_interest) <= model.timeline.invitation_memory
        invite_partner = (~invite_member) & interested & (model.status == OUTSIDE) & (partner_draw < admit_partner)
        model.offer[invite_member] = MEMBER
        model.offer[invite_partner] = PARTNER


class Power(Agent):
    """An outside power that reacts to what states do: Russia to refusals, the West to
    alignment. Its reactions against each state are the model arrays `level` and `until`."""

    def __init__(self, model: AlignmentModel, name: str, trigger, size: str, duration: int):
        super().__init__(model)
        self.name = name
        self.trigger = trigger  # (model, status before, course before) -> states that provoke it
        self.size = size  # the Epoch attribute holding the reaction's size
        self.duration = duration
        n = len(model.status)
        self.level = np.zeros(n)
        self.until = np.zeros(n, dtype=np.int64)
        self._quiet = np.zeros(n, dtype=bool)
        self.started = self._quiet
        self.active = False  # some reaction of this power is in force

    def react(self, step: int, epoch, status_before: np.ndarray, course_before: np.ndarray) -> None:
        trigger = self.trigger(self.model, status_before, course_before)
        if self.active or np.count_nonzero(trigger):  # most steps nobody provokes and nothing runs
            self.started = powers.react(self.level, self.until, trigger, getattr(epoch, self.size), step, self.duration)
            self.active = bool(np.count_nonzero(self.level))
        elif self.started is not self._quiet:
            self.started = self._quiet


def russia_provoked(model: AlignmentModel, status_before: np.ndarray, course_before: np.ndarray) -> np.ndarray:
    return powers.refusals(model.reviewing, model.declined, course_before, model.stance)


def west_provoked(model: AlignmentModel, status_before: np.ndarray, course_before: np.ndarray) -> np.ndarray:
    return powers.alignments(status_before, model.status)
