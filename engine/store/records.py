"""The values the store takes and gives back.

Callers never see rows or SQL: they hand the store `OrderChange`s (an order's new state with the
events and anomalies that led to it) and read back frozen records. Every datetime is
timezone-aware UTC, every JSON value a plain mapping, so a record read back compares equal to the
one written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from engine.model.blockers import Decision
from engine.model.events import Anomaly, Event, FieldChange, field_changes
from engine.model.lines import OrderLine
from engine.model.outcome import Outcome
from engine.model.snapshot import OrderSnapshot

OrderKey = tuple[str, str]
"""(marketplace, order_id): how an order is named everywhere in the store."""


class FetchKind(StrEnum):
    INCREMENTAL = "incremental"
    SWEEP = "sweep"


class RunStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"


class SetAsideReason(StrEnum):
    """Why a fetch run stored nothing of an order it saw."""

    STALE = "stale"  # older than the snapshot the store holds
    FULFILLED_NOT_IMPORTED = "fulfilled_not_imported"  # the import policy skips it
    UNCHANGED = "unchanged"  # the very snapshot the store holds (same `updated_at`)


class OutboxState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"


def _check_aware(change: OrderChange | LocalChange, name: str, value: datetime | None) -> None:
    """A naive datetime would be stored as if it were UTC: refuse it where it is made."""
    # UTC itself, what the channels give, is known aware without asking for the offset.
    if value is not None and value.tzinfo is not UTC and value.utcoffset() is None:
        raise ValueError(
            f"order {change.order_id} of {change.marketplace}: {name} must be timezone-aware, "
            f"got {value.isoformat()}"
        )


@dataclass(frozen=True)
class OrderState:
    """An order as stored: its current status and the latest snapshot applied to it.

    `seq` is the number of events the order has; a change computed from this state carries it
    as its `base_seq`, so the store can refuse a change computed from a state that moved since.
    `status` is what the marketplace last reported, a code the rules do not declare included
    (kept verbatim); None only for an order stored by an older version from a snapshot it could
    not place.
    """

    marketplace: str
    order_id: str
    status: str | None
    entered_at: datetime | None
    updated_at: datetime
    rules_version: str
    seq: int
    fields: Mapping[str, object] = field(default_factory=dict)
    snapshot: Mapping[str, object] = field(default_factory=dict, compare=False)
    account: str = ""  # the Lengow account that reports it; '' when none has since version 6

    @property
    def key(self) -> OrderKey:
        return (self.marketplace, self.order_id)


@dataclass(frozen=True)
class OrderChange:
    """One order's new state, computed from the stored state whose `seq` was `base_seq`.

    `events` are numbered `base_seq + 1` onwards in the order given. The store applies the change
    only if `updated_at` (the marketplace's clock) is newer than the stored one and the order
    still has `base_seq` events; otherwise nothing of it is written. `lines` replace the order's
    stored cart lines; `field_changes` are kept in its history after its `base_seq` events.
    """

    marketplace: str
    order_id: str
    status: str | None
    entered_at: datetime | None
    updated_at: datetime
    rules_version: str
    base_seq: int = 0
    events: tuple[Event, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()
    fields: Mapping[str, object] = field(default_factory=dict)
    snapshot: Mapping[str, object] = field(default_factory=dict, compare=False)
    lines: tuple[OrderLine, ...] = ()
    field_changes: tuple[FieldChange, ...] = ()
    account: str = ""  # the account that reported the snapshot

    def __post_init__(self) -> None:
        _check_aware(self, "updated_at", self.updated_at)
        _check_aware(self, "entered_at", self.entered_at)

    @property
    def key(self) -> OrderKey:
        return (self.marketplace, self.order_id)

    @property
    def seq(self) -> int:
        return self.base_seq + len(self.events)

    @classmethod
    def observed(
        cls,
        snapshot: OrderSnapshot,
        current: OrderState | None,
        outcome: Outcome,
        rules_version: str,
        account: str = "",
    ) -> OrderChange:
        """The change a snapshot makes to the stored `current` state, given the runtime's outcome.

        The order enters its status at its last event's time; with no event it stays as it was.
        A rule field reported with another value than the stored one is a `FieldChange`.
        """
        return cls(
            marketplace=snapshot.marketplace,
            order_id=snapshot.order_id,
            status=outcome.status,
            entered_at=_entered(current, outcome),
            updated_at=snapshot.updated_at,
            rules_version=rules_version,
            base_seq=0 if current is None else current.seq,
            events=outcome.events,
            anomalies=outcome.anomalies,
            fields=snapshot.fields,
            snapshot=snapshot.raw,
            lines=snapshot.lines,
            account=account,
            field_changes=(
                ()
                if current is None
                else field_changes(
                    snapshot.order_id, current.fields, snapshot.fields, snapshot.updated_at
                )
            ),
        )


def is_news(snapshot: OrderSnapshot, current: OrderState | None) -> bool:
    """Whether the store would take this snapshot: it is newer than the stored one."""
    return current is None or snapshot.updated_at > current.updated_at


def _entered(current: OrderState | None, outcome: Outcome) -> datetime | None:
    if outcome.events:
        return outcome.events[-1].at
    return None if current is None else current.entered_at


@dataclass(frozen=True)
class LocalChange:
    """A change the engine makes without a new snapshot: a timer fired, an action applied.

    It moves the status and appends events; the snapshot, the fields and `updated_at` stay as
    the marketplace last reported them. Applied only if the order still has `base_seq` events.
    """

    marketplace: str
    order_id: str
    status: str
    entered_at: datetime
    base_seq: int
    events: tuple[Event, ...]
    anomalies: tuple[Anomaly, ...] = ()
    # The rules version the order runs under from now on (a migration); None keeps it.
    rules_version: str | None = None

    def __post_init__(self) -> None:
        _check_aware(self, "entered_at", self.entered_at)

    @property
    def key(self) -> OrderKey:
        return (self.marketplace, self.order_id)

    @property
    def seq(self) -> int:
        return self.base_seq + len(self.events)

    @classmethod
    def after(cls, current: OrderState, outcome: Outcome) -> LocalChange | None:
        """The change a timer or an applied action makes to `current`; None when it made none."""
        if not outcome.events or outcome.status is None:
            return None
        return cls(
            marketplace=current.marketplace,
            order_id=current.order_id,
            status=outcome.status,
            entered_at=outcome.events[-1].at,
            base_seq=current.seq,
            events=outcome.events,
            anomalies=outcome.anomalies,
        )


@dataclass(frozen=True)
class ApplyResult:
    """What became of each change of a batch.

    `applied`: written with its events. `stale`: the store already holds this or a newer
    snapshot (a repeated or late page), so nothing was written. `conflicts`: the stored order
    moved since the change was computed (another writer); re-read it and compute again.
    """

    applied: tuple[OrderKey, ...] = ()
    stale: tuple[OrderKey, ...] = ()
    conflicts: tuple[OrderKey, ...] = ()

    def merged(self, other: ApplyResult) -> ApplyResult:
        return ApplyResult(
            self.applied + other.applied,
            self.stale + other.stale,
            self.conflicts + other.conflicts,
        )


@dataclass(frozen=True)
class StoredEvent:
    marketplace: str
    order_id: str
    seq: int
    from_status: str | None
    to_status: str
    trigger: str
    actor: str
    source: str
    inferred: bool
    at: datetime
    deviation: bool = False  # moved where the marketplace reported it, by no rule's path


@dataclass(frozen=True)
class StoredFieldChange:
    """A rule field's change as kept in an order's history, after its first `seq` events."""

    marketplace: str
    order_id: str
    seq: int
    field: str
    old: object
    new: object
    at: datetime


@dataclass(frozen=True)
class StoredAnomaly:
    id: int
    marketplace: str
    order_id: str
    from_status: str | None
    reported: str
    kind: str
    message: str
    at: datetime


@dataclass(frozen=True)
class OpenOrder:
    """An order waiting in a status, and since when: what a timer needs."""

    marketplace: str
    order_id: str
    status: str
    entered_at: datetime
    seq: int


@dataclass(frozen=True)
class QuarantineEntry:
    """Input the engine could not read, kept as received with the reason."""

    reason: str
    raw: object
    at: datetime
    marketplace: str | None = None
    order_id: str | None = None
    fetch_run: int | None = None
    id: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SetAside:
    """An order a fetch run saw and did not store, and why.

    `updated_at` is the snapshot's; `stored_updated_at` the stored order's, when there was one.
    """

    fetch_run: int
    marketplace: str
    order_id: str
    reason: SetAsideReason
    updated_at: datetime
    at: datetime
    stored_updated_at: datetime | None = None
    id: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class FetchRun:
    id: int
    kind: FetchKind
    window_from: datetime
    window_to: datetime
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    pages: int
    orders: int
    errors: int
    error: str | None
    holder: str | None = None  # the lease holder that ran it; None for runs before version 6
    account: str | None = None  # the account whose windows it walked; None before version 6


@dataclass(frozen=True)
class NewAction:
    """A seller action to queue in the outbox, as of `at`: what `enqueue` takes.

    `action` is the rule set's action, `action_type` and `args` the channel command that carries
    it out, `expected_status` the status a later fetch should show once the marketplace did it.
    `line` is the cart line it acts on ('' for the whole order; also sent as the `line` arg).
    The outbox gives it back as an `OutboxItem`, created at `at`.
    """

    marketplace: str
    order_id: str
    action: str
    action_type: str
    args: Mapping[str, str]
    expected_status: str | None
    at: datetime
    line: str = ""

    @classmethod
    def decided(cls, order: OrderKey, decision: Decision, at: datetime) -> tuple[NewAction, ...]:
        """The entries an allowed `decision` on `order` queues: its command and expected status,
        once for the whole order, or once per cart line it names (with the line as `line`)."""
        if decision.command is None:
            raise ValueError(
                f"action {decision.action} of order {order[1]} was not allowed: nothing to queue"
            )
        marketplace, order_id = order
        command = decision.command
        return tuple(
            cls(
                marketplace=marketplace,
                order_id=order_id,
                action=decision.action,
                action_type=command.action_type,
                args={**command.args, "line": line} if line else command.args,
                expected_status=decision.expected_status,
                at=at,
                line=line,
            )
            for line in decision.lines or ("",)
        )


@dataclass(frozen=True)
class OutboxItem:
    """A seller action on its way to the marketplace, and what became of it.

    `attempts` counts the sends begun (each one marked `sending` at `attempted_at` before its
    POST); `answer` is the channel's last answer, or why the last attempt did not get through.
    """

    id: int
    marketplace: str
    order_id: str
    action: str
    action_type: str
    args: Mapping[str, str]
    expected_status: str | None
    state: OutboxState
    created_at: datetime
    sent_at: datetime | None
    confirmed_at: datetime | None
    answer: object
    attempts: int
    attempted_at: datetime | None
    line: str = ""  # the cart line it acts on; '' for the whole order
