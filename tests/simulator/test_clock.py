"""The virtual clock: moves only when told, never backwards, and converts both ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from simulator.world.clock import VirtualClock

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def test_sleep_moves_time_at_once() -> None:
    clock = VirtualClock(T0)
    clock.sleep(900)
    assert clock.now() == T0 + timedelta(minutes=15)
    assert clock.elapsed == 900


def test_time_never_goes_back() -> None:
    clock = VirtualClock(T0)
    clock.advance_to(60)
    with pytest.raises(ValueError, match="cannot go back from 60s to 30s"):
        clock.advance_to(30)


def test_conversions() -> None:
    clock = VirtualClock(T0)
    assert clock.at(86400) == datetime(2026, 1, 6, tzinfo=UTC)
    assert clock.seconds(datetime(2026, 1, 5, 1, tzinfo=UTC)) == 3600
    assert clock.epoch_seconds(np.array([0, 60])).tolist() == [1767571200, 1767571260]


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        VirtualClock(datetime(2026, 1, 5))
