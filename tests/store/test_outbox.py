"""The outbox: each action queued once, and moved only along the allowed states; a send is
recorded as begun before its POST, by one worker only."""

from __future__ import annotations

import pytest

from engine.store import NewAction, OutboxState, OutboxStateError, Store
from tests.store.changes import MP, at

SHIP_ARGS = {"carrier": "14", "tracking_number": "6A123"}


def queue_ship(store: Store, order_id: str = "A1", minutes: int = 0) -> tuple[int, bool]:
    return store.enqueue(NewAction(MP, order_id, "ship", "ship", SHIP_ARGS, "Shipped", at(minutes)))


def test_an_action_is_queued_pending_with_its_arguments(store: Store) -> None:
    item_id, queued = queue_ship(store)
    assert queued
    [item] = store.outbox()
    assert (item.id, item.order_id, item.action, item.action_type, item.state) == (
        item_id,
        "A1",
        "ship",
        "ship",
        OutboxState.PENDING,
    )
    assert (item.args, item.expected_status, item.created_at, item.attempts) == (
        SHIP_ARGS,
        "Shipped",
        at(0),
        0,
    )
    assert (item.sent_at, item.confirmed_at, item.answer) == (None, None, None)


def test_the_same_action_is_not_queued_twice_while_open(store: Store) -> None:
    first, _ = queue_ship(store)
    assert queue_ship(store, minutes=5) == (first, False)
    store.move_outbox(first, OutboxState.SENT, at(6), {"id": 991})
    assert queue_ship(store, minutes=7) == (first, False)
    other, queued = queue_ship(store, order_id="B1")
    assert queued and other != first
    assert len(store.outbox()) == 2


def test_many_actions_queue_on_one_connection(store: Store) -> None:
    # psycopg prepares a statement from its 5th run on a connection; a prepared plan cannot tell
    # a partial index from bound parameters, so the ON CONFLICT target must name the index's
    # predicate as written (PostgreSQL refused the 6th enqueue of the demo fill).
    queued = [queue_ship(store, order_id=f"P{n}")[1] for n in range(8)]
    again = [queue_ship(store, order_id=f"P{n}")[1] for n in range(8)]
    assert (queued, again) == ([True] * 8, [False] * 8)
    assert len(store.outbox()) == 8


def test_sent_then_confirmed_keeps_times_attempts_and_answer(store: Store) -> None:
    item_id, _ = queue_ship(store)
    sent = store.move_outbox(item_id, OutboxState.SENT, at(1), {"id": 991, "queued": True})
    assert (sent.state, sent.sent_at, sent.attempts, sent.answer) == (
        OutboxState.SENT,
        at(1),
        1,
        {"id": 991, "queued": True},
    )
    confirmed = store.move_outbox(item_id, OutboxState.CONFIRMED, at(30))
    assert (confirmed.state, confirmed.confirmed_at, confirmed.answer) == (
        OutboxState.CONFIRMED,
        at(30),
        {"id": 991, "queued": True},
    )
    # Confirmed, the entry no longer blocks a new one of the same action.
    assert queue_ship(store, minutes=40)[1]


def test_a_send_that_failed_to_reach_the_channel_is_counted_and_stays_pending(
    store: Store,
) -> None:
    item_id, _ = queue_ship(store)
    retried = store.note_attempt(item_id, {"error": "timeout"})
    assert (retried.state, retried.attempts, retried.answer) == (
        OutboxState.PENDING,
        1,
        {"error": "timeout"},
    )
    assert store.move_outbox(item_id, OutboxState.SENT, at(5)).attempts == 2


def test_unconfirmed_entries_are_found_and_may_still_be_confirmed(store: Store) -> None:
    early, _ = queue_ship(store, "A1")
    late, _ = queue_ship(store, "B1")
    store.move_outbox(early, OutboxState.SENT, at(0))
    store.move_outbox(late, OutboxState.SENT, at(60))
    overdue = store.outbox([OutboxState.SENT], sent_before=at(30))
    assert [item.id for item in overdue] == [early]
    store.move_outbox(early, OutboxState.UNCONFIRMED, at(4320))
    assert [i.id for i in store.outbox([OutboxState.UNCONFIRMED])] == [early]
    assert store.move_outbox(early, OutboxState.CONFIRMED, at(4400)).state is OutboxState.CONFIRMED
    assert [i.id for i in store.outbox([OutboxState.SENT], marketplace=MP)] == [late]
    assert store.outbox(marketplace="another") == []


def test_a_refused_action_is_failed_with_the_channel_answer(store: Store) -> None:
    item_id, _ = queue_ship(store)
    answer = {"error": {"code": 400, "message": "tracking_number is invalid"}}
    failed = store.move_outbox(item_id, OutboxState.FAILED, at(2), answer)
    assert (failed.state, failed.answer) == (OutboxState.FAILED, answer)


def test_a_move_the_states_do_not_allow_is_refused_and_changes_nothing(store: Store) -> None:
    item_id, _ = queue_ship(store)
    store.move_outbox(item_id, OutboxState.SENT, at(1))
    store.move_outbox(item_id, OutboxState.CONFIRMED, at(2))
    with pytest.raises(OutboxStateError) as caught:
        store.move_outbox(item_id, OutboxState.SENT, at(3))
    assert str(caught.value) == (
        f"outbox entry {item_id} (ship of order A1) is confirmed; it cannot become sent "
        "(only from pending, sending)"
    )
    with pytest.raises(OutboxStateError, match="it cannot be retried"):
        store.note_attempt(item_id, None)
    with pytest.raises(OutboxStateError, match="there is no outbox entry 999"):
        store.move_outbox(999, OutboxState.SENT, at(3))
    [item] = store.outbox()
    assert (item.state, item.sent_at, item.attempts) == (OutboxState.CONFIRMED, at(1), 1)


def test_a_send_is_recorded_as_begun_then_sent_counting_one_attempt(store: Store) -> None:
    item_id, _ = queue_ship(store)
    (pending,) = store.outbox()
    sending = store.begin_send(pending, at(1))
    assert sending is not None
    assert (sending.state, sending.attempted_at, sending.attempts, sending.sent_at) == (
        OutboxState.SENDING,
        at(1),
        1,
        None,
    )
    assert queue_ship(store, minutes=2) == (item_id, False)  # still open while sending
    sent = store.move_outbox(item_id, OutboxState.SENT, at(3), {"id": 991})
    assert (sent.state, sent.attempted_at, sent.sent_at, sent.attempts) == (
        OutboxState.SENT,
        at(1),
        at(3),
        1,
    )


def test_only_one_worker_begins_a_send_and_a_begun_one_may_begin_again(store: Store) -> None:
    queue_ship(store)
    (read_by_both,) = store.outbox()
    first = store.begin_send(read_by_both, at(1))
    assert first is not None and store.begin_send(read_by_both, at(1)) is None
    # The marketplace showed the first POST did not land: the send begins again, counted.
    again = store.begin_send(first, at(20))
    assert again is not None and (again.state, again.attempted_at, again.attempts) == (
        OutboxState.SENDING,
        at(20),
        2,
    )
    assert store.begin_send(first, at(21)) is None  # read before the second begin


def test_a_sending_entry_keeps_why_it_did_not_get_through_and_may_be_confirmed_or_failed(
    store: Store,
) -> None:
    first, _ = queue_ship(store, "A1")
    second, _ = queue_ship(store, "B1")
    for item in store.outbox():
        store.begin_send(item, at(1))
    noted = store.note_attempt(first, {"error": "the answer was not JSON"})
    assert (noted.state, noted.attempts, noted.answer) == (
        OutboxState.SENDING,
        1,
        {"error": "the answer was not JSON"},
    )
    assert store.move_outbox(first, OutboxState.CONFIRMED, at(30)).confirmed_at == at(30)
    assert store.move_outbox(second, OutboxState.FAILED, at(30)).state is OutboxState.FAILED


def test_sending_is_reached_only_by_beginning_a_send(store: Store) -> None:
    item_id, _ = queue_ship(store)
    with pytest.raises(OutboxStateError) as caught:
        store.move_outbox(item_id, OutboxState.SENDING, at(1))
    assert str(caught.value) == (
        f"outbox entry {item_id} becomes sending through begin_send, which checks that no other "
        "worker began sending it"
    )
    sent = store.move_outbox(item_id, OutboxState.SENT, at(2))
    with pytest.raises(OutboxStateError) as refused:
        store.begin_send(sent, at(3))
    assert str(refused.value) == (
        f"outbox entry {item_id} (ship of order A1) is sent; it cannot become sending "
        "(only from pending, sending)"
    )
    (item,) = store.outbox()
    assert (item.state, item.attempted_at, item.attempts) == (OutboxState.SENT, None, 1)
