"""A sync killed with SIGKILL at every point of an action's send, then run again, has the
marketplace do each action once: on SQLite and PostgreSQL, for every action type.

Each kill is a child process (`crash_sender`) that kills itself where it is told: before the
POST, during it (the twin queued the action, the answer is not read), after it (the answer read,
not looked at) and before the outbox records it. The next run fetches first (the twin processes
the queued action then, so it is no longer queued) and then meets the entry left `sending`: it
asks the twin (the order's status, the order's queued and processed actions) and sends again
only when the first POST did not land. Children are forked from a server that imported the
engine once, so the twenty-four runs of a case take seconds.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from engine.rulefile.loader import load_rules
from engine.runtime.runtime import Runtime
from engine.store import OutboxState, Store, open_store
from engine.sync.seller_actions import submit
from simulator.twin.orders import Generation
from simulator.twin.server import Twin, build_service
from tests.sync import crash_sender
from tests.sync.crash_sender import POINTS
from tests.sync.support import RULES, ManualClock, syncer

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
STEP = timedelta(minutes=20)  # past IN_FLIGHT and the 15-minute schedule: each run fetches
CONTEXT = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload(["tests.sync.crash_sender"])

# One action of each type the rule file sends: (action, status it is taken at, inputs).
ACTIONS = (
    ("accept", "WaitingForSellerAcceptation", {}),
    ("refuse", "WaitingForSellerAcceptation", {}),
    ("ship", "WaitingForShipmentAcceptation", {"carrier": "14", "tracking_number": "8R0001"}),
    ("refuse_shipment", "WaitingForShipmentAcceptation", {}),
    ("refund", "Shipped", {"refund_reason": "ClientClaim"}),
)


@pytest.fixture
def twin_and_clock() -> Iterator[tuple[Twin, ManualClock]]:
    clock = ManualClock(T0)
    service = build_service([load_rules(RULES)], plan=Generation(count=120, seed=3), clock=clock)
    with Twin(service) as twin:
        yield twin, clock


def queue_one_of_each(store: Store, at: datetime) -> list[str]:
    """One order per action of `ACTIONS`, its action queued; the orders, in queue order."""
    rules = load_rules(RULES)
    runtime = Runtime(rules)
    taken: list[str] = []
    for action, status, inputs in ACTIONS:
        order = next(o for o in store.open_orders([status]) if o.order_id not in taken)
        state = store.get_order(order.marketplace, order.order_id)
        assert state is not None
        queued = submit(runtime, store, state.key, status, state.fields, action, inputs, at)
        assert queued.created, queued.decision.blockers
        taken.append(order.order_id)
    return taken


def child(url: str, twin: Twin, clock: ManualClock, at: datetime, point: str | None = None,
          order_id: str | None = None) -> int | None:  # fmt: skip
    """Run one sync in a forked child at `at` (the twin's clock too); its exit code."""
    clock.moment = at
    process = CONTEXT.Process(target=crash_sender.run, args=(url, twin.url, at, point, order_id))
    process.start()
    process.join(timeout=120)
    return process.exitcode


@pytest.mark.parametrize("point", POINTS)
def test_a_send_killed_at_any_point_has_each_action_done_once(
    point: str, store_url: str, twin_and_clock: tuple[Twin, ManualClock]
) -> None:
    twin, clock = twin_and_clock
    with open_store(store_url) as store:
        syncer(twin, store, clock).run_once()
        orders = queue_one_of_each(store, T0)
    at = T0
    for number, order_id in enumerate(orders, start=1):
        at += STEP
        assert child(store_url, twin, clock, at, point, order_id) == -signal.SIGKILL
        with open_store(store_url) as store:
            entry = store.outbox()[number - 1]
        # Killed with its send begun: the entry says its POST may have landed.
        assert (entry.order_id, entry.state, entry.attempted_at) == (
            order_id,
            OutboxState.SENDING,
            at,
        )
        landed = [a for a in twin.service.actions if a["marketplace_order_id"] == order_id]
        assert len(landed) == (0 if point == "before_post" else 1)
    assert child(store_url, twin, clock, at + STEP) == 0
    clock.moment = at + 2 * STEP
    with open_store(store_url) as store:
        syncer(twin, store, clock).run_once()  # the last action processed, fetched, confirmed
        items = store.outbox()

    sent = Counter((a["marketplace_order_id"], a["action_type"]) for a in twin.service.actions)
    types = [item.action_type for item in items]
    assert types == ["accept", "refuse", "ship", "cancel", "refund"]
    assert sent == Counter(zip(orders, types, strict=True))  # each action once, none twice
    # Killed before its POST, an entry is sent again (two attempts); killed after, it is found.
    assert [item.attempts for item in items] == [2 if point == "before_post" else 1] * 5
    assert [item.state for item in items] == [OutboxState.CONFIRMED] * 5
    if point != "before_post":
        found = [str(item.answer.get("found")) for item in items[:4]]  # type: ignore[attr-defined]
        assert found == [
            f"the order is at {item.expected_status} at the marketplace" for item in items[:4]
        ]
        # The refund changes no status: its processed action at the twin is what was found.
        refund = items[4].answer
        assert isinstance(refund, dict)
        assert (refund["marketplace_order_id"], refund["queued"], refund["processed"]) == (
            orders[4],
            False,
            True,
        )
