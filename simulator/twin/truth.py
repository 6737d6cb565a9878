"""What the twin holds true of its orders, read back from what it serves, to check a store by.

A test of the sync compares the store with the marketplace, and the marketplace's truth is what
the twin serves now: after the faults that rewrite orders (`odd_orders`) and move them
(`shift_listing`), and after the actions it applied. One `ReportedOrder` per order: its status
code, the rule file's status that code stands for (None for a code the rule file does not
declare), the order fault that made it odd, and its cart lines as served, in their order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.model.definition import RuleSet
from simulator.twin.lengow_json import cart_lines
from simulator.twin.odd_orders import OrderFault
from simulator.twin.orders import ServedOrder


@dataclass(frozen=True)
class ReportedLine:
    """One cart line as served (Lengow's `packages[0].cart[]`)."""

    line_id: str  # `marketplace_order_line_id`
    lengow_id: object  # Lengow's own `id` of the line
    marketplace_status: str | None
    lengow_status: str | None
    quantity: int | None
    amount: str | None


@dataclass(frozen=True)
class ReportedOrder:
    marketplace: str
    order_id: str
    updated_at: datetime
    code: str
    status: str | None  # None: the rule file does not declare `code`
    fault: OrderFault | None
    lines: tuple[ReportedLine, ...]

    @property
    def mixed(self) -> bool:
        """Whether the lines disagree on their status."""
        return len({(line.marketplace_status, line.lengow_status) for line in self.lines}) > 1


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _line(line: Mapping[str, object]) -> ReportedLine:
    quantity = line.get("quantity")
    return ReportedLine(
        str(line.get("marketplace_order_line_id")),
        line.get("id"),
        _text(line.get("marketplace_status")),
        _text(line.get("lengow_status")),
        quantity if isinstance(quantity, int) else None,
        _text(line.get("amount")),
    )


def reported_orders(
    orders: Sequence[ServedOrder],
    rules: Mapping[str, RuleSet],
    faults: Mapping[tuple[str, str], OrderFault],
) -> list[ReportedOrder]:
    """`orders` (as the twin serves them) read back; `faults` names the odd ones' faults."""
    reported = []
    for order in orders:
        code = str(order.document.get("marketplace_status"))
        rule_set = rules.get(order.marketplace)
        reported.append(
            ReportedOrder(
                order.marketplace,
                order.order_id,
                order.updated_at,
                code,
                rule_set.status_for_code(code) if rule_set else None,
                faults.get((order.marketplace, order.order_id)),
                tuple(_line(x) for x in cart_lines(order.document)),
            )
        )
    return reported
