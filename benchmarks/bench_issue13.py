"""Issue 13's measurements side by side, in one run: our serial sweep against `mesa.batch_run`
(bench_batch_run.py), parallel efficiency of 2 workers on the bundled grid with the forkserver
pool and `--executor auto` (bench_parallel.py), and the peak memory of `alignsim run` at 1,000,
10,000 and 100,000 replications of brics_2024_round.yaml (bench_run_memory.py). Each script runs
in turn, as its own process, writing its own results file; then this one prints their figures
together against the issue's targets and writes benchmarks/results/bench_issue13.json.

    python benchmarks/bench_issue13.py [--sizes 1000 10000 100000] [--skip batch_run parallel memory]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from _common import RESULTS, machine_info

HERE = Path(__file__).resolve().parent
SCRIPTS = {"batch_run": ["bench_batch_run.py"], "parallel": ["bench_parallel.py", "--large-replications", "0"],
           "memory": ["bench_run_memory.py"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["1000", "10000", "100000"])
    parser.add_argument("--skip", nargs="*", default=[], choices=list(SCRIPTS))
    args = parser.parse_args()
    for name, script in SCRIPTS.items():
        if name not in args.skip:
            extra = ["--sizes", *args.sizes] if name == "memory" else []
            subprocess.run([sys.executable, str(HERE / script[0]), *script[1:], *extra], check=True)
    read = {name: json.loads((RESULTS / f"{stem}.json").read_text()) for name, stem in
            (("batch_run", "bench_batch_run"), ("parallel", "bench_parallel"), ("memory", "bench_run_memory"))
            if (RESULTS / f"{stem}.json").is_file()}
    rows = []
    if "batch_run" in read:
        for key, ratio in read["batch_run"]["ours_speedup"].items():
            if key.startswith("batch_run,"):
                rows.append((f"ours / mesa.batch_run, {key.split(', ')[1]}", f"{ratio:.2f}x", ">= 30x", ratio >= 30))
    if "parallel" in read:
        bundled = read["parallel"]["bundled"]
        rows.append(("parallel efficiency, 2 workers, bundled grid", f"{bundled['efficiency']:.0%}", ">= 90%",
                     bundled["efficiency"] >= 0.9))
        if "command" in read["parallel"]:
            rows.append(("the same, as commands in fresh processes", f"{read['parallel']['command']['efficiency']:.0%}",
                         ">= 90%", read["parallel"]["command"]["efficiency"] >= 0.9))
    if "memory" in read:
        for run in read["memory"]["runs"]:
            rows.append((f"alignsim run peak RSS, {run['replications']:,} replications", f"{run['peak_rss_mb']:.0f} MB",
                         "< 500 MB", run["peak_rss_mb"] < 500))
    print()
    for label, value, target, met in rows:
        print(f"{label:<52}{value:>10}  target {target:<9} {'met' if met else 'NOT met'}")
    results = {"machine": machine_info(), "rows": [dict(zip(("measure", "value", "target", "met"), row)) for row in rows],
               "sources": {name: data.get("machine", {}).get("date") for name, data in read.items()}}
    (RESULTS / "bench_issue13.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
