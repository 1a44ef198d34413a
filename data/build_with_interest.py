"""Build data/brics_decisions_with_interest.csv: the observed record with South Africa's list of
2023-08-07 read as applications (a reading, not the record; docs/validation.md, "If the list
counts as applications").

    python data/build_with_interest.py          # writes the file
    python data/build_with_interest.py --check  # exits 1 if the committed file is out of date

Every state of data/brics_decisions.csv that data/interest_2023.csv names, and that has no
application row (applied, declined or otherwise) dated in or before the list's month, gains an
application row in that month, certainty `reported`, citing the list. The month is an assumption:
the interest was expressed by the briefing, so its month is the latest it can have been made. A
state whose record answers the question by then (Kuwait's and Morocco's denials, Nigeria's "did not
apply") keeps its record: the list does not overrule a state's own statement.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DECISIONS = ROOT / "data" / "brics_decisions.csv"
INTEREST = ROOT / "data" / "interest_2023.csv"
TARGET = ROOT / "data" / "brics_decisions_with_interest.csv"


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def added(decisions: list[dict], interest: list[dict]) -> list[dict]:
    """The application rows the list adds to the record."""
    rows = []
    for named in interest:
        state, month = named["state"], named["listed"]
        own = [row for row in decisions if row["state"] == state]
        if not own or any(row["decision"] == "application" and row["event_date"] <= month for row in own):
            continue
        rows.append({"state": state, "event": "named among the states with official expressions of interest",
                     "event_date": month, "decision": "application", "offer": "member", "response": "applied",
                     "response_date": month, "source": named["source"], "certainty": "reported",
                     "note": "data/interest_2023.csv read as an application (data/build_with_interest.py)"})
    return rows


def render() -> str:
    decisions = _rows(DECISIONS)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(decisions[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(decisions + added(decisions, _rows(INTEREST)))
    return out.getvalue()


if __name__ == "__main__":
    text = render()
    if sys.argv[1:] == ["--check"]:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run python data/build_with_interest.py", file=sys.stderr)
            sys.exit(1)
    else:
        TARGET.write_text(text, encoding="utf-8")
        print(f"wrote {TARGET}")
