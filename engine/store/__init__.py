"""The order store and event log: SQLite by default, PostgreSQL by URL, the same code.

Orders, their append-only events and anomalies, the quarantine, the fetch runs with the orders
each set aside, the watermarks and the action outbox live in one database every process
shares. Callers hand it `OrderChange`s and read back frozen records, never rows or SQL. It
keeps the model's values and runs no rule, so it imports engine.model and nothing else of ours.
The modules:

- `store`: `open_store(url)` and the `Store` every other part talks to.
- `protocol`: `OrderStore`, what the rest of the engine may ask of a store (a test hands a fake).
- `records`: the values the store takes and gives back (`OrderChange`, `ApplyResult`, ...).
- `transaction`: `Transaction`, writes committed together or not at all.
- `ingestion`: a batch of changes, applied when the marketplace's clock says they are news.
- `queries`: the reads: orders for the runtime, events for analytics, the open timers.
- `event_frame`: the event log as a DataFrame, read column by column (what the app waits for).
- `order_fields`: orders' rule fields and rules version as event-log columns, read once per order.
- `column_chunks`: typed columns built from the driver's rows a chunk at a time.
- `statement`: a SELECT run on the driver's own cursor, for reads too large for rows.
- `arrow_read`: a SQLite file read straight into Arrow columns (ADBC), one transaction.
- `fetch_log`: fetch runs, watermarks, quarantined input (kept once) and set-aside orders.
- `rule_versions`: every rule file's text orders ran under, by version and SHA-256.
- `leases`: one holder at a time per name (a sync's fetch window), lapsing when it dies.
- `outbox`: seller actions from pending through sending to sent, then confirmed, failed or
  unconfirmed.
- `tables`: the SQL tables at `SCHEMA_VERSION`, the one layout this code reads and writes.
- `migrations`: an older database upgraded in one transaction, a newer one refused.
- `database`: one SQLAlchemy engine for SQLite (WAL, `BEGIN IMMEDIATE`) or PostgreSQL.
- `columns`: column types that read back what was written (UTC datetimes, JSON).
- `bulk_insert`: many rows in one statement, at close to the driver's own speed.
- `change_rows`: the rows a batch of applied changes writes, as tuples in each table's column
  order.
- `defaults`: `DEFAULT_URL`, the SQLite file used when no URL is given.
- `errors`: why the store refuses (`StoreError`, `SchemaTooNew`, `SchemaUnknown`, ...).

Only `DEFAULT_URL` and the errors load with the package; every other name loads on first use
(PEP 562), so a command that only names the default URL in its `--help` or catches a
`StoreError` pays neither for SQLAlchemy (0.3 s) nor for the records' dataclasses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from engine.store.defaults import DEFAULT_URL
from engine.store.errors import (
    ConcurrentWrite,
    OutboxStateError,
    SchemaTooNew,
    SchemaUnknown,
    StoreError,
)

if TYPE_CHECKING:
    from engine.store.leases import Lease, LeaseHeld, LeaseLost, process_holder, shown_holder
    from engine.store.protocol import OrderStore, StoreTransaction
    from engine.store.records import (
        ApplyResult,
        FetchKind,
        FetchRun,
        LocalChange,
        NewAction,
        OpenOrder,
        OrderChange,
        OrderKey,
        OrderState,
        OutboxItem,
        OutboxState,
        QuarantineEntry,
        RunStatus,
        SetAside,
        SetAsideReason,
        StoredAnomaly,
        StoredEvent,
        StoredFieldChange,
        is_news,
    )
    from engine.store.rule_versions import RuleVersion
    from engine.store.store import Store, open_store
    from engine.store.tables import SCHEMA_VERSION
    from engine.store.transaction import Transaction

# The names loaded on first use, by the module that defines them.
_LAZY = {
    **dict.fromkeys(
        ("Lease", "LeaseHeld", "LeaseLost", "process_holder", "shown_holder"),
        "engine.store.leases",
    ),
    **dict.fromkeys(("OrderStore", "StoreTransaction"), "engine.store.protocol"),
    **dict.fromkeys(
        (
            "ApplyResult",
            "FetchKind",
            "FetchRun",
            "LocalChange",
            "NewAction",
            "OpenOrder",
            "OrderChange",
            "OrderKey",
            "OrderState",
            "OutboxItem",
            "OutboxState",
            "QuarantineEntry",
            "RunStatus",
            "SetAside",
            "SetAsideReason",
            "StoredAnomaly",
            "StoredEvent",
            "StoredFieldChange",
            "is_news",
        ),
        "engine.store.records",
    ),
    "SCHEMA_VERSION": "engine.store.tables",
    "RuleVersion": "engine.store.rule_versions",
    "Store": "engine.store.store",
    "open_store": "engine.store.store",
    "Transaction": "engine.store.transaction",
}

__all__ = [
    "DEFAULT_URL",
    "SCHEMA_VERSION",
    "ApplyResult",
    "ConcurrentWrite",
    "FetchKind",
    "FetchRun",
    "Lease",
    "LeaseHeld",
    "LeaseLost",
    "LocalChange",
    "NewAction",
    "OpenOrder",
    "OrderChange",
    "OrderKey",
    "OrderState",
    "OrderStore",
    "OutboxItem",
    "OutboxState",
    "OutboxStateError",
    "QuarantineEntry",
    "RuleVersion",
    "RunStatus",
    "SchemaTooNew",
    "SchemaUnknown",
    "SetAside",
    "SetAsideReason",
    "Store",
    "StoreError",
    "StoreTransaction",
    "StoredAnomaly",
    "StoredEvent",
    "StoredFieldChange",
    "Transaction",
    "is_news",
    "open_store",
    "process_holder",
    "shown_holder",
]


def __getattr__(name: str) -> object:
    """Import a lazily loaded name the first time it is asked for, then keep it here."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
