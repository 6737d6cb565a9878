"""An order's cart lines: each with its own status, and what their mix says about the order.

A marketplace may accept, refuse, ship, cancel or refund one line of a cart and not the others
(Lengow's `packages[].cart[]`, each line with its `marketplace_status` and `lengow_status`). A
line's state is read from its marketplace code through the rule file's `lines.statuses`, then
from Lengow's normalised `lengow_status`; a line neither names is `unknown` (fail closed: an
unknown line never counts as agreeing with the others).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class LineState(StrEnum):
    WAITING = "waiting"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    SHIPPED = "shipped"
    CANCELED = "canceled"
    REFUNDED = "refunded"
    UNKNOWN = "unknown"


LENGOW_LINE_STATES: Mapping[str, LineState] = {
    "new": LineState.WAITING,
    "waiting_acceptance": LineState.WAITING,
    "accepted": LineState.ACCEPTED,
    "waiting_shipment": LineState.ACCEPTED,
    "shipped": LineState.SHIPPED,
    "closed": LineState.SHIPPED,
    "refused": LineState.REFUSED,
    "canceled": LineState.CANCELED,
    "refunded": LineState.REFUNDED,
    "partial_refunded": LineState.REFUNDED,
}
"""Lengow's normalised line statuses (`lengow_status`), the same for every marketplace."""


@dataclass(frozen=True)
class OrderLine:
    """One cart line as the marketplace last reported it."""

    line_id: str
    marketplace_status: str | None
    lengow_status: str | None
    state: LineState
    quantity: int | None = None
    amount: str | None = None


def line_state(
    marketplace_status: str | None,
    lengow_status: str | None,
    statuses: Mapping[str, LineState],
) -> LineState:
    """The rule file's state for the marketplace's code, else Lengow's, else unknown."""
    if marketplace_status is not None and marketplace_status in statuses:
        return statuses[marketplace_status]
    if lengow_status is not None:
        return LENGOW_LINE_STATES.get(lengow_status.casefold(), LineState.UNKNOWN)
    return LineState.UNKNOWN


# What a line in each state makes of an order whose lines disagree, in the order they are named.
_PARTIAL = {
    LineState.ACCEPTED: "partial acceptance",
    LineState.SHIPPED: "partial shipment",
    LineState.REFUSED: "partial refusal",
    LineState.CANCELED: "partial cancellation",
    LineState.REFUNDED: "partial refund",
    LineState.UNKNOWN: "line status unknown",
}


def line_mix(states: Iterable[LineState | str]) -> tuple[str, ...]:
    """How an order's lines disagree: () when they all share one state (or there are none).

    Otherwise one label per state some lines are in and others not ("partial refusal", ...);
    a line in an unknown state is named too, so a mix is never hidden by a line we cannot read.
    """
    present = {LineState(s) for s in states}
    if len(present) <= 1:
        return ()
    return tuple(label for state, label in _PARTIAL.items() if state in present)
