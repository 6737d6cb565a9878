"""The sync against the Lengow twin over real HTTP: fill, repeat, faults, failed runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.channels.config import LengowSettings, Secret
from engine.channels.lengow import LengowClient
from engine.channels.retry import RetryPolicy
from engine.loader import load_rules
from engine.store import RunStatus, Store, open_store
from engine.sync import Syncer
from simulator.twin import Twin, build_service
from simulator.twin_faults import Faults
from simulator.twin_orders import Generation

RULES = Path(__file__).resolve().parents[2] / "rules" / "cdiscount.yaml"


class ManualClock:
    """A clock that moves only when told; `sleep` moves it instead of waiting."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))


@pytest.fixture
def twin(clock: ManualClock) -> Iterator[Twin]:
    rules = load_rules(RULES)
    service = build_service([rules], plan=Generation(count=250, seed=3), clock=clock)
    with Twin(service) as server:
        yield server


def syncer(twin: Twin, store: Store, clock: ManualClock, **options: object) -> Syncer:
    settings = LengowSettings(twin.url, Secret("token"), Secret("secret"), 1)
    policy = RetryPolicy(retries=2, base_delay=0.01, max_delay=0.02)
    client = LengowClient(settings, clock=clock, policy=policy, timeout=5.0)
    return Syncer([load_rules(RULES)], store, client, clock, **options)  # type: ignore[arg-type]


def event_rows(store: Store) -> list[tuple[object, ...]]:
    frame = store.events_frame()
    columns = ["marketplace", "order_id", "seq", "from_status", "to_status", "trigger", "inferred"]
    return sorted(map(tuple, frame[columns].astype(str).itertuples(index=False)))


def test_a_first_sync_fills_the_store_and_a_second_changes_nothing(
    twin: Twin, clock: ManualClock, tmp_path: Path
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'a.db'}")
    first = syncer(twin, store, clock).run_once()
    assert first.failed is None
    assert [w.kind for w in first.windows] == ["sweep"] * 5
    fulfilled = first.skipped_fulfilled
    assert store.count_orders() == 250 - fulfilled > 200
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
    assert report.pages > 5
    assert event_rows(messy) == event_rows(clean)


def test_malformed_orders_are_quarantined_and_the_page_goes_on(
    twin: Twin, clock: ManualClock, tmp_path: Path
) -> None:
    twin.service.faults.set(Faults(malformed=1))
    store = open_store(f"sqlite:///{tmp_path / 'q.db'}")
    report = syncer(twin, store, clock).run_once()
    quarantined = store.quarantined()
    assert report.quarantined == len(quarantined) == report.pages
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
