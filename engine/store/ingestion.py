"""Write a batch of order changes: the marketplace's clock decides what is applied.

Inside the write transaction the batch's orders are read (locked on PostgreSQL; SQLite's
`BEGIN IMMEDIATE` already excludes other writers) and each change is judged in batch order:
stale when the store holds this or a newer snapshot, a conflict when the order moved since the
change was computed, applied otherwise. The applied ones are written in bulk by an upsert that
repeats the same two conditions in SQL, and the unique (order, seq) key refuses any event
stored twice: should the SQL ever disagree with the judgement, the whole batch rolls back.
An applied order's cart lines are replaced by those its last change reports, and the rule
fields it reports changed are kept in its history, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import Connection, Insert, and_, bindparam, delete, select, update

from engine.store.bulk_insert import dialect_insert, insert_rows, upsert_rows
from engine.store.change_rows import (
    ANOMALY_COLUMNS,
    EVENT_COLUMNS,
    FIELD_CHANGE_COLUMNS,
    LINE_COLUMNS,
    ORDER_COLUMNS,
    anomaly_rows,
    event_rows,
    field_change_rows,
    line_rows,
    order_rows,
)
from engine.store.columns import from_utc_text
from engine.store.errors import ConcurrentWrite
from engine.store.queries import id_chunks, key_chunks
from engine.store.records import ApplyResult, LocalChange, OrderChange, OrderKey
from engine.store.tables import anomalies, events, field_changes, lines, orders

# What an upsert of a newer state replaces: every column of the order but its key.
_REPLACED = tuple(name for name in ORDER_COLUMNS if name not in ("marketplace", "order_id"))

Clock = tuple[datetime, int]
"""What decides whether a change applies: the stored (updated_at, seq) of its order."""


@cache
def _upsert(dialect: str) -> Insert:
    """INSERT ... ON CONFLICT DO UPDATE only WHERE newer AND based on the stored event count."""
    statement = dialect_insert(dialect, orders)
    new = statement.excluded
    upsert = statement.on_conflict_do_update(
        index_elements=[orders.c.marketplace, orders.c.order_id],
        set_={name: new[name] for name in _REPLACED},
        where=and_(orders.c.updated_at < new.updated_at, orders.c.seq == new.prev_seq),
    )
    # SQLite counts the rows written (the driver's executemany returns no rows).
    return upsert.returning(orders.c.order_id) if dialect == "postgresql" else upsert


def judge(
    changes: Iterable[OrderChange], stored: dict[OrderKey, Clock]
) -> tuple[list[OrderChange], ApplyResult]:
    """The changes that apply, in order, and the fate of each; `stored` is not modified."""
    clocks = dict(stored)
    applied: list[OrderChange] = []
    stale: list[OrderKey] = []
    conflicts: list[OrderKey] = []
    for change in changes:
        clock = clocks.get(change.key)
        if clock is not None and clock[0] >= change.updated_at:
            stale.append(change.key)
        elif (clock[1] if clock is not None else 0) != change.base_seq:
            conflicts.append(change.key)
        else:
            applied.append(change)
            clocks[change.key] = (change.updated_at, change.seq)
    result = ApplyResult(tuple(c.key for c in applied), tuple(stale), tuple(conflicts))
    return applied, result


def _replace_lines(
    connection: Connection, applied: Sequence[OrderChange], stored: Iterable[OrderKey]
) -> None:
    """Each applied order's lines become its last change's; a new order has none to delete."""
    last = {change.key: change for change in applied}
    for condition in key_chunks((key for key in stored if key in last), lines):
        connection.execute(delete(lines).where(condition))
    insert_rows(connection, lines, LINE_COLUMNS, line_rows(last.values()))


def _append(connection: Connection, written: Sequence[OrderChange | LocalChange]) -> None:
    insert_rows(connection, events, EVENT_COLUMNS, event_rows(written))
    insert_rows(connection, anomalies, ANOMALY_COLUMNS, anomaly_rows(written))


# SQLite's read of the clocks, in the primary key: one marketplace and a list of ids a query.
_SQLITE_CLOCKS = (
    "SELECT order_id, updated_at, seq FROM orders WHERE marketplace = ? AND order_id IN ({})"
)
# PostgreSQL's, built once, locking the rows it finds.
_LOCKED_CLOCKS = (
    select(orders.c.order_id, orders.c.updated_at, orders.c.seq)
    .where(
        orders.c.marketplace == bindparam("marketplace"),
        orders.c.order_id.in_(bindparam("ids", expanding=True)),
    )
    .with_for_update()
)


def stored_clocks(connection: Connection, keys: Iterable[OrderKey]) -> dict[OrderKey, Clock]:
    """(updated_at, seq) of the stored orders among `keys`, locked until the transaction ends.

    SQLite's `BEGIN IMMEDIATE` already locks them; its read goes straight to the driver, as
    building the statement cost more than the read (once a page, mostly finding nothing).
    """
    found: dict[OrderKey, Clock] = {}
    sqlite = connection.dialect.name == "sqlite"
    for marketplace, ids in id_chunks(keys):
        if sqlite:
            sql = _SQLITE_CLOCKS.format(", ".join("?" * len(ids)))
            for order_id, updated_at, seq in connection.exec_driver_sql(sql, (marketplace, *ids)):
                found[(marketplace, order_id)] = (from_utc_text(updated_at), seq)
        else:
            params = {"marketplace": marketplace, "ids": ids}
            for order_id, updated_at, seq in connection.execute(_LOCKED_CLOCKS, params):
                found[(marketplace, order_id)] = (updated_at, seq)
    return found


def apply_changes(
    connection: Connection,
    changes: Sequence[OrderChange],
    stored: dict[OrderKey, Clock] | None = None,
) -> ApplyResult:
    """Write the changes that are news, inside the caller's transaction.

    `stored`: the clocks of the changes' orders (those absent are new) as this transaction read
    them and nothing wrote since, on a database where no other writer can move them (SQLite); by
    default they are read (and locked on PostgreSQL) here.
    """
    if not changes:
        return ApplyResult()
    if stored is None:
        stored = stored_clocks(connection, (c.key for c in changes))
    applied, result = judge(changes, stored)
    rows = order_rows(applied)
    written = upsert_rows(connection, _upsert, ORDER_COLUMNS, rows)
    if written != len(rows):
        raise ConcurrentWrite(
            f"{len(rows) - written} of {len(rows)} orders were changed by another writer while "
            "this batch was written; the batch was rolled back, apply it again"
        )
    _append(connection, applied)
    _replace_lines(connection, applied, stored)
    insert_rows(connection, field_changes, FIELD_CHANGE_COLUMNS, field_change_rows(applied))
    return result


def apply_local(connection: Connection, changes: Sequence[LocalChange]) -> ApplyResult:
    """Move orders the engine changed itself, each only if no one moved it since."""
    applied: list[LocalChange] = []
    conflicts: list[OrderKey] = []
    for change in changes:
        moved = connection.execute(
            update(orders)
            .where(orders.c.marketplace == change.marketplace)
            .where(orders.c.order_id == change.order_id)
            .where(orders.c.seq == change.base_seq)
            .values(
                status=change.status,
                entered_at=change.entered_at,
                seq=change.seq,
                prev_seq=change.base_seq,
                **({} if change.rules_version is None else {"rules_version": change.rules_version}),
            )
        )
        if moved.rowcount == 1:
            applied.append(change)
        else:
            conflicts.append(change.key)
    _append(connection, applied)
    return ApplyResult(applied=tuple(c.key for c in applied), conflicts=tuple(conflicts))
