"""The demo store: a simulated month that ends at a pinned "now", its polls as fetch runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from engine.store import FetchKind, RunStatus, open_store
from simulator.scenario.loader import load_scenario
from simulator.scenario.values import Scenario
from workspace.sample_store import SIMULATED, ending_at, fill

SCENARIOS = Path(__file__).resolve().parents[2] / "simulator" / "scenarios"
# A Wednesday afternoon: the demo day runs from Tuesday 14:00 to Wednesday 14:00 (whole hours).
NOW = datetime(2026, 3, 18, 14, 25, tzinfo=UTC)
START, END = datetime(2026, 3, 17, 14, tzinfo=UTC), datetime(2026, 3, 18, 14, tzinfo=UTC)


class PinnedClock:
    def now(self) -> datetime:
        return NOW

    def sleep(self, seconds: float) -> None:
        raise AssertionError("the fill never waits")


def small_baseline() -> Scenario:
    """The baseline at 40 orders a day: quick to write into a store."""
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    return replace(scenario, arrivals=replace(scenario.arrivals, per_day=40.0))


def test_the_month_is_moved_to_end_at_the_hour_now_is_in() -> None:
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    assert scenario.start == datetime(2026, 1, 5, tzinfo=UTC)  # as the file says
    assert ending_at(scenario, 30, NOW).start == datetime(2026, 2, 16, 14, tzinfo=UTC)
    assert ending_at(scenario, 1, NOW).start == START


def test_the_demo_store_ends_at_the_pinned_now_with_its_polls_as_fetch_runs(
    tmp_path: Path,
) -> None:
    with open_store(f"sqlite:///{tmp_path / 'demo.db'}") as store:
        filled = fill(store, small_baseline(), days=1, seed=7, clock=PinnedClock())
        events = store.events_frame()
        runs = store.fetch_runs()
        assert store.watermark("lengow") is None  # nothing says a real sync fetched anything
    assert (filled.start, filled.end) == (START, END)
    assert events["at"].min() >= pd.Timestamp(START)
    assert events["at"].max() < pd.Timestamp(END)
    # Cdiscount's schedule: a fetch every 15 minutes (95 between the two sweeps), a daily sweep
    # over 5 days in day-long windows (5 at the start, 5 a day later), and the closing sweep.
    assert filled.fetch_runs == len(runs) == 106
    kinds = [r.kind for r in runs]
    assert (kinds.count(FetchKind.INCREMENTAL), kinds.count(FetchKind.SWEEP)) == (95, 11)
    assert {(r.status, r.holder, r.account) for r in runs} == {(RunStatus.OK, SIMULATED, SIMULATED)}
    first, last = runs[0], runs[-1]
    assert (first.started_at, first.window_from, first.window_to) == (
        START,
        datetime(2026, 3, 12, 14, tzinfo=UTC),
        datetime(2026, 3, 13, 14, tzinfo=UTC),
    )
    assert (last.kind, last.window_from, last.window_to, last.finished_at) == (
        FetchKind.SWEEP,
        datetime(2026, 3, 13, 14, tzinfo=UTC),
        END,
        END,
    )
    # The sweeps at the start look at days before the month: they bring nothing.
    assert [r.orders for r in runs[:5]] == [0, 0, 0, 0, 0]
    # An order is news at each poll that shows it moved: this seed's 42 orders, 124 times.
    assert filled.orders == 42
    assert sum(r.orders for r in runs) == 124
