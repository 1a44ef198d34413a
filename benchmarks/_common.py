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


def source_fingerprint() -> dict:
    """sha256 over sim/**/*.py (path and content), and the newest file's time: which code was measured."""
    import hashlib

    digest, newest = hashlib.sha256(), 0.0
    for path in sorted((ROOT / "sim").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
        newest = max(newest, path.stat().st_mtime)
    return {"sim_sha256": digest.hexdigest()[:16],
            "sim_newest_file": _dt.datetime.fromtimestamp(newest, _dt.UTC).isoformat(timespec="seconds")}


def machine_info() -> dict:
    """The machine and software a measurement ran on."""
    import mesa
    import numpy

    versions = {"python": platform.python_version(), "mesa": mesa.__version__, "numpy": numpy.__version__}
    from importlib.metadata import PackageNotFoundError, version

    for name in ("pandas", "pyarrow", "pydantic", "networkx", "SALib"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:  # informative only
            pass
    try:
        import sim

        versions["alignsim"] = sim.__version__
    except ImportError:
        versions["alignsim"] = None
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu_model": _cpuinfo_model(),
        "cpu_count": os.cpu_count(),
        "usable_cores": affinity,
        "ram_total_mb": _meminfo_total_mb(),
        "os": _os_name(),
        "python_implementation": platform.python_implementation(),
        "versions": versions,
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "source": source_fingerprint(),
    }


# --- Other load on the machine ------------------------------------------------------------------
# The figures are only meaningful on an otherwise idle machine. Each script waits for one at its
# start, and its results file records how much CPU other processes used while it ran.


def _proc_stat() -> tuple[float, float, float]:
    """(busy, steal, total) CPU seconds of the whole machine since boot, all CPUs."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    hz = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / hz, steal / hz, sum(fields[:8]) / hz


def _own_cpu() -> float:
    """CPU seconds of this process, of its children (and theirs) that have been waited for, and of
    its living descendants: a kept pool's workers, which its forkserver forked, are never waited
    for by this process, yet their work is this benchmark's."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system + _descendants_cpu()


def _descendants_cpu() -> float:
    """CPU seconds of this process's living descendants and of the children they waited for."""
    parents, cpu = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        cpu[pid] = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    ours, total = {os.getpid()}, 0
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in ours and pid not in ours:
                ours.add(pid)
                total += cpu[pid]
                grew = True
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy(seconds: float = 1.0) -> float:
    """Share of the machine's CPUs busy over `seconds` (this process idle meanwhile)."""
    busy0, _, total0 = _proc_stat()
    time.sleep(seconds)
    busy1, _, total1 = _proc_stat()
    return (busy1 - busy0) / max(total1 - total0, 1e-9)


def wait_for_quiet(threshold: float = 0.10, settle: int = 5, timeout: float = 1800.0, verbose: bool = True) -> dict:
    """Wait until the machine has been below `threshold` busy for `settle` consecutive seconds."""
    start = time.perf_counter()
    quiet, warned, last = 0, not verbose, 0.0
    while quiet < settle:
        last = machine_busy(1.0)
        quiet = quiet + 1 if last < threshold else 0
        if quiet == 0 and not warned:
            print(f"waiting for the machine to be idle (other processes use {last:.0%} of its CPUs) ...", flush=True)
            warned = True
        if time.perf_counter() - start > timeout:
            print(f"WARNING: the machine did not become idle in {timeout:.0f} s; measuring anyway", flush=True)
            break
    return {"waited_seconds": round(time.perf_counter() - start, 1), "busy_share_at_start": round(last, 3)}


_START = {"wall": time.perf_counter(), "stat": _proc_stat(), "own": _own_cpu()}


def reset_load_accounting() -> None:
    """Start counting other processes' CPU use from now (call after `wait_for_quiet`)."""
    _START.update(wall=time.perf_counter(), stat=_proc_stat(), own=_own_cpu())


def foreign_load() -> dict:
    """CPU used by processes other than this one and its waited-for children since the start,
    as a share of the machine's capacity over that time: ~0 when the figures are clean."""
    wall = time.perf_counter() - _START["wall"]
    busy, steal, _ = _proc_stat()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    machine = busy - _START["stat"][0]
    own = _own_cpu() - _START["own"]
    return {"wall_seconds": round(wall, 1), "machine_busy_cpu_seconds": round(machine, 1),
            "own_cpu_seconds": round(own, 1),
            "other_processes_share_of_capacity": round(max(machine - own, 0.0) / (wall * os.cpu_count()), 3)
            if wall > 0 else 0.0,
            "steal_cpu_seconds": round(steal - _START["stat"][1], 1), "cores": cores}


OTHER_SHARE_PER_SAMPLE: list[float] = []
"""For each `timed` call: the share of machine capacity other processes used meanwhile."""


def timed(function, *args, **kwargs) -> tuple[float, object]:
    """(seconds, result) of one call, by the monotonic high-resolution clock; also notes in
    OTHER_SHARE_PER_SAMPLE how much CPU other processes took meanwhile."""
    busy0, own0 = _proc_stat()[0], _own_cpu()
    start = time.perf_counter()
    result = function(*args, **kwargs)
    elapsed = time.perf_counter() - start
    other = (_proc_stat()[0] - busy0) - (_own_cpu() - own0)
    OTHER_SHARE_PER_SAMPLE.append(max(other, 0.0) / (elapsed * (os.cpu_count() or 1)))
    return elapsed, result


CLEAN_THRESHOLD = 0.05
"""A timed sample is clean if other processes used at most this share of the machine meanwhile."""
CLEAN_LOG: list[dict] = []


def clean_timed(function, *args, attempts: int = 6, label: str = "", **kwargs) -> tuple[float, object]:
    """Like `timed`, but on a quiet machine: waits for idle before each attempt and repeats an
    attempt during which other processes took more than CLEAN_THRESHOLD of the machine (at most
    `attempts` times; the last attempt is kept either way, and CLEAN_LOG says whether it was clean)."""
    others = []
    for _ in range(attempts):
        wait_for_quiet(settle=3, timeout=900, verbose=False)
        elapsed, result = timed(function, *args, **kwargs)
        others.append(round(OTHER_SHARE_PER_SAMPLE[-1], 3))
        if others[-1] <= CLEAN_THRESHOLD or elapsed < 0.2:  # /proc/stat ticks are 10 ms: too coarse below
            break
        print(f"    ({label or 'sample'}: other processes took {others[-1]:.0%} of the machine; measuring again)",
              flush=True)
    CLEAN_LOG.append({"label": label, "attempts": len(others), "other_share_per_attempt": others,
                      "clean": others[-1] <= CLEAN_THRESHOLD or elapsed < 0.2})
    return elapsed, result


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
    load = foreign_load()
    payload = {"benchmark": name, "machine": machine_info(), "command": " ".join([Path(sys.executable).name, *sys.argv]),
               "waited_for_idle": _START.get("quiet"), "other_load": load,
               "clean_threshold": CLEAN_THRESHOLD,
               "samples_kept": len(CLEAN_LOG),
               "samples_kept_not_clean": [entry for entry in CLEAN_LOG if not entry["clean"]],
               "samples_measured_again": sum(entry["attempts"] - 1 for entry in CLEAN_LOG),
               **results}
    dirty = [entry["label"] for entry in CLEAN_LOG if not entry["clean"]]
    if dirty:
        print(f"WARNING: {len(dirty)} kept sample(s) were measured while other processes took more than "
              f"{CLEAN_THRESHOLD:.0%} of the machine: {', '.join(dirty)}")
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


def print_machine(wait: bool = True) -> dict:
    """Print the machine; with `wait`, first wait for it to be idle (and start load accounting)."""
    quiet = wait_for_quiet() if wait else {}
    reset_load_accounting()
    _START["quiet"] = quiet
    info = machine_info()
    v = info["versions"]
    print(f"machine: {info['cpu_model']}, {info['cpu_count']} cores ({info['usable_cores']} usable), "
          f"{info['ram_total_mb']} MB RAM, {info['os']}")
    print(f"python {v['python']}, mesa {v['mesa']}, numpy {v['numpy']}; {info['date']}; "
          f"sim/ sha256 {info['source']['sim_sha256']} (newest file {info['source']['sim_newest_file']})")
    return quiet


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
