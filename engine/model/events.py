"""What the engine returns: events and anomalies, as values.

Every change of every order is one `Event`; the runtime returns them and the caller stores them
(append-only). A change the rules do not allow is an `Anomaly`, kept with both statuses so it is
never dropped. The current status of an order is always derivable by replaying its events.
"""

from __future__ import annotations

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


class Source(StrEnum):
    """Where a change came from."""

    FETCH = "fetch"
    ACTION = "action"
    TIMER = "timer"
    SIMULATION = "simulation"


class AnomalyKind(StrEnum):
    UNKNOWN_STATUS = "unknown_status"
    FINAL_CHANGED = "final_changed"
    NO_LEGAL_PATH = "no_legal_path"
    # An event (trigger) the rules do not allow at the order's status; `reported` is the trigger.
    REFUSED_TRIGGER = "refused_trigger"
    # An enum field's value that no value or alias of the field lists; `reported` is
    # `field=value`. The order is kept; conditions on the field are unknown until it is listed.
    UNLISTED_VALUE = "unlisted_value"


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
