"""The accounts' syncs as jobs that N workers share, on procrastinate, in the store's database.

One process syncs its accounts in turn (`orderflow sync --watch`, the default, on SQLite too).
Beyond one process the sync runs on an existing job queue rather than a loop of our own:
procrastinate, whose queue is a few tables and functions in a PostgreSQL database. We put them
in the store's own database, so N workers need nothing the store does not already need: no
broker (RabbitMQ, Redis) to run, secure and back up beside it, and a job is as durable as the
orders it syncs. What the sync needs of a queue, procrastinate does in the database, for every
worker at once: a `lock` per account (one job of an account runs at a time), a `queueing_lock`
per account (at most one more waits: a second defer is dropped), periodic tasks deferred once a
tick whichever workers are up, and workers whose heartbeat stopped told apart from live ones.

The tasks:

- `SYNC_ACCOUNT` (`account_key`): one pass of one account (`run_account_once`: its due windows,
  timers and outbox), its settings read afresh from the config file, so a changed credential
  needs no restart. An error is a result: printed, tallied, the job done; the next tick retries.
- `SYNC_EVERY_ACCOUNT`, periodic, every minute: releases the jobs of workers that died (their
  lock would hold the account forever), then defers `SYNC_ACCOUNT` for every account of the
  config file. An account whose job still waits is dropped by its queueing lock; one with
  nothing due returns at once (`engine.sync.scheduler` says when a window is due).

The window leases (`window_lease`) still hold under the queue: were two jobs of an account ever
to overlap, each window would be walked once. `apply_queue_schema` creates procrastinate's
tables when they are missing, under an advisory lock, so workers starting together create them
once; a procrastinate upgrade that changes them comes with its migrations, applied by hand.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import procrastinate
import psycopg
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Status
from procrastinate.schema import SchemaManager

from engine.channels.config import AccountSettings, load_accounts
from engine.model.clock import Clock
from engine.model.errors import OrderflowError
from engine.store import Store
from engine.sync.accounts import SyncOptions, run_account_once
from engine.sync.outbox_sender import OutboxReport
from engine.sync.sync_report import SyncReport

SYNC_ACCOUNT = "orderflow.sync_account"
SYNC_EVERY_ACCOUNT = "orderflow.sync_every_account"
EVERY_MINUTE = "* * * * *"
# The advisory lock workers take to create the queue's tables: any number, the same for all.
SCHEMA_LOCK = 0x6F726466  # "ordf"
# A worker whose heartbeat (every 10 s) stopped this long ago is dead: its jobs are released.
STALLED_AFTER_SECONDS = 30.0
# How often a worker run `until_idle` looks again at a sync waiting on another worker's lock.
IDLE_RECHECK_SECONDS = 0.5
_POSTGRES = ("postgresql", "postgres")


class QueueNeedsPostgres(OrderflowError):
    """The store is not on PostgreSQL, where the job queue lives."""


def queue_url(store_url: str) -> str:
    """The psycopg URL of a PostgreSQL store URL (`postgresql+psycopg://` loses its driver)."""
    scheme, found, rest = store_url.partition("://")
    if not found or scheme.split("+")[0] not in _POSTGRES:
        raise QueueNeedsPostgres(
            f"the job queue lives in the store's PostgreSQL database; "
            f"'{scheme or store_url}' is no PostgreSQL URL"
        )
    return f"postgresql://{rest}"


def account_lock(key: str) -> str:
    """The lock and queueing lock of an account's sync jobs."""
    return f"{SYNC_ACCOUNT}:{key}"


def apply_queue_schema(url: str) -> bool:
    """Create the queue's tables in the database of `url` unless there; whether it did."""
    with psycopg.connect(url) as connection:  # one transaction, committed at the end
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        found = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if found is not None and found[0] is not None:
            return False
        connection.execute(SchemaManager.get_schema())
        return True


@dataclass
class SyncJobs:
    """What a worker's sync jobs run on, and a tally of how they went (jobs run in threads)."""

    store: Store
    clock: Clock
    config: Path | None
    options: SyncOptions
    say: Callable[[str], None] = print
    ran: int = 0
    idle: int = 0  # passes with nothing due: not said, a worker passes by every minute
    failed: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def accounts(self) -> tuple[AccountSettings, ...]:
        """The accounts of the config file as it is now; raises `SettingsInvalid`."""
        return load_accounts(self.config)

    def sync(self, key: str) -> str:
        """One pass of the account `key`; its summary line, also said."""
        try:
            account = {a.key: a for a in self.accounts()}.get(key)
            if account is None:
                return self._said(f"account {key} is no longer in the settings: not synced", False)
            report = run_account_once(account, self.store, self.clock, self.options)
        except OrderflowError as exc:  # the settings, a rule file or the store: say which
            return self._said(f"account {key}: FAILED: {exc}", True)
        line = f"{account.name}: {report.summary()}"
        failed = bool(report.failed or report.outbox.problems)
        return self._said(line, failed, quiet=not failed and idle(report))

    def _said(self, line: str, failed: bool, quiet: bool = False) -> str:
        with self._lock:
            self.ran += 1
            self.idle += quiet
            self.failed += failed
        text = f"{self.clock.now():%Y-%m-%d %H:%M:%S} {line}"
        if not quiet:
            self.say(text)
        return text


def idle(report: SyncReport) -> bool:
    """Whether a pass found nothing to do: no window due, no timer, nothing in the outbox."""
    busy = report.windows or report.timer_events or report.skipped  # notes: every pass has them
    return not busy and not report.failed and report.outbox == OutboxReport()


def build_queue(
    url: str, jobs: SyncJobs, *, periodic: bool = True, pool: int = 4
) -> procrastinate.App:
    """The job queue on the PostgreSQL database of `url` (a `queue_url`), its tasks running on
    `jobs`; `periodic`: with the every-minute task (a worker that runs until stopped)."""
    connector = procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=pool)
    app = procrastinate.App(connector=connector)

    def sync_account(account_key: str) -> str:
        return jobs.sync(account_key)

    async def sync_every_account(timestamp: int) -> int:
        await release_stalled(app, jobs.say)
        try:
            keys = [account.key for account in jobs.accounts()]
        except OrderflowError as exc:  # the config file broke since: said each minute until fixed
            jobs.say(f"no account deferred: {exc}")
            return 0
        return len(await defer_syncs(app, keys))

    app.task(name=SYNC_ACCOUNT)(sync_account)
    every = app.task(name=SYNC_EVERY_ACCOUNT, queueing_lock=SYNC_EVERY_ACCOUNT)(sync_every_account)
    if periodic:
        app.periodic(cron=EVERY_MINUTE)(every)
    return app


async def defer_syncs(app: procrastinate.App, keys: Sequence[str]) -> list[str]:
    """Defer a sync of each account of `keys` unless one waits already; the keys deferred."""
    task = app.tasks[SYNC_ACCOUNT]
    deferred = []
    for key in keys:
        lock = account_lock(key)
        try:
            await task.configure(lock=lock, queueing_lock=lock).defer_async(account_key=key)
        except AlreadyEnqueued:
            continue
        deferred.append(key)
    return deferred


async def release_stalled(app: procrastinate.App, say: Callable[[str], None]) -> int:
    """End, as failed, the jobs of workers that died running them, so their locks free."""
    stalled = list(
        await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS)
    )
    for job in stalled:
        await app.job_manager.finish_job(job, Status.FAILED, delete_job=False)
        what = ", ".join(f"{k} {v}" for k, v in job.task_kwargs.items())
        say(f"job {job.id} ({job.task_name}, {what}) released: its worker died running it")
    return len(stalled)


def work(
    app: procrastinate.App, jobs: SyncJobs, *, concurrency: int = 1, until_idle: bool = False
) -> None:
    """Run a worker on the queue: until stopped (Ctrl-C, SIGTERM), or with `until_idle`, first
    deferring a sync of every account, until no job is left that it may run."""

    async def run() -> None:
        async with app.open_async():
            if until_idle:
                await release_stalled(app, jobs.say)
                await defer_syncs(app, [account.key for account in jobs.accounts()])
            while True:
                await app.run_worker_async(
                    name=f"orderflow-{socket.gethostname()}-{os.getpid()}",
                    concurrency=concurrency,
                    wait=not until_idle,
                    delete_jobs="successful",
                    stalled_worker_timeout=STALLED_AFTER_SECONDS,
                )
                # A worker that does not wait stops at the first fetch finding no job it may run,
                # and a job waiting on its account's lock (another worker runs that account now)
                # is one it may not run yet: it is only idle once no sync waits at all.
                if not until_idle or not await _waiting(app):
                    break
                await asyncio.sleep(IDLE_RECHECK_SECONDS)

    asyncio.run(run())


async def _waiting(app: procrastinate.App) -> bool:
    """Whether a sync of some account waits in the queue, to run once its lock is free."""
    waiting = await app.job_manager.list_jobs_async(task=SYNC_ACCOUNT, status=Status.TODO.value)
    return any(True for _ in waiting)
