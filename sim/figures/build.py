"""Figures files: every figure of a paper from one command, byte for byte.

A figures file lists figures, each with its kind, inputs (a scenario or a sweep), options and
formats. Building one runs what it needs (reusing sweep results already on disk), draws each
figure in the house style, and writes PNG, PDF and SVG files with a JSON sidecar of provenance:
the hashes of every input, seeds and versions. Nothing in the files depends on the time or the
machine's state, so a rebuild gives identical bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import Literal

import matplotlib
import networkx as nx
import numpy as np
from pydantic import Field, ValidationError, model_validator

from ..explain import explain, shares
from ..files import check_creatable, write_file
from ..inputs import compile_timeline, scenario_at
from ..landscape import holding, near_minima
from ..rules.landscape import HELD, world_landscape
from ..run import RunResult, run
from ..scenario import InputError, Issue, Scenario, load_scenario
from ..scenario.changes import get_path
from ..scenario.loader import issues_from, read_yaml
from ..scenario.schema import MAX_REPLICATIONS, Identifier, Month, Strict
from . import kinds

Format = Literal["png", "pdf", "svg"]
FORMATS: tuple[Format, ...] = ("png", "pdf", "svg")
Log = Callable[[str], None]
ProgressFactory = Callable[[], object]  # a context manager yielding a progress callback, or None


class Marker(Strict):
    """A state placed on a phase diagram at its data in a scenario."""

    label: str = Field(min_length=1, description="text next to the marker")
    scenario: str = Field(min_length=1, description="scenario file, relative to the figures file")
    state: str = Field(min_length=1, description="the state whose indicators give the position")
    date: Month = Field(description="the month whose values (events applied) are used")


class FigureSpec(Strict):
    """One figure."""

    id: Identifier = Field(description="file name stem")
    kind: Literal["timeline", "why", "phase_diagram", "sobol", "network", "prim_box", "landscape", "rule_comparison"] = Field(
        description="what to draw")
    scenario: str | None = Field(default=None, description="scenario file (timeline, why, network, landscape, rule_comparison)")
    observed: str | None = Field(default=None, description="rule_comparison: observed decisions (CSV), relative to "
                                 "the figures file; every rule of the model is scored on them")
    sweep: str | None = Field(default=None, description="sweep file (phase_diagram, sobol, prim_box)")
    states: list[str] | None = Field(default=None, description="states to show (default: all)")
    replications: int | None = Field(default=None, ge=1, le=MAX_REPLICATIONS,
                                     description="default: the scenario's (rule_comparison: runs per held-out "
                                     "state at the simulation level, default 30)")
    seed: int | None = Field(default=None, ge=0, description="default: the scenario's")
    date: Month | None = Field(default=None, description="why: the month explained; landscape: the month drawn")
    posterior: str | None = Field(
        default=None, description="why: a posterior folder written by alignsim estimate (relative to the figures "
        "file): each mechanism's share of the choice with its 90% interval over the draws, in place of the utilities")
    draws: int | None = Field(default=None, ge=1, le=10_000, description="why with a posterior: draws used (default 50)")
    marks: list[str] | None = Field(default=None, description="timeline: summit or event names to mark")
    mark_labels: dict[str, str] = Field(default_factory=dict, description="timeline: labels for marks, by name")
    x: str | None = Field(default=None, description="phase_diagram: the swept parameter on the x axis")
    y: str | None = Field(default=None, description="phase_diagram: the swept parameter on the y axis")
    x_label: str | None = Field(default=None, description="phase_diagram: x-axis label")
    y_label: str | None = Field(default=None, description="phase_diagram: y-axis label")
    output: str = Field(default="seeking_membership", description="phase_diagram, sobol, prim_box: the output shown")
    threshold: float | None = Field(default=None,
                                    description="prim_box: cases are points whose mean output is at least this")
    top: float | None = Field(default=None,
                              description="prim_box: cases are this share of points with the highest mean")
    min_density: float = Field(default=0.7, description="prim_box: the chosen box's least density")
    markers: list[Marker] = Field(default_factory=list,
                                  description="phase_diagram, prim_box: states placed at their data")
    title: str = Field(default="", description="optional title")
    formats: list[Format] | None = Field(default=None, description="default: the file's formats")

    @model_validator(mode="after")
    def _inputs(self) -> FigureSpec:
        needs_scenario = self.kind in ("timeline", "why", "network", "landscape", "rule_comparison")
        if needs_scenario and not self.scenario:
            raise ValueError(f"a {self.kind} figure needs 'scenario'")
        if not needs_scenario and not self.sweep:
            raise ValueError(f"a {self.kind} figure needs 'sweep'")
        if self.kind == "rule_comparison" and not self.observed:
            raise ValueError("a rule_comparison figure needs 'observed'")
        if self.kind in ("why", "landscape") and self.date is None:
            raise ValueError(f"a {self.kind} figure needs 'date'")
        if self.kind != "why" and (self.posterior is not None or self.draws is not None):
            raise ValueError("'posterior' and 'draws' belong to a why figure")
        if self.draws is not None and self.posterior is None:
            raise ValueError("'draws' needs 'posterior'")
        if self.kind == "phase_diagram" and (self.x is None or self.y is None):
            raise ValueError("a phase_diagram needs 'x' and 'y' (two swept parameters)")
        if self.kind == "prim_box" and (self.threshold is None) == (self.top is None):
            raise ValueError("a prim_box needs exactly one of 'threshold' or 'top'")
        return self


class FiguresFile(Strict):
    """A paper's figures."""

    name: str = Field(min_length=1, description="a label for the set")
    formats: list[Format] = Field(default_factory=lambda: list(FORMATS), min_length=1, description="file formats")
    figures: list[FigureSpec] = Field(min_length=1, description="the figures, in order")

    @model_validator(mode="after")
    def _unique(self) -> FiguresFile:
        ids = [f.id for f in self.figures]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"figure ids must be unique; repeated: {', '.join(duplicates)}")
        return self


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in ("alignsim", "mesa", "numpy", "matplotlib", "pandas")}


MAX_PNG_PIXELS = 8_000_000
"""A PNG is drawn at the house style's 300 dpi when the figure's size holds at most this many pixels
at it, and a larger figure at the dpi that keeps it within (a timeline of more than 14 states: 203
dpi for 32). Drawing holds the pixels more than twice over: the 32-state timeline at 300 dpi (17
million pixels) took `alignsim run`'s memory from about 340 MB to 500 MB, at any number of
replications."""


def figure_bytes(fig, fmt: Format) -> bytes:
    """A figure rendered with no time stamps or tool names in its metadata."""
    stamp = {"png": {"Software": None}, "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
             "svg": {"Creator": None, "Date": None}}[fmt]
    buffer = io.BytesIO()
    with kinds.house_style():
        dpi = matplotlib.rcParams["savefig.dpi"]
        dpi = fig.dpi if dpi == "figure" else dpi
        if fmt == "png":
            width, height = fig.get_size_inches()
            dpi = min(dpi, int((MAX_PNG_PIXELS / (width * height)) ** 0.5))
        fig.savefig(buffer, format=fmt, metadata=stamp, dpi=dpi)
    return buffer.getvalue()


class Builder:
    """Builds the figures of one figures file, caching runs and sweeps between figures."""

    def __init__(self, path: Path, sweeps_dir: Path, log: Log, workers: int | None = None,
                 progress: ProgressFactory | None = None):
        self.path = path
        self.sweeps_dir = sweeps_dir
        self.log = log
        self.workers = workers
        self.progress = progress
        self.runs: dict[tuple, RunResult] = {}

    def _file(self, relative: str, key: str) -> Path:
        target = self.path.parent / relative
        if not target.is_file():
            raise InputError(Issue(str(self.path), key, f"{target} does not exist"))
        return target

    def scenario_run(self, spec: FigureSpec) -> tuple[Scenario, RunResult]:
        scenario = load_scenario(self._file(spec.scenario, f"figures.{spec.id}.scenario"))
        key = (spec.scenario, spec.seed, spec.replications)
        if key not in self.runs:
            self.log(f"  running {scenario.name} ({spec.replications or scenario.run.replications} replications)")
            self.runs[key] = run(scenario, seed=spec.seed, replications=spec.replications)
        return scenario, self.runs[key]

    def sweep_folder(self, spec: FigureSpec):
        from ..sweep import load_sweep, run_sweep
        from ..sweep.store import Store

        sweep = load_sweep(self._file(spec.sweep, f"figures.{spec.id}.sweep"))
        # Before the sweep is computed, which can take long, not after.
        for axis in (spec.x, spec.y) if spec.kind == "phase_diagram" else ():
            if axis not in sweep.spec.parameters:
                raise InputError(Issue(str(self.path), f"figures.{spec.id}", f"{axis!r} is not a parameter of "
                                       f"sweep {sweep.spec.name} ({', '.join(sweep.spec.parameters)})"))
        folder = self.sweeps_dir / sweep.spec.name
        fingerprint = sweep.fingerprint()
        if (folder / "sweep.json").is_file():
            store = Store.open(folder)
            if store.manifest.get("fingerprint") != fingerprint:
                raise InputError(Issue(str(folder), "", f"holds another version of sweep {sweep.spec.name!r}; "
                                       "move it away or pass another --sweeps folder"))
            if len(store.done()) == store.manifest["total_runs"]:
                self.log(f"  reused sweep results in {folder}/")
                return sweep, folder
            self.log(f"  resuming sweep {sweep.spec.name} in {folder}/")
        else:
            self.log(f"  computing sweep {sweep.spec.name} into {folder}/ (reused next time)")
        if self.progress is None:
            report = run_sweep(sweep, folder, executor="auto", workers=self.workers, resume=True)
        else:
            with self.progress() as tick:
                report = run_sweep(sweep, folder, executor="auto", workers=self.workers, resume=True,
                                   progress=tick)
        if report.failed:
            raise InputError(Issue(str(folder), "", f"{report.failed} runs of sweep {sweep.spec.name} failed; "
                                   f"see alignsim export {folder}"))
        return sweep, folder

    def rule_scores(self, spec: FigureSpec, scenario: Scenario, observed: Path):
        """`alignsim compare-rules`' scores.csv for the figure, computed once into the sweeps
        folder and reused while the scenario, the record, the rules, the replications and the
        model are the same (a comparison takes minutes, as a sweep does)."""
        import pandas as pd

        from ..compare import compare_rules
        from ..model import MODEL_VERSION
        from ..results import table_bytes, write_folder
        from ..rules import RULES

        fingerprint = hashlib.sha256(json.dumps(
            {"scenario": scenario.model_dump(mode="json"), "observed_sha256": _sha256(observed), "rules": list(RULES),
             "replications": spec.replications, "model_version": MODEL_VERSION,
             "alignsim": metadata.version("alignsim")}, sort_keys=True).encode("utf-8")).hexdigest()
        folder = self.sweeps_dir / f"rules_{scenario.name}"
        if (folder / "fingerprint.txt").is_file() and (folder / "fingerprint.txt").read_text() == fingerprint:
            self.log(f"  reused the rule comparison in {folder}/")
        else:
            self.log(f"  scoring the rules {', '.join(RULES)} on {observed.name} into {folder}/ (reused next time)")
            compared = compare_rules(scenario, observed, list(RULES), replications=spec.replications)
            write_folder(folder, {"scores.csv": table_bytes(compared.scores),
                                  "fingerprint.txt": fingerprint.encode("utf-8")}, overwrite=True)
        # Read back in either case, so that a reused comparison draws the same bytes.
        return pd.read_csv(folder / "scores.csv")

    def draw(self, spec: FigureSpec) -> tuple[object, dict]:
        """The figure and its provenance."""
        provenance: dict = {"figure": spec.model_dump(mode="json"), "figures_file": str(self.path)}
        if spec.kind == "why":
            scenario = load_scenario(self._file(spec.scenario, f"figures.{spec.id}.scenario"))
            seed = scenario.run.seed if spec.seed is None else spec.seed
            provenance.update({"scenario": scenario.name, "scenario_files": scenario.origin["files"], "seed": seed,
                               "history": "replication 0 of the seed, up to the month explained"})
            states = self._states(spec, list(scenario.states))
            if spec.posterior is None:
                return kinds.why(explain(scenario, spec.date, seed), states, spec.date), provenance
            if scenario.decision.rule != "logit":
                raise InputError(Issue(str(self.path), f"figures.{spec.id}.posterior",
                                       "shares by mechanism need the logit rule's utilities"))
            folder = self.path.parent / spec.posterior
            if not (folder / "draws.parquet").is_file():
                raise InputError(Issue(str(self.path), f"figures.{spec.id}.posterior",
                                       f"{folder} holds no draws.parquet; expected a folder written by alignsim estimate"))
            explained = explain(scenario, spec.date, seed, folder, spec.draws)
            provenance.update({"posterior": spec.posterior, "draws": int(explained["draw"].nunique()),
                               "history": "replication 0 of the seed under each draw, up to the month explained"})
            return kinds.why_shares(shares(explained), states, spec.date), provenance
        if spec.kind == "landscape":
            return self.landscape(spec, provenance)
        if spec.kind == "rule_comparison":
            from ..rules import RULES

            scenario = load_scenario(self._file(spec.scenario, f"figures.{spec.id}.scenario"))
            observed = self._file(spec.observed, f"figures.{spec.id}.observed")
            provenance.update({"scenario": scenario.name, "scenario_files": scenario.origin["files"],
                               "observed_sha256": _sha256(observed), "rules": list(RULES)})
            provenance["replications"] = spec.replications
            return kinds.rule_comparison(self.rule_scores(spec, scenario, observed)), provenance
        if spec.kind in ("timeline", "network"):
            scenario, result = self.scenario_run(spec)
            states = self._states(spec, list(scenario.states))
            provenance.update({"scenario": scenario.name, "scenario_files": scenario.origin["files"],
                               "seed": result.seed, "replications": result.replications})
            if spec.kind == "timeline":
                return kinds.timeline(result.timeseries, states, self._marks(spec, scenario), spec.title), provenance
            graph = nx.Graph()
            graph.add_nodes_from(states)
            graph.add_edges_from((a, b) for a in states for b in states
                                 if a < b and scenario.states[a].region == scenario.states[b].region)
            # Around a circle, region by region, so that peers sit side by side.
            ordered = sorted(states, key=lambda name: (scenario.states[name].region, states.index(name)))
            positions = {k: tuple(float(v) for v in xy) for k, xy in nx.circular_layout(ordered).items()}
            summary = result.summary[result.summary.state.isin(states)]
            return kinds.network(summary, sorted(graph.edges), positions), provenance

        sweep, folder = self.sweep_folder(spec)
        manifest = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
        provenance.update({"sweep": sweep.spec.name, "sweep_file_sha256": _sha256(sweep.path),
                           "sweep_fingerprint": manifest["fingerprint"], "seed": sweep.spec.seed})
        if spec.kind == "sobol":
            from ..sweep.sensitivity import analyse

            state = spec.states[0] if spec.states else None
            return kinds.sobol_indices(analyse(folder, spec.output, state)), provenance
        if spec.kind == "prim_box":
            from ..sweep.discover import discover

            state = spec.states[0] if spec.states else None
            try:
                found = discover(folder, spec.output, state, spec.threshold, spec.top, spec.min_density)
            except InputError as exc:  # name the figure's keys, not the command line's options
                keys = {"--threshold/--top": "threshold", "--top": "top", "--min-density": "min_density",
                        "--output": "output", "--state": "states", "--threshold": "threshold"}
                raise InputError([Issue(str(self.path), f"figures.{spec.id}.{keys[i.path]}" if i.path in keys
                                        else f"figures.{spec.id}", f"{folder}: {i.message}")
                                  for i in exc.issues]) from None
            markers = [(m.label, self._marker(m, spec, list(found.box.parameter))) for m in spec.markers]
            provenance["box"] = found.describe()
            return kinds.prim_box(found.box, found.coverage, found.density, markers, spec.title), provenance
        from ..sweep import read_results

        table = read_results(folder)
        if table[spec.output].dtype == object:
            raise InputError(Issue(str(self.path), f"figures.{spec.id}.output", f"{spec.output} is not numeric"))
        markers = [(m.label, *self._marker(m, spec, [spec.x, spec.y]).values()) for m in spec.markers]
        return kinds.phase_diagram(table, spec.x, spec.y, spec.output, spec.x_label or spec.x,
                                   spec.y_label or spec.y, markers), provenance

    def landscape(self, spec: FigureSpec, provenance: dict) -> tuple[object, dict]:
        """The world of the landscape rule at a month (sim/rules/landscape.py, with the scenario's
        `decision.landscape` whatever its rule): its configurations near the local minima."""
        scenario = load_scenario(self._file(spec.scenario, f"figures.{spec.id}.scenario"))
        timeline = compile_timeline(scenario)
        if spec.date not in timeline.dates:
            raise InputError(Issue(str(self.path), f"figures.{spec.id}.date", f"{spec.date} is not a simulated "
                                   f"month of {scenario.name} ({timeline.dates[0]} to {timeline.dates[-1]})"))
        epoch = timeline.epoch_at(timeline.dates.index(spec.date))
        actors = ("West", scenario.bloc.name, *timeline.states)
        world = world_landscape(epoch, timeline.adjacency, scenario.decision.landscape, actors)
        analysis = holding(world, HELD)
        states = np.ones(len(actors), dtype=bool)
        states[list(HELD)] = False
        sides, energy, rank, switched = near_minima(analysis, states)
        configurations = 2 ** len(timeline.states)
        method = ("descent from every one" if analysis.method == "enumeration" else
                  f"descent from {analysis.restarts} random ones, seed {analysis.seed}")
        provenance.update({"scenario": scenario.name, "scenario_files": scenario.origin["files"],
                           "actors": len(actors), "configurations": configurations, "method": method,
                           "local_minima": len(analysis.energy)})
        title = spec.title or (f"{scenario.name}, {spec.date}\n{len(actors)} actors, the poles apart, "
                               f"{configurations:,} configurations ({method}), {len(analysis.energy)} local "
                               f"{'minimum' if len(analysis.energy) == 1 else 'minima'}")
        return kinds.landscape(actors, sides, energy, rank, switched, title), provenance

    def _states(self, spec: FigureSpec, available: list[str]) -> list[str]:
        unknown = [s for s in spec.states or [] if s not in available]
        if unknown:
            raise InputError(Issue(str(self.path), f"figures.{spec.id}.states",
                                   f"no state {unknown[0]!r} in the scenario ({', '.join(available)})"))
        return spec.states or available

    def _marks(self, spec: FigureSpec, scenario: Scenario) -> list[tuple[str, str]]:
        try:
            return scenario_marks(scenario, spec.marks, spec.mark_labels)
        except KeyError as exc:
            raise InputError(Issue(str(self.path), f"figures.{spec.id}.marks", str(exc.args[0]))) from None

    def _marker(self, marker: Marker, spec: FigureSpec, paths: list[str]) -> dict[str, float]:
        """The values of swept `paths` for the marker's state in its scenario at its month (events
        applied); a path into another state's data reads the marker's state's."""
        scenario = load_scenario(self._file(marker.scenario, f"figures.{spec.id}.markers"))
        if marker.state not in scenario.states:
            raise InputError(Issue(str(self.path), f"figures.{spec.id}.markers",
                                   f"no state {marker.state!r} in {marker.scenario}"))
        data = scenario_at(scenario, marker.date).model_dump(mode="json")
        position = {}
        for path in paths:
            parts = path.split(".")
            if parts[0] == "states":
                parts[1] = marker.state
            value = get_path(data, ".".join(parts))
            position[path] = float(value["value"] if isinstance(value, dict) else value)
        return position


def scenario_marks(scenario: Scenario, wanted: list[str] | None = None,
                   labels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(month, label) of named summits, events and the partner tier; by default the summits and
    the partner tier."""
    named = {s.name: (s.date, f"{s.name} summit") for s in scenario.calendar.summits}
    if scenario.bloc.partner_tier_from is not None:
        named["partner_tier"] = (scenario.bloc.partner_tier_from.date, "partner tier")
    defaults = list(named)
    named.update({name: (e.date, name.replace("_", " ")) for name, e in scenario.events.items()})
    labels = labels or {}
    missing = [m for m in [*(wanted or []), *labels] if m not in named]
    if missing:
        raise KeyError(f"no summit or event named {missing[0]!r} (known: {', '.join(named)})")
    return sorted((named[m][0], labels.get(m, named[m][1])) for m in (defaults if wanted is None else wanted))


def timeline_files(result: RunResult) -> dict[str, bytes]:
    """The timeline of a run in every format, for `alignsim run`."""
    fig = kinds.timeline_of_shares(result.tally.shares(), list(result.tally.timeline.dates), result.replications,
                                   scenario_marks(result.scenario))
    files = {f"timeline.{fmt}": figure_bytes(fig, fmt) for fmt in FORMATS}
    return files


def load_figures(path: str | Path) -> FiguresFile:
    path = Path(path)
    data, lines = read_yaml(path, "a figures")
    try:
        return FiguresFile.model_validate(data)
    except ValidationError as exc:
        raise InputError(issues_from(exc, data, lines, str(path), root=FiguresFile)) from None


def build(path: str | Path, out: str | Path, sweeps_dir: str | Path = Path("results") / "sweeps",
          log: Log = lambda message: None, workers: int | None = None,
          progress: ProgressFactory | None = None) -> list[Path]:
    """Build every figure of a figures file into `out`; returns the files written."""
    path = Path(path)
    spec = load_figures(path)
    out = Path(out)
    check_creatable(out)
    out.mkdir(parents=True, exist_ok=True)
    builder = Builder(path, Path(sweeps_dir), log, workers, progress)
    written = []
    for index, figure in enumerate(spec.figures, start=1):
        log(f"[{index}/{len(spec.figures)}] {figure.id} ({figure.kind})")
        try:
            fig, provenance = builder.draw(figure)
        except InputError as exc:  # a problem found while drawing is the figures file's: say which figure
            raise InputError([issue if not issue.file.startswith("<") else
                              replace(issue, file=f"{path} (figure {figure.id})") for issue in exc.issues]) from None
        provenance["versions"] = _versions()
        files = {}
        for fmt in figure.formats or spec.formats:
            data = figure_bytes(fig, fmt)
            target = out / f"{figure.id}.{fmt}"
            write_file(target, data)
            files[target.name] = hashlib.sha256(data).hexdigest()
            written.append(target)
        provenance["files"] = files
        sidecar = out / f"{figure.id}.json"
        write_file(sidecar, (json.dumps(provenance, indent=2, sort_keys=True) + "\n").encode("utf-8"))
        written.append(sidecar)
    return written
