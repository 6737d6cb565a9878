"""Many rows in one statement, at close to the speed of the database driver itself.

On PostgreSQL, SQLAlchemy's "insertmanyvalues" already sends multi-row statements. On SQLite the
per-row parameter processing of SQLAlchemy costs more than the insert, so the statement is
compiled once from the same Core table and run through the driver's `executemany`, with each
value encoded the way the column type would encode it (`encoder_for`); reads then decode them
through the ordinary column types. The values are encoded a column at a time (the rows turned
into columns and back by `zip`, no Python loop per row), and only the columns that need it. A
page's times repeat (an order's events share its `updated_at`, its `entered_at` is its last
event's, in two statements): each distinct one recently written is turned into text once. A flag
goes to the driver as the integer it stores (0 or 1): the driver asks a `bool`, as it asks any
type but int, float and str, for an adapter first, which cost more than the insert of the value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, Column, Connection, Insert, Table, bindparam, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import JSON

from engine.store.columns import UtcDateTime, dump_json, utc_text

Encoder = Callable[[Any], Any]
ColumnEncoder = Callable[[Sequence[Any]], list[Any]]
"""Turns a column's values into what the driver gets, in one call for the whole column."""
ColumnEncoders = tuple[tuple[int, ColumnEncoder], ...]


def _keep(value: Any) -> Any:
    return value


def _json(value: Any) -> Any:
    return None if value is None else dump_json(value)


def _time(value: Any) -> Any:
    return None if value is None else utc_text(value)


def _flag(value: Any) -> Any:
    return None if value is None else int(value)


def encoder_for(column: Column[Any]) -> Encoder:
    """How a value of `column` is written to SQLite (as its column type would write it)."""
    if isinstance(column.type, UtcDateTime):
        return _time
    if isinstance(column.type, JSON) or isinstance(getattr(column.type, "impl", None), JSON):
        return _json
    if isinstance(column.type, Boolean):
        return _flag
    return _keep


# The texts of the times written lately: equal instants have equal text whatever their zone, so
# the key is the value. Emptied when full: it spares the times of a page written twice, and a
# look-up costs a tenth of `utc_text`.
_TIME_TEXTS: dict[datetime, str] = {}
_TIME_TEXTS_KEPT = 4096


def _times(values: Sequence[Any]) -> list[Any]:
    texts = _TIME_TEXTS
    encoded: list[Any] = []
    for value in values:
        if value is None:
            encoded.append(None)
            continue
        text = texts.get(value)
        if text is None:
            if len(texts) >= _TIME_TEXTS_KEPT:
                texts.clear()
            text = texts[value] = utc_text(value)
        encoded.append(text)
    return encoded


def _column_encoder(encode: Encoder) -> ColumnEncoder:
    if encode is _time:
        return _times

    def column(values: Sequence[Any]) -> list[Any]:
        return [encode(value) for value in values]

    return column


Row = tuple[Any, ...]
"""One row's values, in the order of the names given with it: no dict per row."""


@lru_cache(maxsize=64)
def _compiled(
    statement: Insert, names: tuple[str, ...]
) -> tuple[str, tuple[int, ...], ColumnEncoders]:
    """The SQLite text of `statement`, where each of its parameters is in a row of `names`, and
    how each parameter's column is encoded."""
    compiled = statement.compile(dialect=sqlite.dialect())
    assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
    table = statement.table
    assert isinstance(table, Table)
    order = tuple(names.index(name) for name in compiled.positiontup)
    encoders = tuple(
        (place, _column_encoder(encode))
        for place, name in enumerate(compiled.positiontup)
        if (encode := encoder_for(table.c[name])) is not _keep
    )
    return compiled.string, order, encoders


def _sqlite_executemany(
    connection: Connection, statement: Insert, names: tuple[str, ...], rows: Sequence[Row]
) -> int:
    sql, order, encoders = _compiled(statement, names)
    in_order = order == tuple(range(len(names)))
    if in_order and not encoders:
        return int(connection.exec_driver_sql(sql, list(rows)).rowcount)
    given: list[Sequence[Any]] = list(zip(*rows, strict=True))
    columns = given if in_order else [given[place] for place in order]
    for place, encode in encoders:
        columns[place] = encode(columns[place])
    params = list(zip(*columns, strict=True))  # what SQLAlchemy passes on to the driver as it is
    return int(connection.exec_driver_sql(sql, params).rowcount)


def _as_dicts(names: tuple[str, ...], rows: Sequence[Row]) -> list[dict[str, Any]]:
    return [dict(zip(names, row, strict=True)) for row in rows]


@lru_cache(maxsize=64)
def _plain_insert(table: Table, names: tuple[str, ...]) -> Insert:
    return insert(table).values({name: bindparam(name) for name in names})


def insert_rows(
    connection: Connection, table: Table, names: tuple[str, ...], rows: Sequence[Row]
) -> None:
    """INSERT every row: the values of `names` (the table's columns but its generated key)."""
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        _sqlite_executemany(connection, _plain_insert(table, names), names, rows)
    else:
        connection.execute(insert(table), _as_dicts(names, rows))


def upsert_rows(
    connection: Connection,
    upsert: Callable[[str], Insert],
    names: tuple[str, ...],
    rows: Sequence[Row],
) -> int:
    """Run `upsert(dialect)` (an INSERT ... ON CONFLICT) over `rows` (the values of `names`);
    how many rows it wrote."""
    if not rows:
        return 0
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return _sqlite_executemany(connection, upsert(dialect), names, rows)
    return len(connection.execute(upsert(dialect), _as_dicts(names, rows)).all())


def dialect_insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """The INSERT of `table` with ON CONFLICT clauses, for either database."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
