"""What one runtime call returns: the order's status afterwards, its events and anomalies.

The runtime never stores anything: it returns an `Outcome` and the caller (the sync, the
simulator, the app) appends the events and anomalies to its log. A call that changes nothing
returns the status unchanged and two empty tuples.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.model.blockers import ChannelCommand
from engine.model.events import Anomaly, Event


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str | None
    events: tuple[Event, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()
    command: ChannelCommand | None = None

    @property
    def changed(self) -> bool:
        return bool(self.events)
