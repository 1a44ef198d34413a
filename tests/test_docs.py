"""The documentation stays true: the key reference matches the schema, the example runs."""

import re
from pathlib import Path

import sim
from sim.cli import main
from sim.scenario.reference import MARKER, reference

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "scenarios.md"


def test_key_reference_matches_schema():
    text = GUIDE.read_text(encoding="utf-8")
    generated = MARKER + text.split(MARKER, 1)[1]
    assert generated == reference(), "run: python -m sim.scenario.reference --update docs/scenarios.md"


def test_every_schema_key_is_documented():
    documented = set(re.findall(r"^\| `([^`]+)`", GUIDE.read_text(encoding="utf-8"), flags=re.M))
    for key in ("states.<state>.indicators.sanctions", "decision.weights.peer_influence", "bloc.appetite.partners",
                "events.<event>.set", "calendar.summits[].date", "run.replications"):
        assert key in documented


def test_the_guide_example_is_a_valid_scenario_that_runs(tmp_path):
    example = re.search(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S).group(1)
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    scenario = sim.load_scenario(path)
    assert list(scenario.states) == ["Ruritania"]
    assert main(["run", str(path), "--replications", "3", "--out", str(tmp_path / "out"), "--quiet"]) == 0


def test_readme_commands_name_real_files():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in re.findall(r"(scenarios/[\w/]+\.yaml)", readme):
        assert (ROOT / path).is_file(), path
