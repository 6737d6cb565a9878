"""A SELECT for the database driver's own cursor, for reads too large for SQLAlchemy's rows.

The event log's read fetches a million rows; a SQLAlchemy `Row` and its type processing per row
cost more than the database's work. Such a read writes its SELECT here, with the table's names
quoted and its parameters marked as the connection's driver wants (sqlite3 `:name`, psycopg
`%(name)s`), and fetches the driver's tuples a chunk at a time, in the caller's transaction. A
SELECT read into Arrow instead (`arrow_read`) numbers its parameters (`?1`, `?2`...), the markers
the ADBC driver binds in order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection

# Rows fetched at a time: enough to make the per-chunk work negligible, few enough that the
# driver's tuples never pile up (a million of them take more memory than the frame they make).
CHUNK = 10_000


class Statement:
    """The parts of one SELECT: its parameters and its conditions (joined by AND)."""

    def __init__(self, connection: Connection, numbered: bool = False) -> None:
        self.dialect = connection.dialect
        self.name = connection.dialect.identifier_preparer.quote
        self.sqlite = connection.dialect.name == "sqlite"
        self._numbered = numbered
        self._marker = ":{}" if self.sqlite else "%({})s"
        self.params: dict[str, Any] = {}
        self._conditions: list[str] = []

    def names(self, columns: Sequence[str]) -> list[str]:
        return [self.name(column) for column in columns]

    def param(self, value: Any) -> str:
        """The marker of a new parameter holding `value`."""
        key = f"p{len(self.params)}"
        self.params[key] = value
        if self._numbered:
            return f"?{len(self.params)}"
        return self._marker.format(key)

    def arguments(self) -> list[Any]:
        """The parameters' values in the order of their numbers (`numbered` markers)."""
        return list(self.params.values())

    def where(self, column: str, operator: str, value: Any) -> None:
        self._conditions.append(f"{self.name(column)} {operator} {self.param(value)}")

    def select(self, expressions: Sequence[str], table: str, order_by: Sequence[str] = ()) -> str:
        """The SELECT of `expressions` (quoted names, or SQL) from `table`."""
        text = f"SELECT {', '.join(expressions)} FROM {self.name(table)}"
        if self._conditions:
            text += f" WHERE {' AND '.join(self._conditions)}"
        if order_by:
            text += f" ORDER BY {', '.join(self.names(order_by))}"
        return text

    def chunks(self, connection: Connection, sql: str) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of `sql` (made with this statement's parameters), `CHUNK` at a time."""
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, self.params)
            while rows := cursor.fetchmany(CHUNK):
                yield list(rows)
        finally:
            cursor.close()
