"""What the data folder's build scripts share: write a generated file, or check the committed one."""

from __future__ import annotations

import sys
from pathlib import Path


def write_or_check(target: Path, text: str, script: str) -> None:
    """With `--check` on the command line, exit 1 unless `target` holds `text`; else write it."""
    if sys.argv[1:] == ["--check"]:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date: run python {script}", file=sys.stderr)
            sys.exit(1)
    else:
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
