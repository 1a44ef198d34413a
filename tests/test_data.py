"""The data files: lower bounds carried into the scenarios, the six states copied unchanged, and
the counts data/SOURCES.md states."""

import csv
import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

import sim
from sim.scenario.schema import Indicators, Sourced

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
ROUND = ROOT / "scenarios" / "brics_2024_round.yaml"
KEYS = tuple(Indicators.model_fields)


def _rows(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


INDICATORS = [row for row in _rows("indicators.csv") if row["indicator"] in KEYS]


def test_lower_bounds_in_the_data_file_are_the_bounds_of_the_round_scenario():
    scenario = sim.load_scenario(ROUND)
    in_file = {(row["state"], row["indicator"]) for row in INDICATORS if row["bound"] == "lower"}
    in_scenario = {(state, key) for state, spec in scenario.states.items() for key in KEYS
                   if getattr(spec.indicators, key).bound == "lower"}
    assert in_file == in_scenario
    assert {"Iran", "Nigeria", "Algeria", "Saudi Arabia"} <= {state for state, _ in in_file}


def test_the_six_bundled_states_are_copied_unchanged_into_the_data_file():
    by_key = {(row["state"], row["indicator"]): row for row in INDICATORS}
    for path in sorted((ROOT / "scenarios" / "states").glob("*.yaml")):
        state = path.stem.capitalize()
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))["states"][state]["indicators"]
        for key in KEYS:
            entry, row = spec[key], by_key[(state, key)]
            text = entry.get("source") or entry.get("assumption") or entry.get("missing")
            assert row["source"] == text, (state, key)
            assert (float(row["value"]) if row["value"] else None) == entry["value"], (state, key)
            assert row["year"] == str(entry.get("year") or ""), (state, key)
            assert row["bound"] == (entry.get("bound") or ""), (state, key)
            assert (row["kind"] == "missing") == (entry["value"] is None), (state, key)


def test_a_bound_is_a_lower_bound_of_a_given_value():
    assert Sourced(value=0.2, source="a report", bound="lower").bound == "lower"
    with pytest.raises(ValidationError, match="cannot be a bound"):
        Sourced(value=None, missing="not found", bound="lower")
    with pytest.raises(ValidationError):
        Sourced(value=0.2, source="a report", bound="upper")


def test_a_value_set_over_a_lower_bound_is_a_point_value():
    scenario = sim.load_scenario(ROUND)
    assert scenario.states["Iran"].indicators.trade_west.bound == "lower"
    changed = sim.with_overrides(scenario, {"states.Iran.indicators.trade_west": 0.3})
    assert changed.states["Iran"].indicators.trade_west.value == 0.3
    assert changed.states["Iran"].indicators.trade_west.bound is None


def test_every_observed_decision_cites_a_source_and_a_certainty():
    for row in _rows("brics_decisions.csv"):
        assert row["source"].strip(), row["state"]
        assert row["certainty"] in ("certain", "reported", "disputed"), row["state"]


def test_sources_md_states_the_counts_of_the_data_files():
    text = " ".join((DATA / "SOURCES.md").read_text(encoding="utf-8").split())
    decisions, indicators = _rows("brics_decisions.csv"), _rows("indicators.csv")
    states = {row["state"] for row in indicators}
    assert {row["state"] for row in decisions} == states
    kinds = [row["kind"] for row in INDICATORS]
    cells, found = len(INDICATORS), len(INDICATORS) - kinds.count("missing")
    bounds = sum(row["bound"] == "lower" for row in INDICATORS)
    departing = sum("Departs from the definition:" in row["source"] for row in INDICATORS)
    expected = [
        f"observed decisions ({len(decisions)} rows, {len(states)} states)",
        f"model indicators ({len(indicators)} rows, {len(states)} states × 14)",
        f"({len(states)} × 12 = {cells} cells)",
        f"{found} have a value ({100 * found / cells:.1f}%): {kinds.count('source')} `source`, "
        f"{kinds.count('assumption')} `assumption`; {bounds} of them are lower bounds.",
        f"{kinds.count('missing')} are missing ({100 * kinds.count('missing') / cells:.1f}%)",
        f"begins **\"Departs from the definition:\"** ({departing} values)",
        f"lower bound (`bound=lower`, {bounds} values)",
        f"**Lower bounds** have `bound=lower` ({bounds} values)",
    ]
    for sentence in expected:
        assert sentence in text, sentence
    missing = kinds.count("missing")
    assert re.search(r"the share of missing values falls from [\d.]+% \(\d+\) to "
                     + re.escape(f"{100 * missing / cells:.1f}% ({missing})"), text)
    assert f"the share with a value rises to {100 * found / cells:.1f}%" in text


def test_the_states_named_before_johannesburg_and_what_the_docs_say_of_them():
    """data/interest_2023.csv: South Africa's list of 2023-08-07, every row sourced; the counts
    docs/validation.md and data/SOURCES.md give of it follow from the files."""
    listed, decisions = _rows("interest_2023.csv"), _rows("brics_decisions.csv")
    assert all(row["source"].startswith("teleSUR English") and row["listed"] == "2023-08" for row in listed)
    round_states = {row["state"] for row in decisions}
    named = {row["state"] for row in listed} & round_states
    applied_before = {row["state"] for row in decisions if row["decision"] == "application"
                      and row["response"] == "applied" and row["event_date"] < "2023-08"}
    guide = " ".join((ROOT / "docs" / "validation.md").read_text(encoding="utf-8").split())
    assert (f"named {len(listed)} states with \"official expressions of interest from the leaders\" to join "
            f"(`data/interest_2023.csv`, from teleSUR English of that date), {len(named)} of them states of the "
            f"round, and only {len(named & applied_before)} of those {len(named)} have an application dated before "
            "2023-08 in the record") in guide
    assert (len(listed), len(named), len(named & applied_before)) == (23, 20, 8)
    sources = " ".join((DATA / "SOURCES.md").read_text(encoding="utf-8").split())
    assert f"## `interest_2023.csv`: the states South Africa named before Johannesburg ({len(listed)} rows)" in sources
    # The disagreements the docs name are in the record as said.
    by_state = {}
    for row in decisions:
        by_state.setdefault(row["state"], []).append(row)
    assert {"Kuwait", "Morocco"} <= named and all(
        any(r["decision"] == "application" and r["response"] == "declined" for r in by_state[s])
        for s in ("Kuwait", "Morocco"))
    # Each note's account of the record is the record's: a denial or "did not apply" the note names is a
    # declined application row of that state; "no application row" means none.
    for row in listed:
        own = [r for r in by_state.get(row["state"], []) if r["decision"] == "application"]
        if "did not apply" in row["note"] or "denied" in row["note"]:
            assert any(r["response"] == "declined" for r in own), row["state"]
        if "has no application row" in row["note"]:
            assert not own, row["state"]
    first = {s: min(r["event_date"] for r in by_state[s] if r["decision"] == "application" and r["response"] == "applied")
             for s in ("Thailand", "Senegal")}
    assert first == {"Thailand": "2024-06", "Senegal": "2025-04"}


def test_the_record_with_the_list_read_as_applications_is_built_from_the_data_files():
    import subprocess
    import sys

    check = subprocess.run([sys.executable, str(DATA / "build_with_interest.py"), "--check"], capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stderr
    record, read = _rows("brics_decisions.csv"), _rows("brics_decisions_with_interest.csv")
    assert read[:len(record)] == record  # the record unchanged, the list's reading added after it
    extra = read[len(record):]
    assert extra and all(row["response"] == "applied" for row in extra)
    # A row in the month before the list's; none for a state whose record holds an application row
    # by the list's month, or says anywhere that it did not apply or withdrew.
    assert all(row["event_date"] == "2023-07" for row in extra)
    answered = {row["state"] for row in record if row["decision"] == "application"
                and (row["event_date"] <= "2023-08" or row["response"] in ("declined", "withdrew"))}
    assert not answered & {row["state"] for row in extra}
    assert {"Kuwait", "Morocco", "Nigeria", "Kazakhstan", "Venezuela"} <= answered
    assert DATA.joinpath("brics_decisions_with_interest.csv").read_text(encoding="utf-8").startswith(
        DATA.joinpath("brics_decisions.csv").read_text(encoding="utf-8"))  # the record's rows byte for byte
