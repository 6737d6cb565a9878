"""The rows a batch of applied changes writes, each table's values in one fixed order.

A page writes some ten thousand rows (orders, events, cart lines); built straight as tuples in
each table's column order (`tables`), with no dict per row, they go to the driver as they are
(`bulk_insert`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Table

from engine.store.bulk_insert import Row
from engine.store.records import LocalChange, OrderChange, OrderKey
from engine.store.tables import anomalies, events, field_changes, lines, orders

REPORTED_LONGEST = 128  # anomalies.reported


def _names(table: Table, *, skip: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The columns of `table` in its own order (`tables`), but those in `skip`."""
    return tuple(column.name for column in table.columns if column.name not in skip)


ORDER_COLUMNS = _names(orders)
EVENT_COLUMNS = _names(events)
ANOMALY_COLUMNS = _names(anomalies, skip=("id",))  # the id is the database's
LINE_COLUMNS = _names(lines)
FIELD_CHANGE_COLUMNS = _names(field_changes, skip=("id",))


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
