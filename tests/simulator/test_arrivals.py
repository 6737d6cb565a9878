"""Arrivals: a seasonal rate or a fixed count, sorted, in whole seconds."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from simulator.scenario.values import Arrivals
from simulator.world.arrivals import arrival_times, hourly_rates

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
EVENING = tuple(3.0 if 18 <= h < 22 else 1.0 for h in range(24))
MONDAYS = (2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)


def test_a_fixed_count_is_exact_and_sorted() -> None:
    times = arrival_times(Arrivals(None, 1234), MONDAY, 7, np.random.default_rng(1))
    assert times.size == 1234
    assert np.all(np.diff(times) >= 0)
    assert times.min() >= 0 and times.max() < 7 * 86400


def test_a_daily_rate_is_the_average_day() -> None:
    times = arrival_times(
        Arrivals(500.0, None, EVENING, MONDAYS), MONDAY, 28, np.random.default_rng(2)
    )
    assert times.size / 28 == pytest.approx(500.0, rel=0.02)


def test_evenings_and_mondays_are_busier() -> None:
    times = arrival_times(
        Arrivals(None, 200_000, EVENING, MONDAYS), MONDAY, 14, np.random.default_rng(3)
    )
    hours = np.bincount((times // 3600) % 24, minlength=24)
    days = np.bincount(times // 86400 % 7, minlength=7)
    assert hours[19] / hours[3] == pytest.approx(3.0, rel=0.05)
    assert days[0] / days[3] == pytest.approx(2.0, rel=0.05)  # the start is a Monday


def test_rates_follow_the_clock_of_the_start() -> None:
    rates = hourly_rates(
        Arrivals(24.0, None, EVENING, MONDAYS), datetime(2026, 1, 4, 18, tzinfo=UTC), 1
    )
    # A Sunday at 18:00: the first four hours are evening hours, then Monday comes at hour 6.
    weekly = np.asarray(MONDAYS) / np.mean(MONDAYS)
    hourly = np.asarray(EVENING) / np.mean(EVENING)
    assert rates[0] == pytest.approx(hourly[18] * weekly[6])
    assert rates[6] == pytest.approx(hourly[0] * weekly[0])
