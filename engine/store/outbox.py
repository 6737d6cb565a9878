"""The action outbox: seller actions on their way to the marketplace, and what became of them.

An action is queued `pending`, `sent` once the channel took it, then `confirmed` when a later
fetch shows the status it was meant to cause, `failed` when the channel refused it, or
`unconfirmed` when no confirmation came in time. Each move is a conditional UPDATE from the
states it may leave, so two workers cannot both send the same entry, and a partial unique index
keeps one open entry per order and action.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Update, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.store.errors import OutboxStateError
from engine.store.records import NewAction, OutboxItem, OutboxState
from engine.store.tables import outbox

# The states an entry may leave to reach each state.
MOVES: Mapping[OutboxState, frozenset[OutboxState]] = {
    OutboxState.SENT: frozenset({OutboxState.PENDING}),
    OutboxState.CONFIRMED: frozenset({OutboxState.SENT, OutboxState.UNCONFIRMED}),
    OutboxState.FAILED: frozenset({OutboxState.PENDING, OutboxState.SENT, OutboxState.UNCONFIRMED}),
    OutboxState.UNCONFIRMED: frozenset({OutboxState.SENT}),
}


def _item(row: Any) -> OutboxItem:
    values = row._mapping
    return OutboxItem(**{**values, "state": OutboxState(values["state"])})


def enqueue(connection: Connection, entry: NewAction) -> tuple[int, bool]:
    """Queue an action; (its id, True) or, when the same one is still open, (that id, False)."""
    dialect = connection.dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(outbox)
    open_states = [str(OutboxState.PENDING), str(OutboxState.SENT)]
    inserted = connection.execute(
        statement.values(
            marketplace=entry.marketplace,
            order_id=entry.order_id,
            action=entry.action,
            action_type=entry.action_type,
            args=dict(entry.args),
            expected_status=entry.expected_status,
            state=str(OutboxState.PENDING),
            created_at=entry.at,
            attempts=0,
        )
        .on_conflict_do_nothing(
            index_elements=[outbox.c.marketplace, outbox.c.order_id, outbox.c.action],
            index_where=outbox.c.state.in_(open_states),
        )
        .returning(outbox.c.id)
    ).scalar_one_or_none()
    if inserted is not None:
        return int(inserted), True
    existing = connection.execute(
        select(outbox.c.id).where(
            outbox.c.marketplace == entry.marketplace,
            outbox.c.order_id == entry.order_id,
            outbox.c.action == entry.action,
            outbox.c.state.in_(open_states),
        )
    ).scalar_one()
    return int(existing), False


def _move(item_id: int, to: OutboxState) -> Update:
    leaving = sorted(str(state) for state in MOVES[to])
    return (
        update(outbox)
        .where(outbox.c.id == item_id, outbox.c.state.in_(leaving))
        .values(state=str(to))
    )


def move(
    connection: Connection, item_id: int, to: OutboxState, at: datetime, answer: object = None
) -> OutboxItem:
    """Move an entry to `to`, keeping the channel's answer when one is given."""
    to = OutboxState(to)
    statement = _move(item_id, to)
    if to is OutboxState.SENT:
        statement = statement.values(sent_at=at, attempts=outbox.c.attempts + 1)
    elif to is OutboxState.CONFIRMED:
        statement = statement.values(confirmed_at=at)
    if answer is not None:
        statement = statement.values(answer=answer)
    if connection.execute(statement).rowcount != 1:
        current = get_item(connection, item_id)
        if current is None:
            raise OutboxStateError(f"there is no outbox entry {item_id}")
        raise OutboxStateError(
            f"outbox entry {item_id} ({current.action} of order {current.order_id}) is "
            f"{current.state}; it cannot become {to} (only from "
            f"{', '.join(sorted(MOVES[to]))})"
        )
    moved = get_item(connection, item_id)
    assert moved is not None
    return moved


def get_item(connection: Connection, item_id: int) -> OutboxItem | None:
    row = connection.execute(select(outbox).where(outbox.c.id == item_id)).one_or_none()
    return None if row is None else _item(row)


def list_items(
    connection: Connection,
    states: Collection[OutboxState] | None = None,
    marketplace: str | None = None,
    sent_before: datetime | None = None,
) -> list[OutboxItem]:
    """Outbox entries, oldest first; `sent_before` finds the ones waiting too long."""
    query = select(outbox).order_by(outbox.c.id)
    if states is not None:
        query = query.where(outbox.c.state.in_([str(OutboxState(s)) for s in states]))
    if marketplace is not None:
        query = query.where(outbox.c.marketplace == marketplace)
    if sent_before is not None:
        query = query.where(outbox.c.sent_at < sent_before)
    return [_item(row) for row in connection.execute(query)]


def note_attempt(connection: Connection, item_id: int, answer: object) -> OutboxItem:
    """Count a send that did not reach the channel (the entry stays pending, to retry)."""
    statement = (
        update(outbox)
        .where(outbox.c.id == item_id, outbox.c.state == str(OutboxState.PENDING))
        .values(attempts=outbox.c.attempts + 1, answer=answer)
    )
    if connection.execute(statement).rowcount != 1:
        raise OutboxStateError(f"outbox entry {item_id} is not pending; it cannot be retried")
    item = get_item(connection, item_id)
    assert item is not None
    return item
