"""SLA risk: the orders waiting in a status that has a timer, and how close each is to its deadline.

The timers come from the rule set (e.g. automatic cancellation when the seller does not answer
in time). An order entered its current status at its last event; its deadline is that time plus
the timer's delay. `now` is given by the caller (a real or a virtual clock), never read here.
Bands make the list readable at a glance: overdue, critical (90% of the delay spent), warning
(75%), ok.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import numpy as np
import pandas as pd

from analytics.eventlog import as_instant, case_last, instants, seconds
from engine.model.definition import RuleSet

BANDS: tuple[tuple[str, float], ...] = (("critical", 0.9), ("warning", 0.75), ("ok", 0.0))
OVERDUE = "overdue"
BAND_ORDER: tuple[str, ...] = (OVERDUE, *(name for name, _ in BANDS))
COLUMNS: tuple[str, ...] = (
    "marketplace",
    "order_id",
    "status",
    "timer",
    "fires",
    "entered_at",
    "deadline",
    "remaining_s",
    "elapsed_share",
    "band",
)


def timer_table(rules: Iterable[RuleSet]) -> pd.DataFrame:
    """Every timer of the rule sets: marketplace, status, timer, fires, after_s."""
    records = [
        {
            "marketplace": r.marketplace.code,
            "status": t.status,
            "timer": t.name,
            "fires": t.fire,
            "after_s": float(t.after_seconds),
        }
        for r in rules
        for t in r.timers
    ]
    return pd.DataFrame(records, columns=["marketplace", "status", "timer", "fires", "after_s"])


def sla_risk(log: pd.DataFrame, rules: Iterable[RuleSet], now: datetime) -> pd.DataFrame:
    """One row per open order and timer of its status, the closest deadline first."""
    timers = timer_table(rules)
    latest = log.iloc[_waiting(log, timers)]  # the orders a timer may fire on: few strings
    orders = pd.DataFrame(
        {
            "marketplace": latest["marketplace"].astype(str).to_numpy(),
            "order_id": latest["order_id"].astype(str).to_numpy(),
            "status": latest["to_status"].astype(str).to_numpy(),
            "entered": instants(latest),
        }
    )
    rows = orders.merge(timers, on=["marketplace", "status"], how="inner")
    if rows.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    entered = rows["entered"].to_numpy(dtype="datetime64[us]")
    after = rows["after_s"].to_numpy()
    waited = seconds(as_instant(now) - entered)
    rows["entered_at"] = pd.to_datetime(entered, utc=True)
    rows["deadline"] = rows["entered_at"] + pd.to_timedelta(after, unit="s")
    rows["remaining_s"] = after - waited
    rows["elapsed_share"] = waited / after
    rows["band"] = _bands(rows["remaining_s"].to_numpy(), rows["elapsed_share"].to_numpy())
    rows = rows.sort_values(["remaining_s", "order_id"], ignore_index=True)
    return rows.loc[:, list(COLUMNS)]


def _waiting(log: pd.DataFrame, timers: pd.DataFrame) -> np.ndarray:
    """Rows of the orders' last events at a status with a timer of their marketplace, found on
    the categories' codes (a million events, a few marketplaces and statuses)."""
    last = case_last(log)
    markets = [str(m) for m in log["marketplace"].cat.categories]
    statuses = [str(s) for s in log["to_status"].cat.categories]
    timed = set(zip(timers["marketplace"], timers["status"], strict=True))
    # A last row and column for a missing code (-1): no timer.
    table = np.zeros((len(markets) + 1, len(statuses) + 1), dtype=bool)
    for row, market in enumerate(markets):
        table[row, :-1] = [(market, status) in timed for status in statuses]
    market_codes = log["marketplace"].cat.codes.to_numpy()[last]
    status_codes = log["to_status"].cat.codes.to_numpy()[last]
    waiting: np.ndarray = last[table[market_codes, status_codes]]
    return waiting


def _bands(remaining: np.ndarray, share: np.ndarray) -> np.ndarray:
    conditions = [remaining < 0, *(share >= limit for _, limit in BANDS)]
    return np.select(conditions, [OVERDUE, *(name for name, _ in BANDS)], default="ok")


def risk_summary(risk: pd.DataFrame) -> pd.DataFrame:
    """Orders per timer and band (bands in order of urgency, every band present)."""
    table = pd.crosstab(risk["timer"], pd.Categorical(risk["band"], categories=BAND_ORDER))
    table = table.reindex(columns=list(BAND_ORDER), fill_value=0)
    table.columns = list(BAND_ORDER)
    table.index.name = "timer"
    return table.reset_index()
