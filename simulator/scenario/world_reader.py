"""Reading what happens in a scenario's world: happenings, the seller's moves, field mixes.

The part of the scenario builder that checks every name against the rule file: a happening's
trigger must leave the status it is listed under and be caused by a customer, the payment or
the marketplace; a seller's action must be allowed at its status; a field and its values must be
the rule file's. `self.rules` is set by the builder before any of these runs.
"""

from __future__ import annotations

import math
from typing import Any

from engine.model.definition import Actor, RuleSet
from engine.model.problems import Location
from engine.rulefile.reader import suggestion
from engine.rulefile.yaml_source import LocatedDict
from simulator.scenario.delay_reader import DelayReader
from simulator.scenario.values import FieldMix, Happening, SellerMove

# Actors whose moves a scenario lists under `marketplace`; the seller has its own section and
# timers come from the rule file.
WORLD_ACTORS = (Actor.CUSTOMER, Actor.PAYMENT, Actor.MARKETPLACE)


class WorldReader(DelayReader):
    """Reads the world sections of one scenario against `self.rules`."""

    rules: RuleSet

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
        if "trigger" not in entry:  # reported with the happening's missing keys
            return False
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
        if "action" not in entry:  # reported with the move's missing keys
            return None
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
