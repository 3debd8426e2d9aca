"""Loading `incidentbot.yml`, with errors that name the file, line and key.

The models live in `incidents.catalog.models` (schedules and escalation policies in
`incidents.catalog.oncall`) and are re-exported here, so callers import everything
catalog-related from this module.
"""

from __future__ import annotations

import difflib
import re
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from incidents.catalog.durations import Duration
from incidents.catalog.fields import Loc, LocatedErrors, dotted_path
from incidents.catalog.models import (
    RUNBOOK_NAMES,
    Catalog,
    Client,
    Contact,
    CurrentQuery,
    DataSources,
    HttpAction,
    Monitor,
    Policy,
    SeverityPolicy,
    System,
)
from incidents.catalog.oncall import EscalationLevel, Override, Schedule, SeverityWaits

__all__ = [
    "RUNBOOK_NAMES",
    "Catalog",
    "CatalogError",
    "CatalogIssue",
    "Client",
    "Contact",
    "CurrentQuery",
    "DataSources",
    "Duration",
    "EscalationLevel",
    "HttpAction",
    "Monitor",
    "Override",
    "Policy",
    "Schedule",
    "SeverityPolicy",
    "SeverityWaits",
    "System",
    "load_catalog",
]


@dataclass(frozen=True)
class CatalogIssue:
    file: str
    line: int | None
    key_path: str
    reason: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.key_path}: {self.reason}" if self.key_path else \
            f"{where}: {self.reason}"


class CatalogError(Exception):
    """An unusable catalog file. `str()` is its first problem (by line); `.errors` has all."""

    def __init__(self, file: str, line: int | None, key_path: str, reason: str,
                 errors: list[CatalogIssue] | None = None) -> None:
        self.file = file
        self.line = line
        self.key_path = key_path
        self.reason = reason
        self.errors = errors or [CatalogIssue(file, line, key_path, reason)]
        super().__init__(str(CatalogIssue(file, line, key_path, reason)))

    @classmethod
    def from_issues(cls, issues: list[CatalogIssue]) -> CatalogError:
        ordered = sorted(issues, key=lambda i: (i.line is None, i.line or 0))
        first = ordered[0]
        return cls(first.file, first.line, first.key_path, first.reason, ordered)


def load_catalog(path: Path | None) -> Catalog:
    """The catalog in `path`; without a file, an empty catalog with the default policy."""
    if path is None:
        return Catalog()
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError(file, None, "", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(file, None, "", f"cannot read: {exc}") from None
    data, lines = _parse_yaml(text, file)
    if data is None:  # an empty file, or only comments
        data = {}
    if not isinstance(data, dict):
        raise CatalogError(file, lines.get((), 1), "",
                           "the top level must be a mapping (clients, systems, oncall, "
                           "escalation, policy)")
    try:
        catalog = Catalog.model_validate(data, context={"base_dir": path.resolve().parent})
    except RecursionError:
        raise CatalogError(file, None, "", "nested too deeply") from None
    except ValidationError as exc:
        raise CatalogError.from_issues(_issues(exc, file, lines)) from None
    catalog._source = path
    return catalog


# --- YAML with line numbers ----------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1 base-60 numbers, so `handoff: 9:30` stays "9:30"."""

    def construct_yaml_timestamp(self, node: ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:  # e.g. 2026-13-01: PyYAML lets the ValueError escape
            raise ConstructorError(None, None, f"invalid date {node.value!r}: {exc}",
                                   node.start_mark) from None


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _INT,
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_MERGE = "tag:yaml.org,2002:merge"


def _parse_yaml(text: str, file: str) -> tuple[Any, dict[Loc, int]]:
    """The data, and the line (1-based) where each key path starts."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        if _expanded_size(node, {}) > MAX_VALUES:
            raise CatalogError(file, None, "", f"aliases expand to more than {MAX_VALUES:,} "
                               "values; a catalog needs far fewer (is it an alias bomb?)")
        _reject_duplicates(node, (), file)
        data = loader.construct_document(node)  # also flattens `<<` merges into the nodes
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or "invalid YAML"
        if exc.context:
            reason = f"{reason} ({exc.context})"
        raise CatalogError(file, mark.line + 1 if mark else None, "", reason) from None
    except yaml.YAMLError as exc:
        raise CatalogError(file, None, "", f"invalid YAML: {exc}") from None
    except RecursionError:
        raise CatalogError(file, None, "", "nested too deeply") from None
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    _record_lines(node, (), lines, set())
    return data, lines


# Far more than any catalog holds. An alias is one node however often it is used, so a few
# hundred bytes of nested aliases can stand for billions of values ("billion laughs"): they
# are counted as expanded, once per node, before anything walks or builds them.
MAX_VALUES = 100_000


def _expanded_size(node: Node, sizes: dict[int, int]) -> int:
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = MAX_VALUES + 1  # a node that contains itself expands without end
    if isinstance(node, MappingNode):
        size = 1 + sum(_expanded_size(k, sizes) + _expanded_size(v, sizes)
                       for k, v in node.value)
    elif isinstance(node, SequenceNode):
        size = 1 + sum(_expanded_size(item, sizes) for item in node.value)
    else:
        size = 1
    sizes[id(node)] = size = min(size, MAX_VALUES + 1)
    return size


def _reject_duplicates(node: Node, path: Loc, file: str, depth: int = 0) -> None:
    # PyYAML keeps the last of two equal keys; a pasted second `fraud-detector:` would
    # silently replace the first.
    if depth > 100:
        return
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.tag != _MERGE:
                line = key.start_mark.line + 1
                if key.value in seen:
                    raise CatalogError(file, line, dotted_path((*path, key.value)),
                                       f"duplicate key (first at line {seen[key.value]})")
                seen[key.value] = line
                _reject_duplicates(value, (*path, key.value), file, depth + 1)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _reject_duplicates(item, (*path, index), file, depth + 1)


def _record_lines(node: Node, path: Loc, lines: dict[Loc, int], active: set[int]) -> None:
    if id(node) in active:  # a recursive alias
        return
    lines.setdefault(path, node.start_mark.line + 1)
    active.add(id(node))
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                # The key's own line wins over its value's (a block value starts below it).
                lines[(*path, key.value)] = key.start_mark.line + 1
                _record_lines(value, (*path, key.value), lines, active)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, index), lines, active)
    active.discard(id(node))


# --- validation errors -> file:line: key.path: reason ---------------------------------

def _issues(exc: ValidationError, file: str, lines: dict[Loc, int]) -> list[CatalogIssue]:
    issues: list[CatalogIssue] = []
    for error in exc.errors():
        loc = tuple(part for part in error["loc"] if part != "[key]")
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, LocatedErrors):
            for sub_loc, reason in cause.problems:
                issues.append(_issue(file, lines, (*loc, *sub_loc), reason))
        else:
            issues.append(_issue(file, lines, loc, _reason(error, loc, cause)))
    return issues


def _issue(file: str, lines: dict[Loc, int], loc: Loc, reason: str) -> CatalogIssue:
    return CatalogIssue(file, _line_of(loc, lines), dotted_path(loc), reason)


def _line_of(loc: Loc, lines: dict[Loc, int]) -> int | None:
    """The line of the deepest part of `loc` present in the file (a missing key: its parent)."""
    found: list[str | int] = []
    line = lines.get(())
    for part in loc:
        for candidate in (part, str(part)):
            if (*found, candidate) in lines:
                found.append(candidate)
                line = lines[tuple(found)]
                break
        else:
            break
    return line


def _reason(error: dict[str, Any], loc: Loc, cause: Any) -> str:
    kind = error["type"]
    if kind in ("value_error", "assertion_error") and cause is not None:
        return str(cause)
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        reason = f"unknown key {loc[-1]!r}" if loc else "unknown key"
        close = difflib.get_close_matches(str(loc[-1]), _fields_at(loc[:-1]), n=1) if loc else []
        return f"{reason}; did you mean {close[0]!r}?" if close else reason
    return error["msg"]


def _fields_at(loc: Loc) -> list[str]:
    """The keys the model at `loc` accepts, for did-you-mean hints."""
    annotation: Any = Catalog
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return []
            annotation = field.annotation
        elif get_origin(annotation) in (dict, list):
            annotation = get_args(annotation)[-1 if get_origin(annotation) is dict else 0]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation
