"""Ingestion: fetch what the scheduler says, run it through the rules, commit it page by page.

One `Syncer` serves an account: the rule sets of its marketplaces, a store, a channel (the Lengow
API, the twin, or anything with the same two calls) and a clock. `run_once` closes runs a killed
process left open, takes the account's window lease (`engine.sync.window_lease`: another sync
holding it means the fetch is skipped, and said so), fetches every window
`engine.sync.scheduler.plan` asks for, and commits each page in one transaction (order states,
events, anomalies, quarantine, run counters, the lease renewed), so a crash loses at most the page
in flight and a restart fetches it again. A page another writer raced (`ConcurrentWrite`) is read
and committed again; any store error on the way fails the window with its reason. A window is marked
done (which is what moves the watermark) only after its last page is committed, and only when the
listing held still while it was walked: a channel that sees it change (`ListingShifted`: the `count`
moved, a page came back short) has the window walked again, up to `MAX_WALKS` times, after which the
window fails and the next run fetches it again; what the unsteady walks committed stays. The store
refuses an update older than what it holds, so repeated, reordered or overlapping pages change
nothing. Each page's transaction also records, per order, what the run set aside and why: a snapshot
older than the stored one (stale), one the import policy skips (fulfilled by the marketplace, not
imported), the very snapshot the store holds (unchanged). The same unreadable order fetched again is
not quarantined again (the store keeps each input once). Seller actions leave through the outbox and
are confirmed when a later fetch shows their status. Each stored order is read and run under the
rules version it is pinned to (`engine.sync.order_rules`), a new one under the current file's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from engine.channels.errors import ChannelError, ListingShifted
from engine.channels.order_mapping import OrderMapper, Quarantined
from engine.model.clock import Clock
from engine.model.definition import FetchSchedule, RuleSet
from engine.model.errors import OrderflowError
from engine.model.snapshot import OrderSnapshot
from engine.runtime.import_policy import FulfilmentImport, fulfilment_import, is_fulfilled
from engine.store import (
    ApplyResult,
    ConcurrentWrite,
    FetchKind,
    LeaseHeld,
    OrderChange,
    OrderKey,
    OrderState,
    QuarantineEntry,
    RunStatus,
    SetAside,
    SetAsideReason,
    Store,
    StoreError,
    is_news,
    process_holder,
)
from engine.sync.order_date import dated_creation
from engine.sync.order_rules import KeptVersions, OrderRules, Pinned
from engine.sync.outbox_sender import ActionChannel, OutboxReport, confirm_sent, send_pending
from engine.sync.pinned_rules import record_rule_sets
from engine.sync.scheduler import PastRun, Window, WindowKind, next_due, plan
from engine.sync.sync_report import SyncReport
from engine.sync.timer_sweep import fire_due_timers
from engine.sync.window_lease import DEFAULT_LEASE, WindowLease, held_until

WATERMARK = "orders"
MAX_CONFLICT_RETRIES = 3
# Walks of one window, in one run, whose listing changed under them before the window fails.
MAX_WALKS = 3


class PageLike(Protocol):
    @property
    def results(self) -> Sequence[object]: ...


class OrderChannel(ActionChannel, Protocol):
    """What the sync needs of a channel: order pages by window, and sending an action.

    A channel that can tell its listing changed during the walk raises `ListingShifted` (after
    the last page): the window is walked again.
    """

    def order_pages(
        self, updated_from: datetime, updated_to: datetime, *, marketplace: str | None = None
    ) -> Iterable[PageLike]: ...


def merged_schedule(rule_sets: Sequence[RuleSet]) -> FetchSchedule:
    """One account-wide schedule: the tightest of the rule files' (Lengow fetches per account)."""
    schedules = [r.schedule for r in rule_sets]
    return FetchSchedule(
        every_seconds=min(s.every_seconds for s in schedules),
        overlap_seconds=max(s.overlap_seconds for s in schedules),
        sweep_every_seconds=min(s.sweep_every_seconds for s in schedules),
        sweep_lookback_seconds=max(s.sweep_lookback_seconds for s in schedules),
    )


def _past(store: Store, account: str) -> list[PastRun]:
    """The account's finished runs (and those from before accounts were recorded)."""
    return [
        PastRun(
            WindowKind(r.kind), r.window_from, r.window_to, r.started_at, r.status is RunStatus.OK
        )
        for r in store.fetch_runs(account=account)
        if r.status is not RunStatus.RUNNING
    ]


def _foreign(
    run: int,
    pending: Mapping[OrderKey, OrderSnapshot],
    states: Mapping[OrderKey, OrderState],
    account: str,
    now: datetime,
) -> list[QuarantineEntry]:
    """The orders of the page another account of the store owns: quarantined, never merged.

    A marketplace order belongs to one seller account; the same one reported by two accounts is
    a misconfiguration (two accounts reading one shop) to show, not a change to apply.
    """
    return [
        QuarantineEntry(
            f"order {key[1]} of {key[0]} belongs to Lengow account {state.account}; account "
            f"{account} reported it too, and it was not stored for that account",
            snap.raw,
            now,
            key[0],
            key[1],
            run,
        )
        for key, snap in pending.items()
        if (state := states.get(key)) is not None and state.account not in ("", account)
    ]


class ConcurrentSync(OrderflowError):
    """Another writer kept moving the same orders: the window fails and is fetched again."""


def _count(changes: Sequence[OrderChange], result: ApplyResult, report: SyncReport) -> None:
    applied = set(result.applied)
    report.applied += len(applied)
    report.unchanged -= len(applied)
    for change in changes:
        if change.key in applied:
            report.events += len(change.events)
            report.anomalies += len(change.anomalies)


def _set_aside(
    run: int,
    pending: Mapping[OrderKey, OrderSnapshot],
    states: Mapping[OrderKey, OrderState],
    result: ApplyResult,
    now: datetime,
) -> list[SetAside]:
    """The orders of `pending` this attempt stored nothing of, and why."""
    aside = []
    refused = set(result.stale)
    for key, snap in pending.items():
        state = states.get(key)
        stored = state.updated_at if state else None
        if state is not None and not is_news(snap, state):
            same = snap.updated_at == state.updated_at
            reason = SetAsideReason.UNCHANGED if same else SetAsideReason.STALE
        elif key in refused:  # another writer stored a newer snapshot meanwhile
            reason, stored = SetAsideReason.STALE, None
        else:
            continue
        aside.append(SetAside(run, *key, reason, snap.updated_at, now, stored))
    return aside


@dataclass
class _Page:
    """One page of results, sorted by what becomes of each order."""

    size: int = 0
    quarantine: list[QuarantineEntry] = field(default_factory=list)
    fulfilled: list[SetAside] = field(default_factory=list)
    pending: dict[OrderKey, OrderSnapshot] = field(default_factory=dict)


def _newest_per_order(snapshots: Iterable[OrderSnapshot]) -> dict[OrderKey, OrderSnapshot]:
    """A page may hold the same order twice: only its newest state counts."""
    newest: dict[OrderKey, OrderSnapshot] = {}
    for snap in snapshots:
        key = (snap.marketplace, snap.order_id)
        if key not in newest or snap.updated_at > newest[key].updated_at:
            newest[key] = snap
    return newest


class Syncer:
    def __init__(
        self,
        rule_sets: Sequence[RuleSet],
        store: Store,
        channel: OrderChannel,
        clock: Clock,
        *,
        connector: str | None = None,
        import_fulfilled: bool = False,
        unconfirmed_after: timedelta = timedelta(days=3),
        fire_timers: bool = False,
        account: int = 1,
        holder: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        if not rule_sets:
            raise ValueError("a sync needs at least one rule set")
        self.rules = {r.marketplace.code: r for r in rule_sets}
        # Each order runs under the version it is pinned to; the current file's reads the pages.
        self.versions = OrderRules(rule_sets)
        self.mapper = OrderMapper(rule_sets)
        # What the run in progress ran under an earlier version: order -> "marketplace version".
        self._older: dict[OrderKey, str] = {}
        self._missing: set[OrderKey] = set()
        self.schedule = merged_schedule(rule_sets)
        self.store, self.channel, self.clock = store, channel, clock
        self.unconfirmed_after = unconfirmed_after
        self.fire_timers = fire_timers
        self.imports: dict[str, FulfilmentImport] = {
            code: fulfilment_import(r, connector, import_fulfilled)
            for code, r in self.rules.items()
        }
        # `account`: the Lengow account the channel reads, whose windows the lease names.
        self.lease = WindowLease(account, tuple(self.rules), holder or process_holder(), lease)
        self._pinned = False

    @property
    def account(self) -> str:
        """The account's key in the store (`AccountSettings.key`)."""
        return str(self.lease.account)

    def next_due(self) -> datetime:
        return next_due(self.clock.now(), self.schedule, _past(self.store, self.account))

    def due(self) -> list[Window]:
        return plan(self.clock.now(), self.schedule, _past(self.store, self.account))

    def run_once(self) -> SyncReport:
        """Fetch every window that is due, then move the outbox; never raises on channel faults
        nor on the store's: a failed window, a failed timer sweep or an outbox problem says why,
        and the next step is still taken."""
        report = SyncReport(notes=[d.message for d in self.imports.values()])
        self._older, self._missing = {}, set()
        if not self._pinned:  # once per syncer: the versions its orders are stored under
            try:
                record_rule_sets(self.store, self.rules.values(), self.clock.now())
                self._pinned = True
            except StoreError:
                pass  # the windows below fail on the same store and say why; the next run retries
        self._fetch_due(report)
        if self.fire_timers:
            now = self.clock.now()
            try:
                report.timer_events = fire_due_timers(self.store, self.versions, now, self.account)
            except StoreError as exc:
                report.fail(f"timers not fired: {exc}")
        report.outbox = send_pending(
            self.store, self.channel, self.clock, self.versions, self.account
        )
        try:
            confirmed = confirm_sent(
                self.store, self.clock.now(), self.unconfirmed_after, self.versions, self.account
            )
        except StoreError as exc:
            confirmed = OutboxReport(problems=[f"sent actions not confirmed: {exc}"])
        report.outbox.merge(confirmed)
        report.older_rules = dict(Counter(self._older.values()))
        report.version_missing = len(self._missing)
        return report

    def _fetch_due(self, report: SyncReport) -> None:
        """Under the window lease, plan and fetch the windows; a lease held elsewhere skips them.

        The plan is made once the lease is ours, from the runs the last holder finished.
        """
        try:
            self.store.close_interrupted(self.clock.now())
            with self.lease.held(self.store, self.clock):
                for window in self.due():
                    report.windows.append(window)
                    if not self._fetch_window(window, report):
                        break
        except LeaseHeld as held:
            report.skipped.append(self.lease.refusal(held))
            report.held_until = held_until(held)
        except StoreError as exc:  # the store failed outside a window: starting, closing one
            report.fail(str(exc))

    def _fetch_window(self, window: Window, report: SyncReport) -> bool:
        run = self.store.start_run(
            FetchKind(window.kind),
            window.start,
            window.end,
            self.clock.now(),
            self.lease.holder,
            self.account,
        )
        try:
            self._walk(run, window, report)
            with self.store.transaction() as tx:
                self.lease.renew(tx, self.clock.now())
                tx.finish_run(run, RunStatus.OK, self.clock.now())
                tx.advance_watermark(WATERMARK, window.end)
        except (ChannelError, ConcurrentSync, StoreError) as exc:
            report.fail(str(exc))
            self.store.finish_run(run, RunStatus.FAILED, self.clock.now(), str(exc))
            return False
        return True

    def _walk(self, run: int, window: Window, report: SyncReport) -> None:
        """Commit the window's pages until one walk sees the listing hold still.

        Raises `ListingShifted` when none of `MAX_WALKS` walks did: an order may have slid onto
        a page already read, so the window must not be marked done.
        """
        for walk in range(1, MAX_WALKS + 1):
            try:
                for page in self.channel.order_pages(window.start, window.end):
                    self.ingest_page(run, page.results, report, self.lease)
                return
            except ListingShifted as shifted:
                if walk == MAX_WALKS:
                    span = f"{window.start:%Y-%m-%d %H:%M}..{window.end:%Y-%m-%d %H:%M}"
                    raise ListingShifted(
                        f"the {window.kind} window {span} was not done: its listing changed "
                        f"during each of {MAX_WALKS} walks (the last: {shifted}); it is fetched "
                        "again on the next run"
                    ) from None
                report.walked_again += 1

    def ingest_page(
        self,
        run: int,
        results: Sequence[object],
        report: SyncReport,
        lease: WindowLease | None = None,
    ) -> None:
        """Map, check and commit one page of orders in one transaction, renewing `lease` in it.

        Orders another writer moved or created meanwhile are read and computed again, up to
        `MAX_CONFLICT_RETRIES` commits; then `ConcurrentSync`.
        """
        now = self.clock.now()
        page = self._read_page(run, results, now, report)
        report.pages += 1
        report.orders += len(results)
        report.unchanged += len(page.pending)
        pending, first = page.pending, True
        for _ in range(MAX_CONFLICT_RETRIES):
            try:
                changes, result, quarantined = self._commit(run, page, pending, first, lease, now)
            except ConcurrentWrite:
                # The other writer's rows made the batch roll back whole (PostgreSQL: two
                # writers creating the same new orders): read again, they are news no more.
                continue
            if first:
                report.quarantined += quarantined
                first = False
            _count(changes, result, report)
            # Another writer moved some orders since they were read: compute those again.
            pending = {key: pending[key] for key in result.conflicts}
            if not pending:
                return
        raise ConcurrentSync(
            f"{len(pending)} order(s) kept changing under another writer "
            f"({MAX_CONFLICT_RETRIES} tries), e.g. {next(iter(pending))}; the window is fetched "
            "again on the next run"
        )

    def _read_page(
        self, run: int, results: Sequence[object], now: datetime, report: SyncReport
    ) -> _Page:
        """The page's orders sorted: unreadable, fulfilled and not imported, to store."""
        page = _Page(size=len(results))
        snapshots: list[OrderSnapshot] = []
        for mapped in self.mapper.map_page(results):
            if isinstance(mapped, Quarantined):
                page.quarantine.append(
                    QuarantineEntry(
                        mapped.reason, mapped.raw, now, mapped.marketplace, mapped.order_id, run
                    )
                )
            elif (
                is_fulfilled(self.rules[mapped.marketplace], mapped.fields)
                and not self.imports[mapped.marketplace].allowed
            ):
                report.skipped_fulfilled += 1
                reason = SetAsideReason.FULFILLED_NOT_IMPORTED
                page.fulfilled.append(
                    SetAside(
                        run, mapped.marketplace, mapped.order_id, reason, mapped.updated_at, now
                    )
                )
            else:
                snapshots.append(mapped)
        page.pending = _newest_per_order(snapshots)
        return page

    def _commit(
        self,
        run: int,
        page: _Page,
        pending: Mapping[OrderKey, OrderSnapshot],
        first: bool,
        lease: WindowLease | None,
        now: datetime,
    ) -> tuple[list[OrderChange], ApplyResult, int]:
        """One transaction of a page: its changes, their result, the new quarantine entries.

        The first commit of the page also keeps its quarantine, counts it in the run and records
        its fulfilled orders; a retry writes the orders it computes again only.
        """
        quarantined = 0
        with self.store.transaction() as tx:
            if lease is not None:
                lease.renew(tx, now)
            states = tx.get_orders(pending)
            foreign = _foreign(run, pending, states, self.account, now)
            if foreign:
                owned = {(e.marketplace, e.order_id) for e in foreign}
                pending = {key: snap for key, snap in pending.items() if key not in owned}
                quarantined += tx.quarantine(foreign)
            changes = self._changes(tx, pending, states)
            result = tx.apply(changes)
            aside = _set_aside(run, pending, states, result, now)
            if first:
                # Counted as new only: the same unreadable input is kept once.
                quarantined += tx.quarantine(page.quarantine)
                errors = len(page.quarantine)
                tx.count_run(run, pages=1, orders=page.size, errors=errors)
                aside = page.fulfilled + aside
            tx.record_set_aside(aside)
        return changes, result, quarantined

    def _changes(
        self,
        kept: KeptVersions,
        snapshots: Mapping[OrderKey, OrderSnapshot],
        states: Mapping[OrderKey, OrderState],
    ) -> list[OrderChange]:
        """Each news' change, run under the rules its order is pinned to (`OrderRules`)."""
        changes = []
        account = self.account
        for key, snap in snapshots.items():
            state = states.get(key)
            if not is_news(snap, state):
                continue
            snap, pinned = self.versions.for_snapshot(kept, snap, state)
            outcome = pinned.use.runtime.observe(
                snap.order_id,
                state.status if state else None,
                snap.status_code,
                snap.fields,
                snap.updated_at,
                previous=state.fields if state else None,
            )
            if state is None:
                outcome = dated_creation(outcome, snap.ordered_at)
            elif pinned.pinned_to is not None:
                self._note_pinned(key, pinned)
                outcome = pinned.noted(outcome, state, snap.updated_at)
            version = pinned.use.version
            changes.append(OrderChange.observed(snap, state, outcome, version, account))
        return changes

    def _note_pinned(self, key: OrderKey, pinned: Pinned) -> None:
        if pinned.older:
            self._older[key] = f"{key[0]} {pinned.pinned_to}"
        else:
            self._missing.add(key)
