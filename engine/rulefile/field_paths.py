"""Field paths: where a rule file's field lives in a channel's order JSON.

A rule file says where to read each field with `sources`, e.g.
`packages[0].delivery.trackings[0].carrier` or `order_types[type=is_delivered_by_marketplace]`
(true when such an item exists). A path is compiled once into steps (a key, a list index, a
`[key=value]` filter picking the first matching item of a list) so reading thousands of orders
does not parse it again, and a malformed path fails with its column instead of reading nothing.
Several paths for one field are fallbacks for older shapes of the JSON: the first path that
yields a non-null value wins. A rule file's fields share prefixes (three of Cdiscount's read
`packages[0].delivery.trackings[0]`): a `PathTree` reads them all in one walk of an order, each
shared step taken once. The twin writes its orders with the same paths (`write`), so what it
serves is exactly what the mapping reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.model.errors import OrderflowError


class PathSyntaxError(OrderflowError):
    """A field path that cannot be compiled; the message quotes it and points at the column."""

    def __init__(self, path: str, column: int, reason: str) -> None:
        self.path = path
        self.column = column
        self.reason = reason
        caret = " " * (column - 1) + "^"
        super().__init__(f"field path '{path}', column {column}: {reason}\n  {path}\n  {caret}")


@dataclass(frozen=True, slots=True)
class Key:
    name: str


@dataclass(frozen=True, slots=True)
class Index:
    position: int


@dataclass(frozen=True, slots=True)
class Filter:
    """Picks the first item of a list whose `key` holds `value` (compared as text)."""

    key: str
    value: str


Step = Key | Index | Filter
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _take(node: object, step: Step) -> object:
    if isinstance(step, Key):
        return node.get(step.name) if isinstance(node, dict) else None
    if not isinstance(node, list):
        return None
    if isinstance(step, Index):
        inside = -len(node) <= step.position < len(node)
        return node[step.position] if inside else None
    return next((item for item in node if _matches(item, step)), None)


def _matches(item: object, step: Filter) -> bool:
    return isinstance(item, dict) and _as_text(item.get(step.key)) == step.value


@dataclass(frozen=True)
class FieldPath:
    """A compiled path: `read` follows it through dicts and lists, `write` builds it."""

    text: str
    steps: tuple[Step, ...]

    def read(self, document: object) -> object:
        """The value at the end of the path, or None when any step finds nothing."""
        node = document
        for step in self.steps:
            node = _take(node, step)
            if node is None:
                return None
        return node

    def write(self, document: dict[str, object], value: object) -> None:
        """Set the value at the path, creating the dicts and lists on the way.

        A final filter step adds a `{key: value}` item when `value` is true and removes the
        matching items when it is false or None: the flag is the item's presence.
        """
        node: object = document
        for step, after in zip(self.steps, self.steps[1:], strict=False):
            node = _descend(node, step, {} if isinstance(after, Key) else [])
        _assign(node, self.steps[-1], value)

    def __str__(self) -> str:
        return self.text


def _descend(node: object, step: Step, empty: dict[str, object] | list[object]) -> object:
    child = _take(node, step)
    if child is not None:
        return child
    child = {step.key: step.value} if isinstance(step, Filter) else empty
    _assign(node, step, child)
    return child


def _assign(node: object, step: Step, value: object) -> None:
    if isinstance(step, Key):
        if not isinstance(node, dict):
            raise TypeError(f"cannot set key '{step.name}' on {type(node).__name__}")
        node[step.name] = value
        return
    if not isinstance(node, list):
        raise TypeError(f"cannot index {type(node).__name__} with {step}")
    if isinstance(step, Index):
        _set_item(node, step.position, value)
        return
    kept = [item for item in node if not _matches(item, step)]
    node[:] = kept
    if isinstance(value, dict):
        node.append(value)
    elif value:
        node.append({step.key: step.value})


def _set_item(items: list[object], position: int, value: object) -> None:
    """Set `items[position]`, padding the list with None so that reading it back finds `value`."""
    if position < 0:
        position += len(items)
        if position < 0:  # [-2] in a list of one: pad in front
            items[:0] = [None] * -position
            position = 0
    items.extend([None] * (position + 1 - len(items)))
    items[position] = value


class _Scanner:
    """Reads one path left to right, keeping the column for error messages."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, reason: str, pos: int | None = None) -> PathSyntaxError:
        return PathSyntaxError(self.text, (self.pos if pos is None else pos) + 1, reason)

    def name(self, what: str) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in _NAME_CHARS:
            self.pos += 1
        if self.pos == start:
            found = repr(self.text[start]) if start < len(self.text) else "the end"
            raise self.fail(f"expected {what}, found {found}")
        return self.text[start : self.pos]

    def bracket(self) -> Step:
        start = self.pos
        end = self.text.find("]", start)
        if end < 0:
            raise self.fail("'[' is never closed", start - 1)
        inside = self.text[start:end]
        self.pos = end + 1
        key, equals, value = inside.partition("=")
        if equals:
            if not key.strip() or not value.strip():
                raise self.fail(f"filter '[{inside}]' needs the form [key=value]", start)
            return Filter(key.strip(), value.strip())
        try:
            return Index(int(inside))
        except ValueError:
            raise self.fail(
                f"'[{inside}]' is neither an index like [0] nor a filter like [type=value]", start
            ) from None

    def steps(self) -> tuple[Step, ...]:
        steps: list[Step] = []
        if not self.text.startswith("["):
            steps.append(Key(self.name("a key")))
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == "[":
                if steps and isinstance(steps[-1], Filter):
                    raise self.fail(
                        "a filter picks an object: only '.key' may follow it", self.pos - 1
                    )
                steps.append(self.bracket())
            elif char == ".":
                steps.append(Key(self.name("a key after '.'")))
            else:
                raise self.fail(f"unexpected {char!r}", self.pos - 1)
        return tuple(steps)


def compile_path(text: str) -> FieldPath:
    """Compile a path such as `packages[0].delivery.trackings[type=x].number`."""
    if not text.strip():
        raise PathSyntaxError(text, 1, "the path is empty")
    return FieldPath(text, _Scanner(text).steps())


def compile_paths(texts: Iterable[str]) -> tuple[FieldPath, ...]:
    return tuple(compile_path(text) for text in texts)


class PathTree:
    """Groups of fallback paths (a rule file's fields) read together, shared prefixes once.

    The paths' steps are merged into a tree, kept as a flat list in which each step comes after
    the one it follows (its parent): one loop over it reads every path, each step taking its
    parent's value. `read(document)` gives, per group, the value of its first path that yields
    a non-null value (or None), as each path's own `read` would: reading changes nothing, so
    walking every path (a fallback whose field another path already found included) finds the
    same values.
    """

    def __init__(self, groups: Sequence[Sequence[FieldPath]]) -> None:
        # Place 0 is the document; a step's place is its index in `steps` plus one.
        places: dict[tuple[int, Step], int] = {}
        steps: list[tuple[int, Step]] = []
        ends: list[tuple[int, ...]] = []
        for paths in groups:
            group = []
            for path in paths:
                place = 0
                for step in path.steps:
                    parent, place = place, places.get((place, step), 0)
                    if not place:
                        steps.append((parent, step))
                        place = places[(parent, step)] = len(steps)
                group.append(place)
            ends.append(tuple(group))
        self._steps = tuple(steps)
        self._ends = tuple(ends)

    def read(self, document: object) -> list[object]:
        found: list[object] = [document]
        for parent, step in self._steps:
            node = found[parent]
            # Key and Index steps, nearly all steps, inline (the sync's hottest loop); `_take`
            # for the rest, as `FieldPath.read` takes every step.
            if node is None:
                pass
            elif type(step) is Key and type(node) is dict:
                node = node.get(step.name)
            elif type(step) is Index and type(node) is list:
                position = step.position
                node = node[position] if -len(node) <= position < len(node) else None
            else:
                node = _take(node, step)
            found.append(node)
        values: list[object] = []
        for group in self._ends:
            value = None
            for place in group:
                value = found[place]
                if value is not None:
                    break
            values.append(value)
        return values
