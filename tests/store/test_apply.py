"""Applying batches: the marketplace's clock decides, repeats change nothing, nothing regresses."""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlalchemy import Engine, event

from engine.model.events import Event, Source
from engine.store import ApplyResult, ConcurrentWrite, LocalChange, OrderChange, Store, ingestion
from tests.store.changes import MP, at, moved, new_order, unknown_status

WAITING = "WaitingForSellerAcceptation"
ACCEPTED = "AcceptedBySeller"
SHIPMENT = "WaitingForShipmentAcceptation"
SHIPPED = "Shipped"


def snapshot_of(store: Store, order_id: str) -> tuple[object, ...]:
    """Everything stored about one order, to compare before and after."""
    state = store.get_order(MP, order_id)
    return (state, store.events(MP, order_id), store.anomalies(MP, order_id))


def test_a_new_order_is_stored_with_its_events(store: Store) -> None:
    result = store.apply([new_order("A1", minutes=5)])
    assert result == ApplyResult(applied=((MP, "A1"),))
    state = store.get_order(MP, "A1")
    assert state is not None
    assert (state.status, state.seq, state.entered_at, state.updated_at) == (
        WAITING,
        1,
        at(5),
        at(5),
    )
    assert state.fields == {"delivery_mode": "TRK"}
    assert state.snapshot == {"marketplace_order_id": "A1", "marketplace_status": WAITING}
    assert [(e.seq, e.from_status, e.to_status, e.source) for e in store.events(MP, "A1")] == [
        (1, None, WAITING, "fetch")
    ]


def test_a_transaction_judges_the_orders_it_read_on_that_read(store: Store, store_url: str) -> None:
    """SQLite lets no other writer move what a transaction read: `apply` does not read those
    orders again, until it wrote them (the next `apply` reads them afresh). PostgreSQL reads them
    at each `apply`, locking them."""
    first = new_order("A1")
    store.apply([first])
    shipped = moved(first, SHIPMENT, 30)
    reads: list[str] = []

    def seen(*args: object) -> None:
        statement = str(args[2])
        if re.match(r"SELECT\b.*\bFROM orders\b", statement, re.DOTALL):
            reads.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        with store.transaction() as tx:
            assert set(tx.get_orders([(MP, "A1"), (MP, "B1")])) == {(MP, "A1")}
            result = tx.apply([shipped, new_order("B1")])
            again = tx.apply([shipped])
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert result == ApplyResult(applied=((MP, "A1"), (MP, "B1")))
    assert again == ApplyResult(stale=((MP, "A1"),))
    assert len(reads) == (2 if store_url.startswith("sqlite") else 3)
    state = store.get_order(MP, "A1")
    assert state is not None and (state.status, state.seq) == (SHIPMENT, 2)


def test_a_later_snapshot_appends_its_events_numbered_on(store: Store) -> None:
    first = new_order("A1")
    store.apply([first])
    result = store.apply([moved(first, SHIPMENT, 60, via=(ACCEPTED,))])
    assert result.applied == ((MP, "A1"),)
    events = store.events(MP, "A1")
    assert [(e.seq, e.to_status, e.inferred, e.at) for e in events] == [
        (1, WAITING, False, at(0)),
        (2, ACCEPTED, True, at(60)),
        (3, SHIPMENT, False, at(60)),
    ]
    state = store.get_order(MP, "A1")
    assert state is not None
    assert (state.status, state.seq, state.entered_at) == (SHIPMENT, 3, at(60))


def test_the_same_batch_twice_stores_the_same_rows(store: Store) -> None:
    first = [new_order(f"A{i}") for i in range(3)]
    store.apply(first)
    batch = [moved(change, SHIPMENT, 30) for change in first]
    assert store.apply(batch).applied == tuple((MP, f"A{i}") for i in range(3))
    before = [snapshot_of(store, f"A{i}") for i in range(3)]
    again = store.apply(batch)
    assert again == ApplyResult(stale=tuple((MP, f"A{i}") for i in range(3)))
    assert [snapshot_of(store, f"A{i}") for i in range(3)] == before
    assert sum(len(store.events(MP, f"A{i}")) for i in range(3)) == 6


def test_an_older_update_never_regresses_the_status(store: Store) -> None:
    first = new_order("A1")
    store.apply([first])
    accepted = moved(first, ACCEPTED, 10)
    shipped = moved(accepted, SHIPPED, 50)
    # A late page: the later snapshot arrives first (computed from the stored state).
    late_first = dataclasses.replace(shipped, base_seq=1, events=accepted.events + shipped.events)
    store.apply([late_first])
    before = snapshot_of(store, "A1")
    assert store.apply([accepted]) == ApplyResult(stale=((MP, "A1"),))
    assert snapshot_of(store, "A1") == before
    state = store.get_order(MP, "A1")
    assert state is not None
    assert (state.status, state.seq, state.updated_at) == (SHIPPED, 3, at(50))


def test_an_update_at_the_same_time_is_not_applied(store: Store) -> None:
    first = new_order("A1", minutes=10)
    store.apply([first])
    same_clock = dataclasses.replace(moved(first, SHIPMENT, 10), updated_at=first.updated_at)
    assert store.apply([same_clock]) == ApplyResult(stale=((MP, "A1"),))
    assert [e.to_status for e in store.events(MP, "A1")] == [WAITING]


def test_a_change_computed_from_a_state_that_moved_is_a_conflict(store: Store) -> None:
    first = new_order("A1")
    store.apply([first])
    store.apply([moved(first, ACCEPTED, 10)])
    # Computed from the first state (seq 1) while the store went on to seq 2.
    stale_base = moved(first, SHIPMENT, 20)
    assert store.apply([stale_base]) == ApplyResult(conflicts=((MP, "A1"),))
    assert [e.to_status for e in store.events(MP, "A1")] == [WAITING, ACCEPTED]


def test_one_order_twice_in_a_batch_applies_in_order(store: Store) -> None:
    first = new_order("A1")
    accepted = moved(first, ACCEPTED, 10)
    shipped = moved(accepted, SHIPPED, 20)
    result = store.apply([first, new_order("B1"), accepted, shipped, first])
    assert result.applied == ((MP, "A1"), (MP, "B1"), (MP, "A1"), (MP, "A1"))
    assert result.stale == ((MP, "A1"),)
    assert [e.seq for e in store.events(MP, "A1")] == [1, 2, 3]
    state = store.get_order(MP, "A1")
    assert state is not None and state.status == SHIPPED


def test_anomalies_are_kept_only_with_the_change_that_brought_them(store: Store) -> None:
    odd = dataclasses.replace(
        new_order("A1"),
        status=None,
        entered_at=None,
        events=(),
        anomalies=(unknown_status("A1", 0, "Teleported"),),
    )
    store.apply([odd])
    store.apply([odd])
    anomalies = store.anomalies(MP, "A1")
    assert [(a.reported, a.kind, a.message) for a in anomalies] == [
        ("Teleported", "unknown_status", "status 'Teleported' is not in the rules")
    ]
    state = store.get_order(MP, "A1")
    assert state is not None and (state.status, state.seq) == (None, 0)


def test_a_failed_transaction_writes_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError, match="page cut"), store.transaction() as tx:
        tx.apply([new_order("A1"), new_order("A2")])
        raise RuntimeError("page cut")
    assert store.count_orders() == 0
    assert store.events(MP, "A1") == []


def test_a_naive_datetime_is_refused_where_the_change_is_made() -> None:
    naive = at(0).replace(tzinfo=None)
    with pytest.raises(
        ValueError, match="order A1 of cdiscount: updated_at must be timezone-aware"
    ):
        dataclasses.replace(new_order("A1"), updated_at=naive)


def test_many_orders_are_read_back_in_one_call(store: Store) -> None:
    store.apply([new_order(f"N{i:04d}", minutes=i % 7) for i in range(1200)])
    found = store.get_orders([(MP, f"N{i:04d}") for i in range(0, 1300, 3)])
    assert len(found) == 400
    assert found[(MP, "N0009")].updated_at == at(2)
    assert store.count_orders() == 1200
    assert store.count_orders("another") == 0


def _timer_change(base: OrderChange, minutes: int) -> LocalChange:
    fired = Event(
        base.order_id,
        base.status,
        "AutomaticCancellation",
        "expire",
        "timer",
        Source.TIMER,
        False,
        at(minutes),
    )
    return LocalChange(MP, base.order_id, "AutomaticCancellation", at(minutes), base.seq, (fired,))


def test_a_timer_change_moves_the_status_but_not_the_marketplace_clock(store: Store) -> None:
    first = new_order("A1")
    store.apply([first])
    timer = _timer_change(first, 2880)
    assert store.apply_local([timer]) == ApplyResult(applied=((MP, "A1"),))
    assert store.apply_local([timer]) == ApplyResult(conflicts=((MP, "A1"),))
    state = store.get_order(MP, "A1")
    assert state is not None
    assert (state.status, state.seq, state.entered_at) == ("AutomaticCancellation", 2, at(2880))
    assert state.updated_at == at(0)
    assert [(e.seq, e.source, e.actor) for e in store.events(MP, "A1")] == [
        (1, "fetch", "marketplace"),
        (2, "timer", "timer"),
    ]


def test_open_orders_lists_waiting_orders_oldest_first(store: Store) -> None:
    store.apply([new_order("late", 30), new_order("early", 10), new_order("other", 0, SHIPPED)])
    waiting = store.open_orders([WAITING])
    assert [(o.order_id, o.status, o.entered_at, o.seq) for o in waiting] == [
        ("early", WAITING, at(10), 1),
        ("late", WAITING, at(30), 1),
    ]
    assert [o.order_id for o in store.open_orders([WAITING], entered_before=at(20))] == ["early"]
    assert store.open_orders([WAITING], marketplace="another") == []


def test_a_new_order_must_start_from_no_events(store: Store) -> None:
    assert store.apply([moved(new_order("A1"), ACCEPTED, 10)]) == ApplyResult(
        conflicts=((MP, "A1"),)
    )
    assert store.count_orders() == 0


def test_the_sql_refuses_a_regression_even_when_the_judgement_misses_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = new_order("A1")
    shipped = moved(first, SHIPPED, 50)
    store.apply([first, shipped])
    before = snapshot_of(store, "A1")
    # Make the pre-read blind, as if another writer had slipped in unseen.
    monkeypatch.setattr(ingestion, "stored_clocks", lambda connection, keys: {})
    with pytest.raises(ConcurrentWrite, match="1 of 1 orders were changed by another writer"):
        store.apply([new_order("A1")])
    with pytest.raises(ConcurrentWrite):
        store.apply([new_order("B1"), new_order("A1", minutes=20)])
    assert snapshot_of(store, "A1") == before
    assert store.get_order(MP, "B1") is None


def test_a_snapshot_with_nul_or_a_lone_surrogate_is_stored_with_their_escapes(
    store: Store,
) -> None:
    # PostgreSQL refuses NUL in JSON, no UTF-8 database takes a lone surrogate: neither may
    # fail the page; the snapshot is kept with the escapes as text.
    change = dataclasses.replace(
        new_order("N1"), snapshot={"comments": "a\x00b", "title": "c\ud800d", "city": "Évry"}
    )
    assert store.apply([change]).applied == (change.key,)
    state = store.get_order(*change.key)
    assert state is not None
    assert state.snapshot == {"comments": "a\\u0000b", "title": "c\\ud800d", "city": "Évry"}
