"""The event log as a DataFrame, read column by column: what the app's first page waits for.

Read as SQLAlchemy rows, a million events cost a Row object each, a type conversion per
timestamp and a JSON decoding of the order's fields per event (five per order). Here the events
come from the driver's cursor a chunk at a time and go straight into typed columns
(`column_chunks`); an order's fields are read once per order and spread over its events
(`order_fields`). The frame is the one the row-by-row read gave, column for column and dtype for
dtype, on SQLite and PostgreSQL alike (tests/store/test_events_frame.py keeps that read as the
model it must equal).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from engine.model.events import EVENT_LOG_COLUMNS
from engine.store.column_chunks import NumberChunks, TextChunks, TimeChunks
from engine.store.columns import UtcDateTime
from engine.store.order_fields import OrderRuns, order_fields
from engine.store.statement import Statement
from engine.store.tables import events

COLUMNS: tuple[str, ...] = (*EVENT_LOG_COLUMNS, "deviation")
ORDER = ("marketplace", "order_id", "seq")


def events_frame(
    connection: Connection,
    marketplace: str | None = None,
    stage_of: Callable[[str], str] | Mapping[str, str] | None = None,
    fields: Sequence[str] = (),
    since: datetime | None = None,
) -> pd.DataFrame:
    """The event log as a DataFrame with the architecture's event columns.

    `stage_of` (a rule set's `stage_of`, or a status -> stage mapping) adds `stage`, the stage of
    `to_status`; each name in `fields` adds that rule field of the order (e.g. its delivery mode).
    `deviation` follows the event columns: True for an event no rule's path led to. A status the
    rules do not declare (kept as the marketplace reported it) is its own stage.
    """
    with collector_paused():
        frame = _events(connection, marketplace, since)
        if stage_of is not None:
            frame["stage"] = _stages(frame["to_status"], stage_of)
        if fields:
            runs = OrderRuns.of(frame["marketplace"], frame["order_id"])
            spread = order_fields(connection, marketplace, fields, runs)
            for name, column in zip(fields, spread, strict=True):
                frame[name] = column
    return frame


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the frame is built.

    A read allocates millions of tuples and texts, none of them part of a cycle; CPython's
    collector would still walk them as they come (about a sixth of the read's time).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _events(
    connection: Connection, marketplace: str | None, since: datetime | None
) -> pd.DataFrame:
    """The events' `COLUMNS`, typed, by order and seq."""
    statement = Statement(connection)
    if marketplace is not None:
        statement.where("marketplace", "=", marketplace)
    if since is not None:
        statement.where("at", ">=", UtcDateTime().process_bind_param(since, connection.dialect))
    sql = statement.select(statement.names(COLUMNS), events.name, order_by=ORDER)
    columns = {name: _chunks_of(name, connection.dialect.name == "sqlite") for name in COLUMNS}
    for rows in statement.chunks(connection, sql):
        for chunks, values in zip(columns.values(), zip(*rows, strict=True), strict=True):
            chunks.add(values)
    return pd.DataFrame({name: chunks.column() for name, chunks in columns.items()})


def _chunks_of(name: str, sqlite: bool) -> TextChunks | NumberChunks | TimeChunks:
    if name == "seq":
        return NumberChunks(np.int64)
    if name in ("inferred", "deviation"):
        return NumberChunks(np.bool_)
    if name == "at":
        return TimeChunks(text=sqlite)  # SQLite keeps UTC text, PostgreSQL aware datetimes
    return TextChunks()


def _stages(statuses: pd.Series, stage_of: Callable[[str], str] | Mapping[str, str]) -> list[Any]:
    """The stage of each status, asked once per distinct status."""
    codes, distinct = pd.factorize(statuses, use_na_sentinel=False)
    stages = [_stage(stage_of, status) for status in distinct]
    return list(map(stages.__getitem__, codes.tolist()))


def _stage(stage_of: Callable[[str], str] | Mapping[str, str], status: str) -> str:
    """The stage of `status`; a code the rules do not declare has none: shown as itself."""
    try:
        found = stage_of.get(status) if isinstance(stage_of, Mapping) else stage_of(status)
    except KeyError:
        found = None
    return status if found is None else found
