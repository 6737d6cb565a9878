"""The fetches of a simulated run, decided by the engine's own fetch scheduler.

`engine.sync.scheduler.plan` is a pure function of the time and the past runs; here it is stepped
over the run's virtual time (a virtual clock, every fetch succeeding) to list every window the
integrator would fetch: incremental fetches with their overlap, the periodic sweeps, and one
last sweep at the end so the engine's final picture can be compared with the truth. The seller
can only see an order from the first fetch at or after its change, so the same list decides
when sellers can act.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.model.definition import FetchSchedule
from engine.sync.scheduler import PastRun, WindowKind, next_due, plan
from simulator.world.clock import VirtualClock

I64 = NDArray[np.int64]


@dataclass(frozen=True)
class PollPlan:
    """Every fetch of a run, in order: when it runs and the `updated_at` window it asks for."""

    at: I64
    start: I64
    end: I64
    sweep: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.at.size)

    def times(self) -> I64:
        """The distinct instants at which fetches ran, sorted."""
        result: I64 = np.unique(self.at)
        return result


def plan_polls(schedule: FetchSchedule, clock: VirtualClock, horizon: int) -> PollPlan:
    """The fetches from the start of `clock` to `horizon` seconds later, closed by a sweep."""
    rows: list[tuple[int, int, int, bool]] = []
    latest: dict[WindowKind, PastRun] = {}  # the scheduler only reads the latest of each kind
    while clock.elapsed <= horizon:
        now = clock.now()
        for window in plan(now, schedule, latest.values()):
            rows.append(
                (
                    clock.elapsed,
                    clock.seconds(window.start),
                    clock.seconds(window.end),
                    window.kind is WindowKind.SWEEP,
                )
            )
            latest[window.kind] = PastRun(window.kind, window.start, window.end, now, ok=True)
        due = clock.seconds(next_due(now, schedule, latest.values()))
        clock.advance_to(max(due, clock.elapsed + 1))
    lookback = schedule.sweep_lookback_seconds
    rows.append((horizon, horizon - lookback, horizon, True))
    at, start, end, sweep = zip(*rows, strict=True)
    return PollPlan(
        np.asarray(at, np.int64),
        np.asarray(start, np.int64),
        np.asarray(end, np.int64),
        np.asarray(sweep, np.bool_),
    )
