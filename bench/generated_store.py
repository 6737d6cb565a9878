"""A generated Cdiscount month in a SQLite store, built once and kept: what the store's
benchmarks read.

The store is seeded and written through `Store.apply`, the store's own writer, so every value
is stored as the sync and `orderflow run` store it: 5 events an order on average along the rule
file's paths (15 % of the middle ones inferred), over 30 days, each order's rule fields (delivery
mode, carrier, fulfilment flag, refund reason, tracking number; some missing) as
`workspace.sample_store` writes them. It is built on first use and kept in the system's
temporary folder (`orderflow-bench/`), named by its shape and the schema version, so a later
run (and every benchmark of the run) reads the same file: 200,000 orders (about 1,000,000
events) take about a minute to write, once.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from engine.model.events import Event, Source
from engine.store import OrderChange, open_store
from engine.store.tables import SCHEMA_VERSION

SIZES = {"tiny": 1_000, "full": 200_000}  # orders; about 5 events each
SEED = 13
GENERATION = 4  # part of the kept store's name: raise it when the generated store changes
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


def store_path(orders: int) -> Path:
    """Where the generated store is kept: one file per shape, outside the repository."""
    folder = Path(tempfile.gettempdir()) / "orderflow-bench"
    folder.mkdir(exist_ok=True)
    return folder / f"orders-{orders}-schema{SCHEMA_VERSION}-gen{GENERATION}-seed{SEED}.db"


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
