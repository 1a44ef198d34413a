"""Every figure README.md and docs/*.md state about a model run, recomputed and compared as printed.

Each claim below is a sentence or table row of a document, with a {placeholder} for each figure.
The test runs what the sentence describes (with the seed and replications it states), formats
each figure as the command prints it, and checks that the document holds the sentence with
exactly those figures; a failure prints the sentence as the document has it and as the run gives
it. The counts of the data files these runs read are checked the same way. Benchmarks
(docs/performance.md) are measurements of a machine, not of the model, and are not claims here.

When the model changes, rewrite the figures in place and review the diff (the prose around a
figure may need rewording too):

    PYTHONPATH=. python tests/test_documented_figures.py --update

Cost: about a minute and a half on a busy machine (four 200-replication runs shared with
test_documented_outcomes.py, four with the calibrated weights, two more, one calibration, one
validation with its simulation level, and three posteriors at `alignsim estimate`'s defaults: the
priors file's and its prior-sensitivity check).
"""

from __future__ import annotations

import re
import string
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

import sim
from sim.decision import TERMS
from sim.estimate import PRIORS, read_priors
from sim.inputs import compile_timeline
from sim.validate import BOOTSTRAP_DRAWS, SIMULATION_REPLICATIONS, SIMULATION_SEED, calibrate, validate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_documented_outcomes import REPLICATIONS, SEED, summary  # noqa: E402  the same cached runs

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
ROUND = SCENARIOS / "brics_2024_round.yaml"
OBSERVED = ROOT / "data" / "brics_decisions.csv"
NUMBER = r"[-+−]?\d+(?:\.\d+)?(?:-\d\d)?"


def two(x: float) -> str:
    """A share as `alignsim run` prints it."""
    return f"{x:.2f}"


def three(x: float) -> str:
    """A score as `alignsim validate` and `calibrate` print it."""
    return f"{x:.3f}"


def percent(x: float) -> str:
    return f"{100 * x:.0f}"


def signed(x: float) -> str:
    """A utility term as docs/model.md's worked example writes it: 0, or a sign and three decimals."""
    if round(x, 3) == 0:
        return "0"
    return f"{x:+.3f}".replace("-", "−")


@cache
def validation():
    return validate(sim.load_scenario(ROUND), OBSERVED)


@cache
def calibration():
    return calibrate(sim.load_scenario(ROUND), OBSERVED)


@cache
def calibrated_summary(name: str):
    """A bundled scenario run with the weights `alignsim calibrate` wrote for the round."""
    calibrated = sim.load_scenario(SCENARIOS / "brics_2024_round_calibrated.yaml").decision
    overrides = {f"decision.weights.{k}": v for k, v in calibrated.weights.model_dump().items()}
    overrides["decision.switching_cost"] = calibrated.switching_cost
    scenario = sim.with_overrides(sim.load_scenario(SCENARIOS / f"{name}.yaml"), overrides)
    return sim.run(scenario, seed=SEED, replications=REPLICATIONS).summary.set_index("state")


@cache
def kazan_epoch(name: str):
    timeline = compile_timeline(sim.load_scenario(SCENARIOS / f"{name}.yaml"))
    return timeline, timeline.epoch_at(timeline.dates.index("2024-10"))


def first_fill(name: str, state: str, indicator: str) -> float:
    timeline = compile_timeline(sim.load_scenario(SCENARIOS / f"{name}.yaml"))
    return next(v for _, s, k, v, _ in timeline.filled if (s, k) == (state, indicator))


def score_row(table, predictor: str, sample: str | None = None) -> dict[str, str]:
    rows = table[table.predictor == predictor]
    if sample is not None:
        rows = rows[rows["sample"] == sample]
    row = rows.iloc[0]
    return {"n": str(int(row.n)), "accuracy": three(row.accuracy), "log_loss": three(row.log_loss),
            "brier": three(row.brier)}


def prefixed(prefix: str, values: dict[str, str]) -> dict[str, str]:
    return {f"{prefix}_{k}": v for k, v in values.items()}


def headline():
    belarus = summary("belarus_semi_blockade").loc["Belarus"]
    return {"belarus": two(belarus.p_seeking_membership), "belarus_held": two(belarus.p_partner + belarus.p_member),
            "kazakhstan": two(summary("kazakhstan_multivector").loc["Kazakhstan"].p_seeking_membership),
            "lifted": two(summary("belarus_sanctions_lifted").loc["Belarus"].p_seeking_membership),
            "sanctioned": two(summary("kazakhstan_sanctioned").loc["Kazakhstan"].p_seeking_membership)}


def scored_counts():
    v = validation()
    y = v.predictions.observed
    return {"n": str(len(y)), "states": str(v.predictions.state.nunique()), "positive": str(int(y.sum())),
            "negative": str(int(len(y) - y.sum())), "rate": two(y.mean()), "skipped": str(len(v.skipped)),
            "disputed": str(len(v.disputed))}


def default_scores():
    table = validation().in_sample
    return {**prefixed("model", score_row(table, "model")), **prefixed("base", score_row(table, "base rate")),
            **prefixed("invitee", score_row(table, "every invitee accepts"))}


def calibration_scores():
    table = calibration().scores
    return {**prefixed("default", score_row(table, "model, scenario weights", "in")),
            **prefixed("in", score_row(table, "model, calibrated", "in")),
            **prefixed("loo", score_row(table, "model, calibrated", "leave-one-out")),
            **prefixed("base", score_row(table, "base rate", "leave-one-out")),
            **prefixed("invitee", score_row(table, "every invitee accepts", "leave-one-out"))}


def out_of_sample_margin():
    table = calibration().scores
    loo, base = (table[(table.predictor == p) & (table["sample"] == "leave-one-out")].iloc[0]
                 for p in ("model, calibrated", "base rate"))
    return {"loo_log_loss": three(loo.log_loss), "base_log_loss": three(base.log_loss),
            "loo_brier": three(loo.brier), "base_brier": three(base.brier),
            "loo_right": str(round(loo.accuracy * loo.n)), "base_right": str(round(base.accuracy * base.n)),
            "n": str(int(loo.n)), "n2": str(int(loo.n))}


PREDICTOR_TAGS = {"model": "model", "model, hand-set weights": "hand", "base rate": "base",
                  "logistic regression": "logit"}


LEVEL_SPLITS = {("decision", "leave-one-state-out"): "loso", ("decision", "time"): "time",
                ("simulation", "leave-one-state-out"): "sim"}


def out_of_sample_scores():
    values = {}
    for row in validation().scores.query("level != 'history'").itertuples():
        tag = f"{PREDICTOR_TAGS[row.predictor]}_{LEVEL_SPLITS[(row.level, row.split)]}"
        values |= {f"{tag}_n": str(int(row.n)), f"{tag}_ll": three(row.log_loss), f"{tag}_low": three(row.log_loss_low95),
                   f"{tag}_high": three(row.log_loss_high95), f"{tag}_brier": three(row.brier),
                   f"{tag}_acc": three(row.accuracy)}
    for row in validation().gains.query("level != 'history'").itertuples():
        tag = f"{PREDICTOR_TAGS[row.predictor]}_{LEVEL_SPLITS[(row.level, row.split)]}"
        values |= {f"{tag}_gain": three(row.log_loss_gain), f"{tag}_glow": three(row.gain_low95),
                   f"{tag}_ghigh": three(row.gain_high95)}
    return values


def out_of_sample_table() -> str:
    return "\n".join(f"| {predictor} | {level} | {split} | {{{p}_{s}_n}} | {{{p}_{s}_ll}} [{{{p}_{s}_low}}, "
                     f"{{{p}_{s}_high}}] | {{{p}_{s}_brier}} | {{{p}_{s}_acc}} |"
                     for (level, split), s in LEVEL_SPLITS.items() for predictor, p in PREDICTOR_TAGS.items())


def gains_table() -> str:
    return "\n".join(f"| {predictor} | {level} | {split} | {{{p}_{s}_gain}} [{{{p}_{s}_glow}}, {{{p}_{s}_ghigh}}] |"
                     for (level, split), s in LEVEL_SPLITS.items() for predictor, p in PREDICTOR_TAGS.items()
                     if predictor != "base rate")


HISTORY_SPLITS = {"leave-one-state-out": "loso", "time": "time"}
HISTORY_PREDICTORS = ("model", "model, hand-set weights", "base rate")


def history_values():
    """docs/validation.md, "The history level": its rows of scores.csv and gains.csv."""
    values = {}
    for row in validation().scores.query("level == 'history'").itertuples():
        tag = f"h{PREDICTOR_TAGS[row.predictor]}_{HISTORY_SPLITS[row.split]}"
        values |= {f"{tag}_n": str(int(row.n)), f"{tag}_ll": three(row.log_loss), f"{tag}_low": three(row.log_loss_low95),
                   f"{tag}_high": three(row.log_loss_high95)}
    for row in validation().gains.query("level == 'history'").itertuples():
        tag = f"h{PREDICTOR_TAGS[row.predictor]}_{HISTORY_SPLITS[row.split]}"
        values |= {f"{tag}_gain": three(row.log_loss_gain), f"{tag}_glow": three(row.gain_low95),
                   f"{tag}_ghigh": three(row.gain_high95)}
    return values


def history_table() -> str:
    rows = []
    for split, s in HISTORY_SPLITS.items():
        for predictor in HISTORY_PREDICTORS:
            tag = f"h{PREDICTOR_TAGS[predictor]}_{s}"
            gain = "—" if predictor == "base rate" else f"{{{tag}_gain}} [{{{tag}_glow}}, {{{tag}_ghigh}}]"
            rows.append(f"| {predictor} | {split} | {{{tag}_n}} | {{{tag}_ll}} [{{{tag}_low}}, {{{tag}_high}}] | {gain} |")
    return "\n".join(rows)


def estimate_defaults() -> dict:
    """`alignsim estimate`'s default likelihood, walkers, steps, burn-in, thinning and seed."""
    from sim.cli import _parser

    args = _parser().parse_args(["estimate", str(ROUND), "--observed", str(OBSERVED)])
    return {"likelihood": args.likelihood, "walkers": args.walkers, "steps": args.steps, "burn": args.burn,
            "thin": args.thin, "seed": args.seed}


@cache
def posterior():
    """`alignsim estimate` on the round with its default settings (docs/validation.md, "Posterior")."""
    from sim.estimate import PRIORS, estimate, read_priors

    return estimate(sim.load_scenario(ROUND), OBSERVED, read_priors(PRIORS), **estimate_defaults())


@cache
def sensitivity():
    from sim.estimate import PRIORS, prior_sensitivity, read_priors

    return prior_sensitivity(sim.load_scenario(ROUND), OBSERVED, read_priors(PRIORS), posterior(),
                             **estimate_defaults())


SCALES = {0.5: "half", 1.0: "as", 2.0: "double"}


def sensitivity_values():
    values = {}
    for row in sensitivity().itertuples():
        tag = f"{row.weight}_{SCALES[row.prior_scale]}"
        values |= {f"{tag}_median": two(row.median), f"{tag}_q05": two(row.q05), f"{tag}_q95": two(row.q95)}
    return values


def sensitivity_table() -> str:
    return "\n".join(f"| {w} | " + " | ".join(f"{{{w}_{s}_median}} [{{{w}_{s}_q05}}, {{{w}_{s}_q95}}]"
                                            for s in SCALES.values()) + " |" for w in posterior().names)


def posterior_values():
    values = {"rhat": three(posterior().summary.r_hat.max()), "ess": f"{posterior().summary.ess_bulk.min():.0f}",
              "draws": str(len(posterior().draws))}
    for row in posterior().summary.itertuples():
        values |= {f"{row.weight}_hand": two(row.hand_set), f"{row.weight}_median": two(row.median),
                   f"{row.weight}_q05": two(row.q05), f"{row.weight}_q95": two(row.q95),
                   f"{row.weight}_rhat": three(row.r_hat), f"{row.weight}_ess": f"{row.ess_bulk:.0f}"}
    return values


def posterior_table() -> str:
    return "\n".join(f"| {w} | {{{w}_hand}} | {{{w}_median}} [{{{w}_q05}}, {{{w}_q95}}] | {{{w}_rhat}} | {{{w}_ess}} |"
                     for w in posterior().names)


def simulation_setup():
    return {"n": str(len(validation().statuses)), "replications": str(SIMULATION_REPLICATIONS),
            "seed": str(SIMULATION_SEED)}


def _loadings(direction: str) -> list[tuple[str, str]]:
    """(loading, term) pairs of a direction as `sim.validate` writes it."""
    return re.findall(r"([+-]\d+\.\d\d) (\w+)", direction)


def flat_directions():
    terms = calibration().identification.terms.set_index("term").status
    return {f"{term}_{other}": loading for term in ("patron_pressure", "diversification")
            for loading, other in _loadings(terms[term])}


def flat_text() -> str:
    terms = calibration().identification.terms.set_index("term").status
    return " and ".join(" ".join(f"{{{term}_{other}}} {other}" for _, other in _loadings(terms[term]))
                        + f" (for {term.replace('_', ' ')})" for term in ("patron_pressure", "diversification")) + "."


def short_status(status: str) -> str:
    return status.split(" along ")[0]


def identification_values():
    ident = calibration().identification
    values = {}
    for row in ident.terms.itertuples():
        values |= {f"{row.term}_hand": two(row.hand_set), f"{row.term}_fitted": two(row.fitted),
                   f"{row.term}_curv": three(row.curvature)}
    for k, row in enumerate(ident.spectrum.itertuples()):
        values |= {f"e{k}": f"{row.eigenvalue:.4f}", f"e{k}_rel": f"{row.relative:.5f}"}
        values |= {f"e{k}_{term}": loading for loading, term in _loadings(row.direction)}
    return values


def identification_terms_table() -> str:
    return "\n".join(f"| {row.term} | {short_status(row.status)} | {{{row.term}_hand}} | {{{row.term}_fitted}} | "
                     f"{{{row.term}_curv}} |" for row in calibration().identification.terms.itertuples())


def spectrum_table() -> str:
    return "\n".join(f"| {{e{k}}} | {{e{k}_rel}} | "
                     + " ".join(f"{{e{k}_{term}}} {term}" for _, term in _loadings(row.direction)) + " |"
                     for k, row in enumerate(calibration().identification.spectrum.itertuples()))


def calibrated_weights():
    return {name: two(value) for name, value in calibration().weights.items()}


def calibrated_outcomes():
    belarus = calibrated_summary("belarus_semi_blockade").loc["Belarus"]
    return {"belarus": percent(belarus.p_seeking_membership),
            "belarus_held": percent(belarus.p_partner + belarus.p_member),
            "kazakhstan": percent(calibrated_summary("kazakhstan_multivector").loc["Kazakhstan"].p_seeking_membership),
            "lifted": two(calibrated_summary("belarus_sanctions_lifted").loc["Belarus"].p_seeking_membership),
            "sanctioned": two(calibrated_summary("kazakhstan_sanctioned").loc["Kazakhstan"].p_seeking_membership)}


def reliability_low():
    predictions = validation().predictions
    low = predictions[predictions.p_model < 0.25]
    return {"count": str(len(low)), "share": percent(low.observed.mean())}


def worst_out_of_sample():
    p = calibration().predictions.set_index(["state", "event"]).p_leave_one_out
    # The paragraph names each state's first scored decision, and Algeria's second (the Kazan list).
    first = {state: two(p.loc[state].iloc[0]) for state in
             ("Azerbaijan", "Uruguay", "Argentina", "Bangladesh", "Bolivia", "Armenia")}
    return {**{state.lower(): value for state, value in first.items()}, "algeria": two(p.loc["Algeria"].iloc[1])}


def disputed():
    table = validation().disputed
    accepted = table[table.reading == "accepted/applied"].set_index("state").p_model
    return {"kazakhstan": two(accepted["Kazakhstan"]), "saudi": two(accepted["Saudi Arabia"])}


def filled_in_round():
    return {"filled": str(len(sim.run(sim.load_scenario(ROUND), seed=SEED, replications=1).filled))}


def room_for_manoeuvre():
    (_, belarus), (_, kazakhstan) = kazan_epoch("belarus_semi_blockade"), kazan_epoch("kazakhstan_multivector")
    return {"belarus": three(belarus.room_for_manoeuvre[0]), "kazakhstan": three(kazakhstan.room_for_manoeuvre[0])}


def worked_example():
    values = {}
    for prefix, name in (("b", "belarus_semi_blockade"), ("k", "kazakhstan_multivector")):
        timeline, epoch = kazan_epoch(name)
        net = epoch.exogenous_net[0]
        for index, term in enumerate(TERMS):
            values[f"{prefix}_{term}"] = signed(net[index])
        values[f"{prefix}_sum"] = signed(net.sum())
    _, belarus = kazan_epoch("belarus_semi_blockade")
    values["admit"] = three(belarus.admit_member[0])
    values["friction"] = signed(-(1 - belarus.admit_member[0]))
    return values


def finer_patterns():
    belarus = summary("belarus_semi_blockade").loc["Belarus"]
    return {"member": two(belarus.p_member), "median": belarus.median_first_application,
            "applied": two(summary("kazakhstan_multivector").loc["Kazakhstan"].p_ever_applied)}


def investment_west_fills():
    return {"alone": f"{first_fill('belarus_semi_blockade', 'Belarus', 'investment_west'):.4f}",
            "eurasia": f"{first_fill('eurasia_2024', 'Belarus', 'investment_west'):.4f}"}


def data_counts():
    import pandas as pd

    from sim.inputs import INDICATORS

    decisions = pd.read_csv(OBSERVED, dtype=str)
    indicators = pd.read_csv(ROOT / "data" / "indicators.csv", dtype=str)
    kinds = indicators[indicators.indicator.isin(INDICATORS)].kind.value_counts()
    return {"decisions": str(len(decisions)), "decision_states": str(decisions.state.nunique()),
            "cells": str(int(kinds.sum())), "sourced": str(kinds.get("source", 0)),
            "coded": str(kinds.get("assumption", 0)), "missing": str(kinds.get("missing", 0))}


@dataclass(frozen=True)
class Claim:
    document: str
    text: str
    values: Callable[[], dict[str, str]]

    def pattern(self) -> re.Pattern:
        parts = []
        for literal, name, _, _ in string.Formatter().parse(self.text):
            parts.append(r"\s+".join(re.escape(word) for word in re.split(r"\s+", literal)))
            if name is not None:
                parts.append(f"(?P<{name}>{NUMBER})")
        return re.compile("".join(parts))

    def find(self, text: str) -> re.Match:
        matches = list(self.pattern().finditer(text))
        assert len(matches) == 1, (f"{self.document}: expected the sentence once, found it {len(matches)} times "
                                   f"(reworded? update the claim in {Path(__file__).name}):\n  {self.text}")
        return matches[0]


VALIDATION, MODEL = "docs/validation.md", "docs/model.md"
CLAIMS = {
    "readme_headline": Claim("README.md", "applied for (`p_seeking_membership`) is {belarus} for Belarus "
                             "({belarus_held} end as partner or member) and {kazakhstan} for Kazakhstan; lifting Belarus's sanctions "
                             "brings it to {lifted}, sanctioning Kazakhstan raises it to {sanctioned}.", headline),
    "readme_validation": Claim("README.md", "scores the model on the 2023-2025 BRICS decisions of {states} states",
                               lambda: {"states": scored_counts()["states"]}),
    "validation_decisions": Claim(VALIDATION, "`data/brics_decisions.csv`: {decisions} observed decisions of "
                                  "{decision_states} states", data_counts),
    "validation_indicators": Claim(VALIDATION, "Of {cells} values, {sourced} are sourced, {coded} coded (sanctions, "
                                   "transit and the six bundled states' coded intensities) and {missing} missing.",
                                   data_counts),
    "validation_filled": Claim(VALIDATION, "`alignsim run` and the manifest report how many ({filled} here)",
                               filled_in_round),
    "validation_not_scored": Claim(VALIDATION, "are not the state's decision and are not scored ({skipped} rows); "
                                   "disputed rows are scored separately ({disputed} readings). That leaves **{n} "
                                   "decisions of {states} states**", scored_counts),
    "validation_base_rate": Claim(VALIDATION, "The outcome is 1 for accepted or applied: {positive} of {n}.\n\n"
                                  "Baselines: the **base rate** ({positive2}/{n2} = {rate} for everyone)",
                                  lambda: {**scored_counts(), "positive2": scored_counts()["positive"],
                                           "n2": scored_counts()["n"]}),
    "validation_default_table": Claim(
        VALIDATION, "| model (default weights) | {model_n} | {model_accuracy} | {model_log_loss} | {model_brier} |\n"
        "| base rate | {base_n} | {base_accuracy} | {base_log_loss} | {base_brier} |\n"
        "| every invitee accepts | {invitee_n} | {invitee_accuracy} | {invitee_log_loss} | {invitee_brier} |",
        default_scores),
    "validation_out_of_sample": Claim(VALIDATION, out_of_sample_table(), out_of_sample_scores),
    "validation_gains": Claim(VALIDATION, gains_table(), out_of_sample_scores),
    "validation_flat": Claim(VALIDATION, flat_text(), flat_directions),
    "validation_identification": Claim(VALIDATION, identification_terms_table(), identification_values),
    "validation_spectrum": Claim(VALIDATION, spectrum_table(), identification_values),
    "validation_simulation_setup": Claim(VALIDATION, "the {n} states with no disputed decision), as the simulation "
                                         "of the whole round gives it: the share of {replications} replications "
                                         "(seed {seed})", simulation_setup),
    "validation_bootstrap": Claim(VALIDATION, "simulation level): {draws} resamples, seeded",
                                  lambda: {"draws": str(BOOTSTRAP_DRAWS)}),
    "validation_history": Claim(VALIDATION, history_table(), history_values),
    "validation_posterior_settings": Claim(VALIDATION, "emcee's ensemble ({walkers} walkers, {steps} steps, the "
                                           "first {burn} discarded, every {thin}th kept, seed {seed}: the command's "
                                           "defaults)",
                                           lambda: {k: str(v) for k, v in estimate_defaults().items()}),
    "validation_posterior": Claim(VALIDATION, posterior_table(), posterior_values),
    "validation_posterior_rhat": Claim(VALIDATION, "the largest R-hat is {rhat}, and the smallest bulk effective "
                                       "sample size {ess} (of {draws} draws kept)", posterior_values),
    "validation_prior_sensitivity": Claim(VALIDATION, sensitivity_table(), sensitivity_values),
    "validation_reliability": Claim(VALIDATION, "of the {count} decisions given under 0.25, {share}% came true",
                                    reliability_low),
    "validation_calibrated_table": Claim(
        VALIDATION,
        "| model, default weights | in | {default_n} | {default_accuracy} | {default_log_loss} | {default_brier} |\n"
        "| model, calibrated | in | {in_n} | {in_accuracy} | {in_log_loss} | {in_brier} |\n"
        "| **model, calibrated** | **leave-one-out** | {loo_n} | **{loo_accuracy}** | **{loo_log_loss}** | "
        "**{loo_brier}** |\n"
        "| base rate | leave-one-out | {base_n} | {base_accuracy} | {base_log_loss} | {base_brier} |\n"
        "| every invitee accepts | leave-one-out | {invitee_n} | {invitee_accuracy} | {invitee_log_loss} | "
        "{invitee_brier} |", calibration_scores),
    "validation_margin": Claim(VALIDATION, "on log-loss ({loo_log_loss} against {base_log_loss}) and Brier score "
                               "({loo_brier} against {base_brier}), and on accuracy ({loo_right} of {n} against "
                               "{base_right} of {n2})", out_of_sample_margin),
    "validation_negatives": Claim(VALIDATION, "rests on {n} decisions, {negative} of them negative", scored_counts),
    "validation_weights": Claim(VALIDATION, "sanction relief {sanction_relief}, Western exposure {western_exposure}, "
                                "Western threat {western_threat} (fixed), patron pressure {patron_pressure} (fixed), "
                                "refusal retaliation {refusal_retaliation} (fixed), diversification "
                                "{diversification} (fixed), autonomy {autonomy}, bloc benefits {bloc_benefits}, "
                                "accession friction {accession_friction}, substitutes {substitutes}, peer influence "
                                "{peer_influence} (fixed), switching cost {switching_cost}.", calibrated_weights),
    "validation_calibrated_outcomes": Claim(VALIDATION, "Belarus seeks membership in {belarus}% of replications and "
                                            "ends a partner or member in {belarus_held}%; Kazakhstan in {kazakhstan}%. "
                                            "The counterfactuals still move the expected way (Belarus with sanctions "
                                            "lifted {lifted}; Kazakhstan sanctioned {sanctioned}).",
                                            calibrated_outcomes),
    "validation_worst": Claim(VALIDATION, "Azerbaijan's application ({azerbaijan}: its trade and investment are "
                              "Western-heavy, yet it applied after Putin's visit), Uruguay's refusal ({uruguay} to apply",
                              worst_out_of_sample),
    "validation_worst_rest": Claim(VALIDATION, "Argentina's refusal of membership ({argentina} to accept: the refusal "
                                   "followed a change of government, which no indicator encodes), Bangladesh's and "
                                   "Bolivia's applications ({bangladesh}, {bolivia}), Armenia's non-application "
                                   "({armenia} to apply) and Algeria's silence on the Kazan list ({algeria}).",
                                   worst_out_of_sample),
    "validation_missing": Claim(VALIDATION, "**Missing indicators**: {filled} of {cells} indicator values are filled",
                                lambda: {**filled_in_round(), "cells": data_counts()["cells"]}),
    "validation_disputed": Claim(VALIDATION, "model gives Kazakhstan {kazakhstan} of accepting partnership under the "
                                 "default weights, that is, it sides with Tokayev's reading, and Saudi Arabia {saudi} "
                                 "of accepting membership", disputed),
    "validation_too_few": Claim(VALIDATION, "- {n} decisions, {negative} negative, inform seven of the twelve weights",
                                scored_counts),
    "model_room": Claim(MODEL, "In the Kazan epoch (2024-10) of the bundled single-state scenarios, R = {belarus} for "
                        "Belarus and {kazakhstan} for Kazakhstan.", room_for_manoeuvre),
    "model_worked_example": Claim(
        MODEL, "| sanction_relief | {b_sanction_relief} | {k_sanction_relief} |\n"
        "| western_exposure | {b_western_exposure} | {k_western_exposure} |\n"
        "| patron_pressure | {b_patron_pressure} | {k_patron_pressure} |\n"
        "| diversification | {b_diversification} | {k_diversification} |\n"
        "| autonomy | {b_autonomy} | {k_autonomy} |\n"
        "| bloc_benefits | {b_bloc_benefits} | {k_bloc_benefits} |\n"
        "| substitutes | {b_substitutes} | {k_substitutes} |\n"
        "| sum of exogenous terms | {b_sum} | {k_sum} |\n\n"
        "`western_threat` and `refusal_retaliation` are computed each step (they depend on the run's\n"
        "reactions): 0 at Kazan for a state no power reacts against (no threat before 2025-07).\n\n"
        "The dynamic terms come on top. For a state that holds no offer, accession friction for membership\n"
        "at Kazan is −(1 − {admit}) = {friction}.", worked_example),
    "model_finer_patterns": Claim(MODEL, "Belarus ends as a full **member** in {member} of replications, although it "
                                  "has not been admitted in reality.\n  - Its median first application is "
                                  "{median} (its letters went in May 2023).\n  - In `kazakhstan_multivector`, Kazakhstan applies at any "
                                  "time in only {applied} of replications,", finer_patterns),
    "model_fills": Claim(MODEL, "Belarus's missing `investment_west` is {alone} in `belarus_semi_blockade`",
                         investment_west_fills),
    "model_fills_eurasia": Claim(MODEL, "and {eurasia} in `eurasia_2024` (the mean over Kazakhstan",
                                 investment_west_fills),
}


def expected_and_found(claim: Claim) -> tuple[dict[str, str], dict[str, str], re.Match, str]:
    text = (ROOT / claim.document).read_text(encoding="utf-8")
    match = claim.find(text)
    expected = claim.values()
    names = match.re.groupindex
    return {k: expected[k] for k in names}, {k: match.group(k) for k in names}, match, text


@pytest.mark.parametrize("name", list(CLAIMS))
def test_the_document_states_what_the_run_gives(name):
    claim = CLAIMS[name]
    expected, found, match, _ = expected_and_found(claim)
    if expected != found:
        differences = ", ".join(f"{k}: document {found[k]}, run {expected[k]}"
                                for k in expected if expected[k] != found[k])
        pytest.fail(f"{claim.document} disagrees with the run ({differences}).\n"
                    f"document: {' '.join(match.group(0).split())}\n"
                    f"run:      {' '.join(claim.text.format(**expected).split())}\n"
                    f"update with: PYTHONPATH=. python tests/{Path(__file__).name} --update")


def test_the_comparisons_in_words_hold():
    """README.md and docs/validation.md: with its default weights the model does worse than the
    baselines; calibrated, it beats both out of sample on log-loss and Brier score."""
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert ("with its default weights the model does worse than the base rate; calibrated, it does better out of "
            "sample") in readme
    guide = " ".join((ROOT / VALIDATION).read_text(encoding="utf-8").split())
    assert "**The uncalibrated model does worse than either baseline.**" in guide
    assert "Out of sample, the calibrated model beats both baselines on log-loss" in guide
    default = validation().in_sample.set_index("predictor")
    for baseline in ("base rate", "every invitee accepts"):
        assert (default.loc["model", ["log_loss", "brier"]] > default.loc[baseline, ["log_loss", "brier"]]).all()
        assert default.loc["model", "accuracy"] < default.loc[baseline, "accuracy"]
    loo = calibration().scores.query("sample == 'leave-one-out'").set_index("predictor")
    for baseline in ("base rate", "every invitee accepts"):
        assert (loo.loc["model, calibrated", ["log_loss", "brier"]] < loo.loc[baseline, ["log_loss", "brier"]]).all()


def test_the_out_of_sample_comparisons_in_words_hold():
    """docs/validation.md, "Out of sample": what the intervals of the gains over the base rate show."""
    guide = " ".join((ROOT / VALIDATION).read_text(encoding="utf-8").split())
    for words in (("**the fitted model scores a lower log-loss than the base rate under both splits, but the "
                   "interval of its gain includes 0 under both:"),
                  "Neither is the logistic regression, whose gain's interval also includes 0 under both splits.",
                  ("Under leave-one-state-out the logistic regression scores a lower log-loss than the fitted model; "
                   "under the time split, fitted on the few decisions of 2023, it does worse than the base rate, and "
                   "the model does better than it."),
                  ("**The hand-set weights do worse than the base rate under both splits, and their gain's interval "
                   "lies below 0.**")):
        assert words in guide, words
    gains = validation().gains.set_index(["predictor", "level", "split"])
    log_loss = validation().scores.set_index(["predictor", "level", "split"]).log_loss
    for level, split in LEVEL_SPLITS:
        for predictor in ("model", "logistic regression"):
            assert gains.loc[(predictor, level, split), "gain_low95"] < 0 < gains.loc[(predictor, level, split),
                                                                                    "gain_high95"]
        assert gains.loc[("model, hand-set weights", level, split), "gain_high95"] < 0
    for split in ("leave-one-state-out", "time"):
        assert gains.loc[("model", "decision", split), "log_loss_gain"] > 0
    loso, time = ("decision", "leave-one-state-out"), ("decision", "time")
    assert log_loss[("logistic regression", *loso)] < log_loss[("model", *loso)]
    assert log_loss[("base rate", *time)] < log_loss[("logistic regression", *time)]
    assert log_loss[("model", *time)] < log_loss[("logistic regression", *time)]
    assert "**At the simulation level, no predictor does better than the base rate**" in guide
    simulation = ("simulation", "leave-one-state-out")
    for predictor in ("model", "model, hand-set weights", "logistic regression"):
        assert log_loss[(predictor, *simulation)] > log_loss[("base rate", *simulation)]
    assert ("under the fitted weights it gives Egypt and the United Arab Emirates, both members, less than a "
            "one-in-ten chance of membership") in guide
    statuses = validation().statuses.set_index("state")
    for state in ("Egypt", "United Arab Emirates"):
        assert statuses.loc[state, "observed"] == "member" and statuses.loc[state, "p_model_member"] < 0.1


def test_the_identification_in_words_holds():
    """docs/validation.md, "Identification": which weights are fixed and why, and what the spectrum shows."""
    guide = " ".join((ROOT / VALIDATION).read_text(encoding="utf-8").split())
    status = calibration().identification.terms.set_index("term").status
    for term in ("western_threat", "refusal_retaliation", "peer_influence"):
        assert f"**{term}**: no scored decision carries it" in guide
        assert status[term] == "fixed: no scored decision carries it"
    assert "**patron_pressure** and **diversification**: the likelihood is flat along a direction each dominates" in guide
    for term in ("patron_pressure", "diversification"):
        assert status[term].startswith("fixed: the likelihood is flat along")
    assert status.str.startswith("fixed").sum() == 5
    assert "No two terms of the present model enter identically" in guide
    assert not status.str.contains("enters as").any()
    assert "inform seven of the twelve weights" in guide
    spectrum = calibration().identification.spectrum
    assert ("So the decisions inform about two combinations well (the cost of asking: switching cost and "
            "accession friction)") in guide
    for row in spectrum.tail(2).itertuples():
        assert {term for _, term in _loadings(row.direction)[:2]} == {"switching_cost", "accession_friction"}
    assert (spectrum.relative.iloc[:-2] < 0.01).all()
    assert "**sanction relief, autonomy and bloc benefits trade off along the flattest direction**" in guide
    assert {term for _, term in _loadings(spectrum.direction.iloc[0])} == {"sanction_relief", "autonomy",
                                                                           "bloc_benefits"}
    assert "and Western exposure against substitutes along another" in guide
    assert any([term for _, term in _loadings(d)] == ["western_exposure", "substitutes"] for d in spectrum.direction)
    assert "Switching cost sits at its bound 0" in guide and status["switching_cost"] == "estimated, at its bound 0"


def test_the_history_level_in_words_holds():
    """docs/validation.md, "The history level": what its scores and gains show."""
    guide = " ".join((ROOT / VALIDATION).read_text(encoding="utf-8").split())
    assert ("**at the history level, neither the fitted model nor the hand-set weights does better than the base "
            "rate of transitions**, under either split.") in guide
    assert "Fitting the weights along the history does better than the hand-set weights" in guide
    assert "the fitted model's gain over the base rate has an interval that includes 0 under both splits" in guide
    assert "the hand-set weights' gain lies below 0 when each state is left out" in guide
    scores = validation().scores.query("level == 'history'").set_index(["predictor", "split"]).log_loss
    gains = validation().gains.query("level == 'history'").set_index(["predictor", "split"])
    for split in HISTORY_SPLITS:
        assert scores[("base rate", split)] < scores[("model", split)] < scores[("model, hand-set weights", split)]
        assert gains.loc[("model", split), "gain_low95"] < 0 < gains.loc[("model", split), "gain_high95"]
    assert gains.loc[("model, hand-set weights", "leave-one-state-out"), "gain_high95"] < 0
    assert ("Bangladesh's and Azerbaijan's histories get less than one chance in a thousand, under the hand-set "
            "weights and under the weights fitted without them") in guide
    history = validation().history.query("split == 'leave-one-state-out'").set_index("state")
    for state in ("Bangladesh", "Azerbaijan"):
        assert (np.exp(-history.loc[state, ["nll_model", "nll_hand_set"]].astype(float)) < 1e-3 + 1e-9).all()


def test_the_posterior_in_words_holds():
    """docs/validation.md, "Posterior": what the sampler and the posterior show."""
    guide = " ".join((ROOT / VALIDATION).read_text(encoding="utf-8").split())
    summary = posterior().summary.set_index("weight")
    assert "**The sampler has converged by the strict criterion**" in guide
    assert summary.r_hat.max() < 1.01
    assert ("the weights the likelihood is nearly flat in (patron pressure, diversification, refusal retaliation) "
            "have posteriors close to their prior (median 2.0)").lower() in guide.lower()
    for weight in ("patron_pressure", "diversification", "refusal_retaliation"):
        assert abs(summary.loc[weight, "median"] - 2.0) < 0.5
    assert ("The bloc's benefits, held near their hand-set value by calibrate's ridge, move far above it once the "
            "ridge is gone") in guide
    assert summary.loc["bloc_benefits", "q05"] > calibration().weights["bloc_benefits"]
    assert "**switching cost is well informed, and its 90% interval lies above the hand-set 0.5**" in guide
    assert summary.loc["switching_cost", "q05"] > summary.loc["switching_cost", "hand_set"] == 0.5
    assert "**Sanction relief's 90% interval lies below its hand-set 2**" in guide
    assert summary.loc["sanction_relief", "q95"] < summary.loc["sanction_relief", "hand_set"] == 2.0
    assert "only the Western threat" in guide and "That leaves eleven weights to sample" in guide
    assert [w for w in TERMS if w not in summary.index] == ["western_threat"] and len(summary) == 11
    assert ("**Only sanction relief is insensitive to the prior** (its median moves by less than a fifth between the "
            "narrowest prior and the widest); switching cost, peer influence and accession friction move least after it "
            "(their medians rise by less than 90%), and every other weight's median at least doubles, substitutes' "
            "most") in guide
    medians = sensitivity().pivot(index="weight", columns="prior_scale", values="median")
    spread = (medians[2.0] / medians[0.5]).sort_values()
    assert spread.index[0] == "sanction_relief" and abs(spread.iloc[0] - 1) < 0.2
    assert set(spread.index[1:4]) == {"switching_cost", "peer_influence", "accession_friction"}
    assert (spread.iloc[1:4] < 1.9).all() and (spread.iloc[4:] >= 2).all() and spread.index[-1] == "substitutes"
    assert "| weight | half-normal, scale 1.5 | scale 3 (the priors file) | scale 6 |" in guide
    assert {p.parameters["scale"] for p in read_priors(PRIORS).values()} == {3.0}


def test_a_changed_figure_is_caught():
    claim = CLAIMS["readme_headline"]
    _, found, match, text = expected_and_found(claim)
    wrong = "0.99" if found["lifted"] != "0.99" else "0.98"
    changed = text[:match.start("lifted")] + wrong + text[match.end("lifted"):]
    assert claim.find(changed).group("lifted") == wrong != claim.values()["lifted"]


def update() -> None:
    """Rewrite each document's figures to what the runs give, printing each change."""
    for name, claim in CLAIMS.items():
        expected, found, match, text = expected_and_found(claim)
        for key in sorted(expected, key=match.start, reverse=True):
            if expected[key] != found[key]:
                print(f"{claim.document} ({name}): {key} {found[key]} -> {expected[key]}")
                text = text[:match.start(key)] + expected[key] + text[match.end(key):]
        (ROOT / claim.document).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit(f"usage: PYTHONPATH=. python {sys.argv[0]} --update")
    update()
