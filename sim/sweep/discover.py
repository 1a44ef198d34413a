"""Scenario discovery on a finished sweep: PRIM (Friedman & Fisher 1999), as implemented by the
EMA Workbench, finds the box of parameter values in which an outcome of interest happens.

The outcome is the one `sensitivity.py` analyses: the mean over replications, at each design
point, of one kept output for one state. A point is a case of interest when that mean is at
least `threshold`, or among the highest `top` share of points. PRIM peels the box of all points
towards the cases; each step of the peeling trajectory trades coverage (the share of all cases
inside the box) for density (the share of points inside the box that are cases). The chosen box
is the one, among those restricting at least one parameter, with the highest coverage whose
density reaches `min_density`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..scenario import InputError, Issue
from .sensitivity import point_means
from .spec import Sweep
from .store import Store

MIN_CASES = 10
"""Fewer cases of interest than this and a box says more about chance than about the model."""


@dataclass
class Discovery:
    """A PRIM result: the peeling trajectory and the chosen box."""

    state: str
    output: str
    rule: str  # which points are cases, in words
    points: int
    cases: int
    trajectory: pd.DataFrame  # one row per box: box, coverage, density, mass, res_dim, n, k
    chosen: int  # the row of `trajectory` chosen
    box: pd.DataFrame  # one row per restricted parameter: limits, the swept range, quasi-p values

    @property
    def coverage(self) -> float:
        return float(self.trajectory.coverage.iloc[self.chosen])

    @property
    def density(self) -> float:
        return float(self.trajectory.density.iloc[self.chosen])

    def describe(self) -> str:
        """The box in words."""
        row = self.trajectory.iloc[self.chosen]
        where = "when " + " and ".join(_limit_in_words(r) for r in self.box.itertuples(index=False))
        return (f"{self.state}: {self.output} {self.rule} {where}: in {self.density:.0%} of the points in the box "
                f"(density), covering {self.coverage:.0%} of all such points (coverage); {int(row.n)} of "
                f"{self.points} points in the box, {int(row.k)} of {self.cases} cases.")


def _limit_in_words(row) -> str:
    low, high = np.isfinite(row.qp_lower), np.isfinite(row.qp_upper)
    if low and high:
        return f"{row.parameter} in [{row.lower:.3g}, {row.upper:.3g}]"
    if low:
        return f"{row.parameter} >= {row.lower:.3g}"
    return f"{row.parameter} <= {row.upper:.3g}"


def cases_of_interest(y: np.ndarray, threshold: float | None, top: float | None, where: str) -> tuple[np.ndarray, str]:
    """Which points are cases of interest, and the rule in words."""
    if (threshold is None) == (top is None):
        raise InputError(Issue(where, "--threshold/--top", "give exactly one: a threshold X (cases: mean output "
                               "at least X) or a top share Q (cases: the highest Q share of points)"))
    if top is not None:
        if not 0 < top < 1:
            raise InputError(Issue(where, "--top", f"must be a share between 0 and 1 (exclusive), got {top}"))
        threshold = float(np.quantile(y, 1 - top, method="higher"))
        rule = f"in the top {top:.0%} of points (mean >= {threshold:.3g})"
    else:
        if not math.isfinite(threshold):
            raise InputError(Issue(where, "--threshold", f"must be a finite number, got {threshold}"))
        rule = f"mean >= {threshold:.3g}"
    return y >= threshold, rule


def discover(folder: str | Path, output: str, state: str | None = None, threshold: float | None = None,
             top: float | None = None, min_density: float = 0.7) -> Discovery:
    """PRIM on a finished sweep (any design): the peeling trajectory and the chosen box.
    Deterministic: the same sweep gives the same trajectory and box."""
    store = Store.open(Path(folder))
    where = str(store.root)
    if not 0 < min_density <= 1:
        raise InputError(Issue(where, "--min-density", f"must be in (0, 1], got {min_density}"))
    y, state = point_means(store, output, state)
    cases, rule = cases_of_interest(y, threshold, top, where)
    count = int(cases.sum())
    if count < MIN_CASES:
        raise InputError(Issue(where, "--output", f"only {count} of {len(y)} points are cases of interest ({output} "
                               f"{rule}); PRIM needs at least {MIN_CASES}: lower the threshold, raise the top share, "
                               "or sample more points"))
    if count == len(y):
        raise InputError(Issue(where, "--output", f"every point is a case of interest ({output} {rule}); there is "
                               "nothing to tell apart: raise the threshold or lower the top share"))
    manifest = store.manifest
    names = manifest["parameters"]
    x = store.points().sort_values("point")[names].astype(float).reset_index(drop=True)
    found = _find_box(x, cases)
    trajectory = found.peeling_trajectory.reset_index(drop=True)
    # The box of all points answers nothing, however dense: a box restricts at least one parameter.
    eligible = trajectory.index[(trajectory.density >= min_density) & (trajectory.res_dim > 0)]
    if len(eligible) == 0:
        peeled = trajectory.density[trajectory.res_dim > 0]
        best = f"the densest: {peeled.max():.3g}" if len(peeled) else "PRIM could not raise the density by peeling"
        raise InputError(Issue(where, "--min-density", f"no box reaches a density of {min_density:g} ({best}); "
                               "ask for a lower minimum density"))
    chosen = int(trajectory.loc[eligible, "coverage"].idxmax())
    trajectory = trajectory.rename(columns={"id": "box"})[["box", "coverage", "density", "mass", "res_dim", "n", "k"]]
    bounds = Sweep.model_validate(manifest["sweep"]).parameters
    return Discovery(state=state, output=output, rule=rule, points=len(y), cases=count, trajectory=trajectory,
                     chosen=chosen, box=_box(found, chosen, names, bounds))


def _find_box(x: pd.DataFrame, cases: np.ndarray):
    # The EMA Workbench warns on import that an optional backend (ipyparallel) is missing, and
    # about its own use of pandas: neither is our users' to act on, and the library must not print.
    # Its logging (the "EMA" logger) stays with the caller's configuration.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            from ema_workbench.analysis import prim
        except ImportError:
            raise InputError(Issue("ema_workbench", "", "scenario discovery needs the EMA Workbench: "
                                   "pip install 'alignsim[discovery]'")) from None
        # PRIM's threshold both marks the cases (y >= threshold) and is the mean its last box must
        # reach or be replaced by the box of all points. With y in {0, 1}, any threshold in (0, 1]
        # marks exactly the cases; the smallest keeps the whole trajectory, among which `discover` chooses.
        return prim.Prim(x, cases.astype(float), threshold=np.finfo(float).tiny).find_box()


def _box(found, chosen: int, names: list[str], bounds) -> pd.DataFrame:
    """The chosen box's restricted parameters: limits, the swept range and the quasi-p values of
    each limit (one-sided binomial tests, Bryant & Lempert 2010; empty for an unrestricted side)."""
    limits = found.box_lims[chosen]
    initial = found.prim.box_init
    significance = found.qp[chosen]
    rows = []
    for name in names:
        lower, upper = float(limits.loc[0, name]), float(limits.loc[1, name])
        if lower <= initial.loc[0, name] and upper >= initial.loc[1, name]:
            continue
        qp_lower, qp_upper = (np.nan if v < 0 else float(v) for v in significance[name])
        low, high = bounds[name].bounds
        rows.append({"parameter": name, "lower": lower, "upper": upper, "minimum": float(low), "maximum": float(high),
                     "qp_lower": qp_lower, "qp_upper": qp_upper})
    return pd.DataFrame(rows, columns=["parameter", "lower", "upper", "minimum", "maximum", "qp_lower", "qp_upper"])


def write(discovery: Discovery, out: str | Path, overwrite: bool = False) -> list[Path]:
    """Write discover_<output>_<state>_trajectory.csv, _box.csv and their figures into `out`;
    existing files are replaced only with `overwrite`."""
    from ..figures import figure_bytes
    from ..figures.kinds import peeling_trajectory, prim_box
    from ..files import write_file
    from ..results import check_file_destination

    target = Path(out)
    stem = f"discover_{discovery.output}_{discovery.state.replace(' ', '_')}"
    title = f"{discovery.state}: {discovery.output} {discovery.rule}"
    tables = {
        f"{stem}_trajectory.csv": discovery.trajectory.assign(chosen=discovery.trajectory.index == discovery.chosen),
        f"{stem}_box.csv": discovery.box,
    }
    figures = {f"{stem}_trajectory.png": peeling_trajectory(discovery.trajectory, discovery.chosen, title),
               f"{stem}_box.png": prim_box(discovery.box, discovery.coverage, discovery.density, [], title)}
    for name in (*tables, *figures):
        check_file_destination(target / name, overwrite)
    files = {name: table.to_csv(index=False, float_format="%.6g", lineterminator="\n").encode("utf-8")
             for name, table in tables.items()}
    files.update({name: figure_bytes(figure, "png") for name, figure in figures.items()})
    for name, data in files.items():
        write_file(target / name, data)
    return [target / name for name in files]
