"""What the fetcher did and how far it got: fetch runs, watermarks, quarantined input and the
orders a run set aside.

A fetch run is recorded as `running` when it starts (in its own short transaction, so a crash
leaves a trace) with the lease holder that runs it, then counted page by page inside the
transactions that store each page, then closed `ok` or `failed`; a run whose holder died is
closed `failed` (interrupted) once the holder's lease lapsed, never while it is live. A
watermark moves only inside the transaction that commits its window's data, and only forward,
so it can never claim data the store does not hold.
Quarantined input is kept once: a row carries a hash of its marketplace, order id, reason and
raw JSON under a unique index, so the same unreadable order fetched again adds nothing. Each run
records the orders it saw and stored nothing of (stale, fulfilled and not imported, unchanged);
that trace is kept for `SET_ASIDE_KEPT` (a sweep sees every order of its lookback unchanged, so
kept for ever it would grow by the size of the shop every day): a new run prunes what older
runs set aside before then, in the transaction that records it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.store import tables as schema
from engine.store.bulk_insert import insert_rows
from engine.store.columns import storable
from engine.store.leases import live_holders
from engine.store.records import (
    FetchKind,
    FetchRun,
    QuarantineEntry,
    RunStatus,
    SetAside,
    SetAsideReason,
)
from engine.store.tables import fetch_runs, quarantine, set_aside, watermarks

INTERRUPTED = "interrupted: the process stopped before the run finished"
SET_ASIDE_KEPT = timedelta(days=14)
"""How long the orders a run set aside stay queryable (the Sync page shows recent runs)."""


def start_run(
    connection: Connection,
    kind: FetchKind,
    window_from: datetime,
    window_to: datetime,
    at: datetime,
    holder: str | None = None,
    account: str | None = None,
) -> int:
    values = {
        "kind": str(FetchKind(kind)),
        "window_from": window_from,
        "window_to": window_to,
        "started_at": at,
        "status": str(RunStatus.RUNNING),
        "holder": holder,
        "account": account,
    }
    run_id = connection.execute(insert(fetch_runs).values(**values)).inserted_primary_key
    assert run_id is not None
    old_runs = select(fetch_runs.c.id).where(fetch_runs.c.started_at < at - SET_ASIDE_KEPT)
    connection.execute(delete(set_aside).where(set_aside.c.fetch_run.in_(old_runs)))
    return int(run_id[0])


# Built once: the sync counts every page, and preparing a new statement cost more than the update.
_COUNT_RUN = (
    update(fetch_runs)
    .where(fetch_runs.c.id == bindparam("run_id"))
    .values(
        pages=fetch_runs.c.pages + bindparam("pages"),
        orders=fetch_runs.c.orders + bindparam("orders"),
        errors=fetch_runs.c.errors + bindparam("errors"),
    )
)


def count_run(connection: Connection, run_id: int, pages: int, orders: int, errors: int) -> None:
    params = {"run_id": run_id, "pages": pages, "orders": orders, "errors": errors}
    connection.execute(_COUNT_RUN, params)


def finish_run(
    connection: Connection, run_id: int, status: RunStatus, at: datetime, error: str | None
) -> None:
    connection.execute(
        update(fetch_runs)
        .where(fetch_runs.c.id == run_id)
        .values(status=str(RunStatus(status)), finished_at=at, error=error)
    )


def close_interrupted(connection: Connection, at: datetime) -> int:
    """Mark runs a dead process left `running` as failed; how many there were.

    A run is its holder's while the holder holds a live lease (`engine.store.leases`): a live
    sync's run stays open. A run without a holder (recorded before version 6) is closed.
    """
    running = fetch_runs.c.status == str(RunStatus.RUNNING)
    dead = or_(fetch_runs.c.holder.is_(None), fetch_runs.c.holder.not_in(live_holders(at)))
    closed = connection.execute(
        update(fetch_runs)
        .where(running, dead)
        .values(status=str(RunStatus.FAILED), finished_at=at, error=INTERRUPTED)
    )
    return int(closed.rowcount)


def _run(row: Any) -> FetchRun:
    values = row._mapping
    return FetchRun(
        **{**values, "kind": FetchKind(values["kind"]), "status": RunStatus(values["status"])}
    )


def list_runs(
    connection: Connection,
    kind: FetchKind | None = None,
    status: RunStatus | None = None,
    account: str | None = None,
) -> list[FetchRun]:
    """Fetch runs, oldest first; with `account`, its runs and those from before version 6
    (which walked the one account a store had then)."""
    query = select(fetch_runs).order_by(fetch_runs.c.id)
    if account is not None:
        query = query.where(or_(fetch_runs.c.account.is_(None), fetch_runs.c.account == account))
    if kind is not None:
        query = query.where(fetch_runs.c.kind == str(kind))
    if status is not None:
        query = query.where(fetch_runs.c.status == str(status))
    return [_run(row) for row in connection.execute(query)]


def get_watermark(connection: Connection, name: str) -> datetime | None:
    value: datetime | None = connection.execute(
        select(watermarks.c.value).where(watermarks.c.name == name)
    ).scalar_one_or_none()
    return value


def advance_watermark(connection: Connection, name: str, value: datetime) -> datetime:
    """Move `name` forward to `value`, never back (in SQL); the watermark after the call."""
    dialect = connection.dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(watermarks)
    connection.execute(
        statement.values(name=name, value=value).on_conflict_do_update(
            index_elements=[watermarks.c.name],
            set_={"value": statement.excluded.value},
            where=watermarks.c.value < statement.excluded.value,
        )
    )
    current = get_watermark(connection, name)
    assert current is not None
    return current


def quarantine_digest(marketplace: object, order_id: object, reason: object, raw: object) -> str:
    """The hash that names a quarantined input: of its values as stored (`storable`)."""
    canonical = json.dumps(
        [marketplace, order_id, reason, raw], sort_keys=True, ensure_ascii=True, default=str
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def add_quarantine(connection: Connection, entries: Sequence[QuarantineEntry]) -> int:
    """Keep the entries not already kept (same marketplace, order id, reason and raw); how many.

    Checked before the insert, and the unique index on the hash refuses what another writer
    kept meanwhile (the insert skips it).
    """
    rows: dict[str, dict[str, object]] = {}
    for entry in entries:
        values = {
            "marketplace": storable(entry.marketplace),
            "order_id": storable(entry.order_id),
            "reason": storable(entry.reason),
            "raw": storable(entry.raw),
        }
        digest = quarantine_digest(**values)
        rows.setdefault(
            digest, {**values, "fetch_run": entry.fetch_run, "at": entry.at, "digest": digest}
        )
    if not rows:
        return 0
    kept = connection.execute(
        select(quarantine.c.digest).where(quarantine.c.digest.in_(list(rows)))
    ).scalars()
    for digest in kept:
        del rows[digest]
    if rows:
        dialect = connection.dialect.name
        statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(quarantine)
        connection.execute(
            statement.on_conflict_do_nothing(index_elements=[quarantine.c.digest]),
            list(rows.values()),
        )
    return len(rows)


_SET_ASIDE_COLUMNS = (
    "fetch_run",
    "marketplace",
    "order_id",
    "reason",
    "updated_at",
    "stored_updated_at",
    "at",
)


def add_set_aside(connection: Connection, entries: Sequence[SetAside]) -> None:
    rows = [
        (
            entry.fetch_run,
            entry.marketplace,
            entry.order_id,
            str(SetAsideReason(entry.reason)),
            entry.updated_at,
            entry.stored_updated_at,
            entry.at,
        )
        for entry in entries
    ]
    insert_rows(connection, set_aside, _SET_ASIDE_COLUMNS, rows)


def list_set_aside(
    connection: Connection, run_id: int | None = None, reason: SetAsideReason | None = None
) -> list[SetAside]:
    """The orders fetch runs set aside, in the order they were recorded."""
    query = select(set_aside).order_by(set_aside.c.id)
    if run_id is not None:
        query = query.where(set_aside.c.fetch_run == run_id)
    if reason is not None:
        query = query.where(set_aside.c.reason == str(SetAsideReason(reason)))
    return [
        SetAside(
            fetch_run=row.fetch_run,
            marketplace=row.marketplace,
            order_id=row.order_id,
            reason=SetAsideReason(row.reason),
            updated_at=row.updated_at,
            at=row.at,
            stored_updated_at=row.stored_updated_at,
            id=row.id,
        )
        for row in connection.execute(query)
    ]


def list_quarantine(connection: Connection, fetch_run: int | None = None) -> list[QuarantineEntry]:
    query = select(schema.quarantine).order_by(quarantine.c.id)
    if fetch_run is not None:
        query = query.where(quarantine.c.fetch_run == fetch_run)
    return [
        QuarantineEntry(
            reason=row.reason,
            raw=row.raw,
            at=row.at,
            marketplace=row.marketplace,
            order_id=row.order_id,
            fetch_run=row.fetch_run,
            id=row.id,
        )
        for row in connection.execute(query)
    ]
