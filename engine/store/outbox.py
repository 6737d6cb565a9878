"""The action outbox: seller actions on their way to the marketplace, and what became of them.

An action is queued `pending`; `sending` once a send began (committed before its POST, with the
attempt's time, so a restart knows the POST may have landed and asks the marketplace before
sending again); `sent` once the channel took it (or showed it had it already), then `confirmed`
when a later fetch shows the status it was meant to cause, `failed` when the channel refused it,
or `unconfirmed` when no confirmation came in time. Each move is a conditional UPDATE from the
states it may leave, and `begin_send` also from the attempt count it read, so two workers cannot
both send the same entry; a partial unique index keeps one open entry per order, action and
cart line.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Update, case, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.store.errors import OutboxStateError
from engine.store.records import NewAction, OutboxItem, OutboxState
from engine.store.tables import OUTBOX_OPEN, OUTBOX_OPEN_PREDICATE, orders, outbox

_PENDING, _SENDING, _SENT = OutboxState.PENDING, OutboxState.SENDING, OutboxState.SENT
# The states an entry may leave to reach each state (`sending` is reached by `begin_send`).
MOVES: Mapping[OutboxState, frozenset[OutboxState]] = {
    _SENDING: frozenset({_PENDING, _SENDING}),
    _SENT: frozenset({_PENDING, _SENDING}),
    OutboxState.CONFIRMED: frozenset({_SENDING, _SENT, OutboxState.UNCONFIRMED}),
    OutboxState.FAILED: frozenset({_PENDING, _SENDING, _SENT, OutboxState.UNCONFIRMED}),
    OutboxState.UNCONFIRMED: frozenset({_SENT}),
}


def _item(row: Any) -> OutboxItem:
    values = row._mapping
    return OutboxItem(**{**values, "state": OutboxState(values["state"])})


def enqueue(connection: Connection, entry: NewAction) -> tuple[int, bool]:
    """Queue an action; (its id, True) or, when the same one is still open, (that id, False)."""
    dialect = connection.dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(outbox)
    open_states = list(OUTBOX_OPEN)
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
            line=entry.line,
        )
        .on_conflict_do_nothing(
            index_elements=[
                outbox.c.marketplace,
                outbox.c.order_id,
                outbox.c.action,
                outbox.c.line,
            ],
            index_where=OUTBOX_OPEN_PREDICATE,
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
            outbox.c.line == entry.line,
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


def begin_send(connection: Connection, item: OutboxItem, at: datetime) -> OutboxItem | None:
    """Mark `item` as being sent from `at`, before its POST: the entry, now `sending`, or None
    when another worker moved it since `item` was read (its state or attempt count changed).

    A `sending` entry is begun again when the marketplace showed its last POST did not land.
    """
    if item.state not in MOVES[_SENDING]:
        raise OutboxStateError(
            f"outbox entry {item.id} ({item.action} of order {item.order_id}) is {item.state}; "
            f"it cannot become {_SENDING} (only from {', '.join(sorted(MOVES[_SENDING]))})"
        )
    statement = (
        update(outbox)
        .where(
            outbox.c.id == item.id,
            outbox.c.state == str(item.state),
            outbox.c.attempts == item.attempts,
        )
        .values(state=str(_SENDING), attempted_at=at, attempts=outbox.c.attempts + 1)
    )
    if connection.execute(statement).rowcount != 1:
        return None
    return get_item(connection, item.id)


def move(
    connection: Connection, item_id: int, to: OutboxState, at: datetime, answer: object = None
) -> OutboxItem:
    """Move an entry to `to`, keeping the channel's answer when one is given."""
    to = OutboxState(to)
    if to is _SENDING:
        raise OutboxStateError(
            f"outbox entry {item_id} becomes {_SENDING} through begin_send, which checks that no "
            "other worker began sending it"
        )
    statement = _move(item_id, to)
    if to is _SENT:
        # A send begun by `begin_send` counted its attempt then; one from pending counts now.
        counted = case((outbox.c.state == str(_PENDING), 1), else_=0)
        statement = statement.values(sent_at=at, attempts=outbox.c.attempts + counted)
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
    account: str | None = None,
) -> list[OutboxItem]:
    """Outbox entries, oldest first; `sent_before` finds the ones waiting too long; `account`
    leaves out those on orders another account owns (the channel speaks for one account)."""
    query = select(outbox).order_by(outbox.c.id)
    if account is not None:
        foreign = select(orders.c.order_id).where(
            orders.c.marketplace == outbox.c.marketplace,
            orders.c.order_id == outbox.c.order_id,
            orders.c.account.not_in((account, "")),
        )
        query = query.where(~foreign.exists())
    if states is not None:
        query = query.where(outbox.c.state.in_([str(OutboxState(s)) for s in states]))
    if marketplace is not None:
        query = query.where(outbox.c.marketplace == marketplace)
    if sent_before is not None:
        query = query.where(outbox.c.sent_at < sent_before)
    return [_item(row) for row in connection.execute(query)]


def note_attempt(connection: Connection, item_id: int, answer: object) -> OutboxItem:
    """Keep why a send did not get through; the entry keeps its state, to retry.

    A pending entry counts it as an attempt; a sending one counted it when the send began.
    """
    counted = case((outbox.c.state == str(_PENDING), 1), else_=0)
    statement = (
        update(outbox)
        .where(outbox.c.id == item_id, outbox.c.state.in_([str(_PENDING), str(_SENDING)]))
        .values(attempts=outbox.c.attempts + counted, answer=answer)
    )
    if connection.execute(statement).rowcount != 1:
        raise OutboxStateError(
            f"outbox entry {item_id} is neither pending nor sending; it cannot be retried"
        )
    item = get_item(connection, item_id)
    assert item is not None
    return item
