"""Shared helpers for the benchmark scripts: machine description, timing, results files.

Not a test module: the scripts in this folder are measurements, run one at a time with
`python benchmarks/<name>.py` (pytest only collects tests/).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"

if str(ROOT) not in sys.path:  # so that `import sim` works from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))


def _cpuinfo_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _meminfo_total_mb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"') + f" (kernel {platform.release()})"
    except OSError:
        pass
    return platform.platform()


def machine_info() -> dict:
    """The machine and software a measurement ran on."""
    import mesa
    import numpy

    versions = {"python": platform.python_version(), "mesa": mesa.__version__, "numpy": numpy.__version__}
    for name in ("pandas", "pyarrow", "pydantic", "networkx", "SALib"):
        try:
            versions[name] = __import__(name).__version__
        except Exception:  # noqa: BLE001 - informative only
            pass
    try:
        import sim

        versions["alignsim"] = sim.__version__
    except Exception:  # noqa: BLE001
        pass
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu_model": _cpuinfo_model(),
        "cpu_count": os.cpu_count(),
        "usable_cores": affinity,
        "ram_total_mb": _meminfo_total_mb(),
        "os": _os_name(),
        "python_implementation": platform.python_implementation(),
        "versions": versions,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def timed(function, *args, **kwargs) -> tuple[float, object]:
    """(seconds, result) of one call, by the monotonic high-resolution clock."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def summary(samples: list[float]) -> dict:
    """Median, min, max and all samples (seconds or rates)."""
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "samples": list(samples),
    }


def write_results(name: str, results: dict) -> Path:
    """Write benchmarks/results/<name>.json with the machine description; return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, "machine": machine_info(), "command": " ".join([Path(sys.executable).name, *sys.argv]),
               **results}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=_jsonable) + "\n", encoding="utf-8")
    return path


def _jsonable(value):
    try:
        import numpy

        if isinstance(value, numpy.generic):
            return value.item()
        if isinstance(value, numpy.ndarray):
            return value.tolist()
    except ImportError:
        pass
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value)}")


def print_machine() -> None:
    info = machine_info()
    v = info["versions"]
    print(f"machine: {info['cpu_model']}, {info['cpu_count']} cores ({info['usable_cores']} usable), "
          f"{info['ram_total_mb']} MB RAM, {info['os']}")
    print(f"python {v['python']}, mesa {v['mesa']}, numpy {v['numpy']}; {info['date']}")


def write_sweep_file(folder: Path, data: dict, name: str = "sweep.yaml") -> Path:
    """Write a sweep file into `folder`, with its `base` made absolute (relative to the repository)."""
    import yaml

    data = dict(data)
    base = Path(data["base"])
    if not base.is_absolute():
        base = (ROOT / base).resolve()
    data["base"] = str(base)
    path = Path(folder) / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def read_sweep_file(relative: str) -> dict:
    """A bundled sweep file as data, with `base` rewritten relative to the repository root."""
    import yaml

    path = ROOT / relative
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["base"] = str((path.parent / data["base"]).resolve())
    return data
