"""The event log as analytics read it: one prepared DataFrame, and the arrays every view derives.

The store, the simulator and hand-made test logs all hand over the columns of
docs/architecture.md ("Event log columns"; `deviation` is optional, False where absent), and
each case attribute (an enum or bool field of a rule file, `analytics.attributes`) they carry.
`prepare` checks them, turns the repeated strings into categoricals (a million events stay a few
tens of megabytes and group quickly), numbers each order (`case`, one integer per marketplace and
order id) and sorts events by order and sequence, so every other module can rely on "the events
of one order are contiguous and in order". A case attribute is a property of the order: its last
known value is spread over every event of the order. The filters live in `analytics.selection`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from analytics.attributes import canonical, case_fields
from engine.model.definition import RuleSet
from engine.model.events import EVENT_LOG_COLUMNS, EVENT_LOG_TEXTS

REQUIRED: tuple[str, ...] = EVENT_LOG_COLUMNS
OPTIONAL: tuple[str, ...] = ("stage", "deviation", "last_poll")
POLL = "last_poll"
# A simulated run's events say when a poll saw each one: their polls, when none are given.
SEEN = "seen_at"
CATEGORIES: tuple[str, ...] = (*EVENT_LOG_TEXTS, "stage")
CASE = "case"
TIME_DTYPE = "datetime64[us, UTC]"


class EventLogInvalid(ValueError):
    """The frame handed to analytics is not an event log."""


def prepare(
    raw: pd.DataFrame,
    rules: Iterable[RuleSet] = (),
    fields: Sequence[str] | None = None,
    polls: Sequence[datetime] | np.ndarray | None = None,
) -> pd.DataFrame:
    """The log ready for analytics: typed, one `case` number per order, sorted by order and seq.

    `rules` fill in `stage` where the log does not carry it (each rule set for its marketplace)
    and name the case attributes kept (their enum and bool fields); `fields` names them instead.
    A case attribute the log has no column for is left out. `polls` are the instants the
    marketplace was polled (the fetch runs' window ends; for a simulated run, its events'
    `seen_at` when not given): each event gets `last_poll`, the latest strictly before it, which
    narrows the poll bounds of the inferred statuses before it (`analytics.censoring`).
    """
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise EventLogInvalid(
            f"the event log lacks the column(s) {', '.join(missing)}; "
            f"an event log has {', '.join(REQUIRED)} and optionally {', '.join(OPTIONAL)} "
            "and the rule files' enum and bool fields"
        )
    rules = tuple(rules)
    described = {f.name: f for f in case_fields(rules)}
    wanted = tuple(described) if fields is None else tuple(fields)
    kept = [c for c in wanted if c in raw.columns and c not in (*REQUIRED, *OPTIONAL, CASE)]
    log = _typed(raw.loc[:, [c for c in (*REQUIRED, *OPTIONAL, *kept) if c in raw.columns]], rules)
    if polls is None and SEEN in raw.columns:
        polls = _instants(raw[SEEN])
    if polls is not None:
        log[POLL] = pd.Series(last_polls(_instants(log["at"]), polls), index=log.index)
        log[POLL] = pd.to_datetime(log[POLL], utc=True).astype(TIME_DTYPE)
    log[CASE] = _case_numbers(log)
    log = log.sort_values([CASE, "seq"], kind="stable", ignore_index=True)
    for name in kept:
        log[name] = _spread(log, canonical(log[name], described.get(name)))
    return log


def _typed(log: pd.DataFrame, rules: tuple[RuleSet, ...]) -> pd.DataFrame:
    """A copy of `log` with each column of its type, `stage` and `deviation` filled in."""
    log = log.copy(deep=False)  # columns are replaced, never written into
    for column in CATEGORIES:
        if column in log.columns:
            log[column] = log[column].astype("category")
    if "stage" not in log.columns:
        log["stage"] = _stages(log, rules)
    if "deviation" not in log.columns:  # a log without it has no deviation
        log["deviation"] = False
    log["deviation"] = log["deviation"].fillna(False).astype(bool)
    log["seq"] = log["seq"].astype("int64")
    log["inferred"] = log["inferred"].astype(bool)
    log["at"] = pd.to_datetime(log["at"], utc=True).astype(TIME_DTYPE)
    return log


def attribute_columns(log: pd.DataFrame) -> list[str]:
    """The case attributes a prepared log carries (the rule files' enum and bool fields)."""
    known = {*REQUIRED, *OPTIONAL, CASE}
    return [c for c in log.columns if c not in known]


def _spread(log: pd.DataFrame, column: pd.Series) -> pd.Series:
    """Each order's last known value of `column` (a categorical), on every event of the order."""
    codes = column.cat.codes.to_numpy()
    if not len(codes):
        return column
    index = np.arange(len(codes))
    seen = np.maximum.accumulate(np.where(codes >= 0, index, -1))
    last = seen[case_last(log)]
    sizes = np.diff(np.r_[case_first(log), len(codes)])
    start = case_first(log)
    chosen = np.where(last >= start, codes[np.maximum(last, 0)], -1)
    spread = np.repeat(chosen, sizes)
    categories = column.cat.categories
    return pd.Series(pd.Categorical.from_codes(spread, categories), index=log.index)


def empty() -> pd.DataFrame:
    """A prepared log without events (what a new store holds)."""
    frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in REQUIRED})
    frame["seq"] = frame["seq"].astype("int64")
    frame["inferred"] = frame["inferred"].astype(bool)
    frame["at"] = pd.to_datetime(frame["at"], utc=True).astype(TIME_DTYPE)
    return prepare(frame)


def _stages(log: pd.DataFrame, rules: tuple[RuleSet, ...]) -> pd.Categorical:
    """The stage of each event's status in its marketplace's rule set, worked out once per
    marketplace and status (the log's categories) and spread by their codes. A status the rules
    do not declare (kept as reported) has no stage: shown as its code; a marketplace without
    rules has none."""
    markets = [str(m) for m in log["marketplace"].cat.categories]
    statuses = [str(s) for s in log["to_status"].cat.categories]
    by_market = {r.marketplace.code: {s.name: s.stage for s in r.statuses} for r in rules}
    names: dict[str, int] = {}
    # One row per marketplace and a last one for none, one column per status and a last one for
    # none: the code of the stage (-1: none).
    table = np.full((len(markets) + 1, len(statuses) + 1), -1, dtype=np.int64)
    for row, market in enumerate(markets):
        stages = by_market.get(market)
        if stages is not None:
            for column, status in enumerate(statuses):
                table[row, column] = names.setdefault(stages.get(status, status), len(names))
    market_codes = log["marketplace"].cat.codes.to_numpy()
    status_codes = log["to_status"].cat.codes.to_numpy()
    codes = table[market_codes, status_codes]  # a missing code (-1) takes the last row, column
    found = pd.Categorical.from_codes(codes, list(names), validate=False)
    found = found.remove_unused_categories()
    return found.reorder_categories(sorted(found.categories))  # as astype("category") sorts


def _case_numbers(log: pd.DataFrame) -> np.ndarray:
    market = log["marketplace"].cat.codes.to_numpy(dtype=np.int64)
    order = log["order_id"].cat.codes.to_numpy(dtype=np.int64)
    width = max(len(log["order_id"].cat.categories), 1)
    codes, _ = pd.factorize(market * width + order, sort=True)
    return np.asarray(codes, dtype=np.int64)


def last_polls(times: np.ndarray, polls: Sequence[datetime] | np.ndarray) -> np.ndarray:
    """For each of `times`: the latest of `polls` strictly before it (NaT where none)."""
    instants_ = np.unique(_instants(polls))
    instants_ = instants_[~np.isnat(instants_)]
    if not len(instants_):
        return np.full(len(times), np.datetime64("NaT", "us"))
    where = np.searchsorted(instants_, times, side="left") - 1
    found = instants_[np.maximum(where, 0)]
    return np.where(where >= 0, found, np.datetime64("NaT", "us"))


def _instants(values: pd.Series | np.ndarray | Sequence[datetime]) -> np.ndarray:
    """Any column of times as numpy datetime64[us], UTC, zone dropped."""
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        return values.astype("datetime64[us]")
    stamps = pd.to_datetime(pd.Series(values, dtype=object if not len(values) else None), utc=True)
    return np.asarray(stamps.dt.tz_convert(None).to_numpy(), dtype="datetime64[us]")


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


def current(log: pd.DataFrame) -> pd.DataFrame:
    """One row per order: its last event, i.e. its status now and since when."""
    return log.iloc[case_last(log)].reset_index(drop=True)


def started(log: pd.DataFrame) -> pd.Series:
    """When each order was created (its first event), indexed by case."""
    first = log.iloc[case_first(log)]
    return pd.Series(first["at"].to_numpy(), index=first[CASE].to_numpy(), name="started_at")


def as_instant(moment: datetime) -> np.datetime64:
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return np.datetime64(stamp.tz_localize(None).to_datetime64(), "us")
