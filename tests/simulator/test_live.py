"""A live simulation behind the twin: orders arrive and move as the twin's clock runs."""

from __future__ import annotations

from datetime import UTC, datetime

from simulator.run.live import LiveSimulation
from simulator.twin.orders import ActionRequest
from simulator.world.clock import VirtualClock

from .small_world import shipped

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def live() -> tuple[LiveSimulation, VirtualClock]:
    clock = VirtualClock(T0)
    return LiveSimulation(shipped("baseline", 300), 7, clock, speed=60.0, days=3), clock


def test_orders_appear_and_move_as_time_passes() -> None:
    source, clock = live()
    assert source.orders() == []
    clock.sleep(60 * 60)  # an hour of the twin's clock: 60 hours of the scenario
    first = {o.order_id: o for o in source.orders()}
    assert len(first) == 234  # of the 300 seed-7 orders of 3 days, 78 % arrive in 60 hours
    clock.sleep(60 * 60)
    later = {o.order_id: o for o in source.orders()}
    assert len(later) == 300
    moved = [
        k
        for k in first
        if later[k].document["marketplace_status"] != first[k].document["marketplace_status"]
    ]
    assert len(moved) == 55  # of the 234, in the next 60 hours
    assert all(o.updated_at <= clock.now() for o in later.values())
    assert all(T0 <= o.ordered_at <= o.updated_at for o in later.values())


def test_a_posted_action_is_judged_by_the_runtime() -> None:
    source, clock = live()
    clock.sleep(60)  # an hour of the scenario
    waiting = [
        o
        for o in source.orders()
        if o.document["marketplace_status"] == "WaitingForSellerAcceptation"
    ]
    target = waiting[0]
    wrong = ActionRequest("cdiscount", target.order_id, "ship", {})
    assert source.apply(wrong, clock.now()) == (
        "action 'ship' is not possible at status 'WaitingForSellerAcceptation'"
    )
    accept = ActionRequest("cdiscount", target.order_id, "accept", {})
    assert source.apply(accept, clock.now()) == ""
    clock.sleep(3600)
    after = {o.order_id: o for o in source.orders()}[target.order_id]
    assert after.document["marketplace_status"] == "AcceptedBySeller"
    assert (
        source.apply(ActionRequest("cdiscount", "SIM999999999", "accept", {}), clock.now())
        == "order 'SIM999999999' of 'cdiscount' does not exist"
    )
