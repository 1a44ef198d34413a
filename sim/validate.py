"""Historical validation and calibration against observed decisions.

Each scored observation is a yes/no decision by a state, predicted by the model's own decision
rule applied to the state's sourced situation at the time:

- an *invitation* (offered partner or member status, answered): P(accept) = 1 - P(outside), with
  the offer in hand (no accession friction for what is offered), the state outside, and its
  course "member" if it had applied before, else "outside";
- an *application* (did the state apply by a date?): the state reviews every month from the
  calendar's start; with h_t = P(choose member | outside, no offer) in month t (partner or member
  for a request of partnership), P(applied by T) = 1 - prod_{t <= T} (1 - h_t).

Peers are left out (peer share 0) and the bloc's own choices (blocked, pending) are not scored:
they are not the state's decision. Disputed observations are scored separately, each reading on
its own. Because every prediction is a smooth function of the decision weights, the weights can
be estimated by maximum likelihood, with leave-one-out cross-validation.

Out of sample, `validate` scores the fitted model next to two baselines fitted on the same
decisions (the base rate, and a logistic regression on the indicators the model reads) under two
splits: leave-one-state-out (every decision of a state predicted from the other states') and time
(fitted on the decisions up to `TIME_CUT`, predicting the later ones). Confidence intervals come
from a paired bootstrap over the predicted decisions: one seeded set of resamples per split,
shared by every predictor, so that differences between predictors are compared on the same draws.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, fields, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from threadpoolctl import threadpool_limits

from . import decision as d
from .inputs import Epoch, Timeline, Timelines, completed_indicators, imputation_count, scenario_at
from .parameters import scenario_weights, weight_overrides
from .rules import RULES, World, chance_nodes, over_chance
from .scenario import InputError, Issue, Scenario, with_overrides
from .scenario.loader import read_input_text
from .scenario.schema import Weights, _parse_month, month_number

COLUMNS = ("state", "event", "event_date", "decision", "offer", "response", "response_date", "source", "certainty")
POSITIVE = {"accepted", "applied"}
NEGATIVE = {"declined", "withdrew", "no_response"}
UNSCORED = ("pending", "blocked", "disputed")
"""Responses that are not the state's decision (data/SOURCES.md): recorded, not scored."""
RESPONSES = (*sorted(POSITIVE), *sorted(NEGATIVE), *UNSCORED)
CERTAINTIES = ("certain", "reported", "disputed")
CODES = {"none": d.OUTSIDE, "partner": d.PARTNER, "member": d.MEMBER}
CLIP = 1e-3
RIDGE = 0.01
"""Default penalty of the fit toward the scenario's weights (`alignsim calibrate --ridge`)."""
SPLITS = ("leave-one-state-out", "time")
TIME_CUT = "2023-12"
"""The time split fits on decisions made up to this month and predicts the later ones."""
BOOTSTRAP_DRAWS = 2000
CHANCE_NODES = 50
"""A rule that draws a chance per state at a replication's start (the threshold's) predicts the
mean over this many equally likely values of it (`sim.rules.chance_nodes`)."""
BOOTSTRAP_SEED = 20251231
SCORE_COLUMNS = ("predictor", "level", "split", "n", "log_loss", "brier", "accuracy", "log_loss_low95",
                 "log_loss_high95")


@dataclass(frozen=True)
class Observation:
    state: str
    event: str
    decision: str  # invitation | application
    offer: int
    month: str  # the month decided (invitation) or the horizon (application)
    observed: int  # 1 accepted or applied, 0 declined, withdrew or no answer
    response: str
    certainty: str
    unscored: tuple[str, ...] = ()  # the months the record shows this state's course unscored (disputed, the bloc's)


def read_observed(path: str | Path, scenario: Scenario) -> tuple[list[Observation], list[Observation], list[dict]]:
    """(scored, disputed, skipped) observations of the scenario's states."""
    rows = _read_rows(Path(path), scenario, within_calendar=True)
    end = scenario.calendar.end
    # The months at which the record shows something of a state it does not score: the history's
    # likelihood does not take the state to have kept its course past them (sim/likelihood.py).
    unscored: dict[str, list[str]] = {}
    for row in rows:
        if row["decision"] == "bloc" or row["certainty"] == "disputed":
            unscored.setdefault(row["state"], []).append(_decided_month(row, end))
    scored, disputed, skipped = [], [], []
    for row in rows:
        reason = None
        if row["state"] not in scenario.states:
            reason = "state not in the scenario"
        elif row["decision"] == "bloc":
            reason = "the bloc's decision, not the state's"
        if reason:
            skipped.append({"state": row["state"], "event": row["event"], "reason": reason})
            continue
        invitation = row["decision"] == "invitation"
        month = _decided_month(row, end)
        response = row["response"]
        if row["certainty"] == "disputed":
            readings = [1, 0] if response not in POSITIVE | NEGATIVE else [1 if response in POSITIVE else 0]
            for value in readings:
                if any(o.state == row["state"] and o.event == row["event"] and o.observed == value for o in disputed):
                    continue  # a reading another row of the same dispute already gives
                disputed.append(Observation(row["state"], row["event"], row["decision"], CODES[row["offer"]], month,
                                            value, response, "disputed"))
            continue
        if response not in POSITIVE | NEGATIVE:
            skipped.append({"state": row["state"], "event": row["event"], "reason": f"response {response!r} is not a decision"})
            continue
        offer = CODES[row["offer"]] if invitation else (d.PARTNER if row["offer"] == "partner" else d.MEMBER)
        scored.append(Observation(row["state"], row["event"], row["decision"], offer, month,
                                  1 if response in POSITIVE else 0, response, row["certainty"],
                                  tuple(sorted(unscored.get(row["state"], ())))))
    return scored, disputed, skipped


def _decided_month(row: dict, end: str) -> str:
    """The month a row's decision is placed at: an invitation's answer in the month after its
    summit (within the calendar), an application at its response, else its event."""
    if row["decision"] != "invitation":
        return row["response_date"] or row["event_date"]
    month = row["event_date"]
    if month < end:  # an invitation at a summit is answered the month after
        number = month_number(month) + 1
        month = f"{number // 12:04d}-{number % 12 + 1:02d}"
    return month


def check_splits(path: str | Path, scored: list[Observation], disputed: list[Observation]) -> None:
    """Refuse a record too small for the validation's splits, naming what is missing: scored
    decisions of at least two states (one is left out, the others fit), decisions on both sides of
    TIME_CUT, and two states whose status is undisputed (the simulation level)."""
    states = {o.state for o in scored}
    later = sum(o.month > TIME_CUT for o in scored)
    needs = []
    if len(states) < 2:
        needs.append(f"scored decisions of at least two states for leave-one-state-out (found {len(states)})")
    if later in (0, len(scored)):
        needs.append(f"scored decisions both up to {TIME_CUT} and after it for the time split "
                     f"(found {len(scored) - later} up to it, {later} after it)")
    if len(observed_statuses(scored, disputed)) < 2:
        needs.append("at least two states with an undisputed status for the simulation level")
    if needs:
        raise InputError([Issue(str(path), "", f"too few decisions to validate: needs {need}") for need in needs])


def _read_rows(path: Path, scenario: Scenario, within_calendar: bool = False) -> list[dict]:
    """The rows of an observed-decisions CSV, every problem of the rows that are scored reported
    together, each with its line and column; `within_calendar`: a scored or disputed decision
    dated outside the scenario's calendar is one (the simulation cannot reach it)."""
    file = str(path)
    reader = csv.DictReader(io.StringIO(read_input_text(path, "a CSV file"), newline=""))
    try:
        # Spaces around a name or a value are layout, not data (a header typed as "state, event").
        reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
        missing = [c for c in COLUMNS if c not in reader.fieldnames]
        if missing:
            raise InputError(Issue(file, "", f"missing column(s): {', '.join(missing)}", 1))
        rows = [{**{k: v.strip() if isinstance(v, str) else v for k, v in row.items()}, "line": reader.line_num}
                for row in reader]
    except csv.Error as exc:
        raise InputError(Issue(file, "", f"cannot be read as CSV: {exc}", reader.line_num)) from None
    problems, seen = [], {}
    start, end = scenario.calendar.start, scenario.calendar.end
    for row in rows:
        line = row["line"]
        short = [c for c in COLUMNS if row[c] is None]
        if short:
            problems.append(Issue(file, short[0], f"the row has fewer fields than the header ({', '.join(short)} "
                                  "missing)", line))
            continue
        if row.get(None):  # csv.DictReader's place for fields beyond the header
            problems.append(Issue(file, "", f"the row has more fields than the header ({len(row[None])} more); "
                                  "a field that holds a comma must be quoted", line))
            continue
        if row["state"] not in scenario.states or row["decision"] == "bloc":
            continue  # skipped, not scored
        if row["decision"] not in ("invitation", "application"):
            problems.append(Issue(file, "decision", f"unknown decision {row['decision']!r}; expected invitation, "
                                  "application or bloc", line))
        if row["offer"] not in CODES:
            problems.append(Issue(file, "offer", f"unknown offer {row['offer']!r}; expected {', '.join(CODES)}", line))
        if row["response"] not in RESPONSES:
            problems.append(Issue(file, "response", f"unknown response {row['response']!r}; expected "
                                  f"{', '.join(RESPONSES)} (data/SOURCES.md)", line))
        if row["certainty"] not in CERTAINTIES:
            problems.append(Issue(file, "certainty", f"unknown certainty {row['certainty']!r}; expected "
                                  f"{', '.join(CERTAINTIES)}", line))
        content = tuple(row[c] for c in COLUMNS)
        if content in seen:  # counted twice, a decision would weigh double in every score
            problems.append(Issue(file, "", f"the same row as line {seen[content]}", line))
        seen.setdefault(content, line)
        for column in ("event_date", "response_date"):
            if row[column] or column == "event_date":
                try:
                    row[column] = _parse_month(row[column])
                except ValueError as exc:
                    problems.append(Issue(file, column, str(exc), line))
                    continue
                decides = row["response"] in POSITIVE | NEGATIVE or row["certainty"] == "disputed"
                if within_calendar and decides and not start <= row[column] <= end:
                    problems.append(Issue(file, column, f"{row[column]} is outside the scenario's calendar ({start} to "
                                          f"{end}); a decision the simulation cannot reach cannot be scored", line))
    if problems:
        raise InputError(problems)
    return rows


def _applied_before(observations: list[Observation], obs: Observation) -> bool:
    return any(o.state == obs.state and o.decision == "application" and o.observed == 1 and o.month <= obs.month
               for o in observations)


class Predictor:
    """Unweighted terms for every observation, so that predictions for any weights are cheap.

    Under multiple imputation (`data.fill`) the terms are kept for each of the M completed
    datasets: `predict_each` gives every dataset's predictions, `predict` their mean, the
    probability of each decision with the missing indicators integrated out."""

    def __init__(self, scenario: Scenario, observations: list[Observation], history: list[Observation]):
        self.rationality = scenario.decision.rationality
        self.observations = observations
        self.imputations = imputation_count(scenario)
        blocks = []  # per dataset and observation: (terms (months, n_terms, 3), available (months, 3), kind, offer)
        situations = []  # per month of every observation and dataset: (epoch, state's index, course)
        timelines = Timelines(scenario)
        for imputation in range(self.imputations):
            more, where = self._blocks(timelines.get(imputation), observations, history)
            blocks += more
            situations += where
        # Every month of every observation stacked, so that one pass of the logit rule predicts all.
        lengths = [len(block[0]) for block in blocks]
        self.situations = situations
        # A rule's chance is drawn per observation and dataset, and shared by the observation's months.
        self.observation_of_month = np.repeat(np.arange(len(blocks)) % len(observations), lengths)
        self.dataset_of_month = np.repeat(np.arange(len(blocks)) // len(observations), lengths)
        self.terms = np.concatenate([block[0] for block in blocks])  # (all months, n_terms, 3)
        self._by_term = np.ascontiguousarray(self.terms.transpose(1, 0, 2))  # (n_terms, all months, 3)
        self._by_option = np.ascontiguousarray(self.terms.transpose(2, 1, 0))  # (3, n_terms, all months)
        self.available = np.concatenate([block[1] for block in blocks])
        self.starts = np.cumsum([0, *lengths[:-1]])
        self.invitation = np.array([block[2] == "invitation" for block in blocks])
        self._chances: dict[str, list] = {}
        self.partner_counts = np.repeat([block[2] != "invitation" and block[3] == d.PARTNER for block in blocks],
                                        lengths)

    @staticmethod
    def _blocks(timeline: Timeline, observations: list[Observation], history: list[Observation]) -> tuple[list, list]:
        blocks, situations = [], []
        for obs in observations:
            i = timeline.states.index(obs.state)
            last = timeline.dates.index(obs.month)
            months = [last] if obs.decision == "invitation" else list(range(last + 1))
            course = d.MEMBER if obs.decision == "invitation" and _applied_before(history, obs) else d.OUTSIDE
            offer = obs.offer if obs.decision == "invitation" else d.OUTSIDE
            terms, available = [], []
            for t in months:
                epoch = timeline.epoch_at(t)
                status = np.array([d.OUTSIDE])
                term = epoch.exogenous_terms[:, i, :].copy()
                term[d.TERMS.index("accession_friction")] = d.accession_friction_term(
                    epoch.admit_member[i:i + 1], epoch.admit_partner[i:i + 1], status, np.array([offer]))[0]
                term[d.TERMS.index("western_threat")] = epoch.threat_term[i]  # the standing threat; no reactions
                term[d.TERMS.index("peer_influence")] = 0.0
                term[d.TERMS.index("switching_cost")] = d.switching_cost_term(np.array([course]), np.array([offer]),
                                                                              status)[0]
                terms.append(term)
                available.append([True, bool(epoch.partner_tier or offer == d.PARTNER),
                                  bool(epoch.open_to_applicants or obs.decision == "invitation")])
            blocks.append((np.array(terms), np.array(available), obs.decision, obs.offer))
            situations += [(timeline.epoch_at(t), i, course) for t in months]
        return blocks, situations

    def predict_each(self, weights: np.ndarray) -> np.ndarray:
        """(M, n_observations): P(observed = 1) for every observation on each completed dataset,
        under `weights` (in `sim.decision.TERMS` order)."""
        p = d.choice_probabilities(d.utilities(self._by_term, weights), self.rationality, self.available)
        return self._observed(p[None])[0].reshape(self.imputations, -1)

    def log_loss_gradient(self, weights: np.ndarray, y: np.ndarray, rows: np.ndarray) -> tuple[float, np.ndarray]:
        """The summed log-loss of the decisions `rows` (outcomes `y`) under `weights`, and its
        gradient in the weights, in closed form: the logit's probabilities have one,
        dP(o)/dw_j = lambda P(o) (x_jo - sum_b P(b) x_jb), so a fit needs one pass per step, not
        one per weight."""
        p = d.choice_probabilities(d.utilities(self._by_term, weights), self.rationality, self.available)
        x = self._by_option  # option by option: a sum along a short last axis is slow (sim.decision)
        mean_term = x[0] * p[:, 0] + x[1] * p[:, 1] + x[2] * p[:, 2]  # (n_terms, months)
        partner = np.where(self.partner_counts, p[:, d.PARTNER], 0.0)
        survive = 1.0 - (p[:, d.MEMBER] + partner)
        hazard_slope = self.rationality * (p[:, d.MEMBER] * (x[d.MEMBER] - mean_term) + partner * (x[d.PARTNER] - mean_term))
        # dP(applied)/dw = prod(1 - h) sum_t (dh_t/dw) / (1 - h_t). A month with h_t = 1 makes
        # P(applied) 1, clipped below, where the loss is flat: its share is left at 0.
        share = np.divide(hazard_slope, survive, out=np.zeros_like(hazard_slope), where=survive > 0)
        applied = np.multiply.reduceat(survive, self.starts) * np.add.reduceat(share, self.starts, axis=1)
        first = self.starts
        declined = self.rationality * p[first, d.OUTSIDE] * (x[d.OUTSIDE][:, first] - mean_term[:, first])
        slopes = np.where(self.invitation, -declined, applied)
        slopes = slopes.reshape(len(weights), self.imputations, -1).mean(axis=1)[:, rows]
        q = self._observed(p[None])[0].reshape(self.imputations, -1).mean(axis=0)[rows]
        outcome = y[rows]
        inside = (q > CLIP) & (q < 1 - CLIP)
        dloss = np.zeros(len(q))
        dloss[inside] = (1 - outcome[inside]) / (1 - q[inside]) - outcome[inside] / q[inside]
        return float(log_losses(q, outcome).sum()), slopes @ dloss

    def _observed(self, p: np.ndarray) -> np.ndarray:
        """(draws, observations) P(observed = 1) from (draws, months, options) choice probabilities."""
        hazard = p[..., d.MEMBER] + np.where(self.partner_counts, p[..., d.PARTNER], 0.0)
        applied = 1.0 - np.multiply.reduceat(1.0 - hazard, self.starts, axis=1)
        # An invitation is one month, answered: accepted unless the state stays outside.
        return np.where(self.invitation, 1.0 - p[:, self.starts, d.OUTSIDE], applied)

    @cached_property
    def _situation(self) -> Epoch:
        """One epoch whose rows are the months predicted: each state's arrays in the epoch of that
        month, so that a rule scores every month of every observation at once. Its scalars are the
        first epoch's: a rule reads what varies by state from the rows, and availability from `available`."""
        epoch = self.situations[0][0]
        n_states = len(epoch.admit_member)
        per_state = [f.name for f in fields(Epoch) if f.name not in ("weights", "exogenous_terms")
                     and isinstance(getattr(epoch, f.name), np.ndarray) and getattr(epoch, f.name).shape[:1] == (n_states,)]
        return replace(epoch, **{name: np.array([getattr(e, name)[i] for e, i, _ in self.situations])
                                 for name in per_state})

    def _chance(self, rule: str) -> list[np.ndarray | None]:
        """The values of the rule's chance the months are scored at, each (months,): CHANCE_NODES
        in all (one per dataset when M is larger), node k paired with completed dataset k mod M
        (CHANCE_NODES // M copies of the M datasets, so that each dataset meets values spread over
        the whole distribution), one value per observation, shared by its months. [None] for a
        rule that draws nothing."""
        if rule not in self._chances:
            copies = max(1, CHANCE_NODES // self.imputations)
            draws = chance_nodes(RULES[rule], copies * self.imputations, len(self.observations))
            self._chances[rule] = draws if draws[0] is None else list(np.array(draws).reshape(
                copies, self.imputations, -1)[:, self.dataset_of_month, self.observation_of_month])
        return self._chances[rule]

    def predict_rule(self, rule: str, parameters, weights: np.ndarray) -> np.ndarray:
        """P(observed = 1) for every observation under decision rule `rule` with its `parameters`
        (the scenario's `decision.<rule>` block) and the terms' `weights`, averaged over the rule's
        draws and the completed datasets. Peers are left out for every rule, as for the logit: each
        month is tied to no state."""
        course = np.array([c for _, _, c in self.situations])
        world = World(replace(self._situation, rule=parameters), d.utilities(self._by_term, weights), self.available,
                      course, np.zeros(0), np.zeros((len(course), 0)), None, np.zeros(len(course)),
                      np.zeros(len(course), dtype=bool))
        p = over_chance(RULES[rule], world, self._chance(rule))
        return self._observed(p).mean(axis=0).reshape(self.imputations, -1).mean(axis=0)

    def predict(self, weights: np.ndarray) -> np.ndarray:
        """P(observed = 1) for every observation, averaged over the completed datasets."""
        return self.predict_each(weights).mean(axis=0)


def scores(p: np.ndarray, y: np.ndarray) -> dict:
    clipped = np.clip(p, CLIP, 1 - CLIP)
    return {
        "n": len(y),
        "accuracy": float(np.mean((p > 0.5) == (y == 1))) if len(y) else float("nan"),
        "log_loss": float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))) if len(y) else float("nan"),
        "brier": float(np.mean((p - y) ** 2)) if len(y) else float("nan"),
    }


def baselines(observations: list[Observation], y: np.ndarray, leave_one_out: bool = False) -> dict[str, np.ndarray]:
    """The base rate, and 'every invitee accepts' (the base rate for applications)."""
    if leave_one_out and len(y) > 1:
        rate = (y.sum() - y) / (len(y) - 1)
    else:
        rate = np.full(len(y), y.mean() if len(y) else 0.5)
    invitee = np.array([1 - CLIP if o.decision == "invitation" else r for o, r in zip(observations, rate)])
    return {"base rate": rate, "every invitee accepts": invitee}


def indicator_features(scenario: Scenario, observations: list[Observation]) -> np.ndarray:
    """What the logistic-regression baseline reads: each decision's state's indicators in the
    month of the decision, with missing values filled by the model's own rule (the mean over its
    completed datasets), and whether the decision answers an invitation (the model's offer in hand)."""
    at_month: dict[str, np.ndarray] = {}
    names = list(scenario.states)
    rows = []
    for obs in observations:
        if obs.month not in at_month:
            at_month[obs.month] = completed_indicators(scenario_at(scenario, obs.month)).mean(axis=0)
        rows.append([*at_month[obs.month][names.index(obs.state)], float(obs.decision == "invitation")])
    return np.array(rows)


def _logistic(features: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """scikit-learn's L2-penalised logistic regression on standardised features (C = 1): with
    thirteen features and a few dozen decisions, a handful of them negative, the unpenalised fit
    separates the classes and its coefficients run off to infinity."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if len(set(y[train])) < 2:  # nothing to regress on: the training rate is the best guess
        return np.full(len(test), y[train].mean())
    fitted = make_pipeline(StandardScaler(), LogisticRegression(C=1.0)).fit(features[train], y[train])
    return fitted.predict_proba(features[test])[:, 1]


def folds(observations: list[Observation], split: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(training rows, predicted rows) of each fold of a split."""
    rows = np.arange(len(observations))
    if split == "leave-one-state-out":
        states = list(dict.fromkeys(o.state for o in observations))
        test = [rows[[o.state == state for o in observations]] for state in states]
        return [(np.setdiff1d(rows, t), t) for t in test]
    later = np.array([o.month > TIME_CUT for o in observations])
    return [(rows[~later], rows[later])]


def log_losses(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    clipped = np.clip(p, CLIP, 1 - CLIP)
    return -(y * np.log(clipped) + (1 - y) * np.log(1 - clipped))


@dataclass
class OutOfSample:
    predictions: pd.DataFrame  # one row per split and predicted decision, one column per predictor
    scores: pd.DataFrame  # SCORE_COLUMNS
    gains: pd.DataFrame  # each predictor's log-loss gain over the base rate, with its paired interval
    statuses: pd.DataFrame  # the simulation level: each state's observed and predicted status at SIMULATED_MONTH
    history: pd.DataFrame  # the history level: each held-out state's negative log-likelihood of its history


BASELINES = {"base rate": "p_base_rate", "logistic regression": "p_logistic"}


def predictors(rule: str) -> dict[str, str]:
    """Each out-of-sample predictor's name and its column: the rule fitted, the rule with the
    scenario's values, and the baselines."""
    return {rule: "p_model", f"{rule}, hand-set": "p_hand_set", **BASELINES}


SIMULATED_MONTH = "2025-12"
"""The simulation level scores each state's status at the end of this month."""
SIMULATION_REPLICATIONS = 30
SIMULATION_SEED = 1


def _score_rows(level: str, split: str, losses: dict[str, np.ndarray], metrics: dict[str, dict],
                rng: np.random.Generator) -> tuple[list[dict], list[dict]]:
    """Score rows and gains over the base rate of one level and split, with intervals from one set
    of bootstrap resamples of the predicted items, shared by every predictor (paired)."""
    n = len(losses["base rate"])
    draws = rng.integers(0, n, size=(BOOTSTRAP_DRAWS, n))
    rows, gains = [], []
    for name, loss in losses.items():
        low, high = np.percentile(loss[draws].mean(axis=1), [2.5, 97.5])
        rows.append({"predictor": name, "level": level, "split": split, **metrics[name],
                     "log_loss_low95": low, "log_loss_high95": high})
        if name != "base rate":
            gain = losses["base rate"] - loss
            low, high = np.percentile(gain[draws].mean(axis=1), [2.5, 97.5])
            gains.append({"predictor": name, "level": level, "split": split, "n": n, "log_loss_gain": gain.mean(),
                          "gain_low95": low, "gain_high95": high})
    return rows, gains


def observed_statuses(scored: list[Observation], disputed: list[Observation]) -> dict[str, int]:
    """Each undisputed state's status at the end of SIMULATED_MONTH: the highest offer it accepted
    by then, else outside. A state with a disputed decision has no undisputed status."""
    contested = {o.state for o in disputed}
    statuses = {}
    for obs in scored:
        if obs.state in contested:
            continue
        taken = obs.decision == "invitation" and obs.observed == 1 and obs.month <= SIMULATED_MONTH
        statuses[obs.state] = max(statuses.get(obs.state, d.OUTSIDE), obs.offer if taken else d.OUTSIDE)
    return statuses


def simulated_status_shares(scenario: Scenario, rule: str, fitted, replications: int | None = None,
                            timelines: Timelines | None = None) -> np.ndarray:
    """(n_states, 3): P(status at SIMULATED_MONTH) from `replications` (SIMULATION_REPLICATIONS)
    runs by `rule` with its `fitted` parameters, each share smoothed by the Jeffreys prior (half a
    run per status), so that a status no run reached is improbable, not impossible. `timelines`,
    the scenario's, if already compiled."""
    from .run import replication_seeds, run_many

    replications = replications or SIMULATION_REPLICATIONS

    world = with_rule(scenario, rule, fitted)
    timelines = (timelines or Timelines(scenario)).under(world)
    timeline = timelines.get(0)
    step = timeline.dates.index(SIMULATED_MONTH)
    counts = np.zeros((len(timeline.states), len(d.OPTIONS)))
    seeds = replication_seeds(SIMULATION_SEED, replications)
    for data in run_many(world, seeds, [timelines.for_replication(seed) for seed in seeds], record=("status",)):
        status = data["status"][step]
        counts[np.arange(len(status)), status] += 1
    return (counts + 0.5) / (replications + 0.5 * len(d.OPTIONS))


def with_rule(scenario: Scenario, rule: str, fitted) -> Scenario:
    """The scenario deciding by `rule` with `fitted` parameters: the logit's weights (in
    `sim.decision.TERMS` order), or another rule's `decision.<rule>` block."""
    if rule == "logit":
        overrides = weight_overrides(fitted)
    else:
        overrides = {f"decision.{rule}.{name}": value for name, value in (fitted.model_dump() if fitted else {}).items()}
    return with_overrides(scenario, {"decision.rule": rule, **overrides})


def hand_set(scenario: Scenario, rule: str):
    """The hand-set values of what `fit_rule` fits: the logit's `hand_set` preset (not the
    scenario's weights, which for a bundled scenario are estimated from every decision, held-out
    ones included), or the scenario's `decision.<rule>` block."""
    if rule == "logit":
        return scenario_weights(with_overrides(scenario, {"decision.parameters": "hand_set"}))
    return getattr(scenario.decision, rule, None)


def fit_rule(predictor: Predictor, y: np.ndarray, scenario: Scenario, rule: str, ridge: float, rows: np.ndarray):
    """What `rule` leaves free, fitted by maximum likelihood on the decisions `rows`: the logit's
    weights as `estimate_weights` fits them; another rule's `FITTED` parameters by `fit_parameters`;
    a rule that declares none keeps the scenario's values."""
    start = hand_set(scenario, rule)
    if rule == "logit":
        return estimate_weights(predictor, y, start, ridge, rows)[0]
    weights = scenario_weights(scenario)
    return fit_parameters(RULES[rule], start, lambda parameters: float(
        log_losses(predictor.predict_rule(rule, parameters, weights)[rows], y[rows]).mean()))


def fit_parameters(rule, start, loss):
    """`start` (a rule's parameters) with the rule's `FITTED` parameters set, each within its bounds,
    to what minimises `loss(parameters)`, by Powell's derivative-free search from `start`: a
    deterministic rule's likelihood steps where a cut-off passes a state, so it has no gradient to
    follow. A rule that declares none keeps `start`."""
    bounds = getattr(rule, "FITTED", {})
    if not bounds:
        return start

    def objective(values: np.ndarray) -> float:
        return loss(start.model_copy(update=dict(zip(bounds, map(float, values)))))

    x0 = [min(max(getattr(start, name), low), high) for name, (low, high) in bounds.items()]
    with threadpool_limits(1):
        found = minimize(objective, x0, method="Powell", bounds=list(bounds.values()),
                         options={"xtol": 1e-2, "ftol": 1e-4, "maxfev": 400}).x
    return start.model_copy(update=dict(zip(bounds, map(float, found))))


def predict_fitted(predictor: Predictor, scenario: Scenario, rule: str, fitted) -> np.ndarray:
    """P(observed = 1) for every observation by `rule` with what `fit_rule` gave."""
    if rule == "logit":
        return predictor.predict(fitted)
    return predictor.predict_rule(rule, fitted, scenario_weights(scenario))


def _class_metrics(p: np.ndarray, observed: np.ndarray) -> dict:
    """Log-loss, Brier score (summed over the statuses) and accuracy of status probabilities."""
    rows = np.arange(len(observed))
    truth = np.zeros_like(p)
    truth[rows, observed] = 1.0
    return {"n": len(observed), "log_loss": float(-np.log(np.clip(p[rows, observed], CLIP, 1.0)).mean()),
            "brier": float(((p - truth) ** 2).sum(axis=1).mean()),
            "accuracy": float((p.argmax(axis=1) == observed).mean())}


def _status_logistic(features: np.ndarray, observed: np.ndarray, train: np.ndarray, test: np.ndarray) -> np.ndarray:
    """The multinomial form of `_logistic`, over the three statuses."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    p = np.full((len(test), len(d.OPTIONS)), CLIP)
    classes = np.unique(observed[train])
    if len(classes) < 2:
        p[:, classes[0]] = 1.0
        return p
    fitted = make_pipeline(StandardScaler(), LogisticRegression(C=1.0)).fit(features[train], observed[train])
    p[:, classes] = fitted.predict_proba(features[test])
    return p


def out_of_sample(scenario: Scenario, scored: list[Observation], disputed: list[Observation],
                  ridge: float = RIDGE, rule: str | None = None, tick=None,
                  replications: int | None = None) -> OutOfSample:
    """Every predictor fitted on each fold's training decisions and scored on its predicted ones,
    at the decision level under both splits, and at the simulation level leaving one state out
    (`replications` runs each, SIMULATION_REPLICATIONS by default). The model decides by `rule`
    (default: the scenario's); `tick()`, if given, is called after each fold and each simulated state."""
    rule = rule or scenario.decision.rule
    named = predictors(rule)
    y = np.array([o.observed for o in scored])
    predictor = Predictor(scenario, scored, scored)
    given = hand_set(scenario, rule)
    p_given = predict_fitted(predictor, scenario, rule, given)
    features = indicator_features(scenario, scored)
    tables, state_fits = [], {}
    for split in SPLITS:
        for train, test in folds(scored, split):
            fitted = fit_rule(predictor, y, scenario, rule, ridge, train)
            if split == "leave-one-state-out":
                state_fits[scored[test[0]].state] = fitted
            tables.append(pd.DataFrame({
                "split": split, "state": [scored[k].state for k in test], "event": [scored[k].event for k in test],
                "month": [scored[k].month for k in test], "observed": y[test],
                "p_model": predict_fitted(predictor, scenario, rule, fitted)[test], "p_hand_set": p_given[test],
                "p_base_rate": y[train].mean(), "p_logistic": _logistic(features, y, train, test)}))
            if tick:
                tick()
    predictions = pd.concat(tables, ignore_index=True)
    rows, gains = [], []
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    for split in SPLITS:
        part = predictions[predictions.split == split]
        observed = part.observed.to_numpy()
        losses = {name: log_losses(part[column].to_numpy(), observed) for name, column in named.items()}
        metrics = {name: scores(part[column].to_numpy(), observed) for name, column in named.items()}
        split_rows, split_gains = _score_rows("decision", split, losses, metrics, rng)
        rows += split_rows
        gains += split_gains

    # The simulation level: each undisputed state's status at SIMULATED_MONTH, simulated with the
    # rule fitted without that state's decisions, against baselines fitted on the other states.
    statuses = observed_statuses(scored, disputed)
    names = list(scenario.states)
    states = [s for s in names if s in statuses]
    observed = np.array([statuses[s] for s in states])
    world = completed_indicators(scenario_at(scenario, SIMULATED_MONTH)).mean(axis=0)[[names.index(s) for s in states]]
    compiled = Timelines(scenario)
    hand_shares = simulated_status_shares(scenario, rule, given, replications, compiled)
    p = {name: np.empty((len(states), len(d.OPTIONS))) for name in named}
    everyone = np.arange(len(states))
    for k, state in enumerate(states):
        others = everyone[everyone != k]
        p[rule][k] = simulated_status_shares(scenario, rule, state_fits[state], replications, compiled)[names.index(state)]
        p[f"{rule}, hand-set"][k] = hand_shares[names.index(state)]
        p["base rate"][k] = np.clip(np.bincount(observed[others], minlength=len(d.OPTIONS)) / len(others), CLIP, 1.0)
        p["logistic regression"][k] = _status_logistic(world, observed, others, np.array([k]))[0]
        if tick:
            tick()
    losses = {name: -np.log(np.clip(q[everyone, observed], CLIP, 1.0)) for name, q in p.items()}
    metrics = {name: _class_metrics(q, observed) for name, q in p.items()}
    split_rows, split_gains = _score_rows("simulation", "leave-one-state-out", losses, metrics, rng)
    status_table = pd.DataFrame({"state": states, "observed": [d.OPTIONS[c] for c in observed],
                                 **{f"{column}_{option}": p[name][:, j] for name, column in named.items()
                                    for j, option in enumerate(d.OPTIONS)}})
    rows, gains = rows + split_rows, gains + split_gains

    # The history level (sim/likelihood.py): each state's observed history under the dynamics. A
    # path has no single yes or no, so it has a log-loss (per state) but no Brier score or accuracy.
    from .likelihood import history_scores

    history_losses, history_table = history_scores(with_overrides(scenario, {"decision.rule": rule}), scored,
                                                   ridge, SPLITS, TIME_CUT)
    names = {"model": rule, "model, hand-set weights": f"{rule}, hand-set"}
    for split, losses in history_losses.items():
        losses = {names.get(name, name): loss for name, loss in losses.items()}
        metrics = {name: {"n": len(loss), "log_loss": float(loss.mean()), "brier": float("nan"),
                          "accuracy": float("nan")} for name, loss in losses.items()}
        split_rows, split_gains = _score_rows("history", split, losses, metrics, rng)
        rows, gains = rows + split_rows, gains + split_gains
    return OutOfSample(predictions, pd.DataFrame(rows, columns=list(SCORE_COLUMNS)), pd.DataFrame(gains),
                       status_table, history_table)


def steps(scenario: Scenario, scored: list[Observation], disputed: list[Observation]) -> int:
    """How many times `out_of_sample` ticks: its folds and its simulated states."""
    return (sum(len(folds(scored, split)) for split in SPLITS)
            + len([s for s in scenario.states if s in observed_statuses(scored, disputed)]))


@dataclass
class Validation:
    predictions: pd.DataFrame  # the scenario's weights, every scored decision
    in_sample: pd.DataFrame  # their scores next to the baselines, in sample
    scores: pd.DataFrame  # out of sample, SCORE_COLUMNS
    gains: pd.DataFrame
    out_of_sample: pd.DataFrame
    statuses: pd.DataFrame
    history: pd.DataFrame
    disputed: pd.DataFrame
    skipped: pd.DataFrame


def validate(scenario: Scenario, observed: str | Path, ridge: float = RIDGE, rule: str | None = None) -> Validation:
    """The scenario's decision rule, or `rule`, against the observed decisions: in sample with the
    scenario's values, and out of sample (`out_of_sample`)."""
    rule = rule or scenario.decision.rule
    scored, disputed, skipped = read_observed(observed, scenario)
    if not scored:
        raise InputError(Issue(str(observed), "", "no scored observation of the scenario's states"))
    check_splits(observed, scored, disputed)
    given = hand_set(scenario, rule)
    predictor = Predictor(scenario, scored, scored)
    p = predict_fitted(predictor, scenario, rule, given)
    y = np.array([o.observed for o in scored])
    table = pd.DataFrame({
        "state": [o.state for o in scored], "event": [o.event for o in scored],
        "decision": [o.decision for o in scored], "month": [o.month for o in scored],
        "response": [o.response for o in scored], "observed": y, "p_model": p,
        "p_of_observed": np.where(y == 1, p, 1 - p),
    })
    rows = [{"predictor": "model", **scores(p, y)}]
    rows += [{"predictor": name, **scores(q, y)} for name, q in baselines(scored, y).items()]
    disputed_table = pd.DataFrame(columns=["state", "event", "reading", "p_model"])
    if disputed:
        q = predict_fitted(Predictor(scenario, disputed, scored), scenario, rule, given)
        disputed_table = pd.DataFrame({"state": [o.state for o in disputed], "event": [o.event for o in disputed],
                                       "reading": ["accepted/applied" if o.observed else "not accepted" for o in disputed],
                                       "p_model": np.where([o.observed for o in disputed], q, 1 - q)})
    held_out = out_of_sample(scenario, scored, disputed, ridge, rule)
    return Validation(table, pd.DataFrame(rows), held_out.scores, held_out.gains, held_out.predictions,
                      held_out.statuses, held_out.history, disputed_table, pd.DataFrame(skipped))


def fixed_terms(predictor: Predictor) -> dict[str, str]:
    """The weights no scored decision can inform, each with the reason; the others are estimated.

    A term informs the fit only through what it adds to an option over staying outside, on the
    options open at each decision. A term that adds nothing at every decision leaves the
    likelihood flat in its weight; one that adds, at every decision, a fixed multiple of what an
    earlier term adds enters identically, so only their weighted sum is informed: the earlier
    term carries it and the later one is held at the scenario's value.
    """
    relative = (predictor.terms - predictor.terms[:, :, :1]) * predictor.available[:, None, :]
    columns = relative.transpose(1, 0, 2).reshape(len(d.TERMS), -1)
    norms = np.linalg.norm(columns, axis=1)
    fixed: dict[str, str] = {}
    for j, term in enumerate(d.TERMS):
        if norms[j] < 1e-12:
            fixed[term] = "no scored decision carries it"
            continue
        for i in range(j):
            if d.TERMS[i] not in fixed and abs(columns[i] @ columns[j]) / (norms[i] * norms[j]) > 1 - 1e-9:
                fixed[term] = f"enters as {d.TERMS[i]} does (merged into it)"
                break
    return fixed


FLAT = 1e-4
"""A direction of the weights along which the likelihood's curvature is below this share of the
largest is not informed by the decisions."""


def _free(fixed: dict[str, str]) -> np.ndarray:
    return np.array([term not in fixed for term in d.TERMS])


def hessian(predictor: Predictor, y: np.ndarray, weights: np.ndarray, free: np.ndarray, rows: np.ndarray,
            step: float = 1e-3) -> np.ndarray:
    """Hessian of the negative log-likelihood (unpenalised) of the decisions `rows`, in the free
    weights: central differences of its closed-form gradient, made symmetric."""
    index = np.flatnonzero(free)
    h = np.empty((len(index), len(index)))
    for a, i in enumerate(index):
        shifted = [weights.copy(), weights.copy()]
        shifted[0][i] += step
        shifted[1][i] -= step
        up, down = (predictor.log_loss_gradient(w, y, rows)[1][index] for w in shifted)
        h[:, a] = (up - down) / (2 * step)
    return (h + h.T) / 2


def _direction(vector: np.ndarray, names: list[str]) -> str:
    """An eigenvector as its loadings of at least 0.3, largest first and positive."""
    vector = vector * np.sign(vector[np.argmax(np.abs(vector))])
    return " ".join(f"{vector[k]:+.2f} {names[k]}" for k in np.argsort(-np.abs(vector)) if abs(vector[k]) >= 0.3)


def _fit(predictor: Predictor, y: np.ndarray, start: np.ndarray, prior: np.ndarray, ridge: float,
         rows: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Penalised maximum likelihood over the free weights; the others keep the scenario's values."""

    def loss_and_gradient(v: np.ndarray) -> tuple[float, np.ndarray]:
        w = prior.copy()
        w[free] = v
        total, gradient = predictor.log_loss_gradient(w, y, rows)
        return (total / len(rows) + ridge * float(np.sum((w - prior) ** 2)),
                gradient[free] / len(rows) + 2 * ridge * (w - prior)[free])

    bounds = [(0.0, 20.0)] * int(free.sum())
    # One BLAS thread: on problems this small, more threads only wait for each other, and on a busy
    # machine that made each optimiser step 50 times slower.
    with threadpool_limits(1):
        fitted = prior.copy()
        fitted[free] = minimize(loss_and_gradient, start[free], jac=True, method="L-BFGS-B", bounds=bounds,
                                options={"maxiter": 200}).x
        return fitted


def estimate_weights(predictor: Predictor, y: np.ndarray, prior: np.ndarray, ridge: float,
                     rows: np.ndarray) -> tuple[np.ndarray, dict[str, str]]:
    """The fitted weights on the decisions `rows`, and the weights held at the scenario's values,
    each with the reason: those `fixed_terms` finds no decision informs, then, one at a time, the
    weight that loads most on a direction along which the likelihood at the fit is flat (`FLAT`),
    refitting after each."""
    fixed = fixed_terms(predictor)
    while True:
        free = _free(fixed)
        fitted = _fit(predictor, y, prior, prior, ridge, rows, free)
        values, vectors = np.linalg.eigh(hessian(predictor, y, fitted, free, rows))
        if values[0] >= FLAT * values[-1] or free.sum() == 1:
            return fitted, fixed
        names = [term for term in d.TERMS if term not in fixed]
        weakest = names[int(np.argmax(np.abs(vectors[:, 0])))]
        fixed[weakest] = (f"the likelihood is flat along {_direction(vectors[:, 0], names)} "
                          f"(curvature {values[0] / values[-1]:.1e} of the largest)")


@dataclass
class Identification:
    terms: pd.DataFrame  # term, status, hand_set, fitted, curvature
    spectrum: pd.DataFrame  # eigenvalue, relative, direction: smallest first


def identification(predictor: Predictor, y: np.ndarray, prior: np.ndarray, fitted: np.ndarray,
                   fixed: dict[str, str]) -> Identification:
    """Which weights the decisions inform, and how well: the spectrum of the Hessian of the
    negative log-likelihood at the fit, over the estimated weights. A small eigenvalue is a
    combination of weights (its eigenvector) along which the likelihood is nearly flat."""
    free = _free(fixed)
    h = hessian(predictor, y, fitted, free, np.arange(len(y)))
    names = [term for term in d.TERMS if term not in fixed]
    curvature = dict(zip(names, np.diag(h)))
    terms = pd.DataFrame({
        "term": d.TERMS,
        "status": ["fixed: " + fixed[t] if t in fixed else
                   "estimated, at its bound 0" if f <= 1e-8 else "estimated" for t, f in zip(d.TERMS, fitted)],
        "hand_set": prior, "fitted": fitted, "curvature": [curvature.get(t, 0.0) for t in d.TERMS]})
    values, vectors = np.linalg.eigh(h)
    spectrum = pd.DataFrame({"eigenvalue": values, "relative": values / values.max(),
                             "direction": [_direction(v, names) for v in vectors.T]})
    return Identification(terms, spectrum)


@dataclass
class Calibration:
    weights: dict[str, float]
    scores: pd.DataFrame
    predictions: pd.DataFrame
    identification: Identification


def calibrate(scenario: Scenario, observed: str | Path, ridge: float = RIDGE) -> Calibration:
    """Maximum-likelihood decision weights (ridge-penalised toward the scenario's), with the
    leave-one-out log-loss of the model and of the baselines, and the identification check."""
    scored, _, _ = read_observed(observed, scenario)
    if len(scored) < 3:
        raise InputError(Issue(str(observed), "", "too few scored observations to calibrate"))
    y = np.array([o.observed for o in scored])
    predictor = Predictor(scenario, scored, scored)
    prior = scenario_weights(scenario)
    everything = np.arange(len(y))
    fitted, fixed = estimate_weights(predictor, y, prior, ridge, everything)
    out_of_sample = np.empty(len(y))
    for k in everything:
        w, _ = estimate_weights(predictor, y, prior, ridge, everything[everything != k])
        out_of_sample[k] = predictor.predict(w)[k]
    in_sample = predictor.predict(fitted)
    rows = [
        {"predictor": "model, scenario weights", "sample": "in", **scores(predictor.predict(prior), y)},
        {"predictor": "model, calibrated", "sample": "in", **scores(in_sample, y)},
        {"predictor": "model, calibrated", "sample": "leave-one-out", **scores(out_of_sample, y)},
    ]
    rows += [{"predictor": name, "sample": "leave-one-out", **scores(q, y)}
             for name, q in baselines(scored, y, leave_one_out=True).items()]
    predictions = pd.DataFrame({"state": [o.state for o in scored], "event": [o.event for o in scored],
                                "observed": y, "p_in_sample": in_sample, "p_leave_one_out": out_of_sample})
    return Calibration(dict(zip(d.TERMS, map(float, fitted))), pd.DataFrame(rows), predictions,
                       identification(predictor, y, prior, fitted, fixed))


def calibrated_scenario_text(scenario_path: Path, target: Path, calibration: Calibration, scenario: Scenario) -> str:
    """A scenario file that extends the original and sets the calibrated weights."""
    import os

    import yaml

    weights = {k: round(v, 6) for k, v in calibration.weights.items() if k in Weights.model_fields}
    loo = calibration.scores.query("predictor == 'model, calibrated' and sample == 'leave-one-out'").iloc[0]
    body = {
        "extends": os.path.relpath(scenario_path.resolve(), target.resolve().parent),
        "name": f"{scenario.name}_calibrated",
        "title": f"{scenario.title or scenario.name}, with calibrated decision weights",
        "assumptions": [
            ("Decision weights estimated by maximum likelihood (alignsim calibrate) on the observed decisions; "
             f"leave-one-out log-loss {loo.log_loss:.3f} over {int(loo.n)} decisions."),
            *[f"{row.term} is held at the original scenario's value: {row.status.removeprefix('fixed: ')}."
              for row in calibration.identification.terms.itertuples() if row.status.startswith("fixed")],
        ],
        "decision": {"switching_cost": round(calibration.weights["switching_cost"], 6), "weights": weights},
    }
    header = f"# Written by alignsim calibrate from {scenario_path.name}; the weights are estimates, see docs/validation.md.\n"
    return header + yaml.safe_dump(body, sort_keys=False, width=100)
