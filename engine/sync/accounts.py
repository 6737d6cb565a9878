"""The store's accounts, each synced by its own `Syncer`: what `orderflow sync` and a worker run.

One store serves every account the settings list (`engine.channels.config.load_accounts`): an
account's syncer reads its Lengow API with its own credentials, runs its marketplaces under its
own rule files (the account's `rules`, else the command's) and its own back-office connector,
and holds its own window leases, runs and orders. `AccountSync` opens those for one account and
closes its client after; `run_account_once` is one pass for one account, the unit of work that
the sync loop and the job queue's workers both repeat.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from engine.channels.config import AccountSettings
from engine.channels.lengow import LengowClient
from engine.model.clock import Clock
from engine.model.definition import RuleSet
from engine.rulefile.rulebook import load_rule_sets
from engine.store import Store
from engine.sync.sync_report import SyncReport
from engine.sync.syncer import Syncer
from engine.sync.window_lease import DEFAULT_LEASE


@dataclass(frozen=True)
class SyncOptions:
    """What every account's sync shares, as `orderflow sync` takes it."""

    connector: str | None = None
    import_fulfilled: bool = False
    fire_timers: bool = False
    unconfirmed_after: timedelta = timedelta(days=3)
    lease: timedelta = DEFAULT_LEASE
    holder: str | None = None
    # The rule sets of an account without rule files of its own.
    default_rules: Sequence[RuleSet] = field(default=(), compare=False)


def account_rules(account: AccountSettings, options: SyncOptions) -> list[RuleSet]:
    """The account's own rule files, else the shared ones; raises `RuleFileInvalid`."""
    if account.rules is not None:
        return load_rule_sets((account.rules,))
    return list(options.default_rules)


@contextmanager
def account_syncer(
    account: AccountSettings, store: Store, clock: Clock, options: SyncOptions
) -> Iterator[Syncer]:
    """The syncer of one account on `store`, its Lengow client closed when the block ends."""
    rules = account_rules(account, options)
    if not rules:
        raise ValueError(f"{account.name}: no rule file to run its orders under")
    with LengowClient(account.settings, clock=clock) as client:
        yield Syncer(
            rules,
            store,
            client,
            clock,
            connector=account.connector or options.connector,
            import_fulfilled=options.import_fulfilled,
            unconfirmed_after=options.unconfirmed_after,
            fire_timers=options.fire_timers,
            account=account.settings.account_id,
            holder=options.holder,
            lease=options.lease,
        )


def run_account_once(
    account: AccountSettings, store: Store, clock: Clock, options: SyncOptions
) -> SyncReport:
    """One pass of one account's sync: its due windows, timers and outbox."""
    with account_syncer(account, store, clock, options) as syncer:
        return syncer.run_once()
