"""The rows a batch of applied changes writes, each table's values in one fixed order.

A page writes some ten thousand rows (orders, events, cart lines); built straight as tuples in
the column order named here, with no dict per row, they go to the driver as they are
(`bulk_insert`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from engine.store.bulk_insert import Row
from engine.store.records import LocalChange, OrderChange, OrderKey

REPORTED_LONGEST = 128  # anomalies.reported

ORDER_COLUMNS = (
    "marketplace",
    "order_id",
    "status",
    "entered_at",
    "updated_at",
    "rules_version",
    "seq",
    "prev_seq",
    "fields",
    "snapshot",
    "account",
)
EVENT_COLUMNS = (
    "marketplace",
    "order_id",
    "seq",
    "from_status",
    "to_status",
    "trigger",
    "actor",
    "source",
    "inferred",
    "at",
    "deviation",
)
ANOMALY_COLUMNS = ("marketplace", "order_id", "from_status", "reported", "kind", "message", "at")
LINE_COLUMNS = (
    "marketplace",
    "order_id",
    "line_id",
    "position",
    "marketplace_status",
    "lengow_status",
    "state",
    "quantity",
    "amount",
)
FIELD_CHANGE_COLUMNS = ("marketplace", "order_id", "seq", "field", "old", "new", "at")


def order_rows(applied: Sequence[OrderChange]) -> list[Row]:
    """One row per order: its last applied state, `prev_seq` from its first (the stored seq)."""
    stored_seq: dict[OrderKey, int] = {}
    rows: dict[OrderKey, Row] = {}
    for c in applied:
        key = c.key
        prev_seq = stored_seq.setdefault(key, c.base_seq)
        rows[key] = (
            c.marketplace,
            c.order_id,
            c.status,
            c.entered_at,
            c.updated_at,
            c.rules_version,
            c.seq,
            prev_seq,
            c.fields,
            c.snapshot,
            c.account,
        )
    return list(rows.values())


def event_rows(written: Iterable[OrderChange | LocalChange]) -> list[Row]:
    """Every change's events, numbered on from the event count it was based on."""
    return [
        (
            c.marketplace,
            c.order_id,
            number,
            e.from_status,
            e.to_status,
            e.trigger,
            str(e.actor),
            str(e.source),
            e.inferred,
            e.at,
            e.deviation,
        )
        for c in written
        for number, e in enumerate(c.events, start=c.base_seq + 1)
    ]


def _clipped(text: str, longest: int) -> str:
    return text if len(text) <= longest else text[: longest - 1] + "…"


def anomaly_rows(written: Iterable[OrderChange | LocalChange]) -> list[Row]:
    return [
        (
            c.marketplace,
            c.order_id,
            a.from_status,
            # `field=value` of an unlisted value may be long; the message keeps it whole.
            _clipped(a.reported, REPORTED_LONGEST),
            str(a.kind),
            a.message,
            a.at,
        )
        for c in written
        for a in c.anomalies
    ]


def line_rows(last: Iterable[OrderChange]) -> list[Row]:
    """The cart lines of each change, numbered in the marketplace's order."""
    return [
        (
            c.marketplace,
            c.order_id,
            line.line_id,
            position,
            line.marketplace_status,
            line.lengow_status,
            str(line.state),
            line.quantity,
            line.amount,
        )
        for c in last
        for position, line in enumerate(c.lines)
    ]


def field_change_rows(applied: Iterable[OrderChange]) -> list[Row]:
    """The rule fields each change reports changed, kept after its order's `base_seq` events."""
    return [
        (c.marketplace, c.order_id, c.base_seq, f.field, f.old, f.new, f.at)
        for c in applied
        for f in c.field_changes
    ]
