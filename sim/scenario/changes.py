"""Changing a scenario by dotted paths: `--set` overrides, dated events, and API edits.

A path such as `states.Belarus.indicators.sanctions` names a key in the scenario's nested
mappings. Setting a plain number on a sourced value (a mapping with `value`) replaces its value
and records where the new number came from, so provenance is never lost.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

SOURCED_FIELDS = ("value", "source", "assumption", "missing", "year", "bound")


EVENT_PATHS = (
    r"states\.[^.]+\.indicators\.[^.]+",
    r"organizations\.[^.]+\.overlap",
    r"bloc\.members\.[^.]+\.consent",
    r"bloc\.members\.[^.]+\.toward\.[^.]+",
    r"bloc\.appetite\.(members|partners|members_from_partners)",
    r"bloc\.(initiative|seats\.members|seats\.partners)",
    r"bloc\.benefits",
    # The policies' levels, not their durations: those are read once per run (sim/inputs.py), so an
    # event changing one would change nothing.
    r"powers\.[^.]+\.(threat_against_joiners|reaction_to_alignment|pressure_to_join|retaliation_for_refusal"
    r"|pressure_before_summit|inducement)",
    r"powers\.[^.]+\.imposed\.[^.]+",
    r"decision\.(rationality|switching_cost)",
    r"decision\.weights\.[^.]+",
)
EVENT_PATHS_HELP = (
    "an event may change a state's indicators, an organization's overlap, a member's consent, the "
    "bloc's appetite, seats, initiative or benefits, the powers' policy levels (not their months) and the reactions in force "
    "of states listed under imposed, and decision.rationality, "
    "decision.switching_cost or decision.weights.*"
)


def event_may_set(path: str) -> bool:
    """Whether a dated event may change `path`: values that act month by month, not the
    calendar, initial statuses or the structure of the scenario."""
    return any(re.fullmatch(pattern, path) for pattern in EVENT_PATHS)


def events_overwriting(events: dict, path: str, alongside: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The dated events (name, month) that set `path`, or a part of it or a mapping holding it,
    again, so that a value given for it holds only until the first of them: `events` maps names
    to `Event`s or to their dumped mappings. Events given `alongside` the value (paths such as
    `events.ban`, in the same overrides) are its intended schedule, not a surprise, and are left out."""
    found = []
    alongside = set(alongside)
    for name, event in events.items():
        if f"events.{name}" in alongside:
            continue
        changes = event["set"] if isinstance(event, dict) else event.set
        if any(_overlap(path, changed) for changed in changes):
            found.append((name, str(event["date"] if isinstance(event, dict) else event.date)))
    return found


def _overlap(first: str, second: str) -> bool:
    """Whether one dotted path is the other or lies inside it."""
    a, b = first.strip().split("."), second.strip().split(".")
    return a[: len(b)] == b or b[: len(a)] == a


def overwritten_note(found: list[tuple[str, str]], fix: str, whose: str = "the scenario's") -> str:
    """Says that `found` (from `events_overwriting`) set a value again, and how to remove them:
    `fix` is the remedy for one event, with `{name}` where the event's name goes."""
    events = " and ".join(f"{name!r} from {date}" for name, date in found)
    remedies = " and ".join(fix.format(name=name) for name, _ in found)
    return (f"is set again by {whose} event{'s' if len(found) > 1 else ''} {events}, so a value given for it "
            f"would hold only for the months before; remove the event with {remedies}")


def settable_paths(data: dict, prefix: str = "") -> list[str]:
    """Every path in `data` that an event may set, for suggesting the nearest to a misspelt one."""
    paths = []
    for key, node in data.items():
        path = f"{prefix}{key}"
        if event_may_set(path):
            paths.append(path)
        elif isinstance(node, dict) and not is_sourced(node):
            paths += settable_paths(node, f"{path}.")
    return paths


def split_path(path: str) -> list[str]:
    parts = path.strip().split(".")
    if not path.strip() or any(not part for part in parts):
        raise ValueError(f"{path!r} is not a dotted path such as decision.rationality")
    return parts


def is_sourced(node: Any) -> bool:
    return isinstance(node, dict) and "value" in node and set(node) <= set(SOURCED_FIELDS)


def set_path(data: dict, path: str, value: Any, provenance: dict[str, str]) -> None:
    """Set `path` in nested mappings `data` (in place).

    A scalar set on a sourced value keeps the mapping and labels the number with `provenance`,
    for example `{"assumption": "set on the command line"}` or `{"source": "..."}`; null on a
    sourced value marks it missing. Null elsewhere removes the key, as in `extends`.
    Missing intermediate mappings are created, so that the schema, not this function, reports
    a key that does not exist (with a suggestion).
    """
    parts = split_path(path)
    node = data
    for depth, part in enumerate(parts[:-1]):
        child = node.get(part) if isinstance(node, dict) else None
        if child is None:
            if not isinstance(node, dict):
                raise ValueError(f"{'.'.join(parts[:depth])} is not a mapping, so {path} cannot be set")
            child = node[part] = {}
        node = child
    if not isinstance(node, dict):
        raise ValueError(f"{'.'.join(parts[:-1])} is not a mapping, so {path} cannot be set")
    key = parts[-1]
    target = node.get(key)
    if is_sourced(target) and value is None:
        node[key] = {"value": None, "missing": "; ".join(provenance.values())}
    elif is_sourced(target) and not isinstance(value, dict):
        node[key] = {"value": value, **provenance}
    elif value is None:
        node.pop(key, None)  # as in `extends`: null removes a key, so its default applies
    else:
        node[key] = value


def get_path(data: dict, path: str) -> Any:
    node: Any = data
    for part in split_path(path):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(path)
        node = node[part]
    return node


def apply_settings(data: dict, settings: dict[str, Any], provenance: dict[str, str]) -> dict:
    """`data` with every dotted path in `settings` set, `data` untouched: the mappings along each
    path are copied, the rest is shared (a scenario is checked once per event change, and a
    deep copy of it each time was most of the cost of loading one)."""
    result = dict(data)
    for path, value in settings.items():
        node = result
        for part in split_path(path)[:-1]:
            if not isinstance(node.get(part), dict):
                break  # set_path creates it, or reports the plain value in the way
            node[part] = node = dict(node[part])
        set_path(result, path, value, provenance)
    return result
