"""Flow page: the process map of what orders did (`app_pages.process_map`), the rule set's
diagram with what really happened drawn on its edges (and the observed deviations, dashed red),
a Sankey of where orders go, time in each status, the variants (finished and open; picking one
filters every figure), the anomalies and inferred statuses, and conformance: the share of orders
that followed the rules. Map edges, variants and anomaly kinds lead to their orders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.anomalies import by_kind, by_reported, inferred_by_status
from analytics.conformance import Conformance, conformance
from analytics.flow import START, Level, directly_follows, sankey_links, transitions
from analytics.flow import TIMES as EDGE_TIMES
from analytics.funnel import EXIT_STAGES
from analytics.outcomes import DONE_STAGE
from analytics.selection import LogFilter
from analytics.timing import time_in_status, time_to
from analytics.variants import variants
from app_pages import caches, filters, formats, process_map
from engine.model.definition import RuleSet
from engine.rulefile.diagram import EdgeStats, dot

TIMES = ["median_s", "p90_s", "p99_s"]


def render() -> None:
    opened = filters.open_page("Flow")
    if opened is None:
        return
    where, _ = opened
    book = caches.rulebook()
    # The rule files of the marketplaces with orders under the filters.
    present: list[str] = caches.cached(
        "marketplaces", where, lambda frame: filters.names(frame["marketplace"])
    )
    markets = [m for m in present if m in book.rules]
    if not markets:
        filters.no_data()
        return
    code = st.selectbox(
        "Rule set",
        markets,
        format_func=lambda c: f"{book.rules[c].marketplace.name} ({book.files[c].name})",
    )
    rules = book.rules[code]
    mine = replace(where, marketplaces=(code,))
    # One view at a time: each computes its figures only when shown (tabs would compute all).
    view = st.radio("View", list(VIEWS), horizontal=True, key="flow:view")
    VIEWS[view](code, rules, mine)


def diagram_tab(code: str, rules: RuleSet, where: LogFilter) -> None:
    table: pd.DataFrame = caches.cached("transitions", where, transitions)
    stats = {
        (row.from_status, row.to_status, row.trigger): EdgeStats(
            int(row.count), None if pd.isna(row.median_s) else float(row.median_s)
        )
        for row in table.itertuples()
        if row.from_status != START
    }
    found: Conformance = caches.cached(
        "conformance:all", where, lambda frame: conformance(frame, caches.anomalies())
    )
    deviations = {
        (row.from_status, str(row.to_status)): int(row.deviations)
        for row in found.by_transition.itertuples()
    }
    st.caption(
        "Each edge: its trigger and who causes it, then how many moves took it (orders under "
        "the filters) and the median time spent in the status before it. The median is over "
        "the timed moves: an inferred status's stay is estimated within its poll bounds; a "
        "move before the order was first seen is counted, not timed (the table's `timed`). "
        "Dashed red: moves the rules could not explain that orders followed anyway, with how "
        "many."
    )
    st.graphviz_chart(formats.upright(dot(rules, stats, deviations)), width="stretch")
    shown = table.rename(columns={"count": "moves"})
    formats.table(formats.durations(shown, list(EDGE_TIMES)), column_config=EDGE_HELP)


def sankey_tab(code: str, rules: RuleSet, where: LogFilter) -> None:
    level: Level = (
        "status" if st.radio("Level", ["stage", "status"], horizontal=True) == "status" else "stage"
    )
    edges: pd.DataFrame = caches.cached(
        f"dfg:{level}", where, lambda frame: directly_follows(frame, level)
    )
    links = sankey_links(edges)
    stage_of = {s.name: s.stage for s in rules.statuses}
    colors = [_color(stage_of.get(label, label)) for label in links.labels]
    chart = go.Figure(
        go.Sankey(
            node={"label": links.labels, "pad": 18, "thickness": 16, "color": colors},
            link={"source": links.sources, "target": links.targets, "value": links.values},
        )
    )
    chart.update_layout(height=520, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    st.plotly_chart(chart, width="stretch")
    if links.dropped:
        st.caption(
            f"{links.dropped:,} moves back to an earlier point (a cycle, e.g. a withdrawn "
            "request) are not drawn; the table below has them."
        )
    st.markdown("**Directly-follows edges**")
    shown = edges.rename(columns={"count": "moves"})
    formats.table(formats.durations(shown, list(EDGE_TIMES)), column_config=EDGE_HELP)


def _color(stage: str) -> str:
    if stage in EXIT_STAGES:
        return "#d62728"
    if stage == DONE_STAGE:
        return "#2ca02c"
    return "#1f77b4" if stage != START else "#7f7f7f"


def timing_tab(code: str, rules: RuleSet, where: LogFilter) -> None:
    st.markdown("**Time in each status**")
    st.caption(
        "Every stay that ended, of the orders under the filters: from entering the status to "
        "the order's next event. A stay with an inferred end (entered between two polls) is "
        "censored: figures use its estimate within the poll bounds, and `median between` "
        "gives the bounds of the median whatever the true times were. Stays before an order "
        "was first seen are unbounded (counted, never timed); `now` counts the orders there now."
    )
    stays: pd.DataFrame = caches.cached("time_in_status", where, time_in_status)
    stays = stays.drop(columns="marketplace")  # one rule set's statuses
    shown = formats.bounds(formats.durations(stays, [*TIMES, "known_median_s"]))
    formats.table(shown, rows=25, column_config=TIMING_HELP)
    triggers = [a.transition for a in rules.actions if a.transition is not None]
    st.markdown("**Time from creation to each seller action** (its first time)")
    st.caption(TO_TEXT)
    to_actions: pd.DataFrame = caches.cached(
        f"time_to:trigger:{triggers}", where, lambda f: time_to(f, "trigger", triggers)
    )
    formats.table(formats.bounds(formats.durations(to_actions, TIMES)), column_config=TIMING_HELP)
    initial = {s.stage for s in rules.statuses if s.initial}
    stages = list(dict.fromkeys(s.stage for s in rules.statuses if s.stage not in initial))
    st.markdown("**Time from creation to each stage** (entering it)")
    to_stages: pd.DataFrame = caches.cached(
        f"time_to:stage:{stages}", where, lambda f: time_to(f, "stage", stages)
    )
    to_stages = to_stages.assign(exit=to_stages["stage"].isin(EXIT_STAGES))
    formats.table(formats.bounds(formats.durations(to_stages, TIMES)), column_config=TIMING_HELP)


TO_TEXT = (
    "The orders that got there after their creation, from their creation (the Overview's "
    f"median to '{DONE_STAGE}' is the same figure over a period); an inferred entry counts at "
    "its estimate; an order first seen past its creation is unbounded (counted, not timed)."
)
TIMING_HELP = {
    "timed": st.column_config.NumberColumn(
        help="The population of the figures: known + censored.", format="localized"
    ),
    "known": st.column_config.NumberColumn(help="Both ends observed: exact."),
    "censored": st.column_config.NumberColumn(
        help="An end inferred: measured at its estimate within the poll bounds."
    ),
    "unbounded": st.column_config.NumberColumn(
        help="Started before the order was first seen: counted, not timed."
    ),
    "median": st.column_config.TextColumn(help="Median of the timed, censored ones estimated."),
    "median between": st.column_config.TextColumn(
        help="The median of the lower and of the upper bounds: the true median lies between."
    ),
    "known_median": st.column_config.TextColumn(help="Median of the known ones alone."),
    "now": st.column_config.NumberColumn(help="Orders in the status now: their stay goes on."),
}
EDGE_HELP = {
    "moves": st.column_config.NumberColumn(help="Moves along the edge.", format="localized"),
    "orders": st.column_config.NumberColumn(
        help="Orders that moved along the edge (once or more).", format="localized"
    ),
    "timed": st.column_config.NumberColumn(
        help="Moves whose stay before is timed (known or estimated)."
    ),
}


def variants_tab(code: str, rules: RuleSet, where: LogFilter) -> None:
    finals = rules.final_statuses
    table: pd.DataFrame = caches.cached(
        "variants:finished", where, lambda f: variants(f, finals=finals)
    )
    st.caption(
        "Whole paths (inferred statuses included), the most frequent first, finished ones (at a "
        "final status) apart from open ones (orders still on their way; their duration so far). "
        "Pick a path to keep its orders on every figure, the map included; the sidebar's "
        "Variant filter shows it and clears it."
    )
    for finished, title in ((True, "Finished paths"), (False, "Open paths")):
        part = table.loc[table["finished"] == finished].head(VARIANT_ROWS).reset_index(drop=True)
        st.markdown(f"**{title}** ({int(part['orders'].sum()):,} orders in the first {len(part)})")
        _variant_table(part, f"variants:{finished}")
    picked = where.variants
    if picked and st.button("Open the orders of the picked path", key="variants:orders"):
        filters.drill_down(f"orders of {code} whose whole path is {picked[0]}", variants=picked)


VARIANT_ROWS = 25


def _variant_table(part: pd.DataFrame, key: str) -> None:
    shown = formats.durations(part, ["median_s"]).rename(columns={"median": "median duration"})
    shown = shown.drop(columns="finished")

    def pick() -> None:
        rows = st.session_state[key].selection.rows
        filters.pick_variants([str(part["variant"].iloc[rows[0]])] if rows else [])

    st.dataframe(
        shown,
        hide_index=True,
        height=38 + 84 * min(max(len(shown), 1), 6),
        row_height=84,  # tall rows wrap a long path in full
        on_select=pick,
        selection_mode="single-row",
        key=key,
        column_config={
            "share": st.column_config.ProgressColumn(
                "share", help="Of the orders under the filters.", format="percent", min_value=0.0
            ),
            "variant": st.column_config.TextColumn(
                "path", width="large", help="The whole path; click a cell to read it in full."
            ),
        },
    )


def anomalies_tab(code: str, rules: RuleSet, where: LogFilter) -> None:
    found = caches.anomalies()
    found = found.loc[found["marketplace"] == code]
    st.markdown(f"**Anomalies by kind** ({len(found):,} kept; pick one to see its orders)")
    kinds = by_kind(found)
    picked = st.dataframe(
        kinds,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="anomalies:kinds",
    )
    if picked.selection.rows:
        kind = str(kinds["kind"].iloc[picked.selection.rows[0]])
        of_kind = found.loc[found["kind"].astype(str) == kind, ["marketplace", "order_id"]]
        keys = tuple(dict.fromkeys(map(tuple, of_kind.astype(str).to_numpy().tolist())))
        filters.drill_down(f"orders of {code} with a {kind} anomaly", orders=keys)
    formats.table(by_reported(found).head(50))
    st.markdown("**Inferred statuses** (passed through but never seen by a fetch)")
    inferred: pd.DataFrame = caches.cached("inferred", where, inferred_by_status)
    formats.table(
        inferred,
        column_config={
            "share": st.column_config.ProgressColumn(
                "share of entries", format="percent", min_value=0.0, max_value=1.0
            )
        },
    )


def conformance_tab(code: str, rules: RuleSet, where: LogFilter) -> None:
    """The period is the filter's dates, over events (not order creation): every order with at
    least one event in it counts."""
    orders_of = replace(where, start=None, end=None)
    found: Conformance = caches.cached(
        f"conformance:{where.start}:{where.end}",
        orders_of,
        lambda frame: conformance(frame, caches.anomalies(), where.start, where.end),
    )
    summary = found.summary.loc[found.summary["marketplace"] == code]
    st.markdown(f"**Conformance**: {found.counts}")
    if summary.empty:
        st.write("No order has an event in the period.")
        return
    row = summary.iloc[0]
    orders, conforming = st.columns(2)
    orders.metric("Orders (with an event in the period)", f"{int(row['orders']):,}")
    conforming.metric("Conforming", f"{int(row['conforming']):,} ({100 * row['share']:.1f} %)")
    shown = summary.assign(share=summary["share"] * 100).rename(columns={"share": "share %"})
    formats.table(shown)
    for title, table in (("by kind", found.by_kind), ("by (from, to)", found.by_transition)):
        st.markdown(f"**Deviations {title}** (events, orders, and the orders behind each)")
        mine = table.loc[table["marketplace"] == code].copy()
        mine["order_ids"] = [", ".join(ids) for ids in mine["order_ids"]]
        formats.table(mine)


VIEWS: dict[str, Callable[[str, RuleSet, LogFilter], None]] = {
    "Process map": lambda code, rules, where: process_map.map_tab(code, where),
    "Rule diagram": diagram_tab,
    "Sankey": sankey_tab,
    "Time in status": timing_tab,
    "Variants": variants_tab,
    "Anomalies": anomalies_tab,
    "Conformance": conformance_tab,
}


if __name__ == "__main__":
    render()
