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

from dataclasses import replace
from datetime import datetime

from engine.model.outcome import Outcome


def dated_creation(outcome: Outcome, ordered_at: datetime | None) -> Outcome:
    """`outcome` (the runtime's for an order the store did not hold) with its creation event at
    `ordered_at`, observed, when that is no later than the event's own time."""
    if not outcome.events or ordered_at is None:
        return outcome
    first, *rest = outcome.events
    if first.from_status is not None or ordered_at > first.at:
        return outcome
    created = replace(first, at=ordered_at, inferred=False)
    return replace(outcome, events=(created, *rest))
