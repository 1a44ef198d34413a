"""Parallel efficiency of `executor="processes", workers=2` against `executor="serial"`.

The sweep is sweeps/sanctions_vs_western_trade.yaml as bundled (11 x 7 points x 20 replications
= 1,540 runs), each run with `sim.sweep.run_sweep` into a fresh temporary folder; serial and
parallel alternate over `--repeats` repeats and the medians are compared:

    efficiency = T_serial / (2 x T_parallel)          target >= 90% (issue 13; 85% before)

`executor="auto"` (the default) is timed alongside: it should take about the better of the two.

The same is then measured once on a larger variant of the sweep (`--large-replications`, default
80 per point = 6,160 runs), to separate the fixed cost of starting the worker processes from the
steady state; and that fixed cost is measured directly: the wall time of a 2-run sweep on a
fresh 2-worker pool, against the same sweep run serially. Workers are forked from a forkserver
that imports alignsim once per process: the first pool of this script starts it (reported as
`first_pool_seconds`), later pools reuse it. A pool is kept for the process's next sweep
(`sim.sweep.executors.shared_pool`), so the repeats above run on warm workers, as the serial
repeats run in a warm process (one untimed sweep with each executor comes first, reported as
`untimed_first_seconds`); the start-up figures close it first (`fresh_pool_seconds`) or
keep it (`kept_pool_seconds`). Last, the bundled sweep is run as a user runs it,
`python -m sim sweep ... --executor serial|processes|auto` in a fresh process each (interpreter,
imports and forkserver start included), once each.

    python benchmarks/bench_parallel.py [--repeats 3] [--large-replications 80]  (0 skips the large one)
"""

from __future__ import annotations

import argparse
import gc
import shutil
import tempfile
from pathlib import Path

from _common import clean_timed, print_machine, read_sweep_file, summary, write_results, write_sweep_file

from sim.sweep import run_sweep
from sim.sweep.executors import close_pool

SWEEP = "sweeps/sanctions_vs_western_trade.yaml"
WORKERS = 2
TARGET = 0.90


def _sweep(sweep_file: Path, executor: str, scratch: Path, tag: str):
    out = tempfile.mkdtemp(prefix=f"{tag}-", dir=scratch)  # fresh: a sample may be measured again
    report = run_sweep(sweep_file, out, executor=executor, workers=WORKERS if executor == "processes" else None)
    assert report.failed == 0 and report.ran == report.total_runs, report
    return report


def sweep_once(sweep_file: Path, executor: str, scratch: Path, tag: str) -> float:
    seconds, _ = clean_timed(_sweep, sweep_file, executor, scratch, tag, label=tag)
    return seconds


def command_once(sweep_file: Path, executor: str, scratch: Path, tag: str) -> float:
    """Wall time of `python -m sim sweep` in a fresh process, as a user runs it."""
    import os
    import subprocess
    import sys

    from _common import ROOT

    out = tempfile.mkdtemp(prefix=f"{tag}-", dir=scratch)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-m", "sim", "sweep", str(sweep_file), "--out", out, "--overwrite", "--quiet",
               "--executor", executor, "--workers", str(WORKERS)]
    seconds, _ = clean_timed(subprocess.run, command, check=True, env=env, label=tag)
    return seconds


def measure(sweep_file: Path, runs: int, repeats: int, scratch: Path, label: str) -> dict:
    # One untimed sweep with each executor first: the kept pool's workers then hold what this
    # process holds (the scenario compiled, its columns imputed), not only the serial repeats.
    first = {executor: sweep_once(sweep_file, executor, scratch, f"{label}-{executor}-first")
             for executor in ("serial", "processes")}
    print(f"  {label}, untimed first sweep: " + ", ".join(f"{k} {v:.2f} s" for k, v in first.items()))
    serial, parallel, auto = [], [], []
    for repeat in range(repeats):
        for executor, store in (("serial", serial), ("processes", parallel), ("auto", auto)):
            gc.collect()
            store.append(sweep_once(sweep_file, executor, scratch, f"{label}-{executor}-{repeat}"))
            print(f"  {label}, repeat {repeat + 1}/{repeats}: {executor}: {store[-1]:.2f} s "
                  f"({runs / store[-1]:.1f} runs/s)")
    t_serial, t_parallel = summary(serial)["median"], summary(parallel)["median"]
    return {
        "runs": runs,
        "repeats": repeats,
        "untimed_first_seconds": first,
        "serial_seconds": summary(serial),
        "parallel_seconds": summary(parallel),
        "auto_seconds": summary(auto),
        "serial_runs_per_second": runs / t_serial,
        "parallel_runs_per_second": runs / t_parallel,
        "speedup": t_serial / t_parallel,
        "efficiency": t_serial / (WORKERS * t_parallel),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--large-replications", type=int, default=80)
    args = parser.parse_args()
    print_machine()
    scratch = Path(tempfile.mkdtemp(prefix="bench_parallel-"))
    bundled = read_sweep_file(SWEEP)
    points = 11 * 7

    results = {"sweep": SWEEP, "workers": WORKERS, "target_efficiency": TARGET}

    # Fixed cost: a fresh pool of 2 spawned workers doing one run each, against those 2 runs serially.
    tiny = dict(bundled, replications=1,
                parameters={k: {"values": [0.0]} if "trade_west" in k else {"values": [0.0, 1.0]}
                            for k in bundled["parameters"]})
    tiny_file = write_sweep_file(scratch, tiny, "tiny.yaml")
    sweep_once(tiny_file, "serial", scratch, "warm")
    first = sweep_once(tiny_file, "processes", scratch, "tiny-first")
    fresh, kept = [], []
    for i in range(3):
        close_pool()
        fresh.append(sweep_once(tiny_file, "processes", scratch, f"tiny-fresh-{i}"))
        kept.append(sweep_once(tiny_file, "processes", scratch, f"tiny-kept-{i}"))
    startup_serial = [sweep_once(tiny_file, "serial", scratch, f"tiny-s-{i}") for i in range(3)]
    results["startup"] = {"first_pool_seconds": first, "fresh_pool_seconds": summary(fresh),
                          "kept_pool_seconds": summary(kept),
                          "two_run_sweep_serial_seconds": summary(startup_serial),
                          "pool_overhead_seconds": summary(fresh)["median"] - summary(startup_serial)["median"]}
    print(f"pool start-up: a 2-run sweep takes {first:.2f} s on the first 2-worker pool (forkserver start "
          f"included), {summary(fresh)['median']:.2f} s on a fresh pool, {summary(kept)['median']:.2f} s on "
          f"the kept one, {summary(startup_serial)['median']:.2f} s serially")

    results["bundled"] = measure(write_sweep_file(scratch, bundled, "bundled.yaml"), points * bundled["replications"],
                                 args.repeats, scratch, "bundled")
    if args.large_replications:
        large = dict(bundled, replications=args.large_replications)
        results["large"] = measure(write_sweep_file(scratch, large, "large.yaml"), points * args.large_replications,
                                   1, scratch, "large")
    bundled_file = scratch / "bundled.yaml"
    commands = {executor: command_once(bundled_file, executor, scratch, f"command-{executor}")
                for executor in ("serial", "processes", "auto")}
    results["command"] = {"seconds": commands, "efficiency": commands["serial"] / (WORKERS * commands["processes"])}
    print("as a command, in a fresh process each: " + ", ".join(f"{k} {v:.2f} s" for k, v in commands.items())
          + f"; efficiency {results['command']['efficiency']:.0%}")
    results["target_met"] = results["bundled"]["efficiency"] >= TARGET

    print()
    print(f"{'sweep':<34}{'runs':>7}{'serial s':>10}{'2 workers s':>13}{'speedup':>9}{'efficiency':>12}")
    for key in ("bundled", "large"):
        if key in results:
            r = results[key]
            print(f"{key + ' (' + str(r['runs'] // points) + ' replications)':<34}{r['runs']:>7}"
                  f"{r['serial_seconds']['median']:>10.2f}{r['parallel_seconds']['median']:>13.2f}"
                  f"{r['speedup']:>8.2f}x{r['efficiency']:>11.0%}")
    print(f"target: efficiency >= {TARGET:.0%} on the bundled sweep: {'met' if results['target_met'] else 'NOT met'}")
    print(f"results: {write_results('bench_parallel', results)}")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
