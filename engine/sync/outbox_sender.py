"""Seller actions out: each outbox entry's effect happens once; confirmed from later fetches.

The marketplace's API has no idempotency key, so "once" is the outbox's job. An entry is marked
`sending` (committed, with the attempt's time) before its POST, so a process killed after the
POST reached the marketplace and before its answer came back leaves an entry that says the POST
may have landed. Before such an entry is sent again the marketplace is asked whether it did: the
order's status (already at the status the action leads to: it did; asked only for an action
whose rule has a transition) and the order's actions, queued and processed (an identical one
created since the entry was queued, less `CLOCK_SKEW`: it did). It is sent again only when
neither shows it; every action type alike. A pending entry is looked up the same way, queued and
processed, before its first POST. A `sending` entry whose attempt began less than `IN_FLIGHT`
ago may still be in another worker's hands: it is left alone.

Every channel error on this path is a result, never a traceback: a refusal (HTTP 4xx) fails the
entry with the channel's answer; an outage or refused credentials leave it as it was (pending,
or sending once its POST may have gone) with the reason, and stop this run's sends; an answer
that cannot be read leaves it `sending`, reconciled as above on a later run. Each reason is one
line of the report's `problems`. A sent entry is confirmed when the order's event log shows the
status the action was meant to cause (or, for an action whose rule has no transition, an update
of the order later than its POST), and flagged `unconfirmed` when nothing came within the
allowed time; a `sending` entry whose status the log shows is confirmed too: its POST landed.
Status codes and actions are read under the rules version the entry's order is pinned to
(`engine.sync.order_rules`), the one its action was checked under.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from engine.channels.actions import ActionOutcome, ActionRecord
from engine.channels.errors import (
    ChannelAuthFailed,
    ChannelError,
    ChannelRejected,
    ChannelUnavailable,
)
from engine.model.clock import Clock
from engine.model.definition import RuleSet
from engine.store import OutboxItem, OutboxState, OutboxStateError, Store, StoreError
from engine.sync.order_rules import OrderRules

# A send begun less than this long ago may still be on its way (another worker's, or one slowed
# by retries); only an older `sending` entry is reconciled and sent again.
IN_FLIGHT = timedelta(minutes=10)
# How far the marketplace's clock may be behind ours when its actions are matched by their time.
CLOCK_SKEW = timedelta(minutes=15)


class ActionChannel(Protocol):
    """What sending an action needs of a channel: look it up, post it, read the order's status."""

    def find_action(
        self,
        marketplace: str,
        marketplace_order_id: str,
        action_type: str,
        args: Mapping[str, str] | None = None,
        *,
        since: datetime | None = None,
    ) -> ActionRecord | None: ...

    def post_action(
        self,
        marketplace: str,
        marketplace_order_id: str,
        action_type: str,
        args: Mapping[str, str] | None = None,
        *,
        since: datetime | None = None,
    ) -> ActionOutcome: ...

    def order_status(self, marketplace: str, marketplace_order_id: str) -> str | None: ...


@dataclass
class OutboxReport:
    """What a run did with the outbox. `already_done`: the marketplace had the action already
    (found in its actions, or the order at the action's status), so nothing was posted.
    `in_doubt`: left `sending`, its POST may have landed. `awaiting`: sent, not yet shown done by a
    fetch (nor waiting long enough to be unconfirmed). `pending`: not sent this run (the channel
    failed), sent on the next. `problems`: why something failed."""

    sent: int = 0
    already_done: int = 0
    failed: int = 0
    in_doubt: int = 0
    confirmed: int = 0
    unconfirmed: int = 0
    awaiting: int = 0
    pending: int = 0
    problems: list[str] = field(default_factory=list)

    def merge(self, other: OutboxReport) -> None:
        for name in vars(other):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> str:
        text = (
            f"outbox: {self.sent} sent, {self.already_done} already at the marketplace, "
            f"{self.failed} failed, {self.in_doubt} in doubt, {self.confirmed} confirmed, "
            f"{self.unconfirmed} unconfirmed, {self.awaiting} awaiting confirmation, "
            f"{self.pending} left pending"
        )
        if self.problems:
            more = len(self.problems) - 1
            text += f"; outbox problem: {self.problems[0]}"
            text += f" (and {more} more)" if more else ""
        return text


def send_pending(
    store: Store,
    channel: ActionChannel,
    clock: Clock,
    rules: OrderRules | None = None,
    account: str | None = None,
) -> OutboxReport:
    """Send the pending entries and reconcile the `sending` ones, oldest first.

    `rules` (each order's pinned version of them) read the order's status code when a send may
    have landed; without them only the marketplace's actions tell. With `account`, only the
    entries on its orders: the channel speaks for that account alone.
    """
    report = OutboxReport()
    states = [OutboxState.PENDING, OutboxState.SENDING]
    try:
        for item in store.outbox(states=states, account=account):
            if not _Send(store, channel, clock, _rules_of(store, rules, item), item, report).run():
                break
    except StoreError as exc:  # the entry keeps its state: looked up, then sent, next run
        report.problems.append(f"the outbox stopped: {exc}")
    return report


class _Send:
    """One entry's send; `run` is False when the channel is down and the run's sends stop."""

    def __init__(
        self,
        store: Store,
        channel: ActionChannel,
        clock: Clock,
        rules: RuleSet | None,
        item: OutboxItem,
        report: OutboxReport,
    ) -> None:
        self.store, self.channel, self.clock, self.rules = store, channel, clock, rules
        self.item, self.report = item, report
        self.state = item.state
        self.since = item.created_at - CLOCK_SKEW

    def run(self) -> bool:
        item, now = self.item, self.clock.now()
        if self.in_flight(now):
            self.report.in_doubt += 1
            return True
        try:
            landed = self.landed()
            if landed is not None:
                self.record(landed, sent=False)
                return True
            claimed = self.store.begin_send(item, now)
            if claimed is None:  # another worker began it since it was read
                return True
            self.state = OutboxState.SENDING
            outcome = self.channel.post_action(
                item.marketplace, item.order_id, item.action_type, item.args, since=self.since
            )
        except ChannelRejected as exc:
            self.fail(exc)
            return True
        except (ChannelUnavailable, ChannelAuthFailed) as exc:
            self.leave(exc)
            return False
        except ChannelError as exc:  # an answer that cannot be read: the POST may have landed
            self.leave(exc)
            return True
        self.record(dict(outcome.record.raw), sent=outcome.sent)
        return True

    def in_flight(self, now: datetime) -> bool:
        began = self.item.attempted_at
        return self.state is OutboxState.SENDING and began is not None and now - began < IN_FLIGHT

    def landed(self) -> dict[str, object] | None:
        """What shows the marketplace has the action already (its answer to keep), or None."""
        item = self.item
        if self.state is OutboxState.SENDING and _moves(self.rules, item):
            status = self.status_now()
            if status == item.expected_status:
                return {"found": f"the order is at {status} at the marketplace"}
        record = self.channel.find_action(
            item.marketplace, item.order_id, item.action_type, item.args, since=self.since
        )
        return None if record is None else dict(record.raw)

    def status_now(self) -> str | None:
        rules = self.rules
        if rules is None:
            return None
        code = self.channel.order_status(self.item.marketplace, self.item.order_id)
        return None if code is None else rules.status_for_code(code)

    def what(self) -> str:
        return f"{self.item.action} of order {self.item.order_id}"

    def record(self, answer: dict[str, object], *, sent: bool) -> None:
        try:
            self.store.move_outbox(self.item.id, OutboxState.SENT, self.clock.now(), answer)
        except OutboxStateError as exc:  # another worker reconciled it meanwhile
            self.report.problems.append(f"{self.what()}: {exc}")
            return
        self.report.sent += int(sent)
        self.report.already_done += int(not sent)

    def fail(self, exc: ChannelRejected) -> None:
        self.store.move_outbox(self.item.id, OutboxState.FAILED, self.clock.now(), _error(exc))
        self.report.failed += 1
        self.report.problems.append(f"{self.what()} failed: {exc}")

    def leave(self, exc: ChannelError) -> None:
        self.store.note_attempt(self.item.id, _error(exc))
        if self.state is OutboxState.SENDING:
            self.report.in_doubt += 1
            what = "left sending (it may have landed; looked up before any new send)"
        else:
            self.report.pending += 1
            what = "left pending"
        self.report.problems.append(f"{self.what()} {what}: {exc}")


def _error(exc: ChannelError) -> dict[str, object]:
    return {"error": str(exc)}


def _rules_of(store: Store, rules: OrderRules | None, item: OutboxItem) -> RuleSet | None:
    """The rules the entry's order runs under: the version it is pinned to."""
    if rules is None or item.marketplace not in rules.current:
        return None
    state = store.get_order(item.marketplace, item.order_id)
    pinned = rules.current[item.marketplace] if state is None else rules.of_state(store, state).use
    return pinned.rules


def _moves(rule_set: RuleSet | None, item: OutboxItem) -> bool:
    """Whether the entry's action moves its order to `expected_status`: an action without a
    transition (a refund) expects the status the order stays at, which proves nothing."""
    action = None if rule_set is None else rule_set.action_by_name.get(item.action)
    moving = action is None or action.transition is not None
    return moving and item.expected_status is not None


def _confirmed(store: Store, item: OutboxItem, rules: RuleSet | None) -> bool:
    # The POST went when its send began (a reconciled entry is recorded sent later than that).
    posted = item.attempted_at or item.sent_at or item.created_at
    if not _moves(rules, item):
        state = store.get_order(item.marketplace, item.order_id)
        return state is not None and state.updated_at > posted
    return any(
        event.to_status == item.expected_status
        for event in store.events(item.marketplace, item.order_id)
        if event.at >= item.created_at
    )


def confirm_sent(
    store: Store,
    now: datetime,
    unconfirmed_after: timedelta,
    rules: OrderRules | None = None,
    account: str | None = None,
) -> OutboxReport:
    """Confirm sent entries a fetch shows done; flag those waiting too long.

    `rules` (each order's pinned version of them) tell the actions that change no status,
    confirmed by a later update of the order. A `sending` entry is confirmed only by the status
    it leads to (its POST landed); an action that changes none waits for its reconciliation.
    """
    report = OutboxReport()
    states = [OutboxState.SENDING, OutboxState.SENT, OutboxState.UNCONFIRMED]
    for item in store.outbox(states=states, account=account):
        sending = item.state is OutboxState.SENDING
        rule_set = _rules_of(store, rules, item)
        if sending and not _moves(rule_set, item):
            continue
        if _confirmed(store, item, rule_set):
            store.move_outbox(item.id, OutboxState.CONFIRMED, now)
            report.confirmed += 1
        elif sending:
            continue
        elif item.state is OutboxState.SENT and now - (item.sent_at or now) > unconfirmed_after:
            store.move_outbox(item.id, OutboxState.UNCONFIRMED, now)
            report.unconfirmed += 1
        else:
            report.awaiting += 1
    return report
