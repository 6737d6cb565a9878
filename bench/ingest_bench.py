"""Ingesting order pages into SQLite: the whole sync path against the same storage by hand.

Every side gets the same generated Lengow order pages as JSON text, 100 orders a page, as the
API sends them, parses each page, skips the orders the marketplace fulfilled (about 10 %: the
sync does not import them by default) and commits once a page (what crash safety asks: a killed
sync loses at most the page in flight) into a fresh SQLite file with the store's settings (WAL,
`synchronous = NORMAL`). The sides are interleaved round by round; each one's median is kept.

- Ours: each page read as the Lengow channel reads a body (`engine.channels.json_text`: what
  `json.loads` gives, through orjson where that is the same), then `Syncer.ingest_page`: every
  order mapped through the rule file's fields and run through the runtime (events, inferred
  statuses, anomalies), each page committed by the store (its read of the stored orders, the
  idempotent upsert, the events, the cart lines, what the run set aside and its counters).
- Peer `equal_sql`, `bench.sqlite_ingest`: the same orders and events written by hand with
  `sqlite3`: the page's stored orders read, each newer order upserted by key with the store's
  columns, its events inserted (the rule file's shortest path to the reported status), its cart
  lines replaced, one `BEGIN IMMEDIATE` a page. It writes no set-aside records or run counters.
- Peer `executemany`, the floor of any ingestion: one plain INSERT of 4 columns per order
  (ids, status, the JSON), no read, no events, no idempotency.

Ratios compare time per order written (each side's own count, read from its file):
`ingest_vs_equal_sql` (goal at most 1.5) and `ingest_vs_executemany` (goal at most 2).
Agreement, by SQL on the files: `same_orders` (our orders and the equal peer's are the same
rows, every column: status, entered_at, updated_at, seq, prev_seq, fields, snapshot...),
`same_event_count` (and `same_events`: every event's order, seq,
statuses, trigger, actor, inferred flag and time), `same_lines` (every cart line, its state
and numbers), `floor_same_orders` (the floor wrote the same
keys and statuses).
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from bench.result import BenchResult, Timed, interleaved
from bench.sqlite_ingest import PRAGMAS, PlainIngest, rule_fields
from engine.channels.json_text import loads
from engine.rulefile.loader import load_rules
from engine.store import FetchKind, open_store
from engine.sync.sync_report import SyncReport
from engine.sync.syncer import Syncer
from simulator.twin.orders import GeneratedOrders, Generation

SIZES = {"tiny": 1_000, "full": 100_000}
REPEATS = {"tiny": 1, "full": 3}
PAGE = 100
RULES = Path(__file__).resolve().parents[1] / "rules" / "cdiscount.yaml"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SIDES = ("ours", "equal_sql", "executemany")
# Every column of the store's orders: both files must hold the very same rows.
ORDER_COLUMNS = (
    "marketplace, order_id, status, entered_at, updated_at, rules_version, seq, prev_seq,"
    " fields, snapshot"
)


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


def _fresh(path: Path) -> Path:
    for leftover in path.parent.glob(f"{path.name}*"):
        leftover.unlink()
    return path


def _written(path: Path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return int(connection.execute("SELECT count(*) FROM orders").fetchone()[0])


def ours(pages: list[str], path: Path) -> Timed[SyncReport]:
    store = open_store(f"sqlite:///{_fresh(path)}")
    syncer = Syncer([load_rules(RULES)], store, channel=None, clock=_FixedClock())  # type: ignore[arg-type]
    run = store.start_run(FetchKind.SWEEP, NOW, NOW, NOW)
    report = SyncReport()
    start = time.perf_counter()
    for page in pages:
        body = loads(page)  # as the Lengow channel reads a page's body
        assert isinstance(body, dict)
        syncer.ingest_page(run, body["results"], report)
    elapsed = time.perf_counter() - start
    store.close()
    return Timed(elapsed, report)


def equal_sql(pages: list[str], path: Path) -> Timed[int]:
    plain = PlainIngest(_fresh(path), RULES)
    start = time.perf_counter()
    written = sum(plain.page(page) for page in pages)
    elapsed = time.perf_counter() - start
    plain.close()
    return Timed(elapsed, written)


def executemany(pages: list[str], path: Path) -> Timed[int]:
    connection = sqlite3.connect(_fresh(path), isolation_level=None)
    for pragma in PRAGMAS:
        connection.execute(pragma)
    connection.execute(
        "CREATE TABLE orders (marketplace TEXT, order_id TEXT, status TEXT, snapshot TEXT,"
        " PRIMARY KEY (marketplace, order_id))"
    )
    written = 0
    start = time.perf_counter()
    for page in pages:
        rows = [
            (o["marketplace"], o["marketplace_order_id"], o["marketplace_status"], json.dumps(o))
            for o in json.loads(page)["results"]
            if not rule_fields(o)[1]
        ]
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", rows)
        connection.execute("COMMIT")
        written += len(rows)
    elapsed = time.perf_counter() - start
    connection.close()
    return Timed(elapsed, written)


def _differ(connection: sqlite3.Connection, columns: str, table: str, other: str) -> int:
    """Rows of `columns` in one file's `table` and not the other's, both ways."""
    one = f"SELECT {columns} FROM main.{table} EXCEPT SELECT {columns} FROM {other}.{table}"
    two = f"SELECT {columns} FROM {other}.{table} EXCEPT SELECT {columns} FROM main.{table}"
    return sum(
        int(connection.execute(f"SELECT count(*) FROM ({q})").fetchone()[0]) for q in (one, two)
    )


def agreement(files: dict[str, Path]) -> dict[str, bool]:
    with closing(sqlite3.connect(files["ours"])) as connection:
        connection.execute("ATTACH ? AS peer", (str(files["equal_sql"]),))
        connection.execute("ATTACH ? AS floor", (str(files["executemany"]),))
        count = "SELECT (SELECT count(*) FROM main.events), (SELECT count(*) FROM peer.events)"
        ours_events, peer_events = connection.execute(count).fetchone()
        event = 'order_id, seq, from_status, to_status, "trigger", actor, inferred, at'
        line = "order_id, line_id, position, marketplace_status, lengow_status, state, quantity, "
        line += "amount"
        return {
            "same_orders": _differ(connection, ORDER_COLUMNS, "orders", "peer") == 0,
            "same_event_count": ours_events == peer_events,
            "same_events": _differ(connection, event, "events", "peer") == 0,
            "same_lines": _differ(connection, line, "lines", "peer") == 0,
            "floor_same_orders": _differ(connection, "order_id, status", "orders", "floor") == 0,
        }


def run(size: str) -> BenchResult:
    pages = _pages(SIZES[size])
    with tempfile.TemporaryDirectory() as folder:
        files = {side: Path(folder) / f"{side}.db" for side in SIDES}
        sides = {
            "ours": lambda: ours(pages, files["ours"]),
            "equal_sql": lambda: equal_sql(pages, files["equal_sql"]),
            "executemany": lambda: executemany(pages, files["executemany"]),
        }
        rounds = interleaved(REPEATS[size], sides)
        written = {side: _written(files[side]) for side in SIDES}
        result = BenchResult("ingest", agree=agreement(files))
    per_order = {side: rounds.median(side) / max(written[side], 1) for side in SIDES}
    report: SyncReport = rounds.last["ours"]
    result.figures = {
        "orders_served": float(SIZES[size]),
        "orders_written": float(written["ours"]),
        "events_written": float(report.events),
        **{f"{side}_orders_per_s": 1 / per_order[side] for side in SIDES},
    }
    result.compare(
        "ingest_vs_equal_sql",
        per_order["ours"],
        per_order["equal_sql"],
        "the same orders, events and cart lines upserted by hand in plain sqlite3, same settings",
    )
    result.compare(
        "ingest_vs_executemany",
        per_order["ours"],
        per_order["executemany"],
        "the floor: one plain INSERT of 4 columns per order, no read, no events",
    )
    result.notes.append(
        f"{REPEATS[size]} round(s); orders written: "
        + ", ".join(f"{side} {written[side]:,}" for side in SIDES)
    )
    return result
