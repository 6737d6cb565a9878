"""A store as version 3 of the schema left it: events without their `deviation` mark.

Version 3 is version 2 with the outbox's `sending` state and `attempted_at`; its events table is
still version 1's (no `deviation`). It is written as `v2_layout` writes version 2, then moved to
version 3 by that version's own step (which the v2 upgrade test covers), with one more event, so
the upgrade to version 4 starts from events such a database really holds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from engine.store import migrations
from tests.store.v1_layout import V1
from tests.store.v2_layout import write_v2_store


def _stamp(engine: sa.Engine, moment: datetime) -> datetime:
    """A time as this layout's columns take it: UTC, naive on SQLite (as `v1_layout` writes)."""
    return moment.replace(tzinfo=None) if engine.dialect.name == "sqlite" else moment


def write_v3_store(engine: sa.Engine, t0: datetime) -> None:
    """The version 2 store of `write_v2_store` moved to version 3, OLD-1 shipped since."""
    write_v2_store(engine, t0)
    step = next(s for s in migrations.STEPS if s.version == 3)
    with engine.begin() as connection:
        step.run(connection)
        connection.execute(
            V1.tables["schema_version"]
            .insert()
            .values(version=3, applied_at=_stamp(engine, t0), description="v3")
        )
        connection.execute(
            V1.tables["events"]
            .insert()
            .values(
                marketplace="cdiscount",
                order_id="OLD-1",
                seq=3,
                from_status="WaitingForShipmentAcceptation",
                to_status="Shipped",
                trigger="ship",
                actor="seller",
                source="fetch",
                inferred=False,
                at=_stamp(engine, t0 + timedelta(minutes=9)),
            )
        )
        connection.execute(sa.text("UPDATE orders SET status = 'Shipped', seq = 3"))
