"""From a scenario's located YAML to a `Scenario`, with every problem located.

It reads like the rule builder (the same `Reader`, the same messages) and checks every name the
scenario uses against its rule file: a happening's trigger must leave the status it is listed
under, a seller's action must be allowed there, a field value must be one of the field's codes.
Problems are collected, never raised one at a time.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.model.definition import RuleSet
from engine.model.problems import Location
from engine.rulefile.loader import check_file
from engine.rulefile.yaml_source import LocatedDict
from simulator.scenario.values import Arrivals, Scenario
from simulator.scenario.world_reader import WorldReader

FORMAT_VERSION = 1
TOP_KEYS = (
    "format",
    "name",
    "description",
    "rules",
    "start",
    "days",
    "arrivals",
    "orders",
    "marketplace",
    "seller",
)
REQUIRED_TOP = ("format", "rules", "start", "arrivals")


class ScenarioBuilder(WorldReader):
    """Builds one scenario; `problems` holds everything found on the way."""

    def __init__(self, file: str, rules: RuleSet | None = None) -> None:
        super().__init__(file)
        self.given_rules = rules

    def build(self, data: Any) -> Scenario | None:
        top = self.mapping(data, Location(self.file, 1, 1), "the scenario", TOP_KEYS, REQUIRED_TOP)
        if top is None:
            return None
        fmt = self.scalar(top, "format", int, "the scenario's", FORMAT_VERSION)
        if fmt != FORMAT_VERSION:
            self.problem(
                top.at("format"),
                f"unsupported format {fmt}",
                f"this orderflow reads scenario format {FORMAT_VERSION}",
            )
        rules = self.given_rules or self._rules(top)
        if rules is None:
            return None
        self.rules = rules
        orders = self._section(top, "orders", ("fields", "fulfilled_share"))
        seller = self._section(top, "seller", ("retry_after", "at"))
        return Scenario(
            name=self.scalar(top, "name", str, "the scenario's", Path(self.file).stem),
            description=self.scalar(top, "description", str, "the scenario's", ""),
            rules=rules,
            start=self._start(top),
            days=self._days(top),
            arrivals=self._arrivals(top),
            fields=self._mixes(orders, "fields", "'orders'"),
            fulfilled_share=self._fulfilled(orders),
            happenings=self._happenings(top),
            seller=self._seller(seller),
            retry_after=self.delay(seller, "retry_after", "'seller'")
            if "retry_after" in seller
            else None,
            source=self.file,
        )

    def _section(self, top: LocatedDict, key: str, allowed: tuple[str, ...]) -> LocatedDict:
        """The mapping at `key`, or an empty one (located at the top) when absent or wrong."""
        found = self.mapping(top[key], top.at(key), f"'{key}'", allowed) if key in top else None
        if found is not None:
            return found
        empty = LocatedDict()
        empty.where, empty.key_where, empty.value_where = top.where, {}, {}
        return empty

    # -- the frame -----------------------------------------------------------------------------

    def _rules(self, top: LocatedDict) -> RuleSet | None:
        name = self.scalar(top, "rules", str, "the scenario's", None)
        if name is None:
            return None
        path = Path(name)
        if not path.is_absolute():
            path = Path(self.file).parent / path
        if not path.exists():
            self.problem(
                top.at("rules"),
                f"the rule file '{name}' does not exist",
                f"looked for {path}; write a path relative to the scenario file",
            )
            return None
        rules, problems = check_file(path)
        if rules is None:
            self.problem(
                top.at("rules"),
                f"the rule file '{name}' has {len(problems)} problems",
                f"run: orderflow validate {path}",
            )
        return rules

    def _start(self, top: LocatedDict) -> datetime:
        default = datetime(2026, 1, 5, tzinfo=UTC)
        text = self.scalar(top, "start", str, "the scenario's", None)
        if text is None:
            return default
        try:
            start = datetime.fromisoformat(text)
        except ValueError:
            self.problem(
                top.at("start"),
                f"the scenario's 'start' must be a date and time such "
                f"as 2026-01-05T00:00:00Z, found '{text}'",
            )
            return default
        return start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)

    def _days(self, top: LocatedDict) -> int:
        days = self.scalar(top, "days", int, "the scenario's", 30)
        if days <= 0:
            self.problem(top.at("days"), f"the scenario's 'days' must be positive, found {days}")
            return 30
        return int(days)

    def _arrivals(self, top: LocatedDict) -> Arrivals:
        what = "'arrivals'"
        data = self.mapping(
            top.get("arrivals"), top.at("arrivals"), what, ("per_day", "count", "hourly", "weekly")
        )
        if data is None:
            return Arrivals(per_day=1.0, count=None)
        if ("per_day" in data) == ("count" in data):
            self.problem(
                data.where,
                f"{what} needs exactly one of 'per_day' (a rate) or "
                "'count' (a fixed number of orders)",
            )
        per_day = self.scalar(data, "per_day", float, what, None)
        count = self.scalar(data, "count", int, what, None)
        if per_day is not None and per_day <= 0:
            self.problem(
                data.at("per_day"), f"{what} 'per_day' must be positive, found {per_day:g}"
            )
        if count is not None and count < 0:
            self.problem(data.at("count"), f"{what} 'count' must not be negative, found {count}")
        return Arrivals(
            per_day, count, self._weights(data, "hourly", 24), self._weights(data, "weekly", 7)
        )

    def _weights(self, data: LocatedDict, key: str, size: int) -> tuple[float, ...]:
        if key not in data:
            return (1.0,) * size
        items = self.sequence(data[key], data.at(key), f"'arrivals' '{key}'")
        numbers = [
            v
            for v in items or ()
            if isinstance(v, int | float) and not isinstance(v, bool) and v >= 0
        ]
        if items is not None and (
            len(items) != size or len(numbers) != size or not math.fsum(numbers) > 0
        ):
            self.problem(
                data.at(key),
                f"'arrivals' '{key}' must list {size} weights, none "
                f"negative and not all zero, found {len(items)} items",
            )
            return (1.0,) * size
        return tuple(float(v) for v in numbers) if items is not None else (1.0,) * size

    def _fulfilled(self, orders: LocatedDict) -> float:
        share = self.probability(orders, "fulfilled_share", "'orders'", 0.0)
        if share > 0 and (
            self.rules.import_policy is None or not self.rules.import_policy.arrives_at
        ):
            self.problem(
                orders.at("fulfilled_share"),
                "orders fulfilled by the marketplace need "
                "an 'import_policy' with 'arrives_at' in the rule file",
            )
            return 0.0
        return share
