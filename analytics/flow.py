"""The flow of orders: the directly-follows graph, per transition, and as a Sankey's links.

The directly-follows graph is process mining's basic map: an edge a -> b counts the moves from
a straight to b (an order that takes it twice counts twice), with the median time the order had
spent in a before. Orders enter the graph from `START`. At the stage level, consecutive statuses
of one stage are merged, so the graph reads as the funnel's moves. The times are the stays of
`analytics.timing.time_in_status`, split by where they ended (`analytics.censoring`): `timed`
moves (known + censored, the latter at their estimate) are measured; a move whose stay started
before the order was first seen is counted, not timed. So the `timed` of a status's outgoing
edges add up to its `timed` stays in Time in status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analytics.censoring import UNBOUNDED, Spans, entries, grouped_quantiles, spans
from analytics.eventlog import first_mask

START = "(start)"
Level = Literal["status", "stage"]


def directly_follows(log: pd.DataFrame, level: Level = "status") -> pd.DataFrame:
    """Edges `source, target, count, timed, median_s` (seconds), most frequent first."""
    column = "to_status" if level == "status" else "stage"
    rows, stays = _moves(log, level)
    codes = log[column].cat.codes.to_numpy(dtype=np.int64)
    first = first_mask(log)
    source = np.where(first[rows], -1, codes[np.maximum(rows - 1, 0)])
    names = {key: log[column] for key in ("source", "target")}
    return _edges({"source": source, "target": codes[rows]}, stays, names)


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
    """Per rule-set edge: `from_status, trigger, to_status, count, timed, median_s`.

    Creation events have `from_status` START. These are the counts drawn on the rule diagram.
    """
    keys = ["from_status", "trigger", "to_status"]
    _, stays = _moves(log, "status")
    codes = {k: log[k].cat.codes.to_numpy(dtype=np.int64) for k in keys}
    return _edges(codes, stays, {k: log[k] for k in keys})


def _edges(
    codes: dict[str, np.ndarray], stays: Spans, columns: dict[str, pd.Series]
) -> pd.DataFrame:
    """One row per distinct combination of `codes` (-1: START), with its count of moves, of
    timed moves and their median stay; the codes named from `columns`' categories."""
    keys = list(codes)
    keep = codes[keys[-1]] >= 0  # an event whose status is unknown names no edge
    kept = stays.take(keep)
    if not keep.any():
        empty = pd.DataFrame({k: pd.Series(dtype=object) for k in keys})
        return empty.assign(count=0, timed=0, median_s=np.nan).astype({"count": "int64"})
    # One integer per combination (each code + 1 in its own digit): a 1-d unique, not rows.
    sizes = [len(columns[k].cat.categories) + 1 for k in keys]
    combined = np.zeros(int(keep.sum()), dtype=np.int64)
    for key, size in zip(keys, sizes, strict=True):
        combined = combined * size + (codes[key][keep] + 1)
    found, which = np.unique(combined, return_inverse=True)
    which = which.reshape(-1)
    timed = kept.kind != UNBOUNDED
    digits = {}
    for key, size in zip(reversed(keys), reversed(sizes), strict=True):
        found, digits[key] = np.divmod(found, size)
    table = pd.DataFrame({key: digits[key] - 1 for key in keys})
    table["count"] = np.bincount(which, minlength=len(table))
    table["timed"] = np.bincount(which[timed], minlength=len(table))
    median = grouped_quantiles(which[timed], kept.estimate[timed], len(table), [0.5])
    table["median_s"] = median[:, 0]
    for key, column in columns.items():
        names = np.array([START, *map(str, column.cat.categories)], dtype=object)
        table[key] = names[table[key].to_numpy() + 1]
    return _by_count(table, keys)


def _by_count(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    table["count"] = table["count"].astype("int64")
    order = [False, *[True] * len(keys)]
    return table.sort_values(["count", *keys], ascending=order, ignore_index=True)


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
    keep = edges.loc[(edges["source"] != edges["target"]) & (edges["count"] >= min_count)]
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
