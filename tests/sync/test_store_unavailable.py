"""A store that cannot be used now (SQLite locked past its busy timeout; a server gone) is a
result of the run, never a traceback: the window fails, the outbox stops, both say why."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import engine.store.database as database
from engine.store import NewAction, OutboxState, StoreError, open_store
from simulator.twin.server import Twin
from tests.sync.support import ManualClock, syncer


def test_a_locked_store_fails_the_window_and_the_outbox_with_the_reason(
    twin: Twin, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 20)  # wait 20 ms for the lock, not 30 s
    path = tmp_path / "locked.db"
    with open_store(f"sqlite:///{path}") as store:
        store.enqueue(
            NewAction("cdiscount", "TW003-000001", "accept", "accept", {}, None, clock.now())
        )
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            report = syncer(twin, store, clock).run_once()
        finally:
            other.execute("ROLLBACK")
            other.close()
        shown = f"sqlite:///{path}"
        assert report.failed == (
            f"the store {shown} could not be used (database is locked); the transaction was "
            "rolled back"
        )
        assert report.outbox.problems == [
            f"the outbox stopped: the store {shown} could not be used (database is locked); "
            "the transaction was rolled back"
        ]
        (item,) = store.outbox()
        assert item.state is OutboxState.PENDING and item.attempts == 0
        # The lock gone, the next run does it all.
        again = syncer(twin, store, clock).run_once()
        assert again.failed is None and again.outbox.problems == []
        assert store.count_orders() > 0


def test_a_server_that_is_gone_is_one_line_naming_the_store() -> None:
    with pytest.raises(StoreError) as raised:
        open_store("postgresql://nobody@127.0.0.1:9/none")
    text = str(raised.value)
    assert text.startswith("cannot open the store postgresql+psycopg://nobody@127.0.0.1:9/none: ")
    assert "\n" not in text
