"""Time as an injected dependency.

The fetch scheduler, timers and the outbox ask a `Clock` for the time instead of the system, so
the same code runs on the real clock (`orderflow sync --watch`) and on the simulator's virtual
clock, where a month passes in seconds.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Let `seconds` pass."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))
