"""The browser dashboard: a Mesa SolaraViz app over `DashboardModel`.

`solara run sim.viz.app` serves `Page` (what `sim.viz.serve`, and `alignsim viz`, do). The page:

- sidebar: the scenario (a bundled one, or any file by path); SolaraViz's controls (Reset, play,
  Step, play and render intervals) and the model parameters (the pressures' sliders, a draw of
  the bundled posterior's weights and rates, and the seed), which take effect on Reset;
- main area: the states as a network coloured by status (states sharing a region are linked), a
  table of every state's status, option probabilities and the powers' reactions in force against
  it, the run's events as they happen (events.csv's deeds: applications, invitations, declines,
  statuses taken up, the powers' reactions), the statuses over time, and for the state in focus
  its option probabilities over time and its choice explained by mechanism: each utility term's
  weighted contribution to U(member) - U(outside) in the current month.

A scenario that fails its check shows its problems in the page, one per line; nothing stops the
server. A slider whose value replaces a change the scenario makes on a date shows a warning
naming the event, its date, and how to run it as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import solara
from matplotlib.figure import Figure  # figures drawn without pyplot: no global state, any thread
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from .. import decision as d
from .model import (
    ALL_STATES, LABELS, SCENARIO_VALUES, TARGET_LABEL, DashboardModel, Loaded, bundled_scenarios, default_scenario,
    load, posterior_draws,
)

REACTIONS = ("Russia's retaliation", "the West's reaction")
"""The powers' reactions, in the order `DashboardModel.current_reactions` gives them."""
POWERS = ("Russia", "West")
"""Who reacts, in the same order: the states' table names a reaction by its power."""
REACTION_TERMS = {"refusal_retaliation": 0, "western_threat": 1}
"""The term through which each reaction (by its index in REACTIONS) enters a state's utilities."""
DEEDS = {
    "invited as partner": "{actor} invited {state} as partner",
    "invited as member": "{actor} invited {state} as member",
    "retaliation": "{actor} retaliated against {state} (size {value:.2f})",
    "secondary sanctions": "{actor} imposed secondary sanctions on {state} (size {value:.2f})",
}
"""How the events panel words a deed of events.csv by another actor than the state itself (a
state's own deed reads "{state} {event}": "Kazakhstan declined the invitation")."""
STATUS_COLOURS = {"outside": "#9aa0a6", "partner": "#f29e4c", "member": "#2a7fba"}
PENDING_COLOUR = "#c0392b"
TOWARD_MEMBER, TOWARD_OUTSIDE = "#2a7fba", "#c0392b"
TERM_LABELS = {
    "sanction_relief": "sanction relief (nothing to lose)",
    "western_exposure": "Western stake at risk",
    "western_threat": "Western threat against joiners",
    "patron_pressure": "Russia's pressure to join",
    "refusal_retaliation": "Russia's retaliation for refusal",
    "diversification": "diversification from Russia",
    "autonomy": "autonomy (wariness of Russia)",
    "bloc_benefits": "the bloc's benefits",
    "accession_friction": "accession friction (refusal)",
    "substitutes": "substitutes (access elsewhere)",
    "peer_influence": "regional peers aligned",
    "switching_cost": "switching cost",
}


@dataclass(frozen=True)
class Opened:
    """The scenario file the page shows, and how many times a file was opened in this session.

    One value, set once per open: with the path and a reload counter in two reactive values,
    opening a file rebuilt the page twice, and a control used between the two rebuilds (typing a
    path, pressing Step) belonged to a page about to vanish.
    """

    path: str
    count: int = 0


# Per browser session (each Solara kernel has its own value).
opened = solara.reactive(Opened(default_scenario()))
focus_state = solara.reactive("")


def model_params(loaded: Loaded) -> dict:
    """SolaraViz's model parameters for a scenario: the sliders start at the scenario's values."""
    scenario = loaded.scenario
    states = list(scenario.states) if scenario is not None else []
    retaliation = scenario.powers.russia.retaliation_for_refusal.value if scenario else 0.5
    benefits = scenario.bloc.benefits.value if scenario else 0.6
    rationality = scenario.decision.rationality if scenario else 3.0
    seed = scenario.run.seed if scenario else 1
    return {
        "scenario_path": loaded.path,
        "sanctions_target": {
            "type": "Select",
            "label": TARGET_LABEL,
            "value": SCENARIO_VALUES,
            "values": [SCENARIO_VALUES, ALL_STATES, *states],
        },
        "sanctions": Slider(LABELS["sanctions"], value=0.0, min=0.0, max=1.0, step=0.05, dtype=float),
        "engagement": Slider(LABELS["engagement"], value=0.5, min=0.0, max=1.0, step=0.05, dtype=float),
        "retaliation": Slider(LABELS["retaliation"], value=float(retaliation), min=0.0, max=1.0,
                              step=0.05, dtype=float),
        "benefits": Slider(LABELS["benefits"], value=float(benefits), min=0.0, max=1.0, step=0.05, dtype=float),
        "rationality": Slider(LABELS["rationality"], value=float(rationality), min=0.0,
                              max=max(10.0, float(rationality)), step=0.1, dtype=float),
        "draw": Slider(LABELS["draw"], value=0, min=0, max=posterior_draws(), step=1, dtype=int),
        "seed": Slider(LABELS["seed"], value=int(seed), min=0, max=max(1000, int(seed)), step=1, dtype=int),
    }


def initial_kwargs(params: dict) -> dict:
    """The keyword arguments SolaraViz would pass at its first Reset: the parameters' start values."""
    out = {}
    for name, option in params.items():
        if isinstance(option, Slider):
            out[name] = option.value
        elif isinstance(option, dict) and "type" in option:
            out[name] = option["value"]
        else:
            out[name] = option
    return out


# --- The sidebar: which scenario ---------------------------------------------------------------


@solara.component
def ScenarioPicker():
    bundled = bundled_scenarios()
    current = opened.value.path
    typed, set_typed = solara.use_state(current)
    latest = solara.use_ref(current)  # the text as typed, for the Enter key and Open button handlers
    chosen = next((name for name, path in bundled.items() if Path(path).resolve() == Path(current).resolve()), None)

    def on_text(text: str | None):
        latest.current = text or ""
        set_typed(latest.current)

    def open_path(path: str | None):
        path = (path or "").strip()
        if path:
            on_text(path)
            opened.set(Opened(path, opened.value.count + 1))

    with solara.Card("Scenario", margin=0):
        if bundled:
            solara.Select("Bundled scenario", values=list(bundled), value=chosen,
                          on_value=lambda name: open_path(bundled[name]))
        field = solara.v.TextField(label="Or open a file (path, then Enter)", v_model=typed, on_v_model=on_text,
                                   hide_details=True, class_="alignsim-path")
        solara.v.use_event(field, "keyup.enter", lambda *_: open_path(latest.current))
        with solara.Row():
            solara.Button("Open", on_click=lambda: open_path(latest.current), outlined=True)
            solara.Button("Reload file", on_click=lambda: open_path(current), text=True)
        solara.Text("Sliders and seed take effect on Reset. A slider's value holds for the whole run, "
                    "replacing the scenario's value and dated events that change it.",
                    style={"font-size": "0.8em", "color": "#666"})


@solara.component
def Layout(children=[]):
    """No default AppLayout around the page: `Page` makes its own (see there)."""
    return solara.Div(children=children, style={"height": "100%"})


@solara.component
def Page():
    # Each scenario opened gets a new layout, dashboard and model: SolaraViz's controls and the
    # sliders (which live in the layout's sidebar) start afresh at the new scenario's values.
    with solara.AppLayout().key(f"{opened.value.path}#{opened.value.count}") as layout:
        Dashboard(opened.value.path)
    return layout


@solara.component
def Dashboard(path: str):
    with solara.Sidebar():
        ScenarioPicker()
    loaded = solara.use_memo(lambda: load(path), [])
    params = solara.use_memo(lambda: model_params(loaded), [])
    first = solara.use_memo(lambda: DashboardModel(**initial_kwargs(params)), [])
    model = solara.use_reactive(first)
    title = loaded.scenario.title or loaded.scenario.name if loaded.scenario else Path(path).name
    name = f"alignsim: {title}"
    solara.Title(name)  # the browser tab's, which is otherwise Solara's
    with solara.Column(style={"width": "100%"}):
        Issues(model.value)
        ReplacedEvents(model.value)
        SolaraViz(model, components=[], model_params=params, name=name)
        if model.value.timeline is not None:
            Panels(model.value)


# --- The main area -----------------------------------------------------------------------------


@solara.component
def Issues(model: DashboardModel):
    if not model.issues:
        return
    count = len(model.issues)
    with solara.Error(f"{model.scenario_path} fails its check ({count} problem{'s' if count != 1 else ''}); "
                      "fix the file and press Reload file, or open another scenario.",
                      classes=["alignsim-issues"]):
        for issue in model.issues:
            solara.v.Html(tag="div", children=[issue], class_="alignsim-issue",
                          style_="font-family: monospace; white-space: pre-wrap")


@solara.component
def ReplacedEvents(model: DashboardModel):
    if not model.replaced_events:
        return
    count = len(model.replaced_events)
    with solara.Warning(f"The sliders replace {count} dated change{'s' if count != 1 else ''} of the scenario:",
                        classes=["alignsim-replaced"]):
        for line in model.replaced_events:
            solara.v.Html(tag="div", children=[line], class_="alignsim-replaced-event")


@solara.component
def Panels(model: DashboardModel):
    update_counter.get()  # re-render after every step (SolaraViz's force_update)
    states = list(model.timeline.states)
    focus = focus_state.value if focus_state.value in states else states[0]
    with solara.Column(style={"width": "100%"}):
        MonthBanner(model)
        with solara.Columns([1, 1]):
            with solara.Column(style={"width": "100%"}):
                with solara.Card("States by status (linked: same region)", margin=0):
                    NetworkView(model)
                with solara.Card("Events: what each actor did, latest month first", margin=0):
                    EventsPanel(model)
            with solara.Card("States", margin=0):
                StateTable(model, focus)
        with solara.Card("Statuses over time", margin=0):
            StatusPlot(model)
        with solara.Card(f"Focus: {focus}", margin=0):
            solara.Select("State in focus", values=states, value=focus, on_value=focus_state.set,
                          classes=["alignsim-focus"])
            with solara.Columns([1, 1]):
                ProbabilityPlot(model, focus)
                with solara.Column():
                    TermsPlot(model, focus)
                    FocusReactions(model, focus)


def _month_text(model: DashboardModel) -> str:
    if not model.months_run:
        return f"Before the first month ({model.timeline.dates[0]}); 0 of {model.n_months} months run"
    end = " (end of the calendar)" if not model.running else ""
    return f"Month {model.date}: {model.months_run} of {model.n_months} months run{end}"


@solara.component
def MonthBanner(model: DashboardModel):
    update_counter.get()
    overrides = ", ".join(f"{k}={v}" for k, v in model.overrides.items() if not k.startswith("events."))
    solara.Text(_month_text(model), classes=["alignsim-month"], style={"font-weight": "bold"})
    solara.Text(f"Pressures set on the sliders: {overrides or 'none (the scenario as written)'}",
                classes=["alignsim-overrides"], style={"font-size": "0.9em"})
    solara.Text(model.weights_source, classes=["alignsim-weights"], style={"font-size": "0.9em"})


@solara.component
def Plot(draw, css_class: str, dependencies: list):
    """A matplotlib figure as a PNG, drawn again only when `dependencies` change."""
    figure = solara.use_memo(draw, dependencies)
    with solara.Div(classes=[css_class]):
        solara.FigureMatplotlib(figure, dependencies=dependencies, format="png", dpi=100)


def network_positions(model: DashboardModel) -> dict[int, tuple[float, float]]:
    """Regions around a circle, each region's states around its point."""
    regions = list(dict.fromkeys(model.timeline.regions))
    positions = {}
    for r, region in enumerate(regions):
        centre = np.array([np.cos(2 * np.pi * r / len(regions)), np.sin(2 * np.pi * r / len(regions))])
        if len(regions) == 1:
            centre = np.zeros(2)
        members = [i for i, reg in enumerate(model.timeline.regions) if reg == region]
        for k, i in enumerate(members):
            offset = 0.0 if len(members) == 1 else 0.42
            angle = np.pi + 2 * np.pi * k / len(members)
            positions[i] = tuple(centre + offset * np.array([np.cos(angle), np.sin(angle)]))
    return positions


def draw_network(model: DashboardModel) -> Figure:
    fig = Figure(figsize=(4.8, 3.9))
    fig.subplots_adjust(left=0, right=1, top=0.98, bottom=0.08)
    ax = fig.subplots()
    positions = network_positions(model)
    graph = model.network.G
    for a, b in graph.edges:
        (xa, ya), (xb, yb) = positions[a], positions[b]
        ax.plot([xa, xb], [ya, yb], color="#bbbbbb", linewidth=2, zorder=1)
    seeking = model.seeking()
    for state in model.states:
        x, y = positions[state.index]
        ax.scatter([x], [y], s=900, color=STATUS_COLOURS[state.status], zorder=2,
                   edgecolors=PENDING_COLOUR if seeking[state.index] else "white",
                   linewidths=3.5 if seeking[state.index] else 1.5)
        ax.annotate(state.name, (x, y), xytext=(0, -24), textcoords="offset points", ha="center", va="top",
                    fontsize=9)
    regions = list(dict.fromkeys(model.timeline.regions))
    for region in regions:
        members = [positions[i] for i, reg in enumerate(model.timeline.regions) if reg == region]
        cx, cy = np.mean(members, axis=0)
        top = max(y for _, y in members)
        ax.annotate(region, (cx, top), xytext=(0, 20), textcoords="offset points", ha="center", fontsize=8,
                    color="#666666", style="italic")
    handles = [ax.scatter([], [], s=80, color=c, label=s) for s, c in STATUS_COLOURS.items()]
    handles.append(ax.scatter([], [], s=80, color="white", edgecolors=PENDING_COLOUR, linewidths=2,
                              label="application pending"))
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False)
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.6, 1.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


@solara.component
def NetworkView(model: DashboardModel):
    update_counter.get()
    seeking = model.seeking()
    Plot(lambda: draw_network(model), "alignsim-network", [id(model), model.status.tobytes(), seeking.tobytes()])


@solara.component
def StateTable(model: DashboardModel, focus: str):
    update_counter.get()
    terms, probabilities = model.current_terms()
    reactions = model.current_reactions()
    seeking = model.seeking()
    rows = []
    for state in model.states:
        i = state.index
        cells = [
            state.name,
            state.status,
            d.OPTIONS[model.stance[i]],
            "yes" if seeking[i] else "",
            " · ".join(f"{p:.2f}" for p in probabilities[i]),
            reactions_text(reactions, i, POWERS),
        ]
        style = "font-weight: bold" if state.name == focus else ""
        rows.append(solara.v.Html(
            tag="tr", attributes={"data-state": state.name, "data-status": state.status}, style_=style,
            children=[solara.v.Html(tag="td", children=[c], class_=f"alignsim-{k}")
                      for k, c in zip(("state", "status", "course", "pending", "probabilities", "reactions"), cells)],
        ))
    header = ["state", "status", "course", "applied", "P(outside · partner · member)", "reaction"]
    solara.v.SimpleTable(dense=True, class_="alignsim-states", children=[
        solara.v.Html(tag="thead", children=[solara.v.Html(tag="tr", children=[
            solara.v.Html(tag="th", children=[h]) for h in header])]),
        solara.v.Html(tag="tbody", children=rows),
    ])
    solara.Text("course: the option last chosen; applied: a membership application is pending. "
                "Probabilities: the logit choice in the current month. Reaction: a power's reaction in force, "
                "weighing on the state's choice this month, with its size (Russia: retaliation for a "
                "refusal; West: secondary sanctions for alignment).",
                style={"font-size": "0.8em", "color": "#666"})


def reactions_text(reactions: tuple[np.ndarray, np.ndarray], index: int, names=REACTIONS) -> str:
    """The reactions in force against state `index`, each by its name in `names` with its size ("" for none)."""
    return "; ".join(f"{name} {level[index]:.2f}" for name, level in zip(names, reactions) if level[index] > 0)


def deed_text(event) -> str:
    """One row of events.csv as a sentence."""
    if event.actor == event.state:
        return f"{event.state} {event.event}"
    return DEEDS.get(event.event, "{actor}: {event}, {state}").format(**event._asdict())


@solara.component
def EventsPanel(model: DashboardModel):
    """The run's deeds so far, latest month first; the current month's stand out."""
    update_counter.get()
    events = model.events()
    now = int((events.date == model.date).sum())
    if not model.months_run:
        heading = "No month run yet."
    elif not now:
        heading = f"{model.date}: nothing happened this month."
    else:
        heading = f"{model.date}: {now} deed{'s' if now != 1 else ''} this month (in bold)."
    solara.Text(heading, classes=["alignsim-events-now"], style={"font-size": "0.9em"})
    rows = [
        solara.v.Html(
            tag="tr", style_="font-weight: bold" if event.date == model.date else "",
            attributes={"data-date": event.date, "data-state": event.state, "data-actor": event.actor,
                        "data-event": event.event},
            children=[solara.v.Html(tag="td", children=[event.date], class_="alignsim-event-date"),
                      solara.v.Html(tag="td", children=[deed_text(event)], class_="alignsim-event-deed")],
        )
        # Within a month, events.csv's order: a refusal before the retaliation it provoked.
        for event in events.sort_values("step", ascending=False, kind="stable").itertuples(index=False)
    ]
    with solara.Div(style={"max-height": "260px", "overflow-y": "auto"}):
        solara.v.SimpleTable(dense=True, class_="alignsim-events", children=[
            solara.v.Html(tag="tbody", children=rows)])


def _time_axis(ax, model: DashboardModel) -> None:
    dates = model.timeline.dates
    ticks = [i for i, date in enumerate(dates) if date.endswith("-01")] or [0]
    ax.set_xticks(ticks)
    ax.set_xticklabels([dates[i][:4] for i in ticks])
    ax.set_xlim(0, len(dates))
    for month in np.nonzero(model.timeline.summit)[0]:
        ax.axvline(month, color="#dddddd", linestyle=":", zorder=0)


def draw_statuses(model: DashboardModel) -> Figure:
    fig = Figure(figsize=(10, 3.2))
    fig.subplots_adjust(left=0.085, right=0.87, top=0.9, bottom=0.1)
    ax = fig.subplots()
    _time_axis(ax, model)
    n, run = len(model.states), model.months_run
    if run:
        status = model.recorder.data["status"][:run]
        seeking = model.recorder.data["seeking_membership"][:run]
        months = np.arange(run + 1)  # month m is drawn over [m, m + 1)
        for state in model.states:
            offset = (state.index - (n - 1) / 2) * 0.05
            held = np.append(status[:, state.index], status[-1, state.index]) + offset
            line, = ax.step(months, held, where="post", linewidth=2, label=state.name)
            pending = seeking[:, state.index]
            if pending.any():
                ax.scatter(months[:-1][pending] + 0.5, held[:-1][pending], s=10, color=line.get_color(), marker="^")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    else:
        ax.text(0.5, 0.5, "Press Step or ▶ to run the months", transform=ax.transAxes, ha="center", color="#666666")
    ax.set_yticks(range(len(d.OPTIONS)))
    ax.set_yticklabels(d.OPTIONS)
    ax.set_ylim(-0.4, len(d.OPTIONS) - 0.6)
    ax.set_title("status held by each state (▲ application pending; dotted lines: summits)", fontsize=9)
    return fig


@solara.component
def StatusPlot(model: DashboardModel):
    update_counter.get()
    Plot(lambda: draw_statuses(model), "alignsim-status-plot", [id(model), model.steps])


def draw_probabilities(model: DashboardModel, state: str) -> Figure:
    fig = Figure(figsize=(5.5, 3.4))
    fig.subplots_adjust(left=0.12, right=0.8, top=0.9, bottom=0.1)
    ax = fig.subplots()
    _time_axis(ax, model)
    index, run = model.timeline.states.index(state), model.months_run
    if run:
        p = model.recorder.data["probabilities"][:run, index]
        p = np.vstack([p, p[-1:]])  # month m is drawn over [m, m + 1)
        ax.stackplot(np.arange(run + 1), p.T, labels=d.OPTIONS, colors=list(STATUS_COLOURS.values()), step="post")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    else:
        ax.text(0.5, 0.5, "no month run yet", transform=ax.transAxes, ha="center", color="#666666")
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    ax.set_title(f"{state}: probability of each option", fontsize=9)
    return fig


@solara.component
def ProbabilityPlot(model: DashboardModel, state: str):
    update_counter.get()
    Plot(lambda: draw_probabilities(model, state), "alignsim-probability-plot", [id(model), model.steps, state])


def term_labels(reactions: tuple[np.ndarray, np.ndarray], index: int) -> list[str]:
    """The terms' labels for state `index`; a term through which a power's reaction weighs on the
    state says so, with the reaction's size, while the reaction lasts."""
    labels = []
    for term in d.TERMS:
        label = TERM_LABELS.get(term, term.replace("_", " "))
        reaction = REACTION_TERMS.get(term)
        if reaction is not None and reactions[reaction][index] > 0:
            label += f" ({reactions[reaction][index]:.2f} in force)"
        labels.append(label)
    return labels


def draw_terms(model: DashboardModel, state: str) -> Figure:
    terms, probabilities = model.current_terms()
    index = model.timeline.states.index(state)
    labels = term_labels(model.current_reactions(), index)
    values = terms[index]
    fig = Figure(figsize=(6.4, 3.8))
    fig.subplots_adjust(left=0.48, right=0.97, top=0.86, bottom=0.13)
    ax = fig.subplots()
    y = np.arange(len(d.TERMS))[::-1]
    ax.barh(y, values, color=[TOWARD_MEMBER if v >= 0 else TOWARD_OUTSIDE for v in values])
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=9)
    ax.axvline(0, color="black", linewidth=0.8)
    limit = max(0.5, float(np.abs(values).max()) * 1.35)
    ax.set_xlim(-limit, limit)
    for yy, v in zip(y, values):
        if abs(v) >= 0.005:
            ax.text(v, yy, f" {v:+.2f} ", va="center", ha="left" if v >= 0 else "right", fontsize=8)
    when = model.date or f"{model.timeline.dates[0]}, before it is run"
    p = probabilities[index]
    fig.suptitle(f"{state}, {when}: U(member) − U(outside) = {values.sum():+.2f}\n"
                 f"P(outside) {p[0]:.2f} · P(partner) {p[1]:.2f} · P(member) {p[2]:.2f}", fontsize=9)
    ax.set_xlabel("← toward outside      contribution      toward member →", fontsize=8)
    return fig


@solara.component
def FocusReactions(model: DashboardModel, state: str):
    update_counter.get()
    index = model.timeline.states.index(state)
    in_force = reactions_text(model.current_reactions(), index)
    text = (f"In force against {state} this month: {in_force}." if in_force
            else f"No power's reaction is in force against {state} this month.")
    solara.Text(text, classes=["alignsim-focus-reactions"], style={"font-size": "0.9em"})


@solara.component
def TermsPlot(model: DashboardModel, state: str):
    update_counter.get()
    Plot(lambda: draw_terms(model, state), "alignsim-terms-plot", [id(model), model.steps, state])
