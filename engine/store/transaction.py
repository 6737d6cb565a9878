"""One unit of work on the store: every write in it is committed together, or none is.

The sync opens one per page: it reads the orders of the page, applies their changes, quarantines
what it could not read, counts the page in its fetch run and, with the last page of a window,
advances the watermark. A crash anywhere before the commit leaves the store as it was before the
page; after it, the page is whole. It records the page's set-aside orders too, and renews
the sync's window lease, so a page is committed only by the lease's holder.

On SQLite, whose `BEGIN IMMEDIATE` keeps every other writer out until the commit, the orders a
transaction read stay as read until it writes orders itself: `apply` judges the changes of the
orders it read on that read, instead of reading their (updated_at, seq) a second time.
PostgreSQL reads them again, locking them (`ingestion.stored_clocks`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from sqlalchemy import Connection

from engine.store import fetch_log, ingestion, leases, outbox, queries, rule_versions
from engine.store.leases import Lease
from engine.store.records import (
    ApplyResult,
    LocalChange,
    NewAction,
    OrderChange,
    OrderKey,
    OrderState,
    OutboxItem,
    OutboxState,
    QuarantineEntry,
    RunStatus,
    SetAside,
)


class Transaction:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._sqlite = connection.dialect.name == "sqlite"
        # SQLite: the clock of each order read since orders were last written (None: absent).
        self._read: dict[OrderKey, ingestion.Clock | None] = {}

    def get_orders(self, keys: Iterable[OrderKey]) -> dict[OrderKey, OrderState]:
        if not self._sqlite:
            return queries.get_orders(self._connection, keys)
        asked = list(keys)
        found = queries.get_orders(self._connection, asked)
        self._read.update(dict.fromkeys(asked))
        self._read.update((key, (s.updated_at, s.seq)) for key, s in found.items())
        return found

    def in_flight(self, marketplace: str, finals: Collection[str]) -> list[OrderState]:
        """The orders of `marketplace` at a status none of `finals`, locked on PostgreSQL by the
        writes that follow (each checks the order's event count)."""
        return queries.in_flight(self._connection, marketplace, finals)

    def record_rule_version(self, marketplace: str, version: str, text: str, at: datetime) -> bool:
        """Keep a rule file's text as the rules `version` orders run under; True when new."""
        return rule_versions.record(self._connection, marketplace, version, text, at)

    def rule_version(self, marketplace: str, address: str) -> rule_versions.RuleVersion | None:
        """The kept version named by its version string or (a prefix of) its SHA-256."""
        return rule_versions.find(self._connection, marketplace, address)

    def apply(self, changes: Sequence[OrderChange]) -> ApplyResult:
        """Write the changes newer than the store, with their events and anomalies."""
        read = self._read
        stored = None
        if read and all(change.key in read for change in changes):
            stored = {c.key: clock for c in changes if (clock := read[c.key]) is not None}
        read.clear()  # what follows writes orders
        return ingestion.apply_changes(self._connection, changes, stored)

    def apply_local(self, changes: Sequence[LocalChange]) -> ApplyResult:
        """Write timer and action changes whose order did not move since they were computed."""
        self._read.clear()
        return ingestion.apply_local(self._connection, changes)

    def quarantine(self, entries: Sequence[QuarantineEntry]) -> int:
        """Keep unreadable input, each the first time only; how many entries were new."""
        return fetch_log.add_quarantine(self._connection, entries)

    def record_set_aside(self, entries: Sequence[SetAside]) -> None:
        """Record the orders a fetch run saw and stored nothing of, with the reason."""
        fetch_log.add_set_aside(self._connection, entries)

    def watermark(self, name: str) -> datetime | None:
        return fetch_log.get_watermark(self._connection, name)

    def advance_watermark(self, name: str, value: datetime) -> datetime:
        """Move the watermark forward with this transaction's data; never backward."""
        return fetch_log.advance_watermark(self._connection, name, value)

    def count_run(self, run_id: int, pages: int = 0, orders: int = 0, errors: int = 0) -> None:
        fetch_log.count_run(self._connection, run_id, pages, orders, errors)

    def finish_run(
        self, run_id: int, status: RunStatus, at: datetime, error: str | None = None
    ) -> None:
        fetch_log.finish_run(self._connection, run_id, status, at, error)

    def enqueue(self, entry: NewAction) -> tuple[int, bool]:
        """Queue an action: (id, True), or (the open entry's id, False) if it is already queued."""
        return outbox.enqueue(self._connection, entry)

    def begin_send(self, item: OutboxItem, at: datetime) -> OutboxItem | None:
        """Mark an entry `sending` before its POST; None when another worker moved it first."""
        return outbox.begin_send(self._connection, item, at)

    def move_outbox(
        self, item_id: int, to: OutboxState, at: datetime, answer: object = None
    ) -> OutboxItem:
        """Move an outbox entry; `OutboxStateError` when its current state does not allow it."""
        return outbox.move(self._connection, item_id, to, at, answer)

    def note_attempt(self, item_id: int, answer: object) -> OutboxItem:
        """Keep why a send of a pending or sending entry did not get through; it stays so."""
        return outbox.note_attempt(self._connection, item_id, answer)

    def take_leases(
        self, names: Sequence[str], holder: str, at: datetime, until: datetime
    ) -> list[Lease]:
        """Take every lease of `names` until `until`; `LeaseHeld` (roll back) when one is held."""
        return leases.take(self._connection, names, holder, at, until)

    def renew_leases(
        self, names: Sequence[str], holder: str, at: datetime, until: datetime
    ) -> None:
        """Extend the holder's leases with this transaction's work; `LeaseLost` if not its."""
        leases.renew(self._connection, names, holder, at, until)

    def release_leases(self, names: Sequence[str], holder: str) -> int:
        """Give up the holder's leases of `names`; how many it held."""
        return leases.release(self._connection, names, holder)
