"""Which orders a view looks at: the `LogFilter` every page and export shares, and `filter_log`.

Filters keep or drop whole orders, never single events, so a filtered log still holds complete
paths and every figure computed on it counts the same orders. Every field of a `LogFilter` left
empty means "all"; the fields set are combined with "and", the values within one with "or":

- `start`, `end`: orders created in [start, end) (their first event, as stored: for an order
  whose creation was inferred, when it was first seen);
- `marketplaces`; `stages`: orders that had a status in one of them;
- `fields`: per case attribute (an enum or bool field of a rule file), the values kept;
- `variants`: orders whose whole path (`analytics.variants`) is one of these;
- `longer_than_s`: orders whose first and last events (as stored) are more than this apart;
- `first_statuses`, `last_statuses`: orders that started, or are now, in one of these;
- `through`: orders that passed through one of these statuses (inferred entries count: the
  rules say the order was there);
- `moves`: orders that moved straight from a status to another (`analytics.flow.START` for
  their creation), each move as `(from, to, deviation)`: the edges of the process map;
- `orders`: these orders, as `(marketplace, order_id)`: the orders behind a figure that is not
  a filter of its own (an anomaly kind, an SLA band).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from analytics.eventlog import as_instant, case_first, case_last, first_mask, instants
from analytics.flow import START
from analytics.variants import case_variants

FieldValues = tuple[tuple[str, tuple[object, ...]], ...]
Move = tuple[str, str, bool]
"""A move on the process map: from status (START for a creation), to status, deviation."""


@dataclass(frozen=True)
class LogFilter:
    """Which orders to look at (see the module); empty fields mean "all"."""

    start: datetime | None = None
    end: datetime | None = None
    marketplaces: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    fields: FieldValues = ()
    variants: tuple[str, ...] = ()
    longer_than_s: float | None = None
    first_statuses: tuple[str, ...] = ()
    last_statuses: tuple[str, ...] = ()
    through: tuple[str, ...] = ()
    moves: tuple[Move, ...] = ()
    orders: tuple[tuple[str, str], ...] = ()

    def field(self, name: str) -> tuple[object, ...]:
        """The values kept of case attribute `name` (empty: all)."""
        return dict(self.fields).get(name, ())


def filter_log(log: pd.DataFrame, where: LogFilter) -> pd.DataFrame:
    """The events of the orders `where` selects, whole orders only."""
    if where == LogFilter() or not len(log):
        return log
    firsts = case_first(log)
    keep = np.ones(len(firsts), dtype=bool)  # one flag per order, spread over its events last
    for test in (*_of_order(log, where, firsts), *_of_path(log, where, firsts)):
        keep &= test
    sizes = np.diff(np.r_[firsts, len(log)])
    return log.loc[np.repeat(keep, sizes)].reset_index(drop=True)


def _of_order(log: pd.DataFrame, where: LogFilter, firsts: np.ndarray) -> Iterator[np.ndarray]:
    """Per order, for each filter on what the order is: whether it passes."""
    if where.marketplaces:
        yield log["marketplace"].isin(where.marketplaces).to_numpy()[firsts]
    for name, values in where.fields:
        if values:
            yield _has(log, name, values)[firsts]
    if where.start is not None or where.end is not None:
        yield _created_between(instants(log)[firsts], where.start, where.end)
    if where.orders:
        keys = pd.MultiIndex.from_arrays(
            [log["marketplace"].astype(str), log["order_id"].astype(str)]
        )
        yield np.asarray(keys[firsts].isin(list(where.orders)), dtype=bool)


def _of_path(log: pd.DataFrame, where: LogFilter, firsts: np.ndarray) -> Iterator[np.ndarray]:
    """Per order, for each filter on the path it took: whether it passes."""
    lasts = case_last(log)
    if where.longer_than_s is not None:
        took = (instants(log)[lasts] - instants(log)[firsts]) / np.timedelta64(1, "s")
        yield took > where.longer_than_s
    if where.first_statuses:
        yield log["to_status"].isin(where.first_statuses).to_numpy()[firsts]
    if where.last_statuses:
        yield log["to_status"].isin(where.last_statuses).to_numpy()[lasts]
    if where.stages:
        yield _any_event(log, log["stage"].isin(where.stages).to_numpy())
    if where.through:
        yield _any_event(log, log["to_status"].isin(where.through).to_numpy())
    if where.variants:
        yield np.isin(case_variants(log), list(where.variants))
    if where.moves:
        yield _any_event(log, _made(log, where.moves))


def _has(log: pd.DataFrame, name: str, values: tuple[object, ...]) -> np.ndarray:
    """True for the events whose order has one of `values` for `name` (none, without the column)."""
    if name not in log.columns:
        return np.zeros(len(log), dtype=bool)
    return np.asarray(log[name].isin(list(values)).to_numpy(), dtype=bool)


def _made(log: pd.DataFrame, moves: tuple[Move, ...]) -> np.ndarray:
    """True for the events that make one of `moves` (from the order's previous event)."""
    names = [START, *map(str, log["to_status"].cat.categories)]
    code = {name: i for i, name in enumerate(names)}
    size = len(names)
    wanted = [
        (code[a] * size + code[b]) * 2 + int(d) for a, b, d in moves if a in code and b in code
    ]
    target = log["to_status"].cat.codes.to_numpy(dtype=np.int64) + 1
    source = np.where(first_mask(log), 0, np.r_[0, target[:-1]])
    made = (source * size + target) * 2 + log["deviation"].to_numpy(dtype=np.int64)
    return np.asarray(np.isin(made, wanted) & (target > 0), dtype=bool)


def _any_event(log: pd.DataFrame, hit: np.ndarray) -> np.ndarray:
    """Per order: whether any of its events is a hit."""
    return np.logical_or.reduceat(hit, case_first(log))


def _created_between(first: np.ndarray, start: datetime | None, end: datetime | None) -> np.ndarray:
    ok = np.ones(len(first), dtype=bool)
    if start is not None:
        ok &= first >= as_instant(start)
    if end is not None:
        ok &= first < as_instant(end)
    return ok
