"""The flow of orders: the directly-follows graph, per transition, and as a Sankey's links.

The directly-follows graph is process mining's basic map: an edge a -> b counts the orders
whose status b came right after a, with the median time between the two. Orders enter the
graph from `START`. At the stage level, consecutive statuses of one stage are merged, so the
graph reads as the funnel's moves. Times are only taken between two observed events: an inferred
status was never seen, its time is not known (the edge is still counted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analytics.eventlog import first_mask, since_previous

START = "(start)"
Level = Literal["status", "stage"]


def directly_follows(log: pd.DataFrame, level: Level = "status") -> pd.DataFrame:
    """Edges `source, target, count, median_s` (seconds), most frequent first."""
    column = "to_status" if level == "status" else "stage"
    rows, gap = (log, since_previous(log)) if level == "status" else stage_changes(log)
    codes = rows[column].cat.codes.to_numpy(dtype=np.int64)
    source = np.r_[-1, codes[:-1]] if len(codes) else codes
    source[first_mask(rows)] = -1
    frame = pd.DataFrame({"source": source, "target": codes, "gap": gap})
    frame = frame.loc[frame["target"] >= 0]
    table = frame.groupby(["source", "target"])["gap"].agg(count="size", median_s="median")
    table = table.reset_index()
    names = np.array([START, *map(str, rows[column].cat.categories)], dtype=object)
    table["source"] = names[table["source"].to_numpy() + 1]
    table["target"] = names[table["target"].to_numpy() + 1]
    return _by_count(table, ["source", "target"])


def stage_changes(log: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The events where an order changed stage (and each order's first event), with the seconds
    since the order entered its previous stage.

    That time is known when both stage entries were observed and the status the order left was
    observed too (leaving an inferred status happened at an unknown time).
    """
    codes = log["stage"].cat.codes.to_numpy()
    first = first_mask(log)
    changed = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else first
    keep = changed | first
    inferred = log["inferred"].to_numpy()
    left_inferred = np.r_[False, inferred[:-1]] if len(inferred) else inferred
    rows = log.loc[keep].reset_index(drop=True)
    gap = since_previous(rows)
    gap[left_inferred[keep]] = np.nan
    return rows, gap


def transitions(log: pd.DataFrame) -> pd.DataFrame:
    """Per rule-set edge: `from_status, trigger, to_status, count, median_s`.

    Creation events have `from_status` START. These are the counts drawn on the rule diagram.
    """
    keys = ["from_status", "trigger", "to_status"]
    frame = pd.DataFrame(
        {k: log[k].cat.codes.to_numpy(dtype=np.int64) for k in keys} | {"gap": since_previous(log)}
    )
    table = frame.groupby(keys)["gap"].agg(count="size", median_s="median").reset_index()
    for key in keys:
        names = np.array([START, *map(str, log[key].cat.categories)], dtype=object)
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
