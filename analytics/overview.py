"""What the Overview page shows: the key figures, how they moved, their daily trend, the funnel.

Figures compare the last `days` before `as_of` with the `days` before those, so each figure
carries its previous value and the page can show the change. `as_of` is given (the latest event
for a simulated store, the clock otherwise). The work is a handful of vectorised passes over the
prepared log, whatever its size; only the few numbers and a 30-row trend leave this module.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from analytics.eventlog import as_instant, case_first, case_last, first_mask, instants, seconds
from analytics.funnel import EXIT_STAGES, Funnel, funnel

DONE_STAGE = "shipped"
DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Figure:
    """A key figure now and over the previous period; `unit` is "", "%" or "h"."""

    label: str
    value: float | None
    previous: float | None
    unit: str = ""
    help: str = ""
    higher_is_better: bool = True


@dataclass(frozen=True)
class Overview:
    as_of: pd.Timestamp
    days: int
    figures: tuple[Figure, ...]
    trend: pd.DataFrame  # day, created, shipped, exits
    funnel: Funnel


def overview(
    log: pd.DataFrame,
    as_of: datetime | None = None,
    days: int = 7,
    trend_days: int = 30,
    finals: Collection[str] = (),
    steps: list[str] | None = None,
) -> Overview:
    """Key figures over the last `days` (and the `days` before), a daily trend, the funnel."""
    times = instants(log)
    now = as_instant(as_of) if as_of is not None else _latest(times)
    starts = times[first_mask(log)]
    shipped = _first_entries(log, times, {DONE_STAGE})
    exits = _first_entries(log, times, EXIT_STAGES, still_there=True)
    span = np.timedelta64(days, "D")
    figures = (
        _count("Orders created", starts, now, span, "New orders in the period."),
        _count(
            f"Orders {DONE_STAGE}", shipped[0], now, span, f"Orders that reached '{DONE_STAGE}'."
        ),
        _count("Orders lost", exits[0], now, span, "Orders that entered a cancelled stage.", False),
        _lost_share(shipped[0], exits[0], now, span),
        _median_hours(shipped, now, span),
        _open_orders(log, times, now, span, finals),
    )
    return Overview(
        as_of=pd.Timestamp(now).tz_localize("UTC"),
        days=days,
        figures=figures,
        trend=_trend(starts, shipped[0], exits[0], now, trend_days),
        funnel=funnel(log, steps),
    )


def _latest(times: np.ndarray) -> np.datetime64:
    return times.max() if len(times) else np.datetime64("1970-01-01T00:00:00", "us")


def _first_entries(
    log: pd.DataFrame, times: np.ndarray, stages: Collection[str], still_there: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """When each order first entered one of `stages`, and the seconds since its creation then
    (NaN for an order that was created there); with `still_there`, only the orders in one of
    them now (a customer's withdrawn cancellation request does not lose the order)."""
    inside = log["stage"].isin(list(stages)).to_numpy()
    hit = np.flatnonzero(inside)
    cases = log["case"].to_numpy()[hit]
    first = hit[np.r_[True, cases[1:] != cases[:-1]]] if len(hit) else hit
    if still_there:  # by the order's position in the log: a filtered log skips case numbers
        position = np.cumsum(first_mask(log)) - 1
        first = first[inside[case_last(log)][position[first]]]
    starts = case_first(log)
    created = np.repeat(times[starts], np.diff(np.r_[starts, len(log)]))
    took = seconds(times[first] - created[first])
    took[first_mask(log)[first]] = np.nan
    return times[first], took


def _in(times: np.ndarray, end: np.datetime64, span: np.timedelta64) -> np.ndarray:
    return (times >= end - span) & (times < end)


def _count(
    label: str,
    times: np.ndarray,
    now: np.datetime64,
    span: np.timedelta64,
    text: str,
    higher_is_better: bool = True,
) -> Figure:
    now_end = now + np.timedelta64(1, "us")
    value = int(_in(times, now_end, span).sum())
    previous = int(_in(times, now_end - span, span).sum())
    return Figure(label, value, previous, "", text, higher_is_better)


def _lost_share(
    done: np.ndarray, lost: np.ndarray, now: np.datetime64, span: np.timedelta64
) -> Figure:
    def share(end: np.datetime64) -> float | None:
        d, lo = int(_in(done, end, span).sum()), int(_in(lost, end, span).sum())
        return 100.0 * lo / (d + lo) if d + lo else None

    end = now + np.timedelta64(1, "us")
    text = "Lost / (lost + shipped) in the period."
    return Figure("Lost share", share(end), share(end - span), "%", text, False)


def _median_hours(
    shipped: tuple[np.ndarray, np.ndarray], now: np.datetime64, span: np.timedelta64
) -> Figure:
    when, took = shipped

    def median(end: np.datetime64) -> float | None:
        values = took[_in(when, end, span) & ~np.isnan(took)]
        return float(np.median(values)) / 3600 if len(values) else None

    end = now + np.timedelta64(1, "us")
    text = f"From creation to '{DONE_STAGE}', for orders that got there in the period."
    label = f"Median to {DONE_STAGE}"
    return Figure(label, median(end), median(end - span), "h", text, False)


def _open_orders(
    log: pd.DataFrame,
    times: np.ndarray,
    now: np.datetime64,
    span: np.timedelta64,
    finals: Collection[str],
) -> Figure:
    def open_at(end: np.datetime64) -> int:
        before = log.loc[times < end]
        cases = before["case"].to_numpy()
        last = np.r_[cases[1:] != cases[:-1], True] if len(cases) else cases.astype(bool)
        if finals:
            return int((~before["to_status"].isin(list(finals)).to_numpy()[last]).sum())
        closed = {*EXIT_STAGES, DONE_STAGE}
        return int((~before["stage"].isin(list(closed)).to_numpy()[last]).sum())

    end = now + np.timedelta64(1, "us")
    text = "Orders not in a final status at the end of the period."
    return Figure("Open orders", open_at(end), open_at(end - span), "", text, False)


def _trend(
    starts: np.ndarray, done: np.ndarray, lost: np.ndarray, now: np.datetime64, days: int
) -> pd.DataFrame:
    last_day = now.astype("datetime64[D]")
    first_day = last_day - np.timedelta64(days - 1, "D")

    def per_day(times: np.ndarray) -> np.ndarray:
        index = (times.astype("datetime64[D]") - first_day) // DAY
        index = index[(index >= 0) & (index < days)].astype(np.int64)
        return np.bincount(index, minlength=days)

    return pd.DataFrame(
        {
            "day": pd.to_datetime(first_day + np.arange(days) * DAY),
            "created": per_day(starts),
            "shipped": per_day(done),
            "lost": per_day(lost),
        }
    )
