"""When each status was entered, and how long a stay lasted, when some entries were never seen.

The rule every duration of the project follows (time in status, time to accept, to ship, to a
stage, the Overview's median, the map's edge times, the `interval` export):

- An **observed** event was entered at its time, exactly.
- An **inferred** event (a status the rules say the order went through between two fetches) was
  entered at an unknown instant between two polls: no later than the order's next observed
  event (`high`), and after the later of its previous observed event and the last poll before
  that next observation (the log's `last_poll`, when the polls are known: had the order
  changed before that poll, the poll would have seen it). Its entry is *interval-censored*
  within these **poll bounds** (`low`, `high`). Without the polls, `low` is the previous
  observed event: still a true bound, but a loose one (an order waits hours at a status, seen
  unchanged at every poll, then moves through several in minutes), and the estimate below then
  lands too early. The store stamps an inferred event with the next observed time (`high`);
  reading that as its entry gives the 0 s stays a process-mining tool would see.
- Its **estimate**: the k inferred statuses of one gap between observed events at `low` and
  `high` are placed evenly in it, the j-th at `low + j (high - low) / (k + 1)` (the expected
  positions of k ordered entry times drawn uniformly in the gap; one inferred status sits at the
  midpoint). Stays inside the gap are then equal shares of it instead of zeros.
- An inferred event before the order's first observed event (the order was first seen past its
  creation) has no lower bound: its entry is **unbounded** and has no estimate.
- An inferred event no observed one follows (the engine writes none; a hand-made log may) has
  the order's last time as its upper bound.

A stay (or any span) runs from one entry `a` to a later entry `b` of the same order. It is
**known** when both were observed, **censored** when either was inferred with bounds (it lies in
`[max(0, low_b - high_a), high_b - low_a]`, and its estimate is `est_b - est_a`), **unbounded**
when `a` has no lower bound. Figures (`summary`) are taken over the known and censored spans,
the censored ones at their estimate; `median_low_s` and `median_high_s` are the median of every
span's lower and of its upper bound, so the true median lies between them whatever the unknown
entry times were. Unbounded spans are counted, never measured. All arithmetic is on integer
microseconds, so an export that writes the estimates gives back exactly these figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.eventlog import POLL, case_first, case_last, instants, seconds

QUANTILES: dict[str, float] = {"median_s": 0.5, "p90_s": 0.9, "p99_s": 0.99}
KNOWN, CENSORED, UNBOUNDED = 0, 1, 2
NAT = np.datetime64("NaT", "us")
# The columns `summary` gives, after the key.
FIGURES: tuple[str, ...] = (
    "timed",
    "known",
    "censored",
    "unbounded",
    *QUANTILES,
    "median_low_s",
    "median_high_s",
)


@dataclass(frozen=True, eq=False)
class Entries:
    """Per event of a prepared log: the poll bounds of its entry (`low`, NaT when unbounded;
    `high`), its `estimate` (NaT when unbounded), and whether it was `observed`."""

    low: np.ndarray
    high: np.ndarray
    estimate: np.ndarray
    observed: np.ndarray

    @property
    def bounded(self) -> np.ndarray:
        return np.asarray(~np.isnat(self.low), dtype=bool)

    def placed(self) -> np.ndarray:
        """The time an entry is placed at, to count it in a period: its estimate, or where it is
        unbounded its upper bound (the first time the order was seen there)."""
        return np.where(self.bounded, self.estimate, self.high)


def entries(log: pd.DataFrame) -> Entries:
    """The entry bounds and estimate of every event of a prepared log (see the module)."""
    times = instants(log)
    observed = ~log["inferred"].to_numpy(dtype=bool)
    n = len(times)
    if not n:
        empty = np.zeros(0, dtype="datetime64[us]")
        return Entries(empty, empty, empty, observed)
    index = np.arange(n)
    sizes = np.diff(np.r_[case_first(log), n])
    start = np.repeat(case_first(log), sizes)
    end = np.repeat(case_last(log), sizes)
    before = np.maximum.accumulate(np.where(observed, index, -1))
    before = np.where(before >= start, before, -1)
    after = np.minimum.accumulate(np.where(observed, index, n)[::-1])[::-1]
    trailing = after > end
    after = np.where(trailing, end + 1, after)  # a virtual observation just past the order
    high = times[np.where(trailing, end, np.minimum(after, n - 1))]
    bounded = before >= 0
    low = np.where(bounded, times[np.maximum(before, 0)], NAT)
    if POLL in log.columns:  # the last poll before the revealing observation, when later
        polled = np.asarray(log[POLL].dt.tz_convert(None).to_numpy(), dtype="datetime64[us]")
        revealed = np.where(trailing, NAT, polled[np.minimum(after, n - 1)])
        later = bounded & ~observed & ~np.isnat(revealed) & (revealed > low)
        low = np.where(later, revealed, low)
    width = (high - np.where(bounded, low, high)).astype(np.int64)
    step = np.where(bounded, index - before, 0)
    gap = np.maximum(after - before, 1)
    offset = (width * step) // gap  # integer microseconds: exact and reproducible
    estimate = np.where(bounded, low + offset.astype("timedelta64[us]"), NAT)
    return Entries(low, high, estimate, observed)


@dataclass(frozen=True, eq=False)
class Spans:
    """Durations from entries `a` to entries `b`, in seconds: `estimate` (NaN when unbounded),
    `low` and `high` bounds, and each one's `kind` (KNOWN, CENSORED, UNBOUNDED)."""

    estimate: np.ndarray
    low: np.ndarray
    high: np.ndarray
    kind: np.ndarray

    def __len__(self) -> int:
        return len(self.kind)

    def take(self, keep: np.ndarray) -> Spans:
        return Spans(self.estimate[keep], self.low[keep], self.high[keep], self.kind[keep])


def spans(found: Entries, a: np.ndarray, b: np.ndarray) -> Spans:
    """The spans from the entries at rows `a` to those at rows `b` (same order, b after a)."""
    bounded = found.bounded[a]
    estimate = seconds(found.estimate[b] - found.estimate[a])
    low = np.maximum(seconds(found.low[b] - found.high[a]), 0.0)
    high = seconds(found.high[b] - found.low[a])
    both = found.observed[a] & found.observed[b]
    kind = np.where(both, KNOWN, np.where(bounded, CENSORED, UNBOUNDED)).astype(np.int8)
    unknown = kind == UNBOUNDED
    estimate[unknown], low[unknown], high[unknown] = np.nan, np.nan, np.nan
    return Spans(estimate, low, high, kind)


def summary(found: Spans, keys: np.ndarray, names: Sequence[object] | pd.Index) -> pd.DataFrame:
    """Per key (an integer code into `names`; -1 left out): `timed` (known + censored spans),
    `known`, `censored`, `unbounded`, the quantiles of the estimates, and the median of the lower
    and of the upper bounds. Every name gets a row, with NaN figures when nothing was timed."""
    size = len(names)
    keep = keys >= 0
    keys, found = keys[keep], found.take(keep)
    counts = {
        name: np.bincount(keys[found.kind == kind], minlength=size)
        for name, kind in (("known", KNOWN), ("censored", CENSORED), ("unbounded", UNBOUNDED))
    }
    timed = found.kind != UNBOUNDED
    table = pd.DataFrame(index=names if isinstance(names, pd.Index) else pd.Index(list(names)))
    table["timed"] = counts["known"] + counts["censored"]
    for name, values in counts.items():
        table[name] = values
    quantiles = grouped_quantiles(keys[timed], found.estimate[timed], size, QUANTILES.values())
    for column, values in zip(QUANTILES, quantiles.T, strict=True):
        table[column] = values
    table["median_low_s"] = grouped_quantiles(keys[timed], found.low[timed], size, [0.5])[:, 0]
    table["median_high_s"] = grouped_quantiles(keys[timed], found.high[timed], size, [0.5])[:, 0]
    columns = ["timed", "known", "censored", "unbounded"]
    table[columns] = table[columns].astype("int64")
    return table


def grouped_quantiles(
    keys: np.ndarray, values: np.ndarray, size: int, quantiles: Iterable[float]
) -> np.ndarray:
    """`quantiles` of `values` per integer key in [0, size), linear interpolation (numpy's and
    pandas' default): one sort for every group, however many groups. NaN for an empty group."""
    qs = np.asarray(list(quantiles), dtype=np.float64)
    out = np.full((size, len(qs)), np.nan)
    if not len(values):
        return out
    # lexsort((values, keys)) in two passes: twice as fast on a million values (numpy's
    # vectorised sort of the values, then a stable radix sort of the small integer keys).
    order = np.argsort(values)
    narrow = np.int16 if size < 2**15 else np.int64
    order = order[np.argsort(keys[order].astype(narrow), kind="stable")]
    ordered, grouped = values[order], keys[order]
    counts = np.bincount(grouped, minlength=size)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    present = counts > 0
    position = (counts[present, None] - 1) * qs[None, :]
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, counts[present, None] - 1)
    base = starts[present, None]
    low, high = ordered[base + below], ordered[base + above]
    out[present] = low + (high - low) * (position - below)
    return out
