"""The truth first: a newer snapshot always moves the stored order to the reported status.

Where the rules give no path (no path for the order's fields, a backward jump, a change after a
final status, a code the rule file does not declare), the sync stores the reported status
through one deviation event with the anomaly that says why; no reported order is left without a
status, and the app offers the actions of the status the marketplace reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from engine.model.snapshot import OrderSnapshot
from engine.rulefile.loader import load_rules
from engine.runtime.runtime import Runtime
from engine.store import Store, open_store
from engine.sync.syncer import Syncer
from tests.sync.support import RULES, ManualClock

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MP = "cdiscount"


@pytest.fixture
def store() -> Iterator[Store]:
    with open_store("sqlite://") as opened:
        yield opened


@pytest.fixture
def sync(store: Store) -> Syncer:
    return Syncer([load_rules(RULES)], store, None, ManualClock(T0))  # type: ignore[arg-type]


def see(sync: Syncer, order_id: str, code: str, minutes: int, **fields: object) -> None:
    """One snapshot through the sync's own reading (`_changes`) into the store."""
    snap = OrderSnapshot(MP, order_id, code, T0 + timedelta(minutes=minutes), None, fields)
    key = (MP, order_id)
    with sync.store.transaction() as tx:
        tx.apply(sync._changes(tx, {key: snap}, tx.get_orders([key])))


def stored(store: Store, order_id: str) -> tuple[str | None, list[tuple[object, ...]], list[str]]:
    state = store.get_order(MP, order_id)
    events = [
        (e.from_status, e.to_status, e.trigger, e.inferred, e.deviation)
        for e in store.events(MP, order_id)
    ]
    return (
        None if state is None else state.status,
        events,
        [a.kind for a in store.anomalies(MP, order_id)],
    )


def test_a_new_order_with_no_path_for_its_mode_is_stored_where_reported(
    sync: Syncer, store: Store
) -> None:
    see(sync, "N1", "PickedUp", 0, delivery_mode="TRK")
    assert stored(store, "N1") == (
        "PickedUp",
        [(None, "PickedUp", "deviation", False, True)],
        ["no_legal_path"],
    )


def test_an_impossible_report_moves_the_order_and_the_app_no_longer_offers_accept(
    sync: Syncer, store: Store
) -> None:
    see(sync, "E1", "WaitingForSellerAcceptation", 0, delivery_mode="MAG")
    see(sync, "E1", "Shipped", 10, delivery_mode="MAG")  # no path to Shipped for a store pickup
    status, events, kinds = stored(store, "E1")
    assert status == "Shipped" and kinds == ["no_legal_path"]
    assert events[-1] == ("WaitingForSellerAcceptation", "Shipped", "deviation", False, True)
    runtime = Runtime(load_rules(RULES))
    state = store.get_order(MP, "E1")
    assert state is not None and state.status is not None
    assert "accept" not in {
        d.action for d in runtime.options(state.status, state.fields) if d.allowed
    }


def test_an_undeclared_code_is_stored_verbatim_until_a_declared_one(
    sync: Syncer, store: Store
) -> None:
    see(sync, "U1", "Foo", 0, delivery_mode="TRK")
    assert stored(store, "U1") == (
        "Foo",
        [(None, "Foo", "deviation", False, True)],
        ["unknown_status"],
    )
    see(sync, "U1", "Foo", 5, delivery_mode="TRK")  # the same code again: nothing new
    assert stored(store, "U1")[1:] == (
        [(None, "Foo", "deviation", False, True)],
        ["unknown_status"],
    )
    see(sync, "U1", "WaitingForSellerAcceptation", 10, delivery_mode="TRK")
    status, events, kinds = stored(store, "U1")
    assert status == "WaitingForSellerAcceptation"
    assert events[-1] == ("Foo", "WaitingForSellerAcceptation", "deviation", False, True)
    assert kinds == ["unknown_status", "unknown_status"]


def test_a_backward_jump_moves_back_and_a_stale_snapshot_is_still_ignored(
    sync: Syncer, store: Store
) -> None:
    see(sync, "B1", "AcceptedBySeller", 0, delivery_mode="TRK")
    see(sync, "B1", "WaitingForSellerAcceptation", 10, delivery_mode="TRK")
    status, events, kinds = stored(store, "B1")
    assert status == "WaitingForSellerAcceptation" and kinds == ["no_legal_path"]
    assert events[-1] == (
        "AcceptedBySeller",
        "WaitingForSellerAcceptation",
        "deviation",
        False,
        True,
    )
    see(sync, "B1", "Shipped", 5, delivery_mode="TRK")  # older than what the store holds
    assert stored(store, "B1") == (status, events, kinds)


def test_an_unlisted_value_is_reported_once_per_change(sync: Syncer, store: Store) -> None:
    see(sync, "V1", "WaitingForSellerAcceptation", 0, delivery_mode="Sivi")
    see(sync, "V1", "AcceptedBySeller", 5, delivery_mode="Sivi")
    assert stored(store, "V1")[2] == ["unlisted_value"]
    see(sync, "V1", "AcceptedBySeller", 10, delivery_mode="Sevi")
    assert stored(store, "V1")[2] == ["unlisted_value", "unlisted_value"]
