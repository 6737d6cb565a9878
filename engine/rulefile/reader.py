"""Typed reads from located YAML, collecting problems instead of raising.

The rule builder and the scenario loader both turn hand-written YAML into values; this is the
shared part: "give me a mapping / a name / a duration at this key", recording a located problem
(with a did-you-mean hint) when the file holds something else. A read that fails returns a
default or None so the caller goes on and reports the file's other problems too.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from engine.model.problems import Location, Problem
from engine.rulefile.yaml_source import LocatedDict, LocatedList

_DURATION = re.compile(r"^\s*(\d{1,9}(?:\.\d{1,9})?)\s*(s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Ten years: beyond it a duration is a typo, and datetime arithmetic would overflow sooner or later.
MAX_DURATION_SECONDS = 3650 * 86400
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
    """How a value found in a file reads in a message: 'the text 'x'', 'a list'..."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"the text '{_clip(str(value))}'"


def _clip(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "..."


def _of(key: str, what: str) -> str:
    """`'final' of status 'X'`, or `the scenario's 'format'` when `what` is a possessive."""
    return f"{what} '{key}'" if what.endswith("'s") else f"'{key}' of {what}"


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
        """`value` as a mapping; unknown and missing keys are reported when lists are given.

        `where` locates the problems about the mapping as a whole (usually the key naming it).
        """
        if not isinstance(value, LocatedDict):
            self.problem(where, f"{what} must be a mapping, found {describe(value)}")
            return None
        allowed = tuple(allowed)
        for key in value if allowed else ():
            if key not in allowed:
                self.problem(
                    value.key_where[key],
                    f"unknown key '{key}' in {what}",
                    suggestion(key, allowed) or f"expected one of: {', '.join(allowed)}",
                )
        for key in required:
            if key not in value:
                self.problem(where, f"{what} is missing the key '{key}'")
        return value

    def sequence(self, value: Any, where: Location, what: str) -> LocatedList | None:
        if not isinstance(value, LocatedList):
            self.problem(where, f"{what} must be a list, found {describe(value)}")
            return None
        return value

    def items(self, value: Any, where: Location, what: str) -> LocatedList:
        """`value` as a list, or an empty list (and a problem) when it is something else."""
        found = self.sequence(value, where, what)
        return found if found is not None else LocatedList.empty(where)

    def scalar(
        self, data: LocatedDict, key: str, kind: type, what: str, default: Any = None
    ) -> Any:
        """The value at `key` when it has the expected type; `default` when absent or wrong."""
        if key not in data:
            return default
        value = data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return self._float(data, key, what, default)
        if kind is str and isinstance(value, int | float) and not isinstance(value, bool):
            return str(data.as_written(key))
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.problem(
                data.at(key),
                f"{_of(key, what)} must be {_TYPE_NAMES.get(kind, kind.__name__)}, "
                f"found {describe(value)}",
            )
            return default
        return value

    def _float(self, data: LocatedDict, key: str, what: str, default: Any) -> Any:
        try:
            return float(data[key])
        except OverflowError:  # YAML reads any number of digits; a float holds about 308
            text = _clip(str(data.as_written(key)))
            self.problem(data.at(key), f"{_of(key, what)} is too large a number: {text}")
            return default

    def names(self, data: LocatedDict, key: str, what: str) -> tuple[tuple[str, Location], ...]:
        """A name or a list of names at `key`, each with where it was written."""
        value = data.get(key)
        if isinstance(value, str):
            return ((value, data.at(key)),)
        if isinstance(value, LocatedList) and value:
            wrong = [i for i, v in enumerate(value) if not isinstance(v, str)]
            for i in wrong:
                message = f"{_of(key, what)} must list names, found {describe(value[i])}"
                self.problem(value.at(i), message)
            return () if wrong else tuple((v, value.at(i)) for i, v in enumerate(value))
        if key in data:
            self.problem(
                data.at(key),
                f"{_of(key, what)} must be a name or a list of names, found {describe(value)}",
            )
        return ()

    def name(self, data: LocatedDict, key: str, what: str) -> tuple[str, Location] | None:
        """A single name at `key` (a list of one is accepted), with where it was written."""
        found = self.names(data, key, what)
        if len(found) > 1:
            self.problem(data.at(key), f"{_of(key, what)} must be one name, not a list")
            return None
        return found[0] if found else None

    def duration(
        self, data: LocatedDict, key: str, what: str, allow_zero: bool = False
    ) -> int | None:
        """Seconds from `15m`, `2h`, `5d`, `1w`, `90s` or a whole number of seconds."""
        if key not in data:
            self.problem(data.where, f"{what} is missing the key '{key}'")
            return None
        value = data[key]
        seconds: float | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            seconds = value
        elif isinstance(value, str) and (match := _DURATION.match(value)):
            seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        if seconds is None or seconds < 0 or (seconds == 0 and not allow_zero):
            kind = "a duration (0s or more)" if allow_zero else "a positive duration"
            self.problem(
                data.at(key),
                f"{_of(key, what)} must be {kind} such as 15m, 2h or 5d, found {describe(value)}",
            )
            return None
        if seconds > MAX_DURATION_SECONDS:
            self.problem(data.at(key), f"{_of(key, what)} is longer than ten years: {value}")
            return None
        if seconds != int(seconds):  # rounding down would make 0.5s a zero, that is no delay
            self.problem(
                data.at(key),
                f"{_of(key, what)} must be a whole number of seconds, found {describe(value)}",
                "durations count whole seconds: round it, or write it in a smaller unit",
            )
            return None
        return int(seconds)

    def reference(
        self,
        name: str,
        where: Location,
        known: Iterable[str],
        kind: str,
        context: str,
        otherwise: str = "",
    ) -> bool:
        """Report `name` when it is not among `known`; True when it is known.

        The message reads `{context} unknown {kind} '{name}'`, with a did-you-mean hint, or
        `otherwise` when no known name is close.
        """
        known = tuple(known)
        if name in known:
            return True
        self.problem(
            where, f"{context} unknown {kind} '{name}'", suggestion(name, known) or otherwise
        )
        return False
