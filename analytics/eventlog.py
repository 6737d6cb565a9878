"""The event log as analytics read it: one prepared DataFrame, and the filters every view shares.

The store, the simulator and hand-made test logs all hand over the columns of
docs/architecture.md ("Event log columns"; `deviation` is optional, False where absent).
`prepare` checks them, turns the repeated strings into categoricals (a million events stay a few
tens of megabytes and group quickly), numbers each order (`case`, one integer per marketplace and
order id) and sorts events by order and sequence, so every other module can rely on "the events
of one order are contiguous and in order".
Filters keep or drop whole orders, never single events, so a filtered log still holds complete
paths.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from engine.model.definition import RuleSet
from engine.model.events import EVENT_LOG_COLUMNS

REQUIRED: tuple[str, ...] = EVENT_LOG_COLUMNS
OPTIONAL: tuple[str, ...] = ("stage", "delivery_mode", "deviation")
CATEGORIES: tuple[str, ...] = (
    "marketplace",
    "order_id",
    "from_status",
    "to_status",
    "trigger",
    "actor",
    "source",
    "stage",
    "delivery_mode",
)
CASE = "case"
TIME_DTYPE = "datetime64[us, UTC]"


class EventLogInvalid(ValueError):
    """The frame handed to analytics is not an event log."""


def prepare(raw: pd.DataFrame, rules: Iterable[RuleSet] = ()) -> pd.DataFrame:
    """The log ready for analytics: typed, one `case` number per order, sorted by order and seq.

    `rules` fill in `stage` where the log does not carry it (each rule set for its marketplace).
    """
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise EventLogInvalid(
            f"the event log lacks the column(s) {', '.join(missing)}; "
            f"an event log has {', '.join(REQUIRED)} and optionally {', '.join(OPTIONAL)}"
        )
    log = raw.loc[:, [c for c in (*REQUIRED, *OPTIONAL) if c in raw.columns]].copy()
    if "stage" not in log.columns:
        log["stage"] = _stages(log, tuple(rules))
    if "delivery_mode" not in log.columns:
        log["delivery_mode"] = None
    if "deviation" not in log.columns:  # a log without it has no deviation
        log["deviation"] = False
    log["deviation"] = log["deviation"].fillna(False).astype(bool)
    for column in CATEGORIES:
        log[column] = log[column].astype("category")
    log["seq"] = log["seq"].astype("int64")
    log["inferred"] = log["inferred"].astype(bool)
    log["at"] = pd.to_datetime(log["at"], utc=True).astype(TIME_DTYPE)
    log[CASE] = _case_numbers(log)
    log = log.sort_values([CASE, "seq"], kind="stable", ignore_index=True)
    # The delivery mode is a property of the order: spread its last known value to every event.
    log["delivery_mode"] = log.groupby(CASE, observed=True)["delivery_mode"].transform("last")
    log["delivery_mode"] = log["delivery_mode"].astype("category")
    return log


def empty() -> pd.DataFrame:
    """A prepared log without events (what a new store holds)."""
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in REQUIRED})
    frame["seq"] = frame["seq"].astype("int64")
    frame["inferred"] = frame["inferred"].astype(bool)
    frame["at"] = pd.to_datetime(frame["at"], utc=True).astype(TIME_DTYPE)
    return prepare(frame)


def _stages(log: pd.DataFrame, rules: tuple[RuleSet, ...]) -> pd.Series:
    stage = pd.Series(pd.NA, index=log.index, dtype="object")
    for rule_set in rules:
        table = {s.name: s.stage for s in rule_set.statuses}
        mine = log["marketplace"].astype(str) == rule_set.marketplace.code
        statuses = log.loc[mine, "to_status"]
        # A status the rules do not declare (kept as reported) has no stage: shown as its code.
        stage[mine] = statuses.map(table).fillna(statuses)
    return stage


def _case_numbers(log: pd.DataFrame) -> np.ndarray:
    market = log["marketplace"].cat.codes.to_numpy(dtype=np.int64)
    order = log["order_id"].cat.codes.to_numpy(dtype=np.int64)
    width = max(len(log["order_id"].cat.categories), 1)
    codes, _ = pd.factorize(market * width + order, sort=True)
    return np.asarray(codes, dtype=np.int64)


def case_first(log: pd.DataFrame) -> np.ndarray:
    """Row positions of each order's first event (the log is prepared: orders are contiguous)."""
    case = log[CASE].to_numpy()
    return np.flatnonzero(np.r_[True, case[1:] != case[:-1]]) if len(case) else case


def case_last(log: pd.DataFrame) -> np.ndarray:
    """Row positions of each order's last event."""
    case = log[CASE].to_numpy()
    return np.flatnonzero(np.r_[case[1:] != case[:-1], True]) if len(case) else case


def instants(log: pd.DataFrame) -> np.ndarray:
    """The events' times as a plain numpy datetime64[us] array (UTC), for vectorised arithmetic."""
    return np.asarray(log["at"].dt.tz_convert(None).to_numpy(), dtype="datetime64[us]")


def seconds(delta: np.ndarray) -> np.ndarray:
    """Durations (numpy timedelta64) as float seconds."""
    return delta / np.timedelta64(1, "s")


def first_mask(log: pd.DataFrame) -> np.ndarray:
    """True for each order's first event (the one that created it)."""
    case = log[CASE].to_numpy()
    return np.r_[True, case[1:] != case[:-1]] if len(case) else np.zeros(0, dtype=bool)


def since_previous(log: pd.DataFrame) -> np.ndarray:
    """Seconds between each event and the order's previous one; NaN where unknown.

    Unknown for an order's first event, and where either event was inferred: an inferred status
    was never seen, so the time it was entered or left is not known.
    """
    if not len(log):
        return np.zeros(0)
    times = instants(log)
    gap = np.r_[np.nan, seconds(times[1:] - times[:-1])]
    inferred = log["inferred"].to_numpy()
    unknown = first_mask(log) | inferred | np.r_[False, inferred[:-1]]
    gap[unknown] = np.nan
    return np.asarray(gap, dtype=np.float64)


def current(log: pd.DataFrame) -> pd.DataFrame:
    """One row per order: its last event, i.e. its status now and since when."""
    return log.iloc[case_last(log)].reset_index(drop=True)


def started(log: pd.DataFrame) -> pd.Series:
    """When each order was created (its first event), indexed by case."""
    first = log.iloc[case_first(log)]
    return pd.Series(first["at"].to_numpy(), index=first[CASE].to_numpy(), name="started_at")


@dataclass(frozen=True)
class LogFilter:
    """Which orders to look at; empty fields mean "all".

    `start`/`end` select orders created in [start, end); `stages` orders that reached one of
    them; `marketplaces` and `delivery_modes` orders of those.
    """

    start: datetime | None = None
    end: datetime | None = None
    marketplaces: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    delivery_modes: tuple[str, ...] = ()


def filter_log(log: pd.DataFrame, where: LogFilter) -> pd.DataFrame:
    """The events of the orders `where` selects, whole orders only."""
    keep = np.ones(len(log), dtype=bool)
    if where.marketplaces:
        keep &= log["marketplace"].isin(where.marketplaces).to_numpy()
    if where.delivery_modes:
        keep &= log["delivery_mode"].isin(where.delivery_modes).to_numpy()
    if where.start is not None or where.end is not None:
        keep &= _created_between(log, where.start, where.end)
    if where.stages:
        reached = log.loc[log["stage"].isin(where.stages).to_numpy(), CASE].unique()
        keep &= log[CASE].isin(reached).to_numpy()
    return log.loc[keep].reset_index(drop=True)


def _created_between(log: pd.DataFrame, start: datetime | None, end: datetime | None) -> np.ndarray:
    first = instants(log)[case_first(log)]
    ok = np.ones(len(first), dtype=bool)
    if start is not None:
        ok &= first >= as_instant(start)
    if end is not None:
        ok &= first < as_instant(end)
    sizes = np.diff(np.r_[case_first(log), len(log)])
    return np.repeat(ok, sizes)


def as_instant(moment: datetime) -> np.datetime64:
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return np.datetime64(stamp.tz_localize(None).to_datetime64(), "us")
