"""Reading the event log the way the app does, against plain `sqlite3` + `pandas.read_sql_query`.

The store is a generated (seeded) Cdiscount month written through `Store.apply`, the store's own
writer, so every value is stored as the sync and `orderflow run` store it: 5 events an order
on average along the rule file's paths, each order's rule fields (delivery mode, carrier,
fulfilment flag, refund reason, tracking number; some missing) as `workspace.sample_store` writes
them. It is built once per size and kept in the system's temporary folder (`orderflow-bench/`),
named by its shape: the full size (200,000 orders, about 1,000,000 events) takes minutes, once.

Ours is `Store.events_frame(fields=...)` called as `workspace.sources.read_log` calls it for the
app's first page: the enum and bool fields of the shipped rule files (`analytics.attributes`),
no marketplace, no `stage_of` (`prepare` adds the stages). The peer opens the same file with
`sqlite3` and writes what an analyst would: one `read_sql_query` joining events to orders with a
`json_extract` per field, ordered by order and seq, then the column types (booleans, the UTC
timestamps, JSON booleans back from 1 and 0). Both frames are compared with
`pandas.testing.assert_frame_equal` after sorting (`agree.frames_equal`). The sides are
interleaved (`REPEATS` rounds) and each one's median wall time kept; the CPU seconds are figures
too, steadier on a shared machine. Ratio `read_log_vs_plain_sql` = our median / the peer's; the
goal is at most 1.0.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import attributes
from bench.result import BenchResult, interleaved
from engine.model.definition import FieldType, RuleSet
from engine.model.events import EVENT_LOG_COLUMNS, Event, Source
from engine.rulefile.rulebook import load_rule_sets
from engine.store import OrderChange, Store, open_store
from engine.store.tables import SCHEMA_VERSION

RULES = Path(__file__).resolve().parents[1] / "rules"
SIZES = {"tiny": 1_000, "full": 200_000}  # orders; about 5 events each
REPEATS = {"tiny": 3, "full": 5}
SEED = 13
GENERATION = 3  # part of the kept store's name: raise it when the generated store changes
T0 = datetime(2026, 10, 1, tzinfo=UTC)
DAYS = 30
CHUNK = 2_000  # orders per `apply`, as `workspace.sample_store` writes them
RULES_VERSION = "bench"
WAITING, ACCEPTED = "WaitingForSellerAcceptation", "AcceptedBySeller"
SHIPPING, SHIPPED = "WaitingForShipmentAcceptation", "Shipped"
# (statuses, triggers, actors, weight): the paths the generated orders follow.
PATHS: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], float], ...] = (
    (
        (WAITING, ACCEPTED, "PaymentInProgress", SHIPPING, SHIPPED),
        ("create", "accept", "debit", "pay", "ship"),
        ("marketplace", "seller", "payment", "payment", "seller"),
        0.50,
    ),
    (
        (WAITING, ACCEPTED, "PaymentInProgress", SHIPPING, "ShippedBySeller", SHIPPED),
        ("create", "accept", "debit", "pay", "ship", "deliver"),
        ("marketplace", "seller", "payment", "payment", "seller", "marketplace"),
        0.34,
    ),
    ((WAITING, "RefusedBySeller"), ("create", "refuse"), ("marketplace", "seller"), 0.05),
    ((WAITING, "AutomaticCancellation"), ("create", "auto_cancel"), ("marketplace", "timer"), 0.04),
    (
        (WAITING, ACCEPTED, "PaymentRefused"),
        ("create", "accept", "refuse_payment"),
        ("marketplace", "seller", "payment"),
        0.03,
    ),
    (
        (WAITING, ACCEPTED, "PaymentInProgress", SHIPPING),
        ("create", "accept", "debit", "pay"),
        ("marketplace", "seller", "payment", "payment"),
        0.04,
    ),
)
DELIVERY_MODES = ("STD", "TRK", "REG", "EXP", "REL", "RCO", "SO1", "MAG")
CARRIERS = ("1", "2", "3", "5", "6", "7", "8")
REFUND_REASONS = ("ClientClaim", "VendorInitiatedRefund", "ClientRetraction")
GENERATED = "\u2026"  # the simulator's stand-in for a free text (`simulator.world.fields`)


def run(size: str) -> BenchResult:
    path = built_store(SIZES[size])
    rules = load_rule_sets([RULES])
    cpu: dict[str, list[float]] = {"ours": [], "plain_sql": []}
    with open_store(f"sqlite:///{path}") as store, closing(sqlite3.connect(path)) as peer:
        rounds = interleaved(
            REPEATS[size],
            {
                "ours": _cpu_counted(_ours(store, rules), cpu["ours"]),
                "plain_sql": _cpu_counted(_plain_sql(peer, rules), cpu["plain_sql"]),
            },
        )
    ours, theirs = rounds.last["ours"], rounds.last["plain_sql"]
    result = BenchResult("read_log")
    result.figures = {
        "orders": float(SIZES[size]),
        "events": float(len(ours)),
        "events_frame_s": rounds.median("ours"),
        "plain_sql_s": rounds.median("plain_sql"),
        "events_frame_cpu_s": statistics.median(cpu["ours"]),
        "plain_sql_cpu_s": statistics.median(cpu["plain_sql"]),
    }
    result.compare(
        "read_log_vs_plain_sql",
        rounds.median("ours"),
        rounds.median("plain_sql"),
        "sqlite3 + pandas.read_sql_query joining orders, json_extract per field",
    )
    result.agree["frames_equal"] = _agree(ours, theirs)
    result.notes.append(
        f"{len(ours):,} events of {SIZES[size]:,} orders in {path}; median of {REPEATS[size]} "
        "interleaved rounds; goal read_log_vs_plain_sql <= 1.0"
    )
    return result


def _cpu_counted(work: Callable[[], pd.DataFrame], into: list[float]) -> Callable[[], pd.DataFrame]:
    """`work`, adding the CPU seconds of each run to `into` (the wall clock is `interleaved`'s)."""

    def counted() -> pd.DataFrame:
        start = time.process_time()
        try:
            return work()
        finally:
            into.append(time.process_time() - start)

    return counted


def _ours(store: Store, rules: list[RuleSet]) -> Callable[[], pd.DataFrame]:
    """The read of `workspace.sources.read_log` (bench may not import workspace), before
    `prepare`: the rules' enum and bool fields as the case attributes."""
    names = attributes.names(rules)
    return lambda: store.events_frame(fields=names)


def _plain_sql(connection: sqlite3.Connection, rules: list[RuleSet]) -> Callable[[], pd.DataFrame]:
    """The frame as an analyst gets it from the file: one query, then the column types.

    `json_extract` gives a JSON boolean as 1 or 0, so the rules' bool fields are mapped back.
    """
    names = attributes.names(rules)
    flags = {f.name for r in rules for f in r.fields if f.type is FieldType.BOOL} & set(names)
    columns = ", ".join(f'e."{name}"' for name in (*EVENT_LOG_COLUMNS, "deviation"))
    extracted = "".join(f", json_extract(o.fields, '$.{name}') AS {name}" for name in names)
    query = (
        f"SELECT {columns}{extracted} FROM events AS e JOIN orders AS o"
        " ON o.marketplace = e.marketplace AND o.order_id = e.order_id"
        " ORDER BY e.marketplace, e.order_id, e.seq"
    )

    def read() -> pd.DataFrame:
        frame = pd.read_sql_query(query, connection)
        frame = frame.astype({"inferred": bool, "deviation": bool})
        frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
        for name in flags:
            truth = frame[name].map({1: True, 0: False})
            frame[name] = truth.where(truth.notna(), None)
        return frame

    return read


def _agree(ours: pd.DataFrame, theirs: pd.DataFrame) -> bool:
    """Whether both frames hold the same rows, columns and dtypes, once sorted by order and seq."""
    key = ["marketplace", "order_id", "seq"]
    try:
        pd.testing.assert_frame_equal(
            ours.sort_values(key, ignore_index=True), theirs.sort_values(key, ignore_index=True)
        )
    except AssertionError:
        return False
    return True


def store_path(orders: int) -> Path:
    """Where the generated store is kept: one file per shape, outside the repository."""
    folder = Path(tempfile.gettempdir()) / "orderflow-bench"
    folder.mkdir(exist_ok=True)
    return folder / f"read_log-{orders}-schema{SCHEMA_VERSION}-gen{GENERATION}-seed{SEED}.db"


def built_store(orders: int) -> Path:
    """The store of `orders` generated orders, built on first use and kept for later runs."""
    path = store_path(orders)
    if path.exists():
        return path
    partial = path.with_name(f"{path.stem}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    with open_store(f"sqlite:///{partial}") as store:
        for chunk in _chunks(orders):
            store.apply(chunk)
    partial.replace(path)  # closed, its WAL folded in: the store is whole or absent
    return path


def _chunks(orders: int) -> Iterator[list[OrderChange]]:
    rng = np.random.default_rng(SEED)
    kinds = rng.choice(len(PATHS), size=orders, p=[p[3] for p in PATHS])
    starts = rng.integers(0, DAYS * 86_400, size=orders)
    gaps = rng.exponential(5 * 3_600, size=(orders, 6)).astype(np.int64)
    inferred = rng.random((orders, 6)) < 0.15
    draws = rng.random((orders, 4))
    picks = rng.integers(0, 1 << 30, size=(orders, 3))
    chunk: list[OrderChange] = []
    for n in range(orders):
        statuses, triggers, actors, _ = PATHS[kinds[n]]
        start = T0 + timedelta(seconds=int(starts[n]))
        moments = [start + offset for offset in _offsets(gaps[n, : len(statuses)])]
        fields = _fields(statuses[-1] in (SHIPPED, "ShippedBySeller"), draws[n], picks[n])
        chunk.append(_change(f"{900_000_000 + n}", statuses, triggers, actors, moments,
                             inferred[n], fields))  # fmt: skip
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _fields(shipped: bool, draw: np.ndarray, pick: np.ndarray) -> dict[str, object]:
    """An order's rule fields, as the simulator leaves them: some missing, others per status."""
    fields: dict[str, object] = {}
    if draw[0] < 0.97:
        fields["fulfilled_by_marketplace"] = bool(draw[1] < 0.1)
    if draw[2] < 0.9:
        fields["delivery_mode"] = DELIVERY_MODES[pick[0] % len(DELIVERY_MODES)]
    if shipped:
        fields.update(carrier=CARRIERS[pick[1] % len(CARRIERS)], tracking_number=GENERATED)
        if draw[3] < 0.03:
            fields["refund_reason"] = REFUND_REASONS[pick[2] % len(REFUND_REASONS)]
    return fields


def _offsets(gaps: np.ndarray) -> list[timedelta]:
    gaps[0] = 0
    return [timedelta(seconds=int(s)) for s in np.cumsum(gaps)]


def _change(
    order_id: str,
    statuses: tuple[str, ...],
    triggers: tuple[str, ...],
    actors: tuple[str, ...],
    moments: list[datetime],
    inferred: np.ndarray,
    fields: dict[str, object],
) -> OrderChange:
    sources = (None, *statuses[:-1])
    events = tuple(
        Event(order_id, src, dst, trigger, actor, Source.FETCH, bool(guess) and i not in
              (0, len(statuses) - 1), at)
        for i, (src, dst, trigger, actor, at, guess) in enumerate(
            zip(sources, statuses, triggers, actors, moments, inferred, strict=False)
        )
    )  # fmt: skip
    return OrderChange(
        marketplace="cdiscount",
        order_id=order_id,
        status=statuses[-1],
        entered_at=moments[-1],
        updated_at=moments[-1],
        rules_version=RULES_VERSION,
        events=events,
        fields=fields,
    )
