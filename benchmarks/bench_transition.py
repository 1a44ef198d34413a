"""The batched path against the Mesa path on the same seeds (issue 13, item 5): replications per
second of `sim.run.run_once` (one `AlignmentModel` per replication) and of `sim.run.run_many`
(the replications stepped together by sim/transition.py), every field recorded, on bundled
scenarios and under each decision rule; the two give the same arrays, which this script checks
replication by replication before timing.

Each case is timed `--repeats` times, the two paths alternating so that drift in the machine's
speed affects both alike, by the CPU time of this process (less sensitive than wall time to other
work on the machine); the median is reported, and the ratio of the medians.

    python benchmarks/bench_transition.py [--replications 200] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

from _common import ROOT, print_machine, summary, write_results

import sim
from sim.inputs import Timelines
from sim.run import replication_seeds, run_many, run_once
from sim.scenario import with_overrides

CASES = [("eurasia_2024.yaml", "logit"), ("brics_2024_round.yaml", "logit"),
         ("brics_2024_round.yaml", "threshold"), ("brics_2024_round.yaml", "landscape")]


def _cpu(function) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print_machine(wait=False)
    rows = []
    for name, rule in CASES:
        scenario = with_overrides(sim.load_scenario(ROOT / "scenarios" / name), {"decision.rule": rule})
        timelines = Timelines(scenario)
        seeds = replication_seeds(1, args.replications)
        lines = [timelines.for_replication(seed) for seed in seeds]
        batched = run_many(scenario, seeds, lines)
        for seed, timeline, data in zip(seeds, lines, batched):
            alone = run_once(scenario, seed, timeline)
            assert all(alone[key].tobytes() == data[key].tobytes() for key in alone), "the paths differ"
        paths = {"mesa": lambda: [run_once(scenario, s, t) for s, t in zip(seeds, lines)],
                 "batched": lambda: run_many(scenario, seeds, lines)}
        seconds = {path: [] for path in paths}
        for _ in range(args.repeats):
            for path, function in paths.items():
                seconds[path].append(_cpu(function))
        per = {path: summary(values) for path, values in seconds.items()}
        rate = {path: args.replications / per[path]["median"] for path in paths}
        rows.append({"scenario": name, "rule": rule, "states": len(lines[0].states), "months": lines[0].n_steps,
                     "replications": args.replications, "mesa_per_s": rate["mesa"], "batched_per_s": rate["batched"],
                     "ratio": rate["batched"] / rate["mesa"], "seconds": per})
        print(f"{name} ({rule}): Mesa path {rate['mesa']:.0f}/s, batched {rate['batched']:.0f}/s, "
              f"ratio {rate['batched'] / rate['mesa']:.1f}x (same arrays, checked)")
    print(f"results: {write_results('bench_transition', {'rows': rows})}")


if __name__ == "__main__":
    main()
