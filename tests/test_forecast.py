"""`alignsim forecast`: who is asked what, from the record at the cut-off; the same bytes for the same
seed; scoring against a record that knows the outcomes; bad input; the committed figure."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given

import sim
from sim.cli import main
from sim.decision import TERMS
from sim.forecast import COLUMNS, read_record, situations
from sim.parameters import RATES, scenario_rate, scenario_weights
from sim.results import table_bytes
from sim.scenario import InputError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_hostile_inputs import _assert_ours, _settings, _with_file, edited_csv  # noqa: E402  the same mutations

ROOT = Path(__file__).resolve().parents[1]
CALIBRATED = ROOT / "scenarios" / "brics_2024_round_calibrated.yaml"
OBSERVED = ROOT / "data" / "brics_decisions.csv"
# docs/forecast.md's command, as written there
DOCUMENTED = [str(CALIBRATED), "--observed", str(OBSERVED), "--cutoff", "2025-12", "--summit", "2026-09",
              "--replications", "1000"]
TERMS_INDEX = {term: k for k, term in enumerate(TERMS)}


@pytest.fixture(scope="module")
def scenario():
    return sim.load_scenario(CALIBRATED)


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_ones(scenario):
    first = sim.forecast(scenario, OBSERVED, seed=3, replications=40).table
    again = sim.forecast(scenario, OBSERVED, seed=3, replications=40).table
    other = sim.forecast(scenario, OBSERVED, seed=4, replications=40).table
    assert list(first.columns) == list(COLUMNS)
    assert table_bytes(first) == table_bytes(again)
    assert table_bytes(first) != table_bytes(other)


def test_the_default_cut_off_is_the_last_decision_and_the_summit_the_next_on_the_calendar(scenario):
    result = sim.forecast(scenario, OBSERVED, replications=5)
    assert result.cutoff == "2025-06"  # Vietnam's acceptance, the record's last decision
    assert (result.summit.name, result.summit.date) == ("Rio de Janeiro", "2025-07")
    assert result.resolution == "2026-01"
    assert set(result.table.summit_date) == {"2025-07"} and set(result.table.cutoff) == {"2025-06"}


def test_a_member_is_not_asked_to_apply_nor_a_state_with_nothing_pending(scenario):
    result = sim.forecast(scenario, OBSERVED, replications=5)
    start = situations(read_record(OBSERVED, scenario), scenario, result.cutoff)
    members = {name for name, s in start.items() if s.status == 2}
    assert {"Egypt", "Ethiopia", "Iran", "United Arab Emirates", "Indonesia"} <= members
    asked = set(result.table.state)
    assert not members & asked
    assert "Mexico" not in asked and "Algeria" not in asked  # said no; an invitation lapsed unanswered
    belarus = result.table[result.table.state == "Belarus"]
    assert list(belarus.question) == ["become a member"]  # a partner that has applied is not asked to apply
    uganda = result.table[result.table.state == "Uganda"]
    assert list(uganda.question) == ["become a member", "apply for membership"]
    assert set(result.not_asked) == {"Kazakhstan", "Saudi Arabia"}  # disputed readings


def test_a_cut_off_before_an_application_changes_who_is_pending(scenario):
    record = read_record(OBSERVED, scenario)
    before, after = situations(record, scenario, "2024-06"), situations(record, scenario, "2024-08")
    assert before["Malaysia"].seeking == 0 and after["Malaysia"].seeking == 2  # applied 2024-07
    early = sim.forecast(scenario, OBSERVED, cutoff="2024-06", replications=5).table
    late = sim.forecast(scenario, OBSERVED, cutoff="2024-08", replications=5).table
    assert "Malaysia" not in set(early.state)
    assert list(late[late.state == "Malaysia"].question) == ["take partner status", "become a member"]
    assert set(early.summit_date) == set(late.summit_date) == {"2024-10"}  # Kazan, the next summit either way
    # An invitation is pending until it is answered: Vietnam, invited at Kazan, answered in 2025-06.
    assert situations(record, scenario, "2025-03")["Vietnam"].describe() == "outside, invited as partner"
    assert situations(record, scenario, "2025-06")["Vietnam"].describe() == "partner"
    # An application ends with a declined invitation: Argentina, which applied in 2022-06, said no in 2023-12.
    assert situations(record, scenario, "2023-06")["Argentina"].describe() == "outside, applied for membership"
    assert situations(record, scenario, "2024-01")["Argentina"].describe() == "outside"


@_settings("csv")
@given(edited_csv())
def test_a_mutated_record_gives_situations_or_our_error(scenario, text):
    folder, path = _with_file(text, "observed.csv")
    with folder:
        try:
            start = situations(read_record(path, scenario), scenario, "2025-12")
        except InputError as exc:
            _assert_ours(exc)
        else:
            assert set(start) == set(scenario.states)


TOY_RECORD = """state,event,event_date,decision,offer,response,response_date,source,certainty,note
Belarus,applied,2023-05,application,member,applied,2023-05,toy,certain,
Bolivia,applied,2023-06,application,member,applied,2023-06,toy,certain,
Belarus,invited as member,2026-09,invitation,member,accepted,2026-11,toy,certain,
Bolivia,withdrew,2027-03,application,member,withdrew,2027-03,toy,certain,
"""
TOY_FORECAST = """state,question,probability,resolution_date
Belarus,become a member,0.8,2027-03
Bolivia,take partner status,0.25,2027-03
"""


def test_scoring_gives_the_known_log_loss_on_a_toy_case(scenario, tmp_path, capsys):
    (tmp_path / "record.csv").write_text(TOY_RECORD, encoding="utf-8")
    (tmp_path / "forecast.csv").write_text(TOY_FORECAST, encoding="utf-8")
    from sim.forecast import read_forecast, score

    result = score(read_forecast(tmp_path / "forecast.csv"), scenario, tmp_path / "record.csv")
    assert list(result.questions.outcome) == [1.0, 0.0]
    assert result.n == 2
    assert result.log_loss == pytest.approx(-(math.log(0.8) + math.log(0.75)) / 2)
    assert result.brier == pytest.approx((0.2**2 + 0.25**2) / 2)
    code = main(["forecast", str(CALIBRATED), "--observed", str(tmp_path / "record.csv"),
                 "--score", str(tmp_path / "forecast.csv")])
    assert code == 0
    assert "2 questions resolved" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["forecast.csv", "record.csv"]  # writes nothing


def test_a_record_that_does_not_reach_the_resolution_month_cannot_score(tmp_path, capsys):
    (tmp_path / "forecast.csv").write_text(TOY_FORECAST, encoding="utf-8")
    code = main(["forecast", str(CALIBRATED), "--observed", str(OBSERVED), "--score", str(tmp_path / "forecast.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "(2025-06) is before the resolution month" in err and "Traceback" not in err


@pytest.mark.parametrize("arguments, message", [
    (["--cutoff", "2025-13"], "--cutoff"),
    (["--cutoff", "2021-12"], "before the scenario's calendar starts"),
    (["--cutoff", "2025-12"], "has an assumed month"),  # India's summit: its month must be given
    (["--cutoff", "2025-12", "--summit", "2025-11"], "must be after the data cut-off 2025-12"),
    (["--cutoff", "2026-10"], "no summit after the data cut-off 2026-10"),
    (["--summit", "2026-09"], "Rio de Janeiro, has a sourced month (2025-07)"),
    (["--cutoff", "2025-12", "--summit", "2999-01"], "do not make a valid scenario"),
    (["--score", "missing.csv", "--cutoff", "2025-12"], "--cutoff belong to making one"),
    (["--score", "missing.csv", "--posterior", "estimation/posterior"], "--posterior belong to making one"),
])
def test_bad_input_exits_2_with_a_message_and_writes_nothing(tmp_path, capsys, arguments, message):
    out = tmp_path / "out"
    code = main(["forecast", str(CALIBRATED), "--observed", str(OBSERVED), "--out", str(out), *arguments]
                if "--score" not in arguments else
                ["forecast", str(CALIBRATED), "--observed", str(OBSERVED), *arguments])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not out.exists()


def test_a_bad_forecast_file_is_named_with_its_line_and_column(tmp_path, capsys):
    (tmp_path / "forecast.csv").write_text(TOY_FORECAST.replace("0.25", "1.5").replace("take partner", "take"),
                                           encoding="utf-8")
    code = main(["forecast", str(CALIBRATED), "--observed", str(OBSERVED), "--score", str(tmp_path / "forecast.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "forecast.csv:3: probability: expected a probability from 0 to 1, got '1.5'" in err
    assert "forecast.csv:3: question: unknown question 'take status'" in err


def test_the_documented_forecast_writes_the_committed_figure(tmp_path, capsys):
    out = tmp_path / "forecast"
    assert main(["forecast", *DOCUMENTED, "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["forecast.csv", "forecast.pdf", "forecast.png", "forecast.svg"]
    assert (out / "forecast.png").read_bytes() == (ROOT / "docs" / "images" / "forecast.png").read_bytes()
    assert main(["forecast", *DOCUMENTED, "--out", str(out)]) == 2  # the one overwrite rule
    assert "--overwrite" in capsys.readouterr().err


def test_the_help_states_the_answer_window(capsys):
    from sim.forecast import ANSWER_MONTHS

    with pytest.raises(SystemExit) as exited:
        main(["forecast", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert exited.value.code == 0
    assert ANSWER_MONTHS == 6 and "through the next summit on the scenario's calendar after the cut-off and six months after it" in out
    assert "with a 95% interval" in out


# --- with a posterior ----------------------------------------------------------------------------


def posterior_of(folder: Path, weights, scenario) -> Path:
    """A posterior folder whose draws are the rows of `weights` (TERMS order), each with the
    scenario's rates."""
    folder.mkdir(parents=True)
    table = pd.DataFrame(np.atleast_2d(weights), columns=list(TERMS)).assign(
        **{name: scenario_rate(scenario, name) for name in RATES})
    table.insert(0, "walker", np.arange(len(table)))
    table.insert(1, "draw", 0)
    table.to_parquet(folder / "draws.parquet", index=False)
    return folder


def test_one_repeated_draw_of_the_scenarios_weights_gives_the_forecast_without_a_posterior(scenario, tmp_path):
    folder = posterior_of(tmp_path / "same", [scenario_weights(scenario)] * 4, scenario)
    plain = sim.forecast(scenario, OBSERVED, seed=2, replications=40).table
    drawn = sim.forecast(scenario, OBSERVED, seed=2, replications=40, posterior=folder).table
    kept = ["state", "question", "probability", "low", "high"]
    assert plain[kept].equals(drawn[kept])
    assert "4 draws of the posterior in" in drawn.parameter_set.iloc[0] and "posterior draws" in drawn.interval.iloc[0]
    assert "sampling only" in plain.interval.iloc[0]


def test_draws_apart_widen_the_intervals_and_the_bytes_repeat(scenario, tmp_path):
    weights = scenario_weights(scenario)
    eager, reluctant = weights.copy(), weights.copy()
    eager[TERMS_INDEX["bloc_benefits"]] *= 3  # a pull toward the bloc three times as strong
    reluctant[TERMS_INDEX["bloc_benefits"]] = 0
    folder = posterior_of(tmp_path / "apart", [eager, reluctant], scenario)
    first = sim.forecast(scenario, OBSERVED, seed=2, replications=200, posterior=folder).table
    assert table_bytes(first) == table_bytes(
        sim.forecast(scenario, OBSERVED, seed=2, replications=200, posterior=folder).table)
    plain = sim.forecast(scenario, OBSERVED, seed=2, replications=200).table
    wider = (first.high - first.low) > (plain.high - plain.low) + 0.05
    assert wider.any(), "draws that disagree must widen some question's interval beyond sampling"


def test_the_forecast_command_takes_a_posterior_and_says_what_its_intervals_carry(scenario, tmp_path, capsys):
    folder = posterior_of(tmp_path / "same", [scenario_weights(scenario)] * 2, scenario)
    out = tmp_path / "out"
    assert main(["forecast", *DOCUMENTED[:3], "--cutoff", "2025-12", "--summit", "2026-09", "--replications", "20",
                 "--posterior", str(folder), "--draws", "2", "--out", str(out)]) == 0
    assert "the posterior draws: chance and the weights' uncertainty" in capsys.readouterr().out
    assert main(["forecast", *DOCUMENTED[:3], "--draws", "2", "--out", str(tmp_path / "no")]) == 2
    err = capsys.readouterr().err
    assert "--draws" in err and "needs --posterior" in err and not (tmp_path / "no").exists()


def test_a_missing_posterior_folder_exits_2_naming_it_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["forecast", *DOCUMENTED[:3], "--cutoff", "2025-12", "--summit", "2026-09", "--replications", "20",
                 "--posterior", str(tmp_path / "nowhere"), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "nowhere" in err and "--posterior" in err and "Traceback" not in err
    assert not out.exists()
