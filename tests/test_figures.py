"""Figures: every kind renders from small inputs, rebuilds are byte-identical, sweeps are reused."""

import json
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _figures_file(tmp_path: Path) -> Path:
    (tmp_path / "grid.yaml").write_text(f"""
name: small_grid
base: {ROOT}/scenarios/kazakhstan_multivector.yaml
parameters:
  states.Kazakhstan.indicators.sanctions: {{values: [0.0, 0.9]}}
  states.Kazakhstan.indicators.trade_west: {{values: [0.1, 0.3]}}
design: grid
replications: 2
seed: 1
""", encoding="utf-8")
    (tmp_path / "sobol.yaml").write_text(f"""
name: small_sobol
base: {ROOT}/scenarios/kazakhstan_sanctioned.yaml
parameters:
  decision.weights.sanction_relief: {{range: [0.0, 4.0]}}
  decision.rationality: {{range: [1.0, 5.0]}}
design: sobol
samples: 8
replications: 1
seed: 1
states: [Kazakhstan]
outputs: [p_member_final]
""", encoding="utf-8")
    (tmp_path / "lhs.yaml").write_text(f"""
name: small_lhs
base: {ROOT}/scenarios/kazakhstan_multivector.yaml
set: {{decision.parameters: hand_set}}  # the box on sanctions below is the hand-set weights'
parameters:
  states.Kazakhstan.indicators.sanctions: {{range: [0.0, 1.0]}}
  states.Kazakhstan.indicators.blockade: {{range: [0.0, 1.0]}}
  states.Kazakhstan.indicators.western_engagement: {{range: [0.0, 1.0]}}
design: lhs
samples: 100
replications: 2
seed: 1
states: [Kazakhstan]
outputs: [p_member_final]
""", encoding="utf-8")
    path = tmp_path / "figures.yaml"
    path.write_text(f"""
name: test
figures:
  - {{id: timeline, kind: timeline, scenario: {ROOT}/scenarios/belarus_semi_blockade.yaml, replications: 4,
     seed: 1, marks: [Kazan, us_tariff_threat], mark_labels: {{us_tariff_threat: US tariff threat}}}}
  - {{id: why, kind: why, scenario: {ROOT}/scenarios/eurasia_2024.yaml, states: [Belarus, Kazakhstan],
     date: 2024-10}}
  - id: phase
    kind: phase_diagram
    sweep: grid.yaml
    x: states.Kazakhstan.indicators.trade_west
    y: states.Kazakhstan.indicators.sanctions
    markers:
      - {{label: Belarus, scenario: {ROOT}/scenarios/belarus_semi_blockade.yaml, state: Belarus, date: 2024-10}}
  - {{id: sobol, kind: sobol, sweep: sobol.yaml, output: p_member_final, formats: [png]}}
  - {{id: network, kind: network, scenario: {ROOT}/scenarios/eurasia_2024.yaml, replications: 3}}
  - {{id: landscape, kind: landscape, scenario: {ROOT}/scenarios/eurasia_2024_landscape.yaml, date: 2024-10}}
  - id: prim
    kind: prim_box
    sweep: lhs.yaml
    output: p_member_final
    top: 0.3
    min_density: 0.5
    markers:
      - {{label: sanctioned, scenario: {ROOT}/scenarios/kazakhstan_sanctioned.yaml, state: Kazakhstan, date: 2024-10}}
""", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("figures")
    path = _figures_file(tmp_path)
    sweeps = tmp_path / "sweeps"
    first = main(["figures", str(path), "--out", str(tmp_path / "A"), "--sweeps", str(sweeps), "--workers", "2"])
    second = main(["figures", str(path), "--out", str(tmp_path / "B"), "--sweeps", str(sweeps), "--workers", "2"])
    return tmp_path, first, second


def test_every_kind_renders_in_every_format(built):
    tmp_path, first, _ = built
    assert first == 0
    names = {p.name for p in (tmp_path / "A").iterdir()}
    for figure in ("timeline", "why", "phase", "network", "prim", "landscape"):
        assert {f"{figure}.png", f"{figure}.pdf", f"{figure}.svg", f"{figure}.json"} <= names
    assert {"sobol.png", "sobol.json"} <= names and "sobol.pdf" not in names
    for name in names:
        assert (tmp_path / "A" / name).stat().st_size > 500, name


def test_rebuilds_are_byte_identical(built):
    tmp_path, _, second = built
    assert second == 0
    a, b = tmp_path / "A", tmp_path / "B"
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    for path in a.iterdir():
        assert path.read_bytes() == (b / path.name).read_bytes(), path.name


def test_sidecars_record_provenance(built):
    tmp_path, _, _ = built
    timeline = json.loads((tmp_path / "A" / "timeline.json").read_text())
    assert timeline["seed"] == 1 and timeline["replications"] == 4
    assert all(len(f["sha256"]) == 64 for f in timeline["scenario_files"])
    assert {"alignsim", "mesa", "numpy", "matplotlib"} <= set(timeline["versions"])
    phase = json.loads((tmp_path / "A" / "phase.json").read_text())
    assert len(phase["sweep_fingerprint"]) == 64
    assert set(phase["files"]) == {"phase.png", "phase.pdf", "phase.svg"}
    prim = json.loads((tmp_path / "A" / "prim.json").read_text())
    assert prim["box"].startswith("Kazakhstan: p_member_final in the top 30%") and "sanctions >=" in prim["box"]
    landscape = json.loads((tmp_path / "A" / "landscape.json").read_text())
    # six states free, the West and the bloc held apart: 2^6 configurations, each descended from
    assert landscape["actors"] == 8 and landscape["configurations"] == 64
    assert landscape["method"] == "descent from every one" and landscape["local_minima"] >= 1


def test_sweeps_are_reused_and_the_command_says_so(tmp_path, capsys):
    path = _figures_file(tmp_path)
    args = ["figures", str(path), "--out", str(tmp_path / "out"), "--sweeps", str(tmp_path / "sweeps"), "--workers", "2"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "computing sweep small_grid" in out and "computing sweep small_sobol" in out
    assert "computing sweep small_lhs" in out
    assert main(args) == 2  # the figures are there: replaced only with --overwrite
    assert "--overwrite" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0
    out = capsys.readouterr().out
    assert "reused sweep results" in out and "computing" not in out


@pytest.mark.parametrize(
    "figure,message",
    [
        ("{id: x, kind: pie, scenario: s.yaml}", "got 'pie'"),
        ("{id: x, kind: timeline}", "needs 'scenario'"),
        ("{id: x, kind: why, scenario: SCENARIO}", "needs 'date'"),
        ("{id: x, kind: landscape, scenario: SCENARIO}", "needs 'date'"),
        ("{id: x, kind: landscape, scenario: SCENARIO, date: 2031-01}", "figures.x.date: 2031-01 is not a simulated"),
        ("{id: x, kind: timeline, scenario: nowhere.yaml}", "does not exist"),
        ("{id: x, kind: timeline, scenario: SCENARIO, marks: [Atlantis]}", "no summit or event named 'Atlantis'"),
        ("{id: x, kind: timeline, scenario: SCENARIO, states: [Narnia]}", "no state 'Narnia'"),
        ("{id: x, kind: prim_box, sweep: s.yaml}", "needs exactly one of 'threshold' or 'top'"),
        ("{id: x, kind: timeline, scenario: SCENARIO, posterior: p}", "'posterior' and 'draws' belong to a why figure"),
        ("{id: x, kind: why, scenario: SCENARIO, date: 2024-10, posterior: nowhere}", "figures.x.posterior"),
    ],
)
def test_bad_figures_files_get_clear_messages(tmp_path, capsys, figure, message):
    path = tmp_path / "f.yaml"
    figure = figure.replace("SCENARIO", f"{ROOT}/scenarios/belarus_semi_blockade.yaml")
    path.write_text(f"name: t\nfigures:\n  - {figure}\n", encoding="utf-8")
    assert main(["figures", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_prim_box_without_a_dense_box_names_the_figure_key(built, capsys):
    tmp_path, _, _ = built
    path = tmp_path / "dense.yaml"
    path.write_text("name: t\nfigures:\n  - {id: x, kind: prim_box, sweep: lhs.yaml, output: p_member_final, "
                    "top: 0.3, min_density: 1}\n", encoding="utf-8")
    assert main(["figures", str(path), "--out", str(tmp_path / "dense"), "--sweeps", str(tmp_path / "sweeps")]) == 2
    err = capsys.readouterr().err
    assert "figures.x.min_density" in err and "no box reaches a density of 1" in err and "Traceback" not in err


def test_the_paper_figures_file_is_valid():
    from sim.figures import load_figures

    paper = load_figures(ROOT / "figures" / "paper.yaml")
    assert {f.kind for f in paper.figures} == {"timeline", "why", "phase_diagram", "sobol", "network", "prim_box",
                                               "landscape", "rule_comparison"}


def test_a_png_is_drawn_at_300_dpi_unless_its_pixels_would_pass_the_cap():
    """A tall figure (the run's timeline of 32 states) is drawn at the dpi that keeps its pixels
    within `MAX_PNG_PIXELS`, so that drawing it does not take a run past its memory; a figure of
    ordinary size keeps the house style's 300 dpi."""
    import io

    from matplotlib.figure import Figure
    from PIL import Image

    from sim.figures.build import MAX_PNG_PIXELS, figure_bytes

    def drawn(height: float) -> Figure:
        fig = Figure(figsize=(3.5, height))
        for axes in fig.subplots(max(1, int(height // 1.7)), 1, squeeze=False)[:, 0]:
            axes.plot([0, 1], [0, 1])
        return fig

    ordinary, tall = (Image.open(io.BytesIO(figure_bytes(drawn(h), "png"))) for h in (2.6, 1.7 * 32 + 0.9))
    assert round(ordinary.info["dpi"][0]) == 300
    assert round(tall.info["dpi"][0]) == int((MAX_PNG_PIXELS / (3.5 * (1.7 * 32 + 0.9))) ** 0.5) == 203
    assert tall.size[0] * tall.size[1] < 1.2 * MAX_PNG_PIXELS
