"""How a simulated month of orders ended: the numbers two simulators of it are compared on.

Two models of the same scenario draw different random numbers, so they never agree order by
order; they agree when their mix of outcomes is the same within sampling error. `OutcomeMix` is
read from a run's event log (every status change, creation first): the orders at each status
when the run ends, and the time from arrival to acceptance and to shipment (count, mean,
variance). `differences` lists every check two mixes fail, Z = 4 standard errors each (with about
20 statuses and 2 times, a false alarm is about one run in a thousand):

- each status's share of the orders: |p1 - p2| <= Z * sqrt(p (1 - p) (1/n1 + 1/n2)), p the
  pooled share, plus a slack of 0.05 percentage point;
- each mean time: |m1 - m2| <= Z * sqrt(v1/n1 + v2/n2), plus a slack of 0.5 % of the mean.

The slacks only matter at a million orders, where one standard error is a few hundredths of a
point: they forgive modelling details below what a reader of the mix would notice (which of two
moves due in the same second wins), not a wrong rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Z = 4.0
SHARE_SLACK = 0.0005
MEAN_SLACK = 0.005
# The events whose time since the order's arrival is compared.
TIMED_TRIGGERS = ("accept", "ship")


@dataclass(frozen=True)
class Moments:
    count: int
    mean: float
    variance: float

    @classmethod
    def of(cls, values: NDArray[np.int64]) -> Moments:
        if values.size == 0:
            return cls(0, 0.0, 0.0)
        return cls(int(values.size), float(values.mean()), float(values.var()))


@dataclass(frozen=True)
class OutcomeMix:
    orders: int
    events: int
    ending: dict[str, int]  # orders at each status when the run ends
    since_arrival: dict[str, Moments]  # seconds from arrival to each TIMED_TRIGGERS event

    @classmethod
    def of(
        cls,
        log: dict[str, NDArray[np.int64]],
        statuses: Sequence[str],
        triggers: Sequence[str],
    ) -> OutcomeMix:
        """The mix of an event log: columns `order`, `time`, `dest`, `trigger` (codes into
        `statuses` and `triggers`, -1 for the creation) and `arrival` (per order)."""
        order, time, dest, trigger = (log[k] for k in ("order", "time", "dest", "trigger"))
        by_order = np.lexsort((time, order))
        last = by_order[np.r_[order[by_order][1:] != order[by_order][:-1], True]]
        counts = np.bincount(dest[last], minlength=len(statuses))
        timed = {}
        for name in TIMED_TRIGGERS:
            rows = trigger == triggers.index(name)
            timed[name] = Moments.of(time[rows] - log["arrival"][order[rows]])
        ending = {s: int(c) for s, c in zip(statuses, counts, strict=True) if c}
        return cls(int(log["arrival"].size), int(order.size), ending, timed)

    def share(self, status: str) -> float:
        return self.ending.get(status, 0) / self.orders


def differences(a: OutcomeMix, b: OutcomeMix) -> list[str]:
    """Every check of the module's docstring that `a` and `b` fail, as a sentence each."""
    found = []
    for status in sorted({*a.ending, *b.ending}):
        p1, p2 = a.share(status), b.share(status)
        pooled = (a.ending.get(status, 0) + b.ending.get(status, 0)) / (a.orders + b.orders)
        error = math.sqrt(pooled * (1 - pooled) * (1 / a.orders + 1 / b.orders))
        if abs(p1 - p2) > Z * error + SHARE_SLACK:
            found.append(f"orders ending at {status}: {p1:.4%} against {p2:.4%}")
    for name in TIMED_TRIGGERS:
        m1, m2 = a.since_arrival[name], b.since_arrival[name]
        if not m1.count or not m2.count:
            found.append(f"time to {name}: {m1.count} against {m2.count} orders")
            continue
        error = math.sqrt(m1.variance / m1.count + m2.variance / m2.count)
        if abs(m1.mean - m2.mean) > Z * error + MEAN_SLACK * (m1.mean + m2.mean) / 2:
            found.append(f"mean time to {name}: {m1.mean:,.0f}s against {m2.mean:,.0f}s")
    return found


@dataclass(frozen=True)
class MonthRun:
    """One side's simulated month, as its child process reports it."""

    seconds: float
    cpu_seconds: float
    peak_mb: float
    mix: OutcomeMix
