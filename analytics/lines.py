"""Orders whose cart lines disagree: how many orders have lines, how many disagree, and how.

A marketplace may accept, refuse, ship, cancel or refund one line of a cart and not the others;
such an order looks ordinary by its status alone. `engine.model.lines.line_mix` names what its
lines make of it ("partial refusal", ...). The store hands over each order's line states
(`Store.line_states`); `mix_frame` turns them into one row per order with its mix and the
order's `case` in the prepared log, once per store read: matching a million order ids is paid
there, once, and every later match is on integers. `line_summary` counts them for the orders of
that log or of a filtered copy (filters keep whole orders and their case numbers), so the
figures honour the filters every other view applies.

What each figure counts:

- `orders`: the population, every order of the (filtered) log.
- `with_lines`: the orders of the population the store holds at least one cart line for. An
  order reported without lines is left out: its lines are unknown, not in agreement.
- `disagreeing`: the orders with lines whose lines are not all in one state (so two lines at
  least); a line in an unknown state never counts as agreeing.
- per mix label: the orders with lines whose mix names the label. An order with one line
  accepted and one refused counts under "partial acceptance" and "partial refusal" both, so
  the labels add up to `disagreeing` or more. Each share is of `with_lines`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.eventlog import CASE, current
from engine.model.lines import LineState, line_mix

SEPARATOR = ", "
MIX_COLUMNS: tuple[str, ...] = (CASE, "marketplace", "order_id", "lines", "mix")
TABLE_COLUMNS: tuple[str, ...] = ("figure", "orders", "share", "counts")


def _label(state: LineState) -> str | None:
    """The mix label a line in `state` gives an order whose other lines still wait (None for
    waiting itself, which names no mix)."""
    mix = line_mix((state, LineState.WAITING))
    return mix[0] if mix else None


_STATE_OF = {label: state for state in LineState if (label := _label(state)) is not None}
LABELS: Mapping[str, str] = {
    label: f"orders with lines, some {_STATE_OF[label].value} and some not"
    for label in line_mix(tuple(LineState))
}
"""Every mix label, in the order `line_mix` names them, with what it counts."""


@dataclass(frozen=True, eq=False)
class LineSummary:
    """The line figures of one population (see the module's docstring for what each counts)."""

    orders: int
    with_lines: int
    disagreeing: int
    by_mix: pd.DataFrame  # mix, orders, share (of with_lines); the most frequent first


def mix_frame(states: Mapping[tuple[str, str], Sequence[str]], log: pd.DataFrame) -> pd.DataFrame:
    """One row per order with lines: `case` (its number in the prepared `log`, -1 for an order
    without events there), `marketplace, order_id, lines` (how many) and `mix`, its labels joined
    by ", " ("" when the lines agree). `states` is `Store.line_states()`."""
    named: dict[frozenset[str], str] = {}  # few distinct sets of states: line_mix once each
    mixes = []
    for found in states.values():
        kind = frozenset(found)
        if kind not in named:
            named[kind] = SEPARATOR.join(line_mix(kind))
        mixes.append(named[kind])
    frame = pd.DataFrame(
        {
            "marketplace": pd.Series([m for m, _ in states], dtype=object),
            "order_id": pd.Series([o for _, o in states], dtype=object),
            "lines": pd.Series([len(s) for s in states.values()], dtype="int64"),
            "mix": pd.Series(mixes, dtype=object),
        }
    )
    frame.insert(0, CASE, _cases(frame, log))
    return frame.loc[:, list(MIX_COLUMNS)]


def _cases(frame: pd.DataFrame, log: pd.DataFrame) -> np.ndarray:
    """Each row's order's case number in `log`, -1 where `log` has no such order."""
    cases = np.full(len(frame), -1, dtype=np.int64)
    orders = current(log)
    ids = orders["order_id"].cat.categories
    for market, theirs in orders.groupby("marketplace", observed=True, sort=False):
        mine = (frame["marketplace"] == market).to_numpy()
        # One hash lookup per id against the log's categories, then plain arrays.
        codes = ids.get_indexer(frame.loc[mine, "order_id"].to_numpy())
        case_of = np.full(len(ids) + 1, -1, dtype=np.int64)  # the last slot: an unknown id
        case_of[theirs["order_id"].cat.codes.to_numpy()] = theirs[CASE].to_numpy()
        cases[mine] = case_of[np.where(codes >= 0, codes, len(ids))]
    return cases


def line_summary(log: pd.DataFrame, mixes: pd.DataFrame) -> LineSummary:
    """The line figures of the orders of `log`; `mixes` is `mix_frame` on this log, or on the
    whole log `log` was filtered from."""
    orders = current(log)
    mine = mixes.loc[np.isin(mixes[CASE].to_numpy(), orders[CASE].to_numpy())]
    with_lines = len(mine)
    mixed = mine["mix"].loc[mine["mix"] != ""]
    counts = mixed.str.split(SEPARATOR).explode().value_counts()
    rank = [list(LABELS).index(m) if m in LABELS else len(LABELS) for m in counts.index]
    by_mix = pd.DataFrame(
        {
            "mix": counts.index.astype(str),
            "orders": counts.to_numpy(dtype=np.int64),
            "share": counts.to_numpy(dtype=np.float64) / max(with_lines, 1),
            "rank": rank,
        }
    )
    by_mix = by_mix.sort_values(["orders", "rank"], ascending=[False, True], ignore_index=True)
    return LineSummary(len(orders), with_lines, len(mixed), by_mix.drop(columns="rank"))


def line_table(summary: LineSummary) -> pd.DataFrame:
    """The summary as one small table, `figure, orders, share, counts`: each row says what it
    counts; `share` is of the orders with lines (none for the first two rows)."""
    rows = [
        ("orders", summary.orders, None, "every order under the filters"),
        ("with lines", summary.with_lines, None, "orders the store holds cart lines for"),
        (
            "lines disagree",
            summary.disagreeing,
            summary.disagreeing / summary.with_lines if summary.with_lines else None,
            "orders with lines not all in one state (two lines at least)",
        ),
    ]
    rows += [
        (r.mix, r.orders, r.share, LABELS.get(r.mix, "orders with lines showing this mix"))
        for r in summary.by_mix.itertuples()
    ]
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    table["orders"] = table["orders"].astype("int64")
    table["share"] = table["share"].astype("float64")
    return table
