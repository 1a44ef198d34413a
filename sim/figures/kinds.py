"""One function per figure kind. Each takes tables (pandas) and returns a matplotlib Figure in
the house style; none reads files or runs the model (sim/figures/build.py does that).

Figures are made without pyplot, so drawing one opens no window, needs no backend and leaves no
global state behind (a notebook shows a returned Figure as it is).
"""

from __future__ import annotations

import textwrap
from contextlib import contextmanager
from pathlib import Path

import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from ..decision import OPTIONS, TERMS

STYLE = Path(__file__).with_name("alignsim.mplstyle")
STATUS_COLOURS = {"outside": "#999999", "partner": "#88CCEE", "member": "#332288", "seeking": "#CC6677"}
TERM_COLOURS = dict(zip(TERMS, ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#EE7733",
                                "#CC6677", "#882255", "#AA4499", "#777777", "#000000"]))
TERM_LABELS = {name: name.replace("_", " ") for name in TERMS}
MARKER_COLOURS = ["#CC6677", "#44AA99", "#DDCC77", "#882255", "#117733"]
SINGLE_COLUMN = 3.5  # inches
OUTPUT_LABELS = {
    "seeking_membership": "P(seeking membership) at the end",
    "p_member_final": "P(choosing membership) at the end",
    "ever_applied": "P(ever applied)",
    "final_status": "final status (0 outside, 1 member)",
}


def parameter_label(path: str) -> str:
    """A short, readable label for a dotted parameter path."""
    parts = path.split(".")
    last = parts[-1].replace("_", " ")
    if parts[0] == "states" and len(parts) == 4:
        return f"{last} ({parts[1]})"
    if parts[:2] == ["decision", "weights"]:
        return f"weight: {last}"
    if parts[0] == "powers":
        return f"{parts[1].capitalize()}: {last}"
    if parts[0] == "bloc":
        return f"bloc {last}" if parts[1] != "appetite" else f"appetite for {last}"
    return last


@contextmanager
def house_style():
    with matplotlib.style.context(str(STYLE)):
        yield


def _decimal_year(dates) -> np.ndarray:
    parts = pd.Series(list(dates)).str.split("-", expand=True).astype(int)
    return (parts[0] + (parts[1] - 1) / 12).to_numpy()


def _wilson(p: np.ndarray, n: int, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def timeline(timeseries: pd.DataFrame, states: list[str], marks: list[tuple[str, str]], title: str = "") -> Figure:
    """Share of replications in each status over time, with 95% bands, and key events marked.

    `marks` is a list of (month, label)."""
    shares = {}
    for state in states:
        by_month = timeseries[timeseries.state == state].groupby("date")
        dates = sorted(by_month.groups)
        shares[state] = {option: by_month["status"].apply(lambda s, o=option: (s == o).mean()).reindex(dates).to_numpy()
                         for option in OPTIONS}
        shares[state]["seeking"] = by_month["seeking_membership"].mean().reindex(dates).to_numpy()
    return timeline_of_shares(shares, dates, timeseries["replication"].nunique(), marks, title)


def timeline_of_shares(shares: dict[str, dict[str, np.ndarray]], dates: list[str], replications: int,
                       marks: list[tuple[str, str]], title: str = "") -> Figure:
    """The timeline from each state's monthly shares ({option or "seeking": share per month in
    `dates`}), as a run tallies them without keeping its timeseries (`sim.run.Tally.shares`)."""
    states = list(shares)
    grouped: list[tuple[str, str]] = []  # marks falling in the same month share a number
    for month, label in sorted(marks):
        if grouped and grouped[-1][0] == month:
            grouped[-1] = (month, f"{grouped[-1][1]}, {label}")
        else:
            grouped.append((month, label))
    with house_style():
        fig = Figure(figsize=(SINGLE_COLUMN, 1.7 * len(states) + 0.9))
        axes = fig.subplots(len(states), 1, sharex=True, squeeze=False)
        x = _decimal_year(dates)
        for ax, state in zip(axes[:, 0], states):
            for name, share in shares[state].items():
                low, high = _wilson(share, replications)
                style = "--" if name == "seeking" else "-"
                label = "seeking membership" if name == "seeking" else name
                ax.fill_between(x, low, high, color=STATUS_COLOURS[name], alpha=0.25, linewidth=0)
                ax.plot(x, share, style, color=STATUS_COLOURS[name], label=label)
            for number, (month, _) in enumerate(grouped, start=1):
                position = _decimal_year([month])[0]
                ax.axvline(position, color="black", linewidth=0.5, linestyle=":")
                ax.text(position, 1.03, str(number), ha="center", va="bottom", fontsize=6,
                        transform=ax.get_xaxis_transform())
            ax.set_ylim(0, 1)
            ax.set_ylabel(f"{state}\nshare of replications")
        axes[-1, 0].set_xlabel("year")
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=2, bbox_to_anchor=(0.5, 0.055), columnspacing=1.0,
                   handlelength=1.6)
        key = "   ".join(f"{number} {label}" for number, (_, label) in enumerate(grouped, start=1))
        fig.text(0.5, 0.01, f"{key}\nshaded: 95% interval over {replications} replications", ha="center",
                 va="bottom", fontsize=6)
        if title:
            fig.suptitle(title, y=1.0)
        fig.tight_layout(rect=(0, 0.2, 1, 0.95 if title else 1))
    return fig


def why(explained: pd.DataFrame, states: list[str], date: str) -> Figure:
    """Each state's utility for each option, split by mechanism (stacked bars, utility units),
    with the total marked; under a rule without utilities, what the rule decides on instead."""
    if "term" not in explained:
        return _why_drivers(explained, states, date)
    with house_style():
        fig = Figure(figsize=(SINGLE_COLUMN, 1.25 * len(states) + 1.6))
        axes = fig.subplots(len(states), 1, sharex=True, squeeze=False)
        for ax, state in zip(axes[:, 0], states):
            rows = explained[explained.state == state]
            for y, option in enumerate(OPTIONS):
                values = rows[rows.option == option].set_index("term")["utility"].reindex(TERMS).to_numpy()
                positive, negative = 0.0, 0.0
                for term, value in zip(TERMS, values):
                    if value >= 0:
                        ax.barh(y, value, left=positive, color=TERM_COLOURS[term], height=0.7, label=TERM_LABELS[term])
                        positive += value
                    else:
                        ax.barh(y, value, left=negative, color=TERM_COLOURS[term], height=0.7, label=TERM_LABELS[term])
                        negative += value
                ax.plot(values.sum(), y, "o", color="white", markeredgecolor="black", markersize=4, zorder=3)
                probability = rows[rows.option == option]["probability"].iloc[0]
                ax.text(1.02, y, f"P={probability:.2f}", transform=ax.get_yaxis_transform(), va="center", fontsize=6)
            ax.axvline(0, color="black", linewidth=0.6)
            ax.set_yticks(range(len(OPTIONS)), OPTIONS)
            ax.invert_yaxis()
            ax.set_title(f"{state}, {date}", loc="left")
        axes[-1, 0].set_xlabel("utility contribution (weighted; o = total)")
        handles, labels = axes[0, 0].get_legend_handles_labels()
        unique = dict(zip(labels, handles))
        fig.legend(unique.values(), unique.keys(), loc="lower center", ncol=3, bbox_to_anchor=(0.5, 0.0),
                   handlelength=1.0, columnspacing=0.8)
        rows_of_legend = int(np.ceil(len(unique) / 3))
        fig.tight_layout(rect=(0, 0.045 * rows_of_legend + 0.02, 0.93, 1))
    return fig


def why_shares(shares: pd.DataFrame, states: list[str], date: str) -> Figure:
    """Each state's choice between membership and staying outside split by mechanism: each term's
    signed share of U(member) - U(outside), the median over posterior draws with its 90% interval."""
    with house_style():
        fig = Figure(figsize=(SINGLE_COLUMN, 1.6 * len(states) + 0.8))
        axes = fig.subplots(len(states), 1, sharex=True, squeeze=False)
        for ax, state in zip(axes[:, 0], states):
            rows = shares[(shares.state == state) & ((shares.share_low90 != 0) | (shares.share_high90 != 0))]
            rows = rows.assign(size=rows.share.abs()).sort_values("size", ascending=False)
            y = np.arange(len(rows))
            ax.barh(y, rows.share, color=[TERM_COLOURS[t] for t in rows.term], height=0.7)
            ax.errorbar(rows.share, y, xerr=[rows.share - rows.share_low90, rows.share_high90 - rows.share],
                        fmt="none", ecolor="black", elinewidth=0.7, capsize=1.5)
            ax.set_yticks(y, [TERM_LABELS[t] for t in rows.term])
            ax.invert_yaxis()
            ax.axvline(0, color="black", linewidth=0.6)
            ax.set_title(f"{state}, {date}", loc="left")
        axes[-1, 0].set_xlabel(f"share of U(member) − U(outside)\nmedian and 90% interval over "
                               f"{int(shares.draws.max())} posterior draws")
        axes[-1, 0].xaxis.set_major_formatter(lambda value, _: f"{value:+.0%}")
        fig.tight_layout()
    return fig


def _why_drivers(explained: pd.DataFrame, states: list[str], date: str) -> Figure:
    """Each state's drivers of a rule without utilities (bars: thresholds, shares of aligned ties,
    returns open on each side, on a [0, 1] axis of shares; or frustration, energies and
    propensities, on an axis of their own), with the options' probabilities."""
    drivers = [column for column in explained.columns if column not in ("state", "option", "probability")]
    with house_style():
        fig = Figure(figsize=(SINGLE_COLUMN, 0.22 * len(drivers) * len(states) + 1.0))
        axes = fig.subplots(len(states), 1, sharex=True, squeeze=False)
        for ax, state in zip(axes[:, 0], states):
            rows = explained[explained.state == state]
            values = rows[drivers].iloc[0].to_numpy(float)
            ax.barh(range(len(drivers)), values, color=MARKER_COLOURS[: len(drivers)], height=0.7)
            ax.set_yticks(range(len(drivers)), [name.replace("_", " ") for name in drivers])
            ax.invert_yaxis()
            chances = "  ".join(f"P({o})={p:.2f}" for o, p in zip(rows.option, rows.probability))
            ax.set_title(f"{state}, {date}: {chances}", loc="left", fontsize=6)
        values = explained[drivers].to_numpy(float)
        if ((values >= 0) & (values <= 1)).all():
            axes[-1, 0].set_xlim(0, 1)
            axes[-1, 0].set_xlabel("share")
        else:
            for ax in axes[:, 0]:
                ax.axvline(0, color="black", linewidth=0.6)
            axes[-1, 0].set_xlabel("value")
        fig.tight_layout()
    return fig


def phase_diagram(grid: pd.DataFrame, x: str, y: str, value: str, x_label: str, y_label: str,
                  markers: list[tuple[str, float, float]]) -> Figure:
    """Mean of `value` over a grid of (x, y), with states placed at their data."""
    with house_style():
        table = grid.pivot_table(index=y, columns=x, values=value, aggfunc="mean").sort_index().sort_index(axis=1)
        fig = Figure(figsize=(SINGLE_COLUMN, 2.9))
        ax = fig.subplots()
        xs, ys = table.columns.to_numpy(float), table.index.to_numpy(float)
        mesh = ax.pcolormesh(_edges(xs), _edges(ys), table.to_numpy(float), cmap="cividis", vmin=0, vmax=1,
                             shading="flat")
        colourbar = fig.colorbar(mesh, ax=ax)
        colourbar.set_label("P(seeking membership)")
        for label, mx, my in markers:
            ax.plot(mx, my, "o", color="white", markeredgecolor="black", markersize=5)
            ax.annotate(label, (mx, my), xytext=(4, 4), textcoords="offset points", fontsize=7, color="black",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        fig.tight_layout()
    return fig


def _edges(centres: np.ndarray) -> np.ndarray:
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    middle = (centres[:-1] + centres[1:]) / 2
    return np.concatenate([[centres[0] - (middle[0] - centres[0])], middle, [centres[-1] + (centres[-1] - middle[-1])]])


def sobol_indices(table: pd.DataFrame) -> Figure:
    """Sobol' first-order and total indices (or Morris mu*) with 95% confidence intervals."""
    with house_style():
        sobol = "S1" in table
        pairs = [("S1", "S1_conf", "first order"), ("ST", "ST_conf", "total")] if sobol else [
            ("mu_star", "mu_star_conf", "mu*")]
        names = [parameter_label(p) for p in table["parameter"]]
        positions = np.arange(len(names))
        height = 0.8 / len(pairs)
        fig = Figure(figsize=(SINGLE_COLUMN, 0.28 * len(names) + 1.0))
        ax = fig.subplots()
        colours = ["#332288", "#88CCEE"]
        for i, (value, conf, label) in enumerate(pairs):
            ax.barh(positions + i * height, table[value], height, xerr=table[conf], label=label, color=colours[i],
                    error_kw={"elinewidth": 0.6, "capsize": 1.5})
        ax.set_yticks(positions + height * (len(pairs) - 1) / 2, names)
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_xlabel("Sobol' index (share of variance)" if sobol else "Morris mu* (output units)")
        ax.set_title(f"{table['state'].iloc[0]}: {OUTPUT_LABELS.get(table['output'].iloc[0], table['output'].iloc[0])}",
                     loc="left")
        ax.legend(loc="upper right")
        fig.tight_layout()
    return fig


def network(summary: pd.DataFrame, edges: list[tuple[str, str]], positions: dict[str, tuple[float, float]]) -> Figure:
    """The states as a network (peers linked), each coloured by its probability of seeking membership."""
    with house_style():
        fig = Figure(figsize=(SINGLE_COLUMN, 2.8))
        ax = fig.subplots()
        for a, b in edges:
            ax.plot([positions[a][0], positions[b][0]], [positions[a][1], positions[b][1]], color="#777777",
                    linewidth=0.8, zorder=1)
        cmap = colormaps["cividis"]
        for row in summary.itertuples(index=False):
            px, py = positions[row.state]
            ax.scatter([px], [py], s=260, color=cmap(row.p_seeking_membership), edgecolor="black", linewidth=0.6, zorder=2)
            ax.annotate(f"{row.state}\n{row.p_seeking_membership:.2f}", (px, py), xytext=(0, -15),
                        textcoords="offset points", ha="center", va="top", fontsize=6.5)
        mappable = ScalarMappable(cmap=cmap, norm=Normalize(0, 1))
        fig.colorbar(mappable, ax=ax, label="P(seeking membership)")
        ax.set_axis_off()
        ax.margins(0.18)
        fig.tight_layout()
    return fig


def reliability(predictions: pd.DataFrame, bins: int = 5) -> Figure:
    """Reliability diagram: observed frequency against predicted probability, in equal-width bins,
    with the number of decisions in each bin."""
    with house_style():
        fig = Figure(figsize=(SINGLE_COLUMN, SINGLE_COLUMN))
        ax = fig.subplots()
        edges = np.linspace(0, 1, bins + 1)
        index = np.clip(np.digitize(predictions["p_model"], edges[1:-1]), 0, bins - 1)
        ax.plot([0, 1], [0, 1], ":", color="#777777", label="perfectly calibrated")
        xs, ys, counts = [], [], []
        for b in range(bins):
            chosen = predictions[index == b]
            if len(chosen):
                xs.append(chosen["p_model"].mean())
                ys.append(chosen["observed"].mean())
                counts.append(len(chosen))
        ax.plot(xs, ys, "o-", color="#332288", label="model")
        for x, y, n in zip(xs, ys, counts):
            ax.annotate(f"n={n}", (x, y), xytext=(4, -10), textcoords="offset points", fontsize=6)
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("predicted probability of accepting or applying")
        ax.set_ylabel("observed share that accepted or applied")
        ax.legend(loc="lower right")
        fig.tight_layout()
    return fig


QUESTION_COLOURS = {"accept membership": STATUS_COLOURS["member"], "become a member": STATUS_COLOURS["member"],
                    "take partner status": "#44AA99", "apply for membership": STATUS_COLOURS["seeking"]}


def forecast(table: pd.DataFrame, title: str = "") -> Figure:
    """A forecast: each state's questions, the probability as a dot and its interval as a bar, in
    the table's order from the top, coloured by question."""
    with house_style():
        fig = Figure(figsize=(SINGLE_COLUMN * 1.6, 0.8 + 0.16 * len(table)))
        ax = fig.subplots()
        y = np.arange(len(table))[::-1]
        for question, colour in QUESTION_COLOURS.items():
            rows = (table.question == question).to_numpy()
            if rows.any():
                part = table[rows]
                ax.errorbar(part.probability, y[rows], xerr=[part.probability - part.low, part.high - part.probability],
                            fmt="o", markersize=3, color=colour, elinewidth=1, capsize=0, label=question)
        ax.set_yticks(y, [f"{s}: {q}" for s, q in zip(table.state, table.question)], fontsize=6)
        ax.set_ylim(-0.8, len(table) - 0.2)
        ax.set_xlim(0, 1)
        ax.set_xlabel("probability, with its 95% interval")
        ax.legend(loc="lower right", fontsize=6)
        if title:
            ax.set_title(title)
        fig.tight_layout()
    return fig


def peeling_trajectory(trajectory: pd.DataFrame, chosen: int, title: str = "") -> Figure:
    """PRIM's peeling trajectory: coverage against density of each box, coloured by the number of
    restricted parameters, with the chosen box circled."""
    with house_style():
        fig = Figure(figsize=(SINGLE_COLUMN, 2.9))
        ax = fig.subplots()
        ax.plot(trajectory.coverage, trajectory.density, "-", color="#777777", linewidth=0.6, zorder=1)
        points = ax.scatter(trajectory.coverage, trajectory.density, c=trajectory.res_dim, cmap="cividis", s=12,
                            zorder=2)
        ax.plot(trajectory.coverage.iloc[chosen], trajectory.density.iloc[chosen], "o", markersize=9,
                markerfacecolor="none", markeredgecolor="#CC6677", markeredgewidth=1.2, zorder=3, label="chosen box")
        fig.colorbar(points, ax=ax, label="parameters restricted")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("coverage (share of all cases in the box)")
        ax.set_ylabel("density (share of the box that are cases)")
        ax.legend(loc="lower left")
        if title:
            ax.set_title(title, loc="left", fontsize=7)
        fig.tight_layout()
    return fig


def prim_box(box: pd.DataFrame, coverage: float, density: float, markers: list[tuple[str, dict[str, float]]],
             title: str = "") -> Figure:
    """A PRIM box: each restricted parameter's limits within its swept range (scaled to 0-1), with
    the quasi-p value of each restricted side, and scenarios placed at their values (`markers`:
    label, {parameter: value})."""
    with house_style():
        fig = Figure(figsize=(SINGLE_COLUMN, 0.42 * len(box) + 1.3))
        ax = fig.subplots()
        positions = np.arange(len(box))
        span = (box.maximum - box.minimum).to_numpy(float)
        lower = (box.lower.to_numpy(float) - box.minimum.to_numpy(float)) / span
        upper = (box.upper.to_numpy(float) - box.minimum.to_numpy(float)) / span
        ax.barh(positions, np.ones(len(box)), left=0, height=0.6, color="#DDDDDD", label="swept range")
        ax.barh(positions, upper - lower, left=lower, height=0.6, color="#332288", label="box")
        for y, row in zip(positions, box.itertuples(index=False)):
            ax.text(-0.02, y, f"{row.minimum:.3g}", ha="right", va="center", fontsize=6)
            ax.text(1.02, y, f"{row.maximum:.3g}", ha="left", va="center", fontsize=6)
            limits = [f"{sign} {value:.3g} (p={p:.2g})" for sign, value, p in
                      ((">=", row.lower, row.qp_lower), ("<=", row.upper, row.qp_upper)) if np.isfinite(p)]
            ax.text(0.5, y - 0.42, ",  ".join(limits), ha="center", va="center", fontsize=5.5)
        for number, (label, values) in enumerate(markers):
            scaled = [(values[p] - lo) / (hi - lo) for p, lo, hi in zip(box.parameter, box.minimum, box.maximum)]
            ax.plot(scaled, positions, "Dos^v"[number % 5], color=MARKER_COLOURS[number % len(MARKER_COLOURS)],
                    markeredgecolor="black", markersize=4, label=label, zorder=3)
        ax.set_yticks(positions, [parameter_label(p) for p in box.parameter])
        ax.set_ylim(len(box) - 0.4, -0.8)
        ax.set_xlim(-0.12, 1.12)
        ax.set_xticks([])
        ax.set_xlabel(f"share of the swept range; coverage {coverage:.0%}, density {density:.0%}")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, handlelength=1.2)
        if title:
            ax.set_title(title, loc="left", fontsize=7)
        fig.tight_layout()
    return fig


def landscape(actors: tuple[str, ...], sides: np.ndarray, energy: np.ndarray, rank: np.ndarray,
              switched: np.ndarray, title: str = "", rows: int = 30) -> Figure:
    """Energies of the configurations near the local minima (`sim.landscape.near_minima`), lowest
    first, at most `rows`, as their height above the lowest minimum: each minimum a dark bar, each
    neighbour a light bar labelled with the actor whose switch leads to it from its minimum; the
    minima's coalitions are written out below."""
    shown = slice(0, min(rows, len(energy)))
    labels = [f"minimum {r + 1}" if k < 0 else f"minimum {r + 1}, {actors[k]} switched"
              for r, k in zip(rank[shown], switched[shown])]
    minima = [(r, side) for r, side, k in zip(rank, sides, switched) if k < 0]
    notes = []
    for r, side in sorted(minima, key=lambda item: item[0])[:3]:
        coalitions = "  |  ".join(", ".join(a for a, apart in zip(actors, side) if apart == s) for s in (False, True))
        notes.append(textwrap.fill(f"minimum {r + 1} (E = {energy[rank == r][0]:.4g}): {coalitions}", 120))
    if len(minima) > 3:
        notes.append(f"... and {len(minima) - 3} more {'minimum' if len(minima) == 4 else 'minima'}")
    note = "\n".join(notes)
    with house_style():
        fig = Figure(figsize=(SINGLE_COLUMN * 2, 0.16 * len(labels) + 1.2 + 0.12 * note.count("\n")))
        ax = fig.subplots()
        positions = np.arange(len(labels))
        colours = np.where(switched[shown] < 0, "#332288", "#88CCEE")
        ax.barh(positions, energy[shown] - energy[0], color=colours, height=0.7)
        at_minimum = switched[shown] < 0  # a marker, so that the lowest minimum's empty bar shows
        ax.plot((energy[shown] - energy[0])[at_minimum], positions[at_minimum], "D", color="#332288", markersize=3)
        ax.set_yticks(positions, labels, fontsize=5.5)
        ax.invert_yaxis()
        ax.set_xlabel("energy above the lowest minimum (dark: a local minimum; light: one switch away from one)")
        if title:
            ax.set_title(title, loc="left", fontsize=7)
        fig.text(0.01, 0.01, note, fontsize=5, va="bottom", ha="left")
        fig.tight_layout(rect=(0, 0.02 + 0.03 * (note.count("\n") + 1), 1, 1))
    return fig


BASELINE_STYLES = {"base rate": "--", "logistic regression": ":"}


def rule_comparison(scores: pd.DataFrame) -> Figure:
    """The decision rules on the same record: each rule's out-of-sample log-loss with its 95%
    paired-bootstrap interval, one panel per level and split, each on its own scale (a decision's
    log-loss, a status's, a whole history's), the baselines as vertical lines (`alignsim
    compare-rules`' scores.csv)."""
    panels = list(dict.fromkeys(zip(scores.level, scores.split)))
    rules = [p for p in dict.fromkeys(scores.predictor) if p not in BASELINE_STYLES]
    with house_style():
        fig = Figure(figsize=(SINGLE_COLUMN * 2, 0.6 + 0.35 * len(rules) * len(panels)))
        axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
        for ax, (level, split) in zip(axes, panels):
            part = scores[(scores.level == level) & (scores.split == split)].set_index("predictor")
            shown = [rule for rule in rules if rule in part.index]
            ys = np.arange(len(shown))[::-1]
            rows = part.loc[shown]
            ax.errorbar(rows.log_loss, ys, xerr=[rows.log_loss - rows.log_loss_low95,
                                                 rows.log_loss_high95 - rows.log_loss],
                        fmt="o", color="#332288", capsize=2)
            for name, style in BASELINE_STYLES.items():
                if name in part.index:
                    ax.axvline(part.loc[name, "log_loss"], linestyle=style, color="#777777", label=name)
            ax.set_yticks(ys, shown)
            ax.set_ylim(-0.6, len(shown) - 0.4)
            ax.set_title(f"{level} level, {split} (n = {int(part.n.iloc[0])})", fontsize=8, loc="left")
        axes[0].legend(loc="best", fontsize=7)
        axes[-1].set_xlabel("out-of-sample log-loss (lower is better), 95% paired-bootstrap interval")
        fig.tight_layout()
    return fig
