"""The fetches of a run come from the engine's scheduler: first sweep, quarter hours, daily."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from engine.model.definition import FetchSchedule
from simulator.run.pollplan import plan_polls
from simulator.world.clock import VirtualClock

SCHEDULE = FetchSchedule(900, 7200, 86400, 5 * 86400)


def test_two_days_of_fetches() -> None:
    plan = plan_polls(SCHEDULE, VirtualClock(datetime(2026, 1, 5, tzinfo=UTC)), 2 * 86400)
    first_sweep = plan.at == 0
    assert plan.sweep[first_sweep].all() and first_sweep.sum() == 5
    increments = ~plan.sweep
    assert np.all(np.diff(plan.at[increments]) > 0)
    assert plan.at[increments][0] == 900 and plan.start[increments][0] == -7200
    assert np.all(plan.end == np.where(plan.sweep, plan.end, plan.at))
    # Sweeps at day 1 and day 2 replace that quarter's increment; the last one closes the run.
    assert sorted(set(plan.at[plan.sweep].tolist())) == [0, 86400, 2 * 86400]
    assert plan.times().size == 2 * 96 + 1


def test_every_instant_of_the_run_is_covered_by_some_window() -> None:
    plan = plan_polls(SCHEDULE, VirtualClock(datetime(2026, 1, 5, tzinfo=UTC)), 86400)
    increments = ~plan.sweep
    starts, ends = plan.start[increments], plan.end[increments]
    assert np.all(starts[1:] <= ends[:-1])  # each window overlaps the one before
