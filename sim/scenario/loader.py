"""Reading scenario files: safe YAML with line numbers, `extends`, `--set`, and clear errors.

Data flows one way: file(s) -> merged mapping (with the file and line of every key) -> overrides
-> the validated, immutable `Scenario`. Every problem found becomes an `Issue` naming the file,
the key path and the line; all of them are raised together as one `InputError`.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
import math
import typing
import warnings
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .changes import (
    EVENT_PATHS_HELP,
    apply_settings,
    event_may_set,
    events_overwriting,
    get_path,
    overwritten_note,
    set_path,
    settable_paths,
    split_path,
)
from .errors import InputError, Issue, OverwrittenValueWarning
from .schema import IDENTIFIER_PATTERN, NAME_PATTERN, Scenario, reference_problems, validated_in_parts

MAX_FILE_BYTES = 5_000_000
MAX_NODES = 200_000
MAX_DEPTH = 64  # no scenario nests past a dozen; both parsers refuse deeper with the same message
EXTENDS_KEY = "extends"

Lines = dict[tuple, tuple[str, int | None]]
_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"}


_REFUSED = object()  # a value the reader refused (and reported): left out of a mapping, null in a list
_DUPLICATE = "duplicate key"
_MISSING = object()  # not read yet


class _Reader:
    """Turns a YAML document into plain data, remembering the line of every key, and reporting
    every duplicate key, refused tag or unreadable value rather than stopping at the first."""

    def __init__(self, file: str):
        self.file = file
        self.lines: Lines = {}
        self.nodes = 0
        self.problems: list[Issue] = []

    def _refuse(self, path: tuple, message: str, node: yaml.Node) -> object:
        self.problems.append(Issue(self.file, _dotted(path), message, node.start_mark.line + 1))
        return _REFUSED

    def build(self, node: yaml.Node, path: tuple, loader: yaml.SafeLoader) -> Any:
        self.nodes += 1
        if len(path) > MAX_DEPTH:
            raise InputError(Issue(self.file, "", "is nested too deeply to be a scenario"))
        if self.nodes > MAX_NODES:
            raise InputError(Issue(self.file, _dotted(path), f"more than {MAX_NODES} YAML values once aliases "
                                   "are expanded (an alias bomb?)", node.start_mark.line + 1))
        self.lines.setdefault(path, (self.file, node.start_mark.line + 1))
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
            return self._refuse(path, f"tag {node.tag!r} is refused (tags that construct objects are refused)", node)
        if isinstance(node, yaml.MappingNode):
            loader.flatten_mapping(node)
            result: dict = {}
            seen = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self._refuse(path, "keys must be plain names", key_node)
                    continue
                key = key_node.value
                if key in seen:
                    self._refuse(path + (key,), _DUPLICATE, key_node)
                    continue
                seen.add(key)
                self.lines[path + (key,)] = (self.file, key_node.start_mark.line + 1)
                value = self.build(value_node, path + (key,), loader)
                if value is not _REFUSED:
                    result[key] = value
            return result
        if isinstance(node, yaml.SequenceNode):
            # A refused item stays as a null, so that the items after it keep their positions.
            items = [self.build(item, path + (index,), loader) for index, item in enumerate(node.value)]
            return [None if item is _REFUSED else item for item in items]
        try:
            return loader.construct_object(node)
        except yaml.constructor.ConstructorError as exc:
            refused = " (tags that construct objects are refused)" if "constructor for the tag" in str(exc.problem) else ""
            return self._refuse(path, f"{exc.problem}{refused}", node)
        except Exception:  # noqa: BLE001 - YAML's scalar constructors raise ValueError (2024-13-45 read as
            # a date), IndexError (!!int ""), AttributeError (!!timestamp text) and more, all about this value
            kind = node.tag.rsplit(":", 1)[-1]
            kind = {"timestamp": "date", "int": "whole number", "float": "number", "bool": "boolean (true or false)"}.get(kind, kind)
            return self._refuse(path, f"{node.value!r} is not a valid {kind}; put it in quotes if it is text", node)


def _composed(text: str, loader_class: type, reader: _Reader) -> Any:
    """The document in `text` as plain data, by `reader`, parsed by `loader_class`."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return reader.build(node, (), loader) if node is not None else None
    finally:
        loader.dispose()


def _read_slowly(file: str, text: str, reader: _Reader) -> Any:
    """The document by PyYAML's pure-Python parser, its problems said as the file's."""
    try:
        yaml.reader.Reader(text)
    except yaml.reader.ReaderError as exc:  # the reader checks every character before parsing
        line = text[: exc.position].count("\n") + 1
        raise InputError(Issue(file, "", f"contains the character {exc.character:#06x}, which YAML does not "
                               "allow (a control character?)", line)) from None
    try:
        return _composed(text, yaml.SafeLoader, reader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        if "'\\t'" in message or "tab" in message:
            message = f"{message}: indent with spaces, not tabs"
        raise InputError(Issue(file, "", message, mark.line + 1 if mark else None)) from None
    except yaml.YAMLError as exc:
        raise InputError(Issue(file, "", f"invalid YAML: {exc}")) from None
    except RecursionError:
        raise InputError(Issue(file, "", "is nested too deeply to be a scenario")) from None


_FAST_LOADER = getattr(yaml, "CSafeLoader", None)
"""libyaml's parser, where PyYAML was built with it: about ten times faster than PyYAML's own, which
a sweep of a few hundred runs spent a tenth of its time in. Where it reads a text it reads it into
the nodes the pure-Python parser would; a text it cannot read is read again by the pure-Python
parser, whose messages (and checks) are the ones given. It is more lenient than PyYAML in a few
places, so texts that could reach them (`_libyaml_reads_as_pyyaml`) go to PyYAML alone."""


def _libyaml_reads_as_pyyaml(text: str) -> bool:
    """False for texts where libyaml accepts what PyYAML refuses or reads differently: tabs as
    separators, a byte-order mark past the start, tags (a bare `!` is '' to libyaml, null to PyYAML),
    a `?` that could sit inside a flow collection's plain scalar, characters YAML does not allow."""
    if any(mark in text for mark in ("\t", "\ufeff", "!")):
        return False
    if "?" in text and ("[" in text or "{" in text):
        return False
    return not yaml.reader.Reader.NON_PRINTABLE.search(text)


def _read(path: Path, what: str = "a scenario") -> tuple[Any, Lines, list[Issue]]:
    """Parse one YAML file safely: no Python object tags, bounded size and expansion. Problems
    with single values (duplicate keys, refused tags) are returned, the rest of the file read.
    `what` the file should be, for the messages ("a sweep")."""
    file = str(path)
    text = read_input_text(path, f"{what} file")
    data, reader = _MISSING, _Reader(file)
    if _FAST_LOADER is not None and _libyaml_reads_as_pyyaml(text):
        try:
            data = _composed(text, _FAST_LOADER, reader)
        except (yaml.YAMLError, RecursionError):
            data, reader = _MISSING, _Reader(file)
    if data is _MISSING:
        data = _read_slowly(file, text, reader)
    if not isinstance(data, dict):
        kind = "empty" if data is None or data is _REFUSED else f"a {type(data).__name__}"
        raise InputError(reader.problems or [Issue(file, "", f"{what} file must be a mapping of keys, but the file is {kind}", 1)])
    return data, reader.lines, reader.problems


def read_input_text(path: str | Path, kind: str) -> str:
    """The text of an input file (`kind`: "a scenario file", "a CSV file"), read whole only when it
    is within MAX_FILE_BYTES; every way it cannot be read is an InputError naming the file."""
    file = str(path)
    try:
        with open(path, "rb") as handle:  # no more than the limit is read, whatever the file's size
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError(Issue(file, "", "file not found")) from None
    except IsADirectoryError:
        raise InputError(Issue(file, "", f"is a directory, not {kind}")) from None
    except OSError as exc:
        raise InputError(Issue(file, "", f"cannot be read ({exc.strerror})")) from None
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(Issue(file, "", f"larger than {MAX_FILE_BYTES} bytes"))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(Issue(file, "", f"is not UTF-8 text (byte {raw[exc.start]:#04x} on this line)", line)) from None


def read_yaml(path: Path, what: str = "a scenario") -> tuple[Any, Lines]:
    """Parse one YAML file safely; every problem found is raised together."""
    data, lines, problems = _read(path, what)
    if problems:
        raise InputError(_sort(problems))
    return data, lines


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


def _read_with_extends(path: Path, chain: tuple[Path, ...]) -> tuple[dict, Lines, list[dict], list[Issue]]:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in chain + (resolved,))
        raise InputError(Issue(str(path), EXTENDS_KEY, f"extends itself in a cycle: {cycle}"))
    data, lines, problems = _read(path)
    files = [{"path": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}]
    parents = data.pop(EXTENDS_KEY, None)
    if parents is None:
        return data, lines, files, problems
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
        base, base_lines, base_files, base_problems = _read_with_extends(parent_path, chain + (resolved,))
        merged = _merge(merged, base)
        merged_lines.update(base_lines)
        files += base_files
        problems = base_problems + problems
    merged_lines.update(lines)
    return _merge(merged, data), merged_lines, files, problems


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
    annotation = _unwrap(annotation)
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


def _got(value: Any) -> str:
    """A value as the user wrote it in YAML, for messages."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _expected_form(key: Any, class_name: str) -> str:
    """What a mapping of the schema model `class_name` looks like, for a value given as a scalar."""
    key = key if isinstance(key, str) else "value"
    if class_name in ("Sourced", "Given"):
        return (f"a sourced value, for example `{key}: {{value: 0.09, source: ...}}` (or `assumption: ...` "
                "instead of `source`)")
    if class_name in ("Dated", "Summit"):
        return f"a dated value, for example `{key}: {{date: 2024-10, source: ...}}`"
    return f"a mapping of keys (`{key}:` followed by indented `key: value` lines)"


def _message(error: dict, path: tuple, root: type[BaseModel] = Scenario) -> str:
    """Pydantic's error in our words: what is expected, in the form the file takes, and what was given."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    given = error.get("input")
    got = f", got {_got(given)}"
    key = path[-1] if path else None
    if kind == "extra_forbidden":
        model = _model_at(path[:-1], root)
        allowed = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        valid = f" Valid keys here: {', '.join(allowed)}." if allowed else ""
        return f"unknown key{hint or '.'}{valid}"
    if kind == "missing":
        return "required key is missing"
    if kind == "model_type":
        return f"expected {_expected_form(key, ctx.get('class_name', ''))}{got}"
    if kind == "dict_type":
        return f"expected a mapping of names to their settings (`{key}:` then indented `Name: ...` lines){got}"
    if kind == "list_type":
        return f"expected a list, for example [a, b]{got}"
    if kind == "float_type":
        return f"expected a number{got}{_number_text_hint(given)}"
    if kind == "int_type":
        return f"expected a whole number{got}{_number_text_hint(given)}"
    if kind == "bool_type":
        return f"expected true or false{got}"
    if kind == "string_type":
        return f"expected text{got}" + (" (put it in quotes)" if given is not None else "")
    if kind == "literal_error":
        return f"expected {ctx.get('expected', 'one of the listed values')}{got}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        if isinstance(given, float) and math.isnan(given):
            return "expected a number, got .nan (not a number)"
        bound = {"greater_than_equal": ("at least", "ge"), "less_than_equal": ("at most", "le"),
                 "greater_than": ("above", "gt"), "less_than": ("below", "lt")}[kind]
        return f"must be {bound[0]} {ctx.get(bound[1])}{got}"
    if kind in ("too_short", "too_long"):
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        word = "at least" if kind == "too_short" else "at most"
        return f"must have {word} {limit} entr{'y' if limit == 1 else 'ies'}, got {ctx.get('actual_length')}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long, got {len(given)}"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == NAME_PATTERN:
            return "a name may not contain dots, '=', brackets or control characters, nor start or end with a space"
        if ctx.get("pattern") == IDENTIFIER_PATTERN:
            return f"may contain only letters, digits, '_', '.' and '-', and not dots alone{got}"
        return f"must match {ctx.get('pattern')}{got}"
    message = error["msg"]
    if message.startswith("Value error, "):
        return message[len("Value error, "):]
    return f"{message}{got}" if "input" in error and not isinstance(given, (dict, list)) else message


def _number_text_hint(value: Any) -> str:
    """Why a number was read as text: quotes, or an exponent YAML 1.1 does not read (1e5)."""
    try:
        float(value)
    except (TypeError, ValueError):
        return ""
    if not isinstance(value, str):
        return ""
    if "e" in value.lower() and "." not in value:
        return f" (YAML reads {value} as text; write it with a decimal point, e.g. 1.0e5)"
    return " (remove the quotes)"


def issues_from(
    exc: ValidationError, data: dict, lines: Lines, file: str, root: type[BaseModel] = Scenario
) -> list[Issue]:
    """Pydantic's errors as issues naming the file, the key path and the line."""
    issues = []
    seen = set()
    for error in exc.errors(include_url=False):
        path = _data_path(data, tuple(error["loc"]))
        if not path and error["type"] == "value_error":
            # A cross-reference check reports several "path: message" lines at once.
            issues += _cross_issues(_message(error, path, root).split("\n"), lines, file)
            continue
        where, line = _line(lines, path, file)
        # One message per key: a union type reports each of its arms.
        if (where, path) not in seen:
            seen.add((where, path))
            issues.append(Issue(where, _dotted(path), _message(error, path, root), line))
    return issues


def _cross_issues(messages: list[str], lines: Lines, file: str) -> list[Issue]:
    """Issues from messages that may start with the dotted path they are about ("a.b: ...")."""
    issues = []
    for message in messages:
        here: tuple = ()
        prefix, sep, rest = message.partition(": ")
        if sep and " " not in prefix:
            here, message = tuple(prefix.split(".")), rest
        where, line = _line(lines, here, file)
        issue = Issue(where, _dotted(here), message, line)
        if issue not in issues:
            issues.append(issue)
    return issues


def _exists(data: dict, path: str) -> bool:
    try:
        get_path(data, path)
    except KeyError:
        return False
    return True


def _event_issues(data: dict, lines: Lines, file: str, base_problems: set | None = None,
                  scenario: Scenario | None = None) -> list[Issue]:
    """Every event's changes: each must name a value an event may change, and leave it valid.

    Read from plain data, so that they are checked in the same pass as the rest of a file that
    has other problems (the keys of which are `base_problems`); then only the problems at the
    changed value itself, and not already a problem without the event, are the event's. When the
    file is valid (`scenario`), a change is checked on the part it lies in and the references
    (`validated_in_parts`), and the whole validated only for a problem's message.
    """
    problems: list[Issue] = []
    events = data.get("events")
    for name, event in (events if isinstance(events, dict) else {}).items():
        if not isinstance(event, dict) or not isinstance(event.get("set"), dict):
            continue  # the schema reports it
        provenance = {key: event[key] for key in ("source", "assumption") if isinstance(event.get(key), str)}
        for path, value in event["set"].items():
            where, line = _line(lines, ("events", name, "set", path), file)
            key = f"events.{name}.set.{path}"
            if not event_may_set(path) or not _exists(data, path):
                close = difflib.get_close_matches(path, settable_paths(data), n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}? " if close else ""
                problems.append(Issue(where, key, f"no such value that an event can change; {hint}({EVENT_PATHS_HELP})", line))
                continue
            if not isinstance(value, (int, float)):
                continue  # not a number or true/false: the schema reports it
            changed = apply_settings(data, {path: value}, provenance or {"assumption": "event"})
            changed["events"] = {}
            if scenario is not None and validated_in_parts(scenario, changed, (path,)) is not None:
                continue
            try:
                Scenario.model_validate(changed)
            except ValidationError as exc:
                located = [(e, _data_path(changed, tuple(e["loc"]))) for e in exc.errors(include_url=False)]
                if base_problems is not None:
                    located = [(e, p) for e, p in located
                               if p and _dotted(p).startswith(path) and _dotted(p) not in base_problems]
                details = "; ".join(f"{_dotted(p)}: {_message(e, p)}" if p else _message(e, p) for e, p in located)
                if details:
                    problems.append(Issue(where, key, f"this change is invalid: {details}", line))
    return problems


def _sort(issues: list[Issue]) -> list[Issue]:
    """Issues in reading order: by file, then by line (command-line and whole-file issues first)."""
    return sorted(issues, key=lambda issue: (issue.file, issue.line or 0))


def validate(data: dict, lines: Lines | None = None, file: str = "<scenario>", found: list[Issue] = ()) -> Scenario:
    """Validate plain data as a scenario, events included; raise InputError listing every issue,
    all in one pass, in the order of the file. `found`: problems the reader already found in
    the file (a duplicate key, a refused tag), whose keys were left out of `data`."""
    lines = lines or {}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        issues = issues_from(exc, data, lines, file)
        # The cross-references again, for when other errors kept the model's own check from running.
        issues += [issue for issue in _cross_issues(reference_problems(data), lines, file) if issue not in issues]
        issues += _event_issues(data, lines, file, {issue.path for issue in issues})
    else:
        issues = _event_issues(data, lines, file, scenario=scenario)
    # A value the reader refused is reported once, by the reader, not again as missing or null.
    refused = {issue.path for issue in found if issue.message != _DUPLICATE}
    issues = list(found) + [issue for issue in issues if issue.path not in refused]
    if issues:
        raise InputError(_sort(issues))
    return scenario


def _unwrap(annotation: Any) -> Any:
    """The type inside `Annotated[...]` and `X | None`."""
    while typing.get_origin(annotation) in (typing.Annotated, typing.Union) or type(annotation).__name__ == "UnionType":
        annotation = [a for a in typing.get_args(annotation) if a is not type(None)][0]
    return annotation


def missing_name(data: dict, path: str, value: Any = 0) -> str | None:
    """Why setting `path` would invent an entry: it goes through (or removes) a name, such as a
    state's, that the scenario does not have. None when it does not."""
    parts = split_path(path)
    annotation: Any = Scenario
    node: Any = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        names = typing.get_origin(_unwrap(annotation)) is dict
        if names and isinstance(node, dict) and part not in node and (not last or value is None):
            where = ".".join(parts[:depth])
            return (f"there is no {part!r} under {where} to {'remove' if last else 'change'}; "
                    f"the names there: {', '.join(node) or 'none'}")
        annotation = _field_type(annotation, part)
        node = node.get(part) if isinstance(node, dict) else None
        if annotation is None:
            return None
    return None


def _scenario_kind(data: dict, file: str) -> None:
    """Refuse a sweep file given where a scenario is expected."""
    if "calendar" not in data and {"base", "parameters"} <= set(data):
        raise InputError(Issue(file, "", "is a sweep file, not a scenario (it has 'base' and 'parameters'); "
                               f"run it with: alignsim sweep {file}", 1))


def load_scenario(path: str | Path, overrides: typing.Iterable[str] = ()) -> Scenario:
    """Read, merge (`extends`), override (`--set PATH=VALUE`) and validate a scenario file.

    An override of a value that a dated event sets again is refused: it would hold only until
    the event, which is rarely what was meant."""
    path = Path(path)
    data, lines, files, found = _read_with_extends(path, ())
    _scenario_kind(data, str(path))
    applied, problems = [], []
    for text in overrides:
        key, value = parse_override(text)
        label = f"--set {text}"
        unknown = missing_name(data, key, value)
        if unknown:
            problems.append(Issue(label, key, unknown))
            continue
        try:
            set_path(data, key, value, {"assumption": f"set on the command line: {text}"})
        except ValueError as exc:
            problems.append(Issue(label, key, str(exc)))
            continue
        for known in [k for k in lines if k[: len(split_path(key))] == tuple(split_path(key))]:
            del lines[known]
        lines[tuple(split_path(key))] = (label, None)
        applied.append((label, key))
    if problems:
        raise InputError(problems)
    scenario = validate(data, lines, str(path), found)
    for label, key in applied:
        found = events_overwriting(scenario.events, key, [given for _, given in applied])
        if found:
            problems.append(Issue(label, key, overwritten_note(found, "--set events.{name}=null")))
    if problems:
        raise InputError(problems)
    scenario._origin.update({"files": files, "overrides": [label[len("--set "):] for label, _ in applied]})
    return scenario


def with_overrides(scenario: Scenario, settings: dict[str, Any]) -> Scenario:
    """A new scenario with dotted paths set, for notebooks: `{"decision.rationality": 2}`.

    A value that a dated event sets again is applied, with an `OverwrittenValueWarning` saying
    which event and when, and how to remove it."""
    data = scenario.model_dump(mode="json")
    problems = []
    for key, value in settings.items():
        try:
            unknown = missing_name(data, key, value)
            if unknown:
                problems.append(Issue("<override>", key, unknown))
                continue
            set_path(data, key, value, {"assumption": f"set in code: {key}={value!r}"})
        except ValueError as exc:
            problems.append(Issue("<override>", key, str(exc)))
    if problems:
        raise InputError(problems)
    changed = validate(data, file="<override>")
    for key in settings:
        found = events_overwriting(changed.events, key, settings)
        if found:
            note = overwritten_note(found, 'with_overrides(scenario, {{"events.{name}": None}})')
            warnings.warn(OverwrittenValueWarning(f"{key} {note}"), stacklevel=2)
    changed._origin.update(scenario.origin)
    changed._origin["overrides"] = list(scenario.origin.get("overrides", [])) + [
        f"{key}={value!r}" for key, value in settings.items()
    ]
    return changed
