"""The command line: parses, calls the library, maps errors to exit codes.

Exit codes: 0 success; 2 bad input (file, key, value, option); 3 a sweep finished but some of
its runs failed; 1 unexpected failure.
"""

from __future__ import annotations

import argparse
import os
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
  alignsim sensitivity results/sweeps/kazakhstan_sobol --output seeking_membership
  alignsim export results/sweeps/sanctions_vs_western_trade   # results.csv for non-Parquet tools
  alignsim discover results/sweeps/kazakhstan_lhs --output seeking_membership --threshold 0.6
  alignsim figures figures/paper.yaml --out figures/out       # every figure of the paper
  alignsim validate scenarios/brics_2024_round.yaml --observed data/brics_decisions.csv
  alignsim calibrate scenarios/brics_2024_round.yaml --observed data/brics_decisions.csv
  alignsim viz scenarios/eurasia_2024.yaml --port 8765           # the dashboard, on 127.0.0.1

documentation: docs/scenarios.md (every scenario key), docs/sweeps.md (sweep files, clusters),
docs/model.md (the model, ODD protocol)
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
        description="Run a scenario and write timeseries.csv, bloc.csv, summary.csv, manifest.json and "
        "the timeline figure (timeline.png, .pdf, .svg) into --out (default results/<scenario name>/). An existing non-empty folder is never "
        "overwritten unless --overwrite is given.",
        epilog="--set examples: decision.rationality=2, bloc.appetite.members=0.3, "
        "states.Belarus.indicators.sanctions=0 (a plain number on a sourced value replaces the value "
        "and records it as an assumption).",
    )
    run.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    run.add_argument("--seed", type=_non_negative, help="master seed (default: the scenario's run.seed)")
    run.add_argument("--replications", type=_positive, help="replications (default: the scenario's run.replications)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                     help="override a value by dotted path (repeatable)")
    run.add_argument("--out", type=Path, help="output folder (default: results/<scenario name>/)")
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
    sweep.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes",
                       help="where runs execute (default: processes, all cores)")
    sweep.add_argument("--workers", type=_positive, help="worker processes (default: all cores)")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --executor dask)")
    sweep.add_argument("--resume", action="store_true", help="finish the sweep already in --out")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar or summary")

    figures = commands.add_parser(
        "figures", help="build every figure of a figures file (PNG, PDF, SVG + provenance)",
        description="Build the figures listed in a figures file (see figures/paper.yaml) in the house "
        "style, each as PNG, PDF and SVG with a JSON sidecar of provenance. Byte-identical when rebuilt. "
        "Sweep results already in --sweeps are reused; the command says whether it reused or computed them.")
    figures.add_argument("figures", metavar="FIGURES", help="figures YAML file")
    figures.add_argument("--out", type=Path, default=Path("figures") / "out", help="output folder (default: figures/out)")
    figures.add_argument("--sweeps", type=Path, default=Path("results") / "sweeps",
                         help="where sweep results are kept and reused (default: results/sweeps)")
    figures.add_argument("--workers", type=_positive, help="worker processes for sweeps (default: all cores)")
    figures.add_argument("--quiet", action="store_true", help="print nothing but errors")

    validate = commands.add_parser(
        "validate", help="score the model against observed decisions, next to baselines",
        description="Predict each observed decision of the scenario's states (data/brics_decisions.csv) "
        "with the model's decision rule, and score accuracy, log-loss and Brier score next to two "
        "baselines (the base rate; every invitee accepts). Writes predictions.csv, scores.csv, "
        "disputed.csv and a reliability figure into --out.")
    _observed_arguments(validate)
    validate.add_argument("--out", type=Path, help="output folder (default: results/validation/<scenario name>/)")

    calibrate = commands.add_parser(
        "calibrate", help="estimate the decision weights from observed decisions",
        description="Maximum-likelihood decision weights (scipy.optimize, ridge-penalised toward the "
        "scenario's) with leave-one-out cross-validation. Reports in-sample and out-of-sample log-loss "
        "next to the baselines and writes a calibrated scenario that extends the original.")
    _observed_arguments(calibrate)
    calibrate.add_argument("--out", type=Path, help="calibrated scenario file (default: SCENARIO's folder, "
                           "<name>_calibrated.yaml)")
    calibrate.add_argument("--ridge", type=float, default=0.01, help="penalty toward the scenario's weights (default 0.01)")
    calibrate.add_argument("--overwrite", action="store_true", help="replace an existing calibrated scenario file")

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

    sensitivity = commands.add_parser(
        "sensitivity", help="Sobol' or Morris indices of a finished sweep (SALib)",
        description="Sobol' first-order and total indices with 95%% confidence intervals (or Morris mu* "
        "and sigma) of one output, averaged over replications at each point. Writes "
        "sensitivity_<output>_<state>.csv and .png.")
    sensitivity.add_argument("folder", metavar="DIR", type=Path, help="a finished sobol or morris sweep's folder")
    sensitivity.add_argument("--output", required=True, metavar="METRIC",
                             help="a kept output: seeking_membership, ever_applied, final_status (0/0.5/1), p_member_final")
    sensitivity.add_argument("--state", help="the state to analyse (needed when the sweep kept several)")
    sensitivity.add_argument("--out", type=Path, help="folder for the CSV and chart (default: DIR)")

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
    return parser


def _observed_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    parser.add_argument("--observed", required=True, type=Path, metavar="CSV",
                        help="observed decisions (columns as in data/brics_decisions.csv; see data/SOURCES.md)")


def _positive(text: str) -> int:
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
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
    from .results import check_destination, summary_text, write_outputs
    from .run import run
    from .scenario import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    out = args.out if args.out is not None else Path("results") / scenario.name
    check_destination(out, args.overwrite)
    replications = args.replications or scenario.run.replications
    with _progress(replications, args.quiet, "replications") as tick:
        result = run(scenario, seed=args.seed, replications=args.replications, progress=tick)
    from .figures.build import timeline_files

    written = write_outputs(result, out, argv=["alignsim", *args.argv], overwrite=args.overwrite,
                            extra=timeline_files(result))
    if not args.quiet:
        print(summary_text(result))
        print(f"wrote {out}/: {', '.join(path.name for path in written)}")
    return 0


def _sweep(args) -> int:
    from .sweep import load_sweep, run_sweep
    from .sweep.runner import default_folder

    sweep = load_sweep(args.sweep)
    out = args.out if args.out is not None else default_folder(sweep)
    total = sweep.spec.replications  # refined by the first progress call
    with _progress(total, args.quiet, "runs") as tick:
        report = run_sweep(sweep, out, args.executor, args.workers, args.scheduler, args.resume, tick)
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
    from .figures import build

    log = (lambda message: None) if args.quiet else (lambda message: print(message, flush=True))
    written = build(args.figures, args.out, args.sweeps, log, args.workers,
                    progress=lambda: _progress(1, args.quiet, "runs"))
    if not args.quiet:
        print(f"wrote {len(written)} files into {args.out}/")
    return 0


def _validate(args) -> int:
    from .figures import figure_bytes
    from .figures.kinds import reliability
    from .results import FLOAT_FORMAT
    from .scenario import load_scenario
    from .validate import validate

    scenario = load_scenario(args.scenario)
    result = validate(scenario, args.observed)
    out = args.out if args.out is not None else Path("results") / "validation" / scenario.name
    out.mkdir(parents=True, exist_ok=True)
    for name, table in (("predictions", result.predictions), ("scores", result.scores),
                        ("disputed", result.disputed), ("skipped", result.skipped)):
        table.to_csv(out / f"{name}.csv", index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    figure = reliability(result.predictions)
    for fmt in ("png", "pdf", "svg"):
        (out / f"reliability.{fmt}").write_bytes(figure_bytes(figure, fmt))
    states = result.predictions.state.nunique()
    print(f"{scenario.name}: {len(result.predictions)} observed decisions of {states} states "
          f"({len(result.disputed)} disputed readings and {len(result.skipped)} bloc or out-of-scenario rows not scored)")
    print(result.scores.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"wrote {out}/: predictions.csv, scores.csv, disputed.csv, skipped.csv, reliability.png/.pdf/.svg")
    return 0


def _calibrate(args) -> int:
    from .scenario import InputError, Issue, load_scenario
    from .validate import calibrate, calibrated_scenario_text

    scenario_path = Path(args.scenario)
    scenario = load_scenario(scenario_path)
    target = args.out if args.out is not None else scenario_path.with_name(f"{scenario.name}_calibrated.yaml")
    if target.exists() and not args.overwrite:
        raise InputError(Issue(str(target), "--out", "exists; pass --overwrite to replace it"))
    if args.ridge < 0:
        raise InputError(Issue("--ridge", str(args.ridge), "must be at least 0"))
    result = calibrate(scenario, args.observed, ridge=args.ridge)
    print(result.scores.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("calibrated weights: " + ", ".join(f"{k} {v:.3f}" for k, v in result.weights.items()))
    text = calibrated_scenario_text(scenario_path, target, result, scenario)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(target)
    print(f"wrote {target}")
    return 0


def _viz(args) -> int:
    from .viz import serve

    serve(args.scenario, port=args.port, host=args.host)
    return 0


def _export(args) -> int:
    from .sweep import export_csv
    from .sweep.store import Store

    target = export_csv(args.folder, args.out)
    print(f"wrote {target}")
    failures = Store.open(args.folder).failures()
    if len(failures):
        path = target.with_name("failures.csv")
        failures.to_csv(path, index=False, lineterminator="\n")
        print(f"wrote {path} ({len(failures)} failed runs)")
    return 0


def _sensitivity(args) -> int:
    from .sweep.sensitivity import write

    for path in write(args.folder, args.output, args.state, args.out):
        print(f"wrote {path}")
    return 0


def _discover(args) -> int:
    from .sweep.discover import discover, write

    discovery = discover(args.folder, args.output, args.state, args.threshold, args.top, args.min_density)
    print(discovery.describe())
    print(discovery.box.to_string(index=False, float_format=lambda v: f"{v:.3g}", na_rep="-"))
    for path in write(discovery, args.out if args.out is not None else args.folder):
        print(f"wrote {path}")
    return 0


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


def main(argv: list[str] | None = None) -> int:
    from .scenario import InputError

    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    args.argv = argv
    try:
        commands = {"check": _check, "run": _run, "sweep": _sweep, "figures": _figures, "validate": _validate,
                    "calibrate": _calibrate, "viz": _viz, "export": _export, "sensitivity": _sensitivity,
                    "discover": _discover}
        return commands[args.command](args)
    except InputError as exc:
        for issue in exc.issues:
            print(f"error: {str(issue).lstrip(': ')}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`alignsim ... | head`): stop quietly, as Unix tools do.
        try:  # so that the interpreter's final flush does not fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
    except Exception:  # noqa: BLE001 - the last line of defence: a message, not a traceback
        print(
            "alignsim failed unexpectedly. Please report this, with the command and the details below, at\n"
            "the project's issue tracker.\n" + traceback.format_exc(limit=-3),
            file=sys.stderr,
        )
        return 1


def entry_point() -> None:
    sys.exit(main())
