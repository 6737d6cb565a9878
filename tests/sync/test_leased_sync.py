"""A sync under its window lease, in one process on the manual clock, on both backends: it skips
a window another live sync holds and says so, takes over once that one's lease lapsed, stops
when it lost its own, and ends every store fault on the orders path as a failed window."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from engine.store import (
    ApplyResult,
    ConcurrentWrite,
    FetchKind,
    OrderChange,
    OrderKey,
    OrderState,
    RunStatus,
    SetAsideReason,
    Store,
    StoreError,
    StoreTransaction,
    open_store,
    shown_holder,
)
from engine.store.fetch_log import INTERRUPTED
from engine.sync.sync_report import SyncReport
from engine.sync.syncer import Syncer
from engine.sync.window_lease import lease_name
from simulator.twin.server import Twin
from tests.conftest import pg_url
from tests.sync.support import ManualClock, duplicate_events, syncer

OTHER = "hostB:202:bbbb"  # another sync, on another machine
WINDOW = lease_name(1, "cdiscount")


def test_a_window_another_live_sync_holds_is_skipped_and_the_report_says_so(
    store_url: str, twin: Twin, clock: ManualClock
) -> None:
    with open_store(store_url) as store:
        store.take_leases([WINDOW], OTHER, clock.now(), clock.now() + timedelta(minutes=2))
        report = syncer(twin, store, clock).run_once()
        runs = store.fetch_runs()
    skipped = "cdiscount: another sync (hostB pid 202) holds the window until 09:02:00; skipped"
    assert (report.windows, report.failed, report.skipped) == ([], None, [skipped])
    assert report.held_until == clock.now() + timedelta(minutes=2)
    assert report.summary().startswith("0 window(s); 0 page(s)")
    assert report.summary().endswith(f"; {skipped}")
    assert (runs, twin.service.fetches) == ([], 0)  # no run started, no page asked for


def test_once_a_dead_syncs_lease_lapsed_the_next_takes_over_and_closes_its_run(
    store_url: str, twin: Twin, clock: ManualClock
) -> None:
    start = clock.now()
    with open_store(store_url) as store:
        # A sync that died mid-window: its lease and its run, never renewed nor closed.
        store.take_leases([WINDOW], OTHER, start, start + timedelta(minutes=2))
        dead = store.start_run(FetchKind.SWEEP, start - timedelta(days=1), start, start, OTHER)
        clock.sleep(119)
        sync = syncer(twin, store, clock)
        early = sync.run_once()
        assert (early.windows, store.fetch_runs()[0].status) == ([], RunStatus.RUNNING)
        clock.sleep(1)  # 09:02:00: the lease lapsed
        report = sync.run_once()
        runs = store.fetch_runs()
        leases = store.leases()
    assert (report.failed, len(report.windows), report.skipped) == (None, 5, [])
    assert (runs[0].id, runs[0].status, runs[0].error) == (dead, RunStatus.FAILED, INTERRUPTED)
    assert [(r.status, r.holder) for r in runs[1:]] == [(RunStatus.OK, sync.lease.holder)] * 5
    assert leases == []  # released once the windows were walked


class TakenOverMidWalk:
    """The twin's channel, except that after the first page (the first window's only one) the
    sync stalls past its lease (the clock moves 3 minutes) and another sync takes it over."""

    def __init__(self, sync: Syncer, clock: ManualClock) -> None:
        self.inner, self.store, self.clock = sync.channel, sync.store, clock
        self.served = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def order_pages(self, updated_from: datetime, updated_to: datetime, **kw: Any) -> Iterator[Any]:
        for page in self.inner.order_pages(updated_from, updated_to, **kw):
            self.served += 1
            if self.served == 2:
                self.clock.sleep(180)
                now = self.clock.now()
                self.store.take_leases([WINDOW], OTHER, now, now + timedelta(minutes=2))
            yield page


def test_a_sync_that_lost_its_lease_commits_no_more_and_its_window_fails(
    store_url: str, twin: Twin, clock: ManualClock
) -> None:
    with open_store(store_url) as store:
        sync = syncer(twin, store, clock)
        sync.channel = TakenOverMidWalk(sync, clock)
        report = sync.run_once()
        done, failed = store.fetch_runs()
        stored, leases = store.count_orders(), store.leases()
    lost = (
        f"{shown_holder(sync.lease.holder)} no longer holds its lease: 'fetch:1:cdiscount' is "
        "held by hostB pid 202 (it lapsed before 09:03:00 and was taken over); the work under "
        "it stops here"
    )
    assert (report.failed, failed.status, failed.error) == (lost, RunStatus.FAILED, lost)
    assert (done.status, done.pages, failed.pages) == (RunStatus.OK, 1, 0)
    assert stored == report.applied > 0  # the first window's page, and nothing after it
    assert [lease.holder for lease in leases] == [OTHER]  # the new holder's lease untouched


class RacedStore:
    """The store, except that the first transaction of a page meets another writer: between
    its read and its write, the other committed the same page; the write then fails as it does
    on PostgreSQL (`ConcurrentWrite`, the whole transaction rolled back)."""

    def __init__(self, store: Store, competitor: Syncer, page: list[object]) -> None:
        self.store, self.competitor, self.page = store, competitor, page
        self.raced = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def transaction(self) -> AbstractContextManager[StoreTransaction]:
        if self.raced:
            return self.store.transaction()
        self.raced = True
        return self._raced()

    @contextmanager
    def _raced(self) -> Iterator[StoreTransaction]:
        now = self.competitor.clock.now()
        run = self.store.start_run(FetchKind.SWEEP, now - timedelta(days=1), now, now)
        self.competitor.ingest_page(run, self.page, SyncReport())
        with self.store.transaction() as tx:
            yield _WriteMeetsTheOther(tx)


class _WriteMeetsTheOther:
    def __init__(self, tx: StoreTransaction) -> None:
        self.tx = tx

    def __getattr__(self, name: str) -> Any:
        return getattr(self.tx, name)

    def get_orders(self, keys: Iterable[OrderKey]) -> dict[OrderKey, OrderState]:
        return {}  # read before the other writer committed

    def apply(self, changes: Sequence[OrderChange]) -> ApplyResult:
        raise ConcurrentWrite("3 of 3 orders were changed by another writer (test)")


def _first_page(sync: Syncer, clock: ManualClock) -> list[object]:
    now = clock.now()
    return list(next(iter(sync.channel.order_pages(now - timedelta(days=5), now))).results)


def test_orders_another_writer_created_meanwhile_are_read_again_and_end_unchanged(
    store_url: str, twin: Twin, clock: ManualClock
) -> None:
    with open_store(store_url) as store:
        sync = syncer(twin, store, clock)
        page = _first_page(sync, clock)
        sync.store = RacedStore(store, syncer(twin, store, clock), page)  # type: ignore[assignment]
        now = clock.now()
        run = store.start_run(FetchKind.SWEEP, now - timedelta(days=1), now, now)
        report = SyncReport()
        sync.ingest_page(run, page, report)
        aside = {a.reason for a in store.set_aside(run_id=run)}
        (ours,) = [r for r in store.fetch_runs() if r.id == run]
        orders = store.count_orders()
    stored = report.unchanged
    assert (report.applied, report.events, orders) == (0, 0, stored)
    assert stored == len(page) - report.skipped_fulfilled > 0
    assert aside == {SetAsideReason.UNCHANGED, SetAsideReason.FULFILLED_NOT_IMPORTED}
    assert (ours.pages, ours.orders) == (1, len(page))  # counted once, by the retry


def test_a_store_fault_on_the_orders_path_fails_the_window_with_its_reason(
    store_url: str, twin: Twin, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object) -> None:
        raise StoreError("could not write the store: the disk is full")

    with open_store(store_url) as store:
        sync = syncer(twin, store, clock)
        monkeypatch.setattr("engine.store.transaction.Transaction.record_set_aside", full)
        report = sync.run_once()
        runs, leases = store.fetch_runs(), store.leases()
        monkeypatch.undo()
        monkeypatch.setattr(store, "close_interrupted", full)
        before = sync.run_once()
    reason = "could not write the store: the disk is full"
    assert (report.failed, [(r.status, r.error) for r in runs]) == (
        reason,
        [(RunStatus.FAILED, reason)],
    )
    assert report.summary().endswith(f"; FAILED: {reason}")
    assert leases == []  # released all the same
    assert (before.failed, before.windows) == (reason, [])


def test_on_postgresql_a_second_writer_of_the_same_new_orders_ends_unchanged(
    pg_schema_url: str, twin: Twin, clock: ManualClock
) -> None:
    """The race itself: A writes a page of new orders and waits to commit; B, reading none of
    them, blocks on A's rows; A commits; B's upsert writes nothing (`ConcurrentWrite`), and its
    retry reads A's orders: unchanged. No lease here, as between a sync and another writer."""
    import psycopg  # the PostgreSQL half only: pg_schema_url skipped it without

    # B's connections carry a name of their own, to see when B waits on a lock.
    b_name = f"orderflow_b_{uuid.uuid4().hex[:8]}"
    b_url = make_url(pg_schema_url).update_query_dict({"application_name": b_name})
    stores = [open_store(pg_schema_url), open_store(b_url.render_as_string(hide_password=False))]
    syncs = [syncer(twin, store, clock) for store in stores]
    page = _first_page(syncs[0], clock)
    written, waited_on = threading.Event(), threading.Event()
    met: list[str] = []
    writing_a, writing_b = stores[0].transaction, stores[1].transaction

    @contextmanager
    def slow_commit() -> Iterator[StoreTransaction]:
        with writing_a() as tx:
            yield tx
            written.set()
            assert waited_on.wait(timeout=30)

    @contextmanager
    def watched() -> Iterator[StoreTransaction]:
        try:
            with writing_b() as tx:
                yield tx
        except StoreError as exc:
            met.append(type(exc).__name__)
            raise

    stores[0].transaction = slow_commit  # type: ignore[method-assign,assignment]
    stores[1].transaction = watched  # type: ignore[method-assign,assignment]
    now = clock.now()
    runs = [s.start_run(FetchKind.SWEEP, now - timedelta(days=1), now, now) for s in stores]
    reports = [SyncReport(), SyncReport()]
    a = threading.Thread(target=syncs[0].ingest_page, args=(runs[0], page, reports[0]))
    b = threading.Thread(target=syncs[1].ingest_page, args=(runs[1], page, reports[1]))
    a.start()
    assert written.wait(timeout=30)
    b.start()
    with psycopg.connect(pg_url(), autocommit=True) as watcher:
        for _ in range(3000):  # until B waits on A's rows (at most 30 s)
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = %s AND wait_event_type = 'Lock'",
                (b_name,),
            ).fetchone()
            if waiting is not None and waiting[0] > 0:
                break
            time.sleep(0.01)
    waited_on.set()
    a.join(timeout=30)
    b.join(timeout=30)
    with open_store(pg_schema_url) as store:
        events = len(store.events_frame())
    duplicates = duplicate_events(pg_schema_url)
    for store in stores:
        store.close()
    new = reports[0].applied
    assert met == ["ConcurrentWrite"]
    assert (new, reports[0].unchanged, reports[1].applied, reports[1].unchanged) == (new, 0, 0, new)
    assert new == len(page) - reports[0].skipped_fulfilled > 0
    assert (events, duplicates) == (reports[0].events, [])
