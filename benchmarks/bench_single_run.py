"""Single runs per second of scenarios/eurasia_2024.yaml, against "the limit".

Measured, each as the median over several repeats of many runs (repeats interleaved, so that
drift in the machine's speed affects all alike):

- full run: `sim.run.run_once` with a precompiled timeline, recording every field (what
  `sim.run` and `alignsim run` do per replication);
- sweep path: the same with `record=("seeking_membership", "status")`, the subset a sweep keeping
  final status / seeking membership asks for (sim/sweep/evaluate.py);
- model construction alone (`AlignmentModel.__init__`: network, agents, recorder);
- the limit: a plain loop over the 60 months doing exactly the numpy work of
  `sim.transition.evaluate` and `sim.decision.draw_choices` on the same compiled `Epoch` arrays,
  and no Mesa Model/Agent objects and no recorder: the model's own decision code, whatever it
  becomes.

Target: full run time / limit time within 3x.

    python benchmarks/bench_single_run.py [--runs 200] [--repeats 7]
"""

from __future__ import annotations

import argparse
import gc

import numpy as np
from _common import ROOT, clean_timed, print_machine, summary, timed, write_results
from mesa import Agent

import sim
from sim import decision as d
from sim import transition
from sim.inputs import Timeline, compile_timeline
from sim.model import AlignmentModel
from sim.rules import RULES
from sim.run import replication_seeds, run_once

SCENARIO = "scenarios/eurasia_2024.yaml"
SWEEP_RECORD = ("seeking_membership", "status")
TARGET_RATIO = 3.0
CONSTRUCT_LOOPS = 10
"""Construction is timed 10 times per seed, so that its samples are long enough to time well."""


def limit_run(scenario, timeline: Timeline, rng: np.random.Generator) -> np.ndarray:
    """The numpy work of scoring and drawing for every month, nothing else: sim/transition.py's
    `evaluate` (the model's own decision code) and the draw of its `step`, on one replication held
    in arrays; no Mesa object, no acting, no recorder. The states stay as they started. Returns
    month 0's probabilities so that the caller can check they are the model's."""
    rule = RULES[scenario.decision.rule]
    replication = transition.start([timeline], rule, [rng])
    n = len(timeline.states)
    first = None
    for month in range(timeline.n_steps):
        probabilities = transition.evaluate(replication, month, rule).probabilities
        d.draw_choices(probabilities, rng.random(n)).astype(np.int8)
        if first is None:
            first = probabilities
    return first


def construct(scenario, seed_sequence, timeline) -> None:
    """AlignmentModel.__init__ alone, releasing Mesa 3.3's id counter as run_once does."""
    model = AlignmentModel(scenario, rng=np.random.default_rng(seed_sequence), timeline=timeline)
    ids = getattr(Agent, "_ids", None)
    if ids is not None:
        ids.pop(model, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="runs per repeat (default 200)")
    parser.add_argument("--repeats", type=int, default=7, help="repeats; the median is reported (default 7)")
    args = parser.parse_args()

    print_machine()
    scenario = sim.load_scenario(ROOT / SCENARIO)
    compile_seconds, timeline = timed(compile_timeline, scenario)
    seeds = replication_seeds(1, args.runs)
    print(f"{SCENARIO}: {len(timeline.states)} states, {timeline.n_steps} months, {len(timeline.epochs)} epochs; "
          f"compile_timeline {compile_seconds * 1e3:.1f} ms (once, not in the figures below)")

    # The limit mirrors the model: month 0's probabilities are a function of the initial state only.
    model_p0 = run_once(scenario, seeds[0], timeline)["probabilities"][0]
    limit_p0 = limit_run(scenario, timeline, np.random.default_rng(seeds[0]))
    assert np.allclose(model_p0, limit_p0), "the limit loop no longer computes what the model does"

    cases = {
        "full_run": lambda s: run_once(scenario, s, timeline),
        "sweep_path": lambda s: run_once(scenario, s, timeline, SWEEP_RECORD),
        "construction_only": lambda s: [construct(scenario, s, timeline) for _ in range(CONSTRUCT_LOOPS)],
        "limit": lambda s: limit_run(scenario, timeline, np.random.default_rng(s)),
    }
    for case in cases.values():  # warm up
        for s in seeds[:10]:
            case(s)
    seconds = {name: [] for name in cases}
    for repeat in range(args.repeats):
        for name, case in cases.items():
            gc.collect()
            elapsed, _ = clean_timed(lambda case=case: [case(s) for s in seeds], label=f"{name} repeat {repeat + 1}")
            seconds[name].append(elapsed / args.runs / (CONSTRUCT_LOOPS if name == "construction_only" else 1))
        print(f"  repeat {repeat + 1}/{args.repeats}: " + ", ".join(
            f"{name} {1 / seconds[name][-1]:.0f}/s" for name in cases))

    per_run = {name: summary(values) for name, values in seconds.items()}
    median = {name: per_run[name]["median"] for name in cases}
    ratio = median["full_run"] / median["limit"]
    results = {
        "scenario": SCENARIO,
        "states": len(timeline.states),
        "months": timeline.n_steps,
        "runs_per_repeat": args.runs,
        "repeats": args.repeats,
        "compile_timeline_seconds": compile_seconds,
        "seconds_per_run": per_run,
        "runs_per_second": {name: 1 / value for name, value in median.items()},
        "microseconds_per_month": {name: value / timeline.n_steps * 1e6 for name, value in median.items()},
        "ratio_full_over_limit": ratio,
        "ratio_sweep_path_over_limit": median["sweep_path"] / median["limit"],
        "target_ratio_full_over_limit": TARGET_RATIO,
        "target_met": ratio <= TARGET_RATIO,
    }

    print()
    print(f"{'case':<20}{'runs/s':>10}{'ms/run':>10}{'us/month':>10}")
    for name in cases:
        print(f"{name:<20}{1 / median[name]:>10.1f}{median[name] * 1e3:>10.2f}"
              f"{median[name] / timeline.n_steps * 1e6:>10.1f}")
    print(f"full run / limit = {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x: {'met' if ratio <= TARGET_RATIO else 'NOT met'})")
    print(f"sweep path / limit = {results['ratio_sweep_path_over_limit']:.2f}x")
    print(f"results: {write_results('bench_single_run', results)}")


if __name__ == "__main__":
    main()
