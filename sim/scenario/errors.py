"""Errors in input files, each naming the file, the key path and, where known, the line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem found in an input file."""

    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        key = f" {self.path}:" if self.path else ""
        return f"{where}:{key} {self.message}"


class InputError(Exception):
    """Bad input: a file, key, value or option the user can fix. The CLI exits 2 on it."""

    def __init__(self, issues: list[Issue] | Issue | str):
        if isinstance(issues, str):
            issues = [Issue(file="", path="", message=issues)]
        elif isinstance(issues, Issue):
            issues = [issues]
        self.issues = list(issues)
        super().__init__("\n".join(str(issue).lstrip(": ") for issue in self.issues))


class OverwrittenValueWarning(UserWarning):
    """A value set in code that a dated event of the scenario sets again: it holds only until then."""
