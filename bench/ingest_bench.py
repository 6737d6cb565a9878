"""Ingesting order pages into SQLite: the whole sync path against a plain `executemany`.

Both sides get the same generated Lengow order pages as JSON text, 100 orders a page, as the API
sends them, and both commit once a page (what crash safety asks: a killed sync loses at most the
page in flight). The baseline parses each page and inserts one row per order (ids, status, the
JSON) with `sqlite3.executemany`: the floor of any ingestion. Ours maps every order through the
rule file's fields, runs it through the runtime (events, inferred statuses, anomalies) and
commits each page with the store's idempotent upsert.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.result import BenchResult
from engine.rulefile.loader import load_rules
from engine.store import FetchKind, open_store
from engine.sync.syncer import Syncer, SyncReport
from simulator.twin.orders import GeneratedOrders, Generation

SIZES = {"tiny": 1_000, "full": 100_000}
PAGE = 100
RULES = Path(__file__).resolve().parents[1] / "rules" / "cdiscount.yaml"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class _FixedClock:
    def now(self) -> datetime:
        return NOW

    def sleep(self, seconds: float) -> None:
        return None


def _pages(count: int) -> list[str]:
    rules = load_rules(RULES)
    served = GeneratedOrders([rules], NOW, Generation(count=count, seed=11)).orders()
    documents = [dict(order.document) for order in served]
    return [
        json.dumps({"count": count, "next": None, "results": documents[i : i + PAGE]})
        for i in range(0, len(documents), PAGE)
    ]


def _executemany(pages: list[str], path: Path) -> float:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(
        "CREATE TABLE orders (marketplace TEXT, order_id TEXT, status TEXT, snapshot TEXT,"
        " PRIMARY KEY (marketplace, order_id))"
    )
    start = time.perf_counter()
    for page in pages:
        rows = [
            (o["marketplace"], o["marketplace_order_id"], o["marketplace_status"], json.dumps(o))
            for o in json.loads(page)["results"]
        ]
        with connection:
            connection.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", rows)
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def _ours(pages: list[str], path: Path) -> tuple[float, SyncReport]:
    store = open_store(f"sqlite:///{path}")
    syncer = Syncer([load_rules(RULES)], store, channel=None, clock=_FixedClock())  # type: ignore[arg-type]
    run = store.start_run(FetchKind.SWEEP, NOW, NOW, NOW)
    report = SyncReport()
    start = time.perf_counter()
    for page in pages:
        syncer.ingest_page(run, json.loads(page)["results"], report)
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed, report


def run(size: str) -> BenchResult:
    count = SIZES[size]
    pages = _pages(count)
    with tempfile.TemporaryDirectory() as folder:
        base = _executemany(pages, Path(folder) / "base.db")
        ours, report = _ours(pages, Path(folder) / "ours.db")
    result = BenchResult("ingest")
    result.figures = {
        "orders": float(count),
        "executemany_orders_per_s": count / base,
        "ingest_orders_per_s": count / ours,
        "ingest_events_per_s": max(report.events, 1) / ours,
    }
    result.ratios = {"ingest_vs_executemany": ours / base}
    return result
