"""What one benchmark reports: figures to read, ratios that travel between machines, agreement.

`agree` says, per check, whether both sides did the same work (same answer, expected exit code):
a ratio means nothing if they did not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class BenchResult:
    name: str
    figures: dict[str, float] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    agree: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """The fastest of `repeats` runs of `work`, in seconds: the least disturbed by the machine."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best
