"""An order's state derived from its event log, so nothing else needs to be trusted.

The current status and the moment the order entered it (from which timer deadlines follow) are
a fold over the order's events. A restarted sync or simulator rebuilds them here instead of
keeping them somewhere that could drift. Each event is also checked: it must start where the
previous one ended, and, given the transition table, be a transition the rules declare (but a
deviation, which moves the order where the marketplace reported it without a rule).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from engine.model.events import Event
from engine.runtime.machine import TransitionTable


@dataclass(frozen=True)
class Replayed:
    status: str | None
    entered_at: datetime | None
    events: int
    problems: tuple[str, ...] = ()


def _problem(
    event: Event, number: int, status: str | None, table: TransitionTable | None
) -> str | None:
    if event.from_status is None:
        if status is not None:
            return f"event {number} creates the order again at '{event.to_status}'"
        return None
    if event.from_status != status:
        return f"event {number} starts at '{event.from_status}' but the order was at '{status}'"
    if table is not None and not event.deviation:
        steps = table.steps.get((event.from_status, event.trigger), ())
        if all(step.dest != event.to_status for step in steps):
            return (
                f"event {number} ('{event.trigger}' from '{event.from_status}' to "
                f"'{event.to_status}') is not a transition of the rules"
            )
    return None


def replay(events: Iterable[Event], table: TransitionTable | None = None) -> Replayed:
    """Fold one order's events (in log order) into its status and when it entered it."""
    status: str | None = None
    entered_at: datetime | None = None
    problems: list[str] = []
    count = 0
    for count, event in enumerate(events, start=1):
        problem = _problem(event, count, status, table)
        if problem is not None:
            problems.append(problem)
        if event.to_status != status:
            entered_at = event.at
        status = event.to_status
    return Replayed(status, entered_at, count, tuple(problems))
