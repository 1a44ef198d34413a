"""Rival decision rules on the same record (docs/rules.md).

Every rule of `sim.rules.RULES` is scored as `alignsim validate --rule` scores it: fitted on the
same training folds, on the same held-out decisions and states, with the same seeded bootstrap
resamples, so that the rules' intervals are paired. The baselines do not depend on the rule and
are reported once. Each rule's verdict is read on the cases of a verdicts file: bundled scenarios
run by the rule with the scenario's own values of its parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from . import decision as d
from .scenario import InputError, Issue, Scenario, load_scenario, with_overrides
from .scenario.loader import issues_from, read_yaml
from .scenario.schema import Strict
from .validate import (BASELINES, RIDGE, Predictor, check_splits, fit_rule, hand_set, out_of_sample, read_observed,
                       steps)

VERDICTS = Path(__file__).resolve().parents[1] / "estimation" / "verdicts.yaml"
"""The bundled verdicts file: Belarus and Kazakhstan, and the README's counterfactuals."""


class Case(Strict):
    """A state whose outcome in a scenario is a rule's verdict."""

    label: str = Field(min_length=1, description="the case's name in verdicts.csv")
    scenario: str = Field(min_length=1, description="scenario file, relative to the verdicts file")
    state: str = Field(min_length=1, description="the state whose outcome is reported")


class VerdictsFile(Strict):
    """The cases each rule is run on, and how."""

    replications: int = Field(default=200, ge=1, le=100_000, description="replications of each run")
    seed: int = Field(default=1, ge=0, le=2**63 - 1, description="master seed of each run")
    cases: list[Case] = Field(min_length=1, description="the cases, in order")


@dataclass(frozen=True)
class Verdicts:
    replications: int
    seed: int
    cases: list[tuple[str, Scenario, str]]  # (label, scenario, state)


def read_verdicts(path: str | Path) -> Verdicts:
    """A verdicts file, its scenarios loaded; a missing scenario or a state not in it is reported
    with the file and the case's key."""
    path = Path(path)
    data, lines = read_yaml(path, "a verdicts")
    try:
        spec = VerdictsFile.model_validate(data)
    except ValidationError as exc:
        raise InputError(issues_from(exc, data, lines, str(path), root=VerdictsFile)) from None
    cases, problems = [], []
    for k, case in enumerate(spec.cases):
        target = path.parent / case.scenario
        if not target.is_file():
            problems.append(Issue(str(path), f"cases.{k}.scenario", f"{target} does not exist"))
            continue
        scenario = load_scenario(target)
        if case.state not in scenario.states:
            problems.append(Issue(str(path), f"cases.{k}.state", f"{case.state!r} is not a state of {target}"))
            continue
        cases.append((case.label, scenario, case.state))
    if problems:
        raise InputError(problems)
    return Verdicts(spec.replications, spec.seed, cases)


@dataclass
class Comparison:
    scores: pd.DataFrame  # validate's SCORE_COLUMNS: each rule fitted, then the baselines once
    fitted: pd.DataFrame  # rule, parameter, hand_set, fitted (on every scored decision)
    verdicts: pd.DataFrame  # rule, case, scenario, state, p_seeking_membership, p_partner_or_member


Progress = Callable[[int, int], None]
VERDICT_COLUMNS = ("rule", "case", "scenario", "state", "p_seeking_membership", "p_partner_or_member")


def compare_rules(scenario: Scenario, observed: str | Path, rules: list[str], verdicts: Verdicts | None = None,
                  ridge: float = RIDGE, replications: int | None = None,
                  progress: Progress | None = None) -> Comparison:
    """Each of `rules` scored out of sample on the scenario's observed decisions (the simulation
    level with `replications` runs per state), its parameters fitted on all of them, and its
    verdict on each case of `verdicts` (none without)."""
    from .run import run

    scored, disputed, _ = read_observed(observed, scenario)
    if not scored:
        raise InputError(Issue(str(observed), "", "no scored observation of the scenario's states"))
    check_splits(observed, scored, disputed)
    cases = verdicts.cases if verdicts else []
    total = len(rules) * (steps(scenario, scored, disputed) + 1 + len(cases))
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    y = np.array([o.observed for o in scored])
    predictor = Predictor(scenario, scored, scored)
    scores, fitted, outcomes = [], [], []
    for rule in rules:
        held_out = out_of_sample(scenario, scored, disputed, ridge, rule, tick, replications).scores
        scores.append(held_out[held_out.predictor == rule])
        baselines = held_out[held_out.predictor.isin(BASELINES)]
        fitted.append(_parameters(rule, hand_set(scenario, rule),
                                  fit_rule(predictor, y, scenario, rule, ridge, np.arange(len(y)))))
        tick()
        for label, world, state in cases:
            summary = run(with_overrides(world, {"decision.rule": rule}), seed=verdicts.seed,
                          replications=verdicts.replications).summary.set_index("state").loc[state]
            outcomes.append((rule, label, world.name, state, summary.p_seeking_membership,
                             summary.p_partner + summary.p_member))
            tick()
    order = {(level, split): k for k, (level, split) in enumerate(dict.fromkeys(zip(baselines.level, baselines.split)))}
    table = pd.concat([*scores, baselines], ignore_index=True)
    table = table.iloc[np.argsort([order[key] for key in zip(table.level, table.split)], kind="stable")]
    return Comparison(table.reset_index(drop=True), pd.concat(fitted, ignore_index=True),
                      pd.DataFrame(outcomes, columns=VERDICT_COLUMNS))


def _parameters(rule: str, given, fitted) -> pd.DataFrame:
    """A rule's fitted parameters beside the scenario's values, one row each."""
    if rule == "logit":
        names, before, after = list(d.TERMS), list(given), list(fitted)
    else:
        before, after = (given.model_dump() if given else {}), (fitted.model_dump() if fitted else {})
        names = list(before)
        before, after = list(before.values()), list(after.values())
    return pd.DataFrame({"rule": rule, "parameter": names, "hand_set": before, "fitted": after})
