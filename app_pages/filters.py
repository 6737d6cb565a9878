"""The sidebar of the analytics pages and what it selects: a `LogFilter` over the event log.

Every analytics page opens the same way (`open_page`): its title, the sidebar (the store it
reads, "Reload data", the filters) and the whole log, or a note when the store has no events
yet. The filters keep or drop whole orders; each page applies the returned filter to its figures.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pandas as pd
import streamlit as st

from analytics.eventlog import LogFilter
from app_pages import caches


def open_page(title: str) -> tuple[LogFilter, pd.DataFrame] | None:
    """The page's title and sidebar, then the filter and the whole log; None (after saying the
    store is empty) when there is nothing to show."""
    st.title(title)
    where = sidebar()
    log = caches.full_log()
    if log.empty:
        no_data()
        return None
    return where, log


def sidebar() -> LogFilter:
    """The filters every analytics page applies; whole orders are kept or dropped."""
    log = caches.full_log()
    bar = st.sidebar
    bar.caption(f"Store: `{caches.store().url}`")
    if bar.button("Reload data", help="Read the store again after a sync or a simulation."):
        caches.reload()
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
    """The distinct values of `column`, sorted: the choices of a filter."""
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
