"""The decision parameters a run uses: a named preset, the scenario's own values, or posterior draws.

The parameters are the decision weights (`sim.decision.TERMS`) and two rates beside them
(`RATES`): the review rate (`decision.review_rate_per_year`, how often a state reconsiders its
course between decision moments) and how many times that rate is in a summit's window
(`decision.summit_review_multiplier`). A scenario's `decision.parameters` names the preset they
start from: `estimated`, the posterior median of the committed draws of `alignsim estimate`
(`estimation/posterior/`), or `hand_set`, the values set while the Belarus and Kazakhstan cases
were built (with a review a year and no summit effect, as assumed before the rates were
estimated). A value the scenario writes overrides its preset.

With posterior draws (`alignsim run --posterior DIR`), each replication runs under one draw. The
draws used are a seeded choice from the file, and replication r runs under draw r mod N, so that
every draw has the same number of replications (give or take one) and the same scenario, seed and
draws give the same run. The replications keep the random streams they have without a posterior:
a posterior of one repeated draw equal to the scenario's parameters gives the run without one.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from . import decision as d
from .scenario import InputError, Issue, Scenario, with_overrides

ESTIMATED = Path(__file__).resolve().parents[1] / "estimation" / "posterior"
"""The committed posterior whose median is the `estimated` preset (docs/validation.md, "Posterior")."""
DRAWS_FILE = "draws.parquet"
HAND_SET = {"sanction_relief": 2.0, "western_exposure": 2.0, "western_threat": 5.0, "patron_pressure": 1.0,
            "refusal_retaliation": 1.0, "diversification": 1.0, "autonomy": 1.0, "bloc_benefits": 1.0,
            "accession_friction": 1.0, "substitutes": 1.0, "peer_influence": 1.0, "switching_cost": 0.5}
"""The weights set by hand while the Belarus and Kazakhstan cases were built (docs/model.md)."""
REVIEW_RATE = "review_rate_per_year"
"""The review rate's name, as a column of the draws and in the scenario's decision block."""
SUMMIT_MULTIPLIER = "summit_review_multiplier"
"""The name of the review rate's multiplier in a summit's window, likewise."""
RATES = {REVIEW_RATE: 1.0, SUMMIT_MULTIPLIER: 1.0}
"""The decision values beside the weights, with the values the `hand_set` preset gives them, those
assumed before they were estimated: a review a year, and a summit no time to reconsider
(docs/model.md, 3.1)."""
PARAMETERS = (*d.TERMS, *RATES)
"""What a posterior draw sets, in the order of its values: the weights, then the rates."""
MAXIMUM = 100.0
"""The largest weight a scenario accepts (sim/scenario/schema.py), and so a draw."""
LOWEST = {SUMMIT_MULTIPLIER: 1.0}
"""The smallest value a scenario accepts where it is not 0: a summit may raise the review rate, not lower it."""
REPLICATIONS_PER_DRAW = 10
"""By default, one draw per this many replications: each draw's replications separate the spread
its parameters cause from the spread of chance."""
_ASSIGNMENT_STREAM = 0x706F7374
"""Mixed into the seed that picks the draws, so that the pick is independent of the replications' streams."""


@functools.cache
def _estimated() -> dict[str, float]:
    draws = read_draws(ESTIMATED)
    return {name: float(np.median(draws[name])) for name in PARAMETERS}


def preset(name: str) -> dict[str, float]:
    """The weights of a named preset, by term (sim.decision.TERMS)."""
    return dict(HAND_SET) if name == "hand_set" else {term: _estimated()[term] for term in d.TERMS}


def scenario_rate(scenario: Scenario, name: str) -> float:
    """The value of the rate `name` (of `RATES`) the scenario runs under: its own, else its preset's."""
    decision = scenario.decision
    own = getattr(decision, name)
    if own is not None:
        return own
    return RATES[name] if decision.parameters == "hand_set" else _estimated()[name]


def scenario_review_rate(scenario: Scenario) -> float:
    """The review rate (per year) the scenario runs under."""
    return scenario_rate(scenario, REVIEW_RATE)


def scenario_weights(scenario: Scenario) -> np.ndarray:
    """The weights the scenario runs under, in sim.decision.TERMS order: its own, else its preset's."""
    decision = scenario.decision
    own = {**decision.weights.model_dump(), "switching_cost": decision.switching_cost}
    base = preset(decision.parameters)
    return np.array([base[term] if own[term] is None else own[term] for term in d.TERMS])


def weight_overrides(weights: np.ndarray) -> dict[str, float]:
    """Dotted paths (as for --set) that give a scenario these weights (TERMS order)."""
    return {("decision.switching_cost" if term == "switching_cost" else f"decision.weights.{term}"): float(w)
            for term, w in zip(d.TERMS, weights)}


def draw_overrides(values: np.ndarray) -> dict[str, float]:
    """Dotted paths (as for --set) that give a scenario a draw's parameters (`PARAMETERS` order)."""
    return weight_overrides(values[:len(d.TERMS)]) | {f"decision.{name}": float(value)
                                                      for name, value in zip(RATES, values[len(d.TERMS):])}


def read_draws(folder: str | Path) -> pd.DataFrame:
    """The draws of a posterior folder written by `alignsim estimate`, checked: one column per
    parameter of `PARAMETERS`, every value a number the schema allows (0 to its maximum; a summit's
    multiplier at least 1)."""
    folder = Path(folder)
    path = folder / DRAWS_FILE
    if not folder.is_dir():
        raise InputError(Issue(str(folder), "--posterior", "is not a folder; expected one written by alignsim estimate"))
    if not path.is_file():
        raise InputError(Issue(str(path), "--posterior", f"not found; a posterior folder holds {DRAWS_FILE}, "
                               "as alignsim estimate writes it"))
    try:
        draws = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a damaged file
        raise InputError(Issue(str(path), "", f"cannot be read as Parquet ({type(exc).__name__})")) from None
    problems = [Issue(str(path), name, "column missing" + (
        f"; a posterior written before {name} was estimated: run alignsim estimate again"
        if name in RATES else "")) for name in PARAMETERS if name not in draws]
    if not problems and not len(draws):
        problems.append(Issue(str(path), "", "holds no draws"))
    for term in PARAMETERS if not problems else ():
        column = draws[term]
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            problems.append(Issue(str(path), term, f"expected numbers, got {column.dtype}"))
        elif not np.all(np.isfinite(column)) or column.min() < LOWEST.get(term, 0) or column.max() > MAXIMUM:
            problems.append(Issue(str(path), term, f"every draw must be a number from {LOWEST.get(term, 0):g} "
                                  f"to {MAXIMUM:g}"))
    if problems:
        raise InputError(problems)
    return draws[list(PARAMETERS)].astype(float).reset_index(drop=True)


@dataclass(frozen=True)
class Assignment:
    """Which parameter draw each replication runs under."""

    folder: str
    sha256: str  # of the draws file
    rows: np.ndarray  # (n_draws,) the rows of the draws file used
    values: np.ndarray  # (n_draws, len(PARAMETERS))
    replication_draw: np.ndarray  # (replications,) index into rows

    @property
    def groups(self) -> np.ndarray:
        """Each replication's parameter set, numbered so that equal draws share a number: the
        spread between groups is parameter uncertainty, the spread within them chance."""
        _, distinct = np.unique(self.values, axis=0, return_inverse=True)
        return distinct.ravel()[self.replication_draw]

    def table(self) -> pd.DataFrame:
        """parameters.csv: the draw (row of the draws file) and parameters of every replication."""
        table = pd.DataFrame({"replication": np.arange(len(self.replication_draw)),
                              "draw_row": self.rows[self.replication_draw]})
        for k, name in enumerate(PARAMETERS):
            table[name] = self.values[self.replication_draw, k]
        return table

    def describe(self) -> dict:
        return {"folder": self.folder, "draws_file_sha256": self.sha256, "draws": len(self.rows),
                "assignment": "replication r runs under the (r mod draws)-th of the draws picked by "
                              "numpy.random.default_rng([0x706f7374, seed]) from the file, without replacement"}


def pick(folder: str | Path, seed: int, draws: int) -> Assignment:
    """`draws` draws of the posterior in `folder`, picked with `seed` without replacement, each
    used once."""
    table = read_draws(folder)
    if draws > len(table):
        raise InputError(Issue("--draws", str(draws), f"more than the {len(table)} draws of "
                               f"{Path(folder) / DRAWS_FILE}"))
    rng = np.random.default_rng([_ASSIGNMENT_STREAM, seed])
    rows = np.sort(rng.choice(len(table), size=draws, replace=False))
    digest = hashlib.sha256((Path(folder) / DRAWS_FILE).read_bytes()).hexdigest()
    return Assignment(str(folder), digest, rows, table.to_numpy()[rows], np.arange(draws))


def assign(folder: str | Path, seed: int, replications: int, draws: int | None = None) -> Assignment:
    """Pick `draws` draws (default: one per REPLICATIONS_PER_DRAW replications) of the posterior in
    `folder` with `seed`, and give each replication one of them."""
    if draws is None:
        draws = min(len(read_draws(folder)), max(1, replications // REPLICATIONS_PER_DRAW))
    if replications < 2 * draws and draws > 1:
        raise InputError(Issue("--draws", str(draws), f"needs at least two replications per draw ({2 * draws}), "
                               f"to tell parameter uncertainty from chance; got {replications}"))
    picked = pick(folder, seed, draws)
    return replace(picked, replication_draw=np.arange(replications) % draws)


def replication_worlds(scenario: Scenario, timelines, assignment: Assignment | None):
    """(replication, completed dataset) -> (scenario, compiled timeline) it runs under: the
    scenario's own without a posterior; else the scenario with its draw's parameters, compiled once
    per draw and dataset. `timelines` is the scenario's `sim.inputs.Timelines`."""
    if assignment is None:
        return lambda replication, imputation: (scenario, timelines.get(imputation))

    @functools.cache
    def drawn(draw: int):
        world = with_overrides(scenario, draw_overrides(assignment.values[draw]))
        return world, timelines.under(world)

    def world(replication: int, imputation: int):
        scenario_of_draw, compiled = drawn(int(assignment.replication_draw[replication]))
        return scenario_of_draw, compiled.get(imputation)

    return world


def interval(successes: np.ndarray, groups: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """A share's interval with parameter uncertainty, per column of `successes` (replications,
    columns; 0/1), `groups` numbering each replication's parameter set: see interval_from_counts."""
    labels, group = np.unique(groups, return_inverse=True)
    successes = np.asarray(successes, dtype=np.int64)
    counts = np.zeros((len(labels), successes.shape[1]), dtype=np.int64)
    np.add.at(counts, group, successes)
    return interval_from_counts(counts, np.bincount(group, minlength=len(labels)))


def interval_from_counts(counts: np.ndarray, sizes: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson interval at the effective number of replications n p(1-p) / (p(1-p) + n tau^2),
    where tau^2 is the variance of the share between parameter sets, estimated by one-way analysis
    of variance (its method-of-moments estimator, not below 0), from each set's count of successes
    (`counts`: sets x columns) and of replications (`sizes`). The outcomes are 0/1, so these counts
    are all the analysis needs, and a run can tally them as it goes. With one parameter set, tau^2 = 0
    and this is the sampling-only Wilson interval."""
    from .run import _wilson

    counts = np.asarray(counts, dtype=float)
    size = np.asarray(sizes, dtype=float)
    n, k = size.sum(), len(size)
    p = counts.sum(axis=0) / n
    tau2 = np.zeros(counts.shape[1])
    if k > 1:
        means = counts / size[:, None]
        between = (size[:, None] * (means - p) ** 2).sum(axis=0) / (k - 1)
        within = (counts - size[:, None] * means ** 2).sum(axis=0) / (n - k)  # sum of (x - mean)^2 for 0/1 x
        n0 = (n - (size ** 2).sum() / n) / (k - 1)
        tau2 = np.maximum(0.0, (between - within) / n0)
    variance = p * (1 - p)
    effective = np.where(tau2 > 0, n * variance / np.maximum(variance + n * tau2, np.finfo(float).tiny), n)
    return _wilson(p * effective, effective, z)
