"""What the Overview page shows: the key figures, how they moved, their daily trend, the funnels.

Figures compare the last `days` before `as_of` with the `days` before those, so each figure
carries its previous value and the page can show the change. `as_of` is given (the latest event
for a simulated store, the clock otherwise). Each figure is one of the project's definitions,
over the orders its `help` names, with how many it counted: an entry's time follows
`analytics.censoring` (an inferred entry at its estimate), "median to shipped" is
`analytics.timing.time_to`'s time to the stage over the orders that got there in the period,
the lost share is `analytics.outcomes`'. The work is a handful of vectorised passes over the
prepared log, whatever its size; only the few numbers and a 30-row trend leave this module.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from analytics.censoring import UNBOUNDED, entries
from analytics.eventlog import as_instant, first_mask, instants
from analytics.funnel import EXIT_STAGES, Funnel, MarketFunnel, funnel, funnels
from analytics.outcomes import DONE_STAGE, LOST_SHARE_COUNTS, Outcomes, outcomes
from analytics.timing import Reached, first_entries
from engine.model.definition import RuleSet

__all__ = ["DONE_STAGE", "Figure", "Overview", "overview"]

DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Figure:
    """A key figure now and over the previous period; `unit` is "", "%" or "h". `help` says what
    it is and which orders it counts, with how many now."""

    label: str
    value: float | None
    previous: float | None
    unit: str = ""
    help: str = ""
    higher_is_better: bool = True


@dataclass(frozen=True)
class Overview:
    """`funnel`: every order on the normalised stages any marketplace uses; `funnels`: one per
    marketplace on its rule file's stages (one of them when there is one marketplace)."""

    as_of: pd.Timestamp
    days: int
    figures: tuple[Figure, ...]
    trend: pd.DataFrame  # day, created, shipped, lost
    funnel: Funnel
    funnels: tuple[MarketFunnel, ...] = ()


@dataclass(frozen=True)
class _Window:
    now: np.datetime64
    span: np.timedelta64

    def bounds(self, back: int = 0) -> tuple[np.datetime64, np.datetime64]:
        end = self.now + np.timedelta64(1, "us") - back * self.span
        return end - self.span, end

    def within(self, times: np.ndarray, back: int = 0) -> np.ndarray:
        start, end = self.bounds(back)
        return (times >= start) & (times < end)


def overview(
    log: pd.DataFrame,
    as_of: datetime | None = None,
    days: int = 7,
    trend_days: int = 30,
    finals: Collection[str] = (),
    steps: list[str] | None = None,
    rules: Mapping[str, RuleSet] | None = None,
) -> Overview:
    """Key figures over the last `days` (and the `days` before), a daily trend, the funnels:
    one per marketplace on the stages of its rule set in `rules`."""
    times = instants(log)
    now = as_instant(as_of) if as_of is not None else _latest(times)
    window = _Window(now, np.timedelta64(days, "D"))
    found = entries(log)
    starts = times[first_mask(log)]
    ended = outcomes(log, found)
    shipped = first_entries(log, "stage", [DONE_STAGE], found)
    figures = (
        *_counts(starts, shipped, ended, window),
        _lost_share(ended, window),
        _median_hours(shipped, window),
        _open_orders(log, times, window, finals, rules or {}),
    )
    total, split = _funnels(log, steps, rules or {})
    return Overview(
        as_of=pd.Timestamp(now).tz_localize("UTC"),
        days=days,
        figures=figures,
        trend=_trend(starts, shipped.placed, ended, now, trend_days),
        funnel=total,
        funnels=split,
    )


def _funnels(
    log: pd.DataFrame, steps: list[str] | None, rules: Mapping[str, RuleSet]
) -> tuple[Funnel, tuple[MarketFunnel, ...]]:
    """The funnel of every order and one per marketplace: for one marketplace with no steps
    asked for, the same one (on its rule file's stages)."""
    split = funnels(log, rules)
    if len(split) == 1 and steps is None:
        return split[0].funnel, split
    return funnel(log, steps), split


def _counts(
    starts: np.ndarray, shipped: Reached, ended: Outcomes, window: _Window
) -> tuple[Figure, ...]:
    return (
        _count(
            "Orders created", starts, window, "New orders: their first event (for an order first "
            "seen past its creation, when it was first seen).",
        ),
        _count(
            f"Orders {DONE_STAGE}", shipped.placed, window,
            f"Orders that first entered the stage '{DONE_STAGE}' in the period (an inferred "
            "entry at its estimate), lost since or not.",
        ),
        _count(
            "Orders lost", ended.lost_at[ended.lost], window,
            "Orders in an exit stage now (cancelled, refused, refunded) that entered one in the "
            "period.", False,
        ),
    )  # fmt: skip


def _latest(times: np.ndarray) -> np.datetime64:
    return times.max() if len(times) else np.datetime64("1970-01-01T00:00:00", "us")


def _count(
    label: str, times: np.ndarray, window: _Window, text: str, higher_is_better: bool = True
) -> Figure:
    value = int(window.within(times).sum())
    previous = int(window.within(times, back=1).sum())
    return Figure(label, value, previous, "", f"{text} Counted: {value:,}.", higher_is_better)


def _lost_share(ended: Outcomes, window: _Window) -> Figure:
    share, lost, decided = ended.lost_share(*window.bounds())
    before, _, _ = ended.lost_share(*window.bounds(back=1))
    text = (
        f"Lost / (lost + shipped), over the {LOST_SHARE_COUNTS}, whose outcome fell in the "
        f"period. Counted: {lost:,} lost of {decided:,} decided."
    )
    return Figure("Lost share", share, before, "%", text, False)


def _median_hours(shipped: Reached, window: _Window) -> Figure:
    took = shipped.took
    timed = ~shipped.created_there & (took.kind != UNBOUNDED)

    def median(back: int) -> tuple[float | None, int, int]:
        inside = window.within(shipped.placed, back) & timed
        values = took.estimate[inside]
        censored = int((took.kind[inside] != 0).sum())
        return (float(np.median(values)) / 3600 if len(values) else None), len(values), censored

    value, count, censored = median(0)
    previous, _, _ = median(1)
    text = (
        f"From creation to the first entry into '{DONE_STAGE}' (the Flow page's time to the "
        "stage), over the orders that got there in the period after their creation and were "
        "seen from it; an inferred entry counts at its estimate within its poll bounds. "
        f"Counted: {count:,} orders, {censored:,} of them estimated."
    )
    return Figure(f"Median to {DONE_STAGE}", value, previous, "h", text, False)


def _open_orders(
    log: pd.DataFrame,
    times: np.ndarray,
    window: _Window,
    finals: Collection[str],
    rules: Mapping[str, RuleSet],
) -> Figure:
    closed = _closed(log, finals, rules)

    def open_at(back: int) -> int:
        _, end = window.bounds(back)
        before = times < end
        cases = log["case"].to_numpy()[before]
        last = np.r_[cases[1:] != cases[:-1], True] if len(cases) else cases.astype(bool)
        return int((~closed[before][last]).sum())

    value = open_at(0)
    text = (
        "Orders created by the end of the period whose status then was not final. "
        f"Counted: {value:,}."
    )
    return Figure("Open orders", value, open_at(1), "", text, False)


def _closed(log: pd.DataFrame, finals: Collection[str], rules: Mapping[str, RuleSet]) -> np.ndarray:
    """Per event: whether its status is final, in its own marketplace's rule set (two rule files
    may give one status name different meanings); by `finals` for a marketplace without one;
    by stage (shipped or an exit) without either."""
    by_stage = log["stage"].isin([*EXIT_STAGES, DONE_STAGE]).to_numpy()
    by_name = log["to_status"].isin(list(finals)).to_numpy() if finals else by_stage
    statuses = [str(s) for s in log["to_status"].cat.categories]
    table = np.zeros((len(log["marketplace"].cat.categories), len(statuses) + 1), dtype=bool)
    known = np.zeros(len(table), dtype=bool)
    for i, code in enumerate(log["marketplace"].cat.categories):
        rule_set = rules.get(str(code))
        if rule_set is not None:
            known[i] = True
            table[i, :-1] = [s in rule_set.final_statuses for s in statuses]
    market = log["marketplace"].cat.codes.to_numpy()
    own = table[market, log["to_status"].cat.codes.to_numpy()]  # code -1: the last column
    return np.asarray(np.where(known[market], own, by_name), dtype=bool)


def _trend(
    starts: np.ndarray, shipped: np.ndarray, ended: Outcomes, now: np.datetime64, days: int
) -> pd.DataFrame:
    last_day = now.astype("datetime64[D]")
    first_day = last_day - np.timedelta64(days - 1, "D")

    def per_day(times: np.ndarray) -> np.ndarray:
        times = times[~np.isnat(times)]
        index = (times.astype("datetime64[D]") - first_day) // DAY
        index = index[(index >= 0) & (index < days)].astype(np.int64)
        return np.bincount(index, minlength=days)

    return pd.DataFrame(
        {
            "day": pd.to_datetime(first_day + np.arange(days) * DAY),
            "created": per_day(starts),
            "shipped": per_day(shipped),
            "lost": per_day(ended.lost_at),
        }
    )
