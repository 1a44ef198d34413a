"""Peak memory of `alignsim run` at 1,000, 10,000 and 100,000 replications of
scenarios/brics_2024_round.yaml (32 states, 60 months), tables streamed as Parquet parts.

Each run is the command itself (`python -m sim run ... --format parquet --quiet`) in a child
process; its peak RSS is the kernel's (`os.wait4`'s `ru_maxrss` for that child), and its RSS is
also read from /proc every second, so that the curve over the run shows whether memory grows with
the replications done. Target: under 500 MB at 100,000 replications, and flat.

    python benchmarks/bench_run_memory.py [--sizes 1000 10000 100000] [--record FIELDS]

It does not wait for an idle machine (peak memory does not depend on other load); its results
file records the other processes' share all the same. With `--record`, the results go to
bench_run_memory_record_<fields>.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import ROOT, print_machine, write_results

SCENARIO = "scenarios/brics_2024_round.yaml"
TARGET_MB = 500.0


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def measure(replications: int, record: str | None, scratch: Path) -> dict:
    out = scratch / f"run-{replications}"
    command = [sys.executable, "-m", "sim", "run", str(ROOT / SCENARIO), "--replications", str(replications),
               "--seed", "1", "--out", str(out), "--format", "parquet", "--quiet", "--overwrite",
               *(["--record", record] if record else [])]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    samples, stop = [], threading.Event()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=scratch, env=env)

    def sample() -> None:
        while not stop.wait(1.0):
            rss = _rss_mb(process.pid)
            if rss is not None:
                samples.append((time.perf_counter() - start, rss))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    stop.set()
    thread.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 0, f"{command} exited {process.returncode}"
    disk = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    shutil.rmtree(out, ignore_errors=True)

    def tenth(lo: float, hi: float) -> float | None:
        chosen = [rss for t, rss in samples if lo <= t / seconds < hi]
        return max(chosen) if chosen else None

    return {"replications": replications, "seconds": seconds, "replications_per_second": replications / seconds,
            "peak_rss_mb": usage.ru_maxrss / 1024, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "output_mb": disk / 2**20, "rss_samples": len(samples),
            "rss_mb_by_tenth_of_the_run": [tenth(q / 10, (q + 1) / 10) for q in range(10)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--record", help="passed to `alignsim run --record` (default: every field)")
    args = parser.parse_args()
    print_machine(wait=False)  # memory does not depend on other load; its share is recorded all the same
    scratch = Path(tempfile.mkdtemp(prefix="bench_run_memory-"))
    measured = []
    for replications in args.sizes:
        print(f"  alignsim run {SCENARIO} --replications {replications} --format parquet ...", flush=True)
        result = measure(replications, args.record, scratch)
        measured.append(result)
        print(f"    {result['seconds']:.0f} s ({result['replications_per_second']:.0f} replications/s), peak RSS "
              f"{result['peak_rss_mb']:.0f} MB, {result['output_mb']:.0f} MB written; RSS by tenth of the run: "
              + ", ".join(f"{v:.0f}" for v in result["rss_mb_by_tenth_of_the_run"] if v is not None), flush=True)
    shutil.rmtree(scratch, ignore_errors=True)
    peak = max(r["peak_rss_mb"] for r in measured)
    results = {"scenario": SCENARIO, "format": "parquet", "record": args.record or "every field", "runs": measured,
               "peak_mb": peak, "growth_mb_smallest_to_largest": measured[-1]["peak_rss_mb"] - measured[0]["peak_rss_mb"],
               "target_mb": TARGET_MB, "target_met": peak < TARGET_MB}
    print(f"target: peak under {TARGET_MB:.0f} MB: {'met' if peak < TARGET_MB else 'NOT met'} (peak {peak:.0f} MB, "
          f"{results['growth_mb_smallest_to_largest']:+.0f} MB from {measured[0]['replications']:,} to "
          f"{measured[-1]['replications']:,} replications)")
    name = "bench_run_memory" + (f"_record_{args.record.replace(',', '_')}" if args.record else "")
    print(f"results: {write_results(name, results)}")


if __name__ == "__main__":
    main()
