"""The scenario schema: what a scenario file may say, with types, ranges, defaults and meaning.

Every field carries a description; `docs/scenarios.md` is generated from them
(`python -m sim.scenario.reference`), and a test keeps the two in step.

Empirical numbers are `Sourced` values: a value in [0, 1] with either a `source` or an
`assumption`, or no value at all with the reason it is `missing`. Decision parameters are plain
numbers: they are the model's own assumptions, documented in `docs/model.md`.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{1,2}([ T].*)?$")


def _parse_month(value: object) -> str:
    """Accept `2024-10` and normalise it; refuse a full date rather than silently drop its day."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        value = value.isoformat()[:10]
    if isinstance(value, str):
        text = value.strip()
        match = _MONTH.match(text)
        if match and 1 <= int(match.group(2)) <= 12:
            return text
        if _FULL_DATE.match(text):
            raise ValueError(f"expected a month as YYYY-MM, got the full date {text!r}: the model steps by "
                             f"month, so write {text[:7]}")
    raise ValueError(f"expected a month as YYYY-MM (for example 2024-10), got {value!r}")


Month = Annotated[str, BeforeValidator(_parse_month)]


def month_number(month: str) -> int:
    """Months since year 0, so that differences of two months count the steps between them."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def month_label(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


NAME_PATTERN = r"^[^.=\s\[\]\x00-\x1f\x7f-\x9f]([^.=\[\]\x00-\x1f\x7f-\x9f\u2028\u2029]*[^.=\s\[\]\x00-\x1f\x7f-\x9f])?$"
"""Spaces inside ("Saudi Arabia") but not at either end, and no control character (C0, C1, or a line
or paragraph separator): a name is written into CSV cells and printed tables, where a tab or a
newline would break the row."""
IDENTIFIER_PATTERN = r"^[A-Za-z0-9_.-]*[A-Za-z0-9_-][A-Za-z0-9_.-]*$"
"""A scenario's, sweep's or figure's identifier, which names a folder or a file: not dots alone,
which name a folder's self and parent."""
Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN, max_length=100)]
MAX_REPLICATIONS = 100_000
"""The most replications a run may have, in a scenario, a sweep's point, a figure or on the command line."""

Name = Annotated[
    str,
    Field(
        min_length=1,
        max_length=80,
        pattern=NAME_PATTERN,
        description="a name without dots, '=', brackets, control characters or spaces at its ends, so that dotted "
        "paths can reach it",
    ),
]


class Strict(BaseModel):
    """Base for every part of a scenario: unknown keys are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Sourced(Strict):
    """A number in [0, 1] with its provenance: a source, an assumption, or why it is missing."""

    value: Annotated[float, Field(ge=0.0, le=1.0)] | None = Field(
        description="the number, in [0, 1]; null when no figure could be found"
    )
    source: str | None = Field(
        default=None, min_length=1, description="where the number comes from (publisher, date, URL)"
    )
    assumption: str | None = Field(
        default=None, min_length=1, description="why this number was assumed, when no source gives it"
    )
    missing: str | None = Field(
        default=None, min_length=1, description="why no value is given (required when value is null)"
    )
    year: int | None = Field(default=None, ge=1900, le=2100, description="the year the figure describes")
    bound: Literal["lower"] | None = Field(
        default=None,
        description=(
            "'lower' when the figure counts only part of what the indicator measures (the partners a "
            "report listed), so the true value is at least this; the default fill rule (`data.fill`) "
            "draws the value above this bound, the `mean` rule reads it as a point"
        ),
    )

    @model_validator(mode="after")
    def _provenance(self) -> Sourced:
        if self.value is None:
            if self.missing is None:
                raise ValueError("a null value needs 'missing': the reason no figure was found")
            if self.assumption is not None:
                raise ValueError("a missing value cannot also be an assumption")
            if self.bound is not None:
                raise ValueError("a missing value cannot be a bound; give the figure as 'value'")
        else:
            if (self.source is None) == (self.assumption is None):
                raise ValueError("give exactly one of 'source' or 'assumption' for a value")
            if self.missing is not None:
                raise ValueError("'missing' is only for a null value")
        return self


class Given(Sourced):
    """A sourced value that must be given: a policy or rule the model cannot run without.

    Only a state's indicators may be missing (they have a documented fill rule).
    """

    @model_validator(mode="after")
    def _given(self) -> Given:
        if self.value is None:
            raise ValueError("this value cannot be missing; give a number with a source or an assumption")
        return self


class Dated(Strict):
    """A month with its provenance."""

    date: Month = Field(description="the month, YYYY-MM")
    source: str | None = Field(default=None, min_length=1, description="where the date comes from")
    assumption: str | None = Field(default=None, min_length=1, description="why the date is assumed")

    @model_validator(mode="after")
    def _provenance(self) -> Dated:
        if (self.source is None) == (self.assumption is None):
            raise ValueError(f"give exactly one of 'source' or 'assumption' for {self._what}")
        return self

    _what = "a date"


class Summit(Dated):
    """A bloc summit: the months at which the bloc admits members and invites partners."""

    name: str = Field(min_length=1, description="a label, e.g. the host city")
    invitations: dict[Name, Literal["partner", "member"]] | None = Field(
        default=None,
        description="the bloc's observed choice at this summit, to condition a run on it: exactly these "
        "states are invited (others are not); null: the bloc chooses by its rule",
    )
    _what = "a summit"


class Calendar(Strict):
    """Steps of `step_months` months from `start` to `end` inclusive, and the bloc's summits."""

    start: Month = Field(description="first simulated month, YYYY-MM")
    end: Month = Field(description="last simulated month, YYYY-MM (inclusive)")
    step_months: int = Field(
        default=1, ge=1, le=12,
        description="months per simulated step; outcomes do not depend on it (decision moments and hazards)",
    )
    summits: list[Summit] = Field(default_factory=list, description="the bloc's summits, in any order")

    @model_validator(mode="after")
    def _order(self) -> Calendar:
        span = month_number(self.end) - month_number(self.start)
        if span < 0:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if span >= 1200:
            raise ValueError("a calendar may span at most 1200 months")
        for summit in self.summits:
            if not self.start <= summit.date <= self.end:
                raise ValueError(f"summit {summit.name!r} ({summit.date}) lies outside {self.start}..{self.end}")
        return self

    @property
    def n_steps(self) -> int:
        months = month_number(self.end) - month_number(self.start) + 1
        return -(-months // self.step_months)

    def step_of(self, month: str) -> int:
        """The step whose months contain `month` (negative before the start)."""
        return (month_number(month) - month_number(self.start)) // self.step_months


class Indicators(Strict):
    """A deciding state's exposure, dependence and affinity; every one a `Sourced` share in [0, 1]."""

    trade_west: Sourced = Field(description="share of goods trade with the EU, US, UK and allies")
    trade_russia: Sourced = Field(description="share of goods trade with Russia (the patron)")
    trade_china: Sourced = Field(description="share of goods trade with China")
    trade_other_members: Sourced = Field(description="share of goods trade with the other bloc members")
    investment_west: Sourced = Field(description="share of the foreign investment stock from the West")
    investment_russia: Sourced = Field(description="share of the foreign investment stock from Russia")
    transit_russia: Sourced = Field(description="share of exports that transit Russia")
    sanctions: Sourced = Field(description="intensity of Western sanctions on the state: 0 none, 1 comprehensive")
    blockade: Sourced = Field(description="Western closure of transit and borders: 0 open, 1 closed")
    western_engagement: Sourced = Field(description="intensity of Western diplomatic and economic engagement")
    affinity: Sourced = Field(description="ideological affinity with the bloc's 'fairer world order' narrative")
    bilateral_channels: Sourced = Field(description="access to bloc members already given by bilateral ties")


TRADE_KEYS = ("trade_west", "trade_russia", "trade_china", "trade_other_members")


class Initial(Strict):
    """A state's status at the start month."""

    status: Literal["outside", "partner", "member"] = Field(default="outside", description="status held at start")
    seeking_membership: bool = Field(default=False, description="a membership application is pending at start")
    source: str | None = Field(default=None, min_length=1, description="where the initial status comes from")


class State(Strict):
    """A deciding state: one Mesa agent."""

    region: str = Field(min_length=1, description="states sharing a region are each other's peers")
    indicators: Indicators = Field(description="the state's exposure, dependence and affinity")
    memberships: list[str] = Field(
        default_factory=list, description="organizations the state belongs to; each must be in `organizations`"
    )
    initial: Initial = Field(default_factory=Initial, description="status at the start month")


class Organization(Strict):
    """Another organization whose members already get some of what the bloc offers."""

    overlap: Given = Field(description="share of the bloc's benefits that membership here already gives")


class Member(Strict):
    """A bloc member and its say in admissions (the consensus rule)."""

    consent: Given = Field(description="probability this member consents to admitting a candidate")
    toward: dict[Name, Given] = Field(
        default_factory=dict, description="consent toward named deciding states, overriding `consent`"
    )


class Appetite(Strict):
    """How readily the bloc expands, per summit."""

    members: Given = Field(description="probability a consented applicant is invited as a member at a summit")
    partners: Given = Field(description="probability a consented candidate is invited as a partner at a summit")
    members_from_partners: Given | None = Field(
        default=None,
        description="the partner route: probability a consented partner that applies is invited as a member "
        "at a summit; null: as any applicant",
    )


class Seats(Strict):
    """At most this many invitations per summit (null: no cap), for scenarios holding the whole field
    of candidates; a scenario with a few of them leaves these null and relies on the appetite."""

    members: Annotated[float, Field(ge=0)] | None = Field(default=None, description="member invitations per summit")
    partners: Annotated[float, Field(ge=0)] | None = Field(default=None, description="partner invitations per summit")


class Bloc(Strict):
    """The bloc: members, consensus admission, the partner tier, appetite and benefits."""

    name: str = Field(default="BRICS", min_length=1, description="the bloc's name, used in output")
    members: dict[Name, Member] = Field(min_length=1, description="initial members and their consent")
    open_to_applicants: Dated | None = Field(
        default=None, description="month from which states may apply for membership; null: open from the start"
    )
    partner_tier_from: Dated | None = Field(
        default=None, description="month the partner tier appears; null if it never does"
    )
    appetite: Appetite = Field(description="readiness to invite members and partners")
    initiative: Given = Field(
        default_factory=lambda: Given(value=0.0, assumption="the bloc invites only states that showed interest"),
        description="probability a consented state that showed no interest is invited as a partner at a summit "
        "(the bloc's own initiative, as at Kazan)",
    )
    seats: Seats = Field(default_factory=Seats, description="the bloc's appetite as seats per summit")
    benefits: Given = Field(description="scale of market access, development finance and status on offer")
    invitation_memory_months: int = Field(
        default=18, ge=0, le=1200, description="months after its last show of interest that a state may be invited"
    )


Imposed = Annotated[float, Field(ge=0.0, le=1.0)]


class West(Strict):
    """The West's policy toward the bloc's joiners (per-state sanctions are state indicators).

    Its reaction rule: when a state takes up partner or member status, the West imposes
    `reaction_to_alignment` on it for `reaction_months` (docs/model.md, "Reactions of the powers")."""

    threat_against_joiners: Given = Field(description="secondary pressure threatened on states that align")
    reaction_to_alignment: Given = Field(
        default_factory=lambda: Given(value=0.0, source="no Western secondary sanctions on a state for joining "
                                      "BRICS, 2022-2025 (the July 2025 tariff was a threat, not imposed)"),
        description="secondary sanctions imposed on a state that takes up partner or member status, while they last",
    )
    reaction_months: int = Field(default=12, ge=0, le=1200, description="months a reaction to alignment lasts")
    imposed: dict[Name, Imposed] = Field(
        default_factory=dict,
        description="reaction in force against named states, for dated events that pin an observed reaction",
    )


class Russia(Strict):
    """The patron's policy and its reaction rules: a state that declines an invitation or
    withdraws from a course toward the bloc is retaliated against with `retaliation_for_refusal`
    for `retaliation_months`; before each summit, the summit's candidates are pressed with
    `pressure_before_summit` (docs/model.md, "Reactions of the powers")."""

    pressure_to_join: Given = Field(description="pressure on dependent states to align")
    retaliation_for_refusal: Given = Field(
        description="size of the retaliation a refusal triggers, scaled by the target's dependence, while it lasts"
    )
    retaliation_months: int = Field(default=12, ge=0, le=1200, description="months a retaliation lasts")
    pressure_before_summit: Given = Field(
        default_factory=lambda: Given(value=0.0, assumption="off: no measure of Russia's pressing before a summit "
                                      "was found"),
        description="pressure to align put, ahead of each summit, on the states with a pending application, interest "
        "shown, partner status or an announced invitation; it adds to pressure_to_join, scaled by dependence, while it "
        "lasts",
    )
    pressure_lead_months: int = Field(
        default=1, ge=1, le=1200, description="months before a summit's month that the pressure begins"
    )
    pressure_months: int = Field(
        default=1, ge=1, le=1200,
        description="months the pressure lasts, from the month after it begins (at least the lead, to reach the summit)",
    )
    imposed: dict[Name, Imposed] = Field(
        default_factory=dict,
        description="retaliation in force against named states, for dated events that pin an observed reaction",
    )

    @model_validator(mode="after")
    def _pressure_reaches_the_summit(self) -> Russia:
        if self.pressure_months < self.pressure_lead_months:
            raise ValueError(f"pressure_months: {self.pressure_months} would end the pressure before the summit it "
                             f"leads up to (pressure_lead_months {self.pressure_lead_months}); give at least "
                             f"{self.pressure_lead_months}")
        return self


class China(Strict):
    """China's optional policy: an inducement to align offered to candidates in proportion to their
    trade with China (docs/model.md, "Reactions of the powers"). Its say in admissions is its
    consent as a bloc member (`bloc.members.China`)."""

    inducement: Given = Field(
        default_factory=lambda: Given(value=0.0, assumption="off: China's policy is optional and no measure of an "
                                      "inducement to join the bloc was found"),
        description="economic inducement (finance, trade) China offers a state that aligns, scaled by the state's "
        "share of trade with China; it adds to the bloc's benefits",
    )


class Powers(Strict):
    """Outside powers with policies."""

    west: West
    russia: Russia
    china: China = Field(default_factory=China, description="China's optional policy (off by default)")


Weight = float | None


class Weights(Strict):
    """One weight per utility term (docs/model.md, section Submodels). A weight left out (null) takes
    the value of the preset `decision.parameters` names."""

    sanction_relief: Weight = Field(default=None, ge=0, le=100, description="nothing left to lose: sanctions and blockade")
    western_exposure: Weight = Field(default=None, ge=0, le=100, description="cost of aligning for Western exposure")
    western_threat: Weight = Field(default=None, ge=0, le=100, description="secondary threats against joiners")
    patron_pressure: Weight = Field(default=None, ge=0, le=100, description="the patron's push to align")
    refusal_retaliation: Weight = Field(default=None, ge=0, le=100, description="the patron's punishment of refusal")
    diversification: Weight = Field(default=None, ge=0, le=100, description="escape from mono-dependence on the patron")
    autonomy: Weight = Field(default=None, ge=0, le=100,
                             description="wariness of binding oneself further to the patron's bloc")
    bloc_benefits: Weight = Field(default=None, ge=0, le=100, description="market access, finance and status")
    accession_friction: Weight = Field(default=None, ge=0, le=100, description="cost of an uncertain, multi-stage accession")
    substitutes: Weight = Field(default=None, ge=0, le=100, description="access already given by other memberships")
    peer_influence: Weight = Field(default=None, ge=0, le=100, description="pull of regional peers already aligned")


Tremble = Annotated[float, Field(ge=0, le=1)]


class ThresholdRule(Strict):
    """The threshold cascade (Granovetter 1978): a state aligns once the weighted share of aligned
    states it is tied to passes its threshold (docs/model.md, "7.8 The threshold rule")."""

    location: Annotated[float, Field(gt=0, lt=1)] = Field(
        default=0.5, description="median threshold of a state with no open Western stake and no sanction pressure"
    )
    exposure: float = Field(
        default=2.0, ge=0, le=100,
        description="rise of the threshold's log-odds per unit of Western stake still open: more to lose, "
        "more aligned ties needed",
    )
    relief: float = Field(
        default=2.0, ge=0, le=100,
        description="fall of the threshold's log-odds per unit of sanction pressure: nothing left to lose",
    )
    spread: float = Field(
        default=1.0, ge=0, le=100,
        description="standard deviation of the threshold's log-odds across states and replications",
    )
    peer_weight: float = Field(
        default=1.0, ge=0, le=100,
        description="weight of the regional peers, together, against the ties of trade with the bloc and the West",
    )
    tremble: Tremble = Field(
        default=0.02, description="chance a deciding state picks among its open options at random instead"
    )


class HedgingRule(Strict):
    """Hedging (Kuik 2008): keep the returns of both sides and avoid the options that close either
    (docs/model.md, "7.9 The hedging rule")."""

    closed_below: Annotated[float, Field(ge=0, le=1)] = Field(
        default=0.1,
        description="a side counts as closed when the returns a state still has from it fall below this share",
    )
    tremble: Tremble = Field(
        default=0.02, description="chance a deciding state picks among its open options at random instead"
    )


class LandscapeRule(Strict):
    """Landscape theory of aggregation (Axelrod & Bennett 1993): the West, the bloc and the deciding
    states as actors; a state's options are valued by the energy of the configuration each leads to
    once its peers settle (docs/model.md, "7.10 The landscape rule")."""

    temperature: float = Field(
        default=0.5, gt=0, le=100,
        description="how much an energy difference counts: choice probabilities go as exp(-energy / temperature)",
    )
    west_size: float = Field(default=1.0, gt=0, le=100, description="the West's size, against a deciding state's 1")
    bloc_size: float = Field(default=1.0, gt=0, le=100, description="the bloc's size, against a deciding state's 1")
    political_ties: float = Field(
        default=1.0, ge=0, le=100,
        description="weight of political ties in a state's propensities: affinity with the bloc's narrative "
        "toward the bloc, Western engagement toward the West (trade counts 1)",
    )
    conflict: float = Field(
        default=1.0, ge=0, le=100,
        description="weight of sanction pressure, counted against a state's propensity toward the West",
    )
    peer_propensity: float = Field(default=0.1, ge=0, le=100, description="propensity between two regional peers")


class Decision(Strict):
    """How states choose: by default random utility with logit choice; or a rival rule."""

    rule: Literal["logit", "threshold", "hedging", "landscape"] = Field(
        default="logit",
        description="the choice rule: logit over the mechanisms' utilities, a threshold cascade, hedging or "
        "the landscape theory of aggregation (docs/model.md, section 7)",
    )
    threshold: ThresholdRule = Field(default_factory=ThresholdRule, description="the threshold rule's parameters")
    hedging: HedgingRule = Field(default_factory=HedgingRule, description="the hedging rule's parameters")
    landscape: LandscapeRule = Field(default_factory=LandscapeRule, description="the landscape rule's parameters")
    rationality: float = Field(default=3.0, ge=0, le=100, description="logit precision lambda; 0 chooses at random")
    parameters: Literal["estimated", "hand_set"] = Field(
        default="estimated",
        description="the preset the decision weights, the switching cost and the rates (review rate, summit "
        "multiplier) start from: `estimated`, the posterior "
        "median of the committed `alignsim estimate` draws (estimation/posterior/), or `hand_set`, the values set "
        "while the Belarus and Kazakhstan cases were built (docs/model.md, 7.6); a value written here overrides it",
    )
    switching_cost: Weight = Field(default=None, ge=0, le=100,
                                   description="utility lost by changing course, and once more by a course below "
                                               "the status held (docs/model.md, 7.2; null: the preset's)")
    review_rate_per_year: Weight = Field(
        default=None, ge=0, le=100,
        description="rate (per year) at which a state reviews its course between decision moments: the "
        "commitment parameter; a state also decides at every decision moment (null: the preset's, the "
        "posterior median for `estimated`, once a year for `hand_set`)",
    )
    summit_review_multiplier: float | None = Field(
        default=None, ge=1, le=100,
        description="how many times the review rate is in the months before a summit (`summit_review_months`): "
        "an approaching summit as a time to reconsider; 1 gives summits no such effect (null: the preset's, the "
        "posterior median for `estimated`, 1 for `hand_set`)",
    )
    summit_review_months: int = Field(
        default=3, ge=0, le=24,
        description="the months before a summit, with the summit's own, in which `summit_review_multiplier` acts",
    )
    weights: Weights = Field(default_factory=Weights, description="weight of each utility term")


SetValue = float | bool


class Event(Dated):
    """A dated change to any value of the scenario that acts month by month."""

    description: str = Field(default="", description="what happened")
    set: dict[str, SetValue] = Field(
        min_length=1, description="dotted paths to new values; a path to a sourced value sets its value"
    )
    _what = "an event"


class DataSettings(Strict):
    """How the model completes the state indicators a scenario leaves missing (docs/model.md,
    "Missing-value fill rule")."""

    fill: Literal["regional_imputation", "mean"] = Field(
        default="regional_imputation",
        description="'regional_imputation': each missing indicator, and each value marked `bound: lower` "
        "(never below its bound), is drawn from a model of the indicator by region, `imputations` times, and "
        "each replication runs on one of the completed datasets; 'mean': the mean over the scenario's other "
        "states, one value, lower bounds read as points (the rule before issue 11)",
    )
    imputations: int = Field(
        default=10, ge=1, le=1000,
        description="number of completed datasets M drawn by 'regional_imputation'; a run gives each "
        "replication one of them, drawn from its seed, and validation averages over all M",
    )
    imputation_seed: int = Field(
        default=0, ge=0, le=2**63 - 1,
        description="seed of the imputations: the same seed gives the same M completed datasets",
    )


class RunSettings(Strict):
    """Defaults for `alignsim run`; the command line overrides them."""

    seed: int = Field(default=0, ge=0, le=2**63 - 1, description="master seed of the replications")
    replications: int = Field(default=100, ge=1, le=MAX_REPLICATIONS, description="independent replications")


class Scenario(Strict):
    """A whole scenario: who decides, under which pressures, on which calendar."""

    name: Identifier = Field(
        description="short identifier; names the default output folder"
    )
    title: str = Field(default="", description="one line saying what the scenario is")
    description: str = Field(default="", description="what the scenario represents and why")
    references: list[str] = Field(default_factory=list, description="the works the scenario draws on")
    assumptions: list[str] = Field(default_factory=list, description="modelling assumptions, stated")
    calendar: Calendar = Field(description="the simulated months and the bloc's summits")
    organizations: dict[Name, Organization] = Field(
        default_factory=dict, description="other organizations, by name, and what they already give"
    )
    states: dict[Name, State] = Field(min_length=1, description="the deciding states, by name")
    bloc: Bloc = Field(description="the bloc the states may join")
    powers: Powers = Field(description="the policies of the West, of Russia and, optionally, of China")
    decision: Decision = Field(default_factory=Decision, description="decision rule and its parameters")
    events: dict[Name, Event] = Field(default_factory=dict, description="dated changes, by name")
    data: DataSettings = Field(default_factory=DataSettings, description="how missing indicators are filled")
    run: RunSettings = Field(default_factory=RunSettings, description="default seed and replications")

    _origin: dict = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        problems = reference_problems(self.model_dump())
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def origin(self) -> dict:
        """Where the scenario came from: files with their hashes, and overrides applied."""
        return dict(self._origin)


def reference_problems(data: dict) -> list[str]:
    """The cross-references between parts of a scenario that do not hold, as "path: message".

    Checked on plain data, tolerating malformed parts, so that the loader can report them in the
    same pass as the schema's own problems rather than only once those are fixed.
    """

    def mapping(value: object) -> dict:
        return value if isinstance(value, dict) else {}

    def month(value: object) -> str | None:
        try:
            return _parse_month(value)
        except ValueError:
            return None

    states, organizations = mapping(data.get("states")), mapping(data.get("organizations"))
    bloc = mapping(data.get("bloc"))
    members = mapping(bloc.get("members"))
    start = month(mapping(data.get("calendar")).get("start"))
    tier = bloc.get("partner_tier_from")
    tier_month = month(tier.get("date")) if isinstance(tier, dict) else None
    problems = []
    for state_name, state in states.items():
        state = mapping(state)
        memberships = state.get("memberships")
        for org in memberships if isinstance(memberships, list) else []:
            if isinstance(org, str) and org not in organizations:
                problems.append(
                    f"states.{state_name}.memberships: organization {org!r} is not defined under "
                    f"'organizations' (defined: {', '.join(organizations) or 'none'})"
                )
        indicators = mapping(state.get("indicators"))
        shares = [mapping(indicators.get(key)).get("value") for key in TRADE_KEYS]
        total = sum(v for v in shares if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1)
        if total > 1.0 + 1e-9:
            problems.append(
                f"states.{state_name}.indicators: trade shares sum to {total:.3f}, above 1 ({', '.join(TRADE_KEYS)})"
            )
        initial = mapping(state.get("initial"))
        status = initial.get("status", "outside")
        if status == "member" and initial.get("seeking_membership") is True:
            problems.append(f"states.{state_name}.initial: a member cannot also be seeking membership")
        if status == "partner" and start is not None and (tier is None or (tier_month is not None and tier_month > start)):
            problems.append(
                f"states.{state_name}.initial.status: 'partner' before the partner tier exists (bloc.partner_tier_from)"
            )
        if state_name in members:
            problems.append(f"states.{state_name}: is also listed in bloc.members; a state is one or the other")
    calendar = mapping(data.get("calendar"))
    summits = calendar.get("summits")
    for summit in summits if isinstance(summits, list) else []:
        summit = mapping(summit)
        summit_month = month(summit.get("date"))
        for target, offer in mapping(summit.get("invitations")).items():
            if target not in states:
                problems.append(
                    f"calendar.summits ({summit.get('name')}).invitations.{target}: no deciding state named "
                    f"{target!r} (states: {', '.join(states)})"
                )
            elif offer == "partner" and summit_month is not None and (
                    tier is None or (tier_month is not None and summit_month < tier_month)):
                problems.append(
                    f"calendar.summits ({summit.get('name')}).invitations.{target}: a partner invitation in "
                    f"{summit_month}, before the partner tier exists (bloc.partner_tier_from: "
                    f"{tier_month or 'none'})"
                )
    powers = mapping(data.get("powers"))
    for power_name in ("west", "russia"):
        for target in mapping(mapping(powers.get(power_name)).get("imposed")):
            if target not in states:
                problems.append(
                    f"powers.{power_name}.imposed.{target}: no deciding state named {target!r} "
                    f"(states: {', '.join(states)})"
                )
    for member_name, member in members.items():
        for target in mapping(mapping(member).get("toward")):
            if target not in states:
                problems.append(
                    f"bloc.members.{member_name}.toward.{target}: no deciding state named {target!r} "
                    f"(states: {', '.join(states)})"
                )
    return problems


PARTS = {"bloc": Bloc, "powers": Powers, "decision": Decision}
"""The parts of a scenario a path (a sweep's, an event's) may lie in that `validated_in_parts` validates whole."""
NAMED_PARTS = {"states": State, "organizations": Organization}
"""Those whose entries, one per name, it validates one by one."""


def validated_in_parts(base: Scenario, data: dict, paths: tuple[str, ...]) -> Scenario | None:
    """`data`, which differs from `base`'s own data at most at `paths`, as a scenario: the parts
    that hold the paths validated alone and put into `base`, and the references across parts
    checked on the whole (`reference_problems`, the only check of the whole scenario), which is
    what validating the whole gives without validating again what did not change. None when a
    path lies elsewhere or something does not validate: the whole is then validated, for its
    message."""
    parts: dict[str, set] = {}
    for path in paths:
        top, *rest = path.split(".")
        if top in PARTS:
            parts[top] = set()
        elif top in NAMED_PARTS and rest and rest[0] in getattr(base, top):
            parts.setdefault(top, set()).add(rest[0])
        else:
            return None
    try:
        changed = {top: PARTS[top].model_validate(data[top]) if top in PARTS else
                   {**getattr(base, top), **{name: NAMED_PARTS[top].model_validate(data[top][name]) for name in names}}
                   for top, names in parts.items()}
    except ValidationError:
        return None
    return None if reference_problems(data) else base.model_copy(update=changed)
