"""Reading the numbers of a scenario: delays, probabilities and shares of field values.

The scenario builder's typed reads on top of the rule builder's `Reader`: a delay is a duration
(`30m`, fixed) or one of the shapes of `simulator.scenario.distributions` written as a mapping
(`{lognormal: {median: 6h, sigma: 0.8}}`); a probability is a number from 0 to 1; the shares of a
field's values are checked against the field's codes in the rule file.
"""

from __future__ import annotations

import re
from typing import Any

from engine.model.definition import FieldType, OrderField
from engine.model.problems import Location
from engine.rulefile.reader import Reader, describe, suggestion
from engine.rulefile.yaml_source import LocatedDict, LocatedList
from simulator.scenario.distributions import (
    SHAPES,
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    LogNormal,
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_EXAMPLE = "such as 30m, {exponential: {mean: 2h}} or {lognormal: {median: 6h, sigma: 0.8}}"


class DelayReader(Reader):
    """A `Reader` that also reads delays, probabilities and field shares."""

    def seconds(self, value: Any, where: Location, what: str) -> float | None:
        """Seconds from `15m`, `2h`, `5d`, `1w`, `90s` or a positive number of seconds."""
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
        match = _DURATION.match(value) if isinstance(value, str) else None
        if match is None or float(match.group(1)) <= 0:
            self.problem(
                where,
                f"{what} must be a positive duration such as 15m, 2h or 5d, "
                f"found {describe(value)}",
            )
            return None
        return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]

    def delay(self, data: LocatedDict, key: str, what: str) -> Distribution:
        """The delay at `key`; a located problem (and a one-second stand-in) when it is wrong.

        A missing key is a one-second stand-in only: the mapping's required keys report it.
        """
        if key not in data:
            return Fixed(1.0)
        value, where = data[key], data.at(key)
        if not isinstance(value, LocatedDict):
            seconds = self.seconds(value, where, f"{what} '{key}'")
            return Fixed(seconds or 1.0)
        if len(value) != 1 or next(iter(value)) not in SHAPES:
            shape = next(iter(value), "")
            self.problem(
                where,
                f"{what} '{key}' must be a duration or one of {', '.join(SHAPES)}, {_EXAMPLE}",
                suggestion(shape, SHAPES) if len(value) == 1 else "",
            )
            return Fixed(1.0)
        shape = next(iter(value))
        return self._shape(shape, value[shape], value.at(shape), f"{what} '{key}' {shape}")

    def _shape(self, shape: str, raw: Any, where: Location, what: str) -> Distribution:
        if shape == "fixed":
            return Fixed(self.seconds(raw, where, what) or 1.0)
        if shape == "empirical":
            return self._empirical(raw, where, what)
        keys = ("mean",) if shape == "exponential" else ("median", "sigma")
        data = self.mapping(raw, where, what, keys, keys)
        if data is None or any(k not in data for k in keys):
            return Fixed(1.0)
        if shape == "exponential":
            return Exponential(self.seconds(data["mean"], data.at("mean"), f"{what} mean") or 1.0)
        median = self.seconds(data["median"], data.at("median"), f"{what} median") or 1.0
        sigma = self.scalar(data, "sigma", float, what, 1.0)
        if sigma <= 0:
            self.problem(data.at("sigma"), f"{what} 'sigma' must be positive, found {sigma:g}")
            sigma = 1.0
        return LogNormal(median, sigma)

    def _empirical(self, raw: Any, where: Location, what: str) -> Distribution:
        data: Any = raw
        if isinstance(raw, LocatedList):
            data = LocatedDict(values=raw)
            data.where, data.key_where, data.value_where = where, {}, {"values": where}
        data = self.mapping(data, where, what, ("values", "weights"), ("values",))
        items = (
            self.sequence(data.get("values"), data.at("values"), f"{what} values")
            if data is not None
            else None
        )
        if not items:
            if items is not None:
                self.problem(where, f"{what} lists no values")
            return Fixed(1.0)
        values = [
            self.seconds(v, items.at(i), f"{what} value {i + 1}") for i, v in enumerate(items)
        ]
        weights = self._numbers(data, "weights", what) if "weights" in data else ()
        if weights and len(weights) != len(values):
            self.problem(
                data.at("weights"),
                f"{what} has {len(values)} values but {len(weights)} weights",
            )
            weights = ()
        return Empirical(tuple(v or 1.0 for v in values), weights)

    def _numbers(self, data: LocatedDict, key: str, what: str) -> tuple[float, ...]:
        items = self.sequence(data[key], data.at(key), f"{what} {key}") or LocatedList()
        numbers = [v for v in items if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(numbers) != len(items) or any(v < 0 for v in numbers) or not sum(numbers) > 0:
            self.problem(
                data.at(key), f"{what} {key} must be numbers, none negative and not all zero"
            )
            return ()
        return tuple(float(v) for v in numbers)

    def probability(
        self, data: LocatedDict, key: str, what: str, default: float | None = None
    ) -> float:
        """A number from 0 to 1 at `key`, else `default` (a required key is the mapping's to
        report missing)."""
        if key not in data:
            return default or 0.0
        value = self.scalar(data, key, float, what, None)
        if value is None:
            return default or 0.0
        if not 0 <= value <= 1:
            self.problem(data.at(key), f"{what} '{key}' must be between 0 and 1, found {value:g}")
            return default or 0.0
        return float(value)

    def shares(
        self, field: OrderField, data: LocatedDict, what: str
    ) -> tuple[tuple[str, float], ...] | None:
        """The weight of each value code of `field`, read from `values`; None when wrong."""
        if "values" not in data:
            return ()
        table = self.mapping(data["values"], data.at("values"), f"{what} 'values'")
        if table is None:
            return None
        result: list[tuple[str, float]] = []
        for raw, weight in table.items():
            code = self._code(field, raw, table.key_where[raw], what)
            if not isinstance(weight, int | float) or isinstance(weight, bool) or weight < 0:
                self.problem(
                    table.at(raw),
                    f"{what}: the share of '{raw}' must be a number, "
                    f"not negative, found {describe(weight)}",
                )
                code = None
            if code is not None:
                result.append((code, float(weight)))
        if result and not sum(w for _, w in result) > 0:
            self.problem(table.where, f"{what}: the shares are all zero")
            return None
        return tuple(result) if len(result) == len(table) else None

    def _code(self, field: OrderField, raw: str, where: Location, what: str) -> str | None:
        if field.type is FieldType.BOOL:
            if raw.casefold() in ("true", "false"):
                return raw.casefold()
            self.problem(where, f"{what}: '{raw}' is not true or false")
            return None
        if field.type is not FieldType.ENUM:
            return raw
        code = field.canonical(raw)
        if code is None:
            self.problem(
                where,
                f"{what}: unknown value '{raw}' of field '{field.name}'",
                suggestion(raw, field.codes) or f"expected one of: {', '.join(field.codes)}",
            )
        return code
