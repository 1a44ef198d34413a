"""Sweeps: what is varied (spec), how it is sampled (design), how runs are evaluated (evaluate),
where they run (executors), how results are stored (store), and their analysis (sensitivity,
and scenario discovery: discover)."""

from .runner import SweepReport, export_csv, read_results, run_sweep
from .spec import LoadedSweep, load_sweep

__all__ = ["LoadedSweep", "SweepReport", "export_csv", "load_sweep", "read_results", "run_sweep"]
