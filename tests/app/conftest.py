"""A small SQLite store holding the hand-made log of tests/analytics, for the app's pages.

Besides the eight orders' events: one anomaly (O5, a final status reported changed), two outbox
entries, two fetch runs (one failed) and one quarantined order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from engine.model.events import Anomaly, AnomalyKind, Event, Source
from engine.store import (
    FetchKind,
    NewAction,
    OrderChange,
    OutboxState,
    QuarantineEntry,
    RunStatus,
    Store,
    open_store,
)
from tests.analytics import populations
from tests.analytics.conftest import DAY0, raw_log

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"


def _changes() -> list[OrderChange]:
    log = raw_log().sort_values(["order_id", "seq"])
    changes = []
    for order_id, rows in log.groupby("order_id", sort=True):
        events = tuple(
            Event(
                str(order_id),
                r.from_status if isinstance(r.from_status, str) else None,
                r.to_status,
                r.trigger,
                r.actor,
                Source(r.source),
                bool(r.inferred),
                r.at.to_pydatetime(),
            )
            for r in rows.itertuples()
        )
        mode = rows["delivery_mode"].dropna()
        fields = {"delivery_mode": mode.iloc[-1]} if len(mode) else {}
        anomalies = ()
        if order_id == "O5":
            anomalies = (
                Anomaly(
                    "O5",
                    "Shipped",
                    "WaitingForSellerAcceptation",
                    AnomalyKind.FINAL_CHANGED,
                    "status 'Shipped' is final but the marketplace now reports "
                    "'WaitingForSellerAcceptation'",
                    DAY0 + timedelta(days=3),
                ),
            )
        last = events[-1]
        changes.append(
            OrderChange(
                marketplace="cdiscount",
                order_id=str(order_id),
                status=last.to_status,
                entered_at=last.at,
                updated_at=last.at,
                rules_version="2026.11.1",
                events=events,
                anomalies=anomalies,
                fields=fields,
            )
        )
    return changes


def two_market_changes() -> list[OrderChange]:
    """The orders of tests/analytics/populations.py (Cdiscount and Galeries Lafayette, with
    their fields), as the store takes them."""
    raw = populations.raw()
    changes = []
    for (market, order), rows in raw.groupby(["marketplace", "order_id"], sort=True):
        events = tuple(
            Event(
                str(order), r.from_status, r.to_status, r.trigger, r.actor, Source(r.source),
                bool(r.inferred), r.at.to_pydatetime(),
            )
            for r in rows.itertuples()
        )  # fmt: skip
        fields = {k: v for k, v in populations.FIELDS[str(order)].items() if v is not None}
        last = events[-1]
        version = populations.RULES[str(market)].marketplace.rules_version
        changes.append(
            OrderChange(
                str(market), str(order), last.to_status, last.at, last.at, version,
                events=events, fields=fields,
            )
        )  # fmt: skip
    return changes


def fill(store: Store) -> None:
    store.apply(_changes())
    at = DAY0 + timedelta(days=3, hours=10)
    ok = store.start_run(FetchKind.INCREMENTAL, at - timedelta(hours=2), at, at)
    store.finish_run(ok, RunStatus.OK, at + timedelta(seconds=3))
    bad = store.start_run(FetchKind.SWEEP, at - timedelta(days=5), at, at + timedelta(minutes=15))
    store.finish_run(bad, RunStatus.FAILED, at + timedelta(minutes=16), "HTTP 503 from the API")
    store.quarantine(
        [QuarantineEntry("order has no marketplace_order_id", {"x": 1}, at, "cdiscount", None, ok)]
    )
    first, _ = store.enqueue(
        NewAction("cdiscount", "O1", "ship", "ship", {"carrier": "14"}, "ShippedBySeller", DAY0)
    )
    store.move_outbox(first, OutboxState.SENT, DAY0 + timedelta(days=1))
    store.enqueue(NewAction("cdiscount", "O8", "refuse", "refuse", {}, "RefusedBySeller", at))


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(url) as store:
        fill(store)
    monkeypatch.setenv("ORDERFLOW_DB", url)
    monkeypatch.setenv("ORDERFLOW_RULES", str(RULES_DIR))
    yield url


@pytest.fixture
def two_markets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The app on a store of Cdiscount and Galeries Lafayette orders with their fields."""
    url = f"sqlite:///{tmp_path / 'two.db'}"
    with open_store(url) as store:
        store.apply(two_market_changes())
    monkeypatch.setenv("ORDERFLOW_DB", url)
    monkeypatch.setenv("ORDERFLOW_RULES", str(RULES_DIR))
    return url
