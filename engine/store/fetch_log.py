"""What the fetcher did and how far it got: fetch runs, watermarks and quarantined input.

A fetch run is recorded as `running` when it starts (in its own short transaction, so a crash
leaves a trace), then counted page by page inside the transactions that store each page, then
closed `ok` or `failed`. A watermark moves only inside the transaction that commits its
window's data, and only forward, so it can never claim data the store does not hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.store import tables as schema
from engine.store.columns import storable
from engine.store.records import FetchKind, FetchRun, QuarantineEntry, RunStatus
from engine.store.tables import fetch_runs, quarantine, watermarks

INTERRUPTED = "interrupted: the process stopped before the run finished"


def start_run(
    connection: Connection,
    kind: FetchKind,
    window_from: datetime,
    window_to: datetime,
    at: datetime,
) -> int:
    values = {
        "kind": str(FetchKind(kind)),
        "window_from": window_from,
        "window_to": window_to,
        "started_at": at,
        "status": str(RunStatus.RUNNING),
    }
    run_id = connection.execute(insert(fetch_runs).values(**values)).inserted_primary_key
    assert run_id is not None
    return int(run_id[0])


def count_run(connection: Connection, run_id: int, pages: int, orders: int, errors: int) -> None:
    connection.execute(
        update(fetch_runs)
        .where(fetch_runs.c.id == run_id)
        .values(
            pages=fetch_runs.c.pages + pages,
            orders=fetch_runs.c.orders + orders,
            errors=fetch_runs.c.errors + errors,
        )
    )


def finish_run(
    connection: Connection, run_id: int, status: RunStatus, at: datetime, error: str | None
) -> None:
    connection.execute(
        update(fetch_runs)
        .where(fetch_runs.c.id == run_id)
        .values(status=str(RunStatus(status)), finished_at=at, error=error)
    )


def close_interrupted(connection: Connection, at: datetime) -> int:
    """Mark runs a dead process left `running` as failed; how many there were."""
    closed = connection.execute(
        update(fetch_runs)
        .where(fetch_runs.c.status == str(RunStatus.RUNNING))
        .values(status=str(RunStatus.FAILED), finished_at=at, error=INTERRUPTED)
    )
    return int(closed.rowcount)


def _run(row: Any) -> FetchRun:
    values = row._mapping
    return FetchRun(
        **{**values, "kind": FetchKind(values["kind"]), "status": RunStatus(values["status"])}
    )


def list_runs(
    connection: Connection, kind: FetchKind | None = None, status: RunStatus | None = None
) -> list[FetchRun]:
    """Fetch runs, oldest first."""
    query = select(fetch_runs).order_by(fetch_runs.c.id)
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


def add_quarantine(connection: Connection, entries: Sequence[QuarantineEntry]) -> None:
    rows = [
        {
            "marketplace": storable(entry.marketplace),
            "order_id": storable(entry.order_id),
            "reason": storable(entry.reason),
            "raw": storable(entry.raw),
            "fetch_run": entry.fetch_run,
            "at": entry.at,
        }
        for entry in entries
    ]
    if rows:
        connection.execute(insert(quarantine), rows)


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
