"""`orderflow worker`: one of N processes sharing the accounts' syncs through the job queue.

A thin wrapper over `engine.sync.job_queue` (procrastinate, in the store's PostgreSQL database):
it opens the store, creates the queue's tables if missing, and runs a worker, which prints the
summary line of each account's pass as `orderflow sync` does. Start it N times (on one machine
or several) or with `--concurrency N`; on SQLite, `orderflow sync --watch` is the one process.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.options import rule_sets, rules_option, sync_options
from engine.store import StoreError

# The store (SQLAlchemy), the queue (procrastinate, psycopg) and the Lengow client (httpx) load
# inside the command, so that every other command, `--help` included, starts without them.
if TYPE_CHECKING:
    from engine.channels.config import AccountSettings
    from engine.sync.accounts import SyncOptions
    from engine.sync.job_queue import SyncJobs


@click.command()
@click.option(
    "--db",
    "db",
    required=True,
    help="The store's PostgreSQL URL (the job queue lives in its database), e.g. "
    "postgresql://orderflow@db.example:5432/orderflow.",
)
@rules_option()
@sync_options
@click.option(
    "--concurrency",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Jobs (accounts) this worker runs at once, each in a thread.",
)
@click.option(
    "--until-idle",
    is_flag=True,
    help="Defer a sync of every account, run the queue until no job is left, then exit "
    "(1 if a sync failed): a one-shot run, for scripts, tests and benchmarks.",
)
def worker(
    db: str,
    rule_paths: tuple[Path, ...],
    config: Path | None,
    options: SyncOptions,
    concurrency: int,
    until_idle: bool,
) -> None:
    """Run the accounts' syncs as jobs of the queue in the store's PostgreSQL database.

    Every minute one worker defers a sync of every account of the settings; the job of an
    account runs on one worker at a time, and at most one more waits (procrastinate's locks,
    held in the database), so N workers share the accounts without fetching a page twice.
    Each pass is `orderflow sync --once` for one account. Stop a worker with Ctrl-C or
    SIGTERM: it finishes its running jobs first. A worker that dies mid-job is noticed by the
    others within a minute; its window lease lapses after --lease.

    \b
    Start N workers on one store, on as many machines as you like:
      orderflow worker --db postgresql://orderflow@db:5432/orderflow --config accounts.toml
    (run it N times), or one process running N accounts at once:
      orderflow worker --db postgresql://... --config accounts.toml --concurrency 4
    """
    from engine.model.clock import SystemClock
    from engine.store import open_store
    from engine.sync.job_queue import SyncJobs, build_queue, work

    url = _queue_url(db)
    options = dataclasses.replace(options, default_rules=rule_sets(rule_paths))
    try:
        store = open_store(db)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    with store:
        jobs = SyncJobs(store, SystemClock(), config, options, say=click.echo)
        accounts = _ready(jobs, url)
        app = build_queue(url, jobs, periodic=not until_idle, pool=concurrency + 2)
        mode = "until the queue is empty" if until_idle else "until stopped"
        names = ", ".join(a.name for a in accounts)
        click.echo(f"worker: {len(accounts)} account(s) ({names}), {concurrency} at once, {mode}")
        work(app, jobs, concurrency=concurrency, until_idle=until_idle)
        click.echo(
            f"worker stopped: {jobs.ran} sync(s) ({jobs.idle} with nothing due), "
            f"{jobs.failed} failed"
        )
    if jobs.failed:
        raise SystemExit(1)


def _queue_url(db: str) -> str:
    """The queue's URL of a PostgreSQL store; any other store is a one-line error."""
    from engine.sync.job_queue import QueueNeedsPostgres, queue_url

    try:
        return queue_url(db)
    except QueueNeedsPostgres:
        raise click.ClickException(
            f"orderflow worker needs a PostgreSQL store, where its job queue lives, not "
            f"{db.partition(':')[0] or db}: on SQLite, run `orderflow sync --watch` instead"
        ) from None


def _ready(jobs: SyncJobs, url: str) -> tuple[AccountSettings, ...]:
    """The accounts, their rule files read and the queue's tables there, or a one-line error."""
    import psycopg

    from engine.channels.config import SettingsInvalid
    from engine.model.errors import RuleFileInvalid
    from engine.sync.accounts import account_rules
    from engine.sync.job_queue import apply_queue_schema

    try:
        accounts = jobs.accounts()
        for account in accounts:
            account_rules(account, jobs.options)  # a bad rule file fails now, not in every job
        apply_queue_schema(url)
    except (SettingsInvalid, RuleFileInvalid) as exc:
        raise click.ClickException(str(exc)) from None
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise click.ClickException(
            f"cannot create the job queue in {jobs.store.url}: {reason}"
        ) from None
    for warning in (w for a in accounts for w in a.settings.warnings):
        click.echo(warning, err=True)
    return accounts


COMMANDS: list[click.Command] = [worker]
