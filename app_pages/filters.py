"""The sidebar of the analytics pages and what it selects: a `LogFilter` over the event log.

Every analytics page opens the same way (`open_page`): its title, the sidebar ("Reload data",
the filters) and the whole log, or a note when the store has no events yet. The filters keep or
drop whole orders (`analytics.selection`); each page applies the returned filter to every figure.
Besides the period, the marketplace and the stage: every enum and bool field the rule files
declare (with its labels), and the path: variant, statuses passed through, first and last
status, how long the order took. The choices live in the session under their own keys, so they
carry over from one page to the next, and in the page's address (`link`), so a view can be
bookmarked and shared.

A figure that stands for orders (a map edge, a variant, a funnel exit, an SLA row, an anomaly
kind) leads to them: `drill_down` keeps what it stands for as a `DrillDown` in the session and
opens the Orders page, which applies it on top of the sidebar's filters (`drilled`), says so, and
offers to clear it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any, NoReturn

import pandas as pd
import streamlit as st

from analytics.attributes import CaseField, case_fields
from analytics.selection import FieldValues, LogFilter
from analytics.variants import variants
from app_pages import caches, link
from app_pages.link import LONGER, PERIOD, PREFIX

VARIANT_CHOICES = 100
VARIANT_KEY = f"{PREFIX}variant"
DRILL = "drill-down"
ORDERS_PAGE = "app_pages/orders.py"


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
    _keep_choices()
    log = caches.full_log()
    bar = st.sidebar
    if bar.button("Reload data", help="Read the store again after a sync or a simulation."):
        caches.reload()
        st.rerun()
    if log.empty:
        return LogFilter()
    whole = (log["at"].min().date(), log["at"].max().date())
    link.restore(_allowed(log), whole)
    markets = bar.multiselect("Marketplace", names(log["marketplace"]), key=f"{PREFIX}market")
    stages = bar.multiselect(
        "Reached stage",
        names(log["stage"]),
        help="Orders that had a status in one of these stages.",
        key=f"{PREFIX}stage",
    )
    first, last = whole
    _default(PERIOD, whole, lambda v: _clamped(v, first, last))
    period = bar.date_input("Created between", min_value=first, max_value=last, key=PERIOD)
    start, end = _period(period)
    with bar.expander("Order fields", expanded=False):
        fields = field_filters(log, tuple(markets))
    chosen = LogFilter(start, end, tuple(markets), tuple(stages), fields)
    with bar.expander("Path", expanded=False):
        where = path_filters(log, chosen)
    link.publish(whole)
    return where


def _allowed(log: pd.DataFrame) -> link.Allowed:
    """The values each list filter may take on `log`, asked only when an address names one."""
    statuses = {f"{PREFIX}{name}" for name in ("through", "first", "last")}
    columns = {f"{PREFIX}market": "marketplace", f"{PREFIX}stage": "stage"}
    fields = {f"{PREFIX}field:{f.name}": f for f in case_fields(caches.rulebook().rule_sets())}

    def allowed(key: str) -> list[object] | None:
        if key in statuses:
            return list(names(log["to_status"]))
        if key in columns:
            return list(names(log[columns[key]]))
        if key == VARIANT_KEY:
            return list(variant_table()["variant"])
        field = fields.get(key)
        if field is None or field.name not in log.columns:
            return None
        return _values(log[field.name], field)

    return allowed


def _keep_choices() -> None:
    """Streamlit forgets a widget's value on a page that does not draw it: setting each filter's
    value again keeps it for the next page, which draws the same filters."""
    for key in [k for k in st.session_state if str(k).startswith(PREFIX)]:
        st.session_state[key] = st.session_state[key]


def _default(key: str, value: object, fix: Callable[[Any], object] | None = None) -> None:
    """A widget's first value, set through the session (a widget given both warns); `fix` mends
    a value kept from before (a date outside a reloaded log's range)."""
    if key not in st.session_state:
        st.session_state[key] = value
    elif fix is not None:
        st.session_state[key] = fix(st.session_state[key])


def _clamped(period: Any, first: date, last: date) -> Any:
    if not isinstance(period, tuple | list):
        return (first, last)
    return tuple(min(max(day, first), last) for day in period)


def field_filters(log: pd.DataFrame, markets: tuple[str, ...]) -> FieldValues:
    """One choice per enum and bool field of the rule files (of the marketplaces chosen, else of
    all) that the log carries, its values shown with their labels."""
    book = caches.rulebook()
    rules = [r for code, r in book.rules.items() if not markets or code in markets]
    chosen: list[tuple[str, tuple[object, ...]]] = []
    for field in case_fields(rules):
        if field.name not in log.columns:
            continue
        picked = st.multiselect(
            field.name,
            _values(log[field.name], field),
            format_func=field.label,
            help=field.description or None,
            key=f"{PREFIX}field:{field.name}",
        )
        if picked:
            chosen.append((field.name, tuple(picked)))
    if not chosen and not case_fields(rules):
        st.caption("The rule files declare no enum or bool field.")
    return tuple(chosen)


def _values(column: pd.Series, field: CaseField) -> list[object]:
    """The values the log holds, in the rule file's order, then any value it does not list."""
    present = set(column.dropna().unique().tolist())
    declared = [code for code, _ in field.choices if code in present]
    return declared + sorted((v for v in present if v not in declared), key=str)


def path_filters(log: pd.DataFrame, chosen: LogFilter) -> LogFilter:
    """`chosen` with the filters on the path the orders took."""
    statuses = names(log["to_status"])
    table = variant_table()
    top = table.head(VARIANT_CHOICES)
    orders = dict(zip(top["variant"], top["orders"], strict=True))
    # A variant picked on the Flow page may be rarer than the most frequent ones: offered too.
    choices = list(dict.fromkeys([*orders, *st.session_state.get(VARIANT_KEY, [])]))
    picked = st.multiselect(
        "Variant",
        choices,
        format_func=lambda v: f"{orders[v]:,} orders: {v}" if v in orders else v,
        help=f"Orders whose whole path is one of these (the {VARIANT_CHOICES} most frequent, "
        "and any picked in the Flow page's variants).",
        key=VARIANT_KEY,
    )
    through = st.multiselect(
        "Passed through status",
        statuses,
        help="Orders that had one of these statuses, observed or inferred.",
        key=f"{PREFIX}through",
    )
    starts = st.multiselect("First status", statuses, key=f"{PREFIX}first")
    ends = st.multiselect(
        "Last status", statuses, help="Orders in one of these now.", key=f"{PREFIX}last"
    )
    _default(LONGER, 0.0)
    hours = st.number_input(
        "Took longer than (hours)",
        min_value=0.0,
        step=1.0,
        help="Orders whose last event came more than this after their first (0: all).",
        key=LONGER,
    )
    return replace(
        chosen,
        variants=tuple(picked),
        through=tuple(through),
        first_statuses=tuple(starts),
        last_statuses=tuple(ends),
        longer_than_s=float(hours) * 3600 if hours else None,
    )


def variant_table() -> pd.DataFrame:
    """Every variant of the whole log, most frequent first: the Variant filter's choices, and
    what an address may name."""
    table: pd.DataFrame = caches.cached("variants:choices", LogFilter(), variants)
    return table


def pick_variants(chosen: list[str]) -> None:
    """Keep the orders of these variants on every page (from a callback, before the sidebar
    draws the filter)."""
    st.session_state[VARIANT_KEY] = chosen


@dataclass(frozen=True)
class DrillDown:
    """The orders behind a figure: what it says (`label`) and the `LogFilter` fields it sets."""

    label: str
    changes: tuple[tuple[str, Any], ...]

    def apply(self, where: LogFilter) -> LogFilter:
        return replace(where, **dict(self.changes))


def drill_down(label: str, **changes: Any) -> NoReturn:
    """Open the Orders page on the orders `changes` select (LogFilter fields), under the
    sidebar's filters."""
    st.session_state[DRILL] = DrillDown(label, tuple(changes.items()))
    st.switch_page(ORDERS_PAGE)


def drilled(where: LogFilter) -> LogFilter:
    """`where` with the drill-down the page was opened with, said on the page with a button
    that clears it."""
    drill = st.session_state.get(DRILL)
    if not isinstance(drill, DrillDown):
        return where
    note, clear = st.columns([5, 1], vertical_alignment="center")
    note.info(f"**Drill-down**: {drill.label}, under the sidebar's filters.")
    if clear.button("Clear the drill-down", key="drill:clear"):
        del st.session_state[DRILL]
        st.rerun()
    return drill.apply(where)


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
