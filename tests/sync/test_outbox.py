"""Seller actions through the outbox: sent once to the twin, confirmed by a later fetch, flagged
when the marketplace never confirms them; every channel error on the way is a result with its
reason (a proxy page, a refusal, an outage, refused credentials), never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from engine.rulefile.loader import load_rules
from engine.runtime.runtime import Runtime
from engine.store import NewAction, OutboxState, Store, open_store
from engine.sync.seller_actions import submit
from simulator.twin.api import Credentials
from simulator.twin.faults import Faults
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
    assert (sent.outbox.sent, sent.outbox.confirmed, sent.outbox.awaiting) == (1, 0, 1)
    assert sent.outbox.summary().endswith("1 awaiting confirmation, 0 left pending")
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


def queue_accept(twin: Twin, clock: ManualClock, store: Store) -> str:
    """Fill the store from the twin and queue `accept` on an order waiting for it; its id."""
    syncer(twin, store, clock).run_once()
    key = first_order_at(store, "WaitingForSellerAcceptation")
    state = store.get_order(*key)
    assert state is not None and state.status is not None
    rules = load_rules(RULES)
    queued = submit(
        Runtime(rules), store, key, state.status, state.fields, "accept", {}, clock.now()
    )
    assert queued.created
    return key[1]


def test_a_proxy_page_answering_a_post_leaves_the_entry_sending_and_it_is_not_sent_again(
    twin: Twin, clock: ManualClock, store: Store
) -> None:
    order_id = queue_accept(twin, clock, store)
    twin.service.faults.set(Faults(html_actions=1))
    report = syncer(twin, store, clock).run_once()
    reason = "POST /v3.0/orders/actions/ answered HTTP 200 with a body that is not JSON"
    assert report.outbox.summary() == (
        "outbox: 0 sent, 0 already at the marketplace, 0 failed, 1 in doubt, 0 confirmed, "
        "0 unconfirmed, 0 awaiting confirmation, 0 left pending; "
        f"outbox problem: accept of order {order_id} left sending (it "
        f"may have landed; looked up before any new send): {reason}"
    )
    (item,) = store.outbox()
    assert (item.state, item.attempts, item.attempted_at, item.answer) == (
        OutboxState.SENDING,
        1,
        clock.now(),
        {"error": reason},
    )
    # Five minutes on, the send may still be another worker's: left alone, not a problem.
    clock.sleep(5 * 60)
    soon = syncer(twin, store, clock).run_once()
    assert (soon.outbox.in_doubt, soon.outbox.problems, len(twin.service.actions)) == (1, [], 1)
    # Twenty minutes on, the fetch shows the order accepted: it landed, nothing is sent again.
    clock.sleep(15 * 60)
    later = syncer(twin, store, clock).run_once()
    assert (later.outbox.sent, later.outbox.already_done, later.outbox.confirmed) == (0, 1, 1)
    (item,) = store.outbox()
    assert (item.state, item.attempts, item.answer) == (
        OutboxState.CONFIRMED,
        1,
        {"found": "the order is at AcceptedBySeller at the marketplace"},
    )
    assert [a["marketplace_order_id"] for a in twin.service.actions] == [order_id]


def test_a_refused_post_fails_the_entry_with_the_channel_answer(
    twin: Twin, clock: ManualClock, store: Store
) -> None:
    syncer(twin, store, clock).run_once()
    store.enqueue(NewAction("cdiscount", "NOPE-1", "accept", "accept", {}, None, clock.now()))
    report = syncer(twin, store, clock).run_once()
    refusal = "POST /v3.0/orders/actions/ was refused with HTTP 400: marketplace_order_id: no order"
    assert report.outbox.problems == [f"accept of order NOPE-1 failed: {refusal} 'NOPE-1'"]
    (item,) = store.outbox()
    assert (item.state, item.attempts, item.answer) == (
        OutboxState.FAILED,
        1,
        {"error": f"{refusal} 'NOPE-1'"},
    )


def test_an_outage_leaves_the_entries_as_they_were_with_the_reason_and_stops_the_sends(
    twin: Twin, clock: ManualClock, store: Store
) -> None:
    first = queue_accept(twin, clock, store)
    other = next(
        o.order_id
        for o in store.open_orders(["WaitingForSellerAcceptation"])
        if o.order_id != first
    )
    store.enqueue(NewAction("cdiscount", other, "accept", "accept", {}, None, clock.now()))
    twin.service.faults.set(Faults(server_error_every=1))
    report = syncer(twin, store, clock).run_once()
    cause = (
        "the channel is unavailable after 3 attempts: POST /access/get_token failed with "
        "HTTP 503: The twin fails on purpose"
    )
    assert (report.windows, report.failed) == ([], None)  # no fetch was due: the outbox alone
    assert report.outbox.problems == [f"accept of order {first} left pending: {cause}"]
    assert (report.outbox.pending, report.outbox.awaiting) == (1, 0)
    assert [(i.order_id, i.state, i.attempts, i.answer) for i in store.outbox()] == [
        (first, OutboxState.PENDING, 1, {"error": cause}),
        (other, OutboxState.PENDING, 0, None),  # not tried: the channel is down
    ]
    assert twin.service.actions == []


def test_refused_credentials_leave_the_entry_pending_with_what_to_fix(
    twin: Twin, clock: ManualClock, store: Store
) -> None:
    order_id = queue_accept(twin, clock, store)
    twin.service.credentials = Credentials("another-token", "another-secret", 1)
    report = syncer(twin, store, clock).run_once()
    refused = (
        "the access token and secret were refused (HTTP 401): Invalid access_token or secret; "
        "check LENGOW_ACCESS_TOKEN and LENGOW_SECRET"
    )
    assert report.outbox.problems == [f"accept of order {order_id} left pending: {refused}"]
    (item,) = store.outbox()
    assert (item.state, item.answer) == (OutboxState.PENDING, {"error": refused})
