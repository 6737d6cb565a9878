"""Reading YAML for people who edit it by hand.

PyYAML's safe loader with three changes that rule authors need: only `true`/`false` are
booleans (a status named `on` or `no` stays a string), dates stay strings, and duplicate keys
are reported instead of silently overwritten. Every mapping and sequence remembers where each of
its entries was written, so later checks can quote `file:line:col`. Problems are collected,
never raised one at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from engine.definition import Location


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader whose implicit booleans are `true`/`false` only and which has no timestamps."""


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in {"tag:yaml.org,2002:bool",
                                                             "tag:yaml.org,2002:timestamp"}]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf")
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, at a place, with an optional hint of what to do."""

    where: Location
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class LocatedDict(dict[str, Any]):
    """A mapping that knows where it, each key and each value were written."""

    where: Location
    key_where: dict[str, Location]
    value_where: dict[str, Location]

    def at(self, key: str) -> Location:
        """Where the value of `key` was written, or the mapping itself when the key is absent."""
        return self.value_where.get(key, self.where)


class LocatedList(list[Any]):
    """A sequence that knows where it and each of its items were written."""

    where: Location
    item_where: list[Location]

    def at(self, index: int) -> Location:
        return self.item_where[index] if index < len(self.item_where) else self.where


def _loc(file: str, node: yaml.Node) -> Location:
    mark = node.start_mark
    return Location(file, mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, file: str, loader: _StrictLoader) -> None:
        self.file = file
        self.loader = loader
        self.problems: list[Problem] = []

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node)
        if isinstance(node, yaml.SequenceNode):
            items = LocatedList(self.build(child) for child in node.value)
            items.where = _loc(self.file, node)
            items.item_where = [_loc(self.file, child) for child in node.value]
            return items
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode) -> LocatedDict:
        result = LocatedDict()
        result.where = _loc(self.file, node)
        result.key_where, result.value_where = {}, {}
        self.loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                self.problems.append(Problem(_loc(self.file, key_node), "a key must be a name"))
                continue
            key = str(key)
            if key in result:
                first = result.key_where[key]
                self.problems.append(
                    Problem(
                        _loc(self.file, key_node),
                        f"duplicate key '{key}' (first written at line {first.line})",
                        "remove one of them: YAML would silently keep only the last",
                    )
                )
                continue
            result[key] = self.build(value_node)
            result.key_where[key] = _loc(self.file, key_node)
            result.value_where[key] = _loc(self.file, value_node)
        return result


def load_located(text: str, file: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document into located values; return it with the problems found."""
    loader = _StrictLoader(text)
    builder = _Builder(file, loader)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(Location(file, 1, 1), "the file is empty")]
        return builder.build(node), builder.problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        return None, [*builder.problems, Problem(where, f"invalid YAML: {what}")]
    except yaml.YAMLError as exc:
        return None, [Problem(Location(file, 1, 1), f"invalid YAML: {exc}")]
    finally:
        loader.dispose()


def dump(data: Any) -> str:
    """Write plain data back as YAML that `load_located` reads to the same values."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
