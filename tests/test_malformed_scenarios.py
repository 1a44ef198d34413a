"""A catalogue of malformed scenarios and the message `alignsim check` must give for each.

Every case starts from VALID, a small valid scenario (scenarios/kazakhstan_multivector.yaml
flattened, without `extends`), alters one thing, and runs `alignsim check` in-process. The
contract checked for every case (sim/cli.py, sim/scenario/errors.py):

* exit code 2 (bad input), never 1 (crash);
* stderr names the file, the dotted key path and, where the loader knows it, the line, on the
  same line as the expected message;
* no Python traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from sim.cli import main
from sim.scenario import loader
from sim.scenario.errors import InputError


VALID = """\
name: kz_minimal
title: Kazakhstan's multi-vector policy and BRICS (minimal, flattened)
calendar:
  start: 2022-01
  end: 2026-12
  summits:
    - {date: 2023-08, name: Johannesburg, source: "15th summit, 22-24 August 2023"}
    - {date: 2024-10, name: Kazan, source: "Kazan summit 22-24 October 2024"}
organizations:
  EAEU:
    overlap: {value: 0.2, assumption: "customs union with Russia"}
  SCO:
    overlap: {value: 0.25, assumption: "includes four bloc members"}
states:
  Kazakhstan:
    region: Central Asia
    memberships: [EAEU, SCO]
    initial:
      status: outside
      seeking_membership: false
    indicators:
      trade_west: {value: 0.32, year: 2023, source: "EU about 30% of trade plus the US"}
      trade_russia: {value: 0.186, year: 2023, source: "Bureau of National Statistics"}
      trade_china: {value: 0.213, year: 2023, source: "Bureau of National Statistics"}
      trade_other_members: {value: null, missing: "no shares found"}
      investment_west: {value: 0.40, source: "PM Smailov, Kazinform 2024-01-15"}
      investment_russia: {value: 0.031, source: "National Bank of Kazakhstan"}
      transit_russia: {value: 0.80, source: "CPC pipeline"}
      sanctions: {value: 0.0, source: "no Western sanctions"}
      blockade: {value: 0.0, source: "no Western restriction"}
      western_engagement: {value: 0.7, assumption: "coded"}
      affinity: {value: 0.3, assumption: "coded"}
      bilateral_channels: {value: 0.8, assumption: "coded"}
bloc:
  name: BRICS
  members:
    Brazil:
      consent: {value: 0.97, assumption: "no reported objection"}
    Russia:
      consent: {value: 0.97, assumption: "no reported objection"}
      toward:
        Kazakhstan: {value: 0.99, assumption: "close ally"}
  partner_tier_from: {date: 2024-10, source: "Kazan declaration"}
  appetite:
    members: {value: 0.0, source: "no new member since 2010"}
    partners: {value: 0.0, source: "no partner tier before Kazan"}
  benefits: {value: 0.6, assumption: "not measured"}
powers:
  west:
    threat_against_joiners: {value: 0.0, source: "no threat before July 2025"}
  russia:
    pressure_to_join: {value: 0.5, assumption: "strength not measured"}
    retaliation_for_refusal: {value: 0.5, assumption: "strength not measured"}
decision:
  rationality: 3.0
  weights:
    bloc_benefits: 1.0
events:
  kazan_partner_round:
    date: 2024-10
    description: "Kazan creates the partner tier."
    source: "EDM"
    set:
      bloc.appetite.partners: 0.42
run:
  seed: 1
  replications: 10
"""

SCENARIO = "scenario.yaml"
DIRECTORY = object()  # a file entry that is created as a folder


def edit(old: str, new: str, text: str = VALID) -> str:
    """VALID with `old` (which must occur exactly once) replaced by `new`."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


@dataclass
class Case:
    """One malformed input.

    files: name -> text, bytes or DIRECTORY, written into tmp_path.
    target: the argument given to `alignsim check`.
    expected: substrings the issue's line must all contain.
    key: the dotted key path the issue must name (None: a problem with the whole file).
    line: (file, marker): the issue must give the line of `marker`'s first occurrence in that
        file; None when the loader cannot know a line.
    issue_file: the file the issue must name (default: target).
    """

    id: str
    files: dict
    expected: tuple[str, ...]
    key: str | None
    line: tuple[str, str] | None
    target: str = SCENARIO
    issue_file: str | None = None
    extra: dict = field(default_factory=dict)


CASES = [
    Case(
        "unknown-top-level-key-suggests",
        {SCENARIO: edit("\ndecision:\n", "\ndecisions:\n")},
        ("unknown key", "did you mean 'decision'"),
        "decisions",
        (SCENARIO, "decisions:"),
    ),
    Case(
        "unknown-key-without-close-match-lists-valid-keys",
        {SCENARIO: VALID + "colour: red\n"},
        ("unknown key", "Valid keys here:", "calendar"),
        "colour",
        (SCENARIO, "colour: red"),
    ),
    Case(
        "misspelt-nested-key",
        {SCENARIO: edit("  rationality: 3.0", "  rationalty: 3.0")},
        ("unknown key", "did you mean 'rationality'"),
        "decision.rationalty",
        (SCENARIO, "rationalty:"),
    ),
    Case(
        "misspelt-indicator-key",
        {SCENARIO: edit("      affinity: {", "      afinity: {")},
        ("unknown key", "did you mean 'affinity'"),
        "states.Kazakhstan.indicators.afinity",
        (SCENARIO, "afinity:"),
    ),
    Case(
        "string-for-number",
        {SCENARIO: edit("  rationality: 3.0", "  rationality: high")},
        ("expected a number", "'high'"),
        "decision.rationality",
        (SCENARIO, "rationality: high"),
    ),
    Case(
        "quoted-number-not-coerced",
        {SCENARIO: edit("  seed: 1", '  seed: "1"')},
        ("expected a whole number", "'1'", "remove the quotes"),
        "run.seed",
        (SCENARIO, 'seed: "1"'),
    ),
    Case(
        "bool-for-number",
        {SCENARIO: edit("  rationality: 3.0", "  rationality: true")},
        ("expected a number", "got true"),
        "decision.rationality",
        (SCENARIO, "rationality: true"),
    ),
    Case(
        "share-above-one",
        {SCENARIO: edit("sanctions: {value: 0.0,", "sanctions: {value: 1.5,")},
        ("must be at most 1", "1.5"),
        "states.Kazakhstan.indicators.sanctions.value",
        (SCENARIO, "sanctions: {value: 1.5"),
    ),
    Case(
        "negative-weight",
        {SCENARIO: edit("bloc_benefits: 1.0", "bloc_benefits: -1.0")},
        ("must be at least 0", "-1.0"),
        "decision.weights.bloc_benefits",
        (SCENARIO, "bloc_benefits: -1.0"),
    ),
    Case(
        "trade-shares-sum-above-one",
        {SCENARIO: edit("trade_west: {value: 0.32", "trade_west: {value: 0.7")},
        ("trade shares sum to 1.099, above 1",),
        "states.Kazakhstan.indicators",
        (SCENARIO, "    indicators:"),
    ),
    Case(
        "membership-of-undefined-organization",
        {SCENARIO: edit("memberships: [EAEU, SCO]", "memberships: [EAEU, SCO, CSTO]")},
        ("organization 'CSTO' is not defined", "defined: EAEU, SCO"),
        "states.Kazakhstan.memberships",
        (SCENARIO, "memberships:"),
    ),
    Case(
        "toward-names-unknown-state",
        {SCENARIO: edit("        Kazakhstan: {value: 0.99", "        Uzbekistan: {value: 0.99")},
        ("no deciding state named 'Uzbekistan'",),
        "bloc.members.Russia.toward.Uzbekistan",
        (SCENARIO, "Uzbekistan: {value"),
    ),
    Case(
        "sourced-value-with-source-and-assumption",
        {SCENARIO: edit('sanctions: {value: 0.0, source: "no Western sanctions"}',
                        'sanctions: {value: 0.0, source: "UN", assumption: "guess"}')},
        ("exactly one of 'source' or 'assumption'",),
        "states.Kazakhstan.indicators.sanctions",
        (SCENARIO, "sanctions: {value: 0.0"),
    ),
    Case(
        "sourced-value-with-neither-source-nor-assumption",
        {SCENARIO: edit('affinity: {value: 0.3, assumption: "coded"}', "affinity: {value: 0.3}")},
        ("exactly one of 'source' or 'assumption'",),
        "states.Kazakhstan.indicators.affinity",
        (SCENARIO, "affinity: {value: 0.3}"),
    ),
    Case(
        "null-value-without-missing",
        {SCENARIO: edit('trade_other_members: {value: null, missing: "no shares found"}',
                        "trade_other_members: {value: null}")},
        ("a null value needs 'missing'",),
        "states.Kazakhstan.indicators.trade_other_members",
        (SCENARIO, "trade_other_members:"),
    ),
    Case(
        "month-13",
        {SCENARIO: edit("start: 2022-01", "start: 2024-13")},
        ("expected a month as YYYY-MM", "'2024-13'"),
        "calendar.start",
        (SCENARIO, "start: 2024-13"),
    ),
    Case(
        "a-name-of-dots-alone-would-name-the-results-folder-itself",
        {SCENARIO: edit("name: kz_minimal", 'name: "."')},
        ("not dots alone", "got '.'"),
        "name",
        (SCENARIO, 'name: "."'),
    ),
    Case(
        "a-name-of-two-dots-would-name-its-parent",
        {SCENARIO: edit("name: kz_minimal", 'name: ".."')},
        ("not dots alone", "got '..'"),
        "name",
        (SCENARIO, 'name: ".."'),
    ),
    Case(
        "an-event-changing-how-long-a-reaction-lasts-would-change-nothing",
        {SCENARIO: edit("      bloc.appetite.partners: 0.42\n",
                        "      bloc.appetite.partners: 0.42\n      powers.russia.retaliation_months: 6\n",
                        edit("    retaliation_for_refusal: {value: 0.5, assumption: \"strength not measured\"}\n",
                             "    retaliation_for_refusal: {value: 0.5, assumption: \"strength not measured\"}\n"
                             "    retaliation_months: 12\n"))},
        ("no such value that an event can change", "policy levels (not their months)"),
        "events.kazan_partner_round.set.powers.russia.retaliation_months",
        (SCENARIO, "powers.russia.retaliation_months: 6"),
    ),
    Case(
        "pressure-before-a-summit-ending-before-the-summit",
        {SCENARIO: edit("    retaliation_for_refusal: {value: 0.5, assumption: \"strength not measured\"}\n",
                        "    retaliation_for_refusal: {value: 0.5, assumption: \"strength not measured\"}\n"
                        "    pressure_lead_months: 2\n")},
        ("pressure_months: 1 would end the pressure before the summit", "give at least 2"),
        "powers.russia",
        (SCENARIO, "  russia:"),
    ),
    Case(
        "month-in-words",
        {SCENARIO: edit("start: 2022-01", "start: Oct 2024")},
        ("expected a month as YYYY-MM", "'Oct 2024'"),
        "calendar.start",
        (SCENARIO, "start: Oct 2024"),
    ),
    Case(
        "calendar-end-before-start",
        {SCENARIO: edit("end: 2026-12", "end: 2021-12")},
        ("end 2021-12 is before start 2022-01",),
        "calendar",
        (SCENARIO, "calendar:"),
    ),
    Case(
        "summit-outside-calendar",
        {SCENARIO: edit("date: 2024-10, name: Kazan", "date: 2027-03, name: Kazan")},
        ("summit 'Kazan' (2027-03) lies outside 2022-01..2026-12",),
        "calendar",
        (SCENARIO, "calendar:"),
    ),
    Case(
        "event-sets-path-that-does-not-exist",
        {SCENARIO: edit("      bloc.appetite.partners: 0.42", "      bloc.apetite.partners: 0.42")},
        ("no such value that an event can change", "did you mean 'bloc.appetite.partners'"),
        "events.kazan_partner_round.set.bloc.apetite.partners",
        (SCENARIO, "bloc.apetite.partners:"),
    ),
    Case(
        "event-sets-out-of-range-value",
        {SCENARIO: edit("      bloc.appetite.partners: 0.42", "      bloc.appetite.partners: 1.42")},
        ("this change is invalid", "must be at most 1", "1.42"),
        "events.kazan_partner_round.set.bloc.appetite.partners",
        (SCENARIO, "bloc.appetite.partners: 1.42"),
    ),
    Case(
        "python-object-tag-on-a-string-key",
        {SCENARIO: edit("title: Kazakhstan's multi-vector policy and BRICS (minimal, flattened)",
                        'title: !!python/object/apply:os.system ["echo hi"]')},
        ("tags that construct objects are refused",),
        None,
        (SCENARIO, "!!python/object/apply"),
    ),
    Case(
        # The same tag on a key whose type is a list: the tag must still be refused, not
        # silently dropped (leaving ["echo hi"] as a valid list of references).
        "python-object-tag-on-a-list-key",
        {SCENARIO: VALID + 'references: !!python/object/apply:os.system ["echo hi"]\n'},
        ("tags that construct objects are refused",),
        None,
        (SCENARIO, "!!python/object/apply"),
    ),
    Case(
        "python-name-tag-on-a-scalar",
        {SCENARIO: edit("title: Kazakhstan's multi-vector policy and BRICS (minimal, flattened)",
                        'title: !!python/name:os.system ""')},
        ("tags that construct objects are refused",),
        None,
        (SCENARIO, "!!python/name"),
    ),
    Case(
        "invalid-yaml-syntax",
        {SCENARIO: edit("title: Kazakhstan's multi-vector policy and BRICS (minimal, flattened)",
                        "title: Kazakhstan: multi-vector")},
        ("mapping values are not allowed here",),
        None,
        (SCENARIO, "title: Kazakhstan: multi-vector"),
    ),
    Case(
        "empty-file",
        {SCENARIO: ""},
        ("must be a mapping of keys", "the file is empty"),
        None,
        None,  # the loader reports line 1; checked below only when a marker is given
    ),
    Case(
        "top-level-list",
        {SCENARIO: "- name: a\n- name: b\n"},
        ("must be a mapping of keys", "the file is a list"),
        None,
        (SCENARIO, "- name: a"),
    ),
    Case(
        "duplicate-key",
        {SCENARIO: VALID + "name: kz_again\n"},
        ("duplicate key",),
        "name",
        (SCENARIO, "name: kz_again"),
    ),
    Case(
        "duplicate-nested-key",
        {SCENARIO: edit("  rationality: 3.0\n", "  rationality: 3.0\n  rationality: 2.0\n")},
        ("duplicate key",),
        "decision.rationality",
        (SCENARIO, "rationality: 2.0"),
    ),
    Case(
        "extends-missing-file",
        {SCENARIO: "extends: nothere.yaml\n" + VALID},
        ("nothere.yaml does not exist",),
        "extends",
        (SCENARIO, "extends: nothere.yaml"),
    ),
    Case(
        "extends-cycle",
        {SCENARIO: "extends: other.yaml\nname: a\n", "other.yaml": "extends: scenario.yaml\nname: b\n"},
        ("extends itself in a cycle", "other.yaml"),
        "extends",
        None,
    ),
    Case(
        "error-inside-an-extended-file-names-that-file",
        {SCENARIO: "extends: parent.yaml\nname: child\n",
         "parent.yaml": edit("  rationality: 3.0", "  rationality: high")},
        ("expected a number", "'high'"),
        "decision.rationality",
        ("parent.yaml", "rationality: high"),
        issue_file="parent.yaml",
    ),
    Case(
        "missing-file-on-command-line",
        {},
        ("file not found",),
        None,
        None,
        target="absent.yaml",
    ),
    Case(
        "directory-instead-of-file",
        {"folder": DIRECTORY},
        ("is a directory, not a scenario file",),
        None,
        None,
        target="folder",
    ),
    Case(
        "non-utf8-bytes",
        {SCENARIO: VALID.replace("Kazakhstan's", "Kazakhstan\xe9s").encode("latin-1")},
        ("is not UTF-8 text",),
        None,
        None,
    ),
    Case(
        "partner-before-tier-exists",
        {SCENARIO: edit("      status: outside", "      status: partner")},
        ("'partner' before the partner tier exists",),
        "states.Kazakhstan.initial.status",
        (SCENARIO, "status: partner"),
    ),
    Case(
        "partner-with-no-tier-at-all",
        {SCENARIO: edit('  partner_tier_from: {date: 2024-10, source: "Kazan declaration"}\n', "",
                        edit("      status: outside", "      status: partner"))},
        ("'partner' before the partner tier exists",),
        "states.Kazakhstan.initial.status",
        (SCENARIO, "status: partner"),
    ),
    Case(
        "initial-member-also-seeking",
        {SCENARIO: edit("seeking_membership: false", "seeking_membership: true",
                        edit("      status: outside", "      status: member"))},
        ("a member cannot also be seeking membership",),
        "states.Kazakhstan.initial",
        (SCENARIO, "    initial:"),
    ),
    Case(
        "state-name-with-a-dot",
        {SCENARIO: edit("\n  Kazakhstan:\n    region", "\n  Kazakh.stan:\n    region")},
        ("may not contain dots",),
        "states.Kazakh.stan",
        (SCENARIO, "Kazakh.stan:"),
    ),
    Case(
        "state-also-a-bloc-member",
        {SCENARIO: edit("    Brazil:\n", "    Kazakhstan:\n")},
        ("is also listed in bloc.members",),
        "states.Kazakhstan",
        (SCENARIO, "  Kazakhstan:\n    region"),
    ),
    Case(
        "unknown-initial-status",
        {SCENARIO: edit("      status: outside", "      status: observer")},
        ("'outside', 'partner' or 'member'", "'observer'"),
        "states.Kazakhstan.initial.status",
        (SCENARIO, "status: observer"),
    ),
    Case(
        "tab-indentation",
        {SCENARIO: edit("  rationality: 3.0", "\trationality: 3.0")},
        ("indent with spaces, not tabs",),
        None,
        (SCENARIO, "\trationality"),
    ),
    Case(
        "full-date-in-a-month-field",
        {SCENARIO: edit("start: 2022-01", "start: 2022-01-23")},
        ("the full date '2022-01-23'", "write 2022-01"),
        "calendar.start",
        (SCENARIO, "start: 2022-01-23"),
    ),
    Case(
        "full-date-in-an-event",
        {SCENARIO: edit("    date: 2024-10\n    description", "    date: 2024-10-23\n    description")},
        ("the full date '2024-10-23'", "write 2024-10"),
        "events.kazan_partner_round.date",
        (SCENARIO, "date: 2024-10-23"),
    ),
    Case(
        "plain-number-for-a-sourced-value",
        {SCENARIO: edit('affinity: {value: 0.3, assumption: "coded"}', "affinity: 0.3")},
        ("expected a sourced value", "`affinity: {value: 0.09, source: ...}`", "got 0.3"),
        "states.Kazakhstan.indicators.affinity",
        (SCENARIO, "affinity: 0.3"),
    ),
    Case(
        "list-for-a-mapping-of-names",
        {SCENARIO: edit("organizations:\n  EAEU:", "organizations: [EAEU]\nxorganizations:\n  EAEU:")},
        ("expected a mapping of names", "got a list"),
        "organizations",
        (SCENARIO, "organizations: [EAEU]"),
    ),
    Case(
        "text-for-a-text-field-that-yaml-reads-as-a-date",
        {SCENARIO: edit("title: Kazakhstan's multi-vector policy and BRICS (minimal, flattened)", "title: 2024-10-23")},
        ("expected text, got 2024-10-23", "put it in quotes"),
        "title",
        (SCENARIO, "title: 2024-10-23"),
    ),
    Case(
        "not-a-number-for-a-share",
        {SCENARIO: edit("sanctions: {value: 0.0,", "sanctions: {value: .nan,")},
        ("expected a number, got .nan",),
        "states.Kazakhstan.indicators.sanctions.value",
        (SCENARIO, "sanctions: {value: .nan"),
    ),
    Case(
        "control-character",
        {SCENARIO: edit("  rationality: 3.0", "  rationality: 3.0\x07")},
        ("0x0007", "YAML does not allow"),
        None,
        (SCENARIO, "  rationality: 3.0"),
    ),
    Case(
        "alias-bomb",
        {SCENARIO: VALID + "references: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"assumptions{i}: &a{i} [{', '.join(['*a' if i == 0 else f'*a{i - 1}'] * 10)}]\n" for i in range(6))},
        ("YAML values once aliases are expanded",),
        None,
        None,
    ),
    Case(
        # Found while probing: YAML reads 2024-13-45 as a date, and its ValueError escaped the loader.
        "impossible-date-read-by-yaml",
        {SCENARIO: edit("title: Kazakhstan's multi-vector policy and BRICS (minimal, flattened)", "title: 2024-13-45")},
        ("'2024-13-45' is not a valid date", "put it in quotes if it is text"),
        "title",
        (SCENARIO, "title: 2024-13-45"),
    ),
    Case(
        "float-tag-on-text",  # the same: a ValueError from YAML's own float constructor
        {SCENARIO: edit("  rationality: 3.0", "  rationality: !!float high")},
        ("'high' is not a valid number",),
        "decision.rationality",
        (SCENARIO, "rationality: !!float high"),
    ),
    Case(
        # Found by the hypothesis tests: an AttributeError and an IndexError from YAML's constructors.
        "scalar-tags-yaml-cannot-construct",
        {SCENARIO: edit("title: Kazakhstan's multi-vector policy and BRICS (minimal, flattened)",
                        "title: !!timestamp abc\ndescription: !!int ''")},
        ("'abc' is not a valid date",),
        "title",
        (SCENARIO, "title: !!timestamp abc"),
    ),
    Case(
        "sweep-file-given-as-a-scenario",
        {SCENARIO: "name: s\nbase: other.yaml\nparameters:\n  decision.rationality: {values: [1, 2]}\ndesign: grid\n"},
        ("is a sweep file, not a scenario", "alignsim sweep"),
        None,
        (SCENARIO, "name: s"),
    ),
    Case(
        "required-key-missing",
        {SCENARIO: edit("    region: Central Asia\n", "")},
        ("required key is missing",),
        "states.Kazakhstan.region",
        (SCENARIO, "  Kazakhstan:\n    memberships"),
    ),
]


def _write(tmp_path: Path, files: dict) -> None:
    for name, content in files.items():
        path = tmp_path / name
        if content is DIRECTORY:
            path.mkdir()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _line_of(text: str, marker: str) -> int:
    """1-based line on which `marker` starts (markers may span lines)."""
    index = text.index(marker)
    return text.count("\n", 0, index) + 1


def _check(capsys, args: list[str]) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_valid_scenario_is_valid(tmp_path, capsys):
    """The base of every case is itself valid, so each case fails for its one alteration."""
    _write(tmp_path, {SCENARIO: VALID})
    code, out, err = _check(capsys, [str(tmp_path / SCENARIO)])
    assert code == 0, err
    assert "OK" in out


def test_the_catalogue_is_large_and_distinct():
    assert len(CASES) >= 18
    assert len({case.id for case in CASES}) == len(CASES)
    texts = [repr(sorted(case.files.items(), key=lambda kv: kv[0])) + case.target for case in CASES]
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_malformed_scenario_is_reported(case: Case, tmp_path, capsys):
    _write(tmp_path, case.files)
    target = str(tmp_path / case.target)
    code, out, err = _check(capsys, [target])

    assert "Traceback" not in err, err
    assert code == 2, f"exit code {code}; stderr:\n{err}"
    assert "OK" not in out

    issue_file = str(tmp_path / (case.issue_file or case.target))
    assert issue_file in err, err
    # The line that reports the problem carries the file, the line, the key path and the message.
    lines = [line for line in err.splitlines() if all(text in line for text in case.expected)]
    assert lines, f"no line of stderr contains all of {case.expected}:\n{err}"
    if case.line is not None:
        file, marker = case.line
        number = _line_of(case.files[file], marker)
        where = f"{tmp_path / file}:{number}:"
        assert any(where in line for line in lines), f"expected {where!r} on the issue's line:\n{err}"
    else:
        assert any(issue_file in line for line in lines), err
    if case.key is not None:
        assert any(f" {case.key}: " in line for line in lines), f"expected key path {case.key!r}:\n{err}"


@pytest.mark.skipif(loader._FAST_LOADER is None, reason="PyYAML built without libyaml: one parser only")
def test_libyaml_reads_every_file_pyyaml_reads_and_no_file_it_refuses():
    """Files are parsed by libyaml and read again by PyYAML's own parser only where libyaml cannot
    read them (`sim.scenario.loader._read`): for every bundled YAML file and every case of the
    catalogue, libyaml gives the same data, lines and problems, or refuses the text (and the
    pure-Python parser's message is given)."""
    texts = {str(path): path.read_text(encoding="utf-8") for folder in ("scenarios", "sweeps", "estimation")
             for path in sorted((ROOT / folder).rglob("*.yaml"))}
    texts |= {f"{case.id}/{name}": text for case in CASES for name, text in case.files.items() if isinstance(text, str)}
    assert len(texts) > 40

    def parsed(text, loader_class):
        reader = loader._Reader("f")
        try:
            return loader._composed(text, loader_class, reader), reader.lines, [str(p) for p in reader.problems]
        except (yaml.YAMLError, RecursionError) as exc:
            return type(exc)
        except InputError as exc:  # the reader's own refusal (an alias bomb), the same on both
            return str(exc)
    fast_read = 0
    for name, text in texts.items():
        fast = parsed(text, loader._FAST_LOADER)
        if not isinstance(fast, type):
            assert fast == parsed(text, yaml.SafeLoader), name
            fast_read += 1
    assert fast_read > 40


# Texts on which libyaml, unguarded, is more lenient than PyYAML or reads another value.
LENIENT_LIBYAML = {
    "tab-after-colon": "name:\tx\nsteps: 3\n",
    "trailing-tab": "name: x\t\nsteps: 3\n",
    "tab-in-flow": "name: x\nlist: [1,\t2]\n",
    "question-in-flow-scalar": "name: x\nlist: [a?b, c]\n",
    "question-in-flow-key": "name: x\nmap: {a?b: 1}\n",
    "late-byte-order-mark": "name: x\n\ufeffsteps: 3\n",
    "empty-tag": "name: x\nsteps: !\n",
    "nested-500-deep": "name: x\nk: " + "[" * 500 + "]" * 500 + "\n",
    "nested-70-deep": "name: x\nk: " + "[" * 70 + "]" * 70 + "\n",
}


@pytest.mark.parametrize("case", sorted(LENIENT_LIBYAML))
def test_a_text_libyaml_reads_leniently_is_read_as_pyyaml_reads_it(case, tmp_path, monkeypatch):
    """Where libyaml would accept a text PyYAML refuses, or read another value from it, the file
    gets PyYAML's outcome: the same data and problems, or the same refusal."""
    path = tmp_path / "s.yaml"
    path.write_text(LENIENT_LIBYAML[case], encoding="utf-8")

    def outcome():
        try:
            data, lines, problems = loader._read(path)
            return data, lines, [str(p) for p in problems]
        except InputError as exc:
            return str(exc)
    read = outcome()
    monkeypatch.setattr(loader, "_FAST_LOADER", None)
    assert read == outcome()


def test_a_partner_invitation_before_the_partner_tier_is_refused_once(tmp_path, capsys):
    """An observed partner invitation at a summit before the tier exists would hand a state a status
    the model says cannot exist; the cross-reference is reported once, not once per checking pass."""
    text = edit("{date: 2023-08, name: Johannesburg, source: \"15th summit, 22-24 August 2023\"}",
                "{date: 2023-08, name: Johannesburg, source: \"15th summit\", invitations: {Kazakhstan: partner}}")
    _write(tmp_path, {SCENARIO: text})
    code, _, err = _check(capsys, [str(tmp_path / SCENARIO)])
    assert code == 2 and "(1 problem)" in err, err
    assert ("calendar.summits (Johannesburg).invitations.Kazakhstan: a partner invitation in 2023-08, before the "
            "partner tier exists (bloc.partner_tier_from: 2024-10)") in err
    _write(tmp_path, {SCENARIO: edit("name: Kazan, source: \"Kazan summit 22-24 October 2024\"}",
                                     "name: Kazan, source: \"Kazan\", invitations: {Kazakhstan: partner}}")})
    code, out, _ = _check(capsys, [str(tmp_path / SCENARIO)])
    assert code == 0 and "OK" in out


def test_empty_file_reports_line_one(tmp_path, capsys):
    _write(tmp_path, {SCENARIO: ""})
    code, _, err = _check(capsys, [str(tmp_path / SCENARIO)])
    assert code == 2
    assert f"{tmp_path / SCENARIO}:1:" in err


def test_every_problem_is_listed_together(tmp_path, capsys):
    text = edit("bloc_benefits: 1.0", "bloc_benefits: -1.0", edit("  rationality: 3.0", "  rationality: high"))
    _write(tmp_path, {SCENARIO: text})
    code, _, err = _check(capsys, [str(tmp_path / SCENARIO)])
    assert code == 2
    assert "(2 problems)" in err
    assert "decision.rationality:" in err and "decision.weights.bloc_benefits:" in err


def test_checking_several_files_reports_each(tmp_path, capsys):
    _write(tmp_path, {SCENARIO: VALID, "bad.yaml": edit("  rationality: 3.0", "  rationality: high")})
    code, out, err = _check(capsys, [str(tmp_path / SCENARIO), str(tmp_path / "bad.yaml")])
    assert code == 2
    assert f"{tmp_path / SCENARIO}: OK" in out
    assert f"{tmp_path / 'bad.yaml'}: INVALID" in err


# --- `--set` -----------------------------------------------------------------------------------

SET_CASES = [
    pytest.param(["--set", "nonsense"], ("expected PATH=VALUE",), "nonsense", id="no-equals-sign"),
    pytest.param(["--set", "decision.rationalty=2"], ("unknown key", "did you mean 'rationality'"),
                 "decision.rationalty", id="misspelt-key-suggests"),
    pytest.param(["--set", "decision.rationality=abc"], ("expected a number", "'abc'"),
                 "decision.rationality", id="not-a-number"),
    pytest.param(["--set", "decision.rationality=-1"], ("must be at least 0",),
                 "decision.rationality", id="out-of-range"),
    pytest.param(["--set", "decision..rationality=1"], ("not a dotted path",),
                 None, id="empty-path-segment"),
    pytest.param(["--set", "states.Kazakhstan.region.x=1"], ("is not a mapping",),
                 "states.Kazakhstan.region.x", id="path-through-a-scalar"),
]


@pytest.mark.parametrize("options, expected, key", SET_CASES)
def test_set_errors(options, expected, key, tmp_path, capsys):
    _write(tmp_path, {SCENARIO: VALID})
    target = str(tmp_path / SCENARIO)
    code, out, err = _check(capsys, [target, *options])
    assert "Traceback" not in err, err
    assert code == 2, f"exit code {code}; stderr:\n{err}"
    assert target in err
    lines = [line for line in err.splitlines() if all(text in line for text in expected)]
    assert lines, f"no line of stderr contains all of {expected}:\n{err}"
    assert any("--set" in line for line in lines), err
    if key is not None:
        assert any(key in line for line in lines), err


def test_valid_set_is_accepted(tmp_path, capsys):
    _write(tmp_path, {SCENARIO: VALID})
    code, out, err = _check(capsys, [str(tmp_path / SCENARIO), "--set", "decision.rationality=2",
                                     "--set", "states.Kazakhstan.indicators.sanctions=0.5"])
    assert code == 0, err


# --- one pass, in the order of the file -------------------------------------------------------


def test_a_scenario_written_from_scratch_gets_every_problem_at_once_in_line_order(tmp_path, capsys):
    """Problems of the schema, cross-references (an undefined organization, an unknown state) and
    events are reported together, not a few at a time, sorted by line."""
    text = edit("memberships: [EAEU, SCO]", "memberships: [EAEU, CSTO]",
                edit("        Kazakhstan: {value: 0.99", "        Uzbekistan: {value: 0.99",
                     edit("  rationality: 3.0", "  rationality: high",
                          edit('affinity: {value: 0.3, assumption: "coded"}', "affinity: 0.3",
                               edit("      bloc.appetite.partners: 0.42", "      bloc.apetite.partners: 0.42")))))
    _write(tmp_path, {SCENARIO: text})
    code, _, err = _check(capsys, [str(tmp_path / SCENARIO)])
    assert code == 2
    assert "(5 problems)" in err, err
    expected = ["organization 'CSTO' is not defined", "expected a sourced value", "no deciding state named 'Uzbekistan'",
                "expected a number, got 'high'", "no such value that an event can change"]
    reported = [line for line in err.splitlines()[1:]]
    assert [next(i for i, line in enumerate(reported) if message in line) for message in expected] == list(range(5)), err
    numbers = [int(line.split(f"{SCENARIO}:")[1].split(":")[0]) for line in reported]
    assert numbers == sorted(numbers), err


def test_problems_the_yaml_reader_finds_come_with_the_schema_problems(tmp_path, capsys):
    """Duplicate keys and refused tags were reported alone, the schema's problems only once fixed."""
    text = edit("  rationality: 3.0\n", "  rationality: high\n  rationality: 2.0\n",
                edit("title: Kazakhstan's multi-vector policy and BRICS (minimal, flattened)",
                     'title: !!python/name:os.system ""', VALID + "name: again\n"))
    _write(tmp_path, {SCENARIO: text})
    code, _, err = _check(capsys, [str(tmp_path / SCENARIO)])
    assert code == 2 and "(4 problems)" in err, err
    lines = err.splitlines()[1:]
    assert ["tags that construct objects are refused" in lines[0], "expected a number, got 'high'" in lines[1],
            "decision.rationality: duplicate key" in lines[2], "name: duplicate key" in lines[3]] == [True] * 4, err


def test_a_refused_value_is_not_reported_again_as_a_missing_key(tmp_path, capsys):
    _write(tmp_path, {SCENARIO: edit("    region: Central Asia", '    region: !!python/name:os.system ""')})
    code, _, err = _check(capsys, [str(tmp_path / SCENARIO)])
    assert code == 2 and "(1 problem)" in err and "states.Kazakhstan.region: could not determine a constructor" in err


# --- overrides naming what does not exist, or what an event sets again ---------------------------

ROOT = Path(__file__).resolve().parents[1]


def test_an_override_of_a_state_that_does_not_exist_says_so_once(capsys):
    code, _, err = _check(capsys, [str(ROOT / "scenarios" / "eurasia_2024.yaml"),
                                   "--set", "states.Georgia.indicators.sanctions=0.9"])
    assert code == 2
    assert "(1 problem)" in err and "serbia.yaml" not in err, err
    assert "--set states.Georgia.indicators.sanctions=0.9: states.Georgia.indicators.sanctions: there is no " \
           "'Georgia' under states to change; the names there: Belarus, Kazakhstan," in err, err


def test_removing_an_event_that_does_not_exist_says_so(tmp_path, capsys):
    _write(tmp_path, {SCENARIO: VALID})
    code, _, err = _check(capsys, [str(tmp_path / SCENARIO), "--set", "events.kazan=null"])
    assert code == 2
    assert "there is no 'kazan' under events to remove; the names there: kazan_partner_round" in err, err


def test_run_refuses_a_value_that_an_event_sets_again_and_names_the_fix(tmp_path, capsys):
    """The issue's command: the event 'belarus_level_sanctions' would overwrite the value two months in."""
    scenario = str(ROOT / "scenarios" / "kazakhstan_sanctioned.yaml")
    out = tmp_path / "out"
    code = main(["run", scenario, "--set", "states.Kazakhstan.indicators.sanctions=0", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert "states.Kazakhstan.indicators.sanctions: is set again by the scenario's event 'belarus_level_sanctions' " \
           "from 2022-03" in err, err
    assert "remove the event with --set events.belarus_level_sanctions=null" in err, err


def test_check_accepts_the_value_once_the_event_is_removed_as_the_message_says(tmp_path, capsys):
    _write(tmp_path, {SCENARIO: VALID})
    target = str(tmp_path / SCENARIO)
    code, _, err = _check(capsys, [target, "--set", "bloc.appetite.partners=0.1"])
    assert code == 2 and "--set events.kazan_partner_round=null" in err, err
    code, _, err = _check(capsys, [target, "--set", "events.kazan_partner_round=null", "--set", "bloc.appetite.partners=0.1"])
    assert code == 0, err


def test_with_overrides_warns_about_a_value_an_event_sets_again(tmp_path):
    import sim

    _write(tmp_path, {SCENARIO: VALID})
    scenario = sim.load_scenario(tmp_path / SCENARIO)
    with pytest.warns(sim.OverwrittenValueWarning, match=r"bloc.appetite.partners is set again by the scenario's "
                      r"event 'kazan_partner_round' from 2024-10.*\{\"events.kazan_partner_round\": None\}"):
        changed = sim.with_overrides(scenario, {"bloc.appetite.partners": 0.1})
    assert changed.bloc.appetite.partners.value == 0.1


def test_an_event_given_with_the_value_is_its_schedule_not_a_surprise(tmp_path, capsys):
    """A value and the event that changes it later, given together, are what the user means:
    no refusal on the command line, no warning in Python."""
    import warnings

    import sim

    _write(tmp_path, {SCENARIO: VALID})
    event = {"date": "2025-06", "source": "test", "set": {"bloc.benefits": 0.2}}
    with warnings.catch_warnings():
        warnings.simplefilter("error", sim.OverwrittenValueWarning)
        changed = sim.with_overrides(sim.load_scenario(tmp_path / SCENARIO), {"bloc.benefits": 0.9, "events.later": event})
    assert changed.bloc.benefits.value == 0.9 and changed.events["later"].set["bloc.benefits"] == 0.2
    code, _, err = _check(capsys, [str(tmp_path / SCENARIO), "--set", "bloc.benefits=0.9", "--set",
                                   'events.later={date: 2025-06, source: test, set: {bloc.benefits: 0.2}}'])
    assert code == 0, err


def test_with_overrides_refuses_a_state_that_does_not_exist(tmp_path):
    import sim

    _write(tmp_path, {SCENARIO: VALID})
    with pytest.raises(sim.InputError) as raised:
        sim.with_overrides(sim.load_scenario(tmp_path / SCENARIO), {"states.Georgia.indicators.sanctions": 0.5})
    assert [str(issue) for issue in raised.value.issues] == [
        "<override>: states.Georgia.indicators.sanctions: there is no 'Georgia' under states to change; "
        "the names there: Kazakhstan"]


def test_a_sweep_parameter_naming_a_state_that_does_not_exist_says_so_once(tmp_path, capsys):
    _write(tmp_path, {SCENARIO: VALID, "sweep.yaml": f"name: s\nbase: {SCENARIO}\nparameters:\n"
                      "  states.Georgia.indicators.sanctions: {values: [0, 1]}\ndesign: grid\n"})
    assert main(["sweep", str(tmp_path / "sweep.yaml"), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1, err
    assert "sweep.yaml:4: parameters.states.Georgia.indicators.sanctions: there is no 'Georgia' under states" in err


def test_a_scenario_given_to_sweep_is_named_a_scenario(capsys):
    scenario = str(ROOT / "scenarios" / "eurasia_2024.yaml")
    assert main(["sweep", scenario, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "is a scenario file, not a sweep file" in err
    assert f"alignsim run {scenario}" in err


def test_a_sweep_set_value_that_an_event_sets_again_is_refused_like_a_parameter(tmp_path, capsys):
    body = (f"name: s\nbase: {SCENARIO}\nset:\n  bloc.appetite.partners: 0.1\nparameters:\n"
            "  decision.rationality: {values: [1, 2]}\ndesign: grid\n")
    _write(tmp_path, {SCENARIO: VALID, "sweep.yaml": body})
    assert main(["sweep", str(tmp_path / "sweep.yaml"), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "sweep.yaml:4: set.bloc.appetite.partners: is set again by the base scenario's event " \
           "'kazan_partner_round' from 2024-10" in err and "set: {events.kazan_partner_round: null}" in err, err
    fixed = body.replace("  bloc.appetite.partners: 0.1\n", "  bloc.appetite.partners: 0.1\n  events.kazan_partner_round: null\n")
    _write(tmp_path, {"sweep.yaml": fixed})
    assert main(["sweep", str(tmp_path / "sweep.yaml"), "--out", str(tmp_path / "out"), "--quiet",
                 "--executor", "serial"]) == 0
