"""What the engine returns: events and anomalies, as values.

Every change of every order is one `Event`; the runtime returns them and the caller stores them
(append-only). A change the rules do not allow is an `Anomaly`, kept with both statuses so it is
never dropped. The current status of an order is always derivable by replaying its events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# The event log as a table (store, simulator output, analytics input), in this column order.
EVENT_LOG_COLUMNS: tuple[str, ...] = (
    "marketplace",
    "order_id",
    "seq",
    "from_status",
    "to_status",
    "trigger",
    "actor",
    "source",
    "inferred",
    "at",
)
# Its columns of text (the rest are a number, a flag and a time).
EVENT_LOG_TEXTS: tuple[str, ...] = tuple(
    name for name in EVENT_LOG_COLUMNS if name not in ("seq", "inferred", "at")
)


class Source(StrEnum):
    """Where a change came from."""

    FETCH = "fetch"
    ACTION = "action"
    TIMER = "timer"
    SIMULATION = "simulation"
    MIGRATION = "migration"  # `orderflow migrate` moved it to a new version of its rules


class AnomalyKind(StrEnum):
    UNKNOWN_STATUS = "unknown_status"
    FINAL_CHANGED = "final_changed"
    NO_LEGAL_PATH = "no_legal_path"
    # An event (trigger) the rules do not allow at the order's status; `reported` is the trigger.
    REFUSED_TRIGGER = "refused_trigger"
    # An enum field's value that no value or alias of the field lists; `reported` is
    # `field=value`. The order is kept; conditions on the field are unknown until it is listed.
    UNLISTED_VALUE = "unlisted_value"
    # An order pinned to a rules version that cannot be run (the store keeps no text of it):
    # it ran under the current file instead; `reported` is the version it was pinned to.
    RULES_VERSION_MISSING = "rules_version_missing"


@dataclass(frozen=True, slots=True)
class Event:
    order_id: str
    from_status: str | None
    to_status: str
    trigger: str
    actor: str
    source: Source
    inferred: bool
    at: datetime
    # True for the one event that moves an order to the status the marketplace reports where
    # the rules give no path there (its anomaly says why): the truth first, never conforming.
    deviation: bool = False


@dataclass(frozen=True, slots=True)
class Anomaly:
    order_id: str
    from_status: str | None
    reported: str
    kind: AnomalyKind
    message: str
    at: datetime


@dataclass(frozen=True, slots=True)
class FieldChange:
    """A rule field a newer snapshot reports with another value (a delivery mode, an address):
    an entry of its own in the order's history, so a change that moves requirements is seen."""

    order_id: str
    field: str
    old: object
    new: object
    at: datetime


def field_changes(
    order_id: str, before: Mapping[str, object], after: Mapping[str, object], at: datetime
) -> tuple[FieldChange, ...]:
    """The rule fields `after` reports with another value than `before`, in `after`'s order.

    Only fields `before` holds count: a field the store never had (an older store, a field the
    rule file gained since) has no value to change from.
    """
    return tuple(
        FieldChange(order_id, name, before[name], value, at)
        for name, value in after.items()
        if name in before and before[name] != value
    )
