"""A new store is created at the current version; a store we cannot read is refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.store import SCHEMA_VERSION, SchemaTooNew, SchemaUnknown, StoreError, open_store
from engine.store.database import store_url as sqlalchemy_url
from engine.store.tables import TABLES
from tests.store.changes import new_order


def raw_engine(url: str) -> sa.Engine:
    return sa.create_engine(sqlalchemy_url(url))


def test_a_new_store_is_at_the_current_version_with_every_table(store_url: str) -> None:
    with open_store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION == 7
    tables = set(sa.inspect(raw_engine(store_url)).get_table_names())
    assert tables == {
        "schema_version",
        "orders",
        "events",
        "anomalies",
        "quarantine",
        "fetch_runs",
        "watermarks",
        "outbox",
        "set_aside",
        "lines",
        "field_changes",
        "leases",
        "rule_versions",
    }
    assert set(TABLES) == tables


def test_reopening_keeps_the_data_and_records_no_new_version(store_url: str) -> None:
    with open_store(store_url) as store:
        store.apply([new_order("A1")])
    with open_store(store_url) as store:
        assert store.count_orders() == 1
    with raw_engine(store_url).connect() as connection:
        rows = connection.execute(sa.text("SELECT version, description FROM schema_version"))
        assert rows.all() == [(SCHEMA_VERSION, "created")]


def test_a_newer_schema_is_refused_and_left_untouched(store_url: str) -> None:
    open_store(store_url).close()
    engine = raw_engine(store_url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO schema_version (version, applied_at, description) "
                "VALUES (8, '2030-01-01 00:00:00', 'from the future')"
            )
        )
    with pytest.raises(SchemaTooNew) as caught:
        open_store(store_url)
    message = str(caught.value)
    known = f"has schema version 8, but this orderflow knows versions up to {SCHEMA_VERSION}"
    assert known in message
    assert "upgrade orderflow to open it (it was not changed)" in message
    assert (caught.value.found, caught.value.known) == (8, SCHEMA_VERSION)
    with engine.connect() as connection:
        versions = connection.execute(sa.text("SELECT version FROM schema_version ORDER BY 1"))
        assert versions.scalars().all() == [SCHEMA_VERSION, 8]


def test_tables_without_a_version_are_refused(store_url: str) -> None:
    with raw_engine(store_url).begin() as connection:
        connection.execute(sa.text("CREATE TABLE orders (order_id TEXT)"))
    with pytest.raises(SchemaUnknown, match=r"has orderflow tables \(orders\) but no schema_"):
        open_store(store_url)


def test_other_tables_are_left_alone(store_url: str) -> None:
    with raw_engine(store_url).begin() as connection:
        connection.execute(sa.text("CREATE TABLE customers (id INTEGER)"))
    with open_store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
    assert "customers" in sa.inspect(raw_engine(store_url)).get_table_names()


def test_sqlite_store_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    open_store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_sqlite_store_caches_its_indexes_and_checkpoints_every_10000_pages(
    tmp_path: Path,
) -> None:
    # Per connection: what the store's own connections run with (a fresh one has SQLite's
    # defaults, -2000 and 1000).
    with open_store(f"sqlite:///{tmp_path / 'tuned.db'}") as store, store.transaction() as tx:
        connection = tx._connection
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -32768
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10000
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"the folder .*nowhere does not exist"):
        open_store(f"sqlite:///{tmp_path / 'nowhere' / 'store.db'}")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "cannot read the store URL 'not a url': expected sqlite:///path.db"),
        ("mysql://localhost/db", "names 'mysql'; the store runs on sqlite or postgresql"),
    ],
)
def test_unusable_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(url)
    assert message in str(caught.value)


def test_postgresql_urls_use_psycopg_3() -> None:
    assert sqlalchemy_url("postgresql://u@h:5/db").drivername == "postgresql+psycopg"
    assert sqlalchemy_url("postgres://u@h:5/db").drivername == "postgresql+psycopg"


def test_an_unreachable_server_is_a_store_error_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://someone:secret@127.0.0.1:1/nothing?connect_timeout=2")
    assert str(caught.value).startswith("cannot open the store postgresql+psycopg://someone:***@")
    assert "secret" not in str(caught.value)
