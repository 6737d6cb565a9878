"""When the marketplace was polled, over the whole log, even where the store kept no fetch run.

The seller cannot answer an order before a poll has shown it, and an inferred status's entry is
bounded by the last poll before the order was next seen: both need the polls. A store records
its fetch runs (a simulated month written into a store keeps only its last day's), and the rule
file states the period (`schedule.every_seconds`), so the polls before the first recorded one are
the recorded grid carried back by that period, and those after the last one carried forward to
the log's end. With no fetch run at all, the grid starts at the log's first event.
"""

from __future__ import annotations

import numpy as np

US = 1_000_000


def poll_grid(
    known: np.ndarray, every_seconds: int, first: np.datetime64, last: np.datetime64
) -> np.ndarray:
    """Sorted datetime64[us] polls: `known` ones plus the period's grid from `first` to `last`."""
    step = np.timedelta64(int(every_seconds) * US, "us")
    known = np.unique(np.asarray(known, dtype="datetime64[us]"))
    known = known[~np.isnat(known)]
    first, last = first.astype("datetime64[us]"), last.astype("datetime64[us]")
    if not len(known):
        grid = np.arange(first, last + step, step)
        return np.asarray(grid, dtype="datetime64[us]")
    back = max(int((known[0] - first) // step) + 1, 0)
    ahead = max(int((last - known[-1]) // step) + 1, 0)
    before = known[0] - step * np.arange(back, 0, -1)
    after = known[-1] + step * np.arange(1, ahead + 1)
    return np.unique(np.concatenate([before, known, after]).astype("datetime64[us]"))
