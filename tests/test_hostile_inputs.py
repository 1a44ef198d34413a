"""Any input, however malformed, ends in a valid result or our InputError naming a file and a key
(or a line): never another exception, a traceback or a hang.

Property-based (hypothesis): scenario and sweep documents are generated, valid ones are mutated
(types, ranges, structure, YAML syntax, bytes), and fed to the loader and to `alignsim check`;
the same for `--set` values and for the observed-decisions CSV of `alignsim validate`. The runs
are deterministic (`derandomize=True`, no example database) with no deadline, and bounded: the
number of generated cases is `sum(EXAMPLES.values())`. Every crash found is kept below as a plain
regression test.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import io
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.scenario import InputError, Scenario, load_scenario
from sim.sweep import load_sweep
from sim.sweep.spec import LoadedSweep
from sim.validate import read_observed

from test_malformed_scenarios import VALID

ROOT = Path(__file__).resolve().parents[1]
OBSERVED = (ROOT / "data" / "brics_decisions.csv").read_text(encoding="utf-8")
VALID_DATA = yaml.safe_load(VALID)
GRID = {
    "name": "hostile_grid",
    "base": "scenario.yaml",
    "parameters": {
        "states.Kazakhstan.indicators.sanctions": {"values": [0.0, 0.5]},
        "decision.rationality": {"range": [1.0, 3.0], "steps": 2},
    },
    "design": "grid",
    "replications": 2,
}
EXAMPLES = {"scenario-values": 150, "scenario-text": 150, "scenario-bytes": 40, "generated": 60,
            "set": 120, "sweep": 80, "csv": 100}


def _settings(name: str):
    return settings(max_examples=EXAMPLES[name], derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _assert_ours(exc: InputError) -> None:
    assert exc.issues, "an InputError without issues"
    for issue in exc.issues:
        # The key (and line) where the loader knows one; a problem with the whole file has neither.
        assert issue.file, f"no file named: {issue}"
        assert issue.message.strip(), f"no message: {issue}"


def _check_file(path: Path, *options: str) -> None:
    """The loader gives a scenario or our error; `alignsim check` exits 0 or 2 without a traceback."""
    try:
        assert isinstance(load_scenario(path, list(options)), Scenario)
    except InputError as exc:
        _assert_ours(exc)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["check", str(path), *(f"--set={option}" for option in options)])
    assert code in (0, 2), err.getvalue()
    assert "Traceback" not in err.getvalue() and "unexpectedly" not in err.getvalue(), err.getvalue()


def _with_file(content: str | bytes, name: str = "scenario.yaml"):
    folder = tempfile.TemporaryDirectory()
    path = Path(folder.name) / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return folder, path


# --- strategies ---------------------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**20, 10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.dates(min_value=datetime.date(1, 1, 1)), st.sampled_from(["2024-10", "2024-10-23", "2024-13", "", " ", "0.5"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                      max_leaves=12)
KEYS = st.sampled_from(sorted({*Scenario.model_fields, "value", "source", "assumption", "missing", "date", "set",
                               "extends", "Kazakhstan", "EAEU", "Russia", "consent", "toward", "indicators"}))


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _paths(child, prefix + (index,))


def _mutate(data, draw):
    """One structural change somewhere in `data`: a new value, a removed, renamed or added key."""
    data = copy.deepcopy(data)
    paths = [p for p in _paths(data) if p]
    path = draw(st.sampled_from(paths))
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    kind = draw(st.sampled_from(["value", "delete", "rename", "add", "wrap"]))
    key = path[-1]
    if kind == "value":
        parent[key] = draw(VALUES)
    elif kind == "delete":
        del parent[key]
    elif kind == "rename" and isinstance(parent, dict):
        parent[draw(KEYS | st.text(max_size=12))] = parent.pop(key)
    elif kind == "add" and isinstance(parent, dict):
        parent[draw(KEYS | st.text(max_size=12))] = draw(VALUES)
    else:
        parent[key] = [parent[key]] if draw(st.booleans()) else {"value": parent[key]}
    return data


@st.composite
def mutated_scenarios(draw):
    data = VALID_DATA
    for _ in range(draw(st.integers(1, 3))):
        data = _mutate(data, draw)
    return data


TEXT_EDITS = st.sampled_from(["\t", ":", ": ", "- ", "[", "]", "{", "}", "&a ", "*a", "!!python/name:os.system ",
                              "!!binary ", "'", '"', "#", "\n", "  ", "? ", "|", ">", "%YAML 1.1\n", "---\n", "\x00",
                              "\ufeff", "\u202e", "<<: *a\n", "2024-10-23", "2024-13-45", "!!float ", "!!int ", "!!timestamp ",
                              ".nan", ".inf", "~", "1e999"])


@st.composite
def edited_text(draw, text: str):
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "truncate", "swap"]))
        if action == "insert":
            text = text[:at] + draw(TEXT_EDITS | st.text(max_size=5)) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif action == "truncate":
            text = text[:at]
        else:
            lines = text.split("\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


def _dump(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


# --- scenarios ------------------------------------------------------------------------------------


@_settings("scenario-values")
@given(mutated_scenarios())
def test_mutated_scenario_values_and_structure(data):
    folder, path = _with_file(_dump(data))
    with folder:
        _check_file(path)


@_settings("scenario-text")
@given(edited_text(VALID))
def test_mutated_scenario_yaml_text(text):
    folder, path = _with_file(text)
    with folder:
        _check_file(path)


@_settings("scenario-bytes")
@given(st.binary(max_size=400), st.integers(0, len(VALID)), st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_scenario_with_bytes_spliced_in(junk, at, encoding):
    raw = VALID.encode("utf-8")
    folder, path = _with_file(raw[:at] + junk + raw[at:] if encoding == "utf-8" else VALID.encode(encoding, "replace"))
    with folder:
        _check_file(path)


@_settings("generated")
@given(st.dictionaries(KEYS, VALUES, max_size=8))
def test_generated_documents(data):
    folder, path = _with_file(_dump(data))
    with folder:
        _check_file(path)


SET_PATHS = st.sampled_from([
    "decision.rationality", "states.Kazakhstan.indicators.sanctions", "states.Georgia.indicators.sanctions",
    "bloc.appetite.members", "calendar.start", "events.kazan_partner_round", "events.kazan_partner_round.date",
    "events.nothing", "organizations.EAEU", "states.Kazakhstan", "run.seed", "name", "states",
    "bloc.members.Russia.toward.Kazakhstan", "powers.west", "decision.weights.bloc_benefits",
]) | st.text(max_size=25)


@_settings("set")
@given(SET_PATHS, st.one_of(st.text(max_size=20), SCALARS.map(lambda v: yaml.safe_dump(v).split("\n...")[0].strip())))
def test_set_values(path, value):
    folder, file = _with_file(VALID)
    with folder:
        _check_file(file, f"{path}={value}")


SWEEP_PATHS = st.sampled_from(["states.Kazakhstan.region.x", "states.Kazakhstan.indicators.sanctions.value.x",
                               "decision.review_interval_months", "run.replications", "events", "states"])
PARAMETERS = [{"values": [0.5]}, {"range": [0.0, 1.0], "steps": 2}, {"values": [float("nan"), 1.0]},
              {"range": [0.0, float("inf")], "steps": 2}, {"values": [1.5, 2]}, {"range": [1.0, 0.0], "steps": 2},
              {"range": [0.0, 1.0], "distribution": "normal", "mean": float("nan"), "sd": 1.0, "steps": 2}]

# --- sweeps ----------------------------------------------------------------------------------------


@st.composite
def mutated_sweeps(draw):
    data = copy.deepcopy(GRID)
    if draw(st.booleans()):
        data["set"] = {draw(SET_PATHS | SWEEP_PATHS): draw(VALUES)}
    if draw(st.booleans()):
        data["parameters"][draw(SET_PATHS | SWEEP_PATHS)] = draw(st.sampled_from(PARAMETERS) | VALUES)
    if draw(st.booleans()):
        data = _mutate(data, draw)
    return draw(edited_text(_dump(data))) if draw(st.booleans()) else _dump(data)


@_settings("sweep")
@given(mutated_sweeps())
def test_mutated_sweep_files(text):
    folder, path = _with_file(text, "sweep.yaml")
    with folder:
        (path.parent / "scenario.yaml").write_text(VALID, encoding="utf-8")
        try:
            assert isinstance(load_sweep(path), LoadedSweep)
        except InputError as exc:
            _assert_ours(exc)


# --- the observed decisions of `alignsim validate` ----------------------------------------------------

CSV_EDITS = st.sampled_from([",", '"', "\n", "\r", "\x00", "2024-13", "2024-10-23", "bloc", "application",
                             "invitation", "member", "partner", "none", "disputed", "Kazakhstan", "Belarus", ""])


@st.composite
def edited_csv(draw):
    text = OBSERVED
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        row = draw(st.integers(0, len(lines) - 1))
        cells = lines[row].split(",")
        action = draw(st.sampled_from(["cell", "drop-cell", "text"]))
        if action == "cell":
            cells[draw(st.integers(0, len(cells) - 1))] = draw(CSV_EDITS | st.text(max_size=10))
        elif action == "drop-cell" and len(cells) > 1:
            del cells[draw(st.integers(0, len(cells) - 1))]
        lines[row] = ",".join(cells)
        text = "\n".join(lines)
        if action == "text":
            text = draw(edited_text(text))
    return text


@pytest.fixture(scope="module")
def round_scenario():
    return load_scenario(ROOT / "scenarios" / "brics_2024_round.yaml")


@_settings("csv")
@given(edited_csv())
def test_mutated_observed_decisions(round_scenario, text):
    folder, path = _with_file(text, "observed.csv")
    with folder:
        try:
            read_observed(path, round_scenario)
        except InputError as exc:
            _assert_ours(exc)


# --- pathological files, and the crashes the properties found -----------------------------------------

PATHOLOGICAL = {
    "alias-bomb": "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9)),
    "deep-nesting-flow": "name: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep-nesting-block": "".join("  " * i + f"k{i}:\n" for i in range(3000)) + "  " * 3000 + "v\n",
    "huge-file": "name: x\n" + "# padding\n" * 600_000,
    "long-line": "name: " + "x" * 4_000_000 + "\n",
    "merge-key-loop": "a: &a {b: 1}\nc:\n  <<: *a\n  <<: *a\n",
    "utf-16": VALID.encode("utf-16"),
    "bom": b"\xef\xbb\xbf" + VALID.encode("utf-8"),
    "nul-bytes": b"name: x\x00\n",
    "binary": bytes(range(256)) * 8,
    "only-a-comment": "# nothing\n",
    "document-stream": VALID + "---\nname: second\n",
    "non-string-key": "? [a, b]\n: 1\n",
    "integer-key": "1: x\nname: y\n",
    "control-character": "\x1f" + VALID,  # found by test_mutated_scenario_yaml_text: a ReaderError escaped
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_scenario_files(name, tmp_path):
    content = PATHOLOGICAL[name]
    path = tmp_path / "scenario.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    _check_file(path)


def test_every_problem_of_an_observed_csv_is_reported_with_its_line_and_column(tmp_path, capsys):
    rows = [OBSERVED.split("\n")[0], "Kazakhstan,x,2024-10-23,invitation,partner,declined,,s,certain,",
            "Kazakhstan,x,2024-10,invitation,emperor,declined,2024-13,s,certain,", "Belarus,x,2024-10",
            "Belarus,x,2023-05,application,member,applied,2023-05,a source, unquoted,certain,"]
    path = tmp_path / "observed.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["validate", str(ROOT / "scenarios" / "brics_2024_round.yaml"), "--observed", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert f"{path}:2: event_date: expected a month as YYYY-MM, got the full date '2024-10-23'" in err, err
    assert f"{path}:3: offer: unknown offer 'emperor'" in err, err
    assert f"{path}:3: response_date: expected a month as YYYY-MM" in err, err
    assert f"{path}:4: decision: the row has fewer fields than the header" in err, err
    assert f"{path}:5: the row has more fields than the header (1 more)" in err, err
    assert "Traceback" not in err


RECORD = ROOT / "data" / "brics_decisions.csv"


def _record_lines() -> list[str]:
    return OBSERVED.splitlines()


def _egypt_joins(lines: list[str]) -> int:
    return next(k for k, line in enumerate(lines) if line.startswith("Egypt,invited as member"))


@pytest.mark.parametrize("edit, message", [
    (lambda row: row.replace(",accepted,", ",acepted,"), "response: unknown response 'acepted'"),
    (lambda row: row.replace(",certain,", ",probable,"), "certainty: unknown certainty 'probable'"),
    (lambda row: row.replace(",2023-08,", ",2030-08,"), "event_date: 2030-08 is outside the scenario's calendar"),
    (lambda row: row.replace(",2024-01,", ",2019-01,"), "response_date: 2019-01 is outside the scenario's calendar"),
], ids=["response", "certainty", "late-event", "early-response"])
def test_a_record_value_validate_cannot_score_is_refused_with_its_line(tmp_path, capsys, edit, message):
    """A typo in a response or a certainty, or a date the simulation's calendar does not reach, would
    otherwise be skipped or moved without a word and change the scores."""
    lines = _record_lines()
    k = _egypt_joins(lines)
    lines[k] = edit(lines[k])
    path = tmp_path / "observed.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["validate", str(ROOT / "scenarios" / "brics_2024_round.yaml"), "--observed", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists() and "Traceback" not in err
    assert f"{path}:{k + 1}: {message}" in err, err


def test_a_record_reports_a_typo_and_a_date_outside_the_calendar_together(tmp_path, capsys):
    """Both in one pass; a row that is not scored (pending) may lie outside the calendar."""
    lines = _record_lines()
    k = _egypt_joins(lines)
    lines[k] = lines[k].replace(",2023-08,", ",2030-08,")
    lines[k + 1] = lines[k + 1].replace(",certain,", ",probable,").replace(",reported,", ",probable,")
    pending = 1  # Argentina's application, made a pending one dated after the calendar
    cells = lines[pending].split(",")
    lines[pending] = ",".join([*cells[:2], "2031-01", cells[3], cells[4], "pending", "", *cells[7:]])
    path = tmp_path / "observed.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["validate", str(ROOT / "scenarios" / "brics_2024_round.yaml"), "--observed", str(path),
                 "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{k + 1}: event_date: 2030-08 is outside" in err and f"{path}:{k + 2}: certainty:" in err, err
    assert f"{path}:{pending + 1}:" not in err


def test_a_repeated_row_is_refused_naming_both_lines(tmp_path, capsys):
    lines = _record_lines()
    path = tmp_path / "observed.csv"
    path.write_text("\n".join([*lines, lines[3]]) + "\n", encoding="utf-8")
    code = main(["validate", str(ROOT / "scenarios" / "brics_2024_round.yaml"), "--observed", str(path),
                 "--out", str(tmp_path / "out")])
    assert code == 2 and f"{path}:{len(lines) + 1}: the same row as line 4" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["validate", "compare-rules"])
def test_a_record_too_small_for_the_splits_is_refused_saying_what_each_needs(tmp_path, capsys, command):
    """One decision leaves nothing to fit when its state is left out, and nothing on one side of
    the time split: each need is named, no traceback, no output."""
    lines = _record_lines()
    path = tmp_path / "observed.csv"
    path.write_text("\n".join([lines[0], lines[_egypt_joins(lines)]]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main([command, str(ROOT / "scenarios" / "brics_2024_round.yaml"), "--observed", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists() and "Traceback" not in err
    assert "needs scored decisions of at least two states for leave-one-state-out (found 1)" in err, err
    assert "needs scored decisions both up to 2023-12 and after it for the time split (found 1 up to it, 0 after it)" in err
    assert "needs at least two states with an undisputed status for the simulation level" in err


def test_spaces_around_the_records_names_and_values_change_nothing(tmp_path):
    lines = _record_lines()
    spaced = [", ".join(lines[0].split(","))] + [line.replace(",", " ,", 1) for line in lines[1:]]
    path = tmp_path / "observed.csv"
    path.write_text("\n".join(spaced) + "\n", encoding="utf-8")
    scenario = load_scenario(ROOT / "scenarios" / "brics_2024_round.yaml")
    assert read_observed(path, scenario) == read_observed(RECORD, scenario)


def test_a_forecast_with_no_open_decision_says_so(tmp_path, capsys):
    lines = _record_lines()
    path = tmp_path / "observed.csv"
    path.write_text("\n".join([lines[0], lines[_egypt_joins(lines)]]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(["forecast", str(ROOT / "scenarios" / "brics_2024_round_calibrated.yaml"), "--observed", str(path),
                 "--cutoff", "2025-12", "--summit", "2026-09", "--replications", "5", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists() and "no state has a decision open at the data cut-off 2025-12" in err, err


@pytest.mark.parametrize("argv", [
    ["run", "scenarios/belarus_semi_blockade.yaml", "--replications", "2"],
    ["validate", "scenarios/brics_2024_round.yaml", "--observed", "data/brics_decisions.csv"],
    ["sweep", "sweeps/sanctions_vs_western_trade.yaml", "--executor", "serial"],
    ["figures", "figures/paper.yaml"],
    ["forecast", "scenarios/brics_2024_round_calibrated.yaml", "--observed", "data/brics_decisions.csv"],
], ids=["run", "validate", "sweep", "figures", "forecast"])
def test_an_out_that_cannot_be_made_is_refused_before_any_work(tmp_path, capsys, monkeypatch, argv):
    """An --out under a file, or naming the current folder (which --overwrite would replace), exits 2
    naming --out, before the command computes anything."""
    monkeypatch.chdir(ROOT)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    assert main([*argv, "--out", str(blocker / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{blocker / 'out'}: --out: cannot be created: {blocker} is a file, not a folder" in err, err
    assert "Traceback" not in err and blocker.read_text(encoding="utf-8") == "not a folder\n"
    monkeypatch.chdir(tmp_path)
    # The current folder, or a parent, however it is written: --overwrite would remove it.
    for here in (".", str(tmp_path), f"../{tmp_path.name}", ".."):
        assert main([*[str(ROOT / a) if "/" in a else a for a in argv], "--out", here, "--overwrite"]) == 2
        err = capsys.readouterr().err
        assert f"{here}: --out: is the current folder or one of its parents" in err, err
        assert sorted(tmp_path.iterdir()) == [blocker]


def test_a_sweep_its_executor_refuses_leaves_no_folder_to_block_the_next_try(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", str(ROOT / "sweeps" / "sanctions_vs_western_trade.yaml"), "--out", str(out),
                 "--executor", "serial", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "a scheduler address goes with --executor dask" in capsys.readouterr().err and not out.exists()


def test_a_figures_file_failing_at_its_second_figure_names_it_and_leaves_no_folder(tmp_path, capsys):
    belarus = ROOT / "scenarios" / "belarus_semi_blockade.yaml"
    figures = tmp_path / "figures.yaml"
    figures.write_text(f"""name: figs
formats: [png]
figures:
  - {{id: first, kind: timeline, scenario: {belarus}, states: [Belarus], replications: 5}}
  - {{id: second, kind: why, scenario: {belarus}, date: 2031-01, replications: 5}}
""", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["figures", str(figures), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{figures} (figure second): date: 2031-01 is not a simulated month" in err, err
    assert not out.exists()


@pytest.mark.parametrize("command", ["validate", "calibrate", "compare-rules"])
@pytest.mark.parametrize("ridge", ["nan", "inf", "-1"])
def test_a_ridge_that_is_not_a_finite_non_negative_number_is_refused(tmp_path, capsys, command, ridge):
    code = main([command, str(ROOT / "scenarios" / "brics_2024_round.yaml"), "--observed", str(RECORD),
                 "--ridge", ridge, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and f"--ridge: {float(ridge)}: must be a finite number of at least 0" in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv, message", [
    (["--date", "10/2024"], "--date: 10/2024: expected a month as YYYY-MM"),
    (["--date", "2031-01"], "--date: 2031-01: 2031-01 is not a simulated month: they run from 2022-01 to 2026-12"),
    (["--date", "2024-11", "--set", "calendar.step_months=3"],
     "--date: 2024-11: 2024-11 is not a simulated month: they run from 2022-01 to 2026-10 in steps of 3 months "
     "(2024-11 falls in the step of 2024-10)"),
], ids=["not-a-month", "after-the-calendar", "between-steps"])
def test_explain_says_which_months_it_can_explain(capsys, argv, message):
    assert main(["explain", str(ROOT / "scenarios" / "kazakhstan_multivector.yaml"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err


@pytest.mark.parametrize("command, what", [("sweep", "a sweep file"), ("figures", "a figures file")])
def test_a_list_given_as_a_sweep_or_figures_file_is_named_as_such(tmp_path, capsys, command, what):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    assert main([command, str(path), "--out", str(tmp_path / "out")]) == 2
    assert f"{path}:1: {what} must be a mapping of keys, but the file is a list" in capsys.readouterr().err


def test_a_sweep_into_a_file_says_it_is_a_file(tmp_path, capsys):
    target = tmp_path / "results.csv"
    target.write_text("x\n", encoding="utf-8")
    assert main(["sweep", str(ROOT / "sweeps" / "sanctions_vs_western_trade.yaml"), "--out", str(target)]) == 2
    assert f"{target}: --out: exists and is a file, not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["run", "forecast"])
@pytest.mark.parametrize("count, message", [("0", "must be at least 1, got 0"),
                                            ("100001", "must be at most 100,000, got 100,001 (as run.replications)")])
def test_replications_outside_what_a_scenario_allows_are_refused(tmp_path, capsys, command, count, message):
    extra = ["--observed", str(RECORD)] if command == "forecast" else []
    with pytest.raises(SystemExit) as stop:
        main([command, str(ROOT / "scenarios" / "brics_2024_round_calibrated.yaml"), *extra, "--replications", count,
              "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and f"argument --replications: {message}" in err and not (tmp_path / "out").exists()


def test_a_folder_given_as_the_observed_csv(tmp_path, capsys):
    code = main(["validate", str(ROOT / "scenarios" / "brics_2024_round.yaml"), "--observed", str(tmp_path),
                 "--out", str(tmp_path / "out")])
    assert code == 2 and "is a directory, not a CSV file" in capsys.readouterr().err


@pytest.mark.parametrize("body, message", [
    # found while probing: set_path's ValueError escaped load_sweep
    ("design: grid\nset: {states.Kazakhstan.region.x: 1}\nparameters: {decision.rationality: {values: [1, 2]}}\n",
     "set.states.Kazakhstan.region.x: states.Kazakhstan.region is not a mapping"),
    ("design: grid\nparameters: {states.Kazakhstan.indicators.sanctions.value.x: {values: [1, 2]}}\n",
     "parameters.states.Kazakhstan.indicators.sanctions.value.x: states.Kazakhstan.indicators.sanctions.value is not"),
    # a normal with a mean far outside its range sampled infinities, and every run failed
    ("design: sobol\nsamples: 4\nparameters:\n  decision.rationality: {range: [0, 1], distribution: normal, mean: .nan, sd: 1}\n"
     "  decision.switching_cost: {range: [0, 1], distribution: normal, mean: 5.0, sd: 1.0e-300}\n",
     "parameters.decision.switching_cost: a normal distribution needs a finite 'sd' and a 'mean' within [0.0, 1.0]"),
])
def test_sweep_files_that_crashed(body, message, tmp_path, capsys):
    path = tmp_path / "sweep.yaml"
    path.write_text(f"name: t\nbase: {ROOT / 'scenarios' / 'kazakhstan_multivector.yaml'}\n" + body, encoding="utf-8")
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and f"{path}:" in err, err
    assert "Traceback" not in err and not (tmp_path / "out").exists()


def test_a_phase_diagram_naming_no_parameter_is_refused_before_its_sweep_is_computed(tmp_path, capsys):
    """It was refused only after the sweep (minutes for the bundled Sobol' sweep) had been computed."""
    path = tmp_path / "figures.yaml"
    path.write_text(f"name: t\nfigures:\n  - {{id: x, kind: phase_diagram, sweep: {ROOT / 'sweeps' / 'kazakhstan_sobol.yaml'}, "
                    "x: nope, y: decision.rationality}\n", encoding="utf-8")
    sweeps = tmp_path / "sweeps"
    assert main(["figures", str(path), "--out", str(tmp_path / "out"), "--sweeps", str(sweeps), "--quiet"]) == 2
    assert "'nope' is not a parameter of sweep kazakhstan_sobol" in capsys.readouterr().err
    assert not sweeps.exists()


@pytest.mark.parametrize("damage", ["part", "manifest", "manifest-keys", "points"])
def test_a_damaged_sweep_folder_is_named_not_a_crash(damage, tmp_path, capsys):
    """Found by probing `export` and `sensitivity` on damaged folders: JSON and Arrow errors escaped."""
    morris = {**GRID, "design": "morris", "samples": 2, "replications": 1, "parameters": {
        "states.Kazakhstan.indicators.sanctions": {"range": [0.0, 1.0]}, "decision.rationality": {"range": [1.0, 3.0]}}}
    folder, path = _with_file(_dump(morris), "sweep.yaml")
    with folder:
        (path.parent / "scenario.yaml").write_text(VALID, encoding="utf-8")
        out = tmp_path / "out"
        assert main(["sweep", str(path), "--out", str(out), "--executor", "serial", "--quiet"]) == 0
    victim = {"part": next((out / "parts").glob("results-*.parquet")), "manifest": out / "sweep.json",
              "manifest-keys": out / "sweep.json", "points": out / "points.parquet"}[damage]
    victim.write_text('{"name": "x"}' if damage == "manifest-keys" else "junk", encoding="utf-8")
    commands = [["sensitivity", str(out), "--output", "seeking_membership", "--out", str(tmp_path / "s")]]
    if damage != "points":  # export reads no points
        commands.append(["export", str(out), "--out", str(tmp_path / "r.csv")])
    for command in commands:
        code = main(command)
        err = capsys.readouterr().err
        assert code == 2 and "the sweep folder is damaged; run the sweep again into another --out" in err, err
        assert "Traceback" not in err and "unexpectedly" not in err, err
