"""The model the dashboard drives: a scenario file plus the pressures set on its sliders.

Mesa's SolaraViz builds a model from keyword arguments (its `model_params`) at start and on every
Reset; `DashboardModel` takes those keywords, builds the scenario with `sim.with_overrides`, and
runs it one month per step. It needs no web libraries, so it can be tested and scripted alone.

A slider's value holds for the whole run: it replaces the scenario's value and any dated event
that would change that value later, and the model says so (`replaced_events`, shown in the page),
since a change the scenario makes on a date is then left out. A slider left at the scenario's
value changes nothing (the scenario runs as written, events included). A scenario that fails its
check does not raise: the model keeps the problems in `issues` (one line each), does nothing when
stepped, and the page shows them.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from mesa import Model

from .. import transition
from ..model import AlignmentModel
from ..parameters import ESTIMATED, read_draws
from ..parameters import draw_overrides as parameter_overrides
from ..run import events_table
from ..scenario import InputError, Scenario, load_scenario, with_overrides
from ..scenario.changes import events_overwriting

SCENARIO_VALUES = "as in the scenario"
"""Sanctions and engagement target meaning: leave every state's indicators as the scenario has them."""
ALL_STATES = "all states"
"""Sanctions and engagement target meaning: set the indicator of every state."""

SCENARIO_ENV = "ALIGNSIM_VIZ_SCENARIO"
"""Environment variable through which `serve` tells the app which scenario to open first."""

TARGET_LABEL = "Sanctions and engagement apply to"
LABELS = {
    "sanctions": "Western sanctions",
    "engagement": "Western engagement",
    "retaliation": "Retaliation for refusal (Russia)",
    "benefits": "Bloc benefits",
    "rationality": "Rationality (logit λ)",
    "draw": "Posterior draw",
    "seed": "Seed",
}
"""The sliders' labels, by model parameter."""

# Where the pressures live in a scenario (dotted paths as for `--set`).
RETALIATION = "powers.russia.retaliation_for_refusal"
BENEFITS = "bloc.benefits"
RATIONALITY = "decision.rationality"
SANCTIONS = "states.{}.indicators.sanctions"
ENGAGEMENT = "states.{}.indicators.western_engagement"


def scenario_dirs() -> list[Path]:
    """Folders searched for bundled scenarios: ./scenarios, then the repository's."""
    candidates = [Path.cwd() / "scenarios", Path(__file__).resolve().parents[2] / "scenarios"]
    found: list[Path] = []
    for folder in candidates:
        if folder.is_dir() and folder.resolve() not in [f.resolve() for f in found]:
            found.append(folder)
    return found


def bundled_scenarios() -> dict[str, str]:
    """Runnable bundled scenarios, {file name: path}; `base/` and `states/` are parts, not scenarios."""
    found: dict[str, str] = {}
    for folder in scenario_dirs():
        for path in sorted(folder.glob("*.yaml")):
            found.setdefault(path.name, str(path))
    return found


def default_scenario() -> str:
    """The scenario the dashboard opens first: $ALIGNSIM_VIZ_SCENARIO, else eurasia_2024.yaml."""
    chosen = os.environ.get(SCENARIO_ENV)
    if chosen:
        return chosen
    bundled = bundled_scenarios()
    if "eurasia_2024.yaml" in bundled:
        return bundled["eurasia_2024.yaml"]
    return next(iter(bundled.values()), "scenarios/eurasia_2024.yaml")


@dataclass(frozen=True)
class Loaded:
    """A scenario file read for the dashboard: the scenario, or the problems that stop it."""

    path: str
    scenario: Scenario | None
    issues: tuple[str, ...]


def load(path: str) -> Loaded:
    """Read and check a scenario file; never raises for a bad file."""
    try:
        return Loaded(path, load_scenario(path), ())
    except InputError as exc:
        return Loaded(path, None, tuple(str(issue).lstrip(": ") for issue in exc.issues))
    except Exception as exc:  # noqa: BLE001 - the page shows it; the server stays up
        return Loaded(path, None, (f"{path}: could not be read: {type(exc).__name__}: {exc}",))


def _close(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) < 1e-9


def slider_values(
    scenario: Scenario,
    sanctions_target: str = SCENARIO_VALUES,
    sanctions: float | None = None,
    engagement: float | None = None,
    retaliation: float | None = None,
    benefits: float | None = None,
    rationality: float | None = None,
) -> dict[str, tuple[str, float]]:
    """The values the sliders set in `scenario`, {dotted path: (model parameter, value)}: none for a
    slider at the scenario's value, or for sanctions and engagement applied to no state."""
    def level(x: float) -> float:
        return round(float(x), 6)  # a slider's float steps, without their binary noise (0.35, not 0.35000000000000003)

    values: dict[str, tuple[str, float]] = {}
    if sanctions_target != SCENARIO_VALUES:
        if sanctions_target == ALL_STATES:
            targets = list(scenario.states)
        elif sanctions_target in scenario.states:
            targets = [sanctions_target]
        else:
            raise InputError(f"sanctions and engagement target {sanctions_target!r} is not a state of this "
                             f"scenario; choose one of: {ALL_STATES}, {', '.join(scenario.states)}")
        for state in targets:
            if sanctions is not None:
                values[SANCTIONS.format(state)] = ("sanctions", level(sanctions))
            if engagement is not None:
                values[ENGAGEMENT.format(state)] = ("engagement", level(engagement))
    current = {
        RETALIATION: scenario.powers.russia.retaliation_for_refusal.value,
        BENEFITS: scenario.bloc.benefits.value,
        RATIONALITY: scenario.decision.rationality,
    }
    for path, name, value in ((RETALIATION, "retaliation", retaliation), (BENEFITS, "benefits", benefits),
                              (RATIONALITY, "rationality", rationality)):
        if value is not None and not _close(level(value), current[path]):
            values[path] = (name, level(value))
    return values


def scenario_overrides(scenario: Scenario, values: dict[str, tuple[str, float]]) -> dict[str, object]:
    """The dotted-path settings that put the sliders' `values` (from `slider_values`) into `scenario`.

    Includes, for every overridden value, the removal of dated events' changes to it (an event
    left with nothing to change is removed), so that the slider's value holds for the whole run.
    """
    if not values:
        return {}
    settings: dict[str, object] = {}
    replaced = dict.fromkeys(name for path in values for name, _ in events_overwriting(scenario.events, path))
    for name in replaced:
        event = scenario.events[name]
        kept = {path: value for path, value in event.set.items() if path not in values}
        if kept:
            settings[f"events.{name}.set"] = kept
        else:
            settings[f"events.{name}"] = None  # null removes a key: the event had nothing else to change
    settings.update({path: value for path, (_, value) in values.items()})
    return settings


@functools.cache
def _bundled_draws() -> np.ndarray:
    """The bundled posterior's draws (estimation/posterior), read once: the page asks at every render."""
    return read_draws(ESTIMATED).to_numpy()


def posterior_draws() -> int:
    """How many draws the bundled posterior holds: the draw slider's range."""
    return len(_bundled_draws())


def draw_overrides(draw: int) -> dict[str, float]:
    """The dotted-path settings that give a scenario the parameters of draw `draw` (1, 2, ...) of the
    bundled posterior, as `alignsim run --posterior` gives one to a replication; none for draw 0."""
    if draw == 0:
        return {}
    if not 0 < draw <= posterior_draws():
        raise InputError(f"posterior draw {draw} does not exist: {ESTIMATED} holds draws 1 to {posterior_draws()} "
                         "(0: the scenario's weights)")
    return parameter_overrides(_bundled_draws()[draw - 1])


def replaced_events(scenario: Scenario, values: dict[str, tuple[str, float]]) -> tuple[str, ...]:
    """One line for each dated event's change that a slider's value replaces: the slider, the
    event and its date, the value the event would set, and how to run the event as written."""
    lines = []
    for path, (name, value) in values.items():
        if name in ("sanctions", "engagement"):
            fix = f"set '{TARGET_LABEL}' back to '{SCENARIO_VALUES}'"
        else:
            fix = f"put '{LABELS[name]}' back at the scenario's value"
        for event, date in events_overwriting(scenario.events, path):
            lines.append(
                f"{LABELS[name]} sets {path} = {value:g} for the whole run, replacing the scenario's event "
                f"{event!r} of {date}, which sets it to {scenario.events[event].set[path]:g}. "
                f"To run the event as written, {fix} and press Reset."
            )
    return tuple(lines)


class DashboardModel(AlignmentModel):
    """An `AlignmentModel` built from a scenario file and the dashboard's sliders.

    Every parameter is a keyword (SolaraViz passes them by name). `None` keeps the scenario's
    value; `seed=None` uses the scenario's `run.seed`; `draw` k > 0 runs under the weights of the
    bundled posterior's k-th draw, so that a student sees what the weights' uncertainty moves.
    After the calendar's last month the model stops (`running` is False) and further steps do
    nothing.
    """

    def __init__(
        self,
        scenario_path: str | None = None,
        sanctions_target: str = SCENARIO_VALUES,
        sanctions: float | None = None,
        engagement: float | None = None,
        retaliation: float | None = None,
        benefits: float | None = None,
        rationality: float | None = None,
        draw: int = 0,
        seed: int | None = None,
    ):
        self.scenario_path = scenario_path or default_scenario()
        self.draw = int(draw)
        self.overrides: dict[str, object] = {}
        self.replaced_events: tuple[str, ...] = ()
        loaded = load(self.scenario_path)
        issues = list(loaded.issues)
        scenario = loaded.scenario
        if scenario is not None:
            try:
                values = slider_values(
                    scenario, sanctions_target, sanctions, engagement, retaliation, benefits, rationality
                )
                self.overrides = scenario_overrides(scenario, values)
                self.replaced_events = replaced_events(scenario, values)
                weights = draw_overrides(self.draw)
                if self.overrides or weights:
                    scenario = with_overrides(scenario, {**self.overrides, **weights})
            except InputError as exc:
                issues += [str(issue).lstrip(": ") for issue in exc.issues]
                scenario = None
        self.issues: tuple[str, ...] = tuple(issues)
        if scenario is None:
            # A page with the problems and nothing to run: a bare Mesa model, stopped.
            Model.__init__(self, rng=seed)
            self.spec = None
            self.timeline = None
            self.states = []
            self.recorder = None
            self.running = False
            return
        super().__init__(scenario, rng=scenario.run.seed if seed is None else int(seed))

    @property
    def weights_source(self) -> str:
        """Where the run's decision weights and rates come from, for the page."""
        if self.draw == 0:
            return "Weights and rates: the scenario's"
        return (f"Weights and rates: draw {self.draw} of the {posterior_draws()} of the bundled posterior "
                "(estimation/posterior)")

    @property
    def n_months(self) -> int:
        return 0 if self.timeline is None else self.timeline.n_steps

    @property
    def months_run(self) -> int:
        """Months simulated so far (0 before the first step)."""
        return min(self.steps, self.n_months)

    @property
    def date(self) -> str | None:
        """The last simulated month, YYYY-MM, or None before the first step."""
        return self.timeline.dates[self.months_run - 1] if self.months_run else None

    def step(self) -> None:
        if self.timeline is None or self.steps > self.timeline.n_steps:
            # Mesa counted a step that did not happen: nothing is left to simulate.
            self.steps = self.n_months if self.timeline is not None else 0
            self.running = False
            return
        super().step()
        if self.steps >= self.timeline.n_steps:
            self.running = False

    def current_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """(terms, probabilities) of the last simulated month: each weighted term's contribution
        to U(member) - U(outside), (n_states, n_terms), and the options' probabilities,
        (n_states, n_options). Before the first step, those the states face in the first month."""
        if self.months_run:
            month = self.months_run - 1
            return self.recorder.data["terms"][month], self.recorder.data["probabilities"][month]
        evaluation = self.evaluate(0)
        return transition.net_terms(self.timeline.epoch_at(0), evaluation.dynamic), evaluation.probabilities

    def current_reactions(self) -> tuple[np.ndarray, np.ndarray]:
        """(Russia's retaliation, the West's reaction) in force against each state in the last
        simulated month, as timeseries.csv records them (`retaliation`, `western_reaction`); before
        the first step, those in force in the first month (a dated event may pin one)."""
        if self.months_run:
            month = self.months_run - 1
            return self.recorder.data["retaliation"][month], self.recorder.data["western_reaction"][month]
        evaluation = self.evaluate(0)
        return evaluation.retaliation, evaluation.western

    def events(self) -> pd.DataFrame:
        """The deeds of the months run so far, in order: events.csv's rows for this one run."""
        months = self.months_run
        stacked = {name: array[None, :months] for name, array in self.recorder.data.items()}
        return events_table(stacked, self.timeline, self.spec.bloc.name)

