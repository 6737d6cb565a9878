"""Orders a marketplace reports truly but oddly: the twin's order faults.

A real listing serves orders no random legal walk makes: one whose cart lines disagree (the
seller refused one line and accepted the others, one line of a shipped order was refunded), one
at a declared status no rule path leads to for its fields (Cdiscount reports `PickedUp` for an
order whose delivery mode is not `MAG`), one at a code the rule file does not declare.
`OddOrders` rewrites what the twin serves of a few orders to be so (`mixed_lines=N`,
`unreachable=N`, `unknown_status=N`). The orders are drawn the first time the twin serves under
a setting, from what it then serves, sorted by marketplace and id, with a generator seeded by
the fault and N: the same twin seed and setting give the same orders. The three sets are
disjoint. An odd order keeps its `updated_at`, as if the marketplace had always reported it so
(set these faults before a client reads the orders), and stays odd when an action changes it.
Fewer than N orders are odd when fewer qualify: an unreachable one is an order not fulfilled by
the marketplace with a status its fields' paths leave out, a mixed one has two lines or more at
a status past acceptance (the last line is put in the other state).
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

import numpy as np

from engine.model.definition import RuleSet
from engine.model.lines import LineState
from engine.runtime.machine import TransitionTable
from engine.runtime.runtime import Runtime
from simulator.twin.faults import Faults
from simulator.twin.lengow_json import LengowRenderer, cart_lines
from simulator.twin.orders import ServedOrder

UNDECLARED_CODE = "NotInTheRuleFile"
"""The code `unknown_status` serves: no shipped rule file declares it."""


class OrderFault(StrEnum):
    UNREACHABLE = "unreachable"
    UNKNOWN_STATUS = "unknown_status"
    MIXED_LINES = "mixed_lines"


# The two line states a mixed order's lines take, by the Lengow stage of the order's status.
LINE_MIXES: Mapping[str, tuple[LineState, LineState]] = MappingProxyType(
    {
        "new": (LineState.ACCEPTED, LineState.REFUSED),
        "accepted": (LineState.ACCEPTED, LineState.REFUSED),
        "waiting_shipment": (LineState.ACCEPTED, LineState.REFUSED),
        "shipped": (LineState.SHIPPED, LineState.REFUNDED),
        "closed": (LineState.SHIPPED, LineState.REFUNDED),
    }
)

OrderKey = tuple[str, str]


@dataclass(frozen=True)
class Oddity:
    fault: OrderFault
    status: str | None = None  # unreachable: the declared status the order is served at


class _Market:
    """What the faults need of one rule set: its status codes, its machine, its field paths."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.renderer = LengowRenderer(rules, 0)
        self.table: TransitionTable = Runtime(rules).table
        self.flag = rules.import_policy.flag_field if rules.import_policy else None
        codes: dict[LineState, str] = {}
        for code, state in rules.line_statuses:
            codes.setdefault(state, code)
        self.line_codes = codes
        if rules.status_for_code(UNDECLARED_CODE) is not None:
            raise ValueError(f"{rules.marketplace.code} declares {UNDECLARED_CODE}")

    def fields(self, document: Mapping[str, object]) -> dict[str, object]:
        """The rule file's fields, read back along the paths the twin wrote them with."""
        fields = {name: path.read(document) for name, path in self.renderer.field_paths.items()}
        if self.flag is not None:
            fields[self.flag] = bool(fields.get(self.flag))
        return fields

    def reachable(self, fields: Mapping[str, object]) -> set[str]:
        """The statuses some legal path from an initial status reaches for these fields."""
        seen = set(self.rules.initial_statuses)
        waiting = deque(seen)
        while waiting:
            status = waiting.popleft()
            for trigger in self.rules.triggers:
                step = self.table.resolve(status, trigger, fields)
                if step is not None and step.dest not in seen:
                    seen.add(step.dest)
                    waiting.append(step.dest)
        return seen

    def unreachable(self, order: ServedOrder) -> list[str]:
        """The declared statuses no path reaches for the order's fields; none for an order the
        marketplace fulfils (it arrives where the import policy says)."""
        fields = self.fields(order.document)
        if self.flag is not None and fields[self.flag]:
            return []
        reached = self.reachable(fields)
        return [s.name for s in self.rules.statuses if s.name not in reached]

    def mix(self, document: Mapping[str, object]) -> tuple[LineState, LineState] | None:
        """The two states of a mixed order's lines, None for an order that cannot be mixed."""
        status = self.rules.status_for_code(str(document.get("marketplace_status")))
        if status is None or status in self.rules.initial_statuses or len(cart_lines(document)) < 2:
            return None
        return LINE_MIXES.get(self.rules.stage_of(status))


def _setting(faults: Faults) -> tuple[int, int, int]:
    return (faults.unreachable, faults.unknown_status, faults.mixed_lines)


class OddOrders:
    """The orders the order faults rewrite, and their rewritten documents."""

    def __init__(self, rule_sets: Sequence[RuleSet]) -> None:
        self._markets = {r.marketplace.code: _Market(r) for r in rule_sets}
        self._setting: tuple[int, int, int] = (0, 0, 0)
        self.chosen: dict[OrderKey, Oddity] = {}
        self._made: dict[OrderKey, tuple[Mapping[str, object], ServedOrder]] = {}

    def served(self, orders: Sequence[ServedOrder], faults: Faults) -> list[ServedOrder]:
        """`orders` with the odd ones rewritten; the odd ones are drawn on a new setting."""
        setting = _setting(faults)
        if setting != self._setting:
            self._setting = setting
            self.chosen = self._choose(orders, dict(zip(OrderFault, setting, strict=True)))
            self._made.clear()
        if not self.chosen:
            return list(orders)
        return [self.one(order) for order in orders]

    def redraws(self, faults: Faults) -> bool:
        """Whether `served` under `faults` draws the odd orders again: their setting changed."""
        return _setting(faults) != self._setting

    def one(self, order: ServedOrder) -> ServedOrder:
        """`order` as served under the setting drawn last: rewritten when it is odd."""
        return self._odd(order)

    def _choose(
        self, orders: Sequence[ServedOrder], counts: Mapping[OrderFault, int]
    ) -> dict[OrderKey, Oddity]:
        listed = sorted(
            (o for o in orders if o.marketplace in self._markets),
            key=lambda o: (o.marketplace, o.order_id),
        )
        chosen: dict[OrderKey, Oddity] = {}
        for number, (fault, count) in enumerate(counts.items()):
            if count == 0:
                continue
            rng = np.random.default_rng((number, count))
            taken = 0
            for index in rng.permutation(len(listed)):
                order = listed[int(index)]
                key = (order.marketplace, order.order_id)
                oddity = None if key in chosen else self._oddity(fault, order, rng)
                if oddity is not None:
                    chosen[key], taken = oddity, taken + 1
                    if taken == count:
                        break
        return chosen

    def _oddity(
        self, fault: OrderFault, order: ServedOrder, rng: np.random.Generator
    ) -> Oddity | None:
        market = self._markets[order.marketplace]
        if fault is OrderFault.UNKNOWN_STATUS:
            return Oddity(fault)
        if fault is OrderFault.MIXED_LINES:
            return Oddity(fault) if market.mix(order.document) is not None else None
        statuses = market.unreachable(order)
        if not statuses:
            return None
        finals = [s for s in statuses if s in market.rules.final_statuses] or statuses
        return Oddity(fault, finals[int(rng.integers(len(finals)))])

    def refusal(self, marketplace: str, order_id: str, action_type: str) -> str:
        """Why an action on an order served at another status than its source's is refused (as
        at that status), or an empty text: the source judges an action on any other order."""
        oddity = self.chosen.get((marketplace, order_id))
        if oddity is None or oddity.fault is OrderFault.MIXED_LINES:
            return ""
        shown = self._markets[marketplace].renderer.status_code(oddity.status or UNDECLARED_CODE)
        return f"action '{action_type}' is not possible at status '{shown}'"

    def _odd(self, order: ServedOrder) -> ServedOrder:
        key = (order.marketplace, order.order_id)
        oddity = self.chosen.get(key)
        if oddity is None:
            return order
        made = self._made.get(key)
        if made is not None and made[0] is order.document:
            return made[1]
        document = copy.deepcopy(dict(order.document))
        self._rewrite(document, self._markets[order.marketplace], oddity)
        odd = replace(order, document=document)
        self._made[key] = (order.document, odd)
        return odd

    def _rewrite(self, document: dict[str, object], market: _Market, oddity: Oddity) -> None:
        cart = cart_lines(document)
        if oddity.fault is OrderFault.UNREACHABLE and oddity.status is not None:
            code = market.renderer.status_code(oddity.status)
            stage = market.rules.stage_of(oddity.status)
            for part in (document, *cart):
                part["marketplace_status"], part["lengow_status"] = code, stage
        elif oddity.fault is OrderFault.UNKNOWN_STATUS:
            for part in (document, *cart):
                part["marketplace_status"] = UNDECLARED_CODE
        else:
            mix = market.mix(document)
            if mix is None:  # an action took the order where its lines agree
                return
            order_code = str(document.get("marketplace_status"))
            for n, line in enumerate(cart, start=1):
                state = mix[1] if n == len(cart) else mix[0]
                line["marketplace_status"] = market.line_codes.get(state, order_code)
                line["lengow_status"] = state.value
