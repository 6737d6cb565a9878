"""Write a batch of order changes: the marketplace's clock decides, in SQL, what is applied.

One conditional upsert per batch writes every order row whose snapshot is newer than the stored
one and whose stored event count is still the one the change was computed from; it returns the
orders it wrote, and only their events and anomalies are inserted. So a repeated page, a page
out of order or an older update writes nothing, even from several processes at once, and the
unique (order, seq) key backs the promise that no event is ever stored twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, and_, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.events import Anomaly, Event
from engine.store.records import ApplyResult, LocalChange, OrderChange, OrderKey
from engine.store.schema import anomalies, events, orders

# Keys per `IN` list when reading orders back: well under SQLite's bound-parameter limit.
KEY_CHUNK = 500

_REPLACED = (
    "status",
    "entered_at",
    "updated_at",
    "rules_version",
    "seq",
    "prev_seq",
    "fields",
    "snapshot",
)


@cache
def _upsert(dialect: str) -> Insert:
    """INSERT ... ON CONFLICT DO UPDATE WHERE newer AND unchanged ... RETURNING the written."""
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(orders)
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[orders.c.marketplace, orders.c.order_id],
        set_={name: new[name] for name in _REPLACED},
        where=and_(orders.c.updated_at < new.updated_at, orders.c.seq == new.prev_seq),
    ).returning(orders.c.marketplace, orders.c.order_id)


def _order_row(change: OrderChange) -> dict[str, Any]:
    return {
        "marketplace": change.marketplace,
        "order_id": change.order_id,
        "status": change.status,
        "entered_at": change.entered_at,
        "updated_at": change.updated_at,
        "rules_version": change.rules_version,
        "seq": change.seq,
        "prev_seq": change.base_seq,
        "fields": dict(change.fields),
        "snapshot": dict(change.snapshot),
    }


def _event_rows(
    marketplace: str, order_id: str, base_seq: int, new: Iterable[Event]
) -> list[dict[str, Any]]:
    return [
        {
            "marketplace": marketplace,
            "order_id": order_id,
            "seq": base_seq + number,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "trigger": event.trigger,
            "actor": str(event.actor),
            "source": str(event.source),
            "inferred": event.inferred,
            "at": event.at,
        }
        for number, event in enumerate(new, start=1)
    ]


def _anomaly_rows(
    marketplace: str, order_id: str, found: Iterable[Anomaly]
) -> list[dict[str, Any]]:
    return [
        {
            "marketplace": marketplace,
            "order_id": order_id,
            "from_status": anomaly.from_status,
            "reported": anomaly.reported,
            "kind": str(anomaly.kind),
            "message": anomaly.message,
            "at": anomaly.at,
        }
        for anomaly in found
    ]


def _append(connection: Connection, written: Sequence[OrderChange | LocalChange]) -> None:
    event_rows: list[dict[str, Any]] = []
    anomaly_rows: list[dict[str, Any]] = []
    for change in written:
        key = (change.marketplace, change.order_id)
        event_rows.extend(_event_rows(*key, change.base_seq, change.events))
        anomaly_rows.extend(_anomaly_rows(*key, change.anomalies))
    if event_rows:
        connection.execute(insert(events), event_rows)
    if anomaly_rows:
        connection.execute(insert(anomalies), anomaly_rows)


def _rounds(changes: Iterable[OrderChange]) -> list[list[OrderChange]]:
    """Split so no order appears twice in one statement; later changes of an order come later."""
    rounds: list[list[OrderChange]] = []
    seen: dict[OrderKey, int] = {}
    for change in changes:
        turn = seen.get(change.key, 0)
        seen[change.key] = turn + 1
        if turn == len(rounds):
            rounds.append([])
        rounds[turn].append(change)
    return rounds


def _stored_clocks(connection: Connection, keys: Sequence[OrderKey]) -> dict[OrderKey, Any]:
    found: dict[OrderKey, Any] = {}
    pair = tuple_(orders.c.marketplace, orders.c.order_id)
    for start in range(0, len(keys), KEY_CHUNK):
        chunk = keys[start : start + KEY_CHUNK]
        query = select(orders.c.marketplace, orders.c.order_id, orders.c.updated_at)
        for marketplace, order_id, updated_at in connection.execute(query.where(pair.in_(chunk))):
            found[(marketplace, order_id)] = updated_at
    return found


def _classify(connection: Connection, refused: Sequence[OrderChange]) -> ApplyResult:
    """Refused changes are stale when the store holds this or a newer snapshot, else conflicts."""
    clocks = _stored_clocks(connection, [change.key for change in refused])
    stale: list[OrderKey] = []
    conflicts: list[OrderKey] = []
    for change in refused:
        stored = clocks.get(change.key)
        if stored is not None and stored >= change.updated_at:
            stale.append(change.key)
        else:
            conflicts.append(change.key)
    return ApplyResult(stale=tuple(stale), conflicts=tuple(conflicts))


def apply_changes(connection: Connection, changes: Sequence[OrderChange]) -> ApplyResult:
    """Write the changes that are news, inside the caller's transaction."""
    result = ApplyResult()
    statement = _upsert(connection.dialect.name)
    for batch in _rounds(changes):
        written = {
            tuple(row) for row in connection.execute(statement, list(map(_order_row, batch)))
        }
        applied = [change for change in batch if change.key in written]
        _append(connection, applied)
        refused = [change for change in batch if change.key not in written]
        result = result.merged(ApplyResult(applied=tuple(c.key for c in applied)))
        if refused:
            result = result.merged(_classify(connection, refused))
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
            )
        )
        if moved.rowcount == 1:
            applied.append(change)
        else:
            conflicts.append(change.key)
    _append(connection, applied)
    return ApplyResult(applied=tuple(c.key for c in applied), conflicts=tuple(conflicts))
