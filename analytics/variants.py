"""Variants: the distinct paths orders took, with how many took each.

A variant is the sequence of statuses of one order, inferred ones included (they are part of
the path the rules say it took). Paths are compared as rows of a small integer matrix (order x
position), so a million events need one `np.unique`, not a string per order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.eventlog import case_first, case_last, instants, seconds

SEPARATOR = " → "


def variants(log: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """`variant` (statuses joined by an arrow), `length`, `orders`, `share`, `median_s` (from
    creation to the last event), most frequent first; `top` keeps the first ones."""
    columns = ["variant", "length", "orders", "share", "median_s"]
    if not len(log):
        return pd.DataFrame(columns=columns)
    matrix, lengths = _path_matrix(log)
    paths, which, counts = np.unique(matrix, axis=0, return_inverse=True, return_counts=True)
    which = which.reshape(-1)
    times = instants(log)
    duration = seconds(times[case_last(log)] - times[case_first(log)])
    medians = pd.Series(duration).groupby(which).median()
    names = np.array(list(map(str, log["to_status"].cat.categories)), dtype=object)
    table = pd.DataFrame(
        {
            "variant": [SEPARATOR.join(names[row[row >= 0]]) for row in paths],
            "length": (paths >= 0).sum(axis=1),
            "orders": counts,
            "share": counts / len(lengths),
            "median_s": medians.reindex(range(len(paths))).to_numpy(),
        }
    )
    table = table.sort_values(["orders", "variant"], ascending=[False, True], ignore_index=True)
    return table.head(top) if top is not None else table


def _path_matrix(log: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """One row per order: its status codes by position, padded with -1; and each path's length."""
    firsts = case_first(log)
    lengths = np.diff(np.r_[firsts, len(log)])
    position = np.arange(len(log)) - np.repeat(firsts, lengths)
    row = np.repeat(np.arange(len(firsts)), lengths)
    matrix = np.full((len(firsts), int(lengths.max())), -1, dtype=np.int32)
    matrix[row, position] = log["to_status"].cat.codes.to_numpy()
    return matrix, lengths
