"""Reading YAML for people who edit it by hand.

PyYAML's safe loader with the changes rule authors need: only `true`/`false` are booleans (a
status named `on` or `no` stays a string), numbers are plain decimals (`010` and `1:30` stay
texts), dates stay strings, only plain data tags are accepted, and duplicate keys are reported
instead of silently overwritten. Every mapping and sequence remembers where each of its entries
was written, so later checks can quote `file:line:col`. Problems are collected, never raised:
no input, however broken, makes this module raise. A file past the size limits of
`engine.rulefile.limits` (bytes, values, nesting, values once aliases are expanded) is refused as
soon as the limit is passed, with one problem saying which, so a huge file costs a moment, not
minutes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import yaml

from engine.model.problems import Location, Problem
from engine.rulefile.limits import MAX_DEPTH, MAX_EXPANDED_VALUES, MAX_FILE_BYTES, MAX_VALUES

_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq"))
_PLAIN_TAG_OF: dict[type[yaml.Node], str] = {
    yaml.MappingNode: _TAG + "map",
    yaml.SequenceNode: _TAG + "seq",
}
TOO_LARGE_HINT = "is it the right file? A marketplace's rules or a scenario take a few kB"


class _Refused(Exception):
    """A size limit is passed: reading stops here, with the problem saying which limit."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2-like plain scalars: true/false, decimal numbers, null.

    It counts the values and the nesting while composing, so the parser, which reads the text
    only as far as the composer asks, stops at the first value past a limit.
    """

    file = ""
    values = 0
    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self.values += 1
        if self.values > MAX_VALUES:
            raise _Refused(
                Problem(
                    Location(self.file, 1, 1),
                    f"the file is too large: more than {MAX_VALUES:,} values by line "
                    f"{self._next().line:,}; the limit is {MAX_VALUES:,} (each key, text, "
                    "number, list and mapping counts one)",
                    TOO_LARGE_HINT,
                )
            )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _Refused(_too_deep(self._next()))
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def _next(self) -> Location:
        """Where the value about to be composed starts."""
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = event.start_mark
        if mark is None:
            return Location(self.file, 1, 1)
        return Location(self.file, mark.line + 1, mark.column + 1)


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag in {_TAG + "null", _TAG + "merge"}]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(_TAG + "bool", re.compile(r"^(?:true|false)$"), list("tf"))
_StrictLoader.add_implicit_resolver(
    _TAG + "int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_StrictLoader.add_implicit_resolver(
    _TAG + "float",
    re.compile(
        r"^(?:[-+]?(?:(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)"
        r"|[-+]?\.inf|\.nan)$"
    ),
    list("-+.0123456789"),
)


class LocatedDict(dict[str, Any]):
    """A mapping that knows where it, each key and each value were written."""

    where: Location
    key_where: dict[str, Location]
    value_where: dict[str, Location]
    # The text of each number value: YAML reads `1.10` as 1.1, but a text field wants "1.10".
    written: Mapping[str, str] = MappingProxyType({})

    @classmethod
    def empty(cls, where: Location) -> LocatedDict:
        """An empty mapping standing at `where` (for a key written with no value)."""
        result = cls()
        result.where, result.key_where, result.value_where = where, {}, {}
        return result

    def at(self, key: str) -> Location:
        """Where the value of `key` was written, or the mapping itself when the key is absent."""
        return self.value_where.get(key, self.where)

    def key_at(self, key: str) -> Location:
        """Where `key` was written, or the mapping itself when the key is absent."""
        return self.key_where.get(key, self.where)

    def as_written(self, key: str) -> Any:
        """The value of `key`; a number as the text written in the file (`1.10`, not 1.1)."""
        return self.written.get(key, self[key])


class LocatedList(list[Any]):
    """A sequence that knows where it and each of its items were written."""

    where: Location
    item_where: list[Location]
    written: Mapping[int, str] = MappingProxyType({})  # as in `LocatedDict`, by position

    @classmethod
    def empty(cls, where: Location) -> LocatedList:
        result = cls()
        result.where, result.item_where = where, []
        return result

    def at(self, index: int) -> Location:
        return self.item_where[index] if 0 <= index < len(self.item_where) else self.where

    def as_written(self, index: int) -> Any:
        """The item at `index`; a number as the text written in the file (`1.10`, not 1.1)."""
        return self.written.get(index, self[index])


def _loc(file: str, node: yaml.Node) -> Location:
    mark = node.start_mark
    return Location(file, mark.line + 1, mark.column + 1)


def _too_deep(where: Location, through: str = "") -> Problem:
    return Problem(
        where,
        f"the file is nested too deeply: lists and mappings {MAX_DEPTH + 1} levels deep here"
        f"{through}; the limit is {MAX_DEPTH}",
        "a rule file or a scenario needs about 10 levels",
    )


def _number_text(node: yaml.Node, value: Any) -> str | None:
    plain_number = isinstance(value, int | float) and not isinstance(value, bool)
    return node.value if plain_number and isinstance(node, yaml.ScalarNode) else None


def _short(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class _Builder:
    """Turns PyYAML nodes into located values, recording problems instead of raising."""

    def __init__(self, file: str, loader: _StrictLoader) -> None:
        self.file = file
        self.loader = loader
        self.problems: list[Problem] = []
        self.budget = MAX_EXPANDED_VALUES
        self.depth = 0
        self.open: set[int] = set()

    def problem(self, node: yaml.Node, message: str, hint: str = "") -> None:
        self.problems.append(Problem(_loc(self.file, node), message, hint))

    def build(self, node: yaml.Node) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _Refused(
                Problem(
                    Location(self.file, 1, 1),
                    "the file is too large once its aliases are expanded: more than "
                    f"{MAX_EXPANDED_VALUES:,} values; the limit is {MAX_EXPANDED_VALUES:,}",
                    "check its aliases ('*name')",
                )
            )
        if node.tag not in _PLAIN_TAGS and node.tag != _TAG + "merge":
            self.problem(
                node,
                f"unsupported tag '{_short(node.tag)}'",
                "a rule file holds only texts, numbers, true/false, lists and mappings",
            )
            node.tag = _PLAIN_TAG_OF.get(type(node), _TAG + "str")  # read it as plain data
        if id(node) in self.open:
            self.problem(node, "this list or mapping contains an alias to itself")
            return None
        self.open.add(id(node))
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:  # deeper than written: an alias inside an alias...
                raise _Refused(_too_deep(_loc(self.file, node), " once its aliases are expanded"))
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node)
            if isinstance(node, yaml.SequenceNode):
                return self._sequence(node)
            return self._scalar(node)
        finally:
            self.depth -= 1
            self.open.discard(id(node))

    def _scalar(self, node: yaml.Node) -> Any:
        try:  # each constructor fails its own way: `!!int x` a ValueError, `!!bool x` a KeyError
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError, KeyError):
            text = node.value if len(node.value) <= 40 else node.value[:40] + "..."
            self.problem(node, f"'{text}' is not a valid {_short(node.tag)} value")
            return str(node.value)  # the text as written, so no other check trips over it

    def _sequence(self, node: yaml.SequenceNode) -> LocatedList:
        items = LocatedList(self.build(child) for child in node.value)
        items.where = _loc(self.file, node)
        items.item_where = [_loc(self.file, child) for child in node.value]
        texts = (_number_text(child, item) for child, item in zip(node.value, items, strict=True))
        items.written = {i: text for i, text in enumerate(texts) if text is not None}
        return items

    def _key(self, node: yaml.Node) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag not in _PLAIN_TAGS - {_TAG + "null"}:
            self.problem(node, "a key must be a name, not a list, a mapping or nothing")
            return None
        if not str(node.value).strip():
            self.problem(node, "a key must be a name, not an empty text")
            return None
        return str(node.value)

    def _mapping(self, node: yaml.MappingNode) -> LocatedDict:
        result = LocatedDict.empty(_loc(self.file, node))
        written: dict[str, str] = {}
        merged: list[LocatedDict] = []
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                merged.extend(self._merge_sources(value_node))
                continue
            key = self._new_key(key_node, result)
            if key is None:
                continue
            result.key_where[key] = _loc(self.file, key_node)
            result.value_where[key] = _loc(self.file, value_node)
            result[key] = self.build(value_node)
            if (text := _number_text(value_node, result[key])) is not None:
                written[key] = text
        result.written = written
        for source in merged:
            _merge(result, source)
        return result

    def _new_key(self, node: yaml.Node, mapping: LocatedDict) -> str | None:
        """The key `node` names, or None (with a problem) when it is no name or already used."""
        key = self._key(node)
        if key is not None and key in mapping:
            first = mapping.key_where[key]
            self.problem(
                node,
                f"duplicate key '{key}' (first written at line {first.line})",
                "remove one of them: YAML would silently keep only the last",
            )
            return None
        return key

    def _merge_sources(self, node: yaml.Node) -> list[LocatedDict]:
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        sources = []
        for item in nodes:
            value = self.build(item) if isinstance(item, yaml.MappingNode) else None
            if isinstance(value, LocatedDict):
                sources.append(value)
            else:
                self.problem(item, "a merge ('<<') needs a mapping or a list of mappings")
        return sources


def _merge(target: LocatedDict, source: LocatedDict) -> None:
    """Add the keys of a merged mapping ('<<') that `target` lacks: explicit keys win over
    merged ones, as YAML's merge says."""
    written = dict(target.written)
    for key, value in source.items():
        if key not in target:
            target[key] = value
            target.key_where[key] = source.key_where[key]
            target.value_where[key] = source.value_where[key]
            if key in source.written:
                written[key] = source.written[key]
    target.written = written


_HINTS = (
    ("'\\t'", "indent with spaces, not tabs"),
    ("mapping values are not allowed", "check the indentation, or quote a text containing ': '"),
    ("expected <block end>", "check this line's indentation against the lines above"),
    ("could not find expected ':'", "a key needs ': ' after it; check this and the line above"),
    ("expected ',' or ']'", "a '[' list is not closed: end it with ']'"),
    ("expected ',' or '}'", "a '{' mapping is not closed: end it with '}'"),
    ("found undefined alias", "define the anchor ('&name') before using it ('*name')"),
    ("another document", "a rule file is a single YAML document: remove the '---' line"),
)


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
    what = exc.problem or exc.context or "the text is not valid YAML"
    if exc.context and exc.problem and exc.context.startswith("expected"):
        what = f"{exc.context}, {exc.problem}"
    hint = next((hint for needle, hint in _HINTS if needle in what), "")
    return Problem(where, f"invalid YAML: {what}", hint)


def _position(text: str, index: int, file: str) -> Location:
    before = text[:index]
    return Location(file, before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1)


def too_large(size: int, file: str) -> Problem | None:
    """The problem of a file of `size` bytes when it is past `MAX_FILE_BYTES`, else None.

    A size of one byte past the limit is what a bounded read of a pipe finds: "more than".
    """
    if size <= MAX_FILE_BYTES:
        return None
    found = f"more than {MAX_FILE_BYTES:,}" if size == MAX_FILE_BYTES + 1 else f"{size:,}"
    return Problem(
        Location(file, 1, 1),
        f"the file is too large: {found} bytes; the limit is {MAX_FILE_BYTES:,} bytes "
        f"({MAX_FILE_BYTES // 1024} KiB)",
        TOO_LARGE_HINT,
    )


def load_located(text: str, file: str) -> tuple[Any, list[Problem]]:
    """Parse one YAML document into located values; return it with the problems found."""
    large = too_large(len(text.encode("utf-8", "replace")), file)
    if large is not None:
        return None, [large]  # before parsing: the parser's time grows with the text
    try:
        loader = _StrictLoader(text)
    except yaml.reader.ReaderError as exc:
        where = _position(text, exc.position, file)
        message = f"the character #x{exc.character:04x} is not allowed in a YAML file"
        return None, [Problem(where, message, "remove it or write it as an escape in quotes")]
    loader.file = file
    builder = _Builder(file, loader)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem(Location(file, 1, 1), "the file is empty")]
        return builder.build(node), builder.problems
    except yaml.MarkedYAMLError as exc:
        return None, [*builder.problems, _syntax_problem(exc, file)]
    except yaml.YAMLError as exc:
        return None, [Problem(Location(file, 1, 1), f"invalid YAML: {exc}")]
    except _Refused as exc:
        return None, [exc.problem]
    except RecursionError:  # the limits stop any nesting first; kept so nothing ever raises
        return None, [Problem(Location(file, 1, 1), "the file nests lists or mappings too deeply")]
    finally:
        loader.dispose()


def dump(data: Any) -> str:
    """Write plain data back as YAML that `load_located` reads to the same values."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
