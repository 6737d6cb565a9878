"""A new order's creation dated by the marketplace's own order date.

The runtime dates every event of an observation at the snapshot's time (`updated_at`): an order
first seen past its first status gets the statuses before inferred, at that time, and its
creation with them. But the marketplace reports when the order was placed (Lengow's
`marketplace_order_date`, `OrderSnapshot.ordered_at`): that is when it entered its first status,
an observed fact. So the creation event of an order the store did not hold takes that time and
is no longer inferred; the statuses between keep the snapshot's time, inferred, and now lie
between two known instants (what `analytics.censoring` bounds them by). An order date after the
snapshot's time, or none, changes nothing: the store never dates an event after it was seen.
"""

from __future__ import annotations

from datetime import datetime

from engine.model.events import Event
from engine.model.outcome import Outcome


def dated_creation(outcome: Outcome, ordered_at: datetime | None) -> Outcome:
    """`outcome` (the runtime's for an order the store did not hold) with its creation event at
    `ordered_at`, observed, when that is no later than the event's own time."""
    if not outcome.events or ordered_at is None:
        return outcome
    first = outcome.events[0]
    if first.from_status is not None or ordered_at > first.at:
        return outcome
    if ordered_at == first.at and not first.inferred:
        return outcome
    # Built directly, not by dataclasses.replace: this runs once per new order of a page.
    created = Event(
        first.order_id, None, first.to_status, first.trigger, first.actor, first.source, False,
        ordered_at, first.deviation,
    )  # fmt: skip
    events = (created, *outcome.events[1:])
    return Outcome(outcome.status, events, outcome.anomalies, outcome.command)
