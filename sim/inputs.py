"""From a validated scenario to the arrays the model reads each month.

Everything that depends only on the scenario and the month, not on what states have done, is
computed here once per scenario: the world is cut into epochs at each dated event and at the
partner tier's arrival, and for each epoch the exogenous utility terms are evaluated for all
states at once. A model run then only adds the terms that depend on its own history.

Missing indicators are filled by one documented rule (docs/model.md, "Input data"): the mean of
the same indicator over the scenario's other states that have it; when none has it (a one-state
scenario, say), the mean over the states of `data/indicators.csv` that have it, else `NEUTRAL`.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from itertools import pairwise
from pathlib import Path

import numpy as np

from . import decision as d
from .parameters import scenario_weights
from .scenario.changes import set_path
from .scenario.schema import TRADE_KEYS, Indicators, Scenario, month_label, month_number

INDICATORS = tuple(Indicators.model_fields)
NEUTRAL = 0.0
"""Fill value for an indicator neither the scenario nor `REFERENCE` has: the mechanism is silent."""
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "indicators.csv"
"""The indicators of data/indicators.csv's states (data/SOURCES.md): the fallback for an indicator no state of a scenario has."""
OTHER_STATES = "mean over the scenario's other states"

STATUS_CODES = {name: code for code, name in enumerate(d.OPTIONS)}


@dataclass(frozen=True)
class Epoch:
    """The exogenous world during a span of months: policies, indicators and derived terms."""

    first_step: int
    partner_tier: bool
    open_to_applicants: bool
    weights: np.ndarray  # (n_terms,)
    rationality: float
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
    threat: float  # the West's standing threat against joiners
    threat_term: np.ndarray  # (n_states, n_options) western_threat_term of the standing threat alone
    retaliation: float  # size of the patron's reaction to a refusal made now
    west_reaction: float  # size of the West's reaction to an alignment made now
    retaliation_in_force: np.ndarray  # (n_states,) pinned by dated events (powers.russia.imposed)
    west_reaction_in_force: np.ndarray  # (n_states,) pinned by dated events (powers.west.imposed)

    @cached_property
    def retaliation_pinned(self) -> bool:
        return bool(self.retaliation_in_force.any())

    @cached_property
    def west_reaction_pinned(self) -> bool:
        return bool(self.west_reaction_in_force.any())
    shocked: np.ndarray  # (n_states,) bool: the state's situation changed as this epoch began


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
    review_probability: float  # chance per step that a state reviews its course outside a decision moment
    invitation_memory: int  # in months
    filled: tuple[tuple[str, str, str, float, str], ...] = field(default=())  # (date, state, indicator, value, rule)

    @property
    def n_steps(self) -> int:
        return len(self.dates)

    def epoch_at(self, step: int) -> Epoch:
        return self.epochs[self.epoch_of_step[step]]


@cache
def reference_means() -> tuple[dict[str, float], str]:
    """Each indicator's mean over the states of `REFERENCE` that have it, and how it was obtained
    (the file and its SHA-256, so a manifest says which version was used)."""
    if not REFERENCE.is_file():  # installed without the repository's data/
        return {}, f"{NEUTRAL} (data/indicators.csv not found)"
    data = REFERENCE.read_bytes()
    values: dict[str, list[float]] = {}
    for row in csv.DictReader(data.decode("utf-8").splitlines()):
        if row["indicator"] in INDICATORS and row["kind"] != "missing":
            values.setdefault(row["indicator"], []).append(float(row["value"]))
    rule = f"mean over the states of data/indicators.csv (sha256 {hashlib.sha256(data).hexdigest()[:12]})"
    return {key: sum(v) / len(v) for key, v in values.items()}, rule


def _indicator_matrix(scenario: Scenario) -> tuple[np.ndarray, list[tuple[str, str, float, str]]]:
    """(n_states, n_indicators) with missing values filled, and the list of what was filled, with
    the rule that gave each value.

    A missing value takes the mean of the same indicator over the states that have it, else its
    mean in `REFERENCE`, else `NEUTRAL`. Filled trade shares are then scaled down, if need be, to
    fit in what the state's given shares leave of 1.
    """
    names = list(scenario.states)
    raw = np.array(
        [[np.nan if (v := getattr(s.indicators, k).value) is None else v for k in INDICATORS]
         for s in scenario.states.values()],
        dtype=float,
    )
    missing = np.isnan(raw)
    counts = (~missing).sum(axis=0)
    reference, reference_rule = reference_means()
    fallback = np.array([reference.get(k, NEUTRAL) for k in INDICATORS])
    means = np.divide(np.nansum(raw, axis=0), counts, out=fallback, where=counts > 0)
    rules = [OTHER_STATES if n > 0 else reference_rule if k in reference else f"{NEUTRAL} (no state has it)"
             for n, k in zip(counts, INDICATORS)]
    values = np.where(missing, means, raw)

    trade = [INDICATORS.index(k) for k in TRADE_KEYS]
    given = np.where(missing[:, trade], 0.0, values[:, trade]).sum(axis=1)
    filled_trade = np.where(missing[:, trade], values[:, trade], 0.0)
    room = np.clip(1.0 - given, 0.0, None)
    scale = np.divide(room, filled_trade.sum(axis=1), out=np.ones(len(names)), where=filled_trade.sum(axis=1) > room)
    values[:, trade] = np.where(missing[:, trade], values[:, trade] * scale[:, None], values[:, trade])

    filled = [(names[row], INDICATORS[col], float(values[row, col]), rules[col])
              for row, col in zip(*np.nonzero(missing))]
    return values, filled


def _epoch(scenario: Scenario, first_step: int, partner_tier: bool, open_to_applicants: bool) -> tuple[Epoch, list]:
    values, filled = _indicator_matrix(scenario)
    x = {key: values[:, i] for i, key in enumerate(INDICATORS)}
    trade = np.stack([x[k] for k in ("trade_west", "trade_russia", "trade_china", "trade_other_members")], axis=1)

    organizations = list(scenario.organizations)
    overlaps = np.zeros((len(scenario.states), len(organizations)))
    for row, state in enumerate(scenario.states.values()):
        for org in state.memberships:
            overlaps[row, organizations.index(org)] = scenario.organizations[org].overlap.value

    consent = np.ones(len(scenario.states))
    for member in scenario.bloc.members.values():
        for row, name in enumerate(scenario.states):
            consent[row] *= member.toward.get(name, member.consent).value

    pressure = d.sanction_pressure(x["sanctions"], x["blockade"])
    dependence = d.patron_dependence(x["trade_russia"], x["transit_russia"], x["investment_russia"])
    stake = d.western_stake(x["trade_west"], x["investment_west"], x["western_engagement"])
    bloc_trade = x["trade_russia"] + x["trade_china"] + x["trade_other_members"]
    west, russia, bloc = scenario.powers.west, scenario.powers.russia, scenario.bloc
    exogenous = {
        "sanction_relief": d.sanction_relief_term(pressure),
        "western_exposure": d.western_exposure_term(stake, pressure),
        "patron_pressure": d.patron_pressure_term(russia.pressure_to_join.value, dependence),
        "diversification": d.diversification_term(dependence),
        "autonomy": d.autonomy_term(dependence, pressure),
        "bloc_benefits": d.bloc_benefits_term(bloc.benefits.value, bloc_trade, x["affinity"]),
        "substitutes": d.substitutes_term(d.substitute_access(overlaps, x["bilateral_channels"])),
    }
    terms = np.zeros((len(d.TERMS), len(scenario.states), len(d.OPTIONS)))
    for index, name in enumerate(d.TERMS):
        if name in exogenous:
            terms[index] = exogenous[name]

    weights = scenario_weights(scenario)
    epoch = Epoch(
        first_step=first_step,
        partner_tier=partner_tier,
        open_to_applicants=open_to_applicants,
        weights=weights,
        rationality=scenario.decision.rationality,
        rule=getattr(scenario.decision, scenario.decision.rule, None),
        exogenous_terms=terms,
        exogenous_utility=d.utilities(terms, weights),
        exogenous_net=(weights[:, None] * (terms[:, :, d.MEMBER] - terms[:, :, d.OUTSIDE])).T,
        admit_member=bloc.appetite.members.value * consent,
        admit_partner=(bloc.appetite.partners.value * consent) if partner_tier else np.zeros_like(consent),
        admit_member_from_partner=(bloc.appetite.members if bloc.appetite.members_from_partners is None
                                   else bloc.appetite.members_from_partners).value * consent,
        admit_on_initiative=(bloc.initiative.value * consent) if partner_tier else np.zeros_like(consent),
        seats_members=np.inf if bloc.seats.members is None else bloc.seats.members,
        seats_partners=np.inf if bloc.seats.partners is None else bloc.seats.partners,
        room_for_manoeuvre=d.room_for_manoeuvre(pressure, d.trade_concentration(trade)),
        dependence=dependence,
        trade_west=x["trade_west"],
        pressure=pressure,
        western_open=stake * (1.0 - pressure),
        bloc_trade=bloc_trade,
        threat=west.threat_against_joiners.value,
        threat_term=d.western_threat_term(west.threat_against_joiners.value, x["trade_west"], pressure),
        retaliation=russia.retaliation_for_refusal.value,
        west_reaction=west.reaction_to_alignment.value,
        retaliation_in_force=np.array([russia.imposed.get(name, 0.0) for name in scenario.states]),
        west_reaction_in_force=np.array([west.imposed.get(name, 0.0) for name in scenario.states]),
        shocked=np.ones(len(scenario.states), dtype=bool),
    )
    return epoch, filled


def _situation(epoch: Epoch) -> np.ndarray:
    """What a state weighs, as one row per state: utilities, the bloc's admission chances and
    whether the partner tier exists. A change in any of it is a decision moment for that state.

    The bloc's opening to applicants is not: after the June 2022 opening, applications arrived
    over the next two years (Algeria 2022-11, Belarus 2023-05, Malaysia 2024-07, Azerbaijan 2024-08: docs/model.md), so an opened option is taken up at the
    review rate, not at once by every state (docs/model.md, "Decision moments")."""
    n = len(epoch.admit_member)
    return np.column_stack([
        epoch.exogenous_utility, epoch.admit_member, epoch.admit_partner, epoch.admit_member_from_partner,
        np.full(n, float(epoch.partner_tier)),
        np.full(n, epoch.threat), epoch.retaliation_in_force, epoch.west_reaction_in_force,
    ])


def _with_shocks(epochs: list[Epoch]) -> list[Epoch]:
    """Mark, in each epoch after the first, the states whose situation changed as it began.

    The first epoch's states are all marked, but the start of the calendar is no decision
    moment (sim/model.py): the initial course is given by the scenario."""
    marked = epochs[:1]
    for before, after in pairwise(epochs):
        changed = ~np.isclose(_situation(before), _situation(after), rtol=0.0, atol=1e-12).all(axis=1)
        marked.append(replace(after, shocked=changed))
    return marked


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


def compile_timeline(scenario: Scenario) -> Timeline:
    """Cut the calendar into epochs at events, at the bloc's opening and at the partner tier, and
    evaluate each. Dates falling inside a step take effect at that step."""
    calendar = scenario.calendar
    start, k, n_steps = month_number(calendar.start), calendar.step_months, calendar.n_steps
    dates = tuple(month_label(start + k * step) for step in range(n_steps))

    def first_step(dated) -> int | None:
        return None if dated is None else max(0, calendar.step_of(dated.date))

    tier_step = first_step(scenario.bloc.partner_tier_from)
    open_step = first_step(scenario.bloc.open_to_applicants) or 0
    events = sorted(scenario.events.values(), key=lambda event: event.date)  # stable: file order within a month
    boundaries = sorted({0, open_step} | {max(0, calendar.step_of(e.date)) for e in events}
                        | ({tier_step} if tier_step is not None else set()))
    boundaries = [b for b in boundaries if b < n_steps]

    epochs, filled = [], []
    for first in boundaries:
        # Everything dated within the step's months is in force during the step.
        world = scenario_at(scenario, month_label(start + k * (first + 1) - 1))
        epoch, epoch_filled = _epoch(world, first, tier_step is not None and first >= tier_step, first >= open_step)
        epochs.append(epoch)
        filled += [(dates[first], *item) for item in epoch_filled]

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

    regions = tuple(state.region for state in scenario.states.values())
    region_array = np.array(regions, dtype=object)
    adjacency = (region_array[:, None] == region_array[None, :]).astype(float)
    np.fill_diagonal(adjacency, 0.0)

    return Timeline(
        states=tuple(scenario.states),
        regions=regions,
        dates=dates,
        epochs=tuple(_with_shocks(epochs)),
        epoch_of_step=epoch_of_step,
        summit=summit,
        observed_offers=observed,
        adjacency=adjacency,
        initial_status=np.array([STATUS_CODES[s.initial.status] for s in scenario.states.values()], dtype=np.int8),
        initial_seeking=np.array([s.initial.seeking_membership for s in scenario.states.values()], dtype=bool),
        step_months=k,
        retaliation_steps=-(-scenario.powers.russia.retaliation_months // k),
        west_reaction_steps=-(-scenario.powers.west.reaction_months // k),
        review_probability=float(-np.expm1(-scenario.decision.review_rate_per_year * k / 12.0)),
        invitation_memory=scenario.bloc.invitation_memory_months,
        filled=tuple(filled),
    )
