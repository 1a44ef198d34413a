"""Writing a run's tables and manifest: whole or not at all, never over someone's results.

Files are written into a temporary sibling folder and moved into place in one rename, so an
interrupted write leaves no half-written results folder behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path

from .model import MODEL_VERSION
from .run import RunResult
from .scenario import InputError, Issue

FLOAT_FORMAT = "%.10g"


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("alignsim", "mesa", "numpy", "pandas", "pydantic"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def git_commit() -> str | None:
    """The commit of the alignsim source tree, when it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=10, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", str(here)], cwd=here, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def manifest(result: RunResult, argv: list[str] | None) -> dict:
    scenario = result.scenario
    return {
        "scenario": scenario.name,
        "model_version": MODEL_VERSION,
        "scenario_files": scenario.origin.get("files", []),
        "overrides": scenario.origin.get("overrides", []),
        "seed": result.seed,
        "replications": result.replications,
        "replication_seeds": "numpy.random.SeedSequence(seed).spawn(replications)",
        "command_line": argv,
        "versions": versions(),
        "git_commit": git_commit(),
        "filled_missing_values": result.filled,
        **({"posterior": result.posterior.describe()} if result.posterior is not None else {}),
        "resolved_scenario": scenario.model_dump(mode="json"),
    }


def table_bytes(frame) -> bytes:
    """A table as CSV bytes, formatted the same way on every run."""
    return frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n").encode("utf-8")


def check_destination(out_dir: Path, overwrite: bool) -> None:
    """The one overwrite rule of every command: existing output is replaced only with --overwrite."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(Issue(str(out_dir), "--out", "exists and is not a folder"))
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise InputError(
            Issue(str(out_dir), "--out", "is not empty; choose another --out, or pass --overwrite to replace it")
        )


def check_file_destination(path: Path, overwrite: bool) -> None:
    """The same rule for a command whose output is a single file."""
    if path.is_dir():
        raise InputError(Issue(str(path), "--out", "is a folder; give a file name"))
    if path.exists() and not overwrite:
        raise InputError(Issue(str(path), "--out", "exists; choose another --out, or pass --overwrite to replace it"))


def write_folder(out_dir: str | Path, files: dict[str, bytes], overwrite: bool = False) -> list[Path]:
    """Write `files` (name to bytes) as the folder `out_dir`, all at once or not at all."""
    out_dir = Path(out_dir)
    check_destination(out_dir, overwrite)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
            os.chmod(staging / name, 0o644)
        os.chmod(staging, 0o755)
        replaced = None
        if out_dir.exists():
            replaced = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
            os.rename(out_dir, replaced)
        os.rename(staging, out_dir)
        if replaced is not None:
            shutil.rmtree(replaced, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out_dir / name for name in files]


def discard(out_dir: Path) -> None:
    """Remove a folder a command was told to replace (--overwrite) before it starts writing anew."""
    if out_dir.is_dir():
        aside = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.rename(out_dir, aside)  # one step, so an interruption never leaves a half-deleted folder in place
        shutil.rmtree(aside, ignore_errors=True)


def write_outputs(result: RunResult, out_dir: str | Path, argv: list[str] | None = None, overwrite: bool = False,
                  extra: dict[str, bytes] | None = None) -> list[Path]:
    """Write timeseries.csv, bloc.csv, summary.csv, events.csv, manifest.json, parameters.csv with a
    posterior (and `extra` files, such as figures) into `out_dir` atomically."""
    check_destination(Path(out_dir), overwrite)
    files = {
        "timeseries.csv": table_bytes(result.timeseries),
        "bloc.csv": table_bytes(result.bloc),
        "summary.csv": table_bytes(result.summary),
        **({"events.csv": table_bytes(result.events)} if result.events is not None else {}),
        **({"parameters.csv": table_bytes(result.posterior.table())} if result.posterior is not None else {}),
        **(extra or {}),
    }
    files["manifest.json"] = (
        json.dumps(
            {**manifest(result, argv), "outputs": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}},
            indent=2,
            sort_keys=False,
        )
        + "\n"
    ).encode("utf-8")
    return write_folder(out_dir, files, overwrite)


def summary_text(result: RunResult) -> str:
    """A short readable summary for the terminal."""
    s = result.summary
    width = max(12, *(len(name) for name in s["state"]))
    lines = [
        f"{result.scenario.name}: {result.replications} replications, seed {result.seed}, "
        f"{result.scenario.calendar.start} to {result.scenario.calendar.end}"
        + (f", under {len(result.posterior.rows)} posterior draws from {result.posterior.folder}"
           if result.posterior is not None else ""),
        f"{'state':<{width}}  {'outside':>7}  {'partner':>7}  {'member':>7}  {'seeking':>7}  (share of replications at the end)",
    ]
    for row in s.itertuples(index=False):
        lines.append(
            f"{row.state:<{width}}  {row.p_outside:7.2f}  {row.p_partner:7.2f}  {row.p_member:7.2f}  "
            f"{row.p_seeking_membership:7.2f}"
        )
    if result.filled:
        lines.append(
            f"{len(result.filled)} missing indicator value(s) filled by the documented rule (the mean over "
            f"the scenario's other states, or over data/indicators.csv when none has it); see manifest.json"
        )
    return "\n".join(lines)
