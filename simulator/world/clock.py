"""Virtual time for simulations: a month passes in seconds.

`VirtualClock` satisfies `engine.model.clock.Clock`, the protocol the real clock also satisfies, so
the fetch scheduler and everything else that asks for the time run unchanged on either. Inside the
simulator time is counted in whole seconds since the scenario's start (numpy int64 arrays);
the clock converts between those seconds and timezone-aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from engine.model.clock import Clock


class VirtualClock:
    """A clock that moves only when told to; `sleep` returns at once, having moved time on."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a virtual clock needs a timezone-aware start, e.g. ...+00:00")
        self.start = start.astimezone(UTC)
        self._elapsed = 0

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self._elapsed)

    def sleep(self, seconds: float) -> None:
        self._elapsed += max(0, round(seconds))

    @property
    def elapsed(self) -> int:
        """Whole seconds since the start."""
        return self._elapsed

    def advance_to(self, elapsed: int) -> None:
        """Move to `elapsed` seconds after the start; time never runs backwards."""
        if elapsed < self._elapsed:
            raise ValueError(f"virtual time cannot go back from {self._elapsed}s to {elapsed}s")
        self._elapsed = elapsed

    def at(self, elapsed: int) -> datetime:
        """The datetime `elapsed` seconds after the start."""
        return self.start + timedelta(seconds=int(elapsed))

    def seconds(self, when: datetime) -> int:
        """Whole seconds from the start to `when`."""
        return int((when - self.start).total_seconds())

    def epoch_seconds(self, elapsed: NDArray[np.int64]) -> NDArray[np.int64]:
        """Unix seconds of many virtual instants at once, for columnar output."""
        offset = np.int64(int(self.start.timestamp()))
        result: NDArray[np.int64] = elapsed + offset
        return result


def _conforms(clock: VirtualClock) -> Clock:
    """Keeps `VirtualClock` checked against the shared protocol by the type checker."""
    return clock
