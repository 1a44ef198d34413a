"""Wall time of the landscape engine's exact enumeration, by number of actors, up to its limit.

docs/landscape.md promises "seconds" for 20 actors (524,288 configurations); this measures it,
with and without frustrations, on random landscapes (sizes 1-99, propensities -2..2, seeded).

    python benchmarks/bench_landscape.py [--sizes 12 16 20] [--repeats 3]
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import clean_timed, print_machine, summary, write_results

from sim.landscape import EXACT_LIMIT, Landscape, enumerate_configurations


def random_landscape(n: int, seed: int) -> Landscape:
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.integers(-2, 3, size=(n, n)).astype(float), 1)
    return Landscape(tuple(f"actor{i}" for i in range(n)), rng.integers(1, 100, size=n).astype(float), upper + upper.T)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[12, 16, EXACT_LIMIT])
    parser.add_argument("--repeats", type=int, default=3)
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
    print(f"wrote {write_results('bench_landscape', results)}")


if __name__ == "__main__":
    main()
