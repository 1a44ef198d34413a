"""Single runs per second of scenarios/eurasia_2024.yaml, against "the limit".

Measured, each as the median over several repeats of many runs (repeats interleaved, so that
drift in the machine's speed affects all alike):

- full run: `sim.run.run_once` with a precompiled timeline, recording every field (what
  `sim.run` and `alignsim run` do per replication);
- sweep path: the same with `record=("seeking_membership", "status")`, the subset a sweep keeping
  final status / seeking membership asks for (sim/sweep/evaluate.py);
- model construction alone (`AlignmentModel.__init__`: network, agents, recorder);
- the limit: a plain loop over the 60 months doing exactly the numpy work of
  `AlignmentModel.evaluate` and `sim.decision.draw_choices` on the same compiled `Epoch` arrays,
  with the same decision functions, and no Mesa Model/Agent objects and no recorder.

Target: full run time / limit time within 3x.

    python benchmarks/bench_single_run.py [--runs 200] [--repeats 7]
"""

from __future__ import annotations

import argparse
import gc

import numpy as np
from mesa import Agent

from _common import ROOT, print_machine, summary, timed, write_results

import sim
from sim import decision as d
from sim.inputs import Timeline, compile_timeline
from sim.model import _DYNAMIC as MODEL_DYNAMIC
from sim.model import AlignmentModel
from sim.run import replication_seeds, run_once

SCENARIO = "scenarios/eurasia_2024.yaml"
SWEEP_RECORD = ("seeking_membership", "status")
TARGET_RATIO = 3.0

DYNAMIC = [d.TERMS.index(name) for name in ("accession_friction", "peer_influence", "switching_cost")]
assert DYNAMIC == MODEL_DYNAMIC, "the model's dynamic terms changed; update the limit loop"


def limit_run(timeline: Timeline, rng: np.random.Generator) -> np.ndarray:
    """The numpy work of AlignmentModel.evaluate + draw_choices for every month, nothing else.

    Mirrors sim/model.py (evaluate, and the draw in step) line for line on the model's initial
    arrays; returns month 0's probabilities so that the caller can check they are the model's.
    """
    n = len(timeline.states)
    status = timeline.initial_status.copy()
    stance = np.where(timeline.initial_seeking, d.MEMBER, status).astype(np.int8)
    offer = np.zeros(n, dtype=np.int8)
    adjacency = timeline.adjacency
    first = None
    for month in range(timeline.n_steps):
        epoch = timeline.epoch_at(month)
        # --- AlignmentModel.evaluate
        aligned = ((status >= d.PARTNER) | (stance >= d.PARTNER)).astype(float)
        dynamic = np.zeros((len(DYNAMIC), n, len(d.OPTIONS)))
        dynamic[0] = d.accession_friction_term(epoch.admit_member, epoch.admit_partner, status, offer)
        dynamic[1] = d.peer_influence_term(d.peer_alignment(adjacency, aligned))
        dynamic[2] = d.switching_cost_term(stance)
        utility = epoch.exogenous_utility + d.utilities(dynamic, epoch.weights[DYNAMIC])
        available = np.ones_like(utility, dtype=bool)
        available[:, d.PARTNER] = epoch.partner_tier | (status == d.PARTNER)
        probabilities = d.choice_probabilities(utility, epoch.rationality, available)
        # --- the draw in AlignmentModel.step
        choice = d.draw_choices(probabilities, rng.random(n)).astype(np.int8)
        if first is None:
            first = probabilities
    del choice
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
    limit_p0 = limit_run(timeline, np.random.default_rng(seeds[0]))
    assert np.allclose(model_p0, limit_p0), "the limit loop no longer computes what the model does"

    cases = {
        "full_run": lambda s: run_once(scenario, s, timeline),
        "sweep_path": lambda s: run_once(scenario, s, timeline, SWEEP_RECORD),
        "construction_only": lambda s: construct(scenario, s, timeline),
        "limit": lambda s: limit_run(timeline, np.random.default_rng(s)),
    }
    for case in cases.values():  # warm up
        for s in seeds[:10]:
            case(s)
    seconds = {name: [] for name in cases}
    for repeat in range(args.repeats):
        for name, case in cases.items():
            gc.collect()
            elapsed, _ = timed(lambda: [case(s) for s in seeds])
            seconds[name].append(elapsed / args.runs)
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
