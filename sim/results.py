"""Writing a run's tables and manifest: whole or not at all, never over someone's results.

Files are written into a temporary sibling folder and moved into place in one rename, so an
interrupted write leaves no half-written results folder behind. A run's tables stream into that
folder chunk by chunk as replications finish (`write_run`), as CSV files or as folders of Parquet
parts, so that memory stays flat however many replications there are.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib import metadata
from pathlib import Path

from .model import MODEL_VERSION
from .run import Progress, RunResult, Simulation
from .files import check_creatable
from .scenario import InputError, Issue

FLOAT_FORMAT = "%.10g"


def versions() -> dict[str, str]:
    """The versions of Python and the packages a run depends on, for its manifest."""
    return dict(_versions())


@cache
def _versions() -> dict[str, str]:
    # Read once a process: each package's metadata is parsed from its files (a twentieth of a
    # short sweep's time), and what is imported does not change while it runs.
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
    check_creatable(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(Issue(str(out_dir), "--out", "exists and is not a folder"))
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise InputError(
            Issue(str(out_dir), "--out", "is not empty; choose another --out, or pass --overwrite to replace it")
        )


def check_file_destination(path: Path, overwrite: bool) -> None:
    """The same rule for a command whose output is a single file."""
    check_creatable(path, "file")
    if path.is_dir():
        raise InputError(Issue(str(path), "--out", "is a folder; give a file name"))
    if path.exists() and not overwrite:
        raise InputError(Issue(str(path), "--out", "exists; choose another --out, or pass --overwrite to replace it"))


@contextmanager
def staged_folder(out_dir: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """A temporary sibling of `out_dir` to write into; on leaving without an error it becomes
    `out_dir` in one rename (replacing it only with `overwrite`), on an error it is removed."""
    out_dir = Path(out_dir)
    check_destination(out_dir, overwrite)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    except OSError as exc:  # what the checks could not foresee: a read-only or special file system
        raise InputError(Issue(str(out_dir), "--out", f"cannot be created: {exc.strerror or exc}")) from None
    try:
        yield staging
        for folder, _, names in os.walk(staging):
            os.chmod(folder, 0o755)
            for name in names:
                os.chmod(Path(folder) / name, 0o644)
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


def write_folder(out_dir: str | Path, files: dict[str, bytes], overwrite: bool = False) -> list[Path]:
    """Write `files` (name to bytes) as the folder `out_dir`, all at once or not at all."""
    with staged_folder(out_dir, overwrite) as staging:
        for name, data in files.items():
            (staging / name).write_bytes(data)
    return [Path(out_dir) / name for name in files]


def discard(out_dir: Path) -> None:
    """Remove a folder a command was told to replace (--overwrite) before it starts writing anew."""
    check_creatable(out_dir)
    if out_dir.is_dir():
        aside = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
        os.rename(out_dir, aside)  # one step, so an interruption never leaves a half-deleted folder in place
        shutil.rmtree(aside, ignore_errors=True)


FORMATS = ("csv", "parquet")


class _CsvTable:
    """One table as NAME.csv, appended chunk by chunk: the same bytes as the whole table at once."""

    def __init__(self, folder: Path, name: str):
        self.name = self.written = f"{name}.csv"
        self.file = open(folder / self.name, "wb")  # noqa: SIM115 - closed by close()
        self.digest = hashlib.sha256()
        self.header = True

    def add(self, table) -> None:
        if len(table) or self.header:
            data = table.to_csv(index=False, header=self.header, float_format=FLOAT_FORMAT,
                                lineterminator="\n").encode("utf-8")
            self.file.write(data)
            self.digest.update(data)
            self.header = False

    def close(self) -> dict[str, str]:
        self.file.close()
        return {self.name: self.digest.hexdigest()}


class _ParquetTable:
    """One table as the folder NAME/ of Parquet parts, one per chunk, in replication order
    (`pandas.read_parquet("NAME")` reads them as one table), written as the sweep store writes its parts."""

    def __init__(self, folder: Path, name: str):
        self.folder = folder / name
        self.folder.mkdir()
        self.name = self.written = name
        self.hashes: dict[str, str] = {}
        self.empty = None

    def add(self, table) -> None:
        # A chunk without rows (no event in it) writes no part: its columns have no values to
        # give them their types, and a part of other types would not read as one table with the rest.
        if not len(table):
            self.empty = table
            return
        self._write(table)

    def _write(self, table) -> None:
        import pyarrow as pa

        from .sweep.store import write_part

        path = self.folder / f"part-{len(self.hashes):06d}.parquet"
        write_part(path, pa.Table.from_pandas(table, preserve_index=False))
        self.hashes[f"{self.name}/{path.name}"] = hashlib.sha256(path.read_bytes()).hexdigest()

    def close(self) -> dict[str, str]:
        if not self.hashes and self.empty is not None:  # no rows at all: one empty part holds the columns
            self._write(self.empty)
        return self.hashes


def write_run(simulation: Simulation, out_dir: str | Path, argv: list[str] | None = None, overwrite: bool = False,
              format: str = "csv", progress: Progress | None = None,
              figures: Callable[[RunResult], dict[str, bytes]] | None = None) -> tuple[RunResult, list[Path]]:
    """Run `simulation` into `out_dir`, atomically: its timeseries (when it keeps any field), bloc
    and events tables stream out as chunks of replications finish (`format` csv: NAME.csv;
    parquet: NAME/part-*.parquet), then summary.csv, `figures` of the result and manifest.json.
    Returns the result (its summary and tally; no tables) and the paths written."""
    if format not in FORMATS:
        raise InputError(Issue("--format", format, f"unknown format; choose one of {', '.join(FORMATS)}"))
    out_dir = Path(out_dir)
    writer = _CsvTable if format == "csv" else _ParquetTable
    with staged_folder(out_dir, overwrite) as staging:
        tables: dict[str, _CsvTable | _ParquetTable] = {}
        try:
            for chunk in simulation.chunks(progress):
                for name, table in chunk.items():
                    if name not in tables:
                        tables[name] = writer(staging, name)
                    tables[name].add(table)
        except BaseException:
            for table in tables.values():
                table.close()
            raise
        result = simulation.result()
        files = {"summary.csv": table_bytes(result.summary),
                 **({"parameters.csv": table_bytes(result.posterior.table())} if result.posterior is not None else {}),
                 **(figures(result) if figures else {})}
        for name, data in files.items():
            (staging / name).write_bytes(data)
        digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
        written, outputs = [], {}
        for name in ("timeseries", "bloc", "summary.csv", "events", *files):  # as a run has always listed them
            if name in tables:
                written.append(tables[name].written)
                outputs.update(tables[name].close())
            elif name in digests:
                written.append(name)
                outputs[name] = digests[name]
        document = {**manifest(result, argv), "format": format, "timeseries_fields": list(result.fields),
                    "outputs": outputs}
        (staging / "manifest.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    written = [*dict.fromkeys(written), "manifest.json"]
    return result, [out_dir / name for name in written]


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
            f"{len(result.filled)} indicator value(s) filled by the scenario's rule (data.fill: "
            f"{result.scenario.data.fill}; docs/model.md, 'Missing-value fill rule'); see manifest.json"
        )
    return "\n".join(lines)
