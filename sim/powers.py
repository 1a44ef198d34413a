"""The powers' reaction rules: pure functions over arrays of states (brief, "Who acts": the West
and Russia as powers with policies; mechanisms 2 and 3a).

A reaction is aimed at one state, has a size and a duration, and enters that state's utilities
while it lasts (`refusal_retaliation_term`, `western_threat_term`, `patron_pressure_term` in
sim/decision.py). Nothing here knows a state's name.
"""

from __future__ import annotations

import numpy as np

from .decision import MEMBER, OUTSIDE, PARTNER


def refusals(deciding: np.ndarray, declined: np.ndarray, course_before: np.ndarray, course: np.ndarray) -> np.ndarray:
    """States that refused the bloc this step: declined an invitation, or turned a course toward
    the bloc back to staying outside (Kazakhstan's 2023 ambition withdrawn on 2024-10-16, after
    which Russia banned Kazakh produce: euronews 2024-10-23; London Politica)."""
    return declined | (deciding & (course_before >= PARTNER) & (course == OUTSIDE))


def candidates(status: np.ndarray, course: np.ndarray, announced: np.ndarray | None) -> np.ndarray:
    """The states Russia presses before a summit: those the summit may admit or invite, with an
    application pending or interest shown (which includes every partner), and those whose
    invitation at that summit is already known (`announced`, the bloc's observed choice).

    Before Kazan, Kazakhstan had received "a proposal to join the alliance" from its host and
    refused "a few days before the summit" (London Politica)."""
    pressed = (course >= PARTNER) & (status < MEMBER)
    return pressed if announced is None else pressed | (announced > status)


def alignments(status_before: np.ndarray, status: np.ndarray) -> np.ndarray:
    """States that took up partner or member status this step."""
    return (status_before < PARTNER) & (status >= PARTNER)


def react(level: np.ndarray, until: np.ndarray, trigger: np.ndarray, size: float | np.ndarray, step: int,
          duration: int) -> np.ndarray:
    """Start a reaction of `size` against each triggering state, lasting `duration` steps from the
    next one, and end those that ran out. Updates `level` and `until` in place; returns the states
    against which a reaction started."""
    started = trigger & (size > 0) & (duration > 0)
    level[started] = np.broadcast_to(size, level.shape)[started]  # a batch may hold a size per row
    until[started] = step + duration
    level[until <= step] = 0.0
    return started


def in_force(reactive: np.ndarray, pinned: np.ndarray) -> np.ndarray:
    """The reaction a state faces: the rule's, or one a dated event pins, whichever is larger."""
    return np.maximum(reactive, pinned)
