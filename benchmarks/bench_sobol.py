"""Wall time of the bundled Sobol' sweep, sweeps/kazakhstan_sobol.yaml, and of its analysis.

N = 1024 base samples over 10 parameters = N x (D + 2) = 12,288 points x 2 replications =
24,576 runs, with `executor="processes"` on 2 workers into a temporary folder; then
`sim.sweep.sensitivity.analyse` on it for each numeric output it kept (seeking_membership
first, as in the sweep file's comment). Reading the stored results (`Store.results()`, which
every `analyse` call does) is also timed on its own, since it is most of the analysis.

    python benchmarks/bench_sobol.py [--samples 1024] [--workers 2] [--keep] [--decision-only]

`--decision-only` keeps only the sweep's parameters of the decision block (five of the ten): a
sweep whose points differ in the decision block alone reuses the base's compiled epochs, reweighted
(issue 13, item 2), so this times that path on the same sweep. Either way the first 1,024 points
are then run serially twice, side by side: reusing the base's compilation as sweeps do, and
compiling every point afresh.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from _common import ROOT, clean_timed, print_machine, read_sweep_file, timed, write_results, write_sweep_file

from sim.sweep import load_sweep, run_sweep
from sim.sweep.sensitivity import analyse
from sim.sweep.store import Store

SWEEP = "sweeps/kazakhstan_sobol.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=None, help="override N (a power of 2); default as bundled")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the sweep's folder (its path is printed)")
    parser.add_argument("--decision-only", action="store_true",
                        help="sweep only the decision block's parameters (the path that reuses the base's epochs)")
    args = parser.parse_args()
    print_machine()
    scratch = Path(tempfile.mkdtemp(prefix="bench_sobol-"))
    if args.samples or args.decision_only:
        data = read_sweep_file(SWEEP)
        data["samples"] = args.samples or data["samples"]
        if args.decision_only:
            data["parameters"] = {path: p for path, p in data["parameters"].items() if path.startswith("decision.")}
        sweep_file = write_sweep_file(scratch, data)
    else:
        sweep_file = ROOT / SWEEP
    load_seconds, sweep = timed(load_sweep, sweep_file)
    spec = sweep.spec
    d = len(spec.parameters)
    points = spec.samples * (d + 2)
    runs = points * spec.replications
    print(f"{SWEEP}: N = {spec.samples}, D = {d}: {points} points x {spec.replications} replications = {runs} runs; "
          f"outputs {spec.outputs}; load_sweep {load_seconds:.2f} s")

    def sweep_into_fresh_folder():
        out = Path(tempfile.mkdtemp(prefix="out-", dir=scratch))
        start, last = time.perf_counter(), [0.0]

        def progress(done: int, total: int) -> None:
            now = time.perf_counter() - start
            if done == total or now - last[0] >= 30:
                last[0] = now
                print(f"  {now:6.0f} s: {done}/{total} runs", flush=True)

        return out, run_sweep(sweep, out, executor="processes", workers=args.workers, progress=progress)

    sweep_seconds, (out, report) = clean_timed(sweep_into_fresh_folder, attempts=3, label="sobol sweep")
    assert report.failed == 0 and report.ran == runs, report
    parts = list((out / "parts").glob("*.parquet"))
    parts_mb = sum(p.stat().st_size for p in parts) / 2**20
    print(f"sweep: {sweep_seconds:.1f} s ({runs / sweep_seconds:.0f} runs/s), {len(parts)} parquet parts, {parts_mb:.1f} MB")

    reuse = reuse_against_compiling(sweep, scratch)

    read_seconds, table = clean_timed(lambda: Store.open(out).results(), label="read results")
    print(f"reading the results table ({len(table)} rows from {len(parts)} parts): {read_seconds:.1f} s")
    numeric = [o for o in spec.outputs if o != "first_application"]
    numeric.sort(key=lambda o: o != "seeking_membership")
    analyses = {}
    for output in numeric:
        seconds, indices = clean_timed(analyse, out, output, label=f"analyse {output}")
        analyses[output] = {"seconds": seconds,
                            "indices": indices[["parameter", "S1", "S1_conf", "ST", "ST_conf"]].to_dict("records")}
        print(f"analyse(..., {output!r}): {seconds:.1f} s")
        if output == "seeking_membership":
            print(indices[["parameter", "S1", "S1_conf", "ST", "ST_conf"]].to_string(index=False, float_format="%.3f"))
    first = analyses[numeric[0]]["seconds"]
    results = {
        "sweep": SWEEP,
        "samples": spec.samples,
        "parameters": d,
        "points": points,
        "replications": spec.replications,
        "runs": runs,
        "workers": args.workers,
        "executor": "processes",
        "load_sweep_seconds": load_seconds,
        "sweep_seconds": sweep_seconds,
        "sweep_runs_per_second": runs / sweep_seconds,
        "folder": str(out),
        "parts": len(parts),
        "parts_mb": parts_mb,
        "read_results_seconds": read_seconds,
        "analyses": analyses,
        "total_seconds_sweep_plus_first_analysis": sweep_seconds + first,
        "reuse_against_compiling": reuse,
    }
    print(f"total: sweep + analyse(seeking_membership) = {sweep_seconds + first:.1f} s")
    name = "bench_sobol_decision_only" if args.decision_only else "bench_sobol"
    print(f"results: {write_results(name, results | {'decision_only': args.decision_only})}")
    if args.keep:
        print(f"sweep folder kept: {out}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)


def reuse_against_compiling(sweep, scratch: Path, points: int = 1024) -> dict:
    """The first `points` points of the sweep, serially, side by side: as sweeps run them (the
    base's compilation reused: its epochs reweighted for a decision-only sweep, its epochs'
    scenarios with the point's values put in otherwise) and compiling every point
    (`Timelines.under` replaced by a fresh compilation, in this process: hence serial)."""
    from sim import inputs
    from sim.sweep.design import points as design_points
    from sim.sweep.evaluate import evaluate
    from sim.sweep.runner import _jobs

    jobs = list(_jobs(sweep, design_points(sweep)[:points], set()))
    under = inputs.Timelines.under
    seconds = {}
    for label in ("reused", "compiled"):
        if label == "compiled":
            inputs.Timelines.under = lambda self, scenario, paths=None: inputs.Timelines(scenario)
        try:
            seconds[label] = clean_timed(lambda: [evaluate(job) for job in jobs], label=f"{points} points, {label}")[0]
        finally:
            inputs.Timelines.under = under
    print(f"{points} points serially: reused {seconds['reused']:.2f} s, compiled "
          f"{seconds['compiled']:.2f} s, ratio {seconds['compiled'] / seconds['reused']:.2f}x")
    return {"points": points, **{f"{k}_seconds": v for k, v in seconds.items()},
            "ratio": seconds["compiled"] / seconds["reused"]}


if __name__ == "__main__":
    main()
