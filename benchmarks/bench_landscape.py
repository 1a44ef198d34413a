"""Wall time of the landscape engine's exact enumeration, by number of actors, up to its limit;
and of a run under the landscape decision rule against the logit.

docs/landscape.md promises "seconds" for 20 actors (524,288 configurations); this measures it,
with and without frustrations, on random landscapes (sizes 1-99, propensities -2..2, seeded).
The landscape rule (docs/model.md, 7.10) descends for every state and option each month; this
times `sim.run` of scenarios/brics_2024_round_observed.yaml (32 states, 60 months) under each rule.

    python benchmarks/bench_landscape.py [--sizes 12 16 20] [--repeats 3] [--replications 20]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from _common import clean_timed, print_machine, summary, write_results

import sim
from sim.landscape import EXACT_LIMIT, Landscape, enumerate_configurations

ROUND = Path(__file__).resolve().parents[1] / "scenarios" / "brics_2024_round_observed.yaml"


def random_landscape(n: int, seed: int) -> Landscape:
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.integers(-2, 3, size=(n, n)).astype(float), 1)
    return Landscape(tuple(f"actor{i}" for i in range(n)), rng.integers(1, 100, size=n).astype(float), upper + upper.T)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[12, 16, EXACT_LIMIT])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--replications", type=int, default=20, help="per timed run of the 2024 round")
    args = parser.parse_args()
    print_machine()
    results = {}
    for n in args.sizes:
        landscape = random_landscape(n, seed=n)
        for frustration in (False, True):
            samples = [clean_timed(enumerate_configurations, landscape, frustration=frustration,
                                   label=f"{n} actors")[0] for _ in range(args.repeats)]
            key = f"{n}_actors" + ("_with_frustration" if frustration else "")
            results[key] = summary(samples)
            print(f"{n:>3} actors, {2 ** (n - 1):>9,} configurations{' + frustration' if frustration else '':<14}"
                  f" median {results[key]['median']:.3f} s")
    for rule in ("logit", "landscape"):
        scenario = sim.with_overrides(sim.load_scenario(ROUND), {"decision.rule": rule})
        samples = [clean_timed(sim.run, scenario, seed=1, replications=args.replications, label=rule)[0]
                   / args.replications for _ in range(args.repeats)]
        results[f"round_replication_{rule}"] = summary(samples)
        print(f"brics_2024_round_observed under {rule:<9}: median {summary(samples)['median'] * 1000:.1f} ms "
              "per 60-month replication")
    print(f"wrote {write_results('bench_landscape', results)}")


if __name__ == "__main__":
    main()
