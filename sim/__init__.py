"""alignsim: an agent-based simulation of how small states choose their alignment toward BRICS.

The Python API is the one the command line uses::

    import sim
    scenario = sim.load_scenario("scenarios/belarus_semi_blockade.yaml")
    scenario = sim.with_overrides(scenario, {"decision.rationality": 2.0})
    result = sim.run(scenario, seed=1, replications=50)
    result.summary          # pandas DataFrame, as summary.csv
    result.timeseries       # pandas DataFrame, as timeseries.csv
    ahead = sim.forecast(sim.load_scenario("scenarios/brics_2024_round_calibrated.yaml"),
                         "data/brics_decisions.csv", cutoff="2025-12", summit="2026-09")
    ahead.table             # pandas DataFrame, as forecast.csv
"""

__version__ = "0.1.0"

from .forecast import forecast  # noqa: E402
from .model import AlignmentModel  # noqa: E402
from .run import RunResult, run  # noqa: E402
from .scenario import InputError, OverwrittenValueWarning, Scenario, load_scenario, with_overrides  # noqa: E402

__all__ = ["AlignmentModel", "InputError", "OverwrittenValueWarning", "RunResult", "Scenario", "forecast", "load_scenario", "run", "with_overrides"]
