"""Which window to fetch, decided from the clock and the past runs alone.

The rule file's schedule says: an incremental fetch every few minutes on `updated_at`, starting a
little before the last committed watermark (the overlap catches late writes on the marketplace's
side), and a periodic sweep of everything updated in the last days. `plan` is a pure function of
the time and the history of runs, so the real clock, a one-shot run and the simulator's virtual
clock all share it, and a process that was down simply gets the missed span as windows (cut into
bounded pieces so a long catch-up commits progress as it goes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from engine.model.definition import FetchSchedule


class WindowKind(StrEnum):
    INCREMENTAL = "incremental"
    SWEEP = "sweep"


@dataclass(frozen=True)
class Window:
    kind: WindowKind
    start: datetime
    end: datetime


@dataclass(frozen=True)
class PastRun:
    """What the scheduler needs to know of a finished fetch run."""

    kind: WindowKind
    start: datetime
    end: datetime
    started_at: datetime
    ok: bool


def watermark(history: Iterable[PastRun]) -> datetime | None:
    """The end of the latest window whose data was committed, of either kind."""
    ends = [run.end for run in history if run.ok]
    return max(ends) if ends else None


def _last_sweep(history: Iterable[PastRun]) -> datetime | None:
    starts = [run.started_at for run in history if run.ok and run.kind is WindowKind.SWEEP]
    return max(starts) if starts else None


def _pieces(kind: WindowKind, start: datetime, end: datetime, longest: timedelta) -> list[Window]:
    windows = []
    while start < end:
        stop = min(end, start + longest)
        windows.append(Window(kind, start, stop))
        start = stop
    return windows


def plan(
    now: datetime,
    schedule: FetchSchedule,
    history: Iterable[PastRun],
    longest: timedelta = timedelta(days=1),
) -> list[Window]:
    """The windows to fetch now, oldest first; empty when nothing is due.

    A new store starts with the sweep window. A sweep is due once `sweep_every` has passed since
    the last successful one; an incremental fetch once `every` has passed since the watermark.
    """
    history = list(history)
    lookback = timedelta(seconds=schedule.sweep_lookback_seconds)
    mark = watermark(history)
    last_sweep = _last_sweep(history)
    sweep_due = last_sweep is None or now - last_sweep >= timedelta(
        seconds=schedule.sweep_every_seconds
    )
    if mark is None or sweep_due:
        return _pieces(WindowKind.SWEEP, now - lookback, now, longest)
    if now - mark < timedelta(seconds=schedule.every_seconds):
        return []
    # Never reach further back than the sweep would: older changes are the sweep's job.
    start = max(mark - timedelta(seconds=schedule.overlap_seconds), now - lookback)
    return _pieces(WindowKind.INCREMENTAL, start, now, longest)


def next_due(now: datetime, schedule: FetchSchedule, history: Iterable[PastRun]) -> datetime:
    """When `plan` will next return windows (now, when something is already due)."""
    history = list(history)
    mark = watermark(history)
    last_sweep = _last_sweep(history)
    if mark is None or last_sweep is None:
        return now
    due = min(
        mark + timedelta(seconds=schedule.every_seconds),
        last_sweep + timedelta(seconds=schedule.sweep_every_seconds),
    )
    return max(now, due)
