"""SQLite reads straight into Arrow columns: the event log's read without a Python object per value.

Python's sqlite3 hands over a tuple per row and an object per value: for a million events that
costs more than SQLite's own work and the frame together. Apache Arrow's ADBC SQLite driver steps
the statement in C and fills Arrow arrays. It opens its own read-only connection to the store's
file, and every statement of one `snapshot` reads in one read transaction: one consistent view,
as `database.reading` gives. A store in memory has no file another connection could open: it is
read through the driver's rows (`statement.Statement.chunks`), as PostgreSQL is.

The driver types a column by its first rows and fails on a later value of another type; a NULL
says nothing. So a statement read here never yields NULL: its nullable text is selected as
`ifnull(x, '')` and, where '' could be a value, with `x IS NULL` beside it. Each column is cast
to the type its caller expects, which also types an empty result (no row to infer from).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyarrow as pa
from sqlalchemy import Connection

BATCH_ROWS = 65_536


def database_file(connection: Connection) -> Path | None:
    """The SQLite file `connection` reads, or None (PostgreSQL, a store in memory)."""
    if connection.dialect.name != "sqlite":
        return None
    database = connection.engine.url.database
    if database in (None, "", ":memory:") or str(database).startswith("file:"):
        return None
    return Path(str(database)).expanduser().resolve()


class Snapshot:
    """Statements read in one read transaction of one connection to the file."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def version(self) -> tuple[int, ...]:
        """The version of the driver's SQLite (not always the one Python's sqlite3 links)."""
        self._cursor.execute("SELECT sqlite_version()")
        (text,) = self._cursor.fetchone()
        return tuple(int(part) for part in str(text).split("."))

    def table(
        self, sql: str, arguments: Sequence[Any], types: Mapping[str, pa.DataType]
    ) -> pa.Table:
        """The rows of `sql` (`?N` markers, bound to `arguments` in order) as a table whose
        columns are named and typed by `types`, in the order `sql` selects them."""
        self._cursor.execute(sql, list(arguments))
        read: pa.Table = self._cursor.fetch_arrow_table()
        kinds = types.values()
        columns = [column.cast(kind) for column, kind in zip(read.columns, kinds, strict=True)]
        return pa.table(columns, names=list(types))


@contextmanager
def snapshot(path: Path) -> Iterator[Snapshot]:
    """A read-only connection to the SQLite file at `path`, one read transaction throughout."""
    from adbc_driver_sqlite import dbapi  # its import loads pyarrow.dataset: only when reading

    uri = f"file:{quote(str(path))}?mode=ro"
    # Not autocommit: the driver opens a transaction, which every statement then reads in.
    with closing(dbapi.connect(uri)) as connection, closing(connection.cursor()) as cursor:
        # Arrow batches of BATCH_ROWS rows, not the driver's 1,024: a tenth less time for a
        # million events (fewer batches to type, fill and then concatenate).
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
        try:
            yield Snapshot(cursor)
        finally:
            connection.rollback()
