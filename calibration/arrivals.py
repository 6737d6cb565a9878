"""How orders arrived: the daily rate, shaped by the hour of day and the day of week.

The scenario's arrivals are a Poisson rate per hour, `per_day / 24` times an hourly weight times a
weekly weight (`simulator.world.arrivals`). Fitted from each order's creation (its time under
`analytics.censoring`: observed, or first seen for an order first fetched past its creation):
the maximum likelihood of that product model, by alternating the two sets of weights against
the hours each (hour, weekday) cell was observed (the log need not cover whole weeks; a weekday
it never covers gets the mean weight of the others).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOUR = 3600.0
ROUNDS = 50


@dataclass(frozen=True)
class ArrivalFit:
    orders: int
    days: float
    per_day: float
    hourly: tuple[float, ...]
    weekly: tuple[float, ...]


def fit_arrivals(created: np.ndarray, start: float, end: float) -> ArrivalFit:
    """`created`: creation instants in seconds since the epoch, within [start, end)."""
    first_hour = int(np.floor(start / HOUR))
    hours = np.arange(first_hour, int(np.ceil(end / HOUR)))
    # The share of each hour inside [start, end): the first and last may be partial.
    exposure = np.clip(
        np.minimum((hours + 1) * HOUR, end) - np.maximum(hours * HOUR, start), 0, None
    )
    exposure = exposure / HOUR
    hour_of_day = hours % 24
    weekday = (hours // 24 + 3) % 7  # 1970-01-01 was a Thursday: Monday is 0
    cells = np.zeros((24, 7))
    np.add.at(cells, (hour_of_day, weekday), exposure)
    slots = np.floor(created / HOUR).astype(np.int64)
    counts = np.zeros((24, 7))
    np.add.at(counts, (slots % 24, (slots // 24 + 3) % 7), 1.0)
    hourly, weekly = np.ones(24), np.ones(7)
    for _ in range(ROUNDS):
        hourly = counts.sum(axis=1) / np.maximum(cells @ weekly, 1e-12)
        weekly = counts.sum(axis=0) / np.maximum(hourly @ cells, 1e-12)
    # A weekday the log never covers has no weight of its own: it gets the others' mean.
    covered = cells.sum(axis=0) > 0
    weekly = np.where(covered, weekly, weekly[covered].mean() if covered.any() else 1.0)
    # Normalised to a mean of one, as the scenario reads them: the rate carries the level.
    h_mean, w_mean = hourly.mean(), weekly.mean()
    days = (end - start) / 86400.0
    per_day = float(h_mean * w_mean * 24.0)
    return ArrivalFit(
        orders=len(created),
        days=days,
        per_day=per_day,
        hourly=tuple(float(v) for v in hourly / h_mean) if h_mean > 0 else (1.0,) * 24,
        weekly=tuple(float(v) for v in weekly / w_mean) if w_mean > 0 else (1.0,) * 7,
    )
