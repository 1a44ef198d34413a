"""A run of scenarios/eurasia_2024.yaml under this checkout's model against an earlier commit's.

Issue "Model 2" allows the rebuilt dynamics (decision moments, reacting powers, a choosing bloc)
to cost at most 1.5x what a run cost before them. Both versions run here, side by side: the
earlier commit is checked out into a temporary git worktree, and each round times `sim.run` on
the same scenario file of each version in a fresh process (CPU seconds per replication, measured
inside the process, after one warm-up call), alternating the versions so that drift in the
machine's speed affects both alike.

    python benchmarks/bench_model_versions.py [--baseline ca9b815] [--replications 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, print_machine, write_results

SCENARIO = "scenarios/eurasia_2024.yaml"
TARGET_RATIO = 1.5
BASELINE = "ca9b815"
"""main before the Model 2 issue: the model whose cost the issue compares against."""

WORKER = """
import json, sys, time
import sim
scenario = sim.load_scenario(sys.argv[1])
replications = int(sys.argv[2])
sim.run(scenario, seed=1, replications=5)
started = time.process_time()
sim.run(scenario, seed=1, replications=replications)
print(json.dumps((time.process_time() - started) / replications))
"""


def cpu_per_replication(tree: Path, replications: int) -> float:
    done = subprocess.run([sys.executable, "-c", WORKER, str(tree / SCENARIO), str(replications)], cwd=tree,
                          env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"the earlier commit (default {BASELINE})")
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print_machine()
    with tempfile.TemporaryDirectory(prefix="bench_versions-") as scratch:
        before = Path(scratch) / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", str(before), args.baseline], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            samples = {"baseline": [], "current": []}
            for round_ in range(args.rounds):
                for name, tree in (("baseline", before), ("current", ROOT)):
                    samples[name].append(cpu_per_replication(tree, args.replications))
                print(f"round {round_ + 1}: baseline {samples['baseline'][-1] * 1e3:.2f} ms, "
                      f"current {samples['current'][-1] * 1e3:.2f} ms per replication")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, check=True)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    ratio = medians["current"] / medians["baseline"]
    print(f"median CPU per replication: baseline ({args.baseline}) {medians['baseline'] * 1e3:.2f} ms, "
          f"current {medians['current'] * 1e3:.2f} ms; ratio {ratio:.2f} (target <= {TARGET_RATIO})")
    write_results("bench_model_versions", {"baseline": args.baseline, "scenario": SCENARIO,
                                           "replications": args.replications, "samples": samples,
                                           "medians": medians, "ratio": ratio, "target": TARGET_RATIO})


if __name__ == "__main__":
    main()
