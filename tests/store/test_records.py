"""Building store changes from what the runtime returns."""

from __future__ import annotations

from types import MappingProxyType

from engine.model.events import Source
from engine.model.outcome import Outcome
from engine.model.snapshot import OrderSnapshot
from engine.store import LocalChange, OrderChange, OrderState, Store, is_news
from tests.store.changes import MP, at, event

WAITING = "WaitingForSellerAcceptation"
SHIPMENT = "WaitingForShipmentAcceptation"


def snapshot(minutes: int, code: str) -> OrderSnapshot:
    return OrderSnapshot(
        MP,
        "A1",
        code,
        at(minutes),
        fields=MappingProxyType({"delivery_mode": "REG"}),
        raw=MappingProxyType({"marketplace_status": code}),
    )


def stored(minutes: int, seq: int = 1, status: str = WAITING) -> OrderState:
    return OrderState(MP, "A1", status, at(minutes), at(minutes), "2026.11.1", seq)


def test_a_first_snapshot_starts_from_no_events() -> None:
    outcome = Outcome(WAITING, (event("A1", None, WAITING, 5),))
    change = OrderChange.observed(snapshot(5, WAITING), None, outcome, "2026.11.1")
    assert (change.base_seq, change.seq, change.status, change.entered_at) == (0, 1, WAITING, at(5))
    assert (change.updated_at, change.rules_version) == (at(5), "2026.11.1")


def test_a_status_change_enters_at_its_last_event() -> None:
    outcome = Outcome(
        SHIPMENT,
        (
            event("A1", WAITING, "AcceptedBySeller", 50, inferred=True),
            event("A1", "AcceptedBySeller", SHIPMENT, 60),
        ),
    )
    change = OrderChange.observed(snapshot(60, SHIPMENT), stored(0), outcome, "2026.11.1")
    assert (change.base_seq, change.seq, change.entered_at) == (1, 3, at(60))


def test_a_snapshot_without_a_change_keeps_the_entry_time() -> None:
    change = OrderChange.observed(snapshot(30, WAITING), stored(0), Outcome(WAITING), "2026.11.1")
    assert (change.base_seq, change.seq, change.entered_at, change.updated_at) == (
        1,
        1,
        at(0),
        at(30),
    )


def test_only_a_newer_snapshot_is_news() -> None:
    assert is_news(snapshot(0, WAITING), None)
    assert is_news(snapshot(10, WAITING), stored(5))
    assert not is_news(snapshot(5, WAITING), stored(5))
    assert not is_news(snapshot(1, WAITING), stored(5))


def test_a_timer_outcome_becomes_a_local_change() -> None:
    fired = event("A1", WAITING, "AutomaticCancellation", 2880)
    local = LocalChange.after(stored(0), Outcome("AutomaticCancellation", (fired,)))
    assert local == LocalChange(MP, "A1", "AutomaticCancellation", at(2880), 1, (fired,))
    assert LocalChange.after(stored(0), Outcome(WAITING)) is None


def test_frozen_mappings_are_stored_as_plain_json(store: Store) -> None:
    outcome = Outcome(WAITING, (event("A1", None, WAITING, 5),))
    store.apply([OrderChange.observed(snapshot(5, WAITING), None, outcome, "2026.11.1")])
    state = store.get_order(MP, "A1")
    assert state is not None
    assert (state.fields, state.snapshot) == (
        {"delivery_mode": "REG"},
        {"marketplace_status": WAITING},
    )
    assert store.events(MP, "A1")[0].source == str(Source.FETCH)
