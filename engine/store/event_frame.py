"""The event log as a DataFrame, read column by column: what the app's first page waits for.

Read as SQLAlchemy rows, a million events cost a Row object each, a type conversion per
timestamp and a JSON decoding of the order's fields per event (five per order). Here a SQLite
file is read straight into Arrow columns (`arrow_read`: no Python object per value), events and
orders in one read transaction; PostgreSQL and a store in memory come from the driver's cursor a
chunk at a time, straight into typed columns (`column_chunks`). Either way an order's fields are
read once per order and spread over its events (`order_fields`). The frame is the one the
row-by-row read gave, column for column and dtype for dtype, on SQLite and PostgreSQL alike
(tests/store/test_events_frame.py keeps that read as the model it must equal).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection

from engine.model.events import EVENT_LOG_COLUMNS
from engine.store.arrow_read import Snapshot, database_file, snapshot
from engine.store.column_chunks import NumberChunks, TextChunks, TimeChunks, text_column, utc_times
from engine.store.columns import UtcDateTime
from engine.store.order_fields import (
    RULES_VERSION,
    OrderRuns,
    OrderValues,
    read_values,
    snapshot_values,
)
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
    rules do not declare (kept as the marketplace reported it) is its own stage. `rules_version`
    among `fields` adds the order's rules version (read with the fields, `order_fields`), after
    the rule fields.
    """
    version = RULES_VERSION in fields  # a column of the orders, not one of their fields
    fields = [name for name in fields if name != RULES_VERSION]
    with collector_paused():
        frame, values = _read(connection, marketplace, fields, version, since)
        if stage_of is not None:
            frame["stage"] = _stages(frame["to_status"], stage_of)
        if values is not None:
            runs = OrderRuns.of(frame["marketplace"], frame["order_id"])
            names = [*fields, RULES_VERSION] if version else fields
            for name, column in zip(names, values.spread(runs), strict=True):
                frame[name] = column
    return frame


def _read(
    connection: Connection,
    marketplace: str | None,
    fields: Sequence[str],
    version: bool,
    since: datetime | None,
) -> tuple[pd.DataFrame, OrderValues | None]:
    """The events and, when `fields` or the `version` are asked for, the orders' values of
    them."""
    asked = bool(fields) or version
    path = database_file(connection)
    if path is None:
        frame = _events(connection, marketplace, since)
        return frame, read_values(connection, marketplace, fields, version) if asked else None
    with snapshot(path) as read:
        frame = _arrow_events(read, connection, marketplace, since)
        values = snapshot_values(read, connection, marketplace, fields, version) if asked else None
        return frame, values


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


def _selected(statement: Statement, marketplace: str | None, since: datetime | None) -> None:
    """The conditions of the events read."""
    if marketplace is not None:
        statement.where("marketplace", "=", marketplace)
    if since is not None:
        # The bind of the column's own type: SQLite's UTC text, PostgreSQL's aware datetime.
        dialect = statement.dialect
        statement.where("at", ">=", UtcDateTime().process_bind_param(since, dialect))


def _events(
    connection: Connection, marketplace: str | None, since: datetime | None
) -> pd.DataFrame:
    """The events' `COLUMNS`, typed, by order and seq, from the driver's rows."""
    statement = Statement(connection)
    _selected(statement, marketplace, since)
    sql = statement.select(statement.names(COLUMNS), events.name, order_by=ORDER)
    columns = {name: _chunks_of(name, connection.dialect.name == "sqlite") for name in COLUMNS}
    for rows in statement.chunks(connection, sql):
        for chunks, values in zip(columns.values(), zip(*rows, strict=True), strict=True):
            chunks.add(values)
    return pd.DataFrame({name: chunks.column() for name, chunks in columns.items()})


# What the Arrow read selects of the events: never NULL (`arrow_read`), `from_status` with a flag.
_NULLABLE = "from_status"
_MISSING = "from_status_missing"
_ARROW_TYPES: dict[str, pa.DataType] = {
    **{name: pa.large_string() for name in COLUMNS},
    "seq": pa.int64(),
    "inferred": pa.int64(),
    "deviation": pa.int64(),
    _MISSING: pa.int64(),
}


def _arrow_events(
    read: Snapshot, connection: Connection, marketplace: str | None, since: datetime | None
) -> pd.DataFrame:
    """The events' `COLUMNS`, typed, by order and seq, from an Arrow read of the file."""
    statement = Statement(connection, numbered=True)
    _selected(statement, marketplace, since)
    nullable = statement.name(_NULLABLE)
    selected = [
        f"ifnull({nullable}, '')" if name == _NULLABLE else statement.name(name) for name in COLUMNS
    ]
    selected.append(f"{nullable} IS NULL")
    sql = statement.select(selected, events.name, order_by=ORDER)
    types = {name: _ARROW_TYPES[name] for name in (*COLUMNS, _MISSING)}
    table = read.table(sql, statement.arguments(), types)
    return pd.DataFrame({name: _arrow_column(table, name) for name in COLUMNS})


def _arrow_column(table: pa.Table, name: str) -> Any:
    """Column `name` of an Arrow read as `_events` types it."""
    column = table.column(name)
    if name == "seq":
        return column.to_numpy()
    if name in ("inferred", "deviation"):
        return column.to_numpy().astype(np.bool_)
    if name == "at":
        return utc_times(column)
    if name == _NULLABLE:
        missing = table.column(_MISSING).combine_chunks().cast(pa.bool_())
        column = pa.chunked_array([pc.if_else(missing, None, column.combine_chunks())])
    return text_column(column)


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
