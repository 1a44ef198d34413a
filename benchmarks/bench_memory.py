"""Peak memory of a 20,000-run sweep with `executor="processes", workers=2`, and of a 5,000-run one.

Each sweep runs in a fresh Python process (this script re-invoked with `--child`), so that its
peaks are its own. Measured there, with the standard library only:

- main process: `resource.getrusage(RUSAGE_SELF).ru_maxrss` at the end of the sweep;
- workers: `resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`, the peak RSS of the largest
  terminated child (the pool's workers, joined when the sweep ends).

If psutil happens to be installed (it is not a dependency of alignsim) the main process's and
each worker's RSS are also sampled every 0.25 s, to show the curve is flat over the sweep.

The sweeps: Kazakhstan's sanctions x Western trade share (kazakhstan_multivector.yaml), a grid
of 20 x 20 points (10 x 10 for the small one) x 50 replications, outputs [seeking_membership].
Target: every process under 500 MB, and no growth with the number of runs.

    python benchmarks/bench_memory.py [--sizes 5000 20000]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import clean_timed, print_machine, write_results, write_sweep_file

BASE = "scenarios/kazakhstan_multivector.yaml"
REPLICATIONS = 50
WORKERS = 2
TARGET_MB = 500.0


def sweep_data(runs: int) -> dict:
    side = math.isqrt(runs // REPLICATIONS)
    assert side * side * REPLICATIONS == runs, "runs must be 50 x a square number"
    return {
        "name": f"memory_{runs}",
        "base": BASE,
        "parameters": {
            "states.Kazakhstan.indicators.sanctions": {"range": [0.0, 1.0], "steps": side},
            "states.Kazakhstan.indicators.trade_west": {"range": [0.0, 0.6], "steps": side},
        },
        "design": "grid",
        "replications": REPLICATIONS,
        "seed": 1,
        "states": ["Kazakhstan"],
        "outputs": ["seeking_membership"],
    }


def _sampler(stop: threading.Event, samples: list, start: float) -> None:
    import psutil

    me = psutil.Process()
    while not stop.wait(0.25):
        try:
            workers = [c.memory_info().rss for c in me.children(recursive=True)]
        except psutil.Error:
            continue
        samples.append((time.perf_counter() - start, me.memory_info().rss, workers))


def child(runs: int) -> None:
    """Run one sweep and print its measurements as JSON on the last line."""
    from sim.sweep import run_sweep

    scratch = Path(tempfile.mkdtemp(prefix=f"bench_memory-{runs}-"))
    sweep_file = write_sweep_file(scratch, sweep_data(runs))
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    samples, stop = [], threading.Event()
    try:
        import psutil  # noqa: F401

        thread = threading.Thread(target=_sampler, args=(stop, samples, time.perf_counter()), daemon=True)
        thread.start()
    except ImportError:
        thread = None
    start = time.perf_counter()
    report = run_sweep(sweep_file, scratch / "out", executor="processes", workers=WORKERS)
    seconds = time.perf_counter() - start
    stop.set()
    if thread:
        thread.join()
    assert report.failed == 0 and report.ran == runs, report
    result = {
        "runs": runs,
        "seconds": seconds,
        "runs_per_second": runs / seconds,
        "main_maxrss_mb_before_sweep": baseline_kb / 1024,
        "main_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "parts_written": len(list((scratch / "out" / "parts").glob("*.parquet"))),
    }
    if samples:
        def quarter(lo, hi):
            chosen = [s for s in samples if lo <= s[0] / seconds < hi] or samples
            return {"main_mb": max(s[1] for s in chosen) / 2**20,
                    "largest_worker_mb": max((max(s[2]) for s in chosen if s[2]), default=0) / 2**20}
        result["psutil_samples"] = len(samples)
        result["rss_by_quarter_of_the_sweep"] = [quarter(q / 4, (q + 1) / 4) for q in range(4)]
    shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    print_machine()
    measured = []
    for runs in args.sizes:
        print(f"  sweep of {runs} runs ({runs // REPLICATIONS} points x {REPLICATIONS} replications), "
              f"{WORKERS} workers ...", flush=True)
        command = [sys.executable, __file__, "--child", str(runs)]
        _, output = clean_timed(lambda command=command: subprocess.run(command, check=True, capture_output=True,
                                                                       text=True).stdout,
                                attempts=2, label=f"{runs}-run sweep")
        result = json.loads(output.strip().splitlines()[-1])
        measured.append(result)
        print(f"    {result['seconds']:.1f} s ({result['runs_per_second']:.0f} runs/s); peak RSS main "
              f"{result['main_maxrss_mb']:.0f} MB, largest worker {result['worker_maxrss_mb']:.0f} MB")
        for q, r in enumerate(result.get("rss_by_quarter_of_the_sweep", [])):
            print(f"      quarter {q + 1}: main {r['main_mb']:.0f} MB, largest worker {r['largest_worker_mb']:.0f} MB")

    peak = max(max(r["main_maxrss_mb"], r["worker_maxrss_mb"]) for r in measured)
    growth = None
    if len(measured) > 1:
        small, big = measured[0], measured[-1]
        growth = {"main_mb": big["main_maxrss_mb"] - small["main_maxrss_mb"],
                  "worker_mb": big["worker_maxrss_mb"] - small["worker_maxrss_mb"],
                  "runs_ratio": big["runs"] / small["runs"]}
    results = {"base": BASE, "workers": WORKERS, "replications_per_point": REPLICATIONS,
               "outputs": ["seeking_membership"], "sweeps": measured, "peak_mb_any_process": peak,
               "growth_from_smallest_to_largest": growth, "target_mb": TARGET_MB, "target_met": peak < TARGET_MB}
    print()
    print(f"{'runs':>7}{'seconds':>9}{'main peak MB':>14}{'worker peak MB':>16}")
    for r in measured:
        print(f"{r['runs']:>7}{r['seconds']:>9.1f}{r['main_maxrss_mb']:>14.0f}{r['worker_maxrss_mb']:>16.0f}")
    if growth:
        print(f"growth from {measured[0]['runs']} to {measured[-1]['runs']} runs: main {growth['main_mb']:+.1f} MB, "
              f"workers {growth['worker_mb']:+.1f} MB")
    print(f"target: every process < {TARGET_MB:.0f} MB: {'met' if peak < TARGET_MB else 'NOT met'} (peak {peak:.0f} MB)")
    print(f"results: {write_results('bench_memory', results)}")


if __name__ == "__main__":
    main()
