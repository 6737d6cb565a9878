"""A listing that changes while the sync walks its pages: the window is walked again, never done.

The twin's `shift_listing` fault updates the listing's first order past the window's upper bound
before a later page is served, as Lengow does when an order changes during a walk: `count`
drops from 250 to 249 and the 101st order slides onto page 1, already read. All 250 seed-3
orders are updated within the last 20 hours, so the sweep's last window holds them in 3 pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

import pytest

from engine.rulefile.loader import load_rules
from engine.store import RunStatus, Store, open_store
from engine.sync.scheduler import Window, WindowKind
from engine.sync.syncer import MAX_WALKS
from simulator.twin.faults import Faults
from simulator.twin.orders import GeneratedOrders, Generation, ServedOrder
from simulator.twin.server import Twin, build_service
from tests.sync.support import RULES, ManualClock, syncer


@pytest.fixture
def busy(clock: ManualClock) -> Iterator[Twin]:
    plan = Generation(count=250, seed=3, span=timedelta(hours=20))
    with Twin(build_service([load_rules(RULES)], plan=plan, clock=clock)) as server:
        yield server


def served(twin: Twin) -> dict[tuple[str, str], ServedOrder]:
    """What the twin serves now, the fulfilled orders (which the sync skips) left out."""
    source = twin.service.source
    assert isinstance(source, GeneratedOrders)
    return {
        (o.marketplace, o.order_id): o
        for o in twin.service.moved.served(source.orders())
        if not source.facts_of(o.marketplace, o.order_id).fields["fulfilled_by_marketplace"]
    }


def stored_versions(store: Store, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], object]:
    return {key: state.updated_at for key, state in store.get_orders(keys).items()}


def test_a_window_whose_listing_shifted_is_walked_again_and_loses_nothing(
    busy: Twin, clock: ManualClock, store_url: str
) -> None:
    store = open_store(store_url)
    listing = sorted(served(busy).values(), key=lambda o: (o.updated_at, o.order_id))
    busy.service.faults.set(Faults(shift_listing=1))
    report = syncer(busy, store, clock).run_once()
    twin_orders = served(busy)
    # 228 of the 250 orders are not fulfilled by the marketplace; every one is stored, the one
    # that slid onto page 1 included (a single walk marked the window done without it).
    assert len(twin_orders) == store.count_orders() == 228
    assert set(store.get_orders(twin_orders)) == set(twin_orders)
    assert report.failed is None and report.walked_again == 1
    assert report.summary().endswith("; 1 window walk(s) repeated: the listing changed")
    # The four empty sweep windows, then 100 + 100 + 49 orders twice: the first walk lost the
    # slid order (and its count went from 250 to 249), the second served it.
    assert (report.pages, report.orders) == (4 + 3 + 3, 249 + 249)
    runs = store.fetch_runs()
    assert [(r.status, r.pages) for r in runs] == [(RunStatus.OK, 1)] * 4 + [(RunStatus.OK, 6)]
    assert store.watermark("orders") == clock.now()
    # The moved order was read before it moved; the next run reads its new version.
    (moved,) = [o for o in twin_orders.values() if o.updated_at > clock.now()]
    assert moved.order_id == listing[0].order_id
    before = store.get_order(moved.marketplace, moved.order_id)
    assert before is not None and before.updated_at == listing[0].updated_at
    clock.sleep(15 * 60)
    later = syncer(busy, store, clock).run_once()
    assert later.failed is None and later.walked_again == 0
    assert stored_versions(store, twin_orders) == {k: o.updated_at for k, o in twin_orders.items()}


def test_a_listing_that_shifts_under_every_walk_fails_the_window_and_the_next_run_fetches_it(
    busy: Twin, clock: ManualClock, store_url: str
) -> None:
    store = open_store(store_url)
    start = clock.now()
    busy.service.faults.set(Faults(shift_listing=1000))
    first = syncer(busy, store, clock).run_once()
    assert first.failed == (
        "the sweep window 2026-11-19 09:00..2026-11-20 09:00 was not done: its listing changed "
        f"during each of {MAX_WALKS} walks (the last: GET /v3.0/orders changed while it was "
        "read: count 246 on page 1, count 245 on page 2, count 244 on page 3); it is fetched "
        "again on the next run"
    )
    assert first.walked_again == MAX_WALKS - 1 == 2
    runs = store.fetch_runs()
    assert [r.status for r in runs] == [RunStatus.OK] * 4 + [RunStatus.FAILED]
    assert (runs[-1].error, runs[-1].pages) == (first.failed, 9)
    # The watermark stays at the end of the last window done; what the walks read stays stored
    # (here every order: each walk served the ones the walk before lost), but 6 orders moved
    # past the window after they were read: 3 fulfilled ones (skipped; the oldest orders, first
    # in the listing), and 3 whose older version the store holds.
    assert store.watermark("orders") == start - timedelta(days=1)
    assert store.count_orders() == 228
    assert len(busy.service.moved) == 6
    twin_orders = served(busy)
    stale = {
        k for k, v in stored_versions(store, twin_orders).items() if v != twin_orders[k].updated_at
    }
    assert len(stale) == 3
    busy.service.faults.set(Faults())
    clock.sleep(15 * 60)
    second = syncer(busy, store, clock).run_once()
    # From the watermark minus the 2 h overlap to now, in pieces of a day at most.
    from_mark = start - timedelta(days=1, hours=2)
    assert second.windows == [
        Window(WindowKind.INCREMENTAL, from_mark, from_mark + timedelta(days=1)),
        Window(WindowKind.INCREMENTAL, from_mark + timedelta(days=1), clock.now()),
    ]
    assert second.failed is None and second.walked_again == 0
    assert stored_versions(store, twin_orders) == {k: o.updated_at for k, o in twin_orders.items()}
    assert store.count_orders() == 228
    assert store.watermark("orders") == clock.now()
