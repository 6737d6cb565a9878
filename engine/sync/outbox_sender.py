"""Seller actions out: send the outbox's pending entries, confirm them from later fetches.

An entry is sent once (the channel itself checks the marketplace's queue for an identical
action first). A refusal by the channel fails the entry with the channel's answer; an outage
leaves it pending for the next run. A sent entry is confirmed when the order's event log shows
the status the action was meant to cause (or, for an action that changes no status, a later
update of the order), and flagged `unconfirmed` when nothing came within the allowed time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from engine.channels.errors import ChannelRejected, ChannelUnavailable
from engine.model.clock import Clock
from engine.store import OutboxItem, OutboxState, Store


class ActionChannel(Protocol):
    def send_action(
        self,
        marketplace: str,
        marketplace_order_id: str,
        action_type: str,
        args: Mapping[str, str] | None = None,
    ) -> object: ...


@dataclass
class OutboxReport:
    sent: int = 0
    already_queued: int = 0
    failed: int = 0
    confirmed: int = 0
    unconfirmed: int = 0
    waiting: int = 0

    def merge(self, other: OutboxReport) -> None:
        for name in vars(other):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> str:
        return (
            f"outbox: {self.sent} sent, {self.already_queued} already queued, {self.failed} "
            f"failed, {self.confirmed} confirmed, {self.unconfirmed} unconfirmed, "
            f"{self.waiting} waiting"
        )


def send_pending(store: Store, channel: ActionChannel, clock: Clock) -> OutboxReport:
    report = OutboxReport()
    for item in store.outbox(states=[OutboxState.PENDING]):
        try:
            outcome = channel.send_action(
                item.marketplace, item.order_id, item.action_type, item.args
            )
        except ChannelRejected as exc:
            store.move_outbox(item.id, OutboxState.FAILED, clock.now(), {"error": str(exc)})
            report.failed += 1
            continue
        except ChannelUnavailable as exc:
            store.note_attempt(item.id, {"error": str(exc)})
            report.waiting += 1
            break
        sent = getattr(outcome, "sent", True)
        record = getattr(outcome, "record", None)
        answer = dict(getattr(record, "raw", {}) or {}) if record is not None else None
        store.move_outbox(item.id, OutboxState.SENT, clock.now(), answer)
        report.sent += int(sent)
        report.already_queued += int(not sent)
    return report


def _confirmed(store: Store, item: OutboxItem) -> bool:
    sent_at = item.sent_at or item.created_at
    if item.expected_status is None:
        state = store.get_order(item.marketplace, item.order_id)
        return state is not None and state.updated_at > sent_at
    return any(
        event.to_status == item.expected_status
        for event in store.events(item.marketplace, item.order_id)
        if event.at >= item.created_at
    )


def confirm_sent(store: Store, now: datetime, unconfirmed_after: timedelta) -> OutboxReport:
    report = OutboxReport()
    for item in store.outbox(states=[OutboxState.SENT, OutboxState.UNCONFIRMED]):
        if _confirmed(store, item):
            store.move_outbox(item.id, OutboxState.CONFIRMED, now)
            report.confirmed += 1
        elif item.state is OutboxState.SENT and now - (item.sent_at or now) > unconfirmed_after:
            store.move_outbox(item.id, OutboxState.UNCONFIRMED, now)
            report.unconfirmed += 1
        else:
            report.waiting += 1
    return report
