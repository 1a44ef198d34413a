"""Wall and CPU time of `alignsim estimate` on the 2024 round at its defaults (issue 11, item 8:
under 15 minutes on 2 cores), with the sampler's diagnostics of the same run.

Runs the command as a user types it, in a fresh process, writing into a temporary folder:

    python benchmarks/bench_estimate.py [--likelihood history] [--repeats 1] [--no-wait]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from _common import ROOT, print_machine, summary, write_results

TARGET_SECONDS = 15 * 60


def run_once(likelihood: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "estimate"
        command = [sys.executable, "-m", "sim", "estimate", "scenarios/brics_2024_round.yaml",
                   "--observed", "data/brics_decisions.csv", "--likelihood", likelihood, "--out", str(out)]
        before = os.times()
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        wall = time.perf_counter() - start
        after = os.times()
        table = pd.read_csv(out / "summary.csv")
    return {"wall_seconds": wall, "cpu_seconds": (after.children_user - before.children_user)
            + (after.children_system - before.children_system),
            "max_r_hat": float(table.r_hat.max()), "min_ess_bulk": float(table.ess_bulk.min())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--likelihood", choices=("history", "decision"), default="history")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-wait", action="store_true", help="measure at once, without waiting for an idle machine")
    args = parser.parse_args()
    print_machine(wait=not args.no_wait)
    runs = [run_once(args.likelihood) for _ in range(args.repeats)]
    for run in runs:
        print(f"estimate ({args.likelihood}): {run['wall_seconds']:.1f} s wall, {run['cpu_seconds']:.1f} s CPU; "
              f"largest R-hat {run['max_r_hat']:.3f}, smallest bulk ESS {run['min_ess_bulk']:.0f}; "
              f"target under {TARGET_SECONDS} s: {'met' if run['wall_seconds'] < TARGET_SECONDS else 'NOT met'}")
    results = {"likelihood": args.likelihood, "target_seconds": TARGET_SECONDS,
               "wall_seconds": summary([r["wall_seconds"] for r in runs]),
               "cpu_seconds": summary([r["cpu_seconds"] for r in runs]), "runs": runs}
    print(f"wrote {write_results('bench_estimate', results)}")


if __name__ == "__main__":
    main()
