"""Bring a database to the schema this code knows, or refuse to touch it.

A new database is created at `SCHEMA_VERSION` in one go. An older one is upgraded by the ordered
`STEPS`, all in one transaction with the versions they record, so a crash mid-upgrade leaves
the previous version intact (both SQLite and PostgreSQL roll DDL back). A database newer than
this code, or one with orderflow's tables but no version, is refused with a message: reading a
layout we do not know could silently misread it.

History: version 1 held orders (without their rule fields), events, anomalies, quarantine,
fetch runs and watermarks. Version 2 keeps each order's rule fields and the event count its
latest change was based on, and adds the action outbox. Version 3 gives the outbox its `sending`
state and `attempted_at` (a send is recorded before its POST, so a restart knows it may have
landed); SQLite cannot change a CHECK constraint, so there the outbox table is rebuilt.
Version 4 marks the events that moved an order to a reported status the rules give no path to
(`events.deviation`, false for every event before it). Version 5 keeps each quarantined input
once (`quarantine.digest`, a hash of its marketplace, order id, reason and raw JSON, under a
unique index; of the copies an older store holds, the first is kept) and adds `set_aside`: the
orders each fetch run saw and stored nothing of, and why. Version 6 keeps each order's cart
lines (`lines`) and the line an outbox entry names (`outbox.line`, one open entry per order,
action and line), the rule-relevant field changes of its history (`field_changes`), the leases
that let one sync at a time walk a window (`leases`), who ran each fetch run and for which
account (`fetch_runs.holder`, `fetch_runs.account`, null for the runs before it), and the
account each order belongs to (`orders.account`, '' before it). Version 7 keeps every version of
a rule file orders ran under (`rule_versions`: marketplace, rules_version, the text and its
SHA-256, when first seen); an older store knew none, so it starts empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    inspect,
    select,
    text,
)

from engine.store import tables as schema
from engine.store.columns import UtcDateTime, json_type
from engine.store.errors import SchemaTooNew, SchemaUnknown
from engine.store.fetch_log import quarantine_digest

# Two-part advisory lock key on PostgreSQL: this constant and the schema's name, so that
# workers opening the same new store wait for one another instead of racing to create it.
_LOCK_KEY = 0x0F10


@dataclass(frozen=True)
class Step:
    """What turns a database at `version - 1` into one at `version`."""

    version: int
    description: str
    run: Callable[[Connection], None]


# The outbox as version 2 created it, frozen: version 3 changed the current one.
_V2 = MetaData()
_V2_OPEN = text("state IN ('pending', 'sent')")
_outbox_v2 = Table(
    "outbox",
    _V2,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("marketplace", String(64), nullable=False),
    Column("order_id", String(128), nullable=False),
    Column("action", String(128), nullable=False),
    Column("action_type", String(64), nullable=False),
    Column("args", json_type(), nullable=False),
    Column("expected_status", String(128)),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("confirmed_at", UtcDateTime),
    Column("answer", json_type()),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    CheckConstraint(
        "state IN ('pending', 'sent', 'confirmed', 'failed', 'unconfirmed')", name="outbox_state"
    ),
)
Index(
    "outbox_one_open",
    _outbox_v2.c.marketplace,
    _outbox_v2.c.order_id,
    _outbox_v2.c.action,
    unique=True,
    sqlite_where=_V2_OPEN,
    postgresql_where=_V2_OPEN,
)
Index("outbox_state", _outbox_v2.c.state)
_V2_COLUMNS = ", ".join(column.name for column in _outbox_v2.columns)

# The outbox as version 3 created it, frozen: version 6 gave it its `line`.
_V3 = MetaData()
_V3_OPEN = text("state IN ('pending', 'sending', 'sent')")
_outbox_v3 = Table(
    "outbox",
    _V3,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("marketplace", String(64), nullable=False),
    Column("order_id", String(128), nullable=False),
    Column("action", String(128), nullable=False),
    Column("action_type", String(64), nullable=False),
    Column("args", json_type(), nullable=False),
    Column("expected_status", String(128)),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("confirmed_at", UtcDateTime),
    Column("answer", json_type()),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("attempted_at", UtcDateTime),
    CheckConstraint(
        "state IN ('pending', 'sending', 'sent', 'confirmed', 'failed', 'unconfirmed')",
        name="outbox_state",
    ),
)
Index(
    "outbox_one_open",
    _outbox_v3.c.marketplace,
    _outbox_v3.c.order_id,
    _outbox_v3.c.action,
    unique=True,
    sqlite_where=_V3_OPEN,
    postgresql_where=_V3_OPEN,
)
Index("outbox_state", _outbox_v3.c.state)


def _to_v2(connection: Connection) -> None:
    json_sql = "JSONB" if connection.dialect.name == "postgresql" else "JSON"
    connection.execute(
        text(f"ALTER TABLE orders ADD COLUMN fields {json_sql} NOT NULL DEFAULT '{{}}'")
    )
    connection.execute(text("ALTER TABLE orders ADD COLUMN prev_seq INTEGER NOT NULL DEFAULT 0"))
    connection.execute(text("UPDATE orders SET prev_seq = seq"))
    _outbox_v2.create(connection)  # the outbox is new in this version


_V3_STATES = "'pending', 'sending', 'sent', 'confirmed', 'failed', 'unconfirmed'"
_V3_ONE_OPEN = (
    "CREATE UNIQUE INDEX outbox_one_open ON outbox (marketplace, order_id, action) "
    "WHERE state IN ('pending', 'sending', 'sent')"
)


def _to_v3(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        for statement in (
            "ALTER TABLE outbox ADD COLUMN attempted_at TIMESTAMP WITH TIME ZONE",
            "ALTER TABLE outbox DROP CONSTRAINT outbox_state",
            f"ALTER TABLE outbox ADD CONSTRAINT outbox_state CHECK (state IN ({_V3_STATES}))",
            "DROP INDEX outbox_one_open",
            _V3_ONE_OPEN,
        ):
            connection.execute(text(statement))
    else:
        # SQLite changes no CHECK constraint in place: a new table takes the rows over.
        connection.execute(text("ALTER TABLE outbox RENAME TO outbox_v2"))
        connection.execute(text("DROP INDEX outbox_one_open"))
        connection.execute(text("DROP INDEX outbox_state"))
        _outbox_v3.create(connection)
        connection.execute(
            text(f"INSERT INTO outbox ({_V2_COLUMNS}) SELECT {_V2_COLUMNS} FROM outbox_v2")
        )
        connection.execute(text("DROP TABLE outbox_v2"))
    # An entry sent before this version was attempted when it was sent.
    connection.execute(text("UPDATE outbox SET attempted_at = sent_at"))


def _to_v4(connection: Connection) -> None:
    # Every event stored before this version followed the rules (an impossible report moved
    # no order then).
    connection.execute(
        text("ALTER TABLE events ADD COLUMN deviation BOOLEAN NOT NULL DEFAULT false")
    )


def _to_v5(connection: Connection) -> None:
    connection.execute(
        text("ALTER TABLE quarantine ADD COLUMN digest VARCHAR(64) NOT NULL DEFAULT ''")
    )
    q = schema.quarantine.c
    rows = connection.execute(
        select(q.id, q.marketplace, q.order_id, q.reason, q.raw).order_by(q.id)
    ).all()
    seen: set[str] = set()
    copies: list[int] = []
    for row in rows:
        digest = quarantine_digest(row.marketplace, row.order_id, row.reason, row.raw)
        if digest in seen:
            copies.append(row.id)  # the same input quarantined again: the first copy stays
            continue
        seen.add(digest)
        connection.execute(
            text("UPDATE quarantine SET digest = :digest WHERE id = :id"),
            {"digest": digest, "id": row.id},
        )
    if copies:
        connection.execute(schema.quarantine.delete().where(q.id.in_(copies)))
    next(i for i in schema.quarantine.indexes if i.name == "quarantine_once").create(connection)
    # New in this version; should a later one change it, freeze this shape here.
    schema.set_aside.create(connection)


def _to_v6(connection: Connection) -> None:
    connection.execute(text("ALTER TABLE fetch_runs ADD COLUMN holder VARCHAR(200)"))
    connection.execute(text("ALTER TABLE fetch_runs ADD COLUMN account VARCHAR(32)"))
    connection.execute(
        text("ALTER TABLE orders ADD COLUMN account VARCHAR(32) NOT NULL DEFAULT ''")
    )
    # Every entry before this version named the whole order; one open entry per line since.
    connection.execute(text("ALTER TABLE outbox ADD COLUMN line VARCHAR(128) NOT NULL DEFAULT ''"))
    connection.execute(text("DROP INDEX outbox_one_open"))
    next(i for i in schema.outbox.indexes if i.name == "outbox_one_open").create(connection)
    # New in this version; should a later one change them, freeze these shapes here.
    for table in (schema.lines, schema.field_changes, schema.leases):
        table.create(connection)


def _to_v7(connection: Connection) -> None:
    # New in this version; should a later one change it, freeze this shape here.
    schema.rule_versions.create(connection)


STEPS: tuple[Step, ...] = (
    Step(2, "orders keep their rule fields and prev_seq; the action outbox", _to_v2),
    Step(3, "the outbox records a send before its POST: state sending, attempted_at", _to_v3),
    Step(4, "events mark a deviation: a move to a reported status no rule leads to", _to_v4),
    Step(5, "quarantined input kept once (digest); the orders each fetch run set aside", _to_v5),
    Step(6, "cart lines, outbox lines, field changes, leases, accounts; who ran each run", _to_v6),
    Step(7, "every rule version orders ran under, by version and content hash", _to_v7),
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
