"""An older store is upgraded in one transaction, and ends like a store created new."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.store import NewAction, OrderChange, OutboxState, migrations, open_store
from engine.store.database import store_url as sqlalchemy_url
from engine.store.migrations import Step
from engine.store.tables import metadata
from tests.store.changes import T0, at, event
from tests.store.v1_layout import write_v1_store


@pytest.fixture
def v1_url(store_url: str) -> str:
    write_v1_store(sa.create_engine(sqlalchemy_url(store_url)), T0)
    return store_url


def test_a_v1_store_is_upgraded_and_keeps_its_data(v1_url: str) -> None:
    with open_store(v1_url) as store:
        assert store.schema_version() == 2
        order = store.get_order("cdiscount", "OLD-1")
        assert order is not None
        assert (order.status, order.seq, order.updated_at) == (
            "WaitingForShipmentAcceptation",
            2,
            T0,
        )
        assert order.fields == {}
        assert order.snapshot == {"marketplace_order_id": "OLD-1"}
        assert [e.to_status for e in store.events("cdiscount", "OLD-1")] == [
            "WaitingForSellerAcceptation",
            "WaitingForShipmentAcceptation",
        ]
        assert store.watermark("cdiscount") == T0
        assert store.outbox() == []


def test_the_upgraded_store_takes_new_writes(v1_url: str) -> None:
    with open_store(v1_url) as store:
        ship = event("OLD-1", "WaitingForShipmentAcceptation", "Shipped", 30)
        change = OrderChange(
            "cdiscount", "OLD-1", "Shipped", at(30), at(30), "2026.11.1", 2, (ship,)
        )
        assert store.apply([change]).applied == (("cdiscount", "OLD-1"),)
        assert [e.seq for e in store.events("cdiscount", "OLD-1")] == [1, 2, 3]
        refund = NewAction("cdiscount", "OLD-1", "refund", "refund", {}, None, at(40))
        item_id, queued = store.enqueue(refund)
        assert queued
        assert store.outbox([OutboxState.PENDING])[0].id == item_id


def test_the_version_history_records_each_step(v1_url: str) -> None:
    open_store(v1_url).close()
    with sa.create_engine(sqlalchemy_url(v1_url)).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT version, description FROM schema_version ORDER BY version")
        ).all()
    assert rows == [(1, "v1"), (2, "orders keep their rule fields and prev_seq; the action outbox")]


def _layout(url: str) -> dict[str, tuple[set[tuple[str, bool]], set[str | None]]]:
    inspector = sa.inspect(sa.create_engine(sqlalchemy_url(url)))
    return {
        table: (
            {(c["name"], bool(c["nullable"])) for c in inspector.get_columns(table)},
            # PostgreSQL lists the index behind a unique constraint too; only real indexes count.
            {i["name"] for i in inspector.get_indexes(table) if "duplicates_constraint" not in i},
        )
        for table in inspector.get_table_names()
    }


def test_an_upgraded_store_has_the_layout_of_a_new_one(v1_url: str) -> None:
    open_store(v1_url).close()
    upgraded = _layout(v1_url)
    expected = {
        table.name: (
            {(c.name, bool(c.nullable)) for c in table.columns},
            {i.name for i in table.indexes},
        )
        for table in metadata.sorted_tables
    }
    assert upgraded == expected


def test_a_failed_upgrade_leaves_the_old_version_whole(
    v1_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = migrations.STEPS[0]

    def broken(connection: sa.Connection) -> None:
        real.run(connection)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrations, "STEPS", (Step(2, "broken", broken),))
    with pytest.raises(RuntimeError, match="disk on fire"):
        open_store(v1_url)
    layout = _layout(v1_url)
    assert "outbox" not in layout
    assert ("fields", False) not in layout["orders"][0]
    with sa.create_engine(sqlalchemy_url(v1_url)).connect() as connection:
        versions = connection.execute(sa.text("SELECT version FROM schema_version"))
        assert versions.scalars().all() == [1]
