"""Files written whole or not at all: a reader (or an interrupted run) never leaves half a file; and
whether an output path can be made at all."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from .scenario.errors import InputError, Issue


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


def check_creatable(path: Path, noun: str = "folder") -> None:
    """Refuse, before any work, an output path that cannot be made: one that is the current folder
    or one of its parents, however written (replacing it would remove the folder the command runs
    in), one under a file, or one whose nearest existing folder cannot be written to. `noun`: what
    the output is, a folder or a file, for the message."""
    path = Path(path)
    resolved, here = path.resolve(), Path.cwd().resolve()
    if path.name in ("", ".", "..") or resolved == here or resolved in here.parents:
        raise InputError(Issue(str(path), "--out", f"is the current folder or one of its parents; give a new {noun}'s "
                               "name"))
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(Issue(str(path), "--out", f"cannot be created: {ancestor} is a file, not a folder"))
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InputError(Issue(str(path), "--out", f"cannot be created: {ancestor} is not writable"))
