"""An older store is upgraded in one transaction, and ends like a store created new."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import pytest
import sqlalchemy as sa

from engine.store import (
    SCHEMA_VERSION,
    NewAction,
    OrderChange,
    OutboxState,
    QuarantineEntry,
    SetAside,
    SetAsideReason,
    migrations,
    open_store,
)
from engine.store.database import store_url as sqlalchemy_url
from engine.store.migrations import Step
from engine.store.tables import metadata
from tests.store.changes import T0, at, event
from tests.store.v1_layout import write_v1_store
from tests.store.v2_layout import write_v2_store
from tests.store.v3_layout import write_v3_store
from tests.store.v4_layout import OTHER, UNREADABLE, write_v4_store

V2_STEP = "orders keep their rule fields and prev_seq; the action outbox"
V3_STEP = "the outbox records a send before its POST: state sending, attempted_at"
V4_STEP = "events mark a deviation: a move to a reported status no rule leads to"
V5_STEP = "quarantined input kept once (digest); the orders each fetch run set aside"
V6_STEP = "cart lines, outbox lines, field changes, leases, accounts; who ran each run"
V7_STEP = "every rule version orders ran under, by version and content hash"


@pytest.fixture
def v1_url(store_url: str) -> str:
    write_v1_store(sa.create_engine(sqlalchemy_url(store_url)), T0)
    return store_url


@pytest.fixture
def v2_url(store_url: str) -> str:
    write_v2_store(sa.create_engine(sqlalchemy_url(store_url)), T0)
    return store_url


def test_a_v1_store_is_upgraded_and_keeps_its_data(v1_url: str) -> None:
    with open_store(v1_url) as store:
        assert store.schema_version() == SCHEMA_VERSION == 7
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
    assert rows == [
        (1, "v1"),
        (2, V2_STEP),
        (3, V3_STEP),
        (4, V4_STEP),
        (5, V5_STEP),
        (6, V6_STEP),
        (7, V7_STEP),
    ]


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


@pytest.mark.parametrize(
    "write_old",
    [write_v1_store, write_v2_store, write_v3_store, write_v4_store],
    ids=["v1", "v2", "v3", "v4"],
)
def test_an_upgraded_store_has_the_layout_of_a_new_one(
    write_old: Callable[[sa.Engine, datetime], None], store_url: str
) -> None:
    url = store_url
    write_old(sa.create_engine(sqlalchemy_url(url)), T0)
    open_store(url).close()
    upgraded = _layout(url)
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


def test_a_v2_outbox_is_upgraded_with_its_entries_and_their_attempt_times(v2_url: str) -> None:
    with open_store(v2_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
        items = store.outbox()
    assert [(i.id, i.order_id, i.state, i.attempts, i.answer) for i in items] == [
        (1, "OLD-1", OutboxState.PENDING, 0, None),
        (2, "OLD-2", OutboxState.SENT, 1, {"id": 2}),
        (3, "OLD-3", OutboxState.CONFIRMED, 2, {"id": 3}),
    ]
    # An entry sent before version 3 was attempted when it was sent.
    assert [(i.sent_at, i.attempted_at) for i in items] == [
        (None, None),
        (at(5), at(5)),
        (at(7), at(7)),
    ]
    with sa.create_engine(sqlalchemy_url(v2_url)).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT version, description FROM schema_version ORDER BY version")
        ).all()
    assert rows == [
        (1, "v1"),
        (2, "v2"),
        (3, V3_STEP),
        (4, V4_STEP),
        (5, V5_STEP),
        (6, V6_STEP),
        (7, V7_STEP),
    ]


def test_the_upgraded_outbox_takes_sending_entries_and_keeps_one_open(v2_url: str) -> None:
    with open_store(v2_url) as store:
        (pending,) = store.outbox([OutboxState.PENDING])
        sending = store.begin_send(pending, at(20))
        assert sending is not None
        assert (sending.state, sending.attempted_at, sending.attempts) == (
            OutboxState.SENDING,
            at(20),
            1,
        )
        again = NewAction("cdiscount", "OLD-1", "ship", "ship", {}, None, at(21))
        assert store.enqueue(again) == (1, False)  # a sending entry is still open
        fresh = NewAction("cdiscount", "OLD-4", "ship", "ship", {}, None, at(21))
        fresh_id, created = store.enqueue(fresh)
        assert created and fresh_id > 3  # new ids follow the copied ones


def test_a_failed_v3_upgrade_leaves_version_2_whole(
    v2_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = migrations.STEPS[1]

    def broken(connection: sa.Connection) -> None:
        real.run(connection)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrations, "STEPS", (migrations.STEPS[0], Step(3, "broken", broken)))
    with pytest.raises(RuntimeError, match="disk on fire"):
        open_store(v2_url)
    layout = _layout(v2_url)
    assert ("attempted_at", True) not in layout["outbox"][0]
    assert "outbox_v2" not in layout
    with sa.create_engine(sqlalchemy_url(v2_url)).connect() as connection:
        versions = connection.execute(sa.text("SELECT version FROM schema_version"))
        assert versions.scalars().all() == [1, 2]
        states = connection.execute(sa.text("SELECT state FROM outbox ORDER BY id"))
        assert states.scalars().all() == ["pending", "sent", "confirmed"]


@pytest.fixture
def v3_url(store_url: str) -> str:
    write_v3_store(sa.create_engine(sqlalchemy_url(store_url)), T0)
    return store_url


def test_a_v3_store_keeps_its_events_none_of_them_a_deviation(v3_url: str) -> None:
    with open_store(v3_url) as store:
        assert store.schema_version() == SCHEMA_VERSION == 7
        stored = store.events("cdiscount", "OLD-1")
        assert [(e.seq, e.to_status, e.deviation) for e in stored] == [
            (1, "WaitingForSellerAcceptation", False),
            (2, "WaitingForShipmentAcceptation", False),
            (3, "Shipped", False),
        ]
        assert store.events_frame()["deviation"].tolist() == [False, False, False]
        # The marketplace now reports the shipped order back at acceptation: a deviation.
        back = event("OLD-1", "Shipped", "WaitingForSellerAcceptation", 30)
        back = replace(back, trigger="deviation", deviation=True)
        change = OrderChange(
            "cdiscount", "OLD-1", back.to_status, at(30), at(30), "2026.11.1", 3, (back,)
        )
        assert store.apply([change]).applied == (("cdiscount", "OLD-1"),)
        assert [e.deviation for e in store.events("cdiscount", "OLD-1")] == [False] * 3 + [True]
    with sa.create_engine(sqlalchemy_url(v3_url)).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT version, description FROM schema_version ORDER BY version")
        ).all()
    assert rows == [
        (1, "v1"),
        (2, "v2"),
        (3, "v3"),
        (4, V4_STEP),
        (5, V5_STEP),
        (6, V6_STEP),
        (7, V7_STEP),
    ]


def test_a_failed_v4_upgrade_leaves_version_3_whole(
    v3_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = migrations.STEPS[2]

    def broken(connection: sa.Connection) -> None:
        real.run(connection)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrations, "STEPS", (*migrations.STEPS[:2], Step(4, "broken", broken)))
    with pytest.raises(RuntimeError, match="disk on fire"):
        open_store(v3_url)
    assert ("deviation", False) not in _layout(v3_url)["events"][0]
    with sa.create_engine(sqlalchemy_url(v3_url)).connect() as connection:
        versions = connection.execute(sa.text("SELECT version FROM schema_version"))
        assert versions.scalars().all() == [1, 2, 3]


@pytest.fixture
def v4_url(store_url: str) -> str:
    write_v4_store(sa.create_engine(sqlalchemy_url(store_url)), T0)
    return store_url


def test_a_v4_store_keeps_each_quarantined_input_once_and_records_set_aside_orders(
    v4_url: str,
) -> None:
    with open_store(v4_url) as store:
        assert store.schema_version() == SCHEMA_VERSION == 7
        kept = store.quarantined()
        # BAD-1 was quarantined by both runs: the first copy stays.
        assert [(e.id, e.order_id, e.fetch_run, e.raw) for e in kept] == [
            (1, "BAD-1", 1, UNREADABLE),
            (2, "BAD-2", 1, OTHER),
        ]
        again = QuarantineEntry("packages is not a list", UNREADABLE, at(60), "cdiscount", "BAD-1")
        assert store.quarantine([again]) == 0
        assert len(store.quarantined()) == 2
        assert store.set_aside() == []
        run = store.fetch_runs()[-1].id
        aside = SetAside(run, "cdiscount", "OLD-1", SetAsideReason.UNCHANGED, T0, at(60), T0)
        store.record_set_aside([aside])
        assert store.set_aside(run_id=run) == [aside]
    with sa.create_engine(sqlalchemy_url(v4_url)).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT version, description FROM schema_version ORDER BY version")
        ).all()
    assert rows[-4:] == [(4, "v4"), (5, V5_STEP), (6, V6_STEP), (7, V7_STEP)]


def test_a_failed_v5_upgrade_leaves_version_4_whole(
    v4_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = migrations.STEPS[3]

    def broken(connection: sa.Connection) -> None:
        real.run(connection)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrations, "STEPS", (*migrations.STEPS[:3], Step(5, "broken", broken)))
    with pytest.raises(RuntimeError, match="disk on fire"):
        open_store(v4_url)
    layout = _layout(v4_url)
    assert "set_aside" not in layout
    assert ("digest", False) not in layout["quarantine"][0]
    with sa.create_engine(sqlalchemy_url(v4_url)).connect() as connection:
        versions = connection.execute(sa.text("SELECT version FROM schema_version"))
        assert versions.scalars().all() == [1, 2, 3, 4]
        count = connection.execute(sa.text("SELECT count(*) FROM quarantine")).scalar_one()
        assert count == 3
