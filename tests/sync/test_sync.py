"""The sync against the Lengow twin over real HTTP: fill, repeat, faults, failed runs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from engine.store import RunStatus, open_store
from simulator.twin.faults import Faults
from simulator.twin.server import Twin
from tests.sync.support import ManualClock, event_rows, syncer


def test_a_first_sync_fills_the_store_and_a_second_changes_nothing(
    twin: Twin, clock: ManualClock, store_url: str
) -> None:
    # On SQLite and on PostgreSQL: the same code behind a URL.
    store = open_store(store_url)
    first = syncer(twin, store, clock).run_once()
    assert first.failed is None
    assert [w.kind for w in first.windows] == ["sweep"] * 5
    # 22 of the 250 seed-3 orders are fulfilled by the marketplace (9 %, for a 10 % share).
    assert first.skipped_fulfilled == 22 and store.count_orders() == 228
    assert first.orders == 250 and first.quarantined == 0 and first.anomalies == 0
    before = event_rows(store)
    assert len(before) == first.events
    clock.sleep(15 * 60)
    second = syncer(twin, store, clock).run_once()
    assert [w.kind for w in second.windows] == ["incremental"]
    assert second.applied == 0 and second.events == 0
    assert event_rows(store) == before


def test_fulfilled_orders_are_imported_when_the_connector_has_the_option_on(
    twin: Twin, clock: ManualClock, tmp_path: Path
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'f.db'}")
    report = syncer(twin, store, clock, connector="prestashop", import_fulfilled=True).run_once()
    assert report.skipped_fulfilled == 0 and store.count_orders() == 250
    woo = syncer(
        twin,
        open_store(f"sqlite:///{tmp_path / 'w.db'}"),
        clock,
        connector="woocommerce",
        import_fulfilled=True,
    )
    assert woo.imports["cdiscount"].message == (
        "Cdiscount: with woocommerce it is not possible to import the orders shipped by the "
        "marketplace; they are skipped"
    )


def test_duplicated_and_reordered_pages_give_the_same_store(
    twin: Twin, clock: ManualClock, tmp_path: Path
) -> None:
    clean = open_store(f"sqlite:///{tmp_path / 'clean.db'}")
    syncer(twin, clean, clock).run_once()
    twin.service.faults.set(Faults(duplicate_pages=True, reorder_pages=True))
    messy = open_store(f"sqlite:///{tmp_path / 'messy.db'}")
    report = syncer(twin, messy, clock).run_once()
    assert report.pages == 10  # each window's one page, served twice
    assert event_rows(messy) == event_rows(clean)


def test_malformed_orders_are_quarantined_and_the_page_goes_on(
    twin: Twin, clock: ManualClock, tmp_path: Path
) -> None:
    twin.service.faults.set(Faults(malformed=1))
    store = open_store(f"sqlite:///{tmp_path / 'q.db'}")
    report = syncer(twin, store, clock).run_once()
    quarantined = store.quarantined()
    # Each page carries the same unreadable input: every run counts it, the store keeps it once.
    assert sum(run.errors for run in store.fetch_runs()) == report.pages
    assert report.quarantined == len(quarantined) == 1
    assert all(entry.reason and entry.raw is not None for entry in quarantined)
    assert store.count_orders() + report.skipped_fulfilled == 250


def test_an_outage_fails_the_run_and_the_next_run_starts_from_the_same_watermark(
    twin: Twin, clock: ManualClock, tmp_path: Path
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'o.db'}")
    syncer(twin, store, clock).run_once()
    mark = store.watermark("orders")
    clock.sleep(15 * 60)
    twin.service.faults.set(Faults(server_error=100))
    failed = syncer(twin, store, clock).run_once()
    assert failed.failed is not None and "503" in failed.failed
    assert store.watermark("orders") == mark
    assert store.fetch_runs(status=RunStatus.FAILED)[-1].error == failed.failed
    twin.service.faults.set(Faults())
    clock.sleep(60)
    retried = syncer(twin, store, clock).run_once()
    assert retried.failed is None
    assert retried.windows[0].start == mark - timedelta(hours=2)


def test_rate_limits_server_errors_and_slow_answers_lose_nothing(
    twin: Twin, clock: ManualClock, tmp_path: Path
) -> None:
    clean = open_store(f"sqlite:///{tmp_path / 'clean.db'}")
    syncer(twin, clean, clock).run_once()
    twin.service.faults.set(
        Faults(rate_limit_every=3, retry_after=2, server_error_every=4, slow_every=5, delay=0.05)
    )
    faulty = open_store(f"sqlite:///{tmp_path / 'faulty.db'}")
    requests, start = twin.service.faults.requests, clock.now()
    report = syncer(twin, faulty, clock).run_once()
    assert report.failed is None
    assert event_rows(faulty) == event_rows(clean)
    # The clean fetch's 6 requests, and 5 more: requests 9, 12 and 15 were rate limited, 8 and 16
    # failed. The client waited as told: 3 x 2 s of Retry-After, plus the slow answers 10 and 15
    # (0.05 s each on the twin's clock) and a backoff jittered within (0, 0.02 s] after each error.
    assert twin.service.faults.requests - requests == 11
    waited = (clock.now() - start).total_seconds()
    assert 6.1 < waited <= 6.14
