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

from engine.definition import Actor, Location, RuleSet
from engine.loader import check_file
from engine.reader import suggestion
from engine.yamlsource import LocatedDict
from simulator.delay_reader import DelayReader
from simulator.scenario import Arrivals, FieldMix, Happening, Scenario, SellerMove

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
# Actors whose moves a scenario lists under `marketplace`; the seller has its own section and
# timers come from the rule file.
WORLD_ACTORS = (Actor.CUSTOMER, Actor.PAYMENT, Actor.MARKETPLACE)


class ScenarioBuilder(DelayReader):
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
            self.problem(data.at("per_day"), f"{what} 'per_day' must be positive")
        if count is not None and count < 0:
            self.problem(data.at("count"), f"{what} 'count' must not be negative")
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

    # -- the world -----------------------------------------------------------------------------

    def _happenings(self, top: LocatedDict) -> tuple[Happening, ...]:
        section = (
            self.mapping(top["marketplace"], top.at("marketplace"), "'marketplace'")
            if "marketplace" in top
            else None
        )
        result: list[Happening] = []
        for status, raw in (section or {}).items():
            if not self._status(status, section.key_where[status], "'marketplace'"):  # type: ignore[union-attr]
                continue
            for data in self._entries(raw, section.at(status), f"status '{status}'"):  # type: ignore[union-attr]
                entry = self.mapping(
                    data,
                    data.where,
                    f"a happening at '{status}'",
                    ("trigger", "probability", "after"),
                    ("trigger", "probability", "after"),
                )
                if entry is None:
                    continue
                probability = self.probability(entry, "probability", "the happening")
                after = self.delay(entry, "after", "the happening")
                if self._world_trigger(entry, status):
                    result.append(
                        Happening(status, entry["trigger"], probability, after, entry.where)
                    )
            self._total(result, status, section.at(status))  # type: ignore[union-attr]
        return tuple(result)

    def _entries(self, raw: Any, where: Location, what: str) -> list[LocatedDict]:
        items = self.sequence(raw, where, what)
        found = []
        for i, item in enumerate(items or ()):
            if not isinstance(item, LocatedDict):
                self.problem(items.at(i), f"each entry of {what} must be a mapping")  # type: ignore[union-attr]
            else:
                found.append(item)
        return found

    def _status(self, name: str, where: Location, what: str) -> bool:
        return self.reference(name, where, self.rules.status_by_name, "status", f"{what} names an")

    def _world_trigger(self, entry: LocatedDict, status: str) -> bool:
        trigger = self.scalar(entry, "trigger", str, "the happening's", "")
        leaving = [
            t for t in self.rules.transitions if t.trigger == trigger and status in t.sources
        ]
        if not leaving:
            known = {t.trigger for t in self.rules.transitions if status in t.sources}
            self.problem(
                entry.at("trigger"),
                f"no transition '{trigger}' leaves status '{status}'",
                suggestion(trigger, known)
                or f"triggers leaving it: {', '.join(sorted(known)) or 'none'}",
            )
            return False
        if any(t.actor not in WORLD_ACTORS for t in leaving):
            self.problem(
                entry.at("trigger"),
                f"transition '{trigger}' is caused by the "
                f"{leaving[0].actor}, not by a customer, the payment or the marketplace",
                "seller moves go under 'seller'; timers come from the rule file",
            )
            return False
        return True

    def _total(self, moves: list[Any], status: str, where: Location) -> None:
        total = math.fsum(m.probability for m in moves if m.status == status)
        if total > 1 + 1e-9:
            self.problem(
                where, f"the probabilities at status '{status}' add up to {total:g}, more than 1"
            )

    # -- the seller ----------------------------------------------------------------------------

    def _seller(self, seller: LocatedDict) -> tuple[SellerMove, ...]:
        if "at" not in seller:
            return ()
        section = self.mapping(seller["at"], seller.at("at"), "the seller's 'at'")
        result: list[SellerMove] = []
        for status, raw in (section or {}).items():
            if not self._status(status, section.key_where[status], "the seller's 'at'"):  # type: ignore[union-attr]
                continue
            for data in self._entries(raw, section.at(status), f"the seller at '{status}'"):  # type: ignore[union-attr]
                move = self._move(data, status)
                if move is not None:
                    result.append(move)
            self._total(result, status, section.at(status))  # type: ignore[union-attr]
        return tuple(result)

    def _move(self, data: LocatedDict, status: str) -> SellerMove | None:
        what = f"a seller move at '{status}'"
        entry = self.mapping(
            data,
            data.where,
            what,
            ("action", "probability", "after", "fills"),
            ("action", "probability", "after"),
        )
        if entry is None:
            return None
        action = self.scalar(entry, "action", str, what, "")
        probability = self.probability(entry, "probability", what)
        after = self.delay(entry, "after", what)
        fills = self._mixes(entry, "fills", f"action '{action}'")
        if not self.reference(
            action, entry.at("action"), self.rules.action_by_name, "action", f"{what} names an"
        ):
            return None
        allowed = self.rules.action_by_name[action].at
        if status not in allowed:
            self.problem(
                entry.at("action"),
                f"action '{action}' is not allowed at status '{status}'",
                f"the rule file allows it at: {', '.join(allowed)}",
            )
            return None
        return SellerMove(status, action, probability, after, fills, entry.where)

    # -- fields --------------------------------------------------------------------------------

    def _mixes(self, data: LocatedDict, key: str, what: str) -> tuple[FieldMix, ...]:
        if key not in data:
            return ()
        section = self.mapping(data[key], data.at(key), f"{what} '{key}'")
        result = []
        for name, raw in (section or {}).items():
            where = section.key_where[name]  # type: ignore[union-attr]
            if self.reference(name, where, self.rules.field_by_name, "field", f"{what} names an"):
                mix = self.field_mix(name, raw, section.at(name))  # type: ignore[union-attr]
                if mix is not None:
                    result.append(mix)
        return tuple(result)

    def field_mix(self, name: str, raw: Any, where: Location) -> FieldMix | None:
        what = f"the mix of field '{name}'"
        data = self.mapping(raw, where, what, ("values", "missing"))
        if data is None:
            return None
        field = self.rules.field_by_name[name]
        shares = self.shares(field, data, what)
        if shares is None:
            return None
        missing = self.probability(data, "missing", what, 0.0)
        if not shares and missing < 1 and field.values:
            self.problem(data.where, f"{what} needs 'values' (the share of each value)")
            return None
        return FieldMix(name, shares, missing, data.where)
