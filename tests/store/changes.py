"""Order changes for the store tests, built the way the sync builds them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.model.events import Anomaly, AnomalyKind, Event, Source
from engine.store import OrderChange

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MP = "cdiscount"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def event(order_id: str, src: str | None, dst: str, minutes: int, inferred: bool = False) -> Event:
    trigger = "create" if src is None else f"to_{dst}"
    return Event(order_id, src, dst, trigger, "marketplace", Source.FETCH, inferred, at(minutes))


def new_order(
    order_id: str, minutes: int = 0, status: str = "WaitingForSellerAcceptation"
) -> OrderChange:
    """A first snapshot: one creation event."""
    return OrderChange(
        marketplace=MP,
        order_id=order_id,
        status=status,
        entered_at=at(minutes),
        updated_at=at(minutes),
        rules_version="2026.11.1",
        base_seq=0,
        events=(event(order_id, None, status, minutes),),
        fields={"delivery_mode": "TRK"},
        snapshot={"marketplace_order_id": order_id, "marketplace_status": status},
    )


def moved(before: OrderChange, status: str, minutes: int, via: tuple[str, ...] = ()) -> OrderChange:
    """The next snapshot of `before`'s order: `via` statuses inferred, then `status` observed."""
    path = (*via, status)
    sources = (before.status, *via)
    events = tuple(
        event(before.order_id, src, dst, minutes, inferred=dst != status)
        for src, dst in zip(sources, path, strict=True)
    )
    return OrderChange(
        marketplace=before.marketplace,
        order_id=before.order_id,
        status=status,
        entered_at=at(minutes),
        updated_at=at(minutes),
        rules_version=before.rules_version,
        base_seq=before.seq,
        events=events,
        fields=before.fields,
        snapshot={"marketplace_order_id": before.order_id, "marketplace_status": status},
    )


def unknown_status(order_id: str, minutes: int, reported: str) -> Anomaly:
    return Anomaly(
        order_id,
        None,
        reported,
        AnomalyKind.UNKNOWN_STATUS,
        f"status '{reported}' is not in the rules",
        at(minutes),
    )
