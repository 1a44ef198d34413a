"""Designs: the points a sweep visits. Sampling is SALib's, mirrored by `sensitivity.py`."""

from __future__ import annotations

import itertools

import numpy as np

from .spec import LoadedSweep, Parameter


def salib_problem(parameters: dict[str, Parameter]) -> dict:
    """The SALib problem definition: names, bounds and distributions of the parameters."""
    names, bounds, dists = [], [], []
    for name, p in parameters.items():
        names.append(name)
        if p.distribution == "normal":
            low, high = p.bounds
            bounds.append([low, high, p.mean, p.sd])
            dists.append("truncnorm")
        else:
            bounds.append(list(p.bounds))
            dists.append("unif")
    return {"num_vars": len(names), "names": names, "bounds": bounds, "dists": dists}


def _grid_axis(parameter) -> list[float]:
    if parameter.values is not None:
        return list(parameter.values)
    low, high = parameter.range
    return [float(v) for v in np.round(np.linspace(low, high, parameter.steps), 12)]


def points(sweep: LoadedSweep) -> np.ndarray:
    """(n_points, n_parameters): every point of the design, in a fixed order."""
    spec = sweep.spec
    if spec.design == "grid":
        axes = [_grid_axis(p) for p in spec.parameters.values()]
        matrix = np.array(list(itertools.product(*axes)), dtype=float)
    else:
        problem = salib_problem(spec.parameters)
        seed = spec.seed % (2**32)
        if spec.design == "lhs":
            from SALib.sample import latin

            matrix = latin.sample(problem, spec.samples, seed=seed)
        elif spec.design == "sobol":
            from SALib.sample import sobol

            matrix = sobol.sample(problem, spec.samples, calc_second_order=False, seed=seed)
        else:
            from SALib.sample import morris

            matrix = morris.sample(problem, spec.samples, num_levels=spec.levels, seed=seed)
    for column, name in enumerate(spec.parameters):
        if name in sweep.integer_paths:
            matrix[:, column] = np.round(matrix[:, column])
    return matrix
