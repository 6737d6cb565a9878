"""How long orders take: time in each status, and time from creation to a trigger or a stage.

Figures are medians and the 90th and 99th percentiles (the tail is what a seller is penalised
for), in seconds. A stay is the time between entering a status and the order's next event; it
is measured only between observed events (an inferred status has no known time), and orders
still in a status are counted apart (`now`) rather than measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from analytics.eventlog import (
    CASE,
    case_first,
    case_last,
    first_mask,
    instants,
    seconds,
    since_previous,
)

QUANTILES: dict[str, float] = {"median_s": 0.5, "p90_s": 0.9, "p99_s": 0.99}
FIGURES: tuple[str, ...] = ("count", *QUANTILES)


def time_in_status(log: pd.DataFrame) -> pd.DataFrame:
    """Per status: `count` of measured stays, `median_s`, `p90_s`, `p99_s`, and `now`."""
    left_after = np.r_[since_previous(log)[1:], np.nan] if len(log) else np.zeros(0)
    left_after[np.r_[first_mask(log)[1:], True] if len(log) else left_after.astype(bool)] = np.nan
    status = log["to_status"].astype(str).to_numpy()
    stays = _summary(pd.Series(left_after), pd.Series(status))
    now = pd.Series(status[case_last(log)]).value_counts().rename("now")
    table = stays.join(now, how="outer").fillna({"count": 0, "now": 0})
    table[["count", "now"]] = table[["count", "now"]].astype("int64")
    table.index.name = "status"
    return table.reset_index().sort_values("status", ignore_index=True)


def time_to(
    log: pd.DataFrame, column: Literal["trigger", "stage"], values: Sequence[str]
) -> pd.DataFrame:
    """Per value of `column`: seconds from an order's creation to the first event with it
    (`count` orders, median, p90, p99); for a stage, the event that entered it. Only orders seen
    all the way (no inferred status up to there) are timed, and an order that starts there is
    left out: it took no time to get there that we saw."""
    start = instants(log)[first_mask(log)]
    case = log[CASE].to_numpy()
    hit = log[column].isin(values).to_numpy() & _all_observed(log) & ~first_mask(log)
    if column == "stage":  # entering the stage, not moving between two of its statuses
        codes = log["stage"].cat.codes.to_numpy()
        hit &= np.r_[True, codes[1:] != codes[:-1]] if len(codes) else hit
    rows = pd.DataFrame({"case": case[hit], "value": log[column].astype(str).to_numpy()[hit]})
    firsts = ~rows.duplicated(["case", "value"]).to_numpy()
    rows = rows.loc[firsts]
    times = instants(log)[hit][firsts]
    delta = seconds(times - start[np.searchsorted(np.unique(case), rows["case"].to_numpy())])
    table = _summary(pd.Series(delta), rows["value"].reset_index(drop=True))
    table = table.reindex(list(values)).fillna({"count": 0})
    table["count"] = table["count"].astype("int64")
    table.index.name = column
    return table.reset_index()


def _all_observed(log: pd.DataFrame) -> np.ndarray:
    """True where the event and every earlier event of its order were observed: only then is the
    time since the order's creation known."""
    inferred = log["inferred"].to_numpy().astype(np.int64)
    if not len(inferred):
        return np.zeros(0, dtype=bool)
    running = np.cumsum(inferred)
    firsts = case_first(log)
    sizes = np.diff(np.r_[firsts, len(log)])
    before = running - np.repeat(running[firsts] - inferred[firsts], sizes)
    return np.asarray(before == 0, dtype=bool)


def _summary(durations: pd.Series, keys: pd.Series) -> pd.DataFrame:
    """count, median, p90, p99 of `durations` per key, NaN durations left out."""
    known = durations.notna().to_numpy()
    values, groups = durations[known].reset_index(drop=True), keys[known].reset_index(drop=True)
    grouped = values.groupby(groups.to_numpy())
    table = grouped.quantile(list(QUANTILES.values())).unstack()
    if table.empty:
        table = pd.DataFrame(columns=list(QUANTILES.values()), dtype=float)
    table.columns = list(QUANTILES)
    table.insert(0, "count", grouped.size())
    return table
