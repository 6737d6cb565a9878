"""The order store and event log: SQLite by default, PostgreSQL by URL, the same code.

`open_store(url)` gives a `Store`; callers build `OrderChange`s and read back records (see
`records`). The pieces: `schema` (tables), `migrations` (self-upgrade), `ingestion` (idempotent
batch writes), `queries` (reads), `fetch_log` (runs, watermarks, quarantine), `outbox`.
"""

from engine.store.errors import (
    ConcurrentWrite,
    OutboxStateError,
    SchemaTooNew,
    SchemaUnknown,
    StoreError,
)
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
from engine.store.schema import SCHEMA_VERSION
from engine.store.store import DEFAULT_URL, Store, open_store
from engine.store.transaction import Transaction

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
