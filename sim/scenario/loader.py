"""Reading scenario files: safe YAML with line numbers, `extends`, `--set`, and clear errors.

Data flows one way: file(s) -> merged mapping (with the file and line of every key) -> overrides
-> the validated, immutable `Scenario`. Every problem found becomes an `Issue` naming the file,
the key path and the line; all of them are raised together as one `InputError`.
"""

from __future__ import annotations

import difflib
import hashlib
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .changes import EVENT_PATHS_HELP, apply_settings, event_may_set, get_path, set_path, settable_paths, split_path
from .errors import InputError, Issue
from .schema import Scenario

MAX_FILE_BYTES = 5_000_000
MAX_NODES = 200_000
EXTENDS_KEY = "extends"

Lines = dict[tuple, tuple[str, int | None]]
_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"}


class _Reader:
    """Turns a YAML document into plain data, remembering the line of every key."""

    def __init__(self, file: str):
        self.file = file
        self.lines: Lines = {}
        self.nodes = 0

    def build(self, node: yaml.Node, path: tuple, loader: yaml.SafeLoader) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise InputError(Issue(self.file, "", f"more than {MAX_NODES} YAML nodes (alias expansion?)"))
        self.lines.setdefault(path, (self.file, node.start_mark.line + 1))
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
            raise InputError(Issue(self.file, _dotted(path), f"tag {node.tag!r} is refused (tags that construct "
                                   "objects are refused)", node.start_mark.line + 1))
        if isinstance(node, yaml.MappingNode):
            loader.flatten_mapping(node)
            result: dict = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise InputError(Issue(self.file, _dotted(path), "keys must be plain names",
                                           key_node.start_mark.line + 1))
                key = key_node.value
                if key in result:
                    raise InputError(Issue(self.file, _dotted(path + (key,)), "duplicate key",
                                           key_node.start_mark.line + 1))
                self.lines[path + (key,)] = (self.file, key_node.start_mark.line + 1)
                result[key] = self.build(value_node, path + (key,), loader)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (index,), loader) for index, item in enumerate(node.value)]
        return loader.construct_object(node)


def read_yaml(path: Path) -> tuple[Any, Lines]:
    """Parse one YAML file safely: no Python object tags, no duplicate keys, bounded size."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(Issue(file, "", "file not found")) from None
    except IsADirectoryError:
        raise InputError(Issue(file, "", "is a directory, not a scenario file")) from None
    except OSError as exc:
        raise InputError(Issue(file, "", f"cannot be read ({exc.strerror})")) from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(Issue(file, "", f"larger than {MAX_FILE_BYTES} bytes"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(Issue(file, "", "is not UTF-8 text")) from None
    loader = yaml.SafeLoader(text)
    reader = _Reader(file)
    try:
        node = loader.get_single_node()
        data = reader.build(node, (), loader) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        if isinstance(exc, yaml.constructor.ConstructorError):
            message = f"{message} (tags that construct objects are refused)"
        raise InputError(Issue(file, "", message, mark.line + 1 if mark else None)) from None
    except yaml.YAMLError as exc:
        raise InputError(Issue(file, "", f"invalid YAML: {exc}")) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise InputError(Issue(file, "", f"a scenario must be a mapping of keys, but the file is {kind}", 1))
    return data, reader.lines


def _merge(base: Any, override: Any) -> Any:
    """Deep-merge `override` onto `base`; null deletes a key; a sourced value is replaced whole."""
    if not isinstance(base, dict) or not isinstance(override, dict) or "value" in override:
        return override
    merged = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif key in merged:
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_with_extends(path: Path, chain: tuple[Path, ...]) -> tuple[dict, Lines, list[dict]]:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in chain + (resolved,))
        raise InputError(Issue(str(path), EXTENDS_KEY, f"extends itself in a cycle: {cycle}"))
    data, lines = read_yaml(path)
    files = [{"path": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}]
    parents = data.pop(EXTENDS_KEY, None)
    if parents is None:
        return data, lines, files
    if isinstance(parents, str):
        parents = [parents]
    extends_line = lines[(EXTENDS_KEY,)][1]
    if not isinstance(parents, list) or not parents or not all(isinstance(p, str) and p.strip() for p in parents):
        raise InputError(Issue(str(path), EXTENDS_KEY, "must name a scenario file, or list several", extends_line))
    merged: dict = {}
    merged_lines: Lines = {}
    for parent_name in parents:
        parent_path = path.parent / parent_name
        if not parent_path.is_file():
            raise InputError(Issue(str(path), EXTENDS_KEY, f"{parent_path} does not exist", extends_line))
        base, base_lines, base_files = _read_with_extends(parent_path, chain + (resolved,))
        merged = _merge(merged, base)
        merged_lines.update(base_lines)
        files += base_files
    merged_lines.update(lines)
    return _merge(merged, data), merged_lines, files


def parse_override(text: str) -> tuple[str, Any]:
    """`a.b.c=value` -> ("a.b.c", value), the value read as a YAML scalar or flow collection."""
    path, sep, raw = text.partition("=")
    if not sep:
        raise InputError(Issue("--set", text, "expected PATH=VALUE, e.g. decision.rationality=2"))
    try:
        split_path(path)
        value = yaml.safe_load(raw) if raw.strip() else None
    except (ValueError, yaml.YAMLError) as exc:
        raise InputError(Issue("--set", text, f"cannot read it: {exc}")) from None
    return path.strip(), value


# --- From pydantic's errors to issues with file, path, line and suggestions -------------------


def _field_type(annotation: Any, key: Any) -> Any:
    """The type reached from `annotation` by one step of a path, or None."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _field_type(typing.get_args(annotation)[0], key)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        for arg in typing.get_args(annotation):
            found = _field_type(arg, key)
            if found is not None:
                return found
        return None
    if origin is dict:
        return typing.get_args(annotation)[1]
    if origin is list:
        return typing.get_args(annotation)[0] if isinstance(key, int) else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and key in annotation.model_fields:
        return annotation.model_fields[key].annotation
    return None


def _model_at(path: tuple, root: type[BaseModel] = Scenario) -> type[BaseModel] | None:
    """The schema model whose keys are valid at `path`, for suggesting a misspelt key."""
    annotation: Any = root
    for key in path:
        annotation = _field_type(annotation, key)
        if annotation is None:
            return None
    while typing.get_origin(annotation) in (typing.Annotated, typing.Union) or type(annotation).__name__ == "UnionType":
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = args[0]
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _data_path(data: Any, loc: tuple) -> tuple:
    """Keep the parts of a pydantic location that are keys in the data (drop its type tags)."""
    path: list = []
    node = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            path.append(part)
            node = node[part]
        elif last and isinstance(node, dict) and isinstance(part, str) and part != "[key]":
            path.append(part)
    return tuple(path)


def _dotted(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line(lines: Lines, path: tuple, default_file: str) -> tuple[str, int | None]:
    for cut in range(len(path), -1, -1):
        if path[:cut] in lines:
            return lines[path[:cut]]
    return default_file, None


def _message(error: dict, path: tuple, root: type[BaseModel] = Scenario) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        model = _model_at(path[:-1], root)
        allowed = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        valid = f" Valid keys here: {', '.join(allowed)}." if allowed else ""
        return f"unknown key{hint}{valid}"
    if kind == "missing":
        return "required key is missing"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if kind == "string_pattern_mismatch" and path and path[-2:-1] and isinstance(path[-1], str):
        return "a name may not contain dots, '=' or brackets, nor start with a space"
    if (
        "input" in error
        and kind not in ("model_type", "dict_type")
        and not isinstance(error["input"], (dict, list))
        and repr(error["input"]) not in message
    ):
        message = f"{message} (got {error['input']!r})"
    return message


def issues_from(
    exc: ValidationError, data: dict, lines: Lines, file: str, root: type[BaseModel] = Scenario
) -> list[Issue]:
    """Pydantic's errors as issues naming the file, the key path and the line."""
    issues = []
    seen = set()
    for error in exc.errors(include_url=False):
        path = _data_path(data, tuple(error["loc"]))
        messages = [_message(error, path, root)]
        # A cross-reference check reports several "path: message" lines at once.
        if not path and error["type"] == "value_error":
            messages = _message(error, path, root).split("\n")
        for message in messages:
            here = path
            if not path and ": " in message:
                prefix, rest = message.split(": ", 1)
                if not prefix.count(" "):
                    here, message = tuple(prefix.split(".")), rest
            where, line = _line(lines, here, file)
            # One message per key (a union type reports each of its arms), but every cross-check.
            key = (where, here, None if path else message)
            if key not in seen:
                seen.add(key)
                issues.append(Issue(where, _dotted(here), message, line))
    return issues


def _exists(data: dict, path: str) -> bool:
    try:
        get_path(data, path)
    except KeyError:
        return False
    return True


def validate(data: dict, lines: Lines | None = None, file: str = "<scenario>") -> Scenario:
    """Validate plain data as a scenario, events included; raise InputError listing every issue."""
    lines = lines or {}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise InputError(issues_from(exc, data, lines, file)) from None
    problems: list[Issue] = []
    for name, event in scenario.events.items():
        provenance = {"source": event.source} if event.source else {"assumption": event.assumption}
        for path, value in event.set.items():
            where, line = _line(lines, ("events", name, "set", path), file)
            if not event_may_set(path) or not _exists(data, path):
                close = difflib.get_close_matches(path, settable_paths(data), n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}? " if close else ""
                problems.append(Issue(where, f"events.{name}.set.{path}",
                                      f"no such value that an event can change; {hint}({EVENT_PATHS_HELP})", line))
                continue
            try:
                changed = apply_settings(data, {path: value}, provenance)
                changed["events"] = {}
                Scenario.model_validate(changed)
            except ValueError as exc:  # includes pydantic's ValidationError
                if isinstance(exc, ValidationError):
                    details = "; ".join(
                        f"{_dotted(p)}: {_message(e, p)}"
                        for e in exc.errors(include_url=False)
                        for p in [_data_path(changed, tuple(e["loc"]))]
                    )
                else:
                    details = str(exc)
                problems.append(Issue(where, f"events.{name}.set.{path}", f"this change is invalid: {details}", line))
    if problems:
        raise InputError(problems)
    return scenario


def load_scenario(path: str | Path, overrides: typing.Iterable[str] = ()) -> Scenario:
    """Read, merge (`extends`), override (`--set PATH=VALUE`) and validate a scenario file."""
    path = Path(path)
    data, lines, files = _read_with_extends(path, ())
    applied = []
    for text in overrides:
        key, value = parse_override(text)
        try:
            set_path(data, key, value, {"assumption": f"set on the command line: {text}"})
        except ValueError as exc:
            raise InputError(Issue("--set", key, str(exc))) from None
        for known in [k for k in lines if k[: len(split_path(key))] == tuple(split_path(key))]:
            del lines[known]
        lines[tuple(split_path(key))] = (f"--set {text}", None)
        applied.append(text)
    scenario = validate(data, lines, str(path))
    scenario._origin.update({"files": files, "overrides": applied})
    return scenario


def with_overrides(scenario: Scenario, settings: dict[str, Any]) -> Scenario:
    """A new scenario with dotted paths set, for notebooks: `{"decision.rationality": 2}`."""
    data = scenario.model_dump(mode="json")
    for key, value in settings.items():
        try:
            set_path(data, key, value, {"assumption": f"set in code: {key}={value!r}"})
        except ValueError as exc:
            raise InputError(Issue("<override>", key, str(exc))) from None
    changed = validate(data, file="<override>")
    changed._origin.update(scenario.origin)
    changed._origin["overrides"] = list(scenario.origin.get("overrides", [])) + [
        f"{key}={value!r}" for key, value in settings.items()
    ]
    return changed
