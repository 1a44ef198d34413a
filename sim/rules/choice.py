"""Helpers shared by the deterministic rules: the first open option of a preference order, and
the tremble that gives every open option some probability."""

from __future__ import annotations

import numpy as np


def trembling(chosen: np.ndarray, available: np.ndarray, tremble: float) -> np.ndarray:
    """Probabilities of a rule that picks option `chosen` (n_states,), except that with chance
    `tremble` a state picks uniformly among its available options instead: a deterministic rule
    made to give every open option some probability, so that it can be scored on a record."""
    open_options = available.astype(float)  # one row when every state has the same options open
    uniform = open_options / open_options.sum(axis=1, keepdims=True)
    probabilities = np.broadcast_to(tremble * uniform, (len(chosen), available.shape[1])).copy()
    probabilities[np.arange(len(chosen)), chosen] += 1.0 - tremble
    return probabilities


def first_available(available: np.ndarray, preferences: tuple[np.ndarray, ...]) -> np.ndarray:
    """Per state, the first option of `preferences` (each (n_states,) option codes, in order) that
    is available; `preferences[-1]` must always be available."""
    rows = np.arange(len(preferences[0])) if len(available) > 1 else 0  # one row: the same for all
    chosen = preferences[-1].copy()
    for option in reversed(preferences[:-1]):
        chosen = np.where(available[rows, option], option, chosen)
    return chosen
