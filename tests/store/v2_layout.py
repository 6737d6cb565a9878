"""A store as version 2 of the schema left it, frozen here apart from the code under test.

Version 2 is version 1 plus each order's rule fields and `prev_seq`, and the action outbox whose
states were pending, sent, confirmed, failed and unconfirmed (no `sending`, no `attempted_at`).
It is written with its own tables on top of `v1_layout`, with outbox entries in three states, so
the upgrade to version 3 starts from what such a database really holds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from tests.store.v1_layout import V1, write_v1_store

V2 = sa.MetaData()
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)
_OPEN = sa.text("state IN ('pending', 'sent')")

OUTBOX_V2 = sa.Table(
    "outbox",
    V2,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("marketplace", sa.String(64), nullable=False),
    sa.Column("order_id", sa.String(128), nullable=False),
    sa.Column("action", sa.String(128), nullable=False),
    sa.Column("action_type", sa.String(64), nullable=False),
    sa.Column("args", _JSON, nullable=False),
    sa.Column("expected_status", sa.String(128)),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("created_at", _TIME, nullable=False),
    sa.Column("sent_at", _TIME),
    sa.Column("confirmed_at", _TIME),
    sa.Column("answer", _JSON),
    sa.Column("attempts", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.CheckConstraint(
        "state IN ('pending', 'sent', 'confirmed', 'failed', 'unconfirmed')", name="outbox_state"
    ),
)
sa.Index(
    "outbox_one_open",
    OUTBOX_V2.c.marketplace,
    OUTBOX_V2.c.order_id,
    OUTBOX_V2.c.action,
    unique=True,
    sqlite_where=_OPEN,
    postgresql_where=_OPEN,
)
sa.Index("outbox_state", OUTBOX_V2.c.state)

# (id, order, action, state, minutes after t0 it was sent, attempts); ids come from the table
ENTRIES = (
    (1, "OLD-1", "ship", "pending", None, 0),
    (2, "OLD-2", "accept", "sent", 5, 1),
    (3, "OLD-3", "refund", "confirmed", 7, 2),
)


def _stamp(engine: sa.Engine, moment: datetime) -> datetime:
    """A time as this layout's columns take it: UTC, naive on SQLite (as `v1_layout` writes)."""
    return moment.replace(tzinfo=None) if engine.dialect.name == "sqlite" else moment


def write_v2_store(engine: sa.Engine, t0: datetime) -> None:
    """The version 1 store of `write_v1_store` moved to version 2, with three outbox entries."""
    write_v1_store(engine, t0)
    json_sql = "JSONB" if engine.dialect.name == "postgresql" else "JSON"
    with engine.begin() as connection:
        connection.execute(
            sa.text(f"ALTER TABLE orders ADD COLUMN fields {json_sql} NOT NULL DEFAULT '{{}}'")
        )
        connection.execute(
            sa.text("ALTER TABLE orders ADD COLUMN prev_seq INTEGER NOT NULL DEFAULT 0")
        )
        connection.execute(sa.text("UPDATE orders SET prev_seq = seq"))
        OUTBOX_V2.create(connection)
        connection.execute(
            V1.tables["schema_version"]
            .insert()
            .values(version=2, applied_at=_stamp(engine, t0), description="v2")
        )
        for ident, order_id, action, state, sent, attempts in ENTRIES:
            sent_at = None if sent is None else _stamp(engine, t0 + timedelta(minutes=sent))
            connection.execute(
                OUTBOX_V2.insert().values(
                    marketplace="cdiscount",
                    order_id=order_id,
                    action=action,
                    action_type=action,
                    args={},
                    expected_status=None,
                    state=state,
                    created_at=_stamp(engine, t0),
                    sent_at=sent_at,
                    answer={"id": ident} if sent is not None else None,
                    attempts=attempts,
                )
            )
