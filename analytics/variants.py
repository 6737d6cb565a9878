"""Variants: the distinct paths orders took, with how many took each.

A variant is the sequence of statuses of one order, inferred ones included (they are part of
the path the rules say it took). It is `finished` when it ends at a final status of the rule
files, else open: its orders are still on their way, and their path may grow (a finished path
and the open prefix of the same path are two variants). Paths are compared as rows of a small
integer matrix (order x position), so a million events need one `np.unique`, not a string per
order.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from analytics.censoring import entries, spans
from analytics.eventlog import case_first, case_last

SEPARATOR = " → "


def variants(
    log: pd.DataFrame, top: int | None = None, finals: Collection[str] = ()
) -> pd.DataFrame:
    """`variant` (statuses joined by an arrow), `length`, `finished` (it ends at one of
    `finals`), `orders`, `share` (of all the orders of the log), `median_s` (from creation to
    the last event, over the orders seen from their creation: `analytics.censoring`; for an open
    path, the time so far), most frequent first; `top` keeps the first ones."""
    columns = ["variant", "length", "finished", "orders", "share", "median_s"]
    if not len(log):
        return pd.DataFrame(columns=columns)
    matrix, lengths = _path_matrix(log)
    paths, which, counts = unique_rows(matrix)
    took = spans(entries(log), case_first(log), case_last(log))
    medians = pd.Series(took.estimate).groupby(which).median()
    lengths_ = (paths >= 0).sum(axis=1)
    table = pd.DataFrame(
        {
            "variant": _texts(log, paths),
            "length": lengths_,
            "finished": _ends_in(log, paths, lengths_, finals),
            "orders": counts,
            "share": counts / len(lengths),
            "median_s": medians.reindex(range(len(paths))).to_numpy(),
        }
    )
    table = table.sort_values(["orders", "variant"], ascending=[False, True], ignore_index=True)
    return table.head(top) if top is not None else table


def case_variants(log: pd.DataFrame) -> np.ndarray:
    """Each order's variant (its statuses joined by an arrow), one per order in log order."""
    if not len(log):
        return np.zeros(0, dtype=object)
    matrix, _ = _path_matrix(log)
    paths, which, _ = unique_rows(matrix)
    texts = np.array(_texts(log, paths), dtype=object)
    return np.asarray(texts[which], dtype=object)


# Fixed weights: a row's hash is the same from one run to the next.
_WEIGHTS = np.random.default_rng(20260302).integers(1, 2**62, size=4096, dtype=np.int64)


def unique_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct rows of `matrix` (sorted), each row's index among them, and their counts:
    `np.unique(axis=0)`, through one 64-bit hash per row (a 1-d sort, ten times faster on a
    few hundred thousand paths), checked: a collision falls back to comparing whole rows."""
    if not len(matrix) or matrix.shape[1] > len(_WEIGHTS):
        paths, which, counts = np.unique(matrix, axis=0, return_inverse=True, return_counts=True)
        return paths, which.reshape(-1), counts
    with np.errstate(over="ignore"):
        hashes = (matrix.astype(np.int64) + 2) @ _WEIGHTS[: matrix.shape[1]]
    _, first, which = np.unique(hashes, return_index=True, return_inverse=True)
    which = which.reshape(-1)
    if not (matrix == matrix[first[which]]).all():
        paths, which, counts = np.unique(matrix, axis=0, return_inverse=True, return_counts=True)
        return paths, which.reshape(-1), counts
    order = np.lexsort(matrix[first].T[::-1])  # the distinct rows in np.unique's order
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    which = rank[which]
    return matrix[first][order], which, np.bincount(which, minlength=len(order))


def _ends_in(
    log: pd.DataFrame, paths: np.ndarray, lengths: np.ndarray, finals: Collection[str]
) -> np.ndarray:
    """Per path: whether its last status is one of `finals`."""
    final = np.array([str(c) in finals for c in log["to_status"].cat.categories] + [False])
    last = paths[np.arange(len(paths)), np.maximum(lengths - 1, 0)]
    return np.asarray(final[last], dtype=bool)


def _texts(log: pd.DataFrame, paths: np.ndarray) -> list[str]:
    names = np.array(list(map(str, log["to_status"].cat.categories)), dtype=object)
    return [SEPARATOR.join(names[row[row >= 0]]) for row in paths]


def _path_matrix(log: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """One row per order: its status codes by position, padded with -1; and each path's length."""
    firsts = case_first(log)
    lengths = np.diff(np.r_[firsts, len(log)])
    position = np.arange(len(log)) - np.repeat(firsts, lengths)
    row = np.repeat(np.arange(len(firsts)), lengths)
    matrix = np.full((len(firsts), int(lengths.max())), -1, dtype=np.int32)
    matrix[row, position] = log["to_status"].cat.codes.to_numpy()
    return matrix, lengths
