"""One SQLAlchemy engine for either database, set up the way the store relies on.

A store URL is `sqlite:///path.db` (the default: one file, no server) or `postgresql://...`
(rewritten to the psycopg 3 driver). SQLite gets WAL (readers never block the writer), foreign
keys, a busy timeout for concurrent processes, a page cache that holds the key indexes, and
transactions the store opens itself: the Python driver's own transaction handling is switched off
so `BEGIN IMMEDIATE` takes the write lock up front, instead of failing later when a read
transaction tries to write.

A transaction the database cannot carry out now (the server went away, the connection dropped,
SQLite's lock was not had within the busy timeout) raises `StoreUnavailable`, a `StoreError`
naming the store and the reason: the transaction was rolled back, and the callers that must
never stop (the sync) report it as a result and try again on their next run.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError
from sqlalchemy.pool import StaticPool

from engine.store.columns import dump_json
from engine.store.errors import StoreError, StoreUnavailable

_WRITE = "orderflow_write"
BUSY_TIMEOUT_MS = 30_000
# SQLite's page cache per connection, in KiB (its default is 2 MiB), and the WAL pages between
# checkpoints (its default is 1,000, 4 MiB): see `_setup`.
CACHE_KIB = 32 * 1024
WAL_AUTOCHECKPOINT = 10_000
# psycopg is an extra: SQLAlchemy imports it when it creates a PostgreSQL engine.
POSTGRES_DRIVER_MISSING = "PostgreSQL needs the driver psycopg: pip install 'orderflow[postgres]'"


# The password of `scheme://user:password@host`, for a URL too broken for SQLAlchemy to parse.
_PASSWORD = re.compile(r"(//[^/@:]*:)[^@/]*@")


def shown_url(url: str) -> str:
    """`url` safe to print: any password replaced by `***`, parsed or not."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _PASSWORD.sub(r"\1***@", url)


def store_url(url: str) -> URL:
    """The SQLAlchemy URL of a store URL; `postgresql://` means the psycopg 3 driver."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"cannot read the store URL {shown_url(url)!r}: expected sqlite:///path.db or "
            "postgresql://user@host:port/database"
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(
            f"the store URL {shown_url(url)!r} names {backend!r}; "
            "the store runs on sqlite or postgresql"
        )
    return parsed


def _sqlite_engine(url: URL) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    if not in_memory:
        folder = Path(str(url.database)).expanduser().resolve().parent
        if not folder.is_dir():
            raise StoreError(f"cannot create the store {url}: the folder {folder} does not exist")
    options: dict[str, Any] = {"json_serializer": dump_json}
    if in_memory:
        # One connection shared, or every connection would see its own empty database.
        options.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _setup(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not in_memory:
            _wal(cursor)
            # In WAL mode NORMAL never corrupts and never loses a commit to a killed process;
            # only a power cut may roll back the last commits, watermark included, which the
            # next fetch then repeats.
            cursor.execute("PRAGMA synchronous = NORMAL")
            # Order ids arrive in no key order, so each page's inserts land on pages all over
            # the key indexes (orders, events, lines): the cache keeps those in memory, and a
            # checkpoint every WAL_AUTOCHECKPOINT pages (instead of SQLite's 1,000, every page or
            # two) copies an index page rewritten by many commits once. Neither changes what a
            # commit guarantees; together they cut a page's I/O by a quarter (writes) and by
            # three quarters (reads) on a 100,000-order store.
            cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def create_store_engine(url: str) -> Engine:
    parsed = store_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    try:
        return create_engine(parsed, json_serializer=dump_json, pool_pre_ping=True)
    except ImportError as exc:
        raise StoreError(f"{POSTGRES_DRIVER_MISSING} ({exc})") from exc


@contextmanager
def unavailable_as_store_error(engine: Engine) -> Iterator[None]:
    """The database's 'not now' (`OperationalError`, `InterfaceError`) as `StoreUnavailable`."""
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        shown = engine.url.render_as_string(hide_password=True)
        detail = exc.orig if exc.orig is not None else exc
        reason = str(detail).strip().splitlines()[0] if str(detail).strip() else type(exc).__name__
        raise StoreUnavailable(
            f"the store {shown} could not be used ({reason}); the transaction was rolled back"
        ) from exc


def _wal(cursor: Any) -> None:
    """The file in WAL mode. Several connections opening a new file at once all ask for it, and
    SQLite refuses the switch to whichever finds another mid-way ("database is locked", its busy
    handler not asked): that one reads the mode once the other is done (a read waits its busy
    timeout), and goes on if it is WAL already."""
    try:
        cursor.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError:
        (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
        if str(mode).lower() != "wal":
            raise


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction: committed when the block ends, rolled back when it raises."""
    with unavailable_as_store_error(engine), engine.connect() as connection:
        connection.execution_options(**{_WRITE: True})
        with connection.begin():
            yield connection


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read transaction: one consistent view of the store."""
    with unavailable_as_store_error(engine), engine.connect() as connection, connection.begin():
        yield connection
