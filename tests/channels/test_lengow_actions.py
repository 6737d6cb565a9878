"""The Lengow client's look-ups for a send that may have landed: the order's actions, queued and
processed, since a time, and the order's status; and a POST lost in transit found processed."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import numpy as np

from engine.channels.lengow import LengowClient
from engine.channels.retry import RetryPolicy
from tests.channels.conftest import sample
from tests.channels.fakes import FakeClock, FakeLengow, page, settings

ACTIONS = "/v3.0/orders/actions/"
ORDERS = "/v3.0/orders"
ORDER = "1300435653833-A"
SHIP = {"carrier": "LAPOSTE", "tracking_number": "tototo"}
SINCE = datetime(2016, 2, 9, 11, 0, tzinfo=UTC)


def client_for(fake: FakeLengow, clock: FakeClock) -> LengowClient:
    return LengowClient(
        settings(),
        clock=clock,
        rng=np.random.default_rng(7),
        policy=RetryPolicy(),
        transport=fake.transport(),
    )


def processed(**changes: object) -> dict[str, object]:
    """The sample's queued `ship` as Lengow shows it once processed, with `changes`."""
    record = dict(sample("send_tracking_queued.json")["results"][0])  # type: ignore[index]
    return {**record, "queued": False, "processed": True, **changes}


def test_find_action_since_takes_a_processed_identical_action_created_since() -> None:
    fake, clock = FakeLengow(), FakeClock()
    older = processed(id=7, created_at="2016-02-09T10:00:00Z")  # before `since`: not ours
    other = processed(id=8, carrier="UPS")  # another shipment
    fake.on("GET", ACTIONS, page([older, other, processed()], None))
    found = client_for(fake, clock).find_action(
        "galeries_lafayette", ORDER, "ship", SHIP, since=SINCE
    )
    assert found is not None and (found.id, found.queued, found.processed) == ("1", False, True)
    assert dict(fake.calls(ACTIONS)[0].url.params) == {
        "account_id": "155",
        "marketplace": "galeries_lafayette",
        "marketplace_order_id": ORDER,
        "action_type": "ship",
    }


def test_find_action_since_finds_nothing_when_only_older_or_other_actions_are_listed() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("GET", ACTIONS, page([processed(created_at="2016-02-09T10:59:59Z")], None))
    client = client_for(fake, clock)
    assert client.find_action("galeries_lafayette", ORDER, "ship", SHIP, since=SINCE) is None


def test_a_post_lost_in_transit_that_lengow_processed_meanwhile_is_found() -> None:
    fake, clock = FakeLengow(), FakeClock()
    fake.on("POST", ACTIONS, lambda r: httpx.ReadTimeout("no answer"))
    fake.on("GET", ACTIONS, page([processed()], None))
    outcome = client_for(fake, clock).post_action(
        "galeries_lafayette", ORDER, "ship", SHIP, since=SINCE
    )
    assert (outcome.sent, outcome.record.processed) == (False, True)
    assert [r.method for r in fake.calls(ACTIONS)] == ["POST", "GET"]
    assert len(clock.sleeps) == 1


def test_order_status_is_the_marketplace_status_of_the_listed_order() -> None:
    fake, clock = FakeLengow(), FakeClock()
    listed = {"marketplace_order_id": ORDER, "marketplace_status": "WAITING_SHIPMENT"}
    fake.on("GET", ORDERS, page([listed], None), page([], None))
    client = client_for(fake, clock)
    assert client.order_status("galeries_lafayette", ORDER) == "WAITING_SHIPMENT"
    assert client.order_status("galeries_lafayette", ORDER) is None
    assert dict(fake.calls(ORDERS)[0].url.params) == {
        "account_id": "155",
        "marketplace": "galeries_lafayette",
        "marketplace_order_id": ORDER,
    }
