"""Many rows in one statement, at close to the speed of the database driver itself.

On PostgreSQL, SQLAlchemy's "insertmanyvalues" already sends multi-row statements. On SQLite the
per-row parameter processing of SQLAlchemy costs more than the insert, so the statement is
compiled once from the same Core table and run through the driver's `executemany`, with each
value encoded the way the column type would encode it (`encoder_for`); reads then decode them
through the ordinary column types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Connection, Insert, Table, bindparam, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import JSON

from engine.store.columns import UtcDateTime, dump_json, utc_text

Encoder = Callable[[Any], Any]


def _keep(value: Any) -> Any:
    return value


def _json(value: Any) -> Any:
    return None if value is None else dump_json(value)


def _time(value: Any) -> Any:
    return None if value is None else utc_text(value)


def encoder_for(column: Column[Any]) -> Encoder:
    """How a value of `column` is written to SQLite (as its column type would write it)."""
    if isinstance(column.type, UtcDateTime):
        return _time
    if isinstance(column.type, JSON) or isinstance(getattr(column.type, "impl", None), JSON):
        return _json
    return _keep


@lru_cache(maxsize=64)
def _compiled(statement: Insert) -> tuple[str, tuple[Encoder, ...], tuple[str, ...]]:
    compiled = statement.compile(dialect=sqlite.dialect())
    assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None
    names = tuple(compiled.positiontup)
    table = statement.table
    assert isinstance(table, Table)
    return compiled.string, tuple(encoder_for(table.c[name]) for name in names), names


def _sqlite_executemany(
    connection: Connection, statement: Insert, rows: Sequence[dict[str, Any]]
) -> int:
    sql, encoders, names = _compiled(statement)
    values = itemgetter(*names)
    encoded = [(i, encode) for i, encode in enumerate(encoders) if encode is not _keep]
    params: list[tuple[Any, ...]] = []
    for row in rows:
        param = list(values(row))
        for i, encode in encoded:
            param[i] = encode(param[i])
        params.append(tuple(param))
    return int(connection.exec_driver_sql(sql, params).rowcount)


@lru_cache(maxsize=64)
def _plain_insert(table: Table, names: tuple[str, ...]) -> Insert:
    return insert(table).values({name: bindparam(name) for name in names})


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT every row (all with the same keys, the table's columns but its generated key)."""
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        _sqlite_executemany(connection, _plain_insert(table, tuple(rows[0])), rows)
    else:
        connection.execute(insert(table), list(rows))


def upsert_rows(
    connection: Connection, upsert: Callable[[str], Insert], rows: Sequence[dict[str, Any]]
) -> int:
    """Run `upsert(dialect)` (an INSERT ... ON CONFLICT) over `rows`; how many rows it wrote."""
    if not rows:
        return 0
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return _sqlite_executemany(connection, upsert(dialect), rows)
    return len(connection.execute(upsert(dialect), list(rows)).all())


def dialect_insert(dialect: str, table: Table) -> postgresql.Insert | sqlite.Insert:
    """The INSERT of `table` with ON CONFLICT clauses, for either database."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
