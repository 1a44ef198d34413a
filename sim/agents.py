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

from . import bloc, powers
from .decision import OPTIONS, OUTSIDE

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
    """The bloc: at each summit its members choose whom to invite (sim/bloc.py): applicants as
    members, interested states and, on its own initiative, others as partners, each by the
    consent of every member and within its appetite and seats; or, where a scenario gives the
    bloc's observed choice at that summit, exactly that."""

    def __init__(self, model: AlignmentModel, name: str):
        super().__init__(model)
        self.name = name

    def convene(self, step: int, epoch) -> None:
        """Issue invitations, before the states decide: each invited state answers in this step."""
        model = self.model
        # Draw for every state, candidate or not, so that each state's stream of chance does not
        # depend on the others' choices, and whether or not the summit's choice is observed.
        draws = model.rng.random((4, len(model.status)))
        observed = model.timeline.observed_offers.get(step)
        if observed is not None:
            model.offer[:] = bloc.observed_invitations(model.status, observed)
            return
        months = step * model.timeline.step_months
        interested = (months - model.last_interest) <= model.timeline.invitation_memory
        model.offer[:] = bloc.invitations(
            model.status, model.seeking(), interested, epoch.admit_member, epoch.admit_member_from_partner,
            epoch.admit_partner, epoch.admit_on_initiative, (epoch.seats_members, epoch.seats_partners), draws)


class Power(Agent):
    """An outside power's reaction rule: Russia's to refusals and its pressure before a summit,
    the West's to alignment. Its reactions against each state are the arrays `level` and `until`."""

    def __init__(self, model: AlignmentModel, name: str, trigger, size: str, duration: int):
        super().__init__(model)
        self.name = name
        # (model, step, status before, course before) -> the states it acts against, or None
        self.trigger = trigger
        self.size = size  # the Epoch attribute holding the reaction's size
        self.duration = duration
        n = len(model.status)
        self.level = np.zeros(n)
        self.until = np.zeros(n, dtype=np.int64)
        self._quiet = np.zeros(n, dtype=bool)
        self.started = self._quiet
        self.active = False  # some reaction of this power is in force

    def react(self, step: int, epoch, status_before: np.ndarray | None, course_before: np.ndarray | None) -> None:
        """React to this step's deeds; `status_before` is None when no state decided."""
        trigger = self.trigger(self.model, step, status_before, course_before)
        if trigger is None:
            trigger = self._quiet
        if self.active or np.count_nonzero(trigger):  # most steps nobody provokes and nothing runs
            self.started = powers.react(self.level, self.until, trigger, getattr(epoch, self.size), step, self.duration)
            self.active = bool(np.count_nonzero(self.level))
        elif self.started is not self._quiet:
            self.started = self._quiet


def russia_provoked(model: AlignmentModel, step: int, status_before, course_before) -> np.ndarray | None:
    return None if status_before is None else powers.refusals(model.reviewing, model.declined, course_before,
                                                              model.stance)


def west_provoked(model: AlignmentModel, step: int, status_before, course_before) -> np.ndarray | None:
    return None if status_before is None else powers.alignments(status_before, model.status)


def russia_presses(model: AlignmentModel, step: int, status_before, course_before) -> np.ndarray | None:
    """Russia's pressure before a summit, begun `pressure_lead_months` ahead of it."""
    summit = model.timeline.pressure_before[step]
    if summit < 0:
        return None
    return powers.candidates(model.status, model.stance, model.timeline.observed_offers.get(int(summit)))
