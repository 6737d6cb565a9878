"""`orderflow worker` processes sharing a PostgreSQL store's accounts through the job queue.

Each account is its own twin (its own account id and seed, so the order ids differ), answering
50 ms late so that jobs overlap. Workers run `--until-idle`: each defers a sync of every
account (a second defer of a waiting account is dropped), then runs jobs until none is left.
Every process exits 0 with nothing on stderr; every order page is served once; the store holds
every twin's orders at their statuses, none and no event twice (plain SQL); no job is left.
The periodic task is run by hand (a worker runs it on the minute); a worker killed mid-job has
its job released by the next worker, which syncs the account once the window lease lapsed.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from bench.sync_workers_bench import Accounts
from bench.sync_workers_bench import accounts as bench_accounts
from cli.main import main
from engine.model.clock import SystemClock
from engine.rulefile.loader import load_rules
from engine.store import open_store
from engine.sync.accounts import SyncOptions
from engine.sync.job_queue import (
    EVERY_MINUTE,
    SYNC_ACCOUNT,
    SYNC_EVERY_ACCOUNT,
    SyncJobs,
    account_lock,
    apply_queue_schema,
    build_queue,
    defer_syncs,
    queue_url,
)
from simulator.twin.api import TwinReply, TwinRequest
from tests.sync.support import RULES, duplicate_events, wait_for_lapse

ROOT = Path(__file__).resolve().parents[2]
ORDERS = 40


@contextmanager
def accounts(count: int, folder: Path, latency_ms: float = 50.0) -> Iterator[Accounts]:
    """`count` accounts, each its own twin serving `ORDERS` orders, as the bench builds them."""
    with bench_accounts(ORDERS, folder, count, latency_ms, first_seed=21) as built:
        yield built


def start(url: str, config: Path, *options: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "cli", "worker", "--db", url, "--rules", str(RULES)]
    return subprocess.Popen(
        [*command, "--config", str(config), "--until-idle", *options],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def rows(url: str, sql: str) -> list[tuple[object, ...]]:
    """Plain SQL on the store's database (the URL's search path included)."""
    with psycopg.connect(queue_url(url)) as connection:
        return [tuple(row) for row in connection.execute(sql).fetchall()]


def execute(url: str, sql: str) -> None:
    with psycopg.connect(queue_url(url)) as connection:
        connection.execute(sql)


def assert_the_store_holds_the_truth(url: str, twins: Accounts) -> None:
    statuses = rows(url, "SELECT marketplace, order_id, status FROM orders")
    assert {(m, o): s for m, o, s in statuses} == twins.truth()
    assert len(statuses) == ORDERS * len(twins.twins)
    assert (
        rows(url, "SELECT marketplace, order_id FROM orders GROUP BY 1, 2 HAVING count(*) > 1")
        == []
    )
    assert duplicate_events(url) == []


def sweeps(outputs: list[str], name: str) -> list[str]:
    """The summary lines of `name` that walked windows."""
    found = re.compile(rf"^\S+ \S+ {name}: (\d+) window\(s\).*$", re.MULTILINE)
    return [m.group(0) for out in outputs for m in found.finditer(out) if m.group(1) != "0"]


@pytest.mark.parametrize(
    ("workers", "concurrency", "count"),
    [(2, 1, 2), (4, 1, 4), (2, 2, 3)],
    ids=["2-workers-2-accounts", "4-workers-4-accounts", "2-workers-x2-3-accounts"],
)
def test_workers_share_the_accounts_and_fetch_each_page_once(
    workers: int, concurrency: int, count: int, pg_schema_url: str, tmp_path: Path
) -> None:
    with accounts(count, tmp_path) as twins:
        started = [
            start(pg_schema_url, twins.config, "--concurrency", str(concurrency))
            for _ in range(workers)
        ]
        done = [p.communicate(timeout=300) for p in started]
        assert [p.returncode for p in started] == [0] * workers
        assert [err for _, err in done] == [""] * workers  # no traceback, no warning
        outputs = [out for out, _ in done]
        stopped = re.compile(
            r"^worker stopped: (\d+) sync\(s\) \((\d+) with nothing due\), 0 failed$", re.M
        )
        tallies = []
        for out in outputs:
            assert out.startswith(f"worker: {count} account(s) (account 1, account 2")
            assert "FAILED" not in out
            tallies.extend(stopped.findall(out))
        # Each account swept once, by one of the workers; any later pass found nothing due.
        assert len(tallies) == workers
        assert sum(int(ran) - int(idle) for ran, idle in tallies) == count
        for number in range(1, count + 1):
            (line,) = sweeps(outputs, f"account {number}")
            assert ": 5 window(s): sweep" in line and f"{ORDERS} order(s): {ORDERS} changed" in line
        pages = [log.pages() for log in twins.logs]
        assert [len(set(p)) == len(p) > 0 for p in pages] == [True] * count
        assert [log.repeated_pages() for log in twins.logs] == [0] * count
        assert_the_store_holds_the_truth(pg_schema_url, twins)
    assert rows(pg_schema_url, "SELECT status FROM procrastinate_jobs") == []  # all done


def sync_jobs(url: str, config: Path) -> SyncJobs:
    store = open_store(url)
    options = SyncOptions(default_rules=[load_rules(RULES)])
    return SyncJobs(store, SystemClock(), config, options, say=lambda line: None)


def test_the_periodic_task_defers_one_sync_per_account_and_a_second_is_dropped(
    pg_schema_url: str, tmp_path: Path
) -> None:
    with accounts(3, tmp_path) as twins:
        url = queue_url(pg_schema_url)
        assert apply_queue_schema(url) is True
        assert apply_queue_schema(url) is False  # already there: left alone
        jobs = sync_jobs(pg_schema_url, twins.config)
        app = build_queue(url, jobs)
        (periodic,) = app.periodic_registry.periodic_tasks.values()
        assert (periodic.task.name, periodic.cron) == (SYNC_EVERY_ACCOUNT, EVERY_MINUTE)

        async def tick_twice() -> tuple[int, int, list[str]]:
            async with app.open_async():
                first = await app.tasks[SYNC_EVERY_ACCOUNT](timestamp=0)
                second = await app.tasks[SYNC_EVERY_ACCOUNT](timestamp=60)
                again = await defer_syncs(app, ["1", "2", "3", "4"])
                return first, second, again

        with jobs.store:
            assert asyncio.run(tick_twice()) == (3, 0, ["4"])
        assert [log.served for log in twins.logs] == [[], [], []]  # deferring fetches nothing
    found = rows(
        pg_schema_url,
        "SELECT task_name, args->>'account_key', lock, queueing_lock, status::text "
        "FROM procrastinate_jobs ORDER BY id",
    )
    assert found == [
        (SYNC_ACCOUNT, key, account_lock(key), account_lock(key), "todo")
        for key in ("1", "2", "3", "4")
    ]
    assert account_lock("2") == "orderflow.sync_account:2"


def test_a_worker_on_sqlite_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["worker", "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    assert (result.exit_code, result.output) == (
        1,
        "Error: orderflow worker needs a PostgreSQL store, where its job queue lives, not "
        "sqlite: on SQLite, run `orderflow sync --watch` instead\n",
    )
    assert not (tmp_path / "x.db").exists()


class Hold:
    """Holds the twin at its first order page (the sync has its lease) until `opened`."""

    def __init__(self) -> None:
        self.reached, self.opened = threading.Event(), threading.Event()

    def __call__(self, request: TwinRequest, reply: TwinReply) -> None:
        if request.path.rstrip("/") == "/v3.0/orders" and not self.reached.is_set():
            self.reached.set()
            assert self.opened.wait(timeout=120)


def test_the_job_of_a_killed_worker_is_released_and_the_account_synced_once_the_lease_lapsed(
    pg_schema_url: str, tmp_path: Path
) -> None:
    with accounts(1, tmp_path, latency_ms=0.0) as twins:
        hold = Hold()
        twins.twins[0].service.listen(hold)
        first = start(pg_schema_url, twins.config, "--lease", "1s")
        try:
            assert hold.reached.wait(timeout=120)
            first.send_signal(signal.SIGKILL)
            assert first.wait(timeout=60) == -signal.SIGKILL
        finally:
            hold.opened.set()
        assert rows(pg_schema_url, "SELECT status::text FROM procrastinate_jobs") == [("doing",)]
        # Its heartbeat stops: a minute later the others count it dead.
        execute(
            pg_schema_url,
            "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '1 minute'",
        )
        wait_for_lapse(pg_schema_url)
        second = start(pg_schema_url, twins.config, "--lease", "1s")
        out, err = second.communicate(timeout=300)
        assert (second.returncode, err) == (0, "")
        assert re.search(
            r"^job \d+ \(orderflow.sync_account, account_key 1\) released: its worker died "
            r"running it$",
            out,
            re.MULTILINE,
        ), out
        assert len(sweeps([out], "account 1")) == 1
        assert (
            "FAILED" not in out
            and "worker stopped: 1 sync(s) (0 with nothing due), 0 failed" in out
        )
        assert_the_store_holds_the_truth(pg_schema_url, twins)
    assert rows(pg_schema_url, "SELECT status::text FROM procrastinate_jobs") == [("failed",)]


def test_a_worker_left_running_syncs_every_account_on_the_minute_and_stops_on_sigterm(
    pg_schema_url: str, tmp_path: Path
) -> None:
    with accounts(2, tmp_path) as twins:
        command = [sys.executable, "-m", "cli", "worker", "--db", pg_schema_url]
        worker = subprocess.Popen(
            [*command, "--rules", str(RULES), "--config", str(twins.config)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # The minute's tick is deferred when the worker starts, and defers both accounts.
            for _ in range(1200):
                if worker.poll() is None and len(sweeps_done(pg_schema_url)) == 2:
                    break
                threading.Event().wait(0.1)
            assert sweeps_done(pg_schema_url) == ["1", "2"]
        finally:
            worker.send_signal(signal.SIGTERM)
            out, err = worker.communicate(timeout=120)
        assert (worker.returncode, err) == (0, "")
        assert out.startswith(
            "worker: 2 account(s) (account 1, account 2), 1 at once, until stopped"
        )
        assert [len(sweeps([out], f"account {n}")) for n in (1, 2)] == [1, 1]
        assert out.endswith(" failed\n") and ", 0 failed" in out.splitlines()[-1]
        assert [log.repeated_pages() for log in twins.logs] == [0, 0]
        assert_the_store_holds_the_truth(pg_schema_url, twins)


def sweeps_done(url: str) -> list[str]:
    """The accounts whose five sweep windows are all done."""
    try:
        found = rows(
            url,
            "SELECT account FROM fetch_runs WHERE status = 'ok' GROUP BY 1 HAVING count(*) = 5 "
            "ORDER BY 1",
        )
    except psycopg.errors.UndefinedTable:  # the worker has not opened the store yet
        return []
    return [str(account) for (account,) in found]


def test_a_worker_whose_server_is_unreachable_says_so_in_one_line(tmp_path: Path) -> None:
    url = "postgresql://nobody@127.0.0.1:1/orderflow"
    result = CliRunner().invoke(main, ["worker", "--db", url])
    assert result.exit_code == 1
    (line,) = result.output.splitlines()
    assert line.startswith("Error: cannot open the store postgresql+psycopg://nobody@127.0.0.1:1/")
