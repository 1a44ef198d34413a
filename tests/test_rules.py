"""The rival decision rules (issue 12): each is chosen by one line of a scenario, moves the choice
the way its theory says, and works with every tool (runs, sweeps, explain, figures)."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import sim
from sim import decision as d
from sim.cli import main
from sim.explain import explain
from sim.model import AlignmentModel
from sim.rules import World, hedging, landscape, threshold
from sim.scenario.schema import LandscapeRule, ThresholdRule
from sim.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
THRESHOLD = SCENARIOS / "eurasia_2024_threshold.yaml"
HEDGING = SCENARIOS / "eurasia_2024_hedging.yaml"
LANDSCAPE = SCENARIOS / "eurasia_2024_landscape.yaml"
RIVALS = [THRESHOLD, HEDGING, LANDSCAPE]
ALL_OPEN = np.ones((1, len(d.OPTIONS)), dtype=bool)


# --- Threshold cascade ------------------------------------------------------------------------



def test_chance_nodes_are_equally_likely_values_of_a_rules_chance():
    """What a likelihood averages over: the threshold's deviates at the midpoints of equal-probability
    slices of the standard normal, the same for every state; nothing for a rule without chance."""
    from scipy.special import ndtr

    from sim.rules import chance_nodes, logit

    nodes = chance_nodes(threshold, 40, 3)
    assert len(nodes) == 40 and all(np.all(node == node[0]) and node.shape == (3,) for node in nodes)
    values = np.array([node[0] for node in nodes])
    assert np.allclose(ndtr(values), (np.arange(40) + 0.5) / 40)
    assert abs(values.mean()) < 1e-12 and 0.9 < values.var() < 1.0  # the midpoint rule's slight shrinkage
    for rule in (logit, hedging, landscape):
        assert chance_nodes(rule, 40, 3) == [None]


def test_a_likelihood_over_the_chance_gives_what_the_rule_gives_at_each_value():
    """`over_chance` (what the likelihoods integrate with) equals the rule called at each value of
    its chance, to the bit: the threshold rule, which decides twice and lets each value pick, with
    states on both sides of their thresholds and every option mask; a rule without the split, once
    per value."""
    from sim.rules import chance_nodes, logit, over_chance

    rng = np.random.default_rng(3)
    n = 40
    epoch = SimpleNamespace(western_open=rng.uniform(0, 1, n), pressure=rng.uniform(0, 1, n),
                            bloc_trade=rng.uniform(0, 0.3, n), trade_west=rng.uniform(0, 0.3, n), rationality=2.0,
                            rule=ThresholdRule(location=0.4, spread=1.5, tremble=0.05))
    available = rng.uniform(size=(n, len(d.OPTIONS))) < 0.7
    available[:, d.OUTSIDE] = True
    stance = rng.integers(0, len(d.OPTIONS), n)
    aligned = (stance >= d.PARTNER).astype(float)
    adjacency = (rng.uniform(size=(n, n)) < 0.2) & ~np.eye(n, dtype=bool)
    draws = chance_nodes(threshold, 15, n)
    for open_options in (available, ALL_OPEN):
        world = peered(epoch, rng.normal(size=(n, len(d.OPTIONS))), open_options, stance, aligned,
                       adjacency.astype(float), None)
        crossed = [threshold.outcome(peered(epoch, world.utility, open_options, stance, aligned,
                                            adjacency.astype(float), draw)) for draw in draws]
        assert 0 < np.mean(crossed) < 1, "every state on one side: the choice between the sides untested"
        for rule in (threshold, logit):
            each = np.stack([rule.probabilities(peered(epoch, world.utility, open_options, stance, aligned,
                                                       adjacency.astype(float), draw)) for draw in draws])
            assert over_chance(rule, world, draws).tobytes() == each.tobytes()


def peered(epoch, utility, available, stance, aligned, adjacency, draws) -> World:
    """A rule's world with the share of aligned peers and who has peers taken from `adjacency`, as
    the model gives them (a world with no peer columns: no one has peers)."""
    n = len(stance)
    peers = d.peer_alignment(adjacency, aligned) if adjacency.shape[1] else np.zeros(n)
    return World(epoch, utility, available, stance, aligned, adjacency, draws, peers, adjacency.sum(axis=1) > 0)

def _cascade(location: float, n: int = 8, steps: int = 40) -> int | None:
    """Granovetter's riot: one region of n states, one instigator (threshold 0) aligned, the others
    from eager to reluctant; the steps until all have aligned, or None if the cascade stalls."""
    adjacency = np.ones((n, n)) - np.eye(n)
    zeros = np.zeros(n)
    epoch = SimpleNamespace(western_open=zeros, pressure=zeros, bloc_trade=zeros, trade_west=zeros,
                            rule=ThresholdRule(location=location, spread=1.0, tremble=0.0))
    deviates = np.linspace(-1.5, 1.5, n)
    deviates[0] = -np.inf
    stance = np.where(np.arange(n) == 0, d.PARTNER, d.OUTSIDE)
    for step in range(1, steps + 1):
        aligned = (stance >= d.PARTNER).astype(float)
        world = peered(epoch, np.zeros((n, len(d.OPTIONS))), ALL_OPEN, stance, aligned, adjacency, deviates)
        stance = threshold.probabilities(world).argmax(axis=1)
        if (stance >= d.PARTNER).all():
            return step
    return None


def test_a_lower_threshold_cascades_sooner():
    """The figures docs/model.md (7.8) gives: 2, 3 and 4 steps, and a stall at 0.5."""
    assert [_cascade(location) for location in (0.1, 0.2, 0.3, 0.5)] == [2, 3, 4, None]


def test_thresholds_rise_with_the_open_western_stake_and_fall_with_sanctions():
    grid = np.linspace(0.0, 1.0, 5)
    zeros = np.zeros(5)
    by_stake = threshold.thresholds(grid, zeros, 0.5, 2.0, 2.0, 1.0, zeros)
    by_pressure = threshold.thresholds(zeros, grid, 0.5, 2.0, 2.0, 1.0, zeros)
    assert np.all(np.diff(by_stake) > 0) and np.all(np.diff(by_pressure) < 0)
    assert by_stake[0] == pytest.approx(0.5)


def test_aligned_ties_weigh_peers_the_bloc_and_the_west():
    adjacency = np.array([[0.0, 1.0], [1.0, 0.0]])
    peers = d.peer_alignment(adjacency, np.array([0.0, 1.0]))
    share = threshold.tie_share(peers, adjacency.sum(axis=1) > 0, np.array([0.2, 0.0]), np.array([0.3, 0.0]), 1.0)
    assert share[0] == pytest.approx((1.0 + 0.2) / (1.0 + 0.2 + 0.3))
    assert share[1] == 0.0  # its one peer is outside, and it has no trade ties


def _aligned_by_month(location: float) -> pd.Series:
    scenario = sim.with_overrides(sim.load_scenario(THRESHOLD), {"decision.threshold.location": location})
    table = sim.run(scenario, seed=3, replications=30).timeseries
    return (table.course != "outside").groupby(table.date).mean()


def test_a_lower_threshold_cascades_sooner_in_a_whole_run():
    low, high = _aligned_by_month(0.2), _aligned_by_month(0.8)
    assert (low.iloc[[12, 30, -1]] > high.iloc[[12, 30, -1]] + 0.05).all()
    first_quarter = [(curve >= 0.25).idxmax() if (curve >= 0.25).any() else "never" for curve in (low, high)]
    assert first_quarter[0] < first_quarter[1]  # a month "YYYY-MM" sorts before "never"


def test_thresholds_are_drawn_per_replication_and_fixed_within_it():
    scenario = sim.load_scenario(THRESHOLD)
    first, again, other = (AlignmentModel(scenario, rng=seed) for seed in (1, 1, 2))
    assert np.array_equal(first.rule_draws, again.rule_draws)
    assert not np.array_equal(first.rule_draws, other.rule_draws)
    drawn = first.rule_draws.copy()
    first.run()
    assert np.array_equal(first.rule_draws, drawn)


# --- Hedging ----------------------------------------------------------------------------------



def _hedging_choice(settings: dict, month: str = "2025-08") -> np.ndarray:
    """Option probabilities under hedging of a Kazakhstan outside the bloc, with the partner tier
    in place, events removed so that the values set hold."""
    base = sim.load_scenario(HEDGING)
    scenario = sim.with_overrides(base, {"events": None, **settings})
    model = AlignmentModel(scenario, rng=0)
    probabilities = model.evaluate(model.timeline.dates.index(month)).probabilities
    return probabilities[model.timeline.states.index("Kazakhstan")]


def test_hedging_picks_partner_over_member_while_both_sides_stay_open():
    open_both = _hedging_choice({})
    assert open_both[d.PARTNER] > 0.9 and open_both[d.MEMBER] < 0.05


def test_hedging_takes_membership_once_the_western_side_is_closed():
    closed_west = _hedging_choice({"states.Kazakhstan.indicators.sanctions": 1.0})
    assert closed_west[d.MEMBER] > 0.9


def test_hedging_stays_outside_once_the_bloc_side_is_closed():
    closed_bloc = _hedging_choice({f"states.Kazakhstan.indicators.{key}": 0.0
                                   for key in ("trade_russia", "trade_china", "trade_other_members")})
    assert closed_bloc[d.OUTSIDE] > 0.9


def test_hedge_table_over_random_sides():
    """Whatever the state's course: both open, partner first; the West closed, member first; the
    bloc closed, outside; both closed, the course held."""
    rng = np.random.default_rng(5)
    west, bloc = rng.random(200) < 0.5, rng.random(200) < 0.5
    stance = rng.integers(0, 3, 200)
    first, second, last = hedging.hedge(west, bloc, stance)
    assert np.all(first[~west & ~bloc] == d.PARTNER)
    assert np.all(first[west & ~bloc] == d.MEMBER) and np.all(second[west & ~bloc] == d.PARTNER)
    assert np.all(first[~west & bloc] == d.OUTSIDE)
    assert np.array_equal(first[west & bloc], stance[west & bloc])
    assert np.all(last == d.OUTSIDE)


def test_a_hedger_without_the_partner_tier_stays_out_rather_than_apply():
    before_tier = _hedging_choice({}, month="2023-08")
    assert before_tier[d.PARTNER] == 0.0 and before_tier[d.OUTSIDE] > 0.9


# --- Landscape theory of aggregation -----------------------------------------------------------


def _landscape_world(n: int = 4, **indicators) -> World:
    """n states, all outside, in one region, with neutral indicators but those given."""
    zeros = np.zeros(n)
    values = {key: indicators.get(key, zeros) for key in
              ("bloc_trade", "affinity", "trade_west", "engagement", "pressure")}
    epoch = SimpleNamespace(**values, rule=LandscapeRule())
    adjacency = np.ones((n, n)) - np.eye(n)
    return peered(epoch, np.zeros((n, len(d.OPTIONS))), ALL_OPEN, np.zeros(n, dtype=int), zeros, adjacency, None)


def _with(value: float, n: int = 4) -> np.ndarray:
    """0.3 for every state, `value` for the first."""
    return np.where(np.arange(n) == 0, value, 0.3)


def test_a_larger_propensity_toward_the_bloc_pulls_a_state_toward_alignment():
    by_trade = [landscape.probabilities(_landscape_world(bloc_trade=_with(v), trade_west=_with(0.3)))[0]
                for v in (0.1, 0.3, 0.6)]
    by_affinity = [landscape.probabilities(_landscape_world(affinity=_with(v), trade_west=_with(0.3)))[0]
                   for v in (0.1, 0.3, 0.6)]
    for rows in (by_trade, by_affinity):
        member, outside = np.array(rows)[:, d.MEMBER], np.array(rows)[:, d.OUTSIDE]
        assert np.all(np.diff(member) > 0) and np.all(np.diff(outside) < 0)


def test_a_larger_propensity_toward_the_west_pulls_a_state_away():
    by_trade = [landscape.probabilities(_landscape_world(bloc_trade=_with(0.3), trade_west=_with(v)))[0]
                for v in (0.1, 0.3, 0.6)]
    by_sanctions = [landscape.probabilities(_landscape_world(bloc_trade=_with(0.3), trade_west=_with(0.3),
                                                            pressure=_with(v)))[0] for v in (0.6, 0.3, 0.0)]
    for rows in (by_trade, by_sanctions):
        member, outside = np.array(rows)[:, d.MEMBER], np.array(rows)[:, d.OUTSIDE]
        assert np.all(np.diff(outside) > 0) and np.all(np.diff(member) < 0)


def test_a_state_weighs_where_its_peers_settle_not_where_they_stand():
    """The first state is torn evenly between the poles; its three peers, all still outside, lean to
    the bloc. In the configuration each option leads to, the peers move to the bloc's side (the
    nearest local minimum), so the state leans to the bloc although no peer has aligned yet."""
    world = _landscape_world(bloc_trade=np.array([0.3, 0.6, 0.6, 0.6]), trade_west=_with(0.3))
    energy = landscape.option_energies(world)
    chances = landscape.probabilities(world)[0]
    assert energy[0, d.MEMBER] < energy[0, d.PARTNER] < energy[0, d.OUTSIDE]
    assert chances[d.MEMBER] > chances[d.PARTNER] > chances[d.OUTSIDE]
    # held where they stand (a myopic state), the outside peers would pull it the other way
    myopic = landscape.world_landscape(world.epoch, world.adjacency, world.epoch.rule)
    start = np.repeat(landscape.configuration(world.aligned)[None, :], 3, axis=0)
    start[:, landscape.POLES] = landscape.POSITION
    standing = sim.landscape.energies(myopic, start)
    assert standing[d.OUTSIDE] < standing[d.MEMBER]


def test_partner_is_half_way_in_energy():
    """A half-way actor is apart from each side half the time: without peers, so that nothing else
    moves, a partner's energy is the mean of the two sides'."""
    world = _landscape_world(bloc_trade=np.array([0.5, 0.1, 0.2, 0.3]), trade_west=np.array([0.2, 0.4, 0.1, 0.3]))
    world.epoch.rule = LandscapeRule(peer_propensity=0.0)
    energy = landscape.option_energies(world)
    np.testing.assert_allclose(energy[:, d.PARTNER], (energy[:, d.OUTSIDE] + energy[:, d.MEMBER]) / 2)
    assert not np.allclose(energy[:, d.OUTSIDE], energy[:, d.MEMBER])


def test_a_lower_temperature_sharpens_the_choice():
    def member(temperature):
        world = _landscape_world(bloc_trade=_with(0.9), trade_west=_with(0.3))
        world.epoch.rule = LandscapeRule(temperature=temperature)
        return landscape.probabilities(world)[0, d.MEMBER]
    assert member(0.1) > member(0.5) > member(5.0) > 1 / 3


def test_the_landscape_rule_works_from_a_world_for_one_date():
    """What `validate --rule` needs: probabilities from an epoch and the statuses of one month, with
    no model running; the same as the model's at that month."""
    scenario = sim.load_scenario(LANDSCAPE)
    model = AlignmentModel(scenario, rng=0)
    month = model.timeline.dates.index("2024-10")
    for _ in range(month):
        model.step()
    evaluation = model.evaluate(month)
    from_model, world = evaluation.probabilities, evaluation.world
    rebuilt = peered(model.timeline.epoch_at(month), np.zeros_like(world.utility), world.available,
                     world.stance.copy(), world.aligned.copy(), model.timeline.adjacency, None)
    np.testing.assert_array_equal(landscape.probabilities(rebuilt), from_model)


def test_the_landscape_rule_without_peers_scores_each_state_alone():
    """A record's months come with no ties (an adjacency of no columns, as `validate --rule` builds
    them): each state's options are then scored on its own ties to the poles, and the choice is the
    one the full engine makes with every peer tie removed."""
    scenario = sim.load_scenario(LANDSCAPE)
    model = AlignmentModel(scenario, rng=0)
    for _ in range(20):
        model.step()
    world = model.evaluate(20).world
    n = len(world.stance)
    untied = peered(world.epoch, world.utility, world.available, world.stance, world.aligned, np.zeros((n, n)), None)
    alone = peered(world.epoch, world.utility, world.available, world.stance, world.aligned, np.zeros((n, 0)), None)
    np.testing.assert_allclose(landscape.probabilities(alone), landscape.probabilities(untied), atol=1e-12)
    assert not np.allclose(landscape.probabilities(alone), landscape.probabilities(world))  # peers mattered


def test_the_landscape_rule_in_a_whole_run_follows_the_bloc_propensity():
    """Kazakhstan with more affinity for the bloc's narrative seeks membership more often."""
    def seeking(affinity):
        scenario = sim.with_overrides(sim.load_scenario(LANDSCAPE),
                                      {"events": None, "states.Kazakhstan.indicators.affinity": affinity})
        return sim.run(scenario, seed=3, replications=30).summary.set_index("state").p_seeking_membership
    low, high = seeking(0.0), seeking(1.0)
    assert high["Kazakhstan"] > low["Kazakhstan"] + 0.2


def test_explain_shows_frustration_and_energies_for_the_landscape_rule():
    table = explain(sim.load_scenario(LANDSCAPE), "2024-10")
    drivers = {"frustration", "energy_outside", "energy_partner", "energy_member", "bloc_propensity",
               "west_propensity"}
    assert drivers <= set(table.columns) and "term" not in table
    first = table.groupby("state", sort=False).first()
    energies = first[["energy_outside", "energy_partner", "energy_member"]].to_numpy()
    assert np.allclose(energies.min(axis=1), 0.0)
    # the option of lowest energy is the most probable one
    chances = table.pivot(index="state", columns="option", values="probability").loc[first.index, list(d.OPTIONS)]
    assert np.array_equal(chances.to_numpy().argmax(axis=1), energies.argmin(axis=1))


# --- Every rule with every tool ----------------------------------------------------------------


@pytest.mark.parametrize("path", RIVALS, ids=lambda p: p.stem)
def test_same_seed_same_bytes(tmp_path, path):
    files = []
    for name in ("a", "b"):
        out = tmp_path / name
        assert main(["run", str(path), "--replications", "6", "--seed", "4", "--out", str(out), "--quiet"]) == 0
        files.append({f: (out / f).read_bytes() for f in ("timeseries.csv", "summary.csv", "events.csv")})
    assert files[0] == files[1]


def test_rules_tremble_so_every_open_option_has_some_probability():
    for path in RIVALS:
        table = sim.run(sim.load_scenario(path), seed=1, replications=2).timeseries
        with_tier = table[table.date >= "2024-10"]  # every option open to every state from Kazan
        assert (with_tier[["p_outside", "p_partner", "p_member"]] > 0).all().all()
        assert np.allclose(table[["p_outside", "p_partner", "p_member"]].sum(axis=1), 1.0)


def test_explain_shows_what_the_threshold_rule_decides_on():
    table = explain(sim.load_scenario(THRESHOLD), "2024-09")
    assert {"threshold", "aligned_ties", "aligned_peers"} <= set(table.columns) and "term" not in table
    aligned = table[table.option != "outside"].groupby("state").probability.sum()
    crossed = table.groupby("state").first().eval("aligned_ties >= threshold")
    tremble = sim.load_scenario(THRESHOLD).decision.threshold.tremble
    assert (aligned[crossed] >= 1 - tremble).all() and (aligned[~crossed] <= tremble).all()
    assert crossed.any() and (~crossed).any()


def test_explain_shows_what_the_hedging_rule_decides_on():
    table = explain(sim.load_scenario(HEDGING), "2025-08").groupby("state").first()
    assert {"western_returns", "bloc_returns", "closed_below"} <= set(table.columns)
    open_both = (table.western_returns >= table.closed_below) & (table.bloc_returns >= table.closed_below)
    full = explain(sim.load_scenario(HEDGING), "2025-08")
    partner = full[full.option == "partner"].set_index("state").probability
    assert open_both.any() and (partner[open_both[open_both].index] > 0.9).all()


@pytest.mark.parametrize("base, parameter, fewer_aligned, more_aligned, replications, margin", [
    # A lower median threshold: more states pass it.
    (THRESHOLD, "decision.threshold.location", 0.8, 0.2, 8, 0.0),
    # A heavier bloc pulls harder.
    (LANDSCAPE, "decision.landscape.bloc_size", 0.5, 3.0, 6, 0.2),
])
def test_a_sweep_over_a_rule_parameter(tmp_path, base, parameter, fewer_aligned, more_aligned, replications, margin):
    """A rule's own parameter is a sweep parameter like any other, and moving it moves the outcome."""
    path = tmp_path / "sweep.yaml"
    path.write_text(f"""
base: {base}
name: rule_parameter
parameters:
  {parameter}: {{values: [{fewer_aligned}, {more_aligned}]}}
design: grid
replications: {replications}
seed: 2
""", encoding="utf-8")
    table = run_sweep(path, tmp_path / "out", executor="serial").results()
    aligned = (table.final_status != "outside").groupby(table[parameter]).mean()
    assert aligned.loc[more_aligned] > aligned.loc[fewer_aligned] + margin


def test_figures_draw_a_non_logit_scenario(tmp_path):
    figures = tmp_path / "figures.yaml"
    figures.write_text(f"""
name: rules
figures:
  - {{id: why_threshold, kind: why, scenario: {THRESHOLD}, states: [Belarus, Kazakhstan], date: 2024-10}}
  - {{id: why_hedging, kind: why, scenario: {HEDGING}, states: [Belarus, Kazakhstan], date: 2024-10}}
  - {{id: why_landscape, kind: why, scenario: {LANDSCAPE}, states: [Belarus, Kazakhstan], date: 2024-10}}
  - {{id: timeline_hedging, kind: timeline, scenario: {HEDGING}, replications: 3, seed: 1}}
""", encoding="utf-8")
    assert main(["figures", str(figures), "--out", str(tmp_path / "out"), "--sweeps", str(tmp_path / "s")]) == 0
    for name in ("why_threshold", "why_hedging", "why_landscape", "timeline_hedging"):
        assert (tmp_path / "out" / f"{name}.png").stat().st_size > 1000


def test_an_unknown_rule_is_refused_with_its_key(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(f"extends: {THRESHOLD}\nname: bad\ndecision:\n  rule: cascade\n", encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "decision.rule" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("path", RIVALS, ids=lambda p: p.stem)
def test_the_dashboard_runs_a_non_logit_scenario(path):
    from sim.viz.app import draw_network, draw_probabilities, draw_statuses, draw_terms
    from sim.viz.model import DashboardModel

    model = DashboardModel(scenario_path=str(path), seed=3)
    while model.running:
        model.step()
    reference = sim.AlignmentModel(sim.load_scenario(path), rng=3).run().data
    np.testing.assert_array_equal(model.recorder.data["probabilities"], reference["probabilities"])
    for figure in (draw_network(model), draw_statuses(model), draw_probabilities(model, "Belarus"),
                   draw_terms(model, "Belarus")):
        assert figure.axes


@pytest.mark.parametrize("rule", ["threshold", "hedging", "landscape"])
@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_rule_runs_on_every_bundled_scenario(path, rule):
    scenario = sim.with_overrides(sim.load_scenario(path), {"decision.rule": rule})
    result = sim.run(scenario, seed=1, replications=2)
    probabilities = result.timeseries[["p_outside", "p_partner", "p_member"]]
    assert np.allclose(probabilities.sum(axis=1), 1.0) and (probabilities >= 0).all().all()
    assert set(result.summary.state) == set(scenario.states)
