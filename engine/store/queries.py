"""Reading the store back: orders for the runtime, events for analytics, the open timers.

Each function takes a connection (the caller's transaction, so reads are consistent with one
another) and returns records or a DataFrame, never rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, Table, bindparam, func, select

from engine.model.events import EVENT_LOG_COLUMNS
from engine.model.lines import LineState, OrderLine
from engine.store.columns import from_utc_text
from engine.store.records import (
    OpenOrder,
    OrderKey,
    OrderState,
    StoredAnomaly,
    StoredEvent,
    StoredFieldChange,
)
from engine.store.tables import anomalies, events, field_changes, lines, orders

if TYPE_CHECKING:
    # pandas is imported where a DataFrame is made: a sync or a writer never pays for it.
    import pandas as pd


# Order ids per `IN` list: well under SQLite's bound-parameter limit.
KEY_CHUNK = 500


def _order_state(row: Any) -> OrderState:
    return OrderState(
        marketplace=row.marketplace,
        order_id=row.order_id,
        status=row.status,
        entered_at=row.entered_at,
        updated_at=row.updated_at,
        rules_version=row.rules_version,
        seq=row.seq,
        fields=row.fields,
        snapshot=row.snapshot,
        account=row.account,
    )


def key_chunks(keys: Iterable[OrderKey], table: Table = orders) -> Iterator[ColumnElement[bool]]:
    """Conditions selecting `keys` in `table`, a bounded number at a time.

    One marketplace and a list of order ids per condition: both databases then look each id
    up in the primary key (SQLite scans the table for a list of (marketplace, id) pairs).
    """
    for marketplace, chunk in id_chunks(keys):
        yield (table.c.marketplace == marketplace) & table.c.order_id.in_(chunk)


def id_chunks(keys: Iterable[OrderKey]) -> Iterator[tuple[str, list[str]]]:
    """`keys` as (marketplace, order ids), each id once, at most `KEY_CHUNK` ids at a time."""
    by_marketplace: dict[str, list[str]] = {}
    for marketplace, order_id in dict.fromkeys(keys):
        by_marketplace.setdefault(marketplace, []).append(order_id)
    for marketplace, ids in by_marketplace.items():
        for start in range(0, len(ids), KEY_CHUNK):
            yield marketplace, ids[start : start + KEY_CHUNK]


# Built once: a statement of its own per page cost more to prepare than the read itself.
_ORDERS_BY_ID = select(orders).where(
    orders.c.marketplace == bindparam("marketplace"),
    orders.c.order_id.in_(bindparam("ids", expanding=True)),
)
# SQLite's, for the driver: the columns `_sqlite_state` decodes, in its order.
_SQLITE_ORDERS = (
    "SELECT order_id, status, entered_at, updated_at, rules_version, seq, fields, snapshot,"
    " account FROM orders WHERE marketplace = ? AND order_id IN ({})"
)


def _sqlite_state(marketplace: str, row: Sequence[Any]) -> OrderState:
    """A row of `_SQLITE_ORDERS` decoded as the column types decode it (`columns`)."""
    order_id, status, entered_at, updated_at, version, seq, fields, snapshot, account = row
    return OrderState(
        marketplace, order_id, status, None if entered_at is None else from_utc_text(entered_at),
        from_utc_text(updated_at), version, seq, json.loads(fields), json.loads(snapshot), account,
    )  # fmt: skip


def get_orders(connection: Connection, keys: Iterable[OrderKey]) -> dict[OrderKey, OrderState]:
    """The stored state of each of `keys` the store has; absent keys are new orders.

    SQLite's read goes straight to the driver, as `ingestion.stored_clocks`' does: once a page,
    mostly finding nothing, building the statement cost more than the read.
    """
    found: dict[OrderKey, OrderState] = {}
    sqlite = connection.dialect.name == "sqlite"
    for marketplace, ids in id_chunks(keys):
        if sqlite:
            sql = _SQLITE_ORDERS.format(", ".join("?" * len(ids)))
            rows = connection.exec_driver_sql(sql, (marketplace, *ids))
            states = [_sqlite_state(marketplace, row) for row in rows]
        else:
            params = {"marketplace": marketplace, "ids": ids}
            states = [_order_state(row) for row in connection.execute(_ORDERS_BY_ID, params)]
        found.update((state.key, state) for state in states)
    return found


def in_flight(
    connection: Connection, marketplace: str, finals: Collection[str]
) -> list[OrderState]:
    """The orders of `marketplace` at a status, none of `finals`, by order id."""
    query = (
        select(orders)
        .where(orders.c.marketplace == marketplace, orders.c.status.is_not(None))
        .order_by(orders.c.order_id)
    )
    if finals:
        query = query.where(orders.c.status.not_in(list(finals)))
    return [_order_state(row) for row in connection.execute(query)]


def count_orders(connection: Connection, marketplace: str | None = None) -> int:
    query = select(func.count()).select_from(orders)
    if marketplace is not None:
        query = query.where(orders.c.marketplace == marketplace)
    return int(connection.execute(query).scalar_one())


def order_events(connection: Connection, marketplace: str, order_id: str) -> list[StoredEvent]:
    query = (
        select(*(events.c[name] for name in EVENT_LOG_COLUMNS), events.c.deviation)
        .where(events.c.marketplace == marketplace, events.c.order_id == order_id)
        .order_by(events.c.seq)
    )
    return [StoredEvent(*row) for row in connection.execute(query)]


def order_lines(connection: Connection, marketplace: str, order_id: str) -> list[OrderLine]:
    """The order's cart lines as last reported, in the marketplace's order."""
    query = (
        select(lines)
        .where(lines.c.marketplace == marketplace, lines.c.order_id == order_id)
        .order_by(lines.c.position)
    )
    return [
        OrderLine(
            row.line_id,
            row.marketplace_status,
            row.lengow_status,
            LineState(row.state),
            row.quantity,
            row.amount,
        )
        for row in connection.execute(query)
    ]


def line_states(
    connection: Connection, marketplace: str | None = None
) -> dict[OrderKey, list[str]]:
    """Every order's line states, in line order: what the line mixes are computed from."""
    query = select(lines.c.marketplace, lines.c.order_id, lines.c.state).order_by(
        lines.c.marketplace, lines.c.order_id, lines.c.position
    )
    if marketplace is not None:
        query = query.where(lines.c.marketplace == marketplace)
    found: dict[OrderKey, list[str]] = {}
    for market, order_id, state in connection.execute(query):
        found.setdefault((market, order_id), []).append(state)
    return found


def order_field_changes(
    connection: Connection, marketplace: str, order_id: str
) -> list[StoredFieldChange]:
    c = field_changes.c
    query = (
        select(c.marketplace, c.order_id, c.seq, c.field, c.old, c.new, c.at)
        .where(c.marketplace == marketplace, c.order_id == order_id)
        .order_by(c.seq, c.id)
    )
    return [StoredFieldChange(*row) for row in connection.execute(query)]


def events_frame(
    connection: Connection,
    marketplace: str | None = None,
    stage_of: Callable[[str], str] | Mapping[str, str] | None = None,
    fields: Sequence[str] = (),
    since: datetime | None = None,
    categorical: bool = False,
) -> pd.DataFrame:
    """The event log as a DataFrame (`event_frame.events_frame`, read column by column).

    That module imports pandas, here only when a frame is asked for: a sync or a writer never
    pays for it.
    """
    from engine.store import event_frame

    return event_frame.events_frame(connection, marketplace, stage_of, fields, since, categorical)


def order_anomalies(
    connection: Connection, marketplace: str | None = None, order_id: str | None = None
) -> list[StoredAnomaly]:
    query = select(anomalies).order_by(anomalies.c.id)
    if marketplace is not None:
        query = query.where(anomalies.c.marketplace == marketplace)
    if order_id is not None:
        query = query.where(anomalies.c.order_id == order_id)
    return [StoredAnomaly(*row) for row in connection.execute(query)]


def open_orders(
    connection: Connection,
    statuses: Collection[str],
    marketplace: str | None = None,
    entered_before: datetime | None = None,
    account: str | None = None,
) -> list[OpenOrder]:
    """Orders waiting in one of `statuses` (those with timers), oldest entry first; only those
    of `account` (and those no account has reported since version 6) when it is given."""
    query = (
        select(
            orders.c.marketplace,
            orders.c.order_id,
            orders.c.status,
            orders.c.entered_at,
            orders.c.seq,
        )
        .where(orders.c.status.in_(list(statuses)), orders.c.entered_at.is_not(None))
        .order_by(orders.c.entered_at, orders.c.marketplace, orders.c.order_id)
    )
    if marketplace is not None:
        query = query.where(orders.c.marketplace == marketplace)
    if entered_before is not None:
        query = query.where(orders.c.entered_at < entered_before)
    if account is not None:
        query = query.where(orders.c.account.in_((account, "")))
    return [OpenOrder(*row) for row in connection.execute(query)]
