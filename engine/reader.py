"""Typed reads from located YAML, collecting problems instead of raising.

The rule builder and the scenario loader both turn hand-written YAML into values; this is the
shared part: "give me a mapping / a name / a duration at this key", recording a located problem
(with a did-you-mean hint) when the file holds something else.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from engine.definition import Location
from engine.yamlsource import LocatedDict, LocatedList, Problem

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_TYPE_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "a text",
    bool: "true or false",
    int: "a whole number",
    float: "a number",
}


def suggestion(name: str, known: Iterable[str]) -> str:
    """A did-you-mean hint for a misspelt name, or an empty string."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"the text '{value}'"


class Reader:
    """Collects the problems of one file while values are read from it."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, where: Location, message: str, hint: str = "") -> None:
        self.problems.append(Problem(where, message, hint))

    def mapping(
        self,
        value: Any,
        where: Location,
        what: str,
        allowed: Iterable[str] = (),
        required: Iterable[str] = (),
    ) -> LocatedDict | None:
        """`value` as a mapping; unknown and missing keys are reported when lists are given."""
        if not isinstance(value, LocatedDict):
            self.problem(where, f"{what} must be a mapping, found {describe(value)}")
            return None
        allowed = tuple(allowed)
        if allowed:
            for key in value:
                if key not in allowed:
                    self.problem(
                        value.key_where[key],
                        f"unknown key '{key}' in {what}",
                        suggestion(key, allowed) or f"expected one of: {', '.join(allowed)}",
                    )
        for key in required:
            if key not in value:
                self.problem(value.where, f"{what} is missing the key '{key}'")
        return value

    def sequence(self, value: Any, where: Location, what: str) -> LocatedList | None:
        if not isinstance(value, LocatedList):
            self.problem(where, f"{what} must be a list, found {describe(value)}")
            return None
        return value

    def scalar(self, data: LocatedDict, key: str, kind: type, what: str, default: Any = None) -> Any:
        """The value at `key` when it has the expected type; `default` when absent or wrong."""
        if key not in data:
            return default
        value = data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.problem(
                data.at(key),
                f"{what} '{key}' must be {_TYPE_NAMES.get(kind, kind.__name__)}, "
                f"found {describe(value)}",
            )
            return default
        return value

    def names(self, data: LocatedDict, key: str, what: str) -> tuple[tuple[str, Location], ...]:
        """A name or a list of names at `key`, each with where it was written."""
        value = data.get(key)
        if isinstance(value, str):
            return ((value, data.at(key)),)
        if isinstance(value, LocatedList) and value and all(isinstance(v, str) for v in value):
            return tuple((v, value.at(i)) for i, v in enumerate(value))
        if key in data:
            self.problem(
                data.at(key), f"{what} '{key}' must be a name or a list of names, "
                f"found {describe(value)}"
            )
        return ()

    def duration(self, data: LocatedDict, key: str, what: str) -> int | None:
        """Seconds from `15m`, `2h`, `5d`, `1w`, `90s` or a whole number of seconds."""
        if key not in data:
            self.problem(data.where, f"{what} is missing the key '{key}'")
            return None
        value = data[key]
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        match = _DURATION.match(value) if isinstance(value, str) else None
        if match is None or float(match.group(1)) <= 0:
            self.problem(
                data.at(key),
                f"{what} '{key}' must be a positive duration such as 15m, 2h or 5d, "
                f"found {describe(value)}",
            )
            return None
        return int(float(match.group(1)) * _UNIT_SECONDS[match.group(2)])

    def reference(
        self, name: str, where: Location, known: Iterable[str], kind: str, context: str
    ) -> bool:
        """Report `name` when it is not among `known`; True when it is known."""
        known = tuple(known)
        if name in known:
            return True
        self.problem(where, f"{context} unknown {kind} '{name}'", suggestion(name, known))
        return False
