"""Files written whole or not at all: a reader (or an interrupted run) never leaves half a file."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def atomic_write(path: Path, write) -> None:
    """Write `path` whole or not at all, even when interrupted: `write` fills a temporary path."""
    temporary = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_file(path: Path, data: bytes) -> None:
    """`data` as the file `path`, whole or not at all (its folder made when missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda temporary: temporary.write_bytes(data))
