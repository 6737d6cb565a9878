"""Every stay of every order at a status, as the fits read it: entered, left (or still there), how.

A stay runs from an order's entry into a status to its next event; its times follow the one rule
of `analytics.censoring` (an inferred entry at its estimate between its poll bounds), and an
entry before the order's first observation lies after the poll before it
(`calibration.first_seen`); one before the log's first poll is unbounded, its stay left out and
counted. A stay with no next event is still open: *right-censored* at the end of the log,
unless its status is final. The poll instants give each stay `seen`, the first poll at or after
its entry: the earliest moment the seller could see the order there, from which the seller's
delay runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.censoring import spans
from analytics.eventlog import CASE, seconds
from calibration.first_seen import first_seen_entries

NAN = np.nan


@dataclass(frozen=True, eq=False)
class Stays:
    """One row per timed stay: `status`, the exit's `trigger` and `actor` ("" while open), the
    `entered`, `seen` and `left` times in seconds since the log's `origin` (`left` NaN while
    open), the `case` it belongs to, and the log's `end` (where open stays are censored)."""

    status: np.ndarray
    trigger: np.ndarray
    actor: np.ndarray
    deviation: np.ndarray
    entered: np.ndarray
    seen: np.ndarray
    left: np.ndarray
    case: np.ndarray
    end: float
    unbounded: int
    low: np.ndarray  # bounds of an ended stay's length (`analytics.censoring.spans`)
    high: np.ndarray

    def __len__(self) -> int:
        return len(self.status)

    def by_status(self) -> dict[str, Stays]:
        """The stays at each status, split in one pass."""
        inverse, names = pd.factorize(self.status)  # hashed: sorting the strings costs more
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(names) + 1))
        return {
            str(name): self._take(order[bounds[i] : bounds[i + 1]]) for i, name in enumerate(names)
        }

    def at(self, status: str) -> Stays:
        """The stays at `status`."""
        return self._take(np.flatnonzero(self.status == status))

    def _take(self, keep: np.ndarray) -> Stays:
        return Stays(
            self.status[keep], self.trigger[keep], self.actor[keep], self.deviation[keep],
            self.entered[keep], self.seen[keep], self.left[keep], self.case[keep], self.end,
            0, self.low[keep], self.high[keep],
        )  # fmt: skip

    @property
    def open(self) -> np.ndarray:
        return np.asarray(np.isnan(self.left), dtype=bool)

    def duration(self, since_seen: bool = False) -> np.ndarray:
        """Each stay's length in seconds (to the log's end while open), from its entry or, with
        `since_seen`, from the first poll that showed it (never below zero)."""
        start = self.seen if since_seen else self.entered
        left = np.where(self.open, self.end, self.left)
        return np.asarray(np.maximum(left - start, 0.0), dtype=np.float64)

    def bounds(self, since_seen: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The bounds of each stay's length (both the length itself while open), as `duration`."""
        length = self.duration(since_seen)
        shift = (self.seen - self.entered) if since_seen else 0.0
        low = np.where(self.open, length, np.maximum(self.low - shift, 0.0))
        high = np.where(self.open, length, np.maximum(self.high - shift, low))
        return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def stays(log: pd.DataFrame, polls: np.ndarray, end: np.datetime64, finals: set[str]) -> Stays:
    """The stays of a prepared log (see the module); `polls` sorted datetime64[us] instants."""
    found = first_seen_entries(log)
    origin = np.datetime64("1970-01-01T00:00:00", "us")
    at = seconds(found.estimate - origin)
    case = log[CASE].to_numpy()
    n = len(log)
    nxt = np.r_[np.arange(1, n), n - 1] if n else np.zeros(0, dtype=np.int64)
    last = np.r_[case[1:] != case[:-1], True] if n else np.zeros(0, dtype=bool)
    status = labels(log["to_status"])
    closed = np.isin(status, list(finals))
    keep = found.bounded & ~(last & closed)
    pick = np.flatnonzero(keep)
    follow = nxt[pick]
    ends = ~last[pick]

    def text(column: str) -> np.ndarray:
        return np.asarray(labels(log[column])[follow])

    deviated = log["deviation"].to_numpy(dtype=bool) if "deviation" in log else np.zeros(n, bool)
    bounded = spans(found, pick, follow)
    entered_us = found.estimate[pick]
    seen_us = polls[np.minimum(np.searchsorted(polls, entered_us, side="left"), len(polls) - 1)]
    seen = np.where(len(polls) > 0, seconds(seen_us - origin), at[pick])
    seen = np.maximum(seen, at[pick])
    return Stays(
        status=status[pick],
        trigger=np.where(ends, text("trigger"), ""),
        actor=np.where(ends, text("actor"), ""),
        deviation=ends & deviated[follow],
        entered=at[pick],
        seen=seen,
        left=np.where(ends, at[follow], NAN),
        case=case[pick],
        end=float(seconds(np.asarray([end - origin]))[0]),
        unbounded=int((~found.bounded).sum()),
        low=np.where(ends, bounded.low, NAN),
        high=np.where(ends, bounded.high, NAN),
    )


def labels(column: pd.Series) -> np.ndarray:
    """A text column as an object array of str (NaN where missing), through its categories
    when it has them: converting a million categorical rows one by one takes a fifth of a
    second a column."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.astype(str).to_numpy(), dtype=object)
    names = np.empty(len(column.cat.categories) + 1, dtype=object)
    names[:-1] = column.cat.categories.astype(str)
    names[-1] = NAN  # the code of a missing value, -1, takes the last
    return np.asarray(names[column.cat.codes.to_numpy()])


def positions(column: pd.Series, names: list[str]) -> np.ndarray:
    """Each row's position in `names` (-1 where absent), looked up once per category when the
    column is categorical."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(pd.Index(names).get_indexer(labels(column)), dtype=np.int64)
    found = pd.Index(names).get_indexer(column.cat.categories.astype(str))
    return np.asarray(np.r_[found, -1][column.cat.codes.to_numpy()], dtype=np.int64)
