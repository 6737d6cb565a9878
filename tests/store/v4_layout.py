"""A store as version 4 of the schema left it: a quarantine that keeps the same input twice.

Version 4 is version 3 with `events.deviation`; its quarantine is still version 1's (no
`digest`, no unique index) and there is no `set_aside` table. It is written as `v3_layout`
writes version 3, then moved to version 4 by that version's own step, with three quarantined
inputs: one unreadable order fetched by two runs (kept twice, as version 4 did) and another.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from engine.store import migrations
from tests.store.v1_layout import V1
from tests.store.v3_layout import write_v3_store

UNREADABLE = {"marketplace": "cdiscount", "marketplace_order_id": "BAD-1", "packages": "??"}
OTHER = {"marketplace": "cdiscount", "marketplace_order_id": "BAD-2"}


def _stamp(engine: sa.Engine, moment: datetime) -> datetime:
    """A time as this layout's columns take it: UTC, naive on SQLite (as `v1_layout` writes)."""
    return moment.replace(tzinfo=None) if engine.dialect.name == "sqlite" else moment


def write_v4_store(engine: sa.Engine, t0: datetime) -> None:
    """The version 3 store of `write_v3_store` moved to version 4, with a doubled quarantine."""
    write_v3_store(engine, t0)
    step = next(s for s in migrations.STEPS if s.version == 4)
    runs, quarantine = V1.tables["fetch_runs"], V1.tables["quarantine"]
    with engine.begin() as connection:
        step.run(connection)
        connection.execute(
            V1.tables["schema_version"]
            .insert()
            .values(version=4, applied_at=_stamp(engine, t0), description="v4")
        )
        for n in (1, 2):
            start = _stamp(engine, t0 + timedelta(minutes=15 * n))
            connection.execute(
                runs.insert().values(
                    kind="incremental",
                    window_from=start - timedelta(minutes=15),
                    window_to=start,
                    started_at=start,
                    finished_at=start,
                    status="ok",
                    pages=1,
                    orders=2,
                    errors=1,
                )
            )
        rows = [
            (1, "BAD-1", "packages is not a list", UNREADABLE),
            (1, "BAD-2", "order has no status", OTHER),
            (2, "BAD-1", "packages is not a list", UNREADABLE),
        ]
        for run, order_id, reason, raw in rows:
            connection.execute(
                quarantine.insert().values(
                    marketplace="cdiscount",
                    order_id=order_id,
                    reason=reason,
                    raw=raw,
                    fetch_run=run,
                    at=_stamp(engine, t0 + timedelta(minutes=15 * run)),
                )
            )
