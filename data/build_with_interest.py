"""Build data/brics_decisions_with_interest.csv: the observed record with South Africa's list of
2023-08-07 read as applications (a reading, not the record; docs/validation.md, "If the list
counts as applications").

    python data/build_with_interest.py          # writes the file
    python data/build_with_interest.py --check  # exits 1 if the committed file is out of date

Every state of data/brics_decisions.csv that data/interest_2023.csv names gains an application
row in the month before the list's (2023-07 for the briefing of 2023-08-07), certainty `reported`,
citing the list, unless its record holds an application row by the list's month (Venezuela's of
2023-08-01), or says anywhere that
it did not apply or withdrew (Kuwait's, Morocco's and Nigeria's denials, Kazakhstan's "will not
apply"): the list does not overrule a state's own statement. The month is an assumption: the
interest was expressed by the briefing, most of it earlier, and the summit's own month (2023-08) is
one in which the bloc has already chosen (docs/model.md, 3.1), so an application there could not
come before the invitation it answers. The record's rows are kept byte for byte; the added rows
follow them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from generated import write_or_check

ROOT = Path(__file__).resolve().parents[1]
DECISIONS = ROOT / "data" / "brics_decisions.csv"
INTEREST = ROOT / "data" / "interest_2023.csv"
TARGET = ROOT / "data" / "brics_decisions_with_interest.csv"


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def month_before(month: str) -> str:
    year, number = map(int, month.split("-"))
    return f"{year - (number == 1)}-{(number - 2) % 12 + 1:02d}"


def added(decisions: list[dict], interest: list[dict]) -> list[dict]:
    """The application rows the list adds to the record."""
    rows = []
    for named in interest:
        state, month = named["state"], month_before(named["listed"])
        own = [row for row in decisions if row["state"] == state and row["decision"] == "application"]
        if not any(row["state"] == state for row in decisions) or any(
                row["event_date"] <= named["listed"] or row["response"] in ("declined", "withdrew") for row in own):
            continue
        rows.append({"state": state, "event": "named among the states with official expressions of interest",
                     "event_date": month, "decision": "application", "offer": "member", "response": "applied",
                     "response_date": month, "source": named["source"], "certainty": "reported",
                     "note": "data/interest_2023.csv read as an application (data/build_with_interest.py)"})
    return rows


def render() -> str:
    decisions = _rows(DECISIONS)
    out = io.StringIO()
    csv.DictWriter(out, fieldnames=list(decisions[0]), lineterminator="\n").writerows(added(decisions, _rows(INTEREST)))
    record = DECISIONS.read_text(encoding="utf-8")
    return record + ("" if record.endswith("\n") else "\n") + out.getvalue()


if __name__ == "__main__":
    write_or_check(TARGET, render(), "data/build_with_interest.py")
