"""What the rest of the engine may ask of a store, as a `Protocol`.

The sync, the runtime's timers and the analytics depend on this, not on `Store`, so a test can
hand them a fake and another backend can stand in without inheriting anything.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from engine.model.lines import OrderLine
from engine.store.leases import Lease
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
)

if TYPE_CHECKING:
    import pandas as pd


class StoreTransaction(Protocol):
    """The writes of one transaction, committed together."""

    def get_orders(self, keys: Iterable[OrderKey]) -> dict[OrderKey, OrderState]: ...

    def apply(self, changes: Sequence[OrderChange]) -> ApplyResult: ...

    def apply_local(self, changes: Sequence[LocalChange]) -> ApplyResult: ...

    def quarantine(self, entries: Sequence[QuarantineEntry]) -> int: ...

    def record_set_aside(self, entries: Sequence[SetAside]) -> None: ...

    def watermark(self, name: str) -> datetime | None: ...

    def advance_watermark(self, name: str, value: datetime) -> datetime: ...

    def count_run(self, run_id: int, pages: int = 0, orders: int = 0, errors: int = 0) -> None: ...

    def finish_run(
        self, run_id: int, status: RunStatus, at: datetime, error: str | None = None
    ) -> None: ...

    def enqueue(self, entry: NewAction) -> tuple[int, bool]: ...

    def begin_send(self, item: OutboxItem, at: datetime) -> OutboxItem | None: ...

    def move_outbox(
        self, item_id: int, to: OutboxState, at: datetime, answer: object = None
    ) -> OutboxItem: ...

    def note_attempt(self, item_id: int, answer: object) -> OutboxItem: ...

    def take_leases(
        self, names: Sequence[str], holder: str, at: datetime, until: datetime
    ) -> list[Lease]: ...

    def renew_leases(
        self, names: Sequence[str], holder: str, at: datetime, until: datetime
    ) -> None: ...

    def release_leases(self, names: Sequence[str], holder: str) -> int: ...


class OrderStore(Protocol):
    """The order store: current states, the event log, fetch runs, watermarks, the outbox."""

    def transaction(self) -> AbstractContextManager[StoreTransaction]: ...

    def apply(
        self, changes: Sequence[OrderChange], watermark: tuple[str, datetime] | None = None
    ) -> ApplyResult: ...

    def apply_local(self, changes: Sequence[LocalChange]) -> ApplyResult: ...

    def get_order(self, marketplace: str, order_id: str) -> OrderState | None: ...

    def get_orders(self, keys: Iterable[OrderKey]) -> dict[OrderKey, OrderState]: ...

    def count_orders(self, marketplace: str | None = None) -> int: ...

    def events(self, marketplace: str, order_id: str) -> list[StoredEvent]: ...

    def events_frame(
        self,
        marketplace: str | None = None,
        stage_of: Callable[[str], str] | Mapping[str, str] | None = None,
        fields: Sequence[str] = (),
        since: datetime | None = None,
        categorical: bool = False,
    ) -> pd.DataFrame: ...

    def lines(self, marketplace: str, order_id: str) -> list[OrderLine]: ...

    def line_states(self, marketplace: str | None = None) -> dict[OrderKey, list[str]]: ...

    def field_changes(self, marketplace: str, order_id: str) -> list[StoredFieldChange]: ...

    def anomalies(
        self, marketplace: str | None = None, order_id: str | None = None
    ) -> list[StoredAnomaly]: ...

    def quarantine(self, entries: Sequence[QuarantineEntry]) -> int: ...

    def quarantined(self, fetch_run: int | None = None) -> list[QuarantineEntry]: ...

    def record_set_aside(self, entries: Sequence[SetAside]) -> None: ...

    def set_aside(
        self, run_id: int | None = None, reason: SetAsideReason | None = None
    ) -> list[SetAside]: ...

    def open_orders(
        self,
        statuses: Collection[str],
        marketplace: str | None = None,
        entered_before: datetime | None = None,
        account: str | None = None,
    ) -> list[OpenOrder]: ...

    def start_run(
        self,
        kind: FetchKind,
        window_from: datetime,
        window_to: datetime,
        at: datetime,
        holder: str | None = None,
        account: str | None = None,
    ) -> int: ...

    def finish_run(
        self, run_id: int, status: RunStatus, at: datetime, error: str | None = None
    ) -> None: ...

    def close_interrupted(self, at: datetime) -> int: ...

    def fetch_runs(
        self,
        kind: FetchKind | None = None,
        status: RunStatus | None = None,
        account: str | None = None,
    ) -> list[FetchRun]: ...

    def watermark(self, name: str) -> datetime | None: ...

    def outbox(
        self,
        states: Collection[OutboxState] | None = None,
        marketplace: str | None = None,
        sent_before: datetime | None = None,
        account: str | None = None,
    ) -> list[OutboxItem]: ...

    def enqueue(self, entry: NewAction) -> tuple[int, bool]: ...

    def begin_send(self, item: OutboxItem, at: datetime) -> OutboxItem | None: ...

    def move_outbox(
        self, item_id: int, to: OutboxState, at: datetime, answer: object = None
    ) -> OutboxItem: ...

    def note_attempt(self, item_id: int, answer: object) -> OutboxItem: ...

    # Leases: one holder at a time per name (`engine.store.leases`).

    def take_leases(
        self, names: Sequence[str], holder: str, at: datetime, until: datetime
    ) -> list[Lease]: ...

    def renew_leases(
        self, names: Sequence[str], holder: str, at: datetime, until: datetime
    ) -> None: ...

    def release_leases(self, names: Sequence[str], holder: str) -> int: ...

    def leases(self) -> list[Lease]: ...
