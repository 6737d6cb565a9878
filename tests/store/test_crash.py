"""A writer killed with SIGKILL at random points leaves whole batches only, and resumes.

The writer (`crash_writer`) runs in a subprocess. Some kills land inside an open transaction
(the writer waits there for the test), others just after a commit, while the next batch is on
its way. After each kill the store must open, hold exactly the batches its watermark says, each
whole, and a new run must carry on to the same store an uninterrupted run makes.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
from sqlalchemy.engine import make_url

from engine.store import SCHEMA_VERSION, open_store
from tests.store.changes import MP, at
from tests.store.crash_writer import SHIPMENT, WATERMARK, batch_time, order_ids

REPO = Path(__file__).resolve().parents[2]
BATCHES = 8
SIZE = 30
WAITING = "WaitingForSellerAcceptation"


def start_writer(url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.crash_writer", url, str(BATCHES), str(SIZE)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_until(writer: subprocess.Popen[str], stop: str | None) -> list[str]:
    """Feed the writer until it prints `stop` (then kill it) or finishes; the lines it printed."""
    assert writer.stdin is not None and writer.stdout is not None
    lines: list[str] = []
    for line in writer.stdout:
        lines.append(line.strip())
        if lines[-1] == stop:
            writer.send_signal(signal.SIGKILL)
            break
        if lines[-1].startswith("half"):
            writer.stdin.write("go\n")
            writer.stdin.flush()
    writer.wait()
    if stop is None or lines[-1] != stop:
        assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    return lines


def committed_batches(url: str) -> int:
    """How many batches the store holds, after checking each is whole and nothing else is."""
    with open_store(url) as store:
        mark = store.watermark(WATERMARK)
        count = (
            0 if mark is None else 1 + next(b for b in range(BATCHES) if at(batch_time(b)) == mark)
        )
        keys = [(MP, o) for b in range(BATCHES) for o in order_ids(b, SIZE)]
        orders = store.get_orders(keys)
        assert len(orders) == count * SIZE
        for batch in range(count):
            last = batch == count - 1
            for order_id in order_ids(batch, SIZE):
                state = orders[(MP, order_id)]
                assert (state.status, state.seq) == ((WAITING, 1) if last else (SHIPMENT, 2))
        frame = store.events_frame()
        assert len(frame) == count * SIZE + max(count - 1, 0) * SIZE
        assert not frame.duplicated(["marketplace", "order_id", "seq"]).any()
    return count


def check_sqlite_integrity(url: str) -> None:
    database = make_url(url).database
    assert database is not None and Path(database).is_file(), url
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_killed_writers_leave_whole_batches_and_a_restart_finishes(store_url: str) -> None:
    rng = np.random.default_rng(20260302)
    done = 0
    for _kill in range(3):
        target = done + int(rng.integers(0, 2))
        where = "half" if rng.random() < 0.5 else "done"
        lines = run_until(start_writer(store_url), f"{where} {target}")
        assert lines[-1] == f"{where} {target}"
        if store_url.startswith("sqlite"):
            check_sqlite_integrity(store_url)
        now = committed_batches(store_url)
        assert now == (target if where == "half" else target + 1)
        done = now
    lines = run_until(start_writer(store_url), None)
    assert lines[0] == f"half {done}" and lines[-1] == "finished"
    assert committed_batches(store_url) == BATCHES


def test_a_kill_inside_the_first_batch_leaves_an_empty_store(store_url: str) -> None:
    run_until(start_writer(store_url), "half 0")
    assert committed_batches(store_url) == 0
    with open_store(store_url) as store:
        assert (store.schema_version(), store.count_orders(), store.fetch_runs()) == (
            SCHEMA_VERSION,
            0,
            [],
        )
