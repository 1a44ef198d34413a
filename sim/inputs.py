"""From a validated scenario to the arrays the model reads each month.

Everything that depends only on the scenario and the month, not on what states have done, is
computed here once per scenario: the world is cut into epochs at each dated event and at the
partner tier's arrival, and for each epoch the exogenous utility terms are evaluated for all
states at once. A model run then only adds the terms that depend on its own history.

Missing indicators are filled by the rule the scenario names (`data.fill`; docs/model.md,
"Missing-value fill rule"). By default, multiple imputation by region: each missing value, and
each value known only as a lower bound, is drawn from a model of the indicator by region, fitted
on the scenario's states (on those of `data/indicators.csv` when no state of the scenario has the
indicator), `data.imputations` times; a timeline is compiled on one completed dataset, and a run
gives each replication one of them. The older rule, `mean`, takes the mean of the same indicator
over the scenario's other states, else over `data/indicators.csv`'s, else `NEUTRAL`.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache, cached_property, lru_cache
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

import numpy as np

from . import decision as d
from .parameters import SUMMIT_MULTIPLIER, scenario_rate, scenario_review_rate, scenario_weights
from .scenario.changes import event_may_set, events_overwriting, set_path, split_path
from .scenario.schema import TRADE_KEYS, Indicators, Scenario, month_label, month_number

INDICATORS = tuple(Indicators.model_fields)
NEUTRAL = 0.0
"""Fill value for an indicator neither the scenario nor `REFERENCE` has: the mechanism is silent."""
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "indicators.csv"
"""The indicators of data/indicators.csv's states (data/SOURCES.md): the fallback for an indicator no state of a scenario has."""
OTHER_STATES = "mean over the scenario's other states"
PRIOR_VARIANCE = 1.0 / 12.0
"""The spread of a share about which the data say nothing: the variance of a uniform on [0, 1]."""
VARIANCE_FLOOR = 1e-4
"""The smallest spread (a standard deviation of 0.01) a region model gives an indicator, so that
states coded alike (sanctions 0) still leave the imputation some noise."""
IMPUTATION_STREAM = 2**31 - 1
"""Spawn key, below a replication's seed, of the stream that picks the replication's imputation:
apart from the model's own stream, so that picking it changes no other draw."""

STATUS_CODES = {name: code for code, name in enumerate(d.OPTIONS)}


@dataclass(frozen=True)
class Batch:
    """Where an epoch's per-state values lie in the arrays computed for many worlds at once
    (`_epochs`): in each of `arrays`, rows `block * n` to `(block + 1) * n`. Replications of these
    worlds stepped together take their rows from them at once (`sim.transition.stack_epochs`)
    rather than joining every epoch's."""

    arrays: dict[str, np.ndarray]  # by Epoch field; the rows of all the worlds
    block: int  # this epoch's world among them


@dataclass(frozen=True)
class Epoch:
    """The exogenous world during a span of months: policies, indicators and derived terms."""

    first_step: int
    partner_tier: bool
    open_to_applicants: bool
    weights: np.ndarray  # (n_terms,); in a batch holding them per row (sim/transition.py, PER_ROW) (rows, n_terms)
    rationality: float  # in such a batch (rows, 1); threat, retaliation, west_reaction, pre_summit_pressure (rows,)
    rule: object  # the parameters of the scenario's rival decision rule (decision.threshold, ...), else None
    exogenous_terms: np.ndarray  # (n_terms, n_states, n_options), unweighted; zeros where dynamic
    exogenous_utility: np.ndarray  # (n_states, n_options): the weighted sum of the above
    exogenous_net: np.ndarray  # (n_states, n_terms): weighted U(member) - U(outside), per term
    admit_member: np.ndarray  # (n_states,) probability a summit grants membership
    admit_partner: np.ndarray  # (n_states,) probability a summit grants partnership
    admit_member_from_partner: np.ndarray  # (n_states,) the same for a partner that applies (the route)
    admit_on_initiative: np.ndarray  # (n_states,) probability of a partner invitation without interest
    seats_members: float  # cap on member invitations per summit (inf: none)
    seats_partners: float
    room_for_manoeuvre: np.ndarray  # (n_states,)
    dependence: np.ndarray  # (n_states,) patron dependence, which scales a retaliation
    trade_west: np.ndarray  # (n_states,) what a Western threat or reaction bears on
    pressure: np.ndarray  # (n_states,) sanction pressure
    western_open: np.ndarray  # (n_states,) Western stake not yet closed by sanctions: stake x (1 - pressure)
    bloc_trade: np.ndarray  # (n_states,) trade with the patron, China and the other members
    affinity: np.ndarray  # (n_states,) affinity with the bloc's narrative
    engagement: np.ndarray  # (n_states,) Western diplomatic and economic engagement
    threat: float  # the West's standing threat against joiners
    threat_term: np.ndarray  # (n_states, n_options) western_threat_term of the standing threat alone
    retaliation: float  # size of the patron's reaction to a refusal made now
    west_reaction: float  # size of the West's reaction to an alignment made now
    pre_summit_pressure: float  # size of Russia's pressure on a coming summit's candidates, begun now
    retaliation_in_force: np.ndarray  # (n_states,) pinned by dated events (powers.russia.imposed)
    west_reaction_in_force: np.ndarray  # (n_states,) pinned by dated events (powers.west.imposed)

    @cached_property
    def retaliation_pinned(self) -> bool:
        return bool(self.retaliation_in_force.any())

    @cached_property
    def west_reaction_pinned(self) -> bool:
        return bool(self.west_reaction_in_force.any())
    shocked: np.ndarray  # (n_states,) bool: the state's situation changed as this epoch began
    # Not a field: where its per-state values lie among those of the worlds compiled with it (set by
    # `_epochs`). `replace`, which may change them, makes an epoch without it.
    batch: ClassVar[Batch | None] = None


@dataclass(frozen=True)
class Timeline:
    """Everything a run needs that does not depend on the run."""

    states: tuple[str, ...]
    regions: tuple[str, ...]
    dates: tuple[str, ...]
    epochs: tuple[Epoch, ...]
    epoch_of_step: np.ndarray  # (n_steps,) index into epochs
    summit: np.ndarray  # (n_steps,) bool
    observed_offers: dict  # step -> (n_states,) offer codes: the bloc's observed choice at that summit
    adjacency: np.ndarray  # (n_states, n_states) peers share a region
    initial_status: np.ndarray  # (n_states,) option codes
    initial_seeking: np.ndarray  # (n_states,) bool
    step_months: int
    retaliation_steps: int  # how long a reaction of each power lasts, in steps
    west_reaction_steps: int
    pressure_steps: int  # how long Russia's pressure before a summit lasts, in steps
    pressure_before: np.ndarray  # (n_steps,) the step of the summit whose pressure begins at this step, else -1
    review_probability: float  # chance per step that a state reviews its course outside a decision moment
    summit_window: np.ndarray  # (n_steps,) share of the step's months up to `summit_review_months` before a summit
    summit_multiplier: float  # how many times the review rate is within the summit window
    invitation_memory: int  # in months
    fills: tuple = field(default=())  # per epoch, (its first date, *what `_filled` reads): see `filled`
    imputation: int = 0  # which completed dataset (scenario.data); 0 under the mean rule

    @property
    def n_steps(self) -> int:
        return len(self.dates)

    @cached_property
    def filled(self) -> tuple[tuple[str, str, str, float, str], ...]:
        """What was filled in each epoch: (date, state, indicator, value, rule). Listed when asked
        (a run's manifest asks, a sweep does not): naming every filled cell of every point's
        epochs cost a sweep a tenth of its time."""
        return tuple((date, *item) for date, *read in self.fills for item in _filled(*read))

    @cached_property
    def tied(self) -> np.ndarray:
        """(n_states,) bool: the state has regional peers."""
        return self.adjacency.sum(axis=1) > 0

    def epoch_at(self, step: int) -> Epoch:
        return self.epochs[self.epoch_of_step[step]]


@cache
def _reference() -> tuple[tuple[str, ...], np.ndarray, np.ndarray, str] | None:
    """The states of `REFERENCE`: their regions, their indicators (NaN where missing), which values
    are lower bounds, and the file's name with its SHA-256 (so that a manifest says which version
    was used); None when the file is not there (installed without the repository's data/)."""
    if not REFERENCE.is_file():
        return None
    data = REFERENCE.read_bytes()
    regions: dict[str, str] = {}
    cells: dict[tuple[str, str], tuple[float, bool]] = {}
    for row in csv.DictReader(data.decode("utf-8").splitlines()):
        if row["indicator"] == "region":
            regions[row["state"]] = row["value"]
        elif row["indicator"] in INDICATORS and row["kind"] != "missing":
            cells[row["state"], row["indicator"]] = (float(row["value"]), row.get("bound") == "lower")
    states = list(regions)
    raw = np.array([[cells.get((s, k), (np.nan, False))[0] for k in INDICATORS] for s in states])
    lower = np.array([[cells.get((s, k), (np.nan, False))[1] for k in INDICATORS] for s in states])
    label = f"data/indicators.csv (sha256 {hashlib.sha256(data).hexdigest()[:12]})"
    return tuple(regions[s] for s in states), raw, lower, label


def reference_means() -> tuple[dict[str, float], str]:
    """Each indicator's mean over the states of `REFERENCE` that have it, and how it was obtained."""
    reference = _reference()
    if reference is None:
        return {}, f"{NEUTRAL} (data/indicators.csv not found)"
    _, raw, _, label = reference
    counts = (~np.isnan(raw)).sum(axis=0)
    return ({k: float(np.nanmean(raw[:, j])) for j, k in enumerate(INDICATORS) if counts[j]},
            f"mean over the states of {label}")


@dataclass(frozen=True)
class RegionModel:
    """One indicator by region: x = mu + a_region + e, a ~ N(0, tau2), e ~ N(0, sigma2), fitted
    by moments; a region's effect is shrunk toward mu by how many of its states have the value."""

    mu: float
    mu_variance: float
    tau2: float
    sigma2: float
    observed: dict[str, tuple[int, float]]  # region -> (states with a value, their sum)

    def region_effect(self, region: str) -> tuple[float, float]:
        """The posterior mean and variance of mu + a_region, given the region's values."""
        count, total = self.observed.get(region, (0, 0.0))
        if self.tau2 <= 0.0 or count == 0:
            return self.mu, self.tau2 + self.mu_variance
        weight = count * self.tau2 / (count * self.tau2 + self.sigma2)
        mean = self.mu + weight * (total / count - self.mu)
        return mean, weight * self.sigma2 / count + (1.0 - weight) ** 2 * self.mu_variance


def fit_region_model(values: np.ndarray, regions: list[str]) -> RegionModel:
    """Moment estimates: sigma2 the pooled variance within regions (the total variance when no
    region has two values, `PRIOR_VARIANCE` for a single value), tau2 what the total variance
    leaves of it; both at least `VARIANCE_FLOOR`, tau2 at least 0."""
    n = len(values)
    total = float(np.var(values, ddof=1)) if n > 1 else PRIOR_VARIANCE
    groups: dict[str, list[float]] = {}
    for value, region in zip(values, regions):
        groups.setdefault(region, []).append(float(value))
    within_df = n - len(groups)
    within = (sum(float(np.sum((np.array(g) - np.mean(g)) ** 2)) for g in groups.values()) / within_df
              if within_df > 0 else total)
    sigma2 = max(within, VARIANCE_FLOOR)
    return RegionModel(mu=float(np.mean(values)), mu_variance=max(total, VARIANCE_FLOOR) / n,
                       tau2=max(total - within, 0.0), sigma2=sigma2,
                       observed={r: (len(g), float(sum(g))) for r, g in groups.items()})


def _impute_by_region(raws: np.ndarray, lowers: np.ndarray, regions: tuple[str, ...], imputations: list[int],
                      seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Completed datasets of stacked indicator matrices (worlds, states, indicators), world w's
    the number `imputations[w]`: every missing value and every lower bound drawn from its
    indicator's region model, truncated to [0, 1] and, for a bound, to [bound, 1]; with each
    world's indicators' rules (worlds, indicators).

    The draws come from `(seed, imputation)` alone, one per cell and one per region and indicator,
    by the states' and regions' order of appearance, not their names; a cell's draw is the same
    uniform in every epoch, so it moves only when its model does. Each indicator is completed from
    its own column alone and memoised on it, so that an epoch, a refit of the weights in
    `sim.validate` or a sweep point that changes one indicator recomputes only that column; and a
    column that the worlds give alike (a sweep's points differ in a few values) is read once per
    dataset for all of them."""
    values = raws.copy()
    rules = np.full((raws.shape[0], raws.shape[2]), "", dtype=object)  # "": nothing drawn, no rule
    drawn = (np.isnan(raws) | lowers).any(axis=1)
    imputations = np.asarray(imputations)
    for col in np.flatnonzero(drawn.any(axis=0)):
        column, lower = raws[:, :, col], lowers[:, :, col]
        alike = (((column == column[0]) | np.isnan(column) & np.isnan(column[0])) & (lower == lower[0])).all(axis=1)
        # The worlds alike in this column share the first's key; each other world has its own.
        keys = [(0, imputation, np.flatnonzero(alike & drawn[:, col] & (imputations == imputation)))
                for imputation in np.unique(imputations[alike & drawn[:, col]])]
        keys += [(w, imputations[w], [w]) for w in np.flatnonzero(~alike & drawn[:, col])]
        for w, imputation, worlds in keys:
            completed, rule = _imputed_column(np.ascontiguousarray(column[w]).tobytes(),
                                              np.ascontiguousarray(lower[w]).tobytes(), regions, int(col),
                                              raws.shape[1:], int(imputation), seed)
            values[worlds, :, col] = completed
            rules[worlds, col] = rule
    return values, rules


@lru_cache(maxsize=64)
def _draws(shape: tuple[int, int], imputation: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The uniforms of the cells and the normals of the regions (row: a region, by order of first
    appearance) of completed dataset `imputation`."""
    rng = np.random.default_rng([seed, imputation])
    return rng.random(shape), rng.standard_normal(shape)




@lru_cache(maxsize=4096)
def _imputed_column(raw_bytes: bytes, lower_bytes: bytes, regions: tuple[str, ...], col: int,
                    shape: tuple[int, int], imputation: int, seed: int) -> tuple[np.ndarray, str]:
    """Indicator `col` of one completed dataset (see `_impute_by_region`), and its rule."""
    from scipy.stats import truncnorm  # here, not at the top: it costs every command a second to import
    raw = np.frombuffer(raw_bytes)
    lower = np.frombuffer(lower_bytes, dtype=bool)
    values = raw.copy()
    drawn = np.isnan(raw) | lower
    observed = ~np.isnan(raw)
    fit_values, fit_regions, population = raw[observed], [r for r, o in zip(regions, observed) if o], \
        "the scenario's states"
    if not observed.any():
        reference = _reference()
        if reference is not None and not np.isnan(reference[1][:, col]).all():
            has = ~np.isnan(reference[1][:, col])
            fit_values, fit_regions = reference[1][has, col], [r for r, h in zip(reference[0], has) if h]
            population = f"the states of {reference[3]}"
    if not len(fit_values):
        values[drawn] = NEUTRAL
        return values, f"{NEUTRAL} (no state has it)"
    model = fit_region_model(fit_values, fit_regions)
    rows = np.flatnonzero(drawn)
    if rows.size:
        uniform, region_noise = _draws(shape, imputation, seed)
        region_row = {region: row for row, region in enumerate(dict.fromkeys(regions))}
        effects = np.array([model.region_effect(regions[row]) for row in rows])
        noise = region_noise[[region_row[regions[row]] for row in rows], col]
        centre = effects[:, 0] + np.sqrt(effects[:, 1]) * noise
        scale = np.sqrt(model.sigma2)
        low = np.where(lower[rows], raw[rows], 0.0)
        draws = truncnorm.ppf(uniform[rows, col], (low - centre) / scale, (1.0 - centre) / scale, centre, scale)
        values[rows] = np.where(np.isfinite(draws), np.clip(draws, low, 1.0), low)
    return values, f"regional imputation from {population}"


def _fit_trade(values: np.ndarray, drawn: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Scale down what a fill added above `base` (0, or a lower bound) to a state's trade shares,
    if need be, so that the four fit in what the given shares and bounds leave of 1."""
    trade = [INDICATORS.index(k) for k in TRADE_KEYS]
    filled, floor = drawn[:, trade], base[:, trade]
    added = np.where(filled, values[:, trade] - floor, 0.0)
    room = np.clip(1.0 - np.where(filled, floor, values[:, trade]).sum(axis=1), 0.0, None)
    total = added.sum(axis=1)
    scale = np.divide(room, total, out=np.ones(len(values)), where=total > room)
    values = values.copy()
    values[:, trade] = np.where(filled, floor + added * scale[:, None], values[:, trade])
    return values


def _indicator_matrix(scenario: Scenario, imputation: int = 0) -> tuple[np.ndarray, list[tuple[str, str, float, str]]]:
    """(n_states, n_indicators) with missing values filled by the scenario's rule (`data.fill`), and
    the list of what was filled, with the rule that gave each value (`_completed`, `_fit_trade`)."""
    (values, drawn, base, rules), = _completed([scenario], [imputation], [_given(scenario)])
    values = _fit_trade(values, drawn, base)
    return values, _filled(scenario, values, drawn, rules)


def _given(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(n_states, n_indicators): the indicators as the scenario gives them (NaN where missing), and
    which are lower bounds."""
    cells = [[getattr(s.indicators, k) for k in INDICATORS] for s in scenario.states.values()]
    return (np.array([[np.nan if c.value is None else c.value for c in row] for row in cells], dtype=float),
            np.array([[c.bound == "lower" for c in row] for row in cells], dtype=bool))


def _completed(worlds: list[Scenario], imputations: list[int],
               givens: list[tuple[np.ndarray, np.ndarray]]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, Callable]]:
    """The indicators of each of `worlds` (alike in their states and `data`: one scenario's, or a
    sweep's points) on its completed dataset among `imputations`, as `givens` hold them (`_given`),
    with missing values filled by the scenario's rule, before the trade shares are fitted: for
    each, (values, which were drawn, what each drawn value stands above, the rule of a drawn cell
    as a function of its row and column).

    `regional_imputation` gives completed dataset `imputation` (`_impute_by_region`); `mean` gives
    a missing value the mean of the same indicator over the states that have it, else its mean in
    `REFERENCE`, else `NEUTRAL`. Filled trade shares are then scaled down, if need be, to fit in
    what the state's given shares leave of 1 (`_fit_trade`).
    """
    data = worlds[0].data
    raws, lowers = (np.stack(part) for part in zip(*givens))
    missing = np.isnan(raws)
    if data.fill == "regional_imputation":
        regions = tuple(s.region for s in worlds[0].states.values())
        values, column_rules = _impute_by_region(raws, lowers, regions, imputations, data.imputation_seed)
        label = f" ({data.imputations} completed datasets, seed {data.imputation_seed})"
        return [(values[w], missing[w] | lower, np.where(lower, raws[w], 0.0), _rule(column_rules[w], lower, label))
                for w, lower in enumerate(lowers)]
    reference, reference_rule = reference_means()
    completed = []
    for raw, absent in zip(raws, missing):
        counts = (~absent).sum(axis=0)
        fallback = np.array([reference.get(k, NEUTRAL) for k in INDICATORS])
        means = np.divide(np.nansum(raw, axis=0), counts, out=fallback, where=counts > 0)
        column_rules = [OTHER_STATES if n > 0 else reference_rule if k in reference else f"{NEUTRAL} (no state has it)"
                        for n, k in zip(counts, INDICATORS)]
        completed.append((np.where(absent, means, raw), absent, np.zeros_like(raw),
                          lambda row, col, column_rules=column_rules: column_rules[col]))
    return completed


def _rule(column_rules: np.ndarray, lower: np.ndarray, label: str) -> Callable:
    """The rule of a drawn cell of one completed dataset, by its row and column."""
    return lambda row, col: f"{column_rules[col]}{label}" + (", above its lower bound" if lower[row, col] else "")


def _filled(scenario: Scenario, values: np.ndarray, drawn: np.ndarray, rule) -> list[tuple[str, str, float, str]]:
    """What was filled: (state, indicator, value, rule) of each drawn cell; `rule(row, col)` is its rule."""
    names = list(scenario.states)
    return [(names[row], INDICATORS[col], float(values[row, col]), rule(row, col)) for row, col in zip(*np.nonzero(drawn))]


def completed_indicators(scenario: Scenario) -> np.ndarray:
    """(M, n_states, n_indicators): the scenario's indicators as they stand (events already applied,
    see `scenario_at`), completed once per imputation of `data.fill` (M = 1 under `mean`). The
    estimation and the validation average over them."""
    return np.stack([_indicator_matrix(scenario, m)[0] for m in range(imputation_count(scenario))])


def imputation_count(scenario: Scenario) -> int:
    return scenario.data.imputations if scenario.data.fill == "regional_imputation" else 1


def imputation_for(scenario: Scenario, seed_sequence: np.random.SeedSequence) -> int:
    """The completed dataset a replication runs on, drawn from the replication's own seed."""
    if imputation_count(scenario) == 1:
        return 0
    stream = np.random.SeedSequence(seed_sequence.entropy, spawn_key=(*seed_sequence.spawn_key, IMPUTATION_STREAM))
    return int(np.random.default_rng(stream).integers(imputation_count(scenario)))


class Timelines:
    """A scenario's timelines, one per completed dataset, each compiled when a replication first
    needs it."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.compiled: dict[int, Timeline] = {}
        self.worlds: list[Scenario] | None = None  # the epochs' scenarios, made once
        self.base: Timelines | None = None  # another scenario's, whose compiled timelines these reuse (`under`)
        self.graftable: dict[str, bool] = {}  # whether a value at a path may be put into the epochs' scenarios

    def get(self, imputation: int) -> Timeline:
        if imputation not in self.compiled:
            if self.base is not None and self.worlds is not None:
                self.compiled[imputation], = _under_values([self.base.get(imputation)], [self.scenario], [self.worlds])
            elif self.base is not None:
                self.compiled[imputation] = _under_decision(self.base.get(imputation), self.scenario)
            else:
                # The epochs' scenarios are the same for every completed dataset: made once.
                self.worlds = self.worlds or epoch_worlds(self.scenario)
                self.compiled[imputation] = compile_timeline(self.scenario, imputation, self.worlds)
        return self.compiled[imputation]

    def under(self, scenario: Scenario, paths: tuple[str, ...] | None = None) -> Timelines:
        """The timelines of `scenario`, which differs from this one's at most in its decision block
        (a fit's trial weights or rule parameters) or, when `paths` are given, at most at those
        paths (a sweep point's values).

        A decision block alone: this one's compiled epochs, reweighted. Values that a dated event
        may set (a state's indicators, a power's policy level, the bloc's benefits...): each epoch
        compiled on this one's epoch's scenario with the values put in (`graft`), so that no
        epoch's scenario is made and validated again. Compiled afresh when a dated event of the
        scenario sets one of the values again (then it holds only until that event), or sets the
        decision block, or when a path is of another kind."""
        timelines = Timelines(scenario)
        changes_decision = any(path.startswith("decision.") for event in scenario.events.values() for path in event.set)
        values = [".".join(split_path(path)) for path in paths or () if not path.startswith("decision.")]
        # Read against this one's events: a point's are the same unless a path changes them, and
        # such a path is not graftable either way.
        for path in values:
            if path not in self.graftable:
                self.graftable[path] = _graftable(path, self.scenario)
        if changes_decision or not all(self.graftable[path] for path in values):
            return timelines
        timelines.base = self
        if values:
            self.worlds = self.worlds or epoch_worlds(self.scenario)
            timelines.worlds = graft(self.worlds, scenario, values)
        return timelines

    def for_replication(self, seed_sequence: np.random.SeedSequence) -> Timeline:
        return self.get(imputation_for(self.scenario, seed_sequence))


def _graftable(path: str, scenario: Scenario) -> bool:
    """Whether a value at `path` may be put into the epochs' scenarios as it is (`graft`): a
    value a dated event may set, which none of the scenario's events sets again, and, for a trade
    share, none sets another share of the same state (the shares' sum is checked on the whole
    scenario, not on a value alone)."""
    if not event_may_set(path):
        return False
    parts = path.split(".")
    trade = parts[0] == "states" and parts[-1] in TRADE_KEYS
    kin = [".".join(parts[:-1] + [key]) for key in TRADE_KEYS] if trade else [path]
    return not any(events_overwriting(scenario.events, one) for one in kin)


def graft(worlds: list[Scenario], source: Scenario, paths: list[str]) -> list[Scenario]:
    """Each of `worlds` with the values at `paths` as `source` holds them (validated there) and the
    decision block of `source`: what setting them in it and validating it would give, without
    validating it again."""
    tree: dict = {"decision": {}}  # path parts, nested; a leaf's is empty: taken from `source` whole
    for path in paths:
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})

    def put(node, source_node, branches: dict):
        if isinstance(node, dict):
            # A name the world lacks (a member or target the point adds) comes whole from `source`.
            return {**node, **{part: put(node[part], source_node[part], below) if below and part in node
                               else source_node[part] for part, below in branches.items()}}
        return node.model_copy(update={
            part: put(getattr(node, part), getattr(source_node, part), below) if below else getattr(source_node, part)
            for part, below in branches.items()})

    return [put(world, source, tree) for world in worlds]


def _epochs(worlds: list[Scenario], imputations: list[int], first_step: int, partner_tier: bool,
            open_to_applicants: bool, before: np.ndarray | None) -> tuple[list[Epoch], list[tuple], np.ndarray]:
    """The epoch beginning at `first_step` of each scenario among `worlds`, on its completed dataset
    among `imputations`; what `_filled` reads of what was filled in each; and their states' situations (`_situation`), from
    which the next epoch marks its decision moments as this one does from `before`, the previous
    epoch's (None for the calendar's first epoch: every state is marked, see `_with_shocks`).

    The worlds share their states and calendar and differ at most in values a dated event may set
    and in their decision blocks (one scenario's completed datasets, a sweep's points): their
    states' rows are stacked and every term evaluated once for all, row by row, so that each epoch
    holds what evaluating its world alone gives."""
    n = len(worlds[0].states)

    def each(read) -> list:
        """`read` of each world, once per distinct world (a point's completed datasets share theirs)."""
        found: dict[int, object] = {}
        for world in worlds:
            if id(world) not in found:
                found[id(world)] = read(world)
        return [found[id(world)] for world in worlds]

    completed = _completed(worlds, imputations, each(_given))
    drawn = [own for _, own, _, _ in completed]
    values = _fit_trade(*(np.concatenate([block[part] for block in completed]) for part in range(3)))
    x = {key: values[:, i] for i, key in enumerate(INDICATORS)}
    trade = np.stack([x[k] for k in ("trade_west", "trade_russia", "trade_china", "trade_other_members")], axis=1)
    overlaps = np.concatenate(each(_overlaps))
    consent = np.concatenate(each(_consent))

    def level(value) -> np.ndarray:
        """A policy level of each world, on each of its states' rows."""
        return np.repeat(np.array([value(world).value for world in worlds], dtype=float), n)

    pressure = d.sanction_pressure(x["sanctions"], x["blockade"])
    dependence = d.patron_dependence(x["trade_russia"], x["transit_russia"], x["investment_russia"])
    stake = d.western_stake(x["trade_west"], x["investment_west"], x["western_engagement"])
    bloc_trade = x["trade_russia"] + x["trade_china"] + x["trade_other_members"]
    threat = level(lambda world: world.powers.west.threat_against_joiners)
    exogenous = {
        "sanction_relief": d.sanction_relief_term(pressure),
        "western_exposure": d.western_exposure_term(stake, pressure),
        "patron_pressure": d.patron_pressure_term(level(lambda world: world.powers.russia.pressure_to_join), dependence),
        "diversification": d.diversification_term(dependence),
        "autonomy": d.autonomy_term(dependence, pressure),
        "bloc_benefits": d.bloc_benefits_term(level(lambda world: world.bloc.benefits), bloc_trade, x["affinity"])
        + d.china_inducement_term(level(lambda world: world.powers.china.inducement), x["trade_china"]),
        "substitutes": d.substitutes_term(d.substitute_access(overlaps, x["bilateral_channels"])),
    }
    terms = np.zeros((len(d.TERMS), len(values), len(d.OPTIONS)))
    for index, name in enumerate(d.TERMS):
        if name in exogenous:
            terms[index] = exogenous[name]
    closed = np.zeros_like(consent)  # before the partner tier, no partner is admitted
    per_row = {
        "exogenous_terms": terms,
        "admit_member": level(lambda world: world.bloc.appetite.members) * consent,
        "admit_partner": level(lambda world: world.bloc.appetite.partners) * consent if partner_tier else closed,
        "admit_member_from_partner": level(lambda world: world.bloc.appetite.members
                                           if world.bloc.appetite.members_from_partners is None
                                           else world.bloc.appetite.members_from_partners) * consent,
        "admit_on_initiative": level(lambda world: world.bloc.initiative) * consent if partner_tier else closed,
        "room_for_manoeuvre": d.room_for_manoeuvre(pressure, d.trade_concentration(trade)),
        "dependence": dependence,
        "trade_west": x["trade_west"],
        "pressure": pressure,
        "western_open": stake * (1.0 - pressure),
        "bloc_trade": bloc_trade,
        "affinity": x["affinity"],
        "engagement": x["western_engagement"],
        "threat_term": d.western_threat_term(threat, x["trade_west"], pressure),
        "retaliation_in_force": np.concatenate(each(lambda world: _in_force(world.powers.russia, world))),
        "west_reaction_in_force": np.concatenate(each(lambda world: _in_force(world.powers.west, world))),
    }
    blocks = [slice(block * n, (block + 1) * n) for block in range(len(worlds))]
    own = [{name: value[:, rows] if name == "exogenous_terms" else value[rows] for name, value in per_row.items()}
           for rows in blocks]
    decisions = each(lambda world: _decision(world, scenario_weights(world)))
    weighted = _weighted(terms, np.repeat(np.array([decision["weights"] for decision in decisions]), n, axis=0))
    decided = [decision | {name: value[rows] for name, value in weighted.items()}
               for decision, rows in zip(decisions, blocks)]
    situation = _situation(weighted["exogenous_utility"], per_row["admit_member"],
                           per_row["admit_partner"], per_row["admit_member_from_partner"], partner_tier, threat,
                           per_row["retaliation_in_force"], per_row["west_reaction_in_force"])
    shocked = np.ones(len(values), dtype=bool) if before is None else _changed(before, situation)
    epochs = []
    arrays = {name: value for name, value in (per_row | weighted).items() if name != "exogenous_terms"}
    arrays["shocked"] = shocked
    for index, (rows, block, world, decision) in enumerate(zip(blocks, own, worlds, decided)):
        west, russia, bloc = world.powers.west, world.powers.russia, world.bloc
        epochs.append(Epoch(
            first_step=first_step,
            partner_tier=partner_tier,
            open_to_applicants=open_to_applicants,
            **block,
            **decision,
            seats_members=np.inf if bloc.seats.members is None else bloc.seats.members,
            seats_partners=np.inf if bloc.seats.partners is None else bloc.seats.partners,
            threat=west.threat_against_joiners.value,
            retaliation=russia.retaliation_for_refusal.value,
            west_reaction=west.reaction_to_alignment.value,
            pre_summit_pressure=russia.pressure_before_summit.value,
            shocked=shocked[rows],
        ))
        object.__setattr__(epochs[-1], "batch", Batch(arrays, index))  # frozen: set once, as it is made
    fills = [(world, values[rows], own_drawn, rules)
             for world, rows, own_drawn, (_, _, _, rules) in zip(worlds, blocks, drawn, completed)]
    return epochs, fills, situation


def _overlaps(scenario: Scenario) -> np.ndarray:
    """(n_states, n_organizations): each organization's overlap with the bloc for its member states, else 0."""
    organizations = list(scenario.organizations)
    overlaps = np.zeros((len(scenario.states), len(organizations)))
    for row, state in enumerate(scenario.states.values()):
        for org in state.memberships:
            overlaps[row, organizations.index(org)] = scenario.organizations[org].overlap.value
    return overlaps


def _consent(scenario: Scenario) -> np.ndarray:
    """(n_states,): the product of the members' consents toward each state."""
    consent = np.ones(len(scenario.states))
    for member in scenario.bloc.members.values():
        for row, name in enumerate(scenario.states):
            consent[row] *= member.toward.get(name, member.consent).value
    return consent


def _in_force(power, scenario: Scenario) -> np.ndarray:
    """(n_states,): the reaction a power's dated events pin on each state (its `imposed`)."""
    return np.array([power.imposed.get(name, 0.0) for name in scenario.states])


def _decided(terms: np.ndarray, scenario: Scenario) -> dict:
    """What an epoch takes from the scenario's decision block (`_decision`), and the weighted sums
    of the epoch's unweighted `terms` (`_weighted`)."""
    weights = scenario_weights(scenario)
    return _decision(scenario, weights) | _weighted(terms, weights)


def _decision(scenario: Scenario, weights: np.ndarray) -> dict:
    """An epoch's weights (the scenario's, as read), rationality and rival rule's parameters."""
    return {"weights": weights, "rationality": scenario.decision.rationality,
            "rule": getattr(scenario.decision, scenario.decision.rule, None)}


def _weighted(terms: np.ndarray, weights: np.ndarray) -> dict:
    """The weighted sums of unweighted `terms` (n_terms, rows, n_options): the utilities and each
    term's part of U(member) - U(outside). `weights` is (n_terms,), or (rows, n_terms), a row's own."""
    per_term = weights[:, None] if weights.ndim == 1 else weights.T
    return {"exogenous_utility": d.utilities(terms, per_term[:, :, None] if weights.ndim > 1 else weights),
            "exogenous_net": (per_term * (terms[:, :, d.MEMBER] - terms[:, :, d.OUTSIDE])).T}


def review_chance(rate_per_year, step_months: int):
    """The chance that a state reviews its course within a step, at a review rate per year (a Poisson hazard)."""
    return -np.expm1(-np.asarray(rate_per_year, dtype=float) * step_months / 12.0)


def _summit_window(scenario: Scenario) -> np.ndarray:
    """(n_steps,): the share of each step's months that are a summit's month or one of the
    `decision.summit_review_months` before it, in which states review their course more often (a
    share, so that a longer step holds the same months of raised review, not more)."""
    calendar = scenario.calendar
    return _window(month_number(calendar.start), calendar.step_months, calendar.n_steps,
                   tuple(month_number(summit.date) for summit in calendar.summits),
                   scenario.decision.summit_review_months)


@lru_cache(maxsize=64)
def _window(start: int, k: int, n_steps: int, summits: tuple[int, ...], lead: int) -> np.ndarray:
    """`_summit_window` of a calendar (months as numbers), kept: a sweep's points share it."""
    months = {month - start for summit in summits for month in range(summit - lead, summit + 1)}
    window = np.zeros(n_steps)
    for month in months:
        if 0 <= month < k * n_steps:
            window[month // k] += 1.0 / k
    window.flags.writeable = False  # shared between timelines
    return window


def within_summit_window(chance, multiplier, share=1.0):
    """The chance of a review in a step a `share` of whose months lie in a summit's window: the
    review rate `multiplier` times over that share, so (1 + (multiplier - 1) x share) times over
    the step (exactly `chance` at a multiplier of 1 or a share of 0, so that no summit effect, the
    hand-set preset's, leaves every run as it was before the window, to the bit)."""
    multiplier = 1.0 + (np.asarray(multiplier, dtype=float) - 1.0) * share
    chance = np.asarray(chance, dtype=float)
    if (multiplier == 1).all():
        return chance
    with np.errstate(divide="ignore"):  # a certain review (chance 1) stays certain
        return np.where(multiplier == 1, chance, -np.expm1(np.log1p(-chance) * multiplier))


def _review_probability(scenario: Scenario) -> float:
    return float(review_chance(scenario_review_rate(scenario), scenario.calendar.step_months))


def _situation(utility, admit_member, admit_partner, admit_member_from_partner, partner_tier, threat,
               retaliation_in_force, west_reaction_in_force) -> np.ndarray:
    """What a state weighs, as one row per state: utilities, the bloc's admission chances, whether
    the partner tier exists, the West's threat and the reactions pinned on it. A change in any of
    it is a decision moment for that state (the threat may be one per row, a batch's).

    The bloc's opening to applicants is not: after the June 2022 opening, applications arrived
    over the next two years (Algeria 2022-11, Belarus 2023-05, Malaysia 2024-07, Azerbaijan 2024-08: docs/model.md), so an opened option is taken up at the
    review rate, not at once by every state (docs/model.md, "Decision moments")."""
    n = len(admit_member)
    return np.column_stack([utility, admit_member, admit_partner, admit_member_from_partner,
                            np.full(n, float(partner_tier)), np.full(n, threat), retaliation_in_force,
                            west_reaction_in_force])


def _changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Which states' situations (rows of `_situation`) changed."""
    return ~((before == after) | (np.abs(before - after) <= 1e-12)).all(axis=1)  # np.isclose's test, without its overhead


def _with_shocks(epochs: list[Epoch]) -> list[Epoch]:
    """Mark, in each epoch after the first, the states whose situation changed as it began.

    The first epoch's states are all marked, but the start of the calendar is no decision
    moment (sim/model.py): the initial course is given by the scenario."""
    situations = [_situation(epoch.exogenous_utility, epoch.admit_member, epoch.admit_partner,
                             epoch.admit_member_from_partner, epoch.partner_tier, epoch.threat,
                             epoch.retaliation_in_force, epoch.west_reaction_in_force) for epoch in epochs]
    return epochs[:1] + [replace(after, shocked=_changed(a, b)) for after, (a, b) in zip(epochs[1:], pairwise(situations))]


def _decision_rates(scenario: Scenario) -> dict:
    """What a timeline takes from the scenario's decision block besides its epochs: when states
    review their course."""
    return {"review_probability": _review_probability(scenario), "summit_window": _summit_window(scenario),
            "summit_multiplier": scenario_rate(scenario, SUMMIT_MULTIPLIER)}


def _under_decision(timeline: Timeline, scenario: Scenario) -> Timeline:
    """`timeline` with its epochs under `scenario`'s decision block, as `compile_timeline` would
    give them: the same epochs, weighted anew, and the decision moments they mark."""
    epochs = [replace(epoch, **_decided(epoch.exogenous_terms, scenario)) for epoch in timeline.epochs]
    return replace(timeline, epochs=tuple(_with_shocks(epochs)), **_decision_rates(scenario))


def _under_values(timelines: list[Timeline], scenarios: list[Scenario], worlds: list[list[Scenario]]) -> list[Timeline]:
    """Each of `timelines` (one scenario's) with its epochs compiled on the epochs' scenarios among
    `worlds` of the scenario among `scenarios` that differs from the timeline's own at most in
    values a dated event may set and in its decision block: the calendar, the bloc's summits and
    the peers are the timeline's. Compiled together (`_compiled_epochs`)."""
    compiled = _compiled_epochs(scenarios[0], [timeline.imputation for timeline in timelines], worlds,
                                timelines[0].dates)
    return [replace(timeline, epochs=epochs, fills=fills, **_decision_rates(scenario))
            for timeline, scenario, (epochs, fills) in zip(timelines, scenarios, compiled)]


def timelines_for(runs: list[tuple[Timelines, np.random.SeedSequence]]) -> list[Timeline]:
    """Each run's timeline, as `Timelines.for_replication` gives it: those of a sweep's points
    still to be compiled from one base's epochs' scenarios (`Timelines.under`) compiled together."""
    wanted = [(timelines, imputation_for(timelines.scenario, seed)) for timelines, seed in runs]
    groups: dict[int, dict] = {}
    for timelines, imputation in wanted:
        if imputation not in timelines.compiled and timelines.base is not None and timelines.worlds is not None:
            groups.setdefault(id(timelines.base), {})[id(timelines), imputation] = (timelines, imputation)
    for group in groups.values():
        todo = list(group.values())
        made = _under_values([own.base.get(imputation) for own, imputation in todo],
                             [own.scenario for own, _ in todo], [own.worlds for own, _ in todo])
        for (own, imputation), timeline in zip(todo, made):
            own.compiled[imputation] = timeline
    return [timelines.get(imputation) for timelines, imputation in wanted]


def scenario_at(scenario: Scenario, month: str) -> Scenario:
    """The scenario as it stands in `month`: every event dated up to then applied, in date order
    (file order within a month)."""
    events = sorted(scenario.events.values(), key=lambda event: event.date)
    due = [event for event in events if event.date <= month]
    if not due:
        return scenario
    data = scenario.model_dump(mode="json")  # a fresh copy: the events may change it in place
    data["events"] = {}
    for event in due:
        provenance = {"source": event.source} if event.source else {"assumption": event.assumption}
        for path, value in event.set.items():
            set_path(data, path, value, provenance)
    return Scenario.model_validate(data)


def _boundaries(scenario: Scenario) -> tuple[list[int], int | None, int]:
    """(the first step of each epoch, the partner tier's first step, the bloc's opening step):
    the calendar cut at events, at the bloc's opening and at the partner tier."""
    calendar = scenario.calendar

    def first_step(dated) -> int | None:
        return None if dated is None else max(0, calendar.step_of(dated.date))

    tier_step = first_step(scenario.bloc.partner_tier_from)
    open_step = first_step(scenario.bloc.open_to_applicants) or 0
    boundaries = sorted({0, open_step} | {max(0, calendar.step_of(e.date)) for e in scenario.events.values()}
                        | ({tier_step} if tier_step is not None else set()))
    return [b for b in boundaries if b < calendar.n_steps], tier_step, open_step


def epoch_worlds(scenario: Scenario) -> list[Scenario]:
    """The scenario as it stands in each epoch: everything dated within the epoch's first step's
    months is in force during the step."""
    start, k = month_number(scenario.calendar.start), scenario.calendar.step_months
    return [scenario_at(scenario, month_label(start + k * (first + 1) - 1)) for first in _boundaries(scenario)[0]]


def compile_timeline(scenario: Scenario, imputation: int = 0, worlds: list[Scenario] | None = None) -> Timeline:
    """Evaluate each epoch of the calendar (`_boundaries`) on completed dataset `imputation` of the
    scenario's fill rule; `worlds` are the epochs' scenarios (`epoch_worlds`) if already made."""
    if not 0 <= imputation < imputation_count(scenario):
        raise ValueError(f"imputation {imputation} out of range: the scenario has {imputation_count(scenario)}")
    calendar = scenario.calendar
    start, k, n_steps = month_number(calendar.start), calendar.step_months, calendar.n_steps
    dates = tuple(month_label(start + k * step) for step in range(n_steps))
    boundaries = _boundaries(scenario)[0]
    worlds = worlds or epoch_worlds(scenario)
    (epochs, fills), = _compiled_epochs(scenario, [imputation], [worlds], dates)
    epoch_of_step = np.searchsorted(np.array(boundaries), np.arange(n_steps), side="right") - 1
    summit = np.zeros(n_steps, dtype=bool)
    observed = {}
    names = list(scenario.states)
    for s in calendar.summits:
        summit[calendar.step_of(s.date)] = True
        if s.invitations is not None:
            offers = np.zeros(len(names), dtype=np.int8)
            for name, option in s.invitations.items():
                offers[names.index(name)] = STATUS_CODES[option]
            observed[calendar.step_of(s.date)] = offers

    russia = scenario.powers.russia
    pressure_before = np.full(n_steps, -1, dtype=np.int64)
    lead = -(-russia.pressure_lead_months // k)
    for s in sorted(np.flatnonzero(summit)):  # a later summit's lead step wins a shared step
        if s - lead >= 0:
            pressure_before[s - lead] = s

    regions = tuple(state.region for state in scenario.states.values())
    region_array = np.array(regions, dtype=object)
    adjacency = (region_array[:, None] == region_array[None, :]).astype(float)
    np.fill_diagonal(adjacency, 0.0)

    return Timeline(
        states=tuple(scenario.states),
        regions=regions,
        dates=dates,
        epochs=epochs,
        epoch_of_step=epoch_of_step,
        summit=summit,
        observed_offers=observed,
        adjacency=adjacency,
        initial_status=np.array([STATUS_CODES[s.initial.status] for s in scenario.states.values()], dtype=np.int8),
        initial_seeking=np.array([s.initial.seeking_membership for s in scenario.states.values()], dtype=bool),
        step_months=k,
        retaliation_steps=-(-scenario.powers.russia.retaliation_months // k),
        west_reaction_steps=-(-scenario.powers.west.reaction_months // k),
        pressure_steps=-(-russia.pressure_months // k),
        pressure_before=pressure_before,
        invitation_memory=scenario.bloc.invitation_memory_months,
        fills=fills,
        imputation=imputation,
        **_decision_rates(scenario),
    )


def _compiled_epochs(scenario: Scenario, imputations: list[int], worlds: list[list[Scenario]],
                     dates: tuple[str, ...]) -> list[tuple[tuple[Epoch, ...], tuple]]:
    """For each of some scenarios alike in their calendar and events (`scenario` one of them), given
    as its epochs' scenarios among `worlds` and a completed dataset among `imputations`: its
    epochs, with their decision moments marked, and what `Timeline.filled` reads of what was
    filled in each (dated by the epoch's first step). Each epoch is evaluated for all of them at
    once (`_epochs`)."""
    boundaries, tier_step, open_step = _boundaries(scenario)
    epochs, filled, situation = [[] for _ in worlds], [[] for _ in worlds], None
    for index, first in enumerate(boundaries):
        evaluated, fills, situation = _epochs([own[index] for own in worlds], imputations, first,
                                              tier_step is not None and first >= tier_step, first >= open_step, situation)
        for block, (epoch, read) in enumerate(zip(evaluated, fills)):
            epochs[block].append(epoch)
            filled[block].append((dates[first], *read))
    return [(tuple(own), tuple(fill)) for own, fill in zip(epochs, filled)]
