"""What every page shares: where the data is, the cached loads, the sidebar filters, formats.

The store and the prepared event log are loaded once per process (`st.cache_resource`: a
million events are read once, not per click); aggregates are cached per filter
(`st.cache_data`), so only small tables ever reach the browser. "Reload data" in the sidebar
drops the caches after a sync or a simulation has written to the store.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from analytics.eventlog import LogFilter, filter_log
from analytics.funnel import progress_stages
from engine.rulefile.diagram import span
from engine.runtime.runtime import Runtime
from engine.store import DEFAULT_URL, Store, open_store
from workspace.rule_files import rule_files
from workspace.sources import RuleBook, load_rulebook, read_anomalies, read_log, read_outbox

HERE = Path(__file__).resolve().parent.parent
T = TypeVar("T")


@dataclass(frozen=True)
class Settings:
    store_url: str
    rules_dir: Path
    scenarios_dir: Path


def settings() -> Settings:
    """From the environment (`orderflow run` sets it), else the defaults next to the app."""
    return Settings(
        store_url=os.environ.get("ORDERFLOW_DB", DEFAULT_URL),
        rules_dir=Path(os.environ.get("ORDERFLOW_RULES", HERE / "rules")),
        scenarios_dir=Path(os.environ.get("ORDERFLOW_SCENARIOS", HERE / "simulator" / "scenarios")),
    )


@st.cache_resource(show_spinner=False)
def store(url: str) -> Store:
    return open_store(url)


@st.cache_resource(show_spinner=False)
def _rulebook(directory: str, stamp: tuple[tuple[str, int], ...]) -> RuleBook:
    return load_rulebook(Path(directory))


def rulebook() -> RuleBook:
    """The rule files, reloaded whenever one of them changes on disk."""
    directory = settings().rules_dir
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in rule_files(directory))
    return _rulebook(str(directory), stamp)


@st.cache_resource(show_spinner="Reading the event log…", max_entries=2)
def _log(url: str, markets: tuple[str, ...]) -> pd.DataFrame:
    return read_log(store(url), rulebook().rule_sets())


def full_log() -> pd.DataFrame:
    """The whole prepared event log of the store."""
    return _log(settings().store_url, tuple(sorted(rulebook().rules)))


def cached(name: str, where: LogFilter, compute: Callable[[pd.DataFrame], T]) -> T:
    """`compute` over the filtered log, cached per data set, page figure and filter."""
    key = f"{settings().store_url}|{sorted(rulebook().rules)}|{name}|{where!r}"
    return _cached(key, compute, where)  # type: ignore[no-any-return]


@st.cache_data(show_spinner=False, max_entries=64)
def _cached(key: str, _compute: Callable[[pd.DataFrame], Any], _where: LogFilter) -> Any:
    return _compute(filter_log(full_log(), _where))


@st.cache_resource(show_spinner=False, max_entries=2)
def _anomalies(url: str) -> pd.DataFrame:
    return read_anomalies(store(url))


def anomalies() -> pd.DataFrame:
    """Every anomaly the store kept."""
    return _anomalies(settings().store_url)


@st.cache_resource(show_spinner=False, max_entries=2)
def _outbox(url: str) -> pd.DataFrame:
    return read_outbox(store(url))


def outbox() -> pd.DataFrame:
    """The outbox as last read (queueing an action reloads it)."""
    return _outbox(settings().store_url)


def reload_outbox() -> None:
    _outbox.clear()


@st.cache_resource(show_spinner=False, max_entries=16)
def _runtime(code: str, stamp: tuple[tuple[str, int], ...]) -> Runtime:
    return Runtime(rulebook().rules[code])


def runtime(code: str) -> Runtime:
    """The runtime of marketplace `code`'s rule set (one machine, built once per file version)."""
    directory = settings().rules_dir
    return _runtime(code, tuple((p.name, p.stat().st_mtime_ns) for p in rule_files(directory)))


def steps_for(log: pd.DataFrame) -> list[str]:
    """The funnel steps of the rule sets of the marketplaces in `log`."""
    book = rulebook()
    present = {str(m) for m in log["marketplace"].unique()}
    return progress_stages([r for code, r in book.rules.items() if code in present], log)


def reload() -> None:
    for cache in (_log, _cached, _rulebook, _anomalies, _outbox, _runtime):
        cache.clear()


def sidebar() -> LogFilter:
    """The filters every analytics page applies; whole orders are kept or dropped."""
    log = full_log()
    bar = st.sidebar
    bar.caption(f"Store: `{store(settings().store_url).url}`")
    if bar.button("Reload data", help="Read the store again after a sync or a simulation."):
        reload()
        st.rerun()
    if log.empty:
        return LogFilter()
    markets = bar.multiselect("Marketplace", names(log["marketplace"]))
    stages = bar.multiselect(
        "Reached stage",
        names(log["stage"]),
        help="Orders that had a status in one of these stages.",
    )
    modes = bar.multiselect("Delivery mode", names(log["delivery_mode"]))
    first, last = log["at"].min().date(), log["at"].max().date()
    period = bar.date_input("Created between", (first, last), first, last)
    start, end = _period(period)
    return LogFilter(start, end, tuple(markets), tuple(stages), tuple(modes))


def names(column: pd.Series) -> list[str]:
    return sorted(str(v) for v in column.dropna().unique())


def _period(period: object) -> tuple[datetime | None, datetime | None]:
    if isinstance(period, tuple | list) and len(period) == 2:
        start, end = period
        return _day(start), _day(end, next_day=True)
    return None, None


def _day(day: date, next_day: bool = False) -> datetime:
    moment = datetime.combine(day, time(), tzinfo=UTC)
    return moment + pd.Timedelta(days=1) if next_day else moment


def no_data() -> None:
    st.info(
        "The store has no events yet. Fill it with `orderflow simulate` or `orderflow sync`, "
        "or start the app with `orderflow run`, which fills a new store from a simulated month."
    )


def duration(seconds: float | None) -> str:
    """Seconds for people (`3h 20m`), or a dash when unknown."""
    return "–" if seconds is None or pd.isna(seconds) else span(float(seconds))


def durations(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy of `table` with its seconds `columns` written as durations (`_s` suffix dropped)."""
    shown = table.copy()
    for column in columns:
        shown[column] = shown[column].map(duration)
    return shown.rename(columns={c: c.removesuffix("_s") for c in columns})


def upright(diagram: str) -> str:
    """A DOT diagram drawn top to bottom: the page is narrower than a long left-to-right chain."""
    return diagram.replace("rankdir=LR;", "rankdir=TB;", 1)


def table(frame: pd.DataFrame, rows: int = 15, **options: Any) -> None:
    """A dataframe tall enough for up to `rows` rows without an inner scroll bar."""
    height = 38 + 35 * min(max(len(frame), 1), rows)
    st.dataframe(frame, hide_index=options.pop("hide_index", True), height=height, **options)
