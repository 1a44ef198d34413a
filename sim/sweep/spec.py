"""Sweep files: what is varied, how it is sampled, how often each point is replicated, and
which outputs are kept. Checked like scenarios: every problem names the file, key and line.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from ..scenario import InputError, Issue, Scenario, load_scenario
from ..scenario.changes import apply_settings, events_overwriting, get_path, overwritten_note, set_path
from ..scenario.loader import issues_from, missing_name, read_yaml, validate
from ..scenario.schema import MAX_REPLICATIONS, Identifier, Strict

OUTPUTS = {
    "final_status": "status held at the last month: outside, partner or member",
    "seeking_membership": "membership held or applied for at the last month",
    "ever_applied": "a membership application was pending at some month",
    "first_application": "the first month with a pending application (empty if none)",
    "p_member_final": "the logit probability of choosing membership at the last month",
}
Output = Literal["final_status", "seeking_membership", "ever_applied", "first_application", "p_member_final"]
MAX_POINTS = 2_000_000
"""The most points a design may have: they are held in memory as one array and stored with the sweep."""


class Parameter(Strict):
    """One varied value: a list of values (grid) or a range (any design)."""

    values: list[float] | None = Field(default=None, min_length=1, description="the values a grid takes")
    range: Annotated[list[float], Field(min_length=2, max_length=2)] | None = Field(
        default=None, description="[low, high]"
    )
    steps: int | None = Field(default=None, ge=2, le=10_000, description="grid points across `range`")
    distribution: Literal["uniform", "normal"] = Field(
        default="uniform", description="for lhs and sobol: uniform over range, or normal truncated to it"
    )
    mean: float | None = Field(default=None, description="mean of the normal distribution")
    sd: float | None = Field(default=None, gt=0, description="standard deviation of the normal distribution")

    @model_validator(mode="after")
    def _shape(self) -> Parameter:
        if (self.values is None) == (self.range is None):
            raise ValueError("give either 'values' or 'range'")
        if self.range is not None and self.range[0] >= self.range[1]:
            raise ValueError(f"range {self.range} must be [low, high] with low < high")
        if self.distribution == "normal" and (self.mean is None or self.sd is None):
            raise ValueError("a normal distribution needs 'mean' and 'sd'")
        if self.distribution == "normal" and not (
            math.isfinite(self.sd) and math.isfinite(self.mean) and self.bounds[0] <= self.mean <= self.bounds[1]
        ):
            # Sampling a normal truncated far from its mean yields infinities, not values.
            raise ValueError(f"a normal distribution needs a finite 'sd' and a 'mean' within {list(self.bounds)}")
        if self.steps is not None and self.range is None:
            raise ValueError("'steps' goes with 'range'")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        if self.range is not None:
            return self.range[0], self.range[1]
        return min(self.values), max(self.values)


class Sweep(Strict):
    """A sweep over a base scenario."""

    name: Identifier = Field(
        description="identifier; names the default output folder"
    )
    description: str = Field(default="", description="what the sweep explores")
    base: str = Field(min_length=1, description="the scenario file, relative to the sweep file")
    set: dict[str, Any] = Field(default_factory=dict, description="fixed overrides applied to the base first")
    parameters: dict[str, Parameter] = Field(min_length=1, description="dotted paths into the scenario, varied")
    design: Literal["grid", "lhs", "sobol", "morris"] = Field(description="how points are sampled")
    samples: int | None = Field(
        default=None, ge=1, le=1_000_000,
        description="lhs: points; sobol: base sample N (N x (D + 2) points); morris: trajectories",
    )
    levels: int = Field(default=4, ge=2, le=100, description="morris: grid levels")
    replications: int = Field(default=10, ge=1, le=MAX_REPLICATIONS, description="replications per point")
    seed: int = Field(default=0, ge=0, le=2**63 - 1, description="master seed of the whole sweep")
    states: list[str] | None = Field(default=None, description="states whose outputs are kept (default: all)")
    outputs: list[Output] = Field(default_factory=lambda: list(OUTPUTS), min_length=1, description="outputs kept per run")

    @model_validator(mode="after")
    def _design(self) -> Sweep:
        if self.design == "grid":
            for path, p in self.parameters.items():
                if p.values is None and p.steps is None:
                    raise ValueError(f"parameters.{path}: a grid needs 'values', or 'range' with 'steps'")
        else:
            if self.samples is None:
                raise ValueError(f"samples: the {self.design} design needs 'samples'")
            for path, p in self.parameters.items():
                if p.range is None:
                    raise ValueError(f"parameters.{path}: the {self.design} design needs a 'range'")
        if self.design == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"samples: Sobol' sampling needs a power of 2, got {self.samples}")
        if self.design in ("sobol", "morris") and len(self.parameters) < 2:
            raise ValueError(f"parameters: the {self.design} design needs at least two parameters")
        count = self.point_count()
        if count > MAX_POINTS:
            raise ValueError(f"parameters: the {self.design} design has {count:,} points, more than the "
                             f"{MAX_POINTS:,} a sweep holds (its points are kept in memory and on disk); "
                             "use fewer steps or samples, or split the sweep")
        return self

    def point_count(self) -> int:
        """How many points the design visits (each run `replications` times)."""
        d = len(self.parameters)
        if self.design == "grid":
            return math.prod(len(p.values) if p.values is not None else p.steps for p in self.parameters.values())
        return self.samples * {"lhs": 1, "sobol": d + 2, "morris": d + 1}[self.design]


class LoadedSweep:
    """A validated sweep with its base scenario resolved."""

    def __init__(self, spec: Sweep, base: Scenario, path: Path):
        self.spec = spec
        self.base = base
        self.path = path
        self.base_data = base.model_dump(mode="json")
        # Parameters that are whole numbers in the scenario: sampled values are rounded.
        self.integer_paths = _integer_paths(self.base_data, list(spec.parameters))

    @property
    def parameter_paths(self) -> list[str]:
        return list(self.spec.parameters)

    def scenario_data(self, values: dict[str, Any]) -> dict:
        """The base scenario's data with one point's values set."""
        data = json.loads(json.dumps(self.base_data))
        for path, value in values.items():
            set_path(data, path, value, {"assumption": f"sweep {self.spec.name}: {path}"})
        return data

    def fingerprint(self) -> str:
        """Hash of everything that determines the results: a resumed sweep must match it."""
        payload = json.dumps({"sweep": self.spec.model_dump(mode="json"), "base": self.base_data}, sort_keys=True)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _integer_paths(data: dict, paths: list[str]) -> set[str]:
    found = set()
    for path in paths:
        try:
            if isinstance(get_path(data, path), int) and not isinstance(get_path(data, path), bool):
                found.add(path)
        except KeyError:
            pass
    return found


def _path_problem(data: dict, path: str, value: Any) -> str | None:
    """Why `path` cannot be set to `value` in the base scenario's `data`, or None."""
    try:
        problem = missing_name(data, path, value)
        if problem is None:
            apply_settings(data, {path: value}, {"assumption": "a trial"})
        return problem
    except ValueError as exc:  # not a dotted path, or one through a plain value
        return str(exc)


def load_sweep(path: str | Path) -> LoadedSweep:
    """Read and check a sweep file, its base scenario, and every parameter at its bounds."""
    path = Path(path)
    data, lines = read_yaml(path, "a sweep")
    file = str(path)
    if "base" not in data and {"calendar", "states", "extends"} & set(data):
        raise InputError(Issue(file, "", "is a scenario file, not a sweep file: a sweep names its scenario with "
                               "'base' and the 'parameters' it varies (docs/sweeps.md); to run this scenario: "
                               f"alignsim run {file}", 1))
    try:
        spec = Sweep.model_validate(data)
    except ValidationError as exc:
        raise InputError(issues_from(exc, data, lines, file, root=Sweep)) from None
    base_path = path.parent / spec.base
    if not base_path.is_file():
        raise InputError(Issue(file, "base", f"scenario {base_path} does not exist", lines.get(("base",), (file, None))[1]))
    base = load_scenario(base_path)
    unknown = [Issue(file, f"{section}.{key}", problem, lines.get((section, key), (file, None))[1])
               for section, values in (("set", spec.set),
                                       ("parameters", {k: p.bounds[0] for k, p in spec.parameters.items()}))
               for key, value in values.items()
               for problem in [_path_problem(base.model_dump(mode="json"), key, value)] if problem]
    if unknown:
        raise InputError(unknown)
    if spec.set:
        data_with_set = base.model_dump(mode="json")
        for key, value in spec.set.items():
            set_path(data_with_set, key, value, {"assumption": f"sweep {spec.name}: fixed {key}"})
        try:
            base = validate(data_with_set, file=f"{file} (set)")
        except InputError as exc:
            raise InputError([Issue(file, f"set.{i.path}", i.message, lines.get(("set",), (file, None))[1])
                              for i in exc.issues]) from None
        base._origin.update(load_scenario(base_path).origin)
    loaded = LoadedSweep(spec, base, path)

    problems = []
    integers = loaded.integer_paths
    for name, parameter in spec.parameters.items():
        line = lines.get(("parameters", name), (file, None))[1]
        if name in integers and parameter.values is not None and any(v != int(v) for v in parameter.values):
            problems.append(Issue(file, f"parameters.{name}", "takes whole numbers only", line))
            continue
        for bound in parameter.bounds:
            value = int(round(bound)) if name in integers else bound
            try:
                validate(loaded.scenario_data({name: value}), file=file)
            except InputError as exc:
                problems.append(Issue(file, f"parameters.{name}", f"at {bound}: " + "; ".join(
                    f"{i.path}: {i.message}" if i.path else i.message for i in exc.issues), line))
                break
    for section, paths in (("set", spec.set), ("parameters", spec.parameters)):
        for path in paths:
            found = events_overwriting(base.events, path)
            if found:
                line = lines.get((section, path), (file, None))[1]
                problems.append(Issue(file, f"{section}.{path}", overwritten_note(
                    found, "set: {{events.{name}: null}}", whose="the base scenario's"), line))
    for state in spec.states or []:
        if state not in base.states:
            problems.append(Issue(file, "states", f"no state {state!r} in the base scenario "
                                  f"(states: {', '.join(base.states)})", lines.get(("states",), (file, None))[1]))
    if problems:
        raise InputError(problems)
    return loaded
