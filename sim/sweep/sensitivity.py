"""Sensitivity analysis of a finished sweep with SALib: Sobol' first-order and total indices with
confidence intervals, or Morris mu* and sigma. The analysis mirrors the sampling in design.py.

The output analysed is the mean over replications, at each design point, of one kept output
(booleans as shares) for one state.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..scenario import InputError, Issue
from .design import salib_problem
from .spec import Sweep
from .store import Store

NUMERIC_STATUS = {"outside": 0.0, "partner": 0.5, "member": 1.0}


NOISY = 0.2
"""Above this share of replication noise in the variance of the point means, indices mostly measure noise."""


def _values(store: Store, output: str, state: str | None) -> tuple[pd.DataFrame, str]:
    """The output of every finished run (columns point, output) for one state, as numbers."""
    manifest = store.manifest
    states = manifest["states"]
    if state is None:
        if len(states) > 1:
            raise InputError(Issue(str(store.root), "--state", f"the sweep kept several states; choose one of {', '.join(states)}"))
        state = states[0]
    elif state not in states:
        raise InputError(Issue(str(store.root), "--state", f"no state {state!r} in this sweep (kept: {', '.join(states)})"))
    numeric = [o for o in manifest["sweep"]["outputs"] if o != "first_application"]
    if output not in numeric:
        raise InputError(Issue(str(store.root), "--output", f"{output!r} is not a numeric output this sweep kept; "
                               f"choose one of {', '.join(numeric)}"))
    results = store.results()
    failures = store.failures()
    expected = manifest["total_runs"]
    got = results[results.state == state][["point", "replication"]].drop_duplicates().shape[0] if len(results) else 0
    if got < expected:
        raise InputError(Issue(str(store.root), "", f"the sweep is incomplete: {got} of {expected} runs finished"
                               f" ({len(failures)} failed); finish it with --resume before analysing"))
    values = results.loc[results.state == state, ["point", output]]
    if output == "final_status":
        values = values.assign(final_status=values.final_status.map(NUMERIC_STATUS))
    return values.astype({output: float}), state


def point_means(store: Store, output: str, state: str | None) -> tuple[np.ndarray, str]:
    """The output's mean over replications at every design point, for one state."""
    values, state = _values(store, output, state)
    means = values.groupby("point")[output].mean()
    return means.reindex(range(store.manifest["points"])).to_numpy(), state


def noise_share(folder: str | Path, output: str, state: str | None = None) -> float:
    """The share of the variance of the point means that is replication noise (the mean
    within-point variance over the replications, divided by the variance of the point means);
    1.0 when there is one replication per point, since the noise cannot then be told apart."""
    store = Store.open(Path(folder))
    values, _ = _values(store, output, state)
    replications = store.manifest["replications"]
    if replications < 2:
        return 1.0
    grouped = values.groupby("point")[output]
    spread = grouped.mean().var()
    noise = grouped.var().mean() / replications
    return 1.0 if spread == 0 else float(min(1.0, noise / spread))


def analyse(folder: str | Path, output: str, state: str | None = None) -> pd.DataFrame:
    """One row per parameter: Sobol' S1, S1_conf, ST, ST_conf, or Morris mu, mu_star,
    mu_star_conf, sigma. The bootstrap of the confidence intervals is seeded from the sweep's
    seed, so the same sweep always gives the same table."""
    store = Store.open(Path(folder))
    manifest = store.manifest
    design = manifest["sweep"]["design"]
    if design not in ("sobol", "morris"):
        raise InputError(Issue(str(folder), "design", f"sensitivity indices need a sobol or morris design; this sweep is {design}"))
    y, state = point_means(store, output, state)
    seed = manifest["sweep"]["seed"] % (2**32 - 1) + 1  # SALib ignores a seed of 0
    problem = salib_problem(Sweep.model_validate(manifest["sweep"]).parameters)
    if design == "sobol":
        from SALib.analyze import sobol

        indices = sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95, seed=seed)
        table = pd.DataFrame({
            "parameter": problem["names"],
            "S1": indices["S1"], "S1_conf": indices["S1_conf"],
            "ST": indices["ST"], "ST_conf": indices["ST_conf"],
        })
    else:
        from SALib.analyze import morris

        x = store.points()[problem["names"]].to_numpy()
        indices = morris.analyze(problem, x, y, conf_level=0.95, num_levels=manifest["sweep"]["levels"], seed=seed)
        table = pd.DataFrame({
            "parameter": problem["names"],
            "mu": indices["mu"], "mu_star": indices["mu_star"],
            "mu_star_conf": indices["mu_star_conf"], "sigma": indices["sigma"],
        })
    table.insert(0, "state", state)
    table.insert(1, "output", output)
    return table


def write(folder: str | Path, output: str, state: str | None = None, out: str | Path | None = None,
          overwrite: bool = False) -> tuple[pd.DataFrame, list[Path]]:
    """Analyse and write `sensitivity_<output>_<state>.csv` and `.png` into `out` (default: the
    sweep folder); existing files are replaced only with `overwrite`. Returns the table and the files."""
    from ..figures import figure_bytes
    from ..figures.kinds import sobol_indices
    from ..files import write_file
    from ..results import check_file_destination

    table = analyse(folder, output, state)
    target = Path(out) if out is not None else Path(folder)
    stem = f"sensitivity_{output}_{table['state'].iloc[0].replace(' ', '_')}"
    csv, png = target / f"{stem}.csv", target / f"{stem}.png"
    for path in (csv, png):
        check_file_destination(path, overwrite)
    write_file(csv, table.to_csv(index=False, float_format="%.6g", lineterminator="\n").encode("utf-8"))
    write_file(png, figure_bytes(sobol_indices(table), "png"))
    return table, [csv, png]
