"""The order store: `open_store(url)` and the `Store` every other part talks to.

Reads run in a read transaction each; writes go through `transaction()` (several writes
committed together) or the one-call shortcuts below, each its own transaction. The schema is
created or upgraded when the store opens, so a `Store` in hand always speaks the current layout.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DatabaseError

import engine.store.fetch_log as fetch_log
import engine.store.outbox as outbox
import engine.store.queries as queries
import engine.store.rule_versions as rule_versions
from engine.model.clock import Clock, SystemClock
from engine.model.lines import OrderLine
from engine.store.database import create_store_engine, reading, store_url, writing
from engine.store.defaults import DEFAULT_URL
from engine.store.errors import StoreError, StoreUnavailable
from engine.store.leases import Lease, list_leases
from engine.store.migrations import ensure_schema
from engine.store.protocol import OrderStore
from engine.store.records import (
    ApplyResult,
    FetchKind,
    FetchRun,
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
)
from engine.store.rule_versions import RuleVersion
from engine.store.tables import schema_version
from engine.store.transaction import Transaction

if TYPE_CHECKING:
    import pandas as pd


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _own_transaction(
    write: Callable[Concatenate[Transaction, _P], _R],
) -> Callable[Concatenate[Store, _P], _R]:
    """A `Transaction` write as a `Store` method: the same call, committed on its own."""

    @wraps(write)
    def one_call(store: Store, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        with store.transaction() as tx:
            return write(tx, *args, **kwargs)

    one_call.__qualname__ = f"Store.{write.__name__}"
    return one_call


class Store:
    def __init__(self, engine: Engine, url: str) -> None:
        self._engine = engine
        self.url = url
        """The store's URL with any password hidden: safe to print."""

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Writes committed together when the block ends; none of them if it raises."""
        with writing(self._engine) as connection:
            yield Transaction(connection)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def schema_version(self) -> int:
        with reading(self._engine) as connection:
            return int(connection.execute(select(func.max(schema_version.c.version))).scalar_one())

    # Writes, one transaction each. `_own_transaction(Transaction.x)` takes and returns what
    # `Transaction.x` does: one signature and docstring for both.

    def apply(
        self, changes: Sequence[OrderChange], watermark: tuple[str, datetime] | None = None
    ) -> ApplyResult:
        """Apply a batch; with `watermark` (name, value), advance it in the same transaction."""
        with self.transaction() as tx:
            result = tx.apply(changes)
            if watermark is not None:
                tx.advance_watermark(*watermark)
            return result

    apply_local = _own_transaction(Transaction.apply_local)
    record_rule_version = _own_transaction(Transaction.record_rule_version)
    quarantine = _own_transaction(Transaction.quarantine)
    record_set_aside = _own_transaction(Transaction.record_set_aside)
    finish_run = _own_transaction(Transaction.finish_run)
    enqueue = _own_transaction(Transaction.enqueue)
    begin_send = _own_transaction(Transaction.begin_send)
    move_outbox = _own_transaction(Transaction.move_outbox)
    note_attempt = _own_transaction(Transaction.note_attempt)

    def start_run(
        self,
        kind: FetchKind,
        window_from: datetime,
        window_to: datetime,
        at: datetime,
        holder: str | None = None,
        account: str | None = None,
    ) -> int:
        """Record a fetch run of `account`'s windows as running by `holder` (a lease's),
        committed at once; its id."""
        with writing(self._engine) as connection:
            return fetch_log.start_run(
                connection, kind, window_from, window_to, at, holder, account
            )

    def close_interrupted(self, at: datetime) -> int:
        """Mark the runs a killed process left running as failed once its lease lapsed; how many."""
        with writing(self._engine) as connection:
            return fetch_log.close_interrupted(connection, at)

    # Leases: one holder at a time per name, each call its own transaction (`engine.store.leases`).

    take_leases = _own_transaction(Transaction.take_leases)
    renew_leases = _own_transaction(Transaction.renew_leases)
    release_leases = _own_transaction(Transaction.release_leases)

    def leases(self) -> list[Lease]:
        """Every lease, lapsed ones included, by name."""
        with reading(self._engine) as connection:
            return list_leases(connection)

    # Reads.

    def get_order(self, marketplace: str, order_id: str) -> OrderState | None:
        return self.get_orders([(marketplace, order_id)]).get((marketplace, order_id))

    def get_orders(self, keys: Iterable[OrderKey]) -> dict[OrderKey, OrderState]:
        with reading(self._engine) as connection:
            return queries.get_orders(connection, keys)

    def count_orders(self, marketplace: str | None = None) -> int:
        with reading(self._engine) as connection:
            return queries.count_orders(connection, marketplace)

    def events(self, marketplace: str, order_id: str) -> list[StoredEvent]:
        with reading(self._engine) as connection:
            return queries.order_events(connection, marketplace, order_id)

    def events_frame(
        self,
        marketplace: str | None = None,
        stage_of: Callable[[str], str] | Mapping[str, str] | None = None,
        fields: Sequence[str] = (),
        since: datetime | None = None,
        categorical: bool = False,
    ) -> pd.DataFrame:
        """The event log for analytics (see `queries.events_frame`)."""
        with reading(self._engine) as connection:
            return queries.events_frame(
                connection, marketplace, stage_of, fields, since, categorical
            )

    def lines(self, marketplace: str, order_id: str) -> list[OrderLine]:
        """The order's cart lines as the marketplace last reported them."""
        with reading(self._engine) as connection:
            return queries.order_lines(connection, marketplace, order_id)

    def line_states(self, marketplace: str | None = None) -> dict[OrderKey, list[str]]:
        """Each order's line states in line order (orders without lines are absent)."""
        with reading(self._engine) as connection:
            return queries.line_states(connection, marketplace)

    def field_changes(self, marketplace: str, order_id: str) -> list[StoredFieldChange]:
        """The rule fields of the order that newer snapshots reported changed, in order."""
        with reading(self._engine) as connection:
            return queries.order_field_changes(connection, marketplace, order_id)

    def anomalies(
        self, marketplace: str | None = None, order_id: str | None = None
    ) -> list[StoredAnomaly]:
        with reading(self._engine) as connection:
            return queries.order_anomalies(connection, marketplace, order_id)

    def open_orders(
        self,
        statuses: Collection[str],
        marketplace: str | None = None,
        entered_before: datetime | None = None,
        account: str | None = None,
    ) -> list[OpenOrder]:
        with reading(self._engine) as connection:
            return queries.open_orders(connection, statuses, marketplace, entered_before, account)

    def in_flight(self, marketplace: str, finals: Collection[str]) -> list[OrderState]:
        """The orders of `marketplace` at a status none of `finals`, by order id."""
        with reading(self._engine) as connection:
            return queries.in_flight(connection, marketplace, finals)

    def rule_versions(self, marketplace: str | None = None) -> list[RuleVersion]:
        """Every rule version kept (`engine.store.rule_versions`), the first seen first."""
        with reading(self._engine) as connection:
            return rule_versions.listed(connection, marketplace)

    def rule_version(self, marketplace: str, address: str) -> RuleVersion | None:
        """The kept version named by its version string or (a prefix of) its SHA-256."""
        with reading(self._engine) as connection:
            return rule_versions.find(connection, marketplace, address)

    def quarantined(self, fetch_run: int | None = None) -> list[QuarantineEntry]:
        with reading(self._engine) as connection:
            return fetch_log.list_quarantine(connection, fetch_run)

    def set_aside(
        self, run_id: int | None = None, reason: SetAsideReason | None = None
    ) -> list[SetAside]:
        """The orders fetch runs saw and stored nothing of, and why; of one run, one reason."""
        with reading(self._engine) as connection:
            return fetch_log.list_set_aside(connection, run_id, reason)

    def fetch_runs(
        self,
        kind: FetchKind | None = None,
        status: RunStatus | None = None,
        account: str | None = None,
    ) -> list[FetchRun]:
        with reading(self._engine) as connection:
            return fetch_log.list_runs(connection, kind, status, account)

    def watermark(self, name: str) -> datetime | None:
        with reading(self._engine) as connection:
            return fetch_log.get_watermark(connection, name)

    def outbox(
        self,
        states: Collection[OutboxState] | None = None,
        marketplace: str | None = None,
        sent_before: datetime | None = None,
        account: str | None = None,
    ) -> list[OutboxItem]:
        with reading(self._engine) as connection:
            return outbox.list_items(connection, states, marketplace, sent_before, account)


def open_store(url: str = DEFAULT_URL, clock: Clock | None = None) -> Store:
    """Open (creating or upgrading) the store at `url`; `StoreError` says why it cannot."""
    parsed = store_url(url)
    shown = parsed.render_as_string(hide_password=True)
    engine = create_store_engine(url)
    now = (clock or SystemClock()).now()
    try:
        with writing(engine) as connection:
            ensure_schema(connection, shown, now)
    except StoreUnavailable as exc:  # the server refused or is not there, the file is locked
        engine.dispose()
        cause = exc.__cause__ if isinstance(exc.__cause__, Exception) else exc
        raise StoreError(f"cannot open the store {shown}: {_reason(cause)}") from cause
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        engine.dispose()
        if parsed.get_backend_name() != "sqlite":
            raise StoreError(f"cannot open the store {shown}: {_reason(exc)}") from exc
        # Not a database at all, or one cut short or overwritten: its pages no longer add up.
        raise StoreError(
            f"the store {parsed.database} is not an orderflow database or is damaged "
            f"({_reason(exc)}): restore it from a backup or point --db at another file"
        ) from exc
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, shown)


def _reason(exc: Exception) -> str:
    detail: Any = exc.orig if isinstance(exc, DatabaseError) and exc.orig is not None else exc
    return str(detail).strip().splitlines()[0]


if TYPE_CHECKING:
    # mypy checks here that `Store` keeps the promises of the `OrderStore` protocol.
    _STORE_IS_AN_ORDER_STORE: type[OrderStore] = Store
