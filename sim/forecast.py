"""A forecast that can be checked: the next decisions of the bloc's partners, applicants and invitees.

The record of observed decisions (data/brics_decisions.csv) gives each state's situation at the
data cut-off: its status (the highest offer it had accepted), the application it had pending and
the invitation it had not yet answered. The model runs forward from there, with those statuses as
its start and those invitations in hand, through the next summit on the scenario's calendar and
`ANSWER_MONTHS` after it, and each question is the share of replications in which it comes true.
Every partner, pending applicant and invitee is asked what its situation makes open to it:

- a partner: will it become a member; one not seeking membership: will it apply;
- an invitee: will it accept what it was offered (membership, or partner status);
- an applicant: will it take partner status, and, for a membership application, become a member.

The same questions are resolved by the record, once it covers the resolution month, so that a
forecast file can be scored when the decisions are known (`score`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from .decision import MEMBER, OUTSIDE, PARTNER
from .inputs import Timelines, imputation_for
from .model import MODEL_VERSION
from .parameters import assign, interval, replication_worlds
from .run import replication_seeds, run_worlds
from .scenario import InputError, Issue, Scenario
from .scenario.schema import _parse_month, month_label, month_number
from .validate import CLIP, CODES, _read_rows

ANSWER_MONTHS = 6
"""A question resolves this many months after the summit's month: the Kazan invitations of 2024-10
were answered within one to three months, all but Vietnam's (2025-06, eight months; data/brics_decisions.csv)."""

QUESTIONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    # (status, membership application pending) at the resolution month -> the question came true
    "accept membership": lambda status, seeking: status == MEMBER,
    "become a member": lambda status, seeking: status == MEMBER,
    "take partner status": lambda status, seeking: status == PARTNER,
    "apply for membership": lambda status, seeking: seeking | (status == MEMBER),
}
COLUMNS = ("state", "current_status", "question", "probability", "low", "high", "interval", "summit", "summit_date",
           "resolution_date", "cutoff", "model_version", "parameter_set", "replications", "seed")
CHUNK = 500
"""Replications stepped together (sim/transition.py) between two reports of progress."""
INTERVAL = "95% Wilson interval of the share of replications (sampling only, no parameter uncertainty)"
POSTERIOR_INTERVAL = ("95% interval of the share over the replications and {draws} posterior draws (Wilson at the "
                      "effective number of replications: sampling and parameter uncertainty)")


@dataclass(frozen=True)
class Situation:
    """A state's position at a month, by the record."""

    status: int = OUTSIDE
    seeking: int = OUTSIDE  # the status a pending application asks for (PARTNER: a request of partnership)
    offer: int = OUTSIDE  # an invitation not yet answered
    disputed: bool = False  # a disputed row bears on it: its situation is not known

    def describe(self) -> str:
        words = ["outside", "partner", "member"][self.status]
        if self.seeking:
            words += ", applied for " + ("membership" if self.seeking == MEMBER else "partner status")
        if self.offer:
            words += ", invited as " + ("member" if self.offer == MEMBER else "partner")
        return words

    def questions(self) -> list[str]:
        """What the situation leaves open: nothing for a member, or a state with nothing pending."""
        if self.disputed or self.status == MEMBER:
            return []
        if self.status == PARTNER:
            return ["become a member"] + ([] if self.seeking == MEMBER else ["apply for membership"])
        asked = []
        if self.offer == MEMBER:
            asked.append("accept membership")
        if self.offer == PARTNER or self.seeking:
            asked.append("take partner status")
        if self.seeking == MEMBER and self.offer != MEMBER:
            asked.append("become a member")
        return asked


def _next_month(month: str, months: int = 1) -> str:
    return month_label(month_number(month) + months)


def read_record(path: str | Path, scenario: Scenario) -> list[dict]:
    """The rows of the observed-decisions CSV, every date of the scenario's states parsed (the bloc's
    rows too, which `sim.validate` does not score but which record offers left open)."""
    rows = _read_rows(Path(path), scenario)
    problems = []
    for row in rows:
        if row["state"] in scenario.states and row["decision"] == "bloc":
            if row["offer"] not in CODES:
                problems.append(Issue(str(path), "offer", f"unknown offer {row['offer']!r}; expected "
                                      f"{', '.join(CODES)}", row["line"]))
            for column in ("event_date", "response_date"):
                if row[column] or column == "event_date":
                    try:
                        row[column] = _parse_month(row[column])
                    except ValueError as exc:
                        problems.append(Issue(str(path), column, str(exc), row["line"]))
    if problems:
        raise InputError(problems)
    return rows


def record_end(rows: list[dict], scenario: Scenario) -> str:
    """The last month in which the record notes a decision of the scenario's states: the default data cut-off."""
    return max(row[c] for row in rows if row["state"] in scenario.states for c in ("event_date", "response_date")
               if row[c])


def _effective(row: dict) -> str:
    """The month a row changes the state's situation."""
    if row["decision"] == "application":
        return row["response_date"] or row["event_date"]
    if row["decision"] == "invitation" and row["response"] != "no_response":
        return row["response_date"] or row["event_date"]
    return row["event_date"]


def situations(rows: list[dict], scenario: Scenario, month: str) -> dict[str, Situation]:
    """Each of the scenario's states' situation at the end of `month`, by the record.

    An invitation is pending from its month until it is answered, at the response's month; a
    response without a month (`no_response`: unanswered, the invitation lapsed) counts from the
    month after the invitation, as `alignsim validate` reads it; a state that declined an
    invitation, or let it lapse, no longer seeks more than it holds. A bloc row left `pending` is an
    offer the state has not answered, unless it is the state's own application left open (it asks
    for the status the state applied for)."""
    found = {}
    for name in scenario.states:
        status = seeking = offer = OUTSIDE
        disputed = False
        for row in sorted((r for r in rows if r["state"] == name), key=_effective):
            if row["event_date"] > month:
                continue
            if row["certainty"] == "disputed":
                disputed = True
                continue
            code, response, decision = CODES[row["offer"]], row["response"], row["decision"]
            if decision == "application" and _effective(row) <= month:
                if response == "applied":
                    seeking = max(seeking, PARTNER if code == PARTNER else MEMBER)  # as sim.validate reads it
                elif response in ("withdrew", "declined"):
                    seeking = OUTSIDE
            elif decision == "invitation":
                answered = row["response_date"] or (_next_month(row["event_date"]) if response != "pending" else "")
                if not answered or answered > month:
                    offer = max(offer, code)
                elif response == "accepted":
                    status = max(status, code)
                else:  # declined or lapsed: it keeps what it holds, as sim.likelihood's path reads it
                    seeking = OUTSIDE
            elif decision == "bloc" and response == "pending" and code != seeking:
                offer = max(offer, code)
        if status == MEMBER or (status == PARTNER and seeking == PARTNER):
            seeking = OUTSIDE
        found[name] = Situation(status, seeking, offer if offer > status else OUTSIDE, disputed)
    return found


@dataclass(frozen=True)
class Target:
    """The summit forecast, and where its month comes from."""

    name: str
    date: str
    provenance: str  # the calendar's source, or GIVEN
    invitations: dict[str, str] | None = None  # the bloc's observed choice there, if the scenario gives it


GIVEN = "given with --summit"


def next_summit(scenario: Scenario, cutoff: str, summit: str | None = None) -> Target:
    """The first summit on the scenario's calendar after the cut-off. Its month must be sourced:
    where the calendar only assumes it, or has no summit left, the month must be given (`summit`)."""
    later = sorted((s for s in scenario.calendar.summits if s.date > cutoff), key=lambda s: s.date)
    upcoming = later[0] if later else None
    if summit is not None:
        try:
            summit = _parse_month(summit)
        except ValueError as exc:
            raise InputError(Issue("--summit", summit, str(exc))) from None
        if summit <= cutoff:
            raise InputError(Issue("--summit", summit, f"must be after the data cut-off {cutoff}"))
        if upcoming is not None and upcoming.source is not None and upcoming.date != summit:
            raise InputError(Issue("--summit", summit, f"the calendar's next summit after the data cut-off {cutoff}, "
                                   f"{upcoming.name}, has a sourced month ({upcoming.date}); --summit gives the month "
                                   "of a summit the calendar lacks or only assumes"))
        if upcoming is None:
            return Target("the next summit", summit, GIVEN)
        return Target(upcoming.name, summit, GIVEN, upcoming.invitations)
    if upcoming is None:
        raise InputError(Issue(scenario.name, "calendar.summits", f"no summit after the data cut-off {cutoff}; "
                               "give the next summit's month with --summit"))
    if upcoming.source is None:
        raise InputError(Issue(scenario.name, "calendar.summits", f"the next summit after the data cut-off {cutoff}, "
                               f"{upcoming.name} ({upcoming.date}), has an assumed month ({upcoming.assumption}); "
                               "give its month with --summit"))
    return Target(upcoming.name, upcoming.date, upcoming.source, upcoming.invitations)


def forecast_scenario(scenario: Scenario, start: dict[str, Situation], cutoff: str, target: Target) -> Scenario:
    """The scenario from the month after the cut-off to the resolution month, its states starting
    from `start`, with only the target summit on its calendar."""
    data = scenario.model_dump(mode="json")
    end = _next_month(target.date, ANSWER_MONTHS)
    data["calendar"].update(start=_next_month(cutoff), end=end, summits=[{
        "date": target.date, "name": target.name, "invitations": target.invitations,
        **({"assumption": "the month given with --summit"} if target.provenance == GIVEN else
           {"source": target.provenance})}])
    for name, situation in start.items():
        data["states"][name]["initial"] = {
            "status": ["outside", "partner", "member"][situation.status],
            "seeking_membership": situation.seeking == MEMBER,
            "source": f"the observed decisions at the data cut-off {cutoff}"}
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(error["msg"] for error in exc.errors())
        raise InputError(Issue(scenario.name, "", f"the record at the data cut-off {cutoff} and a calendar to {end} "
                               f"do not make a valid scenario: {problems}")) from None


@dataclass
class Forecast:
    table: pd.DataFrame  # COLUMNS: one row per state and question
    cutoff: str
    summit: Target
    resolution: str
    not_asked: dict[str, str]  # states left out of the questions, with the reason


def forecast(scenario: Scenario, observed: str | Path, cutoff: str | None = None, summit: str | None = None,
             seed: int | None = None, replications: int | None = None, posterior: str | Path | None = None,
             draws: int | None = None, progress: Callable[[int, int], None] | None = None) -> Forecast:
    """Predict every partner's, pending applicant's and invitee's next decision at the next summit.

    Each replication runs on the completed dataset its seed picks (`data.fill`), and, with a
    `posterior` folder, under one of `draws` parameter draws, as `alignsim run` does; the
    intervals then carry the weights' uncertainty too (`sim.parameters.interval`)."""
    rows = read_record(observed, scenario)
    if not any(row["state"] in scenario.states for row in rows):
        raise InputError(Issue(str(observed), "state", "no observed decision of the scenario's states"))
    if cutoff is None:
        cutoff = record_end(rows, scenario)
    else:
        try:
            cutoff = _parse_month(cutoff)
        except ValueError as exc:
            raise InputError(Issue("--cutoff", cutoff, str(exc))) from None
    if cutoff < scenario.calendar.start:
        raise InputError(Issue("--cutoff", cutoff, f"is before the scenario's calendar starts "
                               f"({scenario.calendar.start})"))
    target = next_summit(scenario, cutoff, summit)
    seed = scenario.run.seed if seed is None else seed
    replications = scenario.run.replications if replications is None else replications
    if replications < 1:
        raise InputError(Issue("--replications", str(replications), "must be at least 1"))
    assignment = None if posterior is None else assign(posterior, seed, replications, draws)

    start = situations(rows, scenario, cutoff)
    if not any(situation.questions() for situation in start.values()):
        raise InputError(Issue(str(observed), "", f"no state has a decision open at the data cut-off {cutoff} "
                               "(a partner, a pending applicant or an invitee): nothing to forecast"))
    world = forecast_scenario(scenario, start, cutoff, target)
    timelines = Timelines(world)
    worlds = replication_worlds(world, timelines, assignment)
    names = timelines.get(0).states
    offers = np.array([start[name].offer for name in names], dtype=np.int8)
    status = np.empty((replications, len(names)), dtype=np.int8)
    seeking = np.empty((replications, len(names)), dtype=bool)
    sequences = replication_seeds(seed, replications)
    for first in range(0, replications, CHUNK):
        chunk = range(first, min(first + CHUNK, replications))
        runs = [(*worlds(index, imputation_for(world, sequences[index])), sequences[index]) for index in chunk]
        for index, data in zip(chunk, run_worlds(runs, record=("status", "seeking_membership"), offers=offers)):
            status[index], seeking[index] = data["status"][-1], data["seeking_membership"][-1]
        if progress:
            progress(chunk.stop, replications)

    resolution = _next_month(target.date, ANSWER_MONTHS)
    if assignment is None:
        groups, described = np.zeros(replications, dtype=int), INTERVAL
        parameter_set = f"{scenario.name}: the scenario's decision weights"
    else:
        groups, described = assignment.groups, POSTERIOR_INTERVAL.format(draws=len(assignment.rows))
        parameter_set = (f"{len(assignment.rows)} draws of the posterior in {assignment.folder} (draws file sha256 "
                         f"{assignment.sha256[:16]})")
    table = []
    for i, name in enumerate(names):
        for question in start[name].questions():
            came_true = QUESTIONS[question](status[:, i], seeking[:, i])
            low, high = interval(came_true[:, None], groups)
            table.append({"state": name, "current_status": start[name].describe(), "question": question,
                          "probability": int(came_true.sum()) / replications, "low": float(low[0]),
                          "high": float(high[0]), "interval": described, "summit": target.name,
                          "summit_date": target.date, "resolution_date": resolution, "cutoff": cutoff,
                          "model_version": MODEL_VERSION, "parameter_set": parameter_set,
                          "replications": replications, "seed": seed})
    not_asked = {name: "its situation at the cut-off is disputed in the record"
                 for name, s in start.items() if s.disputed}
    return Forecast(pd.DataFrame(table, columns=list(COLUMNS)), cutoff, target, resolution, not_asked)


def read_forecast(path: str | Path) -> pd.DataFrame:
    """A forecast file as `forecast` writes it; every problem named with its line and column."""
    import io

    from .scenario.loader import read_input_text

    file = str(path)
    text = read_input_text(Path(path), "a CSV file")
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(Issue(file, "", f"cannot be read as CSV: {exc}")) from None
    needed = ("state", "question", "probability", "resolution_date")
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise InputError(Issue(file, "", f"missing column(s): {', '.join(missing)}", 1))
    problems = []
    for line, row in zip(range(2, len(table) + 2), table.itertuples(index=False)):
        if row.question not in QUESTIONS:
            problems.append(Issue(file, "question", f"unknown question {row.question!r}; expected "
                                  f"{', '.join(QUESTIONS)}", line))
        try:
            p = float(row.probability)
            if not 0.0 <= p <= 1.0:
                raise ValueError
        except ValueError:
            problems.append(Issue(file, "probability", f"expected a probability from 0 to 1, got {row.probability!r}",
                                  line))
        try:
            _parse_month(row.resolution_date)
        except ValueError as exc:
            problems.append(Issue(file, "resolution_date", str(exc), line))
    if problems:
        raise InputError(problems)
    if table.empty:
        raise InputError(Issue(file, "", "holds no question to score"))
    table["probability"] = table.probability.astype(float)
    table["resolution_date"] = [_parse_month(v) for v in table.resolution_date]
    return table


@dataclass
class Score:
    questions: pd.DataFrame  # each question of the forecast with its outcome (or why it is not scored)
    n: int
    log_loss: float
    brier: float


def score(table: pd.DataFrame, scenario: Scenario, observed: str | Path, forecast_file: str = "the forecast") -> Score:
    """Resolve each question of a forecast by the record at its resolution month, and score the
    forecast: mean log-loss (probabilities clipped to [CLIP, 1 - CLIP]) and Brier score."""
    rows = read_record(observed, scenario)
    if not any(row["state"] in scenario.states for row in rows):
        raise InputError(Issue(str(observed), "state", "no observed decision of the scenario's states"))
    covered = record_end(rows, scenario)
    resolution = table.resolution_date.max()
    if covered < resolution:
        raise InputError(Issue(str(observed), "response_date", f"the record's last decision ({covered}) is before "
                               f"the resolution month of {forecast_file} ({resolution}): it does not yet say what "
                               "happened; add the decisions known since"))
    outcomes, reasons = [], []
    at = {month: situations(rows, scenario, month) for month in table.resolution_date.unique()}
    for row in table.itertuples(index=False):
        situation = at[row.resolution_date].get(row.state)
        if situation is None or situation.disputed:
            outcomes.append(np.nan)
            reasons.append("not in the scenario" if situation is None else "disputed in the record")
            continue
        happened = QUESTIONS[row.question](np.array(situation.status), np.array(situation.seeking == MEMBER))
        outcomes.append(float(happened))
        reasons.append("")
    scored = table.assign(outcome=outcomes, not_scored=reasons)
    known = scored.dropna(subset=["outcome"])
    p, y = np.clip(known.probability.to_numpy(), CLIP, 1 - CLIP), known.outcome.to_numpy()
    if not len(y):
        raise InputError(Issue(forecast_file, "state", "no question of the forecast can be resolved by the record"))
    return Score(scored, len(y), float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
                 float(np.mean((known.probability.to_numpy() - y) ** 2)))
