"""Bring a database to the schema this code knows, or refuse to touch it.

A new database is created at `SCHEMA_VERSION` in one go. An older one is upgraded by the ordered
`STEPS`, all in one transaction with the versions they record, so a crash mid-upgrade leaves
the previous version intact (both SQLite and PostgreSQL roll DDL back). A database newer than
this code, or one with orderflow's tables but no version, is refused with a message: reading a
layout we do not know could silently misread it.

History: version 1 held orders (without their rule fields), events, anomalies, quarantine,
fetch runs and watermarks. Version 2 keeps each order's rule fields and the event count its
latest change was based on, and adds the action outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, inspect, select, text

from engine.store import tables as schema
from engine.store.errors import SchemaTooNew, SchemaUnknown

# Two-part advisory lock key on PostgreSQL: this constant and the schema's name, so that
# workers opening the same new store wait for one another instead of racing to create it.
_LOCK_KEY = 0x0F10


@dataclass(frozen=True)
class Step:
    """What turns a database at `version - 1` into one at `version`."""

    version: int
    description: str
    run: Callable[[Connection], None]


def _to_v2(connection: Connection) -> None:
    json_sql = "JSONB" if connection.dialect.name == "postgresql" else "JSON"
    connection.execute(
        text(f"ALTER TABLE orders ADD COLUMN fields {json_sql} NOT NULL DEFAULT '{{}}'")
    )
    connection.execute(text("ALTER TABLE orders ADD COLUMN prev_seq INTEGER NOT NULL DEFAULT 0"))
    connection.execute(text("UPDATE orders SET prev_seq = seq"))
    # The outbox is new in this version. Should a later version change it, freeze this
    # version's shape here (the migrated-equals-fresh test will say so).
    schema.outbox.create(connection)


STEPS: tuple[Step, ...] = (
    Step(2, "orders keep their rule fields and prev_seq; the action outbox", _to_v2),
)


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
            {"key": _LOCK_KEY},
        )


def _stored_version(connection: Connection, where: str) -> int | None:
    """The database's schema version; None when it holds none of the store's tables."""
    tables = set(inspect(connection).get_table_names())
    if schema.schema_version.name not in tables:
        ours = sorted(tables & set(schema.TABLES))
        if ours:
            raise SchemaUnknown(
                f"the database {where} has orderflow tables ({', '.join(ours)}) but no "
                "schema_version table; refusing to guess its layout"
            )
        return None
    version = connection.execute(select(func.max(schema.schema_version.c.version))).scalar()
    if version is None:
        raise SchemaUnknown(f"the database {where} has an empty schema_version table")
    return int(version)


def _record(connection: Connection, version: int, description: str, now: datetime) -> None:
    connection.execute(
        insert(schema.schema_version).values(
            version=version, applied_at=now, description=description
        )
    )


def ensure_schema(connection: Connection, where: str, now: datetime) -> int:
    """Create or upgrade the schema inside the caller's write transaction; the version before.

    Returns 0 for a database that was empty.
    """
    _lock(connection)
    found = _stored_version(connection, where)
    if found is None:
        schema.metadata.create_all(connection)
        _record(connection, schema.SCHEMA_VERSION, "created", now)
        return 0
    if found > schema.SCHEMA_VERSION:
        raise SchemaTooNew(where, found, schema.SCHEMA_VERSION)
    for step in STEPS:
        if step.version > found:
            step.run(connection)
            _record(connection, step.version, step.description, now)
    return found
