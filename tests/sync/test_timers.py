"""`sync --fire-timers`: overdue stored orders get their timer events, dated at the deadline."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from engine.store import open_store
from simulator.twin.server import Twin
from tests.sync.support import ManualClock, syncer


def test_overdue_orders_are_cancelled_at_their_deadline_once(
    twin: Twin, clock: ManualClock, tmp_path: Path
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 't.db'}")
    syncer(twin, store, clock).run_once()
    clock.sleep(3 * 86400)
    waiting = store.open_orders(["WaitingForSellerAcceptation"])
    overdue = [o for o in waiting if o.entered_at + timedelta(hours=48) <= clock.now()]
    # Three days on, every one of the 70 orders still waiting for acceptation is past its 48 hours.
    assert len(waiting) == len(overdue) == 70

    report = syncer(twin, store, clock, fire_timers=True).run_once()
    assert report.timer_events == len(overdue)
    for order in overdue:
        state = store.get_order(order.marketplace, order.order_id)
        assert state is not None and state.status == "AutomaticCancellation"
        last = store.events(order.marketplace, order.order_id)[-1]
        assert (last.trigger, last.source, last.actor) == ("auto_cancel", "timer", "timer")
        assert last.at == order.entered_at + timedelta(hours=48)

    again = syncer(twin, store, clock, fire_timers=True).run_once()
    assert again.timer_events == 0
