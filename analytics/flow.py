"""The flow of orders: the directly-follows graph, the process map drawn from it, per transition,
and as a Sankey's links.

The directly-follows graph is process mining's basic map: an edge a -> b counts the moves from
a straight to b (an order that takes it twice counts twice: `moves`; `orders` counts each order
once), with the time the order had spent in a before (median, mean, p90 and total). Orders
enter the graph from `START`. At the stage level, consecutive statuses of one stage are merged,
so the graph reads as the funnel's moves. A move the rules could not explain (its event's
`deviation`) is an edge of its own, drawn apart, as the event log shows it. The times are the
stays of `analytics.timing.time_in_status`, split by where they ended (`analytics.censoring`):
`timed` moves (known + censored, the latter at their estimate) are measured; a move whose stay
started before the order was first seen is counted, not timed. So the `timed` of a status's
outgoing edges add up to its `timed` stays in Time in status, and a node's figures are those of
its outgoing edges taken together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analytics.censoring import UNBOUNDED, Spans, entries, grouped_quantiles, spans
from analytics.eventlog import CASE, case_first, case_last, first_mask

START = "(start)"
Level = Literal["status", "stage"]
# The time figures of an edge or a node, over its timed moves (seconds).
TIMES: tuple[str, ...] = ("median_s", "mean_s", "p90_s", "total_s")
Keys = dict[str, tuple[np.ndarray, np.ndarray]]
"""Per key column: each move's code, and the names the codes stand for (code -1 at index 0)."""


def directly_follows(log: pd.DataFrame, level: Level = "status") -> pd.DataFrame:
    """Edges `source, target, deviation, count, orders, timed, median_s, mean_s, p90_s,
    total_s` (seconds), most frequent first (`count` is the moves)."""
    return _follows(log, level, _steps(log, level))


def _follows(
    log: pd.DataFrame, level: Level, steps: tuple[np.ndarray, Spans, np.ndarray]
) -> pd.DataFrame:
    rows, stays, source = steps
    column = _column(level)
    codes = log[column].cat.codes.to_numpy(dtype=np.int64)
    names = _names(log[column])
    keys: Keys = {
        "source": (source, names),
        "target": (codes[rows], names),
        "deviation": (log["deviation"].to_numpy(dtype=np.int64)[rows], _BOOLS),
    }
    return _edges(keys, stays, log[CASE].to_numpy()[rows], codes[rows] >= 0)


_BOOLS = np.array([None, False, True], dtype=object)


def _column(level: Level) -> str:
    return "to_status" if level == "status" else "stage"


def _names(column: pd.Series) -> np.ndarray:
    return np.array([START, *map(str, column.cat.categories)], dtype=object)


def _steps(log: pd.DataFrame, level: Level) -> tuple[np.ndarray, Spans, np.ndarray]:
    """The moves' rows, the stays they end, and the code each one leaves (-1: START)."""
    rows, stays = _moves(log, level)
    codes = log[_column(level)].cat.codes.to_numpy(dtype=np.int64)
    first = first_mask(log)
    source = np.where(first[rows], -1, codes[np.maximum(rows - 1, 0)])
    return rows, stays, source


def _moves(log: pd.DataFrame, level: Level) -> tuple[np.ndarray, Spans]:
    """The rows that start a new status (every event) or a new stage (an order's first event and
    each change of stage), with the stay each one ends: from the previous such row's entry."""
    first = first_mask(log)
    if level == "status":
        rows = np.arange(len(log))
    else:
        codes = log["stage"].cat.codes.to_numpy()
        rows = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]] | first) if len(log) else first
    previous = np.r_[rows[0] if len(rows) else 0, rows[:-1]]
    stays = spans(entries(log), previous, rows)
    created = first[rows]
    stays.kind[created] = UNBOUNDED  # an order's first event ends no stay: counted, not timed
    stays.estimate[created] = np.nan
    return rows, stays


def transitions(log: pd.DataFrame) -> pd.DataFrame:
    """Per rule-set edge: `from_status, trigger, to_status, count, orders, timed` and the times.

    Creation events have `from_status` START. These are the counts drawn on the rule diagram.
    """
    _, stays = _moves(log, "status")
    keys: Keys = {
        k: (log[k].cat.codes.to_numpy(dtype=np.int64), _names(log[k]))
        for k in ("from_status", "trigger", "to_status")
    }
    keep = keys["to_status"][0] >= 0  # an event whose status is unknown names no edge
    return _edges(keys, stays, log[CASE].to_numpy(), keep)


def _edges(keys: Keys, stays: Spans, cases: np.ndarray, keep: np.ndarray) -> pd.DataFrame:
    """One row per distinct combination of the `keys` codes among the moves kept, with its
    count of moves, of orders, of timed moves and their times."""
    names = list(keys)
    if not keep.any():
        empty = pd.DataFrame({k: pd.Series(dtype=object) for k in names})
        return empty.assign(count=0, orders=0, timed=0, **dict.fromkeys(TIMES, np.nan))
    # One integer per combination (each code + 1 in its own digit): a 1-d unique, not rows.
    sizes = [len(keys[k][1]) for k in names]
    combined = np.zeros(int(keep.sum()), dtype=np.int64)
    for key, size in zip(names, sizes, strict=True):
        combined = combined * size + (keys[key][0][keep] + 1)
    found, which = np.unique(combined, return_inverse=True)
    which = which.reshape(-1)
    digits = {}
    for key, size in zip(reversed(names), reversed(sizes), strict=True):
        found, digits[key] = np.divmod(found, size)
    table = pd.DataFrame({key: keys[key][1][digits[key]] for key in names})
    table["count"] = np.bincount(which, minlength=len(table))
    table["orders"] = distinct_orders(which, cases[keep], len(table))
    figures = timed_figures(which, stays.take(keep), len(table))
    table = pd.concat([table, figures], axis=1)
    return _by_count(table, names)


def distinct_orders(groups: np.ndarray, cases: np.ndarray, size: int) -> np.ndarray:
    """Per group in [0, size): how many distinct orders its rows belong to."""
    width = int(cases.max(initial=0)) + 1
    # A sort, not np.unique: numpy's hashing unique is several times slower on a million rows.
    pairs = np.sort(groups.astype(np.int64) * width + cases)
    distinct = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
    return np.bincount(distinct // width, minlength=size)


def timed_figures(groups: np.ndarray, stays: Spans, size: int) -> pd.DataFrame:
    """Per group in [0, size): `timed` moves and their median, mean, p90 and total (seconds)."""
    timed = stays.kind != UNBOUNDED
    keys, values = groups[timed], stays.estimate[timed]
    count = np.bincount(keys, minlength=size)
    total = np.bincount(keys, weights=values, minlength=size)
    quantiles = grouped_quantiles(keys, values, size, [0.5, 0.9])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return pd.DataFrame(
        {
            "timed": count.astype("int64"),
            "median_s": quantiles[:, 0],
            "mean_s": mean,
            "p90_s": quantiles[:, 1],
            "total_s": np.where(count > 0, total, np.nan),
        }
    )


def _by_count(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    table[["count", "orders"]] = table[["count", "orders"]].astype("int64")
    order = [False, *[True] * len(keys)]
    return table.sort_values(["count", *keys], ascending=order, ignore_index=True)


@dataclass(frozen=True, eq=False)
class ProcessMap:
    """A directly-follows map with its numbers. `nodes`: `node, entries` (moves into it),
    `orders` (that were there), `now` (that are there now), then the figures of the stays that
    ended there (`timed` and the times, as its outgoing edges together). `edges`: as
    `directly_follows`, plus `share`, the share of all `orders` of the log that took the edge.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    orders: int


def process_map(log: pd.DataFrame, level: Level = "status") -> ProcessMap:
    """The map of the orders of `log`: every node and edge they took (see `ProcessMap`)."""
    total = len(case_first(log))
    steps = _steps(log, level)
    edges = _follows(log, level, steps)
    edges.insert(edges.columns.get_loc("orders") + 1, "share", edges["orders"] / max(total, 1))
    return ProcessMap(_nodes(log, level, steps, total), edges, total)


def _nodes(
    log: pd.DataFrame, level: Level, steps: tuple[np.ndarray, Spans, np.ndarray], total: int
) -> pd.DataFrame:
    rows, stays, source = steps
    column = _column(level)
    names = [START, *map(str, log[column].cat.categories)]
    codes = log[column].cat.codes.to_numpy(dtype=np.int64)
    known = codes[rows] >= 0  # an event whose status is unknown enters no node
    rows, stays, source = rows[known], stays.take(known), source[known]
    target, cases = codes[rows] + 1, log[CASE].to_numpy()[rows]
    size = len(names)
    entered = np.bincount(target, minlength=size)
    entered[0] = total
    last = codes[case_last(log)]
    now = np.bincount(last[last >= 0] + 1, minlength=size)
    table = pd.DataFrame({"node": names, "entries": entered})
    table["orders"] = distinct_orders(target, cases, size)
    table.loc[0, "orders"] = entered[0]
    table["now"] = now
    # The stays that ended at each node: those of the moves leaving it.
    left = source + 1
    table = pd.concat([table, timed_figures(left, stays, size)], axis=1)
    return table.loc[(table["entries"] > 0).to_numpy()].reset_index(drop=True)


@dataclass(frozen=True)
class SankeyLinks:
    """Nodes and links ready for a Sankey chart (indices into `labels`); `dropped` counts the
    orders on edges left out to keep the chart free of cycles (e.g. a withdrawn cancellation)."""

    labels: list[str]
    sources: list[int]
    targets: list[int]
    values: list[int]
    dropped: int = 0


def sankey_links(edges: pd.DataFrame, min_count: int = 1) -> SankeyLinks:
    """The directly-follows edges as Sankey links, heaviest first, leaving out self-loops, rare
    edges and any edge that would close a cycle (a Sankey reads left to right)."""
    pairs = edges.groupby(["source", "target"], sort=False, as_index=False)["count"].sum()
    keep = pairs.loc[(pairs["source"] != pairs["target"]) & (pairs["count"] >= min_count)]
    keep = keep.sort_values("count", ascending=False, kind="stable")
    after: dict[str, set[str]] = {}  # node -> nodes reachable from it through kept links
    kept: list[tuple[str, str, int]] = []
    dropped = 0
    for source, target, count in keep[["source", "target", "count"]].itertuples(index=False):
        if source == target or source in after.get(target, set()):
            dropped += int(count)
            continue
        kept.append((source, target, int(count)))
        reach = {target} | after.get(target, set())
        for node, reachable in [(source, after.setdefault(source, set())), *after.items()]:
            if node == source or source in reachable:
                reachable |= reach
    labels = list(dict.fromkeys([n for s, t, _ in kept for n in (s, t)]))
    index = {label: i for i, label in enumerate(labels)}
    return SankeyLinks(
        labels=labels,
        sources=[index[s] for s, _, _ in kept],
        targets=[index[t] for _, t, _ in kept],
        values=[c for _, _, c in kept],
        dropped=dropped,
    )
