"""Runs are reproducible from a scenario file and a seed, and names steer nothing."""

from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.scenario import validate

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
EURASIA = SCENARIOS / "eurasia_2024.yaml"


def _run_files(tmp_path: Path, name: str, *extra: str) -> dict[str, bytes]:
    out = tmp_path / name
    assert main(["run", str(EURASIA), "--replications", "12", "--seed", "4", "--out", str(out), "--quiet", *extra]) == 0
    return {f: (out / f).read_bytes() for f in ("timeseries.csv", "summary.csv", "bloc.csv")}


def test_same_seed_same_bytes(tmp_path):
    assert _run_files(tmp_path, "a") == _run_files(tmp_path, "b")


def test_different_seed_different_results(tmp_path):
    first = _run_files(tmp_path, "a")
    other = tmp_path / "c"
    assert main(["run", str(EURASIA), "--replications", "12", "--seed", "5", "--out", str(other), "--quiet"]) == 0
    assert (other / "timeseries.csv").read_bytes() != first["timeseries.csv"]


def test_replications_are_independent_streams_of_one_seed():
    """Replication r is the same whether 5 or 10 replications are run (SeedSequence.spawn)."""
    scenario = sim.load_scenario(EURASIA)
    few = sim.run(scenario, seed=9, replications=5).timeseries
    many = sim.run(scenario, seed=9, replications=10).timeseries
    pd.testing.assert_frame_equal(few, many[many.replication < 5].reset_index(drop=True))
    first, second = (many[many.replication == r].drop(columns="replication").reset_index(drop=True) for r in (0, 1))
    assert not first.equals(second)


def _renamed(scenario: sim.Scenario, names: dict[str, str]) -> sim.Scenario:
    data = scenario.model_dump(mode="json")
    data["states"] = {names[k]: v for k, v in data["states"].items()}
    for member in data["bloc"]["members"].values():
        member["toward"] = {names[k]: v for k, v in member["toward"].items()}
    for power in data["powers"].values():
        if "imposed" in power:
            power["imposed"] = {names[k]: v for k, v in power["imposed"].items()}
    for summit in data["calendar"]["summits"]:
        if summit["invitations"] is not None:
            summit["invitations"] = {names[k]: v for k, v in summit["invitations"].items()}
    for event in data["events"].values():
        renamed = {}
        for path, value in event["set"].items():
            parts = path.split(".")
            if parts[0] == "states":
                parts[1] = names[parts[1]]
            renamed[".".join(parts)] = value
        event["set"] = renamed
    return validate(data)


PRESSING = {"powers.russia.pressure_before_summit": {"value": 0.8, "assumption": "test"},
            "powers.russia.pressure_months": 2,
            "powers.china.inducement": {"value": 0.8, "assumption": "test"}}


@pytest.mark.parametrize("path, overrides", [(EURASIA, {}), (SCENARIOS / "brics_2024_round_observed.yaml", {}),
                                             (SCENARIOS / "brics_2024_round_observed.yaml", PRESSING),
                                             (SCENARIOS / "eurasia_2024_threshold.yaml", {}),
                                             (SCENARIOS / "eurasia_2024_hedging.yaml", {}),
                                             (SCENARIOS / "eurasia_2024_landscape.yaml", {})],
                         ids=["eurasia_2024", "brics_2024_round_observed", "observed_pressed_and_induced",
                              "eurasia_2024_threshold", "eurasia_2024_hedging", "eurasia_2024_landscape"])
def test_renaming_states_changes_only_the_names(path, overrides):
    """Names steer nothing, with the bloc's observed choices and vetoes named per state too, under
    every decision rule, and with Russia pressing before summits and China's inducement on."""
    scenario = sim.with_overrides(sim.load_scenario(path), overrides)
    names = {old: f"State {i:02d}" for i, old in enumerate(scenario.states)}
    original = sim.run(scenario, seed=2, replications=20)
    renamed = sim.run(_renamed(scenario, names), seed=2, replications=20)
    for table in ("timeseries", "summary", "events"):
        expected = getattr(original, table).assign(state=lambda t: t.state.map(names))
        if table == "events":  # a state acting is named as the actor too
            expected["actor"] = expected.actor.map(lambda actor: names.get(actor, actor))
        pd.testing.assert_frame_equal(expected, getattr(renamed, table))
