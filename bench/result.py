"""What one benchmark reports, and how its two sides are timed.

A benchmark reports figures to read, ratios that travel between machines (our time over the
peer's), the peer each ratio is taken against, and agreement: whether both sides produced the
same result (same answer, expected exit code), since a ratio means nothing if they did not.

The sides are timed by `interleaved`: ours, the peer, ours, the peer..., so a busy machine slows
both alike, and each side's median is kept (the machine is shared: the median is steadier than
one run and more honest than the best).
"""

from __future__ import annotations

import resource
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

T_co = TypeVar("T_co", covariant=True)


@dataclass
class BenchResult:
    name: str
    figures: dict[str, float] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    agree: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # Per ratio, what its peer is, in a few words: printed beside the ratio by `make bench`.
    peers: dict[str, str] = field(default_factory=dict)

    def compare(self, ratio: str, ours: float, peer: float, described: str) -> None:
        """Record `ratio` = `ours` / `peer` (seconds, lower is better) and what the peer is."""
        self.ratios[ratio] = ours / peer
        self.peers[ratio] = described


@dataclass(frozen=True)
class Timed(Generic[T_co]):
    """A work's own measure of its seconds, for work whose caller would count too much (a
    child process starting up): `interleaved` keeps these seconds instead of its own clock's."""

    seconds: float
    value: T_co


@dataclass
class Rounds:
    """Every side's seconds, one per round, and what each side returned in its last round (a
    `Timed` side's value)."""

    seconds: dict[str, list[float]]
    last: dict[str, Any]

    def median(self, side: str) -> float:
        return statistics.median(self.seconds[side])


def interleaved(
    repeats: int,
    sides: Mapping[str, Callable[[], object]],
    clock: Callable[[], float] = time.perf_counter,
) -> Rounds:
    """Run every side `repeats` times, in turn (a round is each side once, in `sides`' order).

    `clock` is wall time unless told (a CPU clock suits work that never waits). A side whose
    run needs untimed set-up (a fresh database file) times itself and returns `Timed`.
    """
    seconds: dict[str, list[float]] = {side: [] for side in sides}
    last: dict[str, Any] = {}
    for _ in range(repeats):
        for side, work in sides.items():
            start = clock()
            value = work()
            elapsed = clock() - start
            if isinstance(value, Timed):
                elapsed, value = value.seconds, value.value
            seconds[side].append(elapsed)
            last[side] = value
    return Rounds(seconds, last)


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """The fastest of `repeats` runs of `work`, in seconds: for a figure read alone (a build
    time), never for a ratio, whose sides go through `interleaved`."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def peak_rss_mb() -> float:
    """This process's peak resident set in MiB: Linux's VmHWM, the high-water mark of its own
    memory since it started. `ru_maxrss` would not do for a child: it carries over the peak of
    the process that forked it (a benchmark holding a twin, a test runner)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
