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
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from . import decision as d
from .inputs import Timeline, compile_timeline
from .scenario import InputError, Issue, Scenario
from .scenario.loader import read_input_text
from .scenario.schema import Weights, _parse_month, month_number

COLUMNS = ("state", "event", "event_date", "decision", "offer", "response", "response_date", "source", "certainty")
POSITIVE = {"accepted", "applied"}
NEGATIVE = {"declined", "withdrew", "no_response"}
CODES = {"none": d.OUTSIDE, "partner": d.PARTNER, "member": d.MEMBER}
CLIP = 1e-3
FITTED = (*d.TERMS[:-1], "switching_cost")  # every weight; rationality stays fixed (it only rescales them)


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


def read_observed(path: str | Path, scenario: Scenario) -> tuple[list[Observation], list[Observation], list[dict]]:
    """(scored, disputed, skipped) observations of the scenario's states."""
    rows = _read_rows(Path(path), scenario)
    start, end = scenario.calendar.start, scenario.calendar.end
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
        month = row["event_date"] if invitation else (row["response_date"] or row["event_date"])
        month = min(max(month, start), end)
        if invitation and month < end:  # an invitation at a summit is answered the month after
            number = month_number(month) + 1
            month = f"{number // 12:04d}-{number % 12 + 1:02d}"
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
                                  1 if response in POSITIVE else 0, response, row["certainty"]))
    return scored, disputed, skipped


def _read_rows(path: Path, scenario: Scenario) -> list[dict]:
    """The rows of an observed-decisions CSV, every problem of the rows that are scored reported
    together, each with its line and column."""
    file = str(path)
    reader = csv.DictReader(io.StringIO(read_input_text(path, "a CSV file"), newline=""))
    try:
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(Issue(file, "", f"missing column(s): {', '.join(missing)}", 1))
        rows = [{**row, "line": reader.line_num} for row in reader]
    except csv.Error as exc:
        raise InputError(Issue(file, "", f"cannot be read as CSV: {exc}", reader.line_num)) from None
    problems = []
    for row in rows:
        line = row["line"]
        short = [c for c in COLUMNS if row[c] is None]
        if short:
            problems.append(Issue(file, short[0], f"the row has fewer fields than the header ({', '.join(short)} "
                                  "missing)", line))
            continue
        if row["state"] not in scenario.states or row["decision"] == "bloc":
            continue  # skipped, not scored
        if row["decision"] not in ("invitation", "application"):
            problems.append(Issue(file, "decision", f"unknown decision {row['decision']!r}; expected invitation, "
                                  "application or bloc", line))
        if row["offer"] not in CODES:
            problems.append(Issue(file, "offer", f"unknown offer {row['offer']!r}; expected {', '.join(CODES)}", line))
        for column in ("event_date", "response_date"):
            if row[column] or column == "event_date":
                try:
                    row[column] = _parse_month(row[column])
                except ValueError as exc:
                    problems.append(Issue(file, column, str(exc), line))
    if problems:
        raise InputError(problems)
    return rows


def _applied_before(observations: list[Observation], obs: Observation) -> bool:
    return any(o.state == obs.state and o.decision == "application" and o.observed == 1 and o.month <= obs.month
               for o in observations)


class Predictor:
    """Unweighted terms for every observation, so that predictions for any weights are cheap."""

    def __init__(self, scenario: Scenario, observations: list[Observation], history: list[Observation]):
        timeline: Timeline = compile_timeline(scenario)
        self.rationality = scenario.decision.rationality
        self.observations = observations
        self.blocks = []  # per observation: (terms (months, n_terms, 3), available (months, 3), kind, offer)
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
                term[d.TERMS.index("switching_cost")] = d.switching_cost_term(np.array([course]))[0]
                terms.append(term)
                available.append([True, bool(epoch.partner_tier or offer == d.PARTNER),
                                  bool(epoch.open_to_applicants or obs.decision == "invitation")])
            self.blocks.append((np.array(terms), np.array(available), obs.decision, obs.offer))

    def predict(self, weights: np.ndarray) -> np.ndarray:
        """P(observed = 1) for every observation, under `weights` (in `sim.decision.TERMS` order)."""
        result = np.empty(len(self.blocks))
        for k, (terms, available, kind, offer) in enumerate(self.blocks):
            utility = np.einsum("j,tjo->to", weights, terms)
            p = d.choice_probabilities(utility, self.rationality, available)
            if kind == "invitation":
                result[k] = 1.0 - p[0, d.OUTSIDE]
            else:
                hazard = p[:, d.MEMBER] + (p[:, d.PARTNER] if offer == d.PARTNER else 0.0)
                result[k] = 1.0 - np.prod(1.0 - hazard)
        return result


def scenario_weights(scenario: Scenario) -> np.ndarray:
    named = scenario.decision.weights.model_dump()
    named["switching_cost"] = scenario.decision.switching_cost
    return np.array([named[name] for name in d.TERMS])


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


@dataclass
class Validation:
    predictions: pd.DataFrame
    scores: pd.DataFrame
    disputed: pd.DataFrame
    skipped: pd.DataFrame


def validate(scenario: Scenario, observed: str | Path) -> Validation:
    scored, disputed, skipped = read_observed(observed, scenario)
    if not scored:
        raise InputError(Issue(str(observed), "", "no scored observation of the scenario's states"))
    weights = scenario_weights(scenario)
    p = Predictor(scenario, scored, scored).predict(weights)
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
        q = Predictor(scenario, disputed, scored).predict(weights)
        disputed_table = pd.DataFrame({"state": [o.state for o in disputed], "event": [o.event for o in disputed],
                                       "reading": ["accepted/applied" if o.observed else "not accepted" for o in disputed],
                                       "p_model": np.where([o.observed for o in disputed], q, 1 - q)})
    return Validation(table, pd.DataFrame(rows), disputed_table, pd.DataFrame(skipped))


@dataclass
class Calibration:
    weights: dict[str, float]
    scores: pd.DataFrame
    predictions: pd.DataFrame


def _fit(predictor: Predictor, y: np.ndarray, start: np.ndarray, prior: np.ndarray, ridge: float,
         rows: np.ndarray) -> np.ndarray:
    def loss(w: np.ndarray) -> float:
        p = np.clip(predictor.predict(w)[rows], CLIP, 1 - CLIP)
        return float(-np.mean(y[rows] * np.log(p) + (1 - y[rows]) * np.log(1 - p)) + ridge * np.sum((w - prior) ** 2))

    bounds = [(0.0, 20.0)] * len(start)
    return minimize(loss, start, method="L-BFGS-B", bounds=bounds, options={"maxiter": 200}).x


def calibrate(scenario: Scenario, observed: str | Path, ridge: float = 0.01) -> Calibration:
    """Maximum-likelihood decision weights (ridge-penalised toward the scenario's), with the
    leave-one-out log-loss of the model and of the baselines."""
    scored, _, _ = read_observed(observed, scenario)
    if len(scored) < 3:
        raise InputError(Issue(str(observed), "", "too few scored observations to calibrate"))
    y = np.array([o.observed for o in scored])
    predictor = Predictor(scenario, scored, scored)
    prior = scenario_weights(scenario)
    everything = np.arange(len(y))
    fitted = _fit(predictor, y, prior, prior, ridge, everything)
    out_of_sample = np.empty(len(y))
    for k in everything:
        w = _fit(predictor, y, fitted, prior, ridge, everything[everything != k])
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
    return Calibration(dict(zip(d.TERMS, map(float, fitted))), pd.DataFrame(rows), predictions)


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
            "Decision weights estimated by maximum likelihood (alignsim calibrate) on the observed decisions; "
            f"leave-one-out log-loss {loo.log_loss:.3f} over {int(loo.n)} decisions.",
        ],
        "decision": {"switching_cost": round(calibration.weights["switching_cost"], 6), "weights": weights},
    }
    header = f"# Written by alignsim calibrate from {scenario_path.name}; the weights are estimates, see docs/validation.md.\n"
    return header + yaml.safe_dump(body, sort_keys=False, width=100)
