"""The sweep store: a folder of Parquet parts plus a manifest, written so that a sweep killed at
any moment (SIGKILL included) loses at most the runs in flight.

    DIR/sweep.json                  what the sweep is (its fingerprint guards --resume)
    DIR/points.parquet              the design: one row per point
    DIR/parts/results-*.parquet     finished runs, one part per finished job
    DIR/parts/failures-*.parquet    runs that raised, with their parameters and error

Every file appears whole or not at all: it is written under a temporary name and renamed.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from pydantic import ValidationError

from ..files import atomic_write, check_creatable
from ..scenario import InputError, Issue
from .spec import Sweep

MANIFEST = "sweep.json"
MANIFEST_KEYS = ("name", "fingerprint", "sweep", "states", "parameters", "points", "total_runs")
POINTS = "points.parquet"
PARTS = "parts"


def write_part(path: Path, table: pa.Table) -> None:
    """One part of a table, whole or not at all (a sweep's finished job, a run's chunk of replications)."""
    atomic_write(path, lambda temporary: pq.write_table(table, temporary))


class Store:
    """Read and write one sweep's folder."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.parts = self.root / PARTS

    @property
    def manifest(self) -> dict:
        try:
            manifest = json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise self._damaged(MANIFEST, exc) from None
        if not isinstance(manifest, dict) or any(key not in manifest for key in MANIFEST_KEYS):
            raise self._damaged(MANIFEST, "not a manifest that alignsim wrote")
        try:
            Sweep.model_validate(manifest["sweep"])
        except ValidationError:
            raise self._damaged(MANIFEST, "its sweep is not a valid sweep") from None
        return manifest

    def _damaged(self, name: str, why: object) -> InputError:
        return InputError(Issue(str(self.root / name), "", f"cannot be read ({why}): the sweep folder is damaged; "
                                "run the sweep again into another --out"))

    @classmethod
    def create(cls, root: Path, manifest: dict, points: np.ndarray, names: list[str]) -> Store:
        root = Path(root)
        check_creatable(root)
        if root.exists() and not root.is_dir():
            raise InputError(Issue(str(root), "--out", "exists and is a file, not a folder; choose another --out"))
        if root.exists() and any(root.iterdir()):
            raise InputError(Issue(str(root), "--out", "exists and is not empty; pass --resume to finish the sweep "
                                   "in it, --overwrite to discard it and start again, or choose another --out"))
        store = cls(root)
        try:
            store.parts.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # what check_creatable could not foresee: a read-only or special file system
            raise InputError(Issue(str(root), "--out", f"cannot be created: {exc.strerror or exc}")) from None
        frame = pd.DataFrame(points, columns=names)
        frame.insert(0, "point", np.arange(len(frame)))
        atomic_write(root / POINTS, lambda p: frame.to_parquet(p, index=False))
        atomic_write(root / MANIFEST, lambda p: p.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8"))
        return store

    @classmethod
    def open(cls, root: Path, fingerprint: str | None = None) -> Store:
        store = cls(root)
        if not (store.root / MANIFEST).is_file() or not (store.root / POINTS).is_file():
            raise InputError(Issue(str(root), "", "is not a sweep folder (no sweep.json and points.parquet)"))
        manifest = store.manifest  # a damaged one is refused here, once
        if fingerprint is not None and manifest["fingerprint"] != fingerprint:
            raise InputError(Issue(str(root), "--resume", "holds a different sweep (its sweep file, base scenario "
                                   "or alignsim's inputs changed); choose another --out"))
        store.parts.mkdir(exist_ok=True)
        for leftover in store.parts.glob(".tmp-*"):  # a part being written when the sweep was killed
            leftover.unlink()
        return store

    def write(self, result: dict) -> None:
        """Store one finished job: its rows and its failures, each as a whole part."""
        stem = uuid.uuid4().hex
        if result["rows"]["point"]:
            write_part(self.parts / f"results-{stem}.parquet", pa.Table.from_pydict(result["rows"]))
        if result["failures"]:
            write_part(self.parts / f"failures-{stem}.parquet", pa.Table.from_pylist(result["failures"]))

    def _read(self, kind: str, columns: list[str] | None = None) -> pd.DataFrame:
        files = sorted(self.parts.glob(f"{kind}-*.parquet"))
        if not files:
            return pd.DataFrame(columns=columns or [])
        # One dataset over all parts reads them about three times faster than file by file.
        try:
            return pads.dataset([str(f) for f in files], format="parquet").to_table(columns=columns).to_pandas()
        except (pa.ArrowException, OSError, ValueError) as exc:  # ArrowInvalid is a ValueError
            raise self._damaged(PARTS, exc) from None

    def done(self) -> set[tuple[int, int]]:
        """(point, replication) of every run already finished or failed."""
        finished = set()
        for kind in ("results", "failures"):
            frame = self._read(kind, ["point", "replication"])
            finished |= set(zip(frame["point"].astype(int), frame["replication"].astype(int)))
        return finished

    def points(self) -> pd.DataFrame:
        try:
            return pd.read_parquet(self.root / POINTS)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise self._damaged(POINTS, exc) from None

    def results(self) -> pd.DataFrame:
        """The results table: one row per point, replication and kept state, in a fixed order."""
        frame = self._read("results")
        if frame.empty:
            return frame
        order = {name: i for i, name in enumerate(self.manifest["states"])}
        frame = frame.drop_duplicates(subset=["point", "replication", "state"])
        frame = frame.assign(_order=frame["state"].map(order)).sort_values(["point", "replication", "_order"])
        return frame.drop(columns="_order").reset_index(drop=True)

    def failures(self) -> pd.DataFrame:
        frame = self._read("failures")
        if frame.empty:
            return frame
        return frame.drop_duplicates(subset=["point", "replication"]).sort_values(["point", "replication"]).reset_index(drop=True)
