"""A store as version 1 of the schema left it, frozen here apart from the code under test.

This is the layout before orders kept their rule fields and before the outbox; it is written
with its own tables (not the current ones) and a few rows, so the upgrade test starts from what
an old database really holds.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

V1 = sa.MetaData()
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_TIME = sa.DateTime(timezone=True)

sa.Table(
    "schema_version",
    V1,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", _TIME, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
)
sa.Table(
    "orders",
    V1,
    sa.Column("marketplace", sa.String(64), primary_key=True),
    sa.Column("order_id", sa.String(128), primary_key=True),
    sa.Column("status", sa.String(128)),
    sa.Column("entered_at", _TIME),
    sa.Column("updated_at", _TIME, nullable=False),
    sa.Column("rules_version", sa.String(64), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("snapshot", _JSON, nullable=False),
)
sa.Index("orders_status_entered", V1.tables["orders"].c.status, V1.tables["orders"].c.entered_at)
sa.Table(
    "events",
    V1,
    sa.Column("marketplace", sa.String(64), nullable=False),
    sa.Column("order_id", sa.String(128), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("from_status", sa.String(128)),
    sa.Column("to_status", sa.String(128), nullable=False),
    sa.Column("trigger", sa.String(128), nullable=False),
    sa.Column("actor", sa.String(32), nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("inferred", sa.Boolean, nullable=False),
    sa.Column("at", _TIME, nullable=False),
    sa.UniqueConstraint("marketplace", "order_id", "seq", name="events_order_seq"),
    sa.CheckConstraint("seq >= 1", name="events_seq_positive"),
    sa.ForeignKeyConstraint(["marketplace", "order_id"], ["orders.marketplace", "orders.order_id"]),
)
sa.Table(
    "anomalies",
    V1,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("marketplace", sa.String(64), nullable=False),
    sa.Column("order_id", sa.String(128), nullable=False),
    sa.Column("from_status", sa.String(128)),
    sa.Column("reported", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("at", _TIME, nullable=False),
    sa.ForeignKeyConstraint(["marketplace", "order_id"], ["orders.marketplace", "orders.order_id"]),
)
sa.Index("anomalies_order", V1.tables["anomalies"].c.marketplace, V1.tables["anomalies"].c.order_id)
sa.Table(
    "fetch_runs",
    V1,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("window_from", _TIME, nullable=False),
    sa.Column("window_to", _TIME, nullable=False),
    sa.Column("started_at", _TIME, nullable=False),
    sa.Column("finished_at", _TIME),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("pages", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("orders", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("errors", sa.Integer, nullable=False, server_default=sa.text("0")),
    sa.Column("error", sa.Text),
    sa.CheckConstraint("kind IN ('incremental', 'sweep')", name="fetch_runs_kind"),
    sa.CheckConstraint("status IN ('running', 'ok', 'failed')", name="fetch_runs_status"),
)
sa.Table(
    "quarantine",
    V1,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("marketplace", sa.String(64)),
    sa.Column("order_id", sa.String(128)),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("raw", _JSON),
    sa.Column("fetch_run", sa.Integer, sa.ForeignKey("fetch_runs.id")),
    sa.Column("at", _TIME, nullable=False),
)
sa.Table(
    "watermarks",
    V1,
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("value", _TIME, nullable=False),
)


def write_v1_store(engine: sa.Engine, t0: datetime) -> None:
    """A version 1 store holding one order with two events and a watermark (UTC, naive on
    SQLite as version 1 wrote it)."""
    when = t0.replace(tzinfo=None) if engine.dialect.name == "sqlite" else t0
    tables = V1.tables
    with engine.begin() as connection:
        V1.create_all(connection)
        connection.execute(
            tables["schema_version"].insert().values(version=1, applied_at=when, description="v1")
        )
        connection.execute(
            tables["orders"]
            .insert()
            .values(
                marketplace="cdiscount",
                order_id="OLD-1",
                status="WaitingForShipmentAcceptation",
                entered_at=when,
                updated_at=when,
                rules_version="2025.1",
                seq=2,
                snapshot={"marketplace_order_id": "OLD-1"},
            )
        )
        event = {"marketplace": "cdiscount", "order_id": "OLD-1", "actor": "marketplace"}
        event.update(source="fetch", inferred=False, at=when)
        connection.execute(
            tables["events"].insert(),
            [
                {**event, "seq": 1, "from_status": None, "to_status": "WaitingForSellerAcceptation"}
                | {"trigger": "create"},
                {**event, "seq": 2, "from_status": "WaitingForSellerAcceptation"}
                | {"to_status": "WaitingForShipmentAcceptation", "trigger": "accept"},
            ],
        )
        connection.execute(tables["watermarks"].insert().values(name="cdiscount", value=when))
