"""The command line: parses, calls the library, maps errors to exit codes.

Exit codes: 0 success; 2 bad input (file, key, value, option); 1 unexpected failure.
"""

from __future__ import annotations

import argparse
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

documentation: docs/scenarios.md (every scenario key), docs/model.md (the model, ODD protocol)
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
        description="Run a scenario and write timeseries.csv, bloc.csv, summary.csv and manifest.json "
        "into --out (default results/<scenario name>/). An existing non-empty folder is never "
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
    return parser


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
    write_outputs(result, out, argv=["alignsim", *args.argv], overwrite=args.overwrite)
    if not args.quiet:
        print(summary_text(result))
        print(f"wrote {out}/: timeseries.csv, bloc.csv, summary.csv, manifest.json")
    return 0


class _progress:
    """A progress bar on a terminal; nothing when quiet or when output is not a terminal."""

    def __init__(self, total: int, quiet: bool, unit: str):
        self.bar = None
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=f" {unit}", file=sys.stderr, leave=False)

    def __enter__(self):
        return self.tick if self.bar else None

    def tick(self, done: int, total: int) -> None:
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
        return {"check": _check, "run": _run}[args.command](args)
    except InputError as exc:
        for issue in exc.issues:
            print(f"error: {str(issue).lstrip(': ')}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - the last line of defence: a message, not a traceback
        print(
            "alignsim failed unexpectedly. Please report this, with the command and the details below, at\n"
            "the project's issue tracker.\n" + traceback.format_exc(limit=-3),
            file=sys.stderr,
        )
        return 1


def entry_point() -> None:
    sys.exit(main())
