"""The documentation stays true: the key reference matches the schema, the example runs."""

import re
from pathlib import Path

import sim
from sim.cli import main
from sim.reference import DOCUMENTS, MARKER, reference
from sim.sweep import load_sweep

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "scenarios.md"


def test_key_references_match_schemas():
    for name, model in DOCUMENTS.items():
        text = (ROOT / name).read_text(encoding="utf-8")
        generated = MARKER + text.split(MARKER, 1)[1]
        assert generated == reference(model), "run: python -m sim.reference --update"


def test_the_key_reference_shows_exclusive_bounds_as_the_schema_checks_them():
    """A location of 1 is refused ("must be below 1"), so the reference must not show a closed range."""
    text = reference(DOCUMENTS["docs/scenarios.md"])
    assert "| `decision.threshold.location` | number | above 0 and below 1 |" in text
    assert "| `decision.landscape.temperature` | number | above 0 and at most 100 |" in text


def test_the_sweep_guide_example_is_a_valid_sweep(tmp_path):
    example = re.search(r"```yaml\n(.*?)```", (ROOT / "docs" / "sweeps.md").read_text(encoding="utf-8"),
                        flags=re.S).group(1)
    path = tmp_path / "example.yaml"
    path.write_text(example.replace("../scenarios/", f"{ROOT}/scenarios/"), encoding="utf-8")
    sweep = load_sweep(path)
    assert sweep.spec.design == "grid" and sweep.base.decision.rationality == 2.0


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
