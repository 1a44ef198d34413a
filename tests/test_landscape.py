"""Landscape theory of aggregation: docking against an independent implementation, hand-computed
cases (ties, several minima), comparative statics, rename invariance, the search beyond the
enumeration limit, and bad input through the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.landscape import (
    EXACT_LIMIT, Landscape, analyse, configuration_sides, descend, energies, enumerate_configurations, frustrations,
    holding, near_minima, read_landscape, search,
)

DOCKING = Path(__file__).resolve().parent / "data" / "docking" / "landscape-syria2016"
CASES = [("actors.csv", "propensities_feb20.csv", "expected_feb20.json"),
         ("actors_weaksyria.csv", "propensities_feb20.csv", "expected_feb20_weaksyria.json"),
         ("actors.csv", "propensities_feb08.csv", "expected_feb08.json")]


def key(coalitions) -> frozenset:
    """A configuration whichever side is listed first: X and its mirror are one."""
    return frozenset(frozenset(side) for side in coalitions)


def cli_json(capsys, *args) -> dict:
    assert main(["landscape", *map(str, args), "--json"]) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def write_case(folder: Path, sizes: dict[str, float], pairs: dict[tuple[str, str], float]) -> tuple[Path, Path]:
    actors, propensities = folder / "actors.csv", folder / "propensities.csv"
    actors.write_text("actor,size\n" + "".join(f"{a},{s}\n" for a, s in sizes.items()), encoding="utf-8")
    propensities.write_text("a,b,propensity\n" + "".join(f"{a},{b},{p}\n" for (a, b), p in pairs.items()),
                            encoding="utf-8")
    return actors, propensities


def random_landscape(n: int, seed: int) -> Landscape:
    rng = np.random.default_rng(seed)
    upper = np.triu(rng.integers(-2, 3, size=(n, n)).astype(float), 1)
    return Landscape(tuple(f"actor{i}" for i in range(n)), rng.integers(1, 100, size=n).astype(float),
                     upper + upper.T)


# --- docking -------------------------------------------------------------------------------------


@pytest.mark.parametrize("actors,propensities,expected", CASES)
def test_docking_reproduces_every_energy_flag_and_frustration(actors, propensities, expected, capsys):
    expected = json.loads((DOCKING / expected).read_text(encoding="utf-8"))
    result = cli_json(capsys, DOCKING / actors, DOCKING / propensities, "--frustration")
    assert result["actors"] == expected["actors"]
    sizes = dict(zip(expected["actors"], expected["sizes"]))
    ours = {key(c["coalitions"]): c for c in result["configurations"]}
    assert len(ours) == len(result["configurations"]) == len(expected["configurations"]) == 2 ** 10
    for theirs in expected["configurations"]:
        mine = ours[key(theirs["coalitions"])]
        assert mine["energy"] == pytest.approx(theirs["energy"], abs=1e-9)
        assert mine["local_minimum"] is theirs["local_minimum"]
        # the source reports s_i * F_i
        weighted = {a: sizes[a] * f for a, f in mine["frustration"].items()}
        assert weighted == pytest.approx(theirs["weighted_frustration"], abs=1e-9)
    assert [(key(m["coalitions"]), m["energy"]) for m in result["local_minima"]] == \
           [(key(m["coalitions"]), pytest.approx(m["energy"])) for m in expected["local_minima"]]


def test_the_python_api_gives_what_the_command_line_prints(capsys):
    actors, propensities = DOCKING / "actors.csv", DOCKING / "propensities_feb08.csv"
    printed = cli_json(capsys, actors, propensities, "--frustration")
    assert analyse(read_landscape(actors, propensities), frustration=True).as_dict() == printed
    without = cli_json(capsys, actors, propensities)
    assert "frustration" not in without["configurations"][0]
    assert without["local_minima"] == printed["local_minima"]


def test_configurations_come_in_the_documented_order(capsys):
    result = cli_json(capsys, DOCKING / "actors.csv", DOCKING / "propensities_feb20.csv")
    actors = result["actors"]
    configurations = result["configurations"]
    assert configurations[0] == {"coalitions": [actors, []], "energy": 0.0, "local_minimum": False}
    for number, configuration in enumerate(configurations):
        first, second = configuration["coalitions"]
        assert first[0] == actors[0]
        apart = {actors[k] for k in range(1, len(actors)) if number >> (k - 1) & 1}
        assert set(second) == apart
        assert first == [a for a in actors if a not in apart] and second == [a for a in actors if a in apart]


# --- hand-computed cases -------------------------------------------------------------------------


def test_a_frustrated_triangle_has_three_tied_minima(tmp_path, capsys):
    # every pair repels (p = -1, sizes 1): isolating any one actor gives E = 2 * (-1 - 1) = -4,
    # and moving a second actor across gives another isolated actor at the same energy: a tie
    actors, propensities = write_case(tmp_path, {"A": 1, "B": 1, "C": 1},
                                      {("A", "B"): -1, ("A", "C"): -1, ("B", "C"): -1})
    result = cli_json(capsys, actors, propensities, "--frustration")
    by_key = {key(c["coalitions"]): c for c in result["configurations"]}
    assert by_key[key([["A", "B", "C"], []])]["energy"] == 0.0
    assert not by_key[key([["A", "B", "C"], []])]["local_minimum"]
    for alone, others in (("A", ["B", "C"]), ("B", ["A", "C"]), ("C", ["A", "B"])):
        configuration = by_key[key([[alone], others])]
        assert configuration["energy"] == -4.0 and configuration["local_minimum"]
        assert configuration["frustration"] == {alone: -2.0, others[0]: -1.0, others[1]: -1.0}
    assert [m["energy"] for m in result["local_minima"]] == [-4.0, -4.0, -4.0]
    # steepest descent from the grand coalition takes the first actor's switch on the tie
    analysis = analyse(read_landscape(actors, propensities))
    basins = {frozenset(analysis.coalitions(c)[1]): analysis.basin[c] for c in analysis.minima()}
    assert basins == {frozenset({"B", "C"}): 2, frozenset({"C"}): 1, frozenset({"B"}): 1}


def test_indifferent_actors_make_every_configuration_a_minimum(tmp_path, capsys):
    actors, propensities = write_case(tmp_path, {"A": 2, "B": 3}, {("A", "B"): 0})
    result = cli_json(capsys, actors, propensities)
    assert [c["local_minimum"] for c in result["configurations"]] == [True, True]
    assert [c["energy"] for c in result["configurations"]] == [0.0, 0.0]


def test_sizes_weight_the_pairs_and_a_missing_pair_is_zero(tmp_path, capsys):
    # A-B repel: apart, E = 2 * 2 * 3 * 1 = 12 lower than together; C has no pairs (propensity 0)
    actors, propensities = write_case(tmp_path, {"A": 2, "B": 3, "C": 5}, {("A", "B"): -1})
    result = cli_json(capsys, actors, propensities, "--frustration")
    by_key = {key(c["coalitions"]): c for c in result["configurations"]}
    apart = by_key[key([["A", "C"], ["B"]])]
    assert apart["energy"] == -12.0 and apart["frustration"] == {"A": -3.0, "B": -2.0, "C": 0.0}
    assert by_key[key([["A"], ["B", "C"]])]["energy"] == -12.0
    assert by_key[key([["A", "B"], ["C"]])]["energy"] == 0.0
    assert [(key(m["coalitions"]), m["energy"]) for m in result["local_minima"]] == [
        (key([["A", "C"], ["B"]]), -12.0), (key([["A"], ["B", "C"]]), -12.0)]


def test_two_blocs_have_one_minimum_and_it_splits_them(tmp_path, capsys):
    actors, propensities = write_case(
        tmp_path, {"A": 1, "B": 1, "C": 1, "D": 1},
        {("A", "B"): 1, ("C", "D"): 1, ("A", "C"): -1, ("A", "D"): -1, ("B", "C"): -1, ("B", "D"): -1})
    result = cli_json(capsys, actors, propensities)
    assert result["local_minima"] == [{"coalitions": [["A", "B"], ["C", "D"]], "energy": -8.0}]
    by_key = {key(c["coalitions"]): c["energy"] for c in result["configurations"]}
    assert by_key[key([["A"], ["B", "C", "D"]])] == 2 * (1 - 1 - 1)


# --- comparative statics -------------------------------------------------------------------------


def lowest_minimum_sides(landscape: Landscape) -> np.ndarray:
    analysis = enumerate_configurations(landscape)
    return analysis.sides[analysis.minima()[0]]


def test_a_larger_propensity_pulls_two_actors_together():
    # A sides with C, B with D; A-B's propensity rises from repulsion to strong attraction
    actors = ("A", "B", "C", "D")
    base = np.array([[0, 0, 2, -1], [0, 0, -1, 2], [2, -1, 0, -1], [-1, 2, -1, 0]], dtype=float)
    together = []
    for p in np.linspace(-2, 6, 17):
        propensities = base.copy()
        propensities[0, 1] = propensities[1, 0] = p
        sides = lowest_minimum_sides(Landscape(actors, np.ones(4), propensities))
        together.append(bool(sides[0] == sides[1]))
    assert together[0] is False and together[-1] is True
    assert together == sorted(together), "once together, a larger propensity never splits them again"


def test_raising_a_propensity_raises_exactly_the_energies_that_keep_the_pair_apart():
    landscape = random_landscape(9, seed=3)
    analysis = enumerate_configurations(landscape)
    raised = landscape.propensities.copy()
    raised[2, 5] += 1.5
    raised[5, 2] += 1.5
    change = energies(Landscape(landscape.actors, landscape.sizes, raised), analysis.sides) - analysis.energy
    apart = analysis.sides[:, 2] != analysis.sides[:, 5]
    assert change[~apart] == pytest.approx(0.0)
    assert change[apart] == pytest.approx(2 * landscape.sizes[2] * landscape.sizes[5] * 1.5)


# --- rename invariance ---------------------------------------------------------------------------


def test_renaming_and_reordering_actors_changes_nothing_but_names(tmp_path, capsys):
    landscape = random_landscape(8, seed=11)
    names = landscape.actors
    sizes = dict(zip(names, landscape.sizes))
    pairs = {(names[i], names[j]): landscape.propensities[i, j] for i in range(8) for j in range(i + 1, 8)}
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    original = cli_json(capsys, *write_case(tmp_path / "one", sizes, pairs), "--frustration")
    renamed = {a: f"state_{len(names) - i:02d}" for i, a in enumerate(names)}
    order = [names[i] for i in (5, 2, 7, 0, 3, 6, 1, 4)]
    shuffled_pairs = {(renamed[b], renamed[a]): p for (a, b), p in reversed(list(pairs.items()))}
    other = cli_json(capsys, *write_case(tmp_path / "two", {renamed[a]: sizes[a] for a in order}, shuffled_pairs),
                     "--frustration")
    back = {new: old for old, new in renamed.items()}

    def table(result, rename):
        return {key([[rename[a] for a in side] for side in c["coalitions"]]):
                (c["energy"], c["local_minimum"], {rename[a]: f for a, f in c["frustration"].items()})
                for c in result["configurations"]}

    assert table(other, back) == table(original, {a: a for a in names})
    assert any(c["local_minimum"] for c in original["configurations"])
    assert [(key([[back[a] for a in s] for s in m["coalitions"]]), m["energy"]) for m in other["local_minima"]] == \
           [(key(m["coalitions"]), m["energy"]) for m in original["local_minima"]]


# --- beyond the enumeration limit ----------------------------------------------------------------


def test_twenty_actors_are_enumerated_and_the_search_agrees():
    # How long the enumeration takes is measured by benchmarks/bench_landscape.py, not asserted here.
    landscape = random_landscape(EXACT_LIMIT, seed=1)
    exact = analyse(landscape)
    assert exact.method == "enumeration" and len(exact.energy) == 2 ** (EXACT_LIMIT - 1)
    assert exact.basin.sum() == len(exact.energy)
    assert exact.local_minimum.sum() > 3, "a landscape with several minima, for the search to find"
    minima = {tuple(exact.sides[c]): exact.energy[c] for c in exact.minima()}
    found = search(landscape, restarts=1000, seed=0)
    assert found.method == "search" and found.local_minimum.all()
    for sides, energy in zip(found.sides, found.energy):
        assert minima[tuple(sides)] == pytest.approx(energy)  # every minimum found is a true one
    found_keys = {tuple(s) for s in found.sides}
    assert tuple(exact.sides[exact.minima()[0]]) in found_keys
    large = [tuple(exact.sides[c]) for c in exact.minima() if exact.basin[c] >= 0.01 * len(exact.energy)]
    assert set(large) <= found_keys, "every minimum with a basin of 1% or more is found"
    assert found.basin.sum() == 1000


def test_beyond_the_limit_the_output_says_it_is_a_search(tmp_path, capsys):
    landscape = random_landscape(EXACT_LIMIT + 1, seed=2)
    with pytest.raises(ValueError, match="search"):
        enumerate_configurations(landscape)
    names = landscape.actors
    pairs = {(names[i], names[j]): landscape.propensities[i, j]
             for i in range(len(names)) for j in range(i + 1, len(names))}
    actors, propensities = write_case(tmp_path, dict(zip(names, landscape.sizes)), pairs)
    result = cli_json(capsys, actors, propensities, "--restarts", "50", "--seed", "4")
    assert result["search"]["restarts"] == 50 and result["search"]["seed"] == 4
    assert "not an enumeration" in result["search"]["method"]
    assert result["search"]["total_configurations"] == 2 ** EXACT_LIMIT
    assert all(c["local_minimum"] for c in result["configurations"])
    assert cli_json(capsys, actors, propensities, "--restarts", "50", "--seed", "4") == result  # seeded
    assert main(["landscape", str(actors), str(propensities), "--restarts", "50"]) == 0
    assert "local search, not an enumeration" in capsys.readouterr().out


def test_the_table_lists_the_minima_and_their_basins(capsys):
    assert main(["landscape", str(DOCKING / "actors_weaksyria.csv"), str(DOCKING / "propensities_feb20.csv"),
                 "--frustration"]) == 0
    out = capsys.readouterr().out
    assert "11 actors, 1,024 configurations (every one evaluated); 1 local minimum" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("1 "))
    assert row.split()[1:4] == ["-65600", "1,024", "100.0%"]
    assert row.endswith("Iraqi_Kurds, Baghdad  |  ISIS, Nursa")
    assert "frustration: US " in out


# --- held actors, half-way positions and the configurations near the minima ---------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_holding_finds_every_minimum_of_the_free_actors(seed):
    """Against brute force: every configuration with actors 0 and 1 held apart, a minimum when no
    single switch of a free actor lowers E."""
    landscape = random_landscape(9, seed)
    found = holding(landscape, {0: False, 1: True})
    sides = configuration_sides(9, np.arange(2 ** 8))
    sides = sides[sides[:, 1]]  # actor 1 apart from actor 0
    energy = energies(landscape, sides)
    flipped = np.repeat(sides, 7, axis=0)
    flipped[np.arange(len(flipped)), np.tile(np.arange(2, 9), len(sides))] ^= True
    lowest_switch = energies(landscape, flipped).reshape(len(sides), 7).min(axis=1)
    minima = sides[lowest_switch >= energy - 1e-9]
    assert found.method == "enumeration" and found.basin.sum() == 2 ** 7
    assert {tuple(row) for row in found.sides} == {tuple(row) for row in minima}
    np.testing.assert_allclose(found.energy, energies(landscape, found.sides))


def test_holding_beyond_the_limit_searches_and_finds_the_minimum_of_two_camps():
    """70 free actors, two camps that like each other within and dislike each other across: the
    search from random starts ends in the split into the two camps, with the held actor in its
    camp."""
    n = 71
    camp = np.arange(n) % 2 == 0
    propensities = np.where(camp[:, None] == camp[None, :], 1.0, -1.0)
    np.fill_diagonal(propensities, 0.0)
    landscape = Landscape(tuple(f"a{i}" for i in range(n)), np.ones(n), propensities)
    found = holding(landscape, {0: False}, restarts=50, seed=1)
    assert found.method == "search" and found.restarts == 50 and found.seed == 1
    best = found.sides[found.minima()[0]]
    assert np.array_equal(best, ~camp)


def test_descend_holds_half_way_and_unmovable_actors():
    landscape = random_landscape(6, 4)
    start = np.array([[0.0, 0.5, 1.0, 0.0, 1.0, 0.0]] * 2)
    movable = np.array([[True] * 6, [False, True, True, False, True, True]])
    ends = descend(landscape, start, movable)
    assert np.all(ends[:, 1] == 0.5) and ends[1, 0] == 0.0 and ends[1, 3] == 0.0
    assert np.isin(ends[:, [0, 2, 3, 4, 5]], (0.0, 1.0)).all()
    # a half-way actor is apart from anyone half the time: its frustration is half its total pull
    f = frustrations(landscape, ends)
    q = (landscape.propensities * landscape.sizes[None, :]).sum(axis=1)
    np.testing.assert_allclose(f[:, 1], q[1] / 2)


def test_near_minima_lists_each_minimum_and_its_single_switches():
    landscape = random_landscape(7, 12)  # four local minima
    result = enumerate_configurations(landscape)
    movable = np.array([False, True, True, True, True, True, True])
    sides, energy, rank, switched = near_minima(result, movable)
    assert np.all(np.diff(energy) >= 0)
    np.testing.assert_allclose(energy, energies(landscape, sides))
    minima = result.sides[result.minima()]
    assert (switched < 0).sum() == len(minima) > 1
    for row, r in zip(sides[switched < 0], rank[switched < 0]):
        assert np.array_equal(row, minima[r])
    assert 0 not in switched
    for row, r, k in zip(sides[switched >= 0], rank[switched >= 0], switched[switched >= 0]):
        differs = np.flatnonzero(row != minima[r])
        assert list(differs) == [k]
    assert len({tuple(row) for row in sides}) == len(sides)


# --- bad input -----------------------------------------------------------------------------------

GOOD_ACTORS = "actor,size\nA,1\nB,2\nC,3\n"
GOOD_PAIRS = "a,b,propensity\nA,B,1\nB,C,-1\n"


@pytest.mark.parametrize("actors,pairs,where,message", [
    (None, GOOD_PAIRS, "actors.csv", "file not found"),
    (GOOD_ACTORS, None, "propensities.csv", "file not found"),
    ("", GOOD_PAIRS, "actors.csv:1", "is empty"),
    ("\n\n", GOOD_PAIRS, "actors.csv:1", "is empty"),
    ("actor,weight\nA,1\nB,2\n", GOOD_PAIRS, "actors.csv:1", "missing column(s) size"),
    (GOOD_ACTORS, "a,b,value\nA,B,1\n", "propensities.csv:1", "missing column(s) propensity"),
    ("actor,size,size\nA,1,1\nB,2,2\n", GOOD_PAIRS, "actors.csv:1", "appear twice"),
    ("actor,size\nA,1\nB,ten\n", GOOD_PAIRS, "actors.csv:3", "expected a number"),
    ("actor,size\nA,nan\nB,1\n", GOOD_PAIRS, "actors.csv:2", "finite number"),
    ("actor,size\nA,1\nB,inf\n", GOOD_PAIRS, "actors.csv:3", "finite number"),
    ("actor,size\nA,1\nB,1e300\n", GOOD_PAIRS, "actors.csv:3", "finite number"),
    ("actor,size\nA,0\nB,1\n", GOOD_PAIRS, "actors.csv:2", "greater than 0"),
    ("actor,size\nA,1\nB,-2\n", GOOD_PAIRS, "actors.csv:3", "greater than 0"),
    ("actor,size\nA,1\nB,2\nA,3\n", GOOD_PAIRS, "actors.csv:4", "'A' is listed twice (lines 2 and 4)"),
    ("actor,size\nA,1\n,2\n", GOOD_PAIRS, "actors.csv:3", "actor: is empty"),
    ("actor,size\nA,1\nB,2,3\n", GOOD_PAIRS, "actors.csv:3", "3 cells where the header has 2"),
    ("actor,size\nA,1\n", GOOD_PAIRS, "actors.csv:2", "at least 2 actors, found 1"),
    ("actor,size\n", GOOD_PAIRS, "actors.csv:1", "at least 2 actors, found 0"),
    (GOOD_ACTORS, "a,b,propensity\nA,B,1\nA,Z,1\n", "propensities.csv:3", "unknown actor 'Z'"),
    (GOOD_ACTORS, "a,b,propensity\nA,A,1\n", "propensities.csv:2", "with itself"),
    (GOOD_ACTORS, "a,b,propensity\nA,B,1\nC,A,x\n", "propensities.csv:3", "expected a number"),
    (GOOD_ACTORS, "a,b,propensity\nA,B,nan\n", "propensities.csv:2", "finite number"),
    (GOOD_ACTORS, "a,b,propensity\nA,B,0.1234567\nB,C,0\nB,A,0.1234568\n", "propensities.csv:4",
     "given 0.1234567 on line 2 and 0.1234568 here"),
    (b"actor,size\nA,1\n\x00\x01\x02\n", GOOD_PAIRS, "actors.csv:3", "NUL bytes"),
    (b"actor,size\nA,1\nB,\xff\xfe\n", GOOD_PAIRS, "actors.csv:3", "not UTF-8"),
    (GOOD_ACTORS, 'a,b,propensity\nA,B,"1\n', "propensities.csv:", "cannot be read as CSV"),
])
def test_bad_input_exits_2_naming_file_and_line(tmp_path, capsys, actors, pairs, where, message):
    paths = []
    for name, content in (("actors.csv", actors), ("propensities.csv", pairs)):
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        paths.append(str(path))
    assert main(["landscape", *paths, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{tmp_path / where}" in captured.err and message in captured.err, captured.err
    assert "Traceback" not in captured.err


def test_a_pair_given_twice_with_the_same_value_is_accepted(tmp_path, capsys):
    actors, propensities = write_case(tmp_path, {"A": 1, "B": 1}, {("A", "B"): -1, ("B", "A"): -1})
    assert cli_json(capsys, actors, propensities)["local_minima"][0]["energy"] == -2.0


def test_a_huge_file_or_a_folder_exits_2(tmp_path, capsys):
    huge = tmp_path / "huge.csv"
    huge.write_text("actor,size\n" + "".join(f"a{i},1\n" for i in range(600_000)), encoding="utf-8")
    pairs = tmp_path / "propensities.csv"
    pairs.write_text(GOOD_PAIRS, encoding="utf-8")
    assert main(["landscape", str(huge), str(pairs)]) == 2
    assert f"{huge}: larger than" in capsys.readouterr().err
    many = tmp_path / "many.csv"
    many.write_text("actor,size\n" + "".join(f"a{i},1\n" for i in range(1001)), encoding="utf-8")
    assert main(["landscape", str(many), str(pairs)]) == 2
    assert f"{many}:1002: more than 1000 actors" in capsys.readouterr().err
    assert main(["landscape", str(tmp_path), str(pairs)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_bad_options_exit_2(tmp_path, capsys):
    actors, propensities = write_case(tmp_path, {"A": 1, "B": 1}, {("A", "B"): 1})
    with pytest.raises(SystemExit) as exit_:
        main(["landscape", str(actors), str(propensities), "--restarts", "0"])
    assert exit_.value.code == 2 and "--restarts" in capsys.readouterr().err
    many = {f"a{i}": 1 for i in range(EXACT_LIMIT + 1)}
    assert main(["landscape", *map(str, write_case(tmp_path, many, {("a0", "a1"): 1})), "--restarts", "100001"]) == 2
    assert "--restarts: must be between 1 and 100000, got 100001" in capsys.readouterr().err


# --- the documentation ---------------------------------------------------------------------------

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "landscape.md"


def test_the_guide_commands_run_and_its_example_output_is_what_they_print(capsys, monkeypatch):
    monkeypatch.chdir(GUIDE.parents[1])  # the guide's paths are relative to the repository's root
    text = GUIDE.read_text(encoding="utf-8")
    commands = [line.split()[1:] for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S)
                for line in block.splitlines() if line.startswith("alignsim ")]
    assert len(commands) == 2
    for command in commands:
        assert main(command) == 0
        out = capsys.readouterr().out
        if "--json" in command:
            assert json.loads(out)["local_minima"][0]["energy"] == -65600.0
        else:
            example = re.search(r"```text\n(.*?)```", text, flags=re.S).group(1)
            assert out == example
    exec(re.search(r"```python\n(.*?)```", text, flags=re.S).group(1), {})
