"""The command line: parses, calls the library, maps errors to exit codes.

Exit codes: 0 success; 2 bad input (file, key, value, option); 3 a sweep finished but some of
its runs failed; 130 interrupted (Ctrl-C); 1 unexpected failure.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from pathlib import Path

from . import __version__

EXAMPLES = """\
examples:
  alignsim check scenarios/*.yaml
  alignsim run scenarios/belarus_semi_blockade.yaml --replications 200 --seed 1
  alignsim run scenarios/kazakhstan_multivector.yaml --set decision.rationality=1.5 --out results/kz_low_lambda
  alignsim run scenarios/eurasia_2024.yaml --set states.Kazakhstan.indicators.sanctions=0.9
  alignsim sweep sweeps/sanctions_vs_western_trade.yaml --executor processes --workers 2
  alignsim sweep sweeps/kazakhstan_sobol.yaml --resume        # finish an interrupted sweep
  alignsim sensitivity results/sweeps/kazakhstan_sobol --output p_member_final
  alignsim export results/sweeps/sanctions_vs_western_trade   # results.csv for non-Parquet tools
  alignsim discover results/sweeps/kazakhstan_lhs --output seeking_membership --threshold 0.5
  alignsim figures figures/paper.yaml                         # every figure of the paper
  alignsim validate scenarios/brics_2024_round.yaml --observed data/brics_decisions.csv
  alignsim compare-rules scenarios/brics_2024_round.yaml --observed data/brics_decisions.csv
  alignsim calibrate scenarios/brics_2024_round.yaml --observed data/brics_decisions.csv
  alignsim estimate scenarios/brics_2024_round.yaml --observed data/brics_decisions.csv
  alignsim forecast scenarios/brics_2024_round_calibrated.yaml --observed data/brics_decisions.csv --cutoff 2025-12 --summit 2026-09
  alignsim run scenarios/belarus_semi_blockade.yaml --posterior estimation/posterior --draws 20
  alignsim explain scenarios/eurasia_2024.yaml --date 2024-10 --state Belarus --posterior estimation/posterior
  alignsim viz scenarios/eurasia_2024.yaml --port 8765           # the dashboard, on 127.0.0.1
  alignsim landscape tests/data/docking/landscape-syria2016/actors.csv tests/data/docking/landscape-syria2016/propensities_feb20.csv

documentation: docs/scenarios.md (every scenario key), docs/sweeps.md (sweep files, clusters),
docs/model.md (the model, ODD protocol), docs/landscape.md (landscape theory of aggregation)
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alignsim",
        description="Agent-based simulation of how small states choose their alignment toward BRICS: "
        "stay outside, become a partner, or apply for membership, under sanctions, trade dependence "
        "and the bloc's benefits.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"alignsim {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    check = commands.add_parser(
        "check",
        help="validate scenario files and list every problem",
        description="Validate scenario files. Prints OK per valid file; otherwise every problem with its "
        "file, line and key path. Exit 0 if all are valid, 2 otherwise.",
    )
    check.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario YAML file(s)")
    check.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                       help="override a value by dotted path before checking (repeatable)")

    run = commands.add_parser(
        "run",
        help="run a scenario's replications and write tidy tables",
        description="Run a scenario and write timeseries.csv, bloc.csv, summary.csv, events.csv, manifest.json and "
        "the timeline figure (timeline.png, .pdf, .svg) into --out (default results/<scenario name>/), all at once "
        "when the run is complete. Replications stream to disk as they finish, so memory stays flat however many "
        "there are; with --format parquet the tables are folders of Parquet parts (timeseries/, bloc/, events/), "
        "far smaller than CSV. An existing non-empty folder is never overwritten unless --overwrite is given.",
        epilog="--set examples: decision.rationality=2, bloc.appetite.members=0.3, "
        "states.Belarus.indicators.sanctions=0 (a plain number on a sourced value replaces the value "
        "and records it as an assumption).",
    )
    run.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    run.add_argument("--seed", type=_non_negative, help="master seed (default: the scenario's run.seed)")
    run.add_argument("--replications", type=_replications, help="replications (default: the scenario's run.replications)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                     help="override a value by dotted path (repeatable)")
    run.add_argument("--out", type=Path, help="output folder (default: results/<scenario name>/)")
    run.add_argument("--format", choices=["csv", "parquet"], default="csv",
                     help="the tables as CSV files (default) or as folders of Parquet parts")
    run.add_argument("--record", metavar="FIELD,...",
                     help="the timeseries' fields, comma-separated, or 'none' for no timeseries (default: all: "
                     "status, seeking_membership, course, invited, declined, probabilities (p_*), terms (u_*), "
                     "room_for_manoeuvre, deciding, retaliation, western_reaction, pre_summit_pressure); the summary, bloc and events "
                     "tables are always written")
    _posterior_arguments(run, "each replication runs under one draw (replication r under the (r mod N)-th of N "
                         "draws the seed picks); summary.csv gains intervals with parameter uncertainty and "
                         "parameters.csv gives each replication's draw")
    run.add_argument("--overwrite", action="store_true", help="replace a non-empty output folder")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")

    sweep = commands.add_parser(
        "sweep",
        help="run a parameter sweep; results stream to Parquet, resumable",
        description="Run every point x replication of a sweep file (docs/sweeps.md). Results stream to "
        "DIR/parts/ as runs finish; a killed sweep loses at most the runs in flight, and --resume "
        "finishes it. The results table is the same whichever executor and however many workers.",
    )
    sweep.add_argument("sweep", metavar="SWEEP", help="sweep YAML file")
    sweep.add_argument("--out", type=Path, help="output folder (default: results/sweeps/<sweep name>/)")
    sweep.add_argument("--executor", choices=["auto", "serial", "processes", "dask"], default="auto",
                       help="where runs execute (default: auto: all cores, unless the sweep is too short to repay "
                       "starting worker processes, timed on its first runs; then in this process)")
    sweep.add_argument("--workers", type=_positive, help="worker processes (default: all cores)")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --executor dask)")
    again = sweep.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="finish the sweep already in --out")
    again.add_argument("--overwrite", action="store_true", help="discard the sweep already in --out and start again")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar or summary")

    figures = commands.add_parser(
        "figures", help="build every figure of a figures file (PNG, PDF, SVG + provenance)",
        description="Build the figures listed in a figures file (see figures/paper.yaml) in the house "
        "style, each as PNG, PDF and SVG with a JSON sidecar of provenance. Byte-identical when rebuilt. "
        "Sweep results already in --sweeps are reused, and so is a rule comparison (rules_<scenario>/ there) "
        "made for the same scenario, record, rules and model; the command says whether it reused or computed them.")
    figures.add_argument("figures", metavar="FIGURES", help="figures YAML file")
    figures.add_argument("--out", type=Path, default=Path("results") / "figures",
                         help="output folder (default: results/figures)")
    figures.add_argument("--overwrite", action="store_true", help="replace the figures in a non-empty output folder")
    figures.add_argument("--sweeps", type=Path, default=Path("results") / "sweeps",
                         help="where sweep results and rule comparisons are kept and reused (default: results/sweeps)")
    figures.add_argument("--workers", type=_positive, help="worker processes for sweeps (default: all cores)")
    figures.add_argument("--quiet", action="store_true", help="print nothing but errors")

    validate = commands.add_parser(
        "validate", help="score the model against observed decisions, next to baselines",
        description="Predict each observed decision of the scenario's states (data/brics_decisions.csv) "
        "with the model's decision rule. Out of sample, under leave-one-state-out and a time split (fit on "
        "decisions up to 2023-12, predict the later ones), score the model with weights fitted on the "
        "training decisions, the model with the scenario's weights, the base rate and a logistic regression "
        "on the same indicators: log-loss with a 95% paired-bootstrap interval, Brier score, accuracy "
        "(scores.csv), each predictor's log-loss gain over the base rate with its interval (gains.csv) and "
        "every held-out prediction (out_of_sample.csv). At the simulation level, leaving one state out, "
        "each undisputed state's status at the end of 2025 as the simulation gives it, next to the same "
        "baselines (scores.csv, statuses.csv). At the history level, each state's observed history (its course and "
        "status step by step) under the simulation's dynamics, leaving one state out and over the later steps of the "
        "time split, next to a base rate of the same transitions (scores.csv, history.csv). In sample, the scenario's weights next to the base "
        "rate and 'every invitee accepts' (in_sample.csv, predictions.csv). Also writes disputed.csv "
        "(readings not scored), skipped.csv (rows not scored: the bloc's choices, states not in the scenario) "
        "and a reliability figure (reliability.png, .pdf, .svg) into --out, all at once.")
    _observed_arguments(validate)
    validate.add_argument("--rule", choices=_rules(), default=None,
                          help="the decision rule scored (default: the scenario's decision.rule); its free "
                          "parameters are fitted in each training fold (docs/rules.md)")
    validate.add_argument("--ridge", type=float, default=None,
                          help="penalty of the fitted logit toward the scenario's weights (default 0.01)")
    validate.add_argument("--out", type=Path, help="output folder (default: results/validation/<scenario name>/)")
    validate.add_argument("--overwrite", action="store_true", help="replace a non-empty output folder")

    compare = commands.add_parser(
        "compare-rules", help="score every decision rule on the same observed decisions, with their verdicts",
        description="Score each decision rule as `validate --rule` does (the same splits, the same paired "
        "bootstrap resamples), with the base rate and the logistic regression once, into one table "
        "(scores.csv: predictor, level, split, n, log_loss, brier, accuracy, log_loss_low95, log_loss_high95, "
        "the predictor being each rule, then each baseline), each rule's parameters fitted on every decision "
        "(fitted.csv), its verdict on the cases of a verdicts file (verdicts.csv: the share of replications "
        "seeking membership, and ending a partner or member) and a figure of the log-loss of each rule, level "
        "and split with its interval, the baselines as lines (comparison.png, .pdf, .svg), all at once. "
        "See docs/rules.md.")
    _observed_arguments(compare)
    compare.add_argument("--rules", type=_rule_list, default=None, metavar="RULE,RULE",
                         help=f"the rules compared, comma-separated (default: every rule: {','.join(_rules())})")
    compare.add_argument("--verdicts", type=Path, default=None, metavar="YAML",
                         help="the cases each rule's verdict is read on (default: estimation/verdicts.yaml)")
    compare.add_argument("--replications", type=_replications, default=None,
                         help="simulated replications per held-out state at the simulation level (default 30)")
    compare.add_argument("--ridge", type=float, default=None,
                         help="penalty of the fitted logit toward the scenario's weights (default 0.01)")
    compare.add_argument("--out", type=Path, help="output folder (default: results/rules/<scenario name>/)")
    compare.add_argument("--overwrite", action="store_true", help="replace a non-empty output folder")
    compare.add_argument("--quiet", action="store_true", help="no progress bar")

    calibrate = commands.add_parser(
        "calibrate", help="estimate the decision weights from observed decisions",
        description="Maximum-likelihood decision weights (scipy.optimize, ridge-penalised toward the "
        "scenario's) with leave-one-out cross-validation. Fits only the weights the decisions inform: a weight "
        "no decision carries, or along which the likelihood is flat at the fit, keeps the scenario's value; "
        "prints each weight's status and the Hessian's eigenvalues at the fit. Reports in-sample and "
        "out-of-sample log-loss next to the baselines and writes a calibrated scenario that extends the original.")
    _observed_arguments(calibrate)
    calibrate.add_argument("--out", type=Path, help="calibrated scenario file (default: "
                           "results/calibration/<scenario name>_calibrated.yaml)")
    calibrate.add_argument("--ridge", type=float, default=None, help="penalty toward the scenario's weights (default 0.01)")
    calibrate.add_argument("--overwrite", action="store_true", help="replace an existing calibrated scenario file")

    estimate = commands.add_parser(
        "estimate", help="sample the posterior of the decision weights and rates (emcee) from observed decisions",
        description="Bayesian estimation of the decision weights the likelihood carries (the others keep the "
        "scenario's values) and, under the history likelihood, of the review rate (decision.review_rate_per_year) "
        "and its multiplier in a summit's window (decision.summit_review_multiplier), each when the priors file "
        "gives it a prior, as the bundled one does. The likelihood is, by default, that of the record under the simulation's dynamics "
        "(--likelihood history: each state walked along its observed history, step by step, with the model's "
        "decision moments, review hazard, course and the powers' reactions), or the static decision-level one of "
        "`alignsim calibrate` (--likelihood decision); priors from a YAML file (default: estimation/priors.yaml); "
        "emcee's ensemble sampler with differential-evolution moves, its walkers started around the posterior's "
        "mode; ArviZ's R-hat and effective sample size. Writes draws.parquet (after burn-in, every --thin-th "
        "step: walker, draw, one column per weight and one per rate: review rate, summit multiplier), summary.csv (prior, mean, sd, "
        "5/50/95% quantiles, R-hat, ESS per sampled parameter, in the column weight), trace.png and pair.png into --out, all at once; a progress bar on a terminal. "
        "Needs the estimate extra: pip install 'alignsim[estimate]'.")
    _observed_arguments(estimate)
    estimate.add_argument("--out", type=Path, help="output folder (default: results/estimate/<scenario name>/)")
    estimate.add_argument("--priors", type=Path, help="priors YAML file (default: estimation/priors.yaml)")
    estimate.add_argument("--likelihood", choices=("history", "decision"), default="history",
                          help="history: the record under the simulation's dynamics (default); decision: each "
                          "decision as a one-shot choice at its date")
    estimate.add_argument("--walkers", type=_positive, default=32, help="emcee walkers (default 32)")
    estimate.add_argument("--steps", type=_positive, default=16000, help="steps per walker (default 16000)")
    estimate.add_argument("--burn", type=_non_negative, default=2000,
                          help="steps discarded at the start of each walker (default 2000)")
    estimate.add_argument("--thin", type=_positive, default=10,
                          help="keep every THIN-th step after burn-in (default 10)")
    estimate.add_argument("--seed", type=_non_negative, default=1, help="random seed (default 1)")
    estimate.add_argument("--sensitivity", action="store_true",
                          help="also sample with every prior's spread halved and doubled, and write each weight's "
                          "posterior median and 90%% interval under the three to prior_sensitivity.csv")
    estimate.add_argument("--overwrite", action="store_true", help="replace a non-empty output folder")

    forecast = commands.add_parser(
        "forecast", help="predict the next summit's decisions of every partner, applicant and invitee",
        description="Start from each state's situation at the data cut-off as the observed decisions give it "
        "(status, pending application, unanswered invitation), run the model forward through the next summit "
        "on the scenario's calendar after the cut-off and six months after it, and give each partner, pending "
        "applicant and invitee the probability of each decision open to it (accept membership, become a "
        "member, take partner status, apply for membership) with a 95% interval: the replications' sampling "
        "interval at the scenario's weights or, with --posterior, over parameter draws too. Each replication "
        "runs on the completed dataset of missing indicators its seed picks. Writes forecast.csv and the figure "
        "forecast.png, .pdf, .svg into --out, all at once. With --score FORECAST.csv it writes nothing: it "
        "resolves each question of that file by the observed decisions at its resolution month and prints "
        "the log-loss and Brier score.")
    _observed_arguments(forecast)
    forecast.add_argument("--cutoff", metavar="YYYY-MM",
                          help="the data cut-off (default: the last month of a decision in --observed)")
    forecast.add_argument("--summit", metavar="YYYY-MM",
                          help="the next summit's month; needed when the calendar has no summit after the cut-off "
                          "or only assumes its month")
    forecast.add_argument("--seed", type=_non_negative, help="master seed (default: the scenario's run.seed)")
    forecast.add_argument("--replications", type=_replications,
                          help="replications (default: the scenario's run.replications)")
    _posterior_arguments(forecast, "each replication runs under one draw, and the intervals carry the weights' "
                         "uncertainty")
    forecast.add_argument("--out", type=Path, help="output folder (default: results/forecast/<scenario name>/)")
    forecast.add_argument("--overwrite", action="store_true", help="replace a non-empty output folder")
    forecast.add_argument("--score", type=Path, metavar="FORECAST.csv",
                          help="score this forecast file against --observed instead of forecasting")
    explain = commands.add_parser(
        "explain", help="why each state chooses as it does at a month: each mechanism's share of the choice",
        description="At the start of month --date, each state's choice between membership and staying outside "
        "split by mechanism: each term's weighted contribution to U(member) - U(outside) as a signed share of "
        "all of them (positive: toward membership), on the history of replication 0 of the seed (sim.explain). "
        "With --posterior, the same under each of --draws parameter draws picked by the seed, each on its own "
        "history: the median share and its 90% interval over the draws. Prints one line per state; --csv "
        "prints the table instead. Under a rule without utilities (threshold, hedging), prints what the rule "
        "decides on.")
    explain.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    explain.add_argument("--date", required=True, metavar="YYYY-MM", help="the month explained")
    explain.add_argument("--state", dest="states", action="append", metavar="STATE",
                         help="explain only this state (repeatable; default: every state)")
    explain.add_argument("--seed", type=_non_negative, help="seed of the history (default: the scenario's run.seed)")
    explain.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                         help="override a value by dotted path (repeatable)")
    _posterior_arguments(explain, "each mechanism's share with its 90%% interval over the draws")
    explain.add_argument("--csv", action="store_true", help="print the table of shares as CSV")

    viz = commands.add_parser(
        "viz", help="open the browser dashboard (Mesa SolaraViz): sliders, steps, the reasons",
        description="Serve the dashboard at http://HOST:PORT/ until Ctrl-C: pick a scenario, move the "
        "pressures, step or play, and see each state's choice explained by mechanism. Listens on "
        "127.0.0.1 only unless --host says otherwise.")
    viz.add_argument("scenario", nargs="?", metavar="SCENARIO",
                     help="scenario to open first (default: scenarios/eurasia_2024.yaml)")
    viz.add_argument("--port", type=_non_negative, default=8765, help="port (default 8765; 0 picks a free one)")
    viz.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")

    export = commands.add_parser(
        "export", help="write a sweep's results table as CSV",
        description="Write a sweep's results table (and its failures, if any) as CSV.")
    export.add_argument("folder", metavar="DIR", type=Path, help="a sweep's output folder")
    export.add_argument("--out", type=Path, help="CSV file (default: DIR/results.csv)")
    export.add_argument("--overwrite", action="store_true", help="replace an existing CSV file")

    sensitivity = commands.add_parser(
        "sensitivity", help="Sobol' or Morris indices of a finished sweep (SALib)",
        description="Sobol' first-order and total indices with 95% confidence intervals (or Morris mu* "
        "and sigma) of one output, averaged over replications at each point. Prints the indices and writes "
        "sensitivity_<output>_<state>.csv and .png. Warns when a yes/no output is averaged over too few "
        "replications for its indices to rise above noise.")
    sensitivity.add_argument("folder", metavar="DIR", type=Path, help="a finished sobol or morris sweep's folder")
    sensitivity.add_argument("--output", required=True, metavar="METRIC",
                             help="a kept output: p_member_final (smooth: the best for indices), seeking_membership, "
                             "ever_applied, final_status (0/0.5/1)")
    sensitivity.add_argument("--state", help="the state to analyse (needed when the sweep kept several)")
    sensitivity.add_argument("--out", type=Path, help="folder for the CSV and chart (default: DIR)")
    sensitivity.add_argument("--overwrite", action="store_true", help="replace an existing CSV and chart")

    discover = commands.add_parser(
        "discover", help="scenario discovery (PRIM): the parameter box where an outcome happens",
        description="PRIM (Friedman & Fisher 1999, the EMA Workbench's implementation) on a finished sweep "
        "(grid, lhs, sobol or morris): which box of the swept parameters holds the points where the output's "
        "mean over replications is at least X (--threshold) or among the highest share Q (--top). Prints the "
        "chosen box (of those restricting a parameter, the highest coverage whose density reaches "
        "--min-density) in words and writes "
        "discover_<output>_<state>_trajectory.csv/.png (the peeling trajectory, coverage against density) "
        "and _box.csv/.png (each parameter's limits, with quasi-p values).")
    discover.add_argument("folder", metavar="DIR", type=Path, help="a finished sweep's folder")
    discover.add_argument("--output", required=True, metavar="METRIC",
                          help="a kept output: seeking_membership, ever_applied, final_status (0/0.5/1), "
                          "p_member_final")
    discover.add_argument("--state", help="the state to analyse (needed when the sweep kept several)")
    cases = discover.add_mutually_exclusive_group()
    cases.add_argument("--threshold", type=float, metavar="X", help="cases: points whose mean output is at least X")
    cases.add_argument("--top", type=float, metavar="Q",
                       help="cases: the share Q (0-1) of points with the highest mean")
    discover.add_argument("--min-density", type=float, default=0.7, metavar="D",
                          help="the chosen box's least density (default 0.7)")
    discover.add_argument("--out", type=Path, help="folder for the CSVs and charts (default: DIR)")
    discover.add_argument("--overwrite", action="store_true", help="replace existing CSVs and charts")

    _landscape_arguments(commands)
    return parser


def _observed_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    parser.add_argument("--observed", required=True, type=Path, metavar="CSV",
                        help="observed decisions (columns as in data/brics_decisions.csv; see data/SOURCES.md)")


def _posterior_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--posterior", type=Path, metavar="DIR",
                        help=f"a posterior folder written by alignsim estimate (estimation/posterior is the "
                        f"bundled one): {what}")
    parser.add_argument("--draws", type=_positive, metavar="N",
                        help="posterior draws used (default: one per 10 replications, at least 1; explain: 50)")


def _rules() -> list[str]:
    from .rules import RULES

    return list(RULES)


def _rule_list(text: str) -> list[str]:
    rules = [rule.strip() for rule in text.split(",")]
    unknown = [rule for rule in rules if rule not in _rules()]
    if unknown or not all(rules):
        raise argparse.ArgumentTypeError(f"unknown rule(s) {', '.join(map(repr, unknown or ['']))}; "
                                         f"expected some of {', '.join(_rules())}")
    return list(dict.fromkeys(rules))


def _positive(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _replications(text: str) -> int:
    from .scenario.schema import MAX_REPLICATIONS

    value = _positive(text)
    if value > MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_REPLICATIONS:,}, got {value:,} (as run.replications)")
    return value


def _non_negative(text: str) -> int:
    value = _integer(text)
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63-1, got {value}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def _check(args) -> int:
    from .scenario import InputError, load_scenario

    failed = False
    for path in args.scenarios:
        try:
            load_scenario(path, args.overrides)
        except InputError as exc:
            failed = True
            print(f"{path}: INVALID ({len(exc.issues)} problem{'s' if len(exc.issues) != 1 else ''})", file=sys.stderr)
            for issue in exc.issues:
                print(f"  {issue}", file=sys.stderr)
        else:
            print(f"{path}: OK")
    return 2 if failed else 0


def _run(args) -> int:
    from .results import check_destination, summary_text, write_run
    from .run import Simulation
    from .scenario import load_scenario

    fields = _record(args.record)
    scenario = load_scenario(args.scenario, args.overrides)
    out = args.out if args.out is not None else Path("results") / scenario.name
    check_destination(out, args.overwrite)
    _draws_need_posterior(args)
    simulation = Simulation(scenario, seed=args.seed, replications=args.replications, fields=fields,
                            posterior=args.posterior, draws=args.draws)
    try:
        with _progress(simulation.replications, args.quiet, "replications") as tick:
            from .figures.build import timeline_files

            result, written = write_run(simulation, out, argv=["alignsim", *args.argv], overwrite=args.overwrite,
                                        format=args.format, progress=tick, figures=timeline_files)
    except KeyboardInterrupt:
        raise _Interrupted(f"nothing written to {out}/ (a run writes its outputs only once complete)") from None
    if not args.quiet:
        print(summary_text(result))
        print(f"wrote {out}/: {', '.join(path.name + ('/' if path.is_dir() else '') for path in written)}")
    return 0


def _record(text: str | None) -> tuple[str, ...]:
    from .run import TIMESERIES_FIELDS, check_fields
    from .scenario import InputError, Issue

    if text is None:
        return TIMESERIES_FIELDS
    names = [name.strip() for name in text.split(",") if name.strip()]
    if names == ["none"]:
        return ()
    try:
        if not names:
            raise ValueError(f"name at least one field, or 'none'; choose among {', '.join(TIMESERIES_FIELDS)}")
        return check_fields(tuple(names))
    except ValueError as exc:
        raise InputError(Issue("--record", text, str(exc))) from None


def _draws_need_posterior(args) -> None:
    from .scenario import InputError, Issue

    if args.draws is not None and args.posterior is None:
        raise InputError(Issue("--draws", str(args.draws), "needs --posterior DIR, the draws to use"))


def _sweep(args) -> int:
    from .sweep import load_sweep, run_sweep
    from .sweep.runner import default_folder

    sweep = load_sweep(args.sweep)
    out = args.out if args.out is not None else default_folder(sweep)
    if args.overwrite:
        from .results import discard

        discard(out)
    total = sweep.spec.replications  # refined by the first progress call
    try:
        with _progress(total, args.quiet, "runs") as tick:
            report = run_sweep(sweep, out, args.executor, args.workers, args.scheduler, args.resume, tick)
    except KeyboardInterrupt:
        raise _Interrupted(f"the runs finished so far are kept in {out}/; finish the sweep with: "
                           f"alignsim sweep {args.sweep} --out {out} --resume") from None
    if not args.quiet:
        print(f"{sweep.spec.name}: {report.total_runs} runs ({report.skipped} already done, {report.ran} run now) "
              f"in {report.folder}/")
    if report.failed:
        print(f"{report.failed} run(s) failed; the first:", file=sys.stderr)
        for row in report.failures.head(5).itertuples(index=False):
            print(f"  point {row.point} replication {row.replication} {row.parameters}: {row.error}", file=sys.stderr)
        print(f"all failures: alignsim export {report.folder} (writes failures.csv)", file=sys.stderr)
        return 3
    return 0


def _figures(args) -> int:
    import shutil

    from .figures import build
    from .results import check_destination
    from .scenario import InputError

    check_destination(args.out, args.overwrite)
    existed = Path(args.out).exists()
    log = (lambda message: None) if args.quiet else (lambda message: print(message, flush=True))
    try:
        written = build(args.figures, args.out, args.sweeps, log, args.workers,
                        progress=lambda: _progress(1, args.quiet, "runs"))
    except InputError:
        if not existed:  # a bad figures file leaves no folder of some of its figures behind
            shutil.rmtree(args.out, ignore_errors=True)
        raise
    except KeyboardInterrupt:
        raise _Interrupted(f"the figures written so far are in {args.out}/ and the sweep runs in {args.sweeps}/; "
                           "the same command again reuses those runs") from None
    if not args.quiet:
        print(f"wrote {len(written)} files into {args.out}/")
    return 0


def _validate(args) -> int:
    from .figures import figure_bytes
    from .figures.kinds import reliability
    from .results import check_destination, table_bytes, write_folder
    from .scenario import load_scenario
    from .validate import validate

    scenario = load_scenario(args.scenario)
    out = args.out if args.out is not None else Path("results") / "validation" / scenario.name
    check_destination(out, args.overwrite)
    result = validate(scenario, args.observed, ridge=_ridge(args.ridge), rule=args.rule)
    files = {f"{name}.csv": table_bytes(table) for name, table in (
        ("predictions", result.predictions), ("in_sample", result.in_sample), ("scores", result.scores),
        ("gains", result.gains), ("out_of_sample", result.out_of_sample), ("statuses", result.statuses),
        ("history", result.history), ("disputed", result.disputed), ("skipped", result.skipped))}
    figure = reliability(result.predictions)
    files.update({f"reliability.{fmt}": figure_bytes(figure, fmt) for fmt in ("png", "pdf", "svg")})
    write_folder(out, files, args.overwrite)
    states = result.predictions.state.nunique()
    print(f"{scenario.name}: {len(result.predictions)} observed decisions of {states} states "
          f"({len(result.disputed)} disputed readings and {len(result.skipped)} bloc or out-of-scenario rows not scored)")
    print(f"in sample, the {args.rule or scenario.decision.rule} rule with the scenario's values:")
    print(result.in_sample.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("out of sample (log-loss with its 95% paired-bootstrap interval):")
    print(result.scores.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("log-loss gain over the base rate (positive: better):")
    print(result.gains.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"wrote {out}/: predictions.csv, in_sample.csv, scores.csv, gains.csv, out_of_sample.csv, statuses.csv, "
          "history.csv, disputed.csv, skipped.csv, reliability.png/.pdf/.svg")
    return 0


def _compare_rules(args) -> int:
    from .compare import VERDICTS, compare_rules, read_verdicts
    from .figures import figure_bytes
    from .figures.kinds import rule_comparison
    from .results import check_destination, table_bytes, write_folder
    from .rules import RULES
    from .scenario import load_scenario

    scenario = load_scenario(args.scenario)
    cases = read_verdicts(args.verdicts if args.verdicts is not None else VERDICTS)
    out = args.out if args.out is not None else Path("results") / "rules" / scenario.name
    check_destination(out, args.overwrite)
    rules = args.rules or list(RULES)
    try:
        with _progress(1, args.quiet, "steps") as tick:
            result = compare_rules(scenario, args.observed, rules, cases, ridge=_ridge(args.ridge),
                                   replications=args.replications, progress=tick)
    except KeyboardInterrupt:
        raise _Interrupted(f"nothing written to {out}/ (the comparison writes its outputs only once complete)") from None
    figure = rule_comparison(result.scores)
    files = {"scores.csv": table_bytes(result.scores), "verdicts.csv": table_bytes(result.verdicts),
             "fitted.csv": table_bytes(result.fitted),
             **{f"comparison.{fmt}": figure_bytes(figure, fmt) for fmt in ("png", "pdf", "svg")}}
    write_folder(out, files, args.overwrite)
    print("out of sample (log-loss with its 95% paired-bootstrap interval):")
    print(result.scores.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("verdicts (shares of replications):")
    print(result.verdicts.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    print(f"wrote {out}/: {', '.join(files)}")
    return 0


def _ridge(ridge: float | None) -> float:
    from .scenario import InputError, Issue
    from .validate import RIDGE

    if ridge is None:
        return RIDGE
    if not 0 <= ridge < float("inf"):  # also refuses nan
        raise InputError(Issue("--ridge", str(ridge), "must be a finite number of at least 0"))
    return ridge


def _calibrate(args) -> int:
    from .files import write_file
    from .results import check_file_destination
    from .scenario import load_scenario
    from .validate import calibrate, calibrated_scenario_text

    scenario_path = Path(args.scenario)
    scenario = load_scenario(scenario_path)
    target = (args.out if args.out is not None
              else Path("results") / "calibration" / f"{scenario.name}_calibrated.yaml")
    check_file_destination(target, args.overwrite)
    result = calibrate(scenario, args.observed, ridge=_ridge(args.ridge))
    print(result.scores.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("calibrated weights: " + ", ".join(f"{k} {v:.3f}" for k, v in result.weights.items()))
    print("identification: each weight, and the curvature of the log-likelihood along it at the fit")
    print(result.identification.terms.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("the Hessian's eigenvalues over the estimated weights, smallest first (relative: to the largest)")
    print(result.identification.spectrum.to_string(index=False, formatters={
        "eigenvalue": lambda v: f"{v:.3g}", "relative": lambda v: f"{v:.1e}"}))
    write_file(target, calibrated_scenario_text(scenario_path, target, result, scenario).encode("utf-8"))
    print(f"wrote {target}")
    return 0


def _estimate(args) -> int:
    from .figures import figure_bytes
    from .results import check_destination, table_bytes, write_folder
    from .scenario import InputError, Issue, load_scenario

    try:
        import arviz  # noqa: F401  checked here, to name the extra before any work
        import emcee  # noqa: F401
    except ImportError:
        raise InputError(Issue("emcee, arviz", "", "estimation needs emcee and ArviZ: "
                               "pip install 'alignsim[estimate]'")) from None
    from .estimate import PRIORS, estimate, pair_figure, prior_sensitivity, read_priors, trace_figure

    scenario = load_scenario(args.scenario)
    out = args.out if args.out is not None else Path("results") / "estimate" / scenario.name
    check_destination(out, args.overwrite)
    priors = read_priors(args.priors if args.priors is not None else PRIORS)
    posterior = estimate(scenario, args.observed, priors, walkers=args.walkers, steps=args.steps, burn=args.burn,
                         seed=args.seed, progress=sys.stderr.isatty(), likelihood=args.likelihood, thin=args.thin)
    files = {"draws.parquet": _parquet_bytes(posterior.draws), "summary.csv": table_bytes(posterior.summary)}
    if args.sensitivity:
        files["prior_sensitivity.csv"] = table_bytes(prior_sensitivity(
            scenario, args.observed, priors, posterior, walkers=args.walkers, steps=args.steps, burn=args.burn,
            seed=args.seed, progress=sys.stderr.isatty(), likelihood=args.likelihood, thin=args.thin))
    for name, figure in (("trace", trace_figure(posterior)), ("pair", pair_figure(posterior))):
        files[f"{name}.png"] = figure_bytes(figure, "png")
    write_folder(out, files, args.overwrite)
    print(posterior.summary.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"wrote {out}/: {', '.join(sorted(files))}")
    return 0


def _forecast(args) -> int:
    from .scenario import InputError, Issue, load_scenario

    scenario = load_scenario(args.scenario)
    if args.score is not None:
        making = [f"--{name}" for name in ("cutoff", "summit", "seed", "replications", "posterior", "draws", "out")
                  if getattr(args, name) is not None] + (["--overwrite"] if args.overwrite else [])
        if making:
            raise InputError(Issue("--score", str(args.score), f"scores a forecast file; {', '.join(making)} "
                                   "belong to making one"))
        return _score_forecast(args, scenario)
    from .figures import figure_bytes
    from .figures.kinds import forecast as forecast_figure
    from .forecast import forecast
    from .results import check_destination, table_bytes, write_folder

    _draws_need_posterior(args)
    out = args.out if args.out is not None else Path("results") / "forecast" / scenario.name
    check_destination(out, args.overwrite)
    replications = args.replications or scenario.run.replications
    try:
        with _progress(replications, False, "replications") as tick:
            result = forecast(scenario, args.observed, cutoff=args.cutoff, summit=args.summit, seed=args.seed,
                              replications=args.replications, posterior=args.posterior, draws=args.draws,
                              progress=tick)
        figure = forecast_figure(result.table)
        files = {"forecast.csv": table_bytes(result.table),
                 **{f"forecast.{fmt}": figure_bytes(figure, fmt) for fmt in ("png", "pdf", "svg")}}
        write_folder(out, files, args.overwrite)
    except KeyboardInterrupt:
        raise _Interrupted(f"nothing written to {out}/") from None
    summit = result.summit
    print(f"{scenario.name}: data cut-off {result.cutoff}; next summit {summit.name}, {summit.date} "
          f"({summit.provenance}); questions resolve at the end of {result.resolution}")
    print(result.table[["state", "current_status", "question", "probability", "low", "high"]].to_string(
        index=False, float_format=lambda v: f"{v:.2f}"))
    for state, reason in result.not_asked.items():
        print(f"not asked: {state} ({reason})")
    if args.posterior is not None:
        print("intervals: 95%, over the replications and the posterior draws: chance and the weights' uncertainty")
    else:
        print("intervals: the replications' sampling only (95% Wilson), at the scenario's weights: they leave out "
              "the weights' uncertainty")
    print(f"wrote {out}/: forecast.csv, forecast.png/.pdf/.svg")
    return 0


def _score_forecast(args, scenario) -> int:
    from .forecast import read_forecast, score

    result = score(read_forecast(args.score), scenario, args.observed, str(args.score))
    table = result.questions[["state", "question", "probability", "resolution_date", "outcome", "not_scored"]]
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-"))
    print(f"{args.score}: {result.n} questions resolved by {args.observed}: log-loss {result.log_loss:.3f}, "
          f"Brier score {result.brier:.3f}")
    return 0


def _parquet_bytes(frame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _explain(args) -> int:
    from .explain import explain, shares
    from .scenario import InputError, Issue, load_scenario

    _draws_need_posterior(args)
    scenario = load_scenario(args.scenario, args.overrides)
    unknown = [state for state in args.states or () if state not in scenario.states]
    if unknown:
        raise InputError([Issue(args.scenario, "--state", f"{state!r} is not a state of the scenario; expected one of "
                                f"{', '.join(scenario.states)}") for state in unknown])
    try:
        explained = explain(scenario, args.date, args.seed, args.posterior, args.draws)
    except InputError as exc:  # the month asked for is the option's
        raise InputError([Issue("--date", args.date, issue.message) if issue.file == "<explain>" else issue
                          for issue in exc.issues]) from None
    if args.states:
        explained = explained[explained.state.isin(args.states)]
    if "term" not in explained:  # a rule without utilities: its drivers
        print(explained.to_csv(index=False) if args.csv else explained.to_string(index=False))
        return 0
    table = shares(explained)
    if args.csv:
        print(table.to_csv(index=False, float_format="%.4f"), end="")
        return 0
    interval = args.posterior is not None
    for state, rows in table.groupby("state", sort=False):
        rows = rows[rows.share != 0].sort_values("share", key=abs, ascending=False)
        parts = [f"{term.replace('_', ' ')} {_percent(share)}%"
                 + (f" [{_percent(low)}, {_percent(high)}]" if interval else "")
                 for term, share, low, high in zip(rows.term, rows.share, rows.share_low90, rows.share_high90)]
        print(f"{state}, {args.date}: {', '.join(parts)}")
    note = (f"median share over {table.draws.iloc[0]} posterior draws [90% interval]" if interval
            else "share under the scenario's weights")
    print(f"(each mechanism's signed share of U(member) - U(outside); {note})")
    return 0


def _percent(share: float) -> str:
    return f"{int(round(share * 100)):+d}"  # never "-0"


def _viz(args) -> int:
    from .viz import serve

    try:
        from click.exceptions import Abort  # how Solara's server reports Ctrl-C
    except ImportError:  # without the viz extra, serve says what to install
        Abort = KeyboardInterrupt
    try:
        serve(args.scenario, port=args.port, host=args.host)
    except (KeyboardInterrupt, Abort):
        raise _Interrupted("the dashboard is stopped") from None
    except Exception as exc:
        if _after_an_interrupt(exc):
            raise _Interrupted("the dashboard is stopped") from None
        raise
    return 0


def _after_an_interrupt(exc: BaseException) -> bool:
    """Whether `exc` was raised while handling a Ctrl-C: a library cleaning up after one (the
    server's logging set-up, interrupted half-way, fails to release a lock) replaces it with its
    own error, and the interrupt is what the user did."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__context__
    return False


def _export(args) -> int:
    from .files import write_file
    from .results import check_file_destination, table_bytes
    from .sweep import export_csv
    from .sweep.store import Store

    failures = Store.open(args.folder).failures()
    path = (args.out or args.folder / "results.csv").with_name("failures.csv")
    if len(failures):
        check_file_destination(path, args.overwrite)
    target = export_csv(args.folder, args.out, args.overwrite)
    print(f"wrote {target}")
    if len(failures):
        write_file(path, table_bytes(failures))
        print(f"wrote {path} ({len(failures)} failed runs)")
    return 0


def _sensitivity(args) -> int:
    from .sweep.sensitivity import NOISY, noise_share, write

    table, written = write(args.folder, args.output, args.state, args.out, args.overwrite)
    print(table.drop(columns=["state", "output"]).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    noise = noise_share(args.folder, args.output, args.state)
    if noise > NOISY:
        print(f"warning: replication noise makes up {noise:.0%} of the variance of {args.output} across the design "
              f"points, so these indices partly measure noise (a yes/no output needs many replications): analyse "
              f"a smooth output such as p_member_final, or run the sweep with more replications", file=sys.stderr)
    for path in written:
        print(f"wrote {path}")
    return 0


def _discover(args) -> int:
    from .sweep.discover import discover, write

    discovery = discover(args.folder, args.output, args.state, args.threshold, args.top, args.min_density)
    print(discovery.describe())
    print(discovery.box.to_string(index=False, float_format=lambda v: f"{v:.3g}", na_rep="-"))
    for path in write(discovery, args.out if args.out is not None else args.folder, args.overwrite):
        print(f"wrote {path}")
    return 0


# --- alignsim landscape ---------------------------------------------------------------------------


def _landscape_arguments(commands) -> None:
    from .landscape import EXACT_LIMIT, RESTARTS, SEED

    landscape = commands.add_parser(
        "landscape", help="landscape theory of aggregation: energies, local minima, frustration",
        description="Axelrod & Bennett's (1993) landscape theory: split the actors into two coalitions and "
        f"list the local minima of the energy with their basins (docs/landscape.md). Up to {EXACT_LIMIT} actors "
        "every configuration is enumerated; beyond, a seeded local search with restarts finds minima and says so. "
        "With --json, stdout is one JSON document and nothing else.")
    landscape.add_argument("actors", metavar="ACTORS.csv", help="columns actor,size (size > 0)")
    landscape.add_argument("propensities", metavar="PROPENSITIES.csv",
                           help="columns a,b,propensity, one row per unordered pair (a missing pair is 0)")
    landscape.add_argument("--json", action="store_true",
                           help="print the configurations as JSON (every one; beyond the limit, the minima found)")
    landscape.add_argument("--frustration", action="store_true",
                           help="add each actor's frustration F_i to every configuration (JSON) or minimum (table)")
    landscape.add_argument("--restarts", type=_positive, default=RESTARTS,
                           help=f"restarts of the search beyond {EXACT_LIMIT} actors (default {RESTARTS})")
    landscape.add_argument("--seed", type=_non_negative, default=SEED,
                           help=f"seed of the search beyond {EXACT_LIMIT} actors (default {SEED})")


def _landscape(args) -> int:
    import json

    from .landscape import analyse, read_landscape

    result = analyse(read_landscape(args.actors, args.propensities), args.frustration, args.restarts, args.seed)
    if args.json:
        # streamed: 2^19 configurations at 20 actors would be a large string held at once
        write = sys.stdout.write
        write(f'{{"actors": {json.dumps(list(result.landscape.actors))}, "configurations": [')
        for number, record in enumerate(result.records()):
            write((", " if number else "") + json.dumps(record))
        write(f'], "local_minima": {json.dumps(result.minima_records())}')
        search = result.search_record()
        write(f', "search": {json.dumps(search)}}}\n' if search else "}\n")
        return 0
    actors = len(result.landscape.actors)
    minima = result.minima()
    if result.method == "search":
        print(f"{actors} actors: local search, not an enumeration ({result.restarts} restarts from random "
              f"configurations, seed {result.seed}, of {result.total_configurations:,} configurations); "
              f"{len(minima)} local minim{'um' if len(minima) == 1 else 'a'} found")
        basin = "restarts"
    else:
        print(f"{actors} actors, {result.total_configurations:,} configurations (every one evaluated); "
              f"{len(minima)} local minim{'um' if len(minima) == 1 else 'a'}")
        basin = "basin"
    print()
    print(f"{'rank':>4}  {'energy':>14}  {basin:>9}  {'share':>6}  coalitions")
    total = result.basin.sum()
    for rank, c in enumerate(minima, start=1):
        first, second = result.coalitions(c)
        print(f"{rank:>4}  {_plain(result.energy[c]):>14}  {result.basin[c]:>9,}  {result.basin[c] / total:>6.1%}  "
              f"{', '.join(first)}  |  {', '.join(second) or '(none)'}")
        if result.frustration is not None:
            print("      frustration: " + ", ".join(f"{a} {_plain(v)}" for a, v in
                                                   zip(result.landscape.actors, result.frustration[c])))
    print()
    print(f"energy: E = sum over ordered pairs of s_i s_j p_ij d_ij; {basin}: "
          + ("configurations whose steepest descent ends in the minimum" if basin == "basin" else
             "restarts that ended in the minimum"))
    return 0


def _plain(value: float) -> str:
    """A number as written: whole numbers without a decimal point, others to six significant digits."""
    return f"{value:.0f}" if float(value).is_integer() and abs(value) < 1e15 else f"{value:.6g}"


class _Interrupted(Exception):
    """Ctrl-C during a command: says what was kept and how to go on."""


class _progress:
    """A progress bar on a terminal; nothing when quiet or when output is not a terminal."""

    def __init__(self, total: int, quiet: bool, unit: str):
        self.bar = None
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=f" {unit}", file=sys.stderr)

    def __enter__(self):
        return self.tick if self.bar else None

    def tick(self, done: int, total: int) -> None:
        if self.bar.total != total:
            self.bar.reset(total=total)
        self.bar.update(done - self.bar.n)

    def __exit__(self, *exc):
        if self.bar:
            self.bar.close()
        return False

    @staticmethod
    def close_all() -> None:
        """Close every bar still open, so that none draws itself again after the command's last words.

        A Ctrl-C that lands inside tqdm's constructor, after the bar's first drawing, leaves a bar no
        `with` closes; tqdm would close it when collected, at exit, below the message."""
        tqdm = sys.modules.get("tqdm")
        for bar in list(getattr(tqdm.tqdm, "_instances", ())) if tqdm else ():
            bar.close()


def main(argv: list[str] | None = None) -> int:
    from .scenario import InputError

    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    args.argv = argv
    try:
        commands = {"check": _check, "run": _run, "sweep": _sweep, "figures": _figures, "validate": _validate,
                    "compare-rules": _compare_rules, "calibrate": _calibrate, "estimate": _estimate, "explain": _explain, "forecast": _forecast, "viz": _viz, "export": _export, "sensitivity": _sensitivity,
                    "landscape": _landscape, "discover": _discover}
        return commands[args.command](args)
    except InputError as exc:
        for issue in exc.issues:
            print(f"error: {str(issue).lstrip(': ')}", file=sys.stderr)
        return 2
    except (_Interrupted, KeyboardInterrupt) as exc:
        # A second Ctrl-C while workers wind down would otherwise end in a traceback.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _progress.close_all()
        print(f"interrupted: {exc}" if isinstance(exc, _Interrupted) else "interrupted: nothing written",
              file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`alignsim ... | head`): stop quietly, as Unix tools do.
        try:  # so that the interpreter's final flush does not fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a message, not a traceback
        if _after_an_interrupt(exc):
            _progress.close_all()
            print("interrupted: nothing written", file=sys.stderr)
            return 130
        print(
            "alignsim failed unexpectedly. Please report this, with the command and the details below, at\n"
            "the project's issue tracker.\n" + traceback.format_exc(limit=-3),
            file=sys.stderr,
        )
        return 1


def entry_point() -> None:
    sys.exit(main())
