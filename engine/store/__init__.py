"""The order store and event log: SQLite by default, PostgreSQL by URL, the same code.

`open_store(url)` gives a `Store`; callers build `OrderChange`s and read back records (see
`records`). The pieces: `schema` (tables), `migrations` (self-upgrade), `ingestion` (idempotent
batch writes), `queries` (reads), `fetch_log` (runs, watermarks, quarantine), `outbox`.

Only `DEFAULT_URL` and the errors load with the package; every other name loads on first use
(PEP 562), so a command that only names the default URL in its `--help` or catches a
`StoreError` pays neither for SQLAlchemy (0.3 s) nor for the records' dataclasses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from engine.store.errors import (
    ConcurrentWrite,
    OutboxStateError,
    SchemaTooNew,
    SchemaUnknown,
    StoreError,
)

if TYPE_CHECKING:
    from engine.store.protocol import OrderStore, StoreTransaction
    from engine.store.records import (
        ApplyResult,
        FetchKind,
        FetchRun,
        LocalChange,
        OpenOrder,
        OrderChange,
        OrderKey,
        OrderState,
        OutboxItem,
        OutboxState,
        QuarantineEntry,
        RunStatus,
        StoredAnomaly,
        StoredEvent,
        is_news,
    )
    from engine.store.store import Store, open_store
    from engine.store.tables import SCHEMA_VERSION
    from engine.store.transaction import Transaction

DEFAULT_URL = "sqlite:///orderflow.db"
# The names loaded on first use, by the module that defines them.
_LAZY = {
    **dict.fromkeys(("OrderStore", "StoreTransaction"), "engine.store.protocol"),
    **dict.fromkeys(
        (
            "ApplyResult",
            "FetchKind",
            "FetchRun",
            "LocalChange",
            "OpenOrder",
            "OrderChange",
            "OrderKey",
            "OrderState",
            "OutboxItem",
            "OutboxState",
            "QuarantineEntry",
            "RunStatus",
            "StoredAnomaly",
            "StoredEvent",
            "is_news",
        ),
        "engine.store.records",
    ),
    "SCHEMA_VERSION": "engine.store.tables",
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
    "LocalChange",
    "OpenOrder",
    "OrderChange",
    "OrderKey",
    "OrderState",
    "OrderStore",
    "OutboxItem",
    "OutboxState",
    "OutboxStateError",
    "QuarantineEntry",
    "RunStatus",
    "SchemaTooNew",
    "SchemaUnknown",
    "Store",
    "StoreError",
    "StoreTransaction",
    "StoredAnomaly",
    "StoredEvent",
    "Transaction",
    "is_news",
    "open_store",
]


def __getattr__(name: str) -> object:
    """Import a lazily loaded name the first time it is asked for, then keep it here."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
