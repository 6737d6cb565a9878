"""What a fetch run set aside is recorded per order, with why; unreadable input is kept once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from engine.channels.order_mapping import Quarantined
from engine.model.snapshot import OrderSnapshot
from engine.runtime.import_policy import is_fulfilled
from engine.store import FetchKind, RunStatus, SetAsideReason, open_store
from engine.sync.sync_report import SyncReport
from engine.sync.syncer import Syncer
from simulator.twin.server import Twin
from tests.sync.support import ManualClock, syncer

MALFORMED = {"marketplace": "cdiscount", "packages": []}  # no marketplace_order_id


def _served(sync: Syncer, clock: ManualClock) -> list[tuple[dict[str, object], OrderSnapshot]]:
    """Every order the twin serves, as raw JSON and as the mapper reads it."""
    now = clock.now()
    pages = sync.channel.order_pages(now - timedelta(days=400), now)
    raws = [r for page in pages for r in page.results]
    mapped = sync.mapper.map_page(raws)
    return [
        (raw, snap)  # type: ignore[misc]
        for raw, snap in zip(raws, mapped, strict=True)
        if not isinstance(snap, Quarantined)
    ]


def _run(sync: Syncer, clock: ManualClock, page: list[object]) -> int:
    store = sync.store
    now = clock.now()
    run = store.start_run(FetchKind.INCREMENTAL, now - timedelta(minutes=15), now, now)
    sync.ingest_page(run, page, SyncReport())
    store.finish_run(run, RunStatus.OK, now)
    return run


def test_a_run_records_the_stale_fulfilled_and_unchanged_orders_it_set_aside(
    twin: Twin, clock: ManualClock, tmp_path: Path
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'aside.db'}")
    sync = syncer(twin, store, clock)
    assert sync.run_once().failed is None
    served = _served(sync, clock)
    rules = sync.rules["cdiscount"]
    fulfilled = next(raw for raw, snap in served if is_fulfilled(rules, snap.fields))
    kept = [(raw, snap) for raw, snap in served if not is_fulfilled(rules, snap.fields)]
    (unchanged, same), (older, stored) = kept[0], kept[1]
    assert store.get_order("cdiscount", same.order_id) is not None
    earlier = stored.updated_at - timedelta(hours=1)
    stale = {**older, "updated_at": earlier.isoformat()}
    clock.sleep(60)

    run = _run(sync, clock, [stale, fulfilled, unchanged])

    recorded = {
        (a.order_id, a.reason, a.updated_at, a.stored_updated_at)
        for a in store.set_aside(run_id=run)
    }
    fulfilled_id = next(s.order_id for r, s in served if r is fulfilled)
    fulfilled_at = next(s.updated_at for r, s in served if r is fulfilled)
    assert recorded == {
        (stored.order_id, SetAsideReason.STALE, earlier, stored.updated_at),
        (fulfilled_id, SetAsideReason.FULFILLED_NOT_IMPORTED, fulfilled_at, None),
        (same.order_id, SetAsideReason.UNCHANGED, same.updated_at, same.updated_at),
    }
    assert len(store.set_aside(run_id=run)) == 3
    assert [a.order_id for a in store.set_aside(run_id=run, reason=SetAsideReason.STALE)] == [
        stored.order_id
    ]
    assert store.set_aside(run_id=run + 1) == []


def test_the_same_malformed_order_fetched_by_two_runs_is_quarantined_once(
    twin: Twin, clock: ManualClock, tmp_path: Path
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'once.db'}")
    sync = syncer(twin, store, clock)
    first = _run(sync, clock, [MALFORMED])
    clock.sleep(900)
    report = SyncReport()
    now = clock.now()
    second = store.start_run(FetchKind.INCREMENTAL, now - timedelta(minutes=15), now, now)
    sync.ingest_page(second, [dict(MALFORMED)], report)
    assert report.quarantined == 0
    (entry,) = store.quarantined()
    assert (entry.fetch_run, entry.raw) == (first, MALFORMED)
    # Another reason, or other raw JSON, is another input.
    _run(sync, clock, [{**MALFORMED, "packages": [{}]}])
    assert len(store.quarantined()) == 2
