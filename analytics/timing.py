"""How long orders take: time in each status, and time from creation to a trigger or a stage.

Every duration follows `analytics.censoring`: a stay or a span whose ends were observed is
known; one with an inferred end is censored within its poll bounds and measured at its estimate;
one that starts before the order was first seen is unbounded, counted and never measured.
Figures are the median and the 90th and 99th percentiles (the tail is what a seller is
penalised for), in seconds, with the bounds of the median.

Who is counted:

- `time_in_status`: every stay that ended, in the orders of the log: a stay in status s runs from
  an entry into s to the order's next event. `timed` = `known` + `censored` is the population of
  the figures; `unbounded` stays are counted apart, and `now` counts the orders still there
  (their stay has not ended: not measured). A status's `timed` stays are the sum of those of its
  outgoing edges on the map (`analytics.flow`), which uses the same stays.
- `time_to`: per trigger or stage, the orders that got there: from the order's creation to its
  first event with the trigger (or the first event that entered the stage from another one).
  An order created there took no time to get there and is left out; an order first seen past
  its creation is `unbounded`. The Overview's "median to shipped" is this figure over the
  orders that got there in its period (`first_entries` gives both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analytics.censoring import FIGURES, KNOWN, Entries, Spans, entries, spans, summary
from analytics.eventlog import CASE, case_first, case_last, first_mask

STAY_FIGURES: tuple[str, ...] = (*FIGURES, "now", "known_median_s")
Column = Literal["trigger", "stage"]


def time_in_status(log: pd.DataFrame) -> pd.DataFrame:
    """Per marketplace and status (two rule files may share a status name, not its meaning):
    `timed`, `known`, `censored`, `unbounded` stays, `median_s`, `p90_s`, `p99_s`,
    `median_low_s`, `median_high_s`, `now` and `known_median_s` (the known stays alone)."""
    markets = [str(c) for c in log["marketplace"].cat.categories]
    statuses = [str(c) for c in log["to_status"].cat.categories]
    names = pd.MultiIndex.from_product([markets, statuses], names=["marketplace", "status"])
    market = log["marketplace"].cat.codes.to_numpy(dtype=np.int64)
    status = log["to_status"].cat.codes.to_numpy(dtype=np.int64)
    codes = np.where(status >= 0, market * len(statuses) + status, -1)
    ended = np.flatnonzero(~np.r_[first_mask(log)[1:], True]) if len(log) else codes
    stays = spans(entries(log), ended, ended + 1)
    keys = codes[ended]
    table = summary(stays, keys, names)
    now = codes[case_last(log)]
    table["now"] = np.bincount(now[now >= 0], minlength=len(names))
    known = stays.kind == KNOWN
    table["known_median_s"] = summary(stays.take(known), keys[known], names)["median_s"]
    table = table.loc[(table["timed"] + table["unbounded"] + table["now"]).to_numpy() > 0]
    return table.reset_index().sort_values(["marketplace", "status"], ignore_index=True)


@dataclass(frozen=True, eq=False)
class Reached:
    """The orders' first events with each value (one per order and value): their `rows` in the
    log, the `value` (a code into `names`), `placed` (when, to count it in a period:
    `Entries.placed`), `created_there` (the order's first event), and `took`, the span from the
    order's creation (unbounded where it was created there: not timed)."""

    rows: np.ndarray
    value: np.ndarray
    names: tuple[str, ...]
    placed: np.ndarray
    created_there: np.ndarray
    took: Spans

    def timed(self) -> Spans:
        """The spans of the orders that got there after their creation."""
        return self.took.take(~self.created_there)


def first_entries(
    log: pd.DataFrame, column: Column, values: Sequence[str], found: Entries | None = None
) -> Reached:
    """Per order and value of `column` in `values`: its first event with that value; for a
    stage, the first event that entered it (not a move between two of its statuses)."""
    found = entries(log) if found is None else found
    names = tuple(values)
    position = {v: i for i, v in enumerate(names)}
    lookup = np.array([position.get(str(c), -1) for c in log[column].cat.categories] + [-1])
    value = lookup[log[column].cat.codes.to_numpy()]
    hit = value >= 0
    if column == "stage" and len(hit):  # entering the stage, not moving inside it
        codes = log["stage"].cat.codes.to_numpy()
        hit &= np.r_[True, codes[1:] != codes[:-1]] | first_mask(log)
    rows = np.flatnonzero(hit)
    pairs = pd.DataFrame({"case": log[CASE].to_numpy()[rows], "value": value[rows]})
    rows = rows[~pairs.duplicated().to_numpy()]
    starts = case_first(log)
    origin = starts[np.searchsorted(starts, rows, side="right") - 1]
    created_there = rows == origin
    took = spans(found, origin, rows)
    return Reached(rows, value[rows], names, found.placed()[rows], created_there, took)


def time_to(log: pd.DataFrame, column: Column, values: Sequence[str]) -> pd.DataFrame:
    """Per value of `column` (in the order given): seconds from an order's creation to its first
    event with it, over the orders that got there after their creation (see the module):
    `timed`, `known`, `censored`, `unbounded`, `median_s`, `p90_s`, `p99_s`, `median_low_s`,
    `median_high_s`."""
    reached = first_entries(log, column, values)
    keep = ~reached.created_there
    table = summary(reached.took.take(keep), reached.value[keep], reached.names)
    table.index.name = column
    return table.reset_index()
