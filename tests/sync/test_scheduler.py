"""The fetch plan: the first sweep, 15-minute increments with overlap, catch-up after downtime."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from engine.model.definition import FetchSchedule
from engine.sync.scheduler import PastRun, Window, WindowKind, next_due, plan, watermark
from engine.sync.sync_report import SyncReport

SCHEDULE = FetchSchedule(
    every_seconds=900,
    overlap_seconds=7200,
    sweep_every_seconds=86400,
    sweep_lookback_seconds=5 * 86400,
)
T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
SWEEP = WindowKind.SWEEP
INC = WindowKind.INCREMENTAL


def run(kind: WindowKind, start: datetime, end: datetime, ok: bool = True) -> PastRun:
    return PastRun(kind, start, end, started_at=end, ok=ok)


def test_a_new_store_sweeps_the_last_five_days_in_day_pieces() -> None:
    windows = plan(T0, SCHEDULE, [])
    assert [w.kind for w in windows] == [SWEEP] * 5
    assert windows[0].start == datetime(2026, 10, 28, 12, 0, tzinfo=UTC)
    assert windows[-1].end == T0
    assert all(a.end == b.start for a, b in itertools.pairwise(windows))


def test_nothing_is_due_before_fifteen_minutes() -> None:
    history = [run(SWEEP, T0 - timedelta(days=5), T0)]
    assert plan(T0 + timedelta(minutes=14), SCHEDULE, history) == []
    assert next_due(T0 + timedelta(minutes=14), SCHEDULE, history) == T0 + timedelta(minutes=15)


def test_an_increment_starts_two_hours_before_the_watermark() -> None:
    history = [run(SWEEP, T0 - timedelta(days=5), T0)]
    now = T0 + timedelta(minutes=15)
    assert plan(now, SCHEDULE, history) == [Window(INC, T0 - timedelta(hours=2), now)]


def test_a_failed_run_does_not_move_the_watermark() -> None:
    history = [
        run(SWEEP, T0 - timedelta(days=5), T0),
        run(INC, T0 - timedelta(hours=2), T0 + timedelta(minutes=15), ok=False),
    ]
    assert watermark(history) == T0
    now = T0 + timedelta(minutes=30)
    assert plan(now, SCHEDULE, history) == [Window(INC, T0 - timedelta(hours=2), now)]


def test_downtime_is_caught_up_without_gaps() -> None:
    history = [run(SWEEP, T0 - timedelta(days=5), T0)]
    now = T0 + timedelta(hours=30)  # the sweep is due again too
    windows = plan(now, SCHEDULE, history)
    assert windows[0].kind is SWEEP and windows[0].start == now - timedelta(days=5)
    later = [run(SWEEP, T0 - timedelta(days=5), T0), run(INC, T0, T0 + timedelta(hours=20))]
    now = T0 + timedelta(hours=22)
    assert plan(now, SCHEDULE, later) == [Window(INC, T0 + timedelta(hours=18), now)]


def test_the_daily_sweep_comes_back_after_a_day() -> None:
    history = [run(SWEEP, T0 - timedelta(days=5), T0), run(INC, T0, T0 + timedelta(hours=23))]
    now = T0 + timedelta(days=1)
    assert {w.kind for w in plan(now, SCHEDULE, history)} == {SWEEP}


def test_a_report_writes_a_window_spanning_days_with_both_days() -> None:
    day = datetime(2026, 11, 28, 10, 1, tzinfo=UTC)
    report = SyncReport(
        windows=[
            Window(WindowKind.SWEEP, day - timedelta(days=5), day),
            Window(WindowKind.INCREMENTAL, day, day + timedelta(minutes=15)),
        ]
    )
    assert report.summary().startswith(
        "2 window(s): sweep 2026-11-23 10:01..2026-11-28 10:01, "
        "incremental 2026-11-28 10:01..10:16; 0 page(s)"
    )
