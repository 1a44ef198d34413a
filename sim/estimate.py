"""Bayesian estimation of the decision weights: a posterior, not a point.

The likelihood is, by default, that of the record under the simulation's own dynamics
(`sim.likelihood`: every state walked along its observed history, step by step, with the model's
decision moments, review hazard, course and reactions); `likelihood="decision"` uses the static
decision-level one of `sim.validate` instead (each observed decision's probability as a one-shot
choice at its date). The weights sampled are those the likelihood carries
(`sim.validate.fixed_terms`); the others keep the scenario's values. Under the history likelihood
the rates beside the weights (`sim.parameters.RATES`: the review rate, `decision.review_rate_per_year`,
how often a state reconsiders its course between decision moments, and its multiplier in a summit's
window, `decision.summit_review_multiplier`) are sampled with them when the priors file gives each a
prior, as the bundled one does; the decision-level likelihood depends on neither, so there they keep
the scenario's values.
Where the likelihood is flat (`alignsim calibrate` reports where), the prior speaks: the priors are
written in a YAML file, weakly informative and not centred on the hand-set values. The sampler is
emcee's ensemble with differential-evolution moves (`MOVES`), over the logarithms of the weights and
each rate over the logarithm of its excess above its lowest value (`sim.parameters.LOWEST`: a
summit's multiplier is at least 1), its walkers started in a small ball around the posterior's mode (found by L-BFGS-B), so that no
draw is spent walking in from the prior; ArviZ gives R-hat and the effective sample size,
treating each walker as a chain, on the chains thinned by `THIN`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from . import decision as d
from .parameters import HAND_SET, LOWEST, MAXIMUM, PARAMETERS, RATES, REVIEW_RATE, SUMMIT_MULTIPLIER, scenario_rate
from .scenario import InputError, Issue, Scenario
from .scenario.loader import read_yaml
from .validate import CLIP, Predictor, fixed_terms, read_observed, scenario_weights

LIKELIHOODS = ("history", "decision")
"""The likelihoods `estimate` can sample under: the record's under the dynamics, or the static one."""
START_SPREAD = 0.1
"""The walkers start this far (in log-weight, a standard deviation) around the posterior's mode."""
MOVES = (("DEMove", 0.8), ("DESnookerMove", 0.2))
"""emcee's differential-evolution moves (ter Braak 2006; ter Braak and Vrugt 2008), in these
shares: on the round's posterior they mixed faster than the default stretch move (docs/validation.md)."""
THIN = 10
"""Every THIN-th step of each walker is kept: neighbouring steps of an emcee walker are strongly
correlated, and the draws file holds what informs, not its copies."""

PRIORS = Path(__file__).resolve().parents[1] / "estimation" / "priors.yaml"
"""The bundled priors."""
DISTRIBUTIONS = {"halfnormal": ("scale",), "uniform": ("low", "high")}
"""Each distribution's parameters a priors file must give."""
OPTIONAL = {"halfnormal": {"low": 0.0}}
"""Parameters it may give, with their defaults: a half-normal may start above 0 (a summit's
multiplier, which is at least 1)."""
SENSITIVITY = (0.5, 2.0)
"""The prior-sensitivity check reruns the sampler with every prior's spread scaled by these factors."""


@dataclass(frozen=True)
class Prior:
    distribution: str
    parameters: dict[str, float]

    @property
    def low(self) -> float:
        """The lowest value it allows."""
        return self.parameters.get("low", 0.0)

    def log_density(self, x: float) -> float:
        if not self.low <= x <= MAXIMUM:  # beyond the schema's maximum no draw could be run
            return -np.inf
        if self.distribution == "halfnormal":
            return -0.5 * ((x - self.low) / self.parameters["scale"]) ** 2
        return 0.0 if x <= self.parameters["high"] else -np.inf

    def median(self) -> float:
        if self.distribution == "halfnormal":
            return self.low + 0.6745 * self.parameters["scale"]
        return (self.parameters["low"] + self.parameters["high"]) / 2

    def describe(self) -> str:
        return f"{self.distribution}({', '.join(f'{k}={v:g}' for k, v in self.parameters.items())})"

    def widened(self, factor: float) -> Prior:
        """The same prior with its spread scaled by `factor` (a half-normal's scale, a uniform's width)."""
        if self.distribution == "halfnormal":
            return Prior("halfnormal", self.parameters | {"scale": self.parameters["scale"] * factor})
        low, high = self.parameters["low"], self.parameters["high"]
        return Prior("uniform", {"low": low, "high": low + (high - low) * factor})


def read_priors(path: str | Path) -> dict[str, Prior]:
    """One prior per weight of `sim.decision.TERMS`: `default`, overridden under `weights`; and each
    rate's of `sim.parameters.RATES` the file gives one under its name (then it is sampled); every
    problem reported together, with the file and the key."""
    path = Path(path)
    file = str(path)
    data, _ = read_yaml(path, "a priors")
    keys = ("default", "weights", *RATES)
    if not isinstance(data, dict):
        raise InputError(Issue(file, "", f"expected a mapping with the keys {', '.join(keys)}"))
    problems = [Issue(file, key, f"unknown key; expected {', '.join(keys)}") for key in data if key not in keys]
    weights = data.get("weights") or {}
    if not isinstance(weights, dict):
        problems.append(Issue(file, "weights", "expected a mapping from weight names to priors"))
        weights = {}
    problems += [Issue(file, f"weights.{name}", f"unknown weight; expected one of {', '.join(d.TERMS)}")
                 for name in weights if name not in d.TERMS]
    priors = {}
    for name in d.TERMS:
        key = f"weights.{name}" if name in weights else "default"
        spec = weights.get(name, data.get("default"))
        prior, issues = _prior(spec, file, key)
        problems += [issue for issue in issues if issue not in problems]
        priors[name] = prior
    for name in RATES:
        if name in data:
            prior, issues = _prior(data[name], file, name)
            if prior is not None and prior.low < LOWEST.get(name, 0.0):
                issues.append(Issue(file, f"{name}.low", f"the prior allows values below {LOWEST[name]:g}, which "
                                    f"{name} cannot take; give low: {LOWEST[name]:g} or more"))
            problems += issues
            priors[name] = None if issues else prior
    if problems:
        raise InputError(problems)
    return priors


def _prior(spec, file: str, key: str) -> tuple[Prior | None, list[Issue]]:
    if not isinstance(spec, dict) or "distribution" not in spec:
        return None, [Issue(file, key, "expected a prior: distribution and its parameters")]
    kind = spec["distribution"]
    if kind not in DISTRIBUTIONS:
        return None, [Issue(file, f"{key}.distribution", f"unknown distribution {kind!r}; expected "
                            f"{', '.join(DISTRIBUTIONS)}")]
    issues, parameters = [], {}
    known = (*DISTRIBUTIONS[kind], *OPTIONAL.get(kind, {}))
    for name in spec:
        if name != "distribution" and name not in known:
            issues.append(Issue(file, f"{key}.{name}", f"not a parameter of {kind}; expected "
                                f"{', '.join(known)}"))
    for name in known:
        if name not in DISTRIBUTIONS[kind] and name not in spec:
            continue
        value = spec.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
            issues.append(Issue(file, f"{key}.{name}", f"expected a number, got {value!r}"))
        else:
            parameters[name] = float(value)
    if not issues and kind == "halfnormal" and parameters["scale"] <= 0:
        issues.append(Issue(file, f"{key}.scale", "must be greater than 0"))
    if not issues and kind == "halfnormal" and parameters.get("low", 0.0) < 0:
        issues.append(Issue(file, f"{key}.low", "must be at least 0 (weights and rates are not negative)"))
    if not issues and kind == "uniform" and not 0 <= parameters["low"] < parameters["high"] <= MAXIMUM:
        issues.append(Issue(file, f"{key}.low", f"expected 0 <= low < high <= {MAXIMUM:g} (weights and rates are "
                            "not negative, and a scenario takes none above the maximum)"))
    return (None if issues else Prior(kind, parameters)), issues


@dataclass
class Posterior:
    names: list[str]  # the sampled parameters: weights, then the rates sampled
    draws: pd.DataFrame  # walker, draw, one column per parameter of PARAMETERS (fixed ones constant), after burn-in
    summary: pd.DataFrame  # per sampled parameter: prior, mean, sd, quantiles, R-hat, ESS


def log_likelihood_function(scenario: Scenario, scored: list, likelihood: str):
    """(the function of the weights giving the record's log-likelihood, what carries each weight:
    an object with the `terms` and `available` that `fixed_terms` reads)."""
    if likelihood == "history":
        from .likelihood import HistoryLikelihood

        history = HistoryLikelihood(scenario, scored)
        return history.log_likelihood, history
    y = np.array([o.observed for o in scored])
    predictor = Predictor(scenario, scored, scored)

    def static(w: np.ndarray) -> float:
        p = np.clip(predictor.predict(w), CLIP, 1 - CLIP)
        return float(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))

    return static, predictor


def posterior_mode(log_posteriors, start: np.ndarray) -> np.ndarray:
    """The point that maximises `log_posteriors` (of a (1, n) array), by L-BFGS-B from `start`."""
    from scipy.optimize import minimize

    def loss(v: np.ndarray) -> float:
        value = log_posteriors(v[None, :])[0]
        return -value if np.isfinite(value) else 1e300

    return minimize(loss, start, method="L-BFGS-B", options={"maxiter": 1000}).x


def estimate(scenario: Scenario, observed: str | Path, priors: dict[str, Prior], walkers: int, steps: int,
             burn: int, seed: int, progress: bool = False, likelihood: str = "history",
             thin: int = THIN) -> Posterior:
    """Sample the posterior of the decision weights the likelihood carries (and of the rates,
    under the history likelihood, that `priors` has one for)."""
    import emcee

    if likelihood not in LIKELIHOODS:
        raise InputError(Issue("--likelihood", likelihood, f"expected one of {', '.join(LIKELIHOODS)}"))
    scored, _, _ = read_observed(observed, scenario)
    if len(scored) < 3:
        raise InputError(Issue(str(observed), "", "too few scored observations to estimate"))
    log_likelihood, carriers = log_likelihood_function(scenario, scored, likelihood)
    fixed = fixed_terms(carriers)
    free = np.array([term not in fixed for term in d.TERMS])
    rates = [name for name in RATES if likelihood == "history" and name in priors]
    names = [term for term in d.TERMS if term not in fixed] + rates
    n_free = int(free.sum())
    floor = np.array([LOWEST.get(name, 0.0) for name in names])
    base = scenario_weights(scenario)
    if walkers < 2 * len(names):
        raise InputError(Issue("--walkers", str(walkers), f"at least twice the {len(names)} sampled parameters"))
    if not 0 <= burn < steps:
        raise InputError(Issue("--burn", str(burn), f"must be at least 0 and below --steps ({steps})"))
    if not 1 <= thin <= steps - burn:
        raise InputError(Issue("--thin", str(thin), f"must be at least 1 and at most --steps - --burn ({steps - burn})"))

    def log_posteriors(logs: np.ndarray) -> np.ndarray:
        """Every walker at once (the history likelihood weighs them all in one pass per step), on
        the log scale of each parameter's excess above its lowest value: x = floor + exp(u), whose
        Jacobian adds u. On that scale a weight whose posterior piles up against 0 (a multiplier
        against 1) is a long tail, not a wall the walkers bump into."""
        ensemble = floor + np.exp(logs)
        prior = np.array([sum(priors[name].log_density(x) for name, x in zip(names, v)) for v in ensemble])
        inside = np.isfinite(prior)
        out = np.full(len(ensemble), -np.inf)
        if inside.any():
            w = np.tile(base, (int(inside.sum()), 1))
            w[:, free] = ensemble[inside, :n_free]
            if likelihood == "decision":
                value = np.array([log_likelihood(row) for row in w])
            else:
                drawn = {name: ensemble[inside, n_free + k] for k, name in enumerate(rates)}
                value = log_likelihood(w, drawn.get(REVIEW_RATE), drawn.get(SUMMIT_MULTIPLIER))
            out[inside] = prior[inside] + logs[inside].sum(axis=1) + value
        return out

    rng = np.random.default_rng(seed)
    with threadpool_limits(1):  # on problems this small, more threads only wait for each other
        mode = posterior_mode(log_posteriors, np.log([priors[name].median() for name in names] - floor))
        # A ball around the mode, a tenth of a unit of log-weight wide.
        start = mode + START_SPREAD * rng.standard_normal((walkers, len(names)))
        sampler = emcee.EnsembleSampler(walkers, len(names), log_posteriors, vectorize=True,
                                        moves=[(getattr(emcee.moves, move)(), share) for move, share in MOVES])
        sampler.random_state = np.random.RandomState(seed).get_state()
        sampler.run_mcmc(start, steps, progress=progress)
    chain = floor + np.exp(sampler.get_chain()[burn::thin])  # (draws, walkers, parameters)

    with warnings.catch_warnings():  # ArviZ announces its coming refactor on import
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
    idata = az.from_dict(posterior={name: chain[:, :, k].T for k, name in enumerate(names)})
    stats = az.summary(idata, kind="all", round_to="none", hdi_prob=0.9)
    flat = chain.reshape(-1, len(names))
    summary = pd.DataFrame({
        "weight": names, "prior": [priors[name].describe() for name in names],
        "hand_set": [HAND_SET.get(name, RATES.get(name)) for name in names], "mean": flat.mean(axis=0), "sd": flat.std(axis=0, ddof=1),
        "q05": np.quantile(flat, 0.05, axis=0), "median": np.median(flat, axis=0),
        "q95": np.quantile(flat, 0.95, axis=0),
        "r_hat": stats.loc[names, "r_hat"].to_numpy(), "ess_bulk": stats.loc[names, "ess_bulk"].to_numpy(),
        "ess_tail": stats.loc[names, "ess_tail"].to_numpy()})
    n_draws = chain.shape[0]
    draws = pd.DataFrame({"walker": np.tile(np.arange(walkers), n_draws),
                          "draw": np.repeat(np.arange(burn, steps, thin), walkers)})
    fixed_values = dict(zip(d.TERMS, base)) | {name: scenario_rate(scenario, name) for name in RATES}
    for name in PARAMETERS:
        draws[name] = flat[:, names.index(name)] if name in names else fixed_values[name]
    return Posterior(names, draws, summary)


def trace_figure(posterior: Posterior):
    """Each sampled parameter's draws by walker, and their marginal density."""
    import matplotlib.pyplot as plt

    names = posterior.names
    fig, axes = plt.subplots(len(names), 2, figsize=(9, 1.6 * len(names)), squeeze=False)
    draws = posterior.draws
    for row, name in enumerate(names):
        for _, walker in draws.groupby("walker"):
            axes[row, 0].plot(walker["draw"], walker[name], linewidth=0.4, alpha=0.5)
        axes[row, 1].hist(draws[name], bins=40, density=True)
        axes[row, 0].set_ylabel(name, fontsize=7)
    axes[-1, 0].set_xlabel("step")
    axes[-1, 1].set_xlabel("value")
    fig.tight_layout()
    return fig


def pair_figure(posterior: Posterior):
    """Every pair of sampled parameters, to show the ridges along which the data trade one for another."""
    import matplotlib.pyplot as plt

    names = posterior.names
    n = len(names)
    fig, axes = plt.subplots(n, n, figsize=(1.4 * n, 1.4 * n), squeeze=False)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            if i == j:
                ax.hist(posterior.draws[a], bins=30)
            elif i > j:
                ax.plot(posterior.draws[b], posterior.draws[a], ",", alpha=0.3)
            else:
                ax.axis("off")
            if j == 0:
                ax.set_ylabel(a, fontsize=5)
            if i == n - 1:
                ax.set_xlabel(b, fontsize=5)
    return fig


def prior_sensitivity(scenario: Scenario, observed: str | Path, priors: dict[str, Prior], posterior: Posterior,
                      walkers: int, steps: int, burn: int, seed: int, progress: bool = False,
                      likelihood: str = "history", thin: int = THIN) -> pd.DataFrame:
    """Each sampled parameter's posterior median and 90% interval under the priors as given and with
    every prior's spread scaled by each factor of SENSITIVITY (same sampler settings and seed)."""
    rows = []
    for factor in (1.0, *SENSITIVITY):
        if factor == 1.0:
            result = posterior
        else:
            widened = {name: prior.widened(factor) for name, prior in priors.items()}
            result = estimate(scenario, observed, widened, walkers, steps, burn, seed, progress, likelihood, thin)
        for row in result.summary.itertuples():
            rows.append({"prior_scale": factor, "weight": row.weight, "prior": row.prior, "median": row.median,
                         "q05": row.q05, "q95": row.q95})
    return pd.DataFrame(rows)
