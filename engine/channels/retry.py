"""How long to wait before trying a channel call again.

Failures that may pass (5xx, timeouts, dropped connections) are retried a bounded number of times
with exponential backoff and jitter, so many workers do not hammer a recovering server in step;
a 429 waits what the server's `Retry-After` asks. The random source is injected (a seeded numpy
Generator in tests), so the delays of a test run are known in advance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

import numpy as np


@dataclass(frozen=True)
class RetryPolicy:
    """`retries` after the first try for transient failures; `rate_limit_retries` for 429s."""

    retries: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    rate_limit_retries: int = 5
    max_retry_after: float = 300.0

    def backoff(self, failures: int, rng: np.random.Generator) -> float:
        """The wait after the `failures`-th failure: base * 2^(n-1), capped, half of it jittered."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (failures - 1))
        return ceiling * (0.5 + 0.5 * float(rng.random()))


def retry_after(header: str | None, now: datetime) -> float | None:
    """Seconds asked by a `Retry-After` header (seconds or an HTTP date), None when unreadable."""
    if header is None or not header.strip():
        return None
    text = header.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())
