"""Overview page: the key figures and how they moved, the daily trend, the funnel, SLA risk, and
the orders whose cart lines disagree. A funnel exit and an SLA row lead to their orders (the
Orders page, `filters.drill_down`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.funnel import Funnel
from analytics.lines import LineSummary, line_summary, line_table
from analytics.overview import Figure, Overview, overview
from analytics.selection import LogFilter
from analytics.sla import risk_summary, sla_risk
from app_pages import caches, filters, formats
from workspace.sources import RuleBook

DAYS = 7
TREND = (("created", "#1f77b4"), ("shipped", "#2ca02c"), ("lost", "#d62728"))  # column, colour


def render() -> None:
    opened = filters.open_page("Overview")
    if opened is None:
        return
    where, log = opened
    book = caches.rulebook()
    finals = frozenset().union(*(r.final_statuses for r in book.rule_sets()))
    # The funnels' steps come from the filtered orders' rule files, inside the cached figure.
    view: Overview = caches.cached(
        f"overview:{DAYS}",
        where,
        lambda frame: overview(frame, log["at"].max(), DAYS, finals=finals, rules=book.rules),
    )
    st.caption(
        f"As of {view.as_of:%Y-%m-%d %H:%M} UTC (the latest event). Each figure covers the last "
        f"{DAYS} days; the small number under it is the change from the {DAYS} days before. "
        "Each figure's (?) says which orders it counts, and how many, under the filters."
    )
    figures(view.figures)
    st.subheader("Daily trend")
    st.plotly_chart(trend_chart(view.trend, view.as_of), width="stretch")
    funnels_section(view, book)
    risk_section(where, view)
    lines_section(where)


def trend_chart(trend: pd.DataFrame, as_of: pd.Timestamp | None = None) -> go.Figure:
    """The orders created, shipped and lost each day, a line each; the day of `as_of` (the latest
    event), when the trend ends on it before its end, shaded and marked as counted so far, so its
    smaller counts do not read as a drop.

    Drawn with plotly, which the funnel loads anyway: `st.line_chart` would load altair and build
    a Vega chart, half a second of the app's cold start.
    """
    chart = go.Figure(
        [
            go.Scatter(
                x=trend["day"], y=trend[name], name=name, mode="lines", line={"color": color}
            )
            for name, color in TREND
        ]
    )
    chart.update_layout(
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        height=300,
        hovermode="x unified",
        yaxis={"title": "orders", "rangemode": "tozero"},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},  # clear of the tools
    )
    if as_of is not None and len(trend):
        last, moment = pd.Timestamp(trend["day"].iloc[-1]), pd.Timestamp(as_of).tz_localize(None)
        if last.date() == moment.date() and moment != last:
            chart.add_vrect(
                x0=last - pd.Timedelta(hours=12),
                x1=last + pd.Timedelta(hours=12),
                fillcolor="grey",
                opacity=0.12,
                line_width=0,
                annotation_text=f"so far (to {moment:%H:%M} UTC)",
                annotation_position="top left",
            )
    return chart


def figures(items: tuple[Figure, ...]) -> None:
    for column, figure in zip(st.columns(len(items)), items, strict=True):
        column.metric(
            figure.label,
            _text(figure.value, figure.unit),
            _delta(figure),
            help=figure.help or None,
            delta_color="normal" if figure.higher_is_better else "inverse",
        )


def _text(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "h":
        return f"{value:.1f} h"
    return f"{int(value):,}"


def _delta(figure: Figure) -> str | None:
    if figure.value is None or figure.previous is None:
        return None
    change = figure.value - figure.previous
    if figure.unit == "%":  # a share moves by points: "-0.4 %" would read as relative
        return f"{change:+.1f} pt"
    if figure.unit == "h":
        return f"{change:+.1f} h"
    return f"{int(change):+,}"


def funnels_section(view: Overview, book: RuleBook) -> None:
    """One funnel per rule file of the orders under the filters; with several, a tab each and
    one on the normalised stages of them all."""
    if len(view.funnels) <= 1:
        st.subheader("Funnel by stage")
        if view.funnels:
            st.caption(_named(view.funnels[0].marketplace, book))
        funnel_section(view.funnel, "all")
        return
    st.subheader("Funnels by stage, one per rule file")
    labels = [_named(f.marketplace, book) for f in view.funnels]
    tabs = st.tabs([*labels, "All marketplaces"])
    for tab, one in zip(tabs, view.funnels, strict=False):
        with tab:
            funnel_section(one.funnel, one.marketplace)
    with tabs[-1]:
        st.caption(
            "Every marketplace's orders on the normalised stages any of them uses: a stage one "
            "rule file has no status in counts its orders as `skipped`."
        )
        funnel_section(view.funnel, "all")


def _named(code: str, book: RuleBook) -> str:
    if code in book.rules:
        return f"{book.rules[code].marketplace.name} ({book.files[code].name})"
    return f"{code} (no valid rule file: the stages its events use)"


def funnel_section(funnel: Funnel, name: str) -> None:
    left, right = st.columns(2)  # the table has six columns: no horizontal scroll
    steps = funnel.steps
    chart = go.Figure(
        go.Funnel(
            y=steps["stage"],
            x=steps["reached"],
            texttemplate="%{value:,} (%{percentInitial:.0%})",
        )
    )
    chart.update_layout(margin={"l": 10, "r": 10, "t": 10, "b": 10}, height=300)
    left.plotly_chart(chart, width="stretch")
    right.dataframe(
        steps.assign(share=(steps["share"] * 100).round(1)),
        hide_index=True,
        column_config={
            "reached": _count("Orders at this stage or a later one."),
            "share": st.column_config.NumberColumn("share %", format="%.1f"),
            "skipped": _count("Orders that went past this stage without a status in it."),
            "now": _count("Orders in this stage now."),
            "left": _count("Orders that left the funnel from here."),
        },
    )
    right.caption(
        "An order counts at every stage up to the furthest it reached: orders fulfilled by the "
        "marketplace arrive already shipped and show under `skipped` at the earlier stages."
    )
    st.markdown(
        "**Where orders leave the funnel** (by the status they are in now; pick a row to see "
        "the orders at its status)"
    )
    exits = funnel.exits.assign(share=(funnel.exits["share"] * 100).round(1))
    picked = st.dataframe(
        exits,
        hide_index=True,
        column_config={"share": st.column_config.NumberColumn("share of orders %")},
        on_select="rerun",
        selection_mode="single-row",
        key=f"exits:{name}",
    )
    if picked.selection.rows:
        status = str(exits["status"].iloc[picked.selection.rows[0]])
        markets = () if name == "all" else (name,)
        filters.drill_down(
            f"orders now at {status}, the funnel's exits there", marketplaces=markets,
            last_statuses=(status,),
        )  # fmt: skip


def _count(text: str) -> Any:
    """A column of order counts, with thousands separators."""
    return st.column_config.NumberColumn(help=text, format="localized")


def risk_section(where: LogFilter, view: Overview) -> None:
    st.subheader("SLA risk: orders waiting in a status with a timer")
    book = caches.rulebook()
    risk: pd.DataFrame = caches.cached(
        f"sla:{view.as_of}",
        where,
        lambda frame: sla_risk(frame, book.rule_sets(), view.as_of.to_pydatetime()),
    )
    if risk.empty:
        st.write("No order is waiting in a status with a timer.")
        return
    st.caption("Pick a timer to see its waiting orders, or an order to open its timeline.")
    timers = risk_summary(risk)
    picked = st.dataframe(
        timers, hide_index=True, on_select="rerun", selection_mode="single-row", key="sla:timers"
    )
    if picked.selection.rows:
        timer = str(timers["timer"].iloc[picked.selection.rows[0]])
        mine = risk.loc[risk["timer"].astype(str) == timer]
        filters.drill_down(f"orders waiting on the timer {timer}", orders=_keys(mine))
    urgent = risk.head(20).assign(remaining=risk["remaining_s"].head(20).map(formats.duration))
    chosen = st.dataframe(
        urgent[["marketplace", "order_id", "status", "timer", "deadline", "remaining", "band"]],
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="sla:orders",
    )
    if chosen.selection.rows:
        one = urgent.iloc[[chosen.selection.rows[0]]]
        filters.drill_down(
            f"order {one['order_id'].iloc[0]}, close to its deadline", orders=_keys(one)
        )


def _keys(orders: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    """The (marketplace, order_id) of each row."""
    pairs = zip(orders["marketplace"].astype(str), orders["order_id"].astype(str), strict=True)
    return tuple(dict.fromkeys(pairs))


def lines_section(where: LogFilter) -> None:
    st.subheader(
        "Orders whose lines disagree",
        help="Of the orders under the filters, those the store holds cart lines for, and among "
        "them those whose lines are not all in one state, by mix. An order in two mixes (one "
        "line accepted, one refused) counts in both.",
    )
    mixes = caches.line_mixes()
    summary: LineSummary = caches.cached("lines", where, lambda frame: line_summary(frame, mixes))
    if not summary.with_lines:
        st.write("No order under the filters has cart lines in the store.")
        return
    table = line_table(summary)
    st.dataframe(
        table.assign(share=(table["share"] * 100).round(1)),
        hide_index=True,
        column_config={
            "orders": _count("Orders the row counts: its `counts` column says which."),
            "share": st.column_config.NumberColumn(
                "share %", format="%.1f", help="Share of the orders with lines."
            ),
        },
    )


if __name__ == "__main__":
    render()
