"""When orders arrive: a seasonal Poisson rate, or a fixed count spread the same way.

The run is cut into hours; each hour's expected number of orders is the scenario's daily rate
shaped by the hour of day and the day of week (evenings and Mondays busier). A rate draws a
Poisson count per hour, a fixed count is shared among the hours by one multinomial draw; the
orders of an hour are spread uniformly within it. A handful of vectorised draws from the
scenario's generator, whatever the number of orders.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from simulator.scenario.values import Arrivals

HOUR = 3600


def hourly_rates(arrivals: Arrivals, start: datetime, days: int) -> NDArray[np.float64]:
    """The expected number of orders in each hour of the run (rate) or its share (count)."""
    hours = np.arange(days * 24)
    clock_hours = start.hour + hours
    hour_of_day = clock_hours % 24
    weekday = (start.weekday() + clock_hours // 24) % 7
    hourly = np.asarray(arrivals.hourly, dtype=np.float64)
    weekly = np.asarray(arrivals.weekly, dtype=np.float64)
    shape = (hourly / hourly.mean())[hour_of_day] * (weekly / weekly.mean())[weekday]
    per_hour = (arrivals.per_day or 0.0) / 24.0
    rates: NDArray[np.float64] = shape * per_hour if arrivals.count is None else shape
    return rates


def arrival_times(
    arrivals: Arrivals, start: datetime, days: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Arrival instants in whole seconds since `start`, sorted: one per order."""
    rates = hourly_rates(arrivals, start, days)
    if arrivals.count is None:
        counts = rng.poisson(rates)
    else:
        counts = rng.multinomial(arrivals.count, rates / rates.sum())
    hour_starts = np.repeat(np.arange(rates.size, dtype=np.int64) * HOUR, counts)
    offsets = np.floor(rng.random(hour_starts.size) * HOUR).astype(np.int64)
    times: NDArray[np.int64] = np.sort(hour_starts + offsets)
    return times
