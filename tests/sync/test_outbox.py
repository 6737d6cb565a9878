"""Seller actions through the outbox: sent once to the twin, confirmed by a later fetch, flagged
when the marketplace never confirms them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from engine.rulefile.loader import load_rules
from engine.runtime.runtime import Runtime
from engine.store import NewAction, OutboxState, Store, open_store
from engine.sync.seller_actions import submit
from simulator.twin.server import Twin
from tests.sync.support import RULES, ManualClock, syncer


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        yield opened


def first_order_at(store: Store, status: str) -> tuple[str, str]:
    frame = store.events_frame()
    return next(
        (row.marketplace, row.order_id)
        for row in frame.itertuples()
        if (state := store.get_order(row.marketplace, row.order_id)) and state.status == status
    )


def test_an_accepted_order_is_sent_once_then_confirmed(
    twin: Twin, clock: ManualClock, store: Store
) -> None:
    syncer(twin, store, clock).run_once()
    key = first_order_at(store, "WaitingForSellerAcceptation")
    state = store.get_order(*key)
    assert state is not None and state.status is not None
    queued = submit(
        Runtime(load_rules(RULES)),
        store,
        key,
        state.status,
        state.fields,
        "accept",
        {},
        clock.now(),
    )
    assert queued.created and queued.decision.expected_status == "AcceptedBySeller"
    again = submit(
        Runtime(load_rules(RULES)),
        store,
        key,
        state.status,
        state.fields,
        "accept",
        {},
        clock.now(),
    )
    assert not again.created and again.outbox_id == queued.outbox_id

    sent = syncer(twin, store, clock).run_once()
    assert (sent.outbox.sent, sent.outbox.confirmed) == (1, 0)
    assert [a["action_type"] for a in twin.service.actions] == ["accept"]
    clock.sleep(15 * 60)
    confirmed = syncer(twin, store, clock).run_once()
    assert confirmed.outbox.confirmed == 1
    (item,) = store.outbox()
    assert item.state is OutboxState.CONFIRMED
    order = store.get_order(*key)
    assert order is not None and order.status == "AcceptedBySeller"
    assert len(twin.service.actions) == 1


def test_an_action_the_marketplace_never_confirms_is_flagged(
    twin: Twin, clock: ManualClock, store: Store
) -> None:
    syncer(twin, store, clock).run_once()
    key = first_order_at(store, "WaitingForSellerAcceptation")
    # Queued as if the seller had accepted, but the marketplace will refuse a ship at this status.
    store.enqueue(NewAction(*key, "ship", "ship", {}, "ShippedBySeller", clock.now()))
    syncer(twin, store, clock, unconfirmed_after=timedelta(hours=1)).run_once()
    clock.sleep(2 * 3600)
    report = syncer(twin, store, clock, unconfirmed_after=timedelta(hours=1)).run_once()
    assert report.outbox.unconfirmed == 1
    (item,) = store.outbox()
    assert item.state is OutboxState.UNCONFIRMED
