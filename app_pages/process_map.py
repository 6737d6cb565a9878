"""The Flow page's process map: what the orders did, drawn from the event log alone.

Unlike the rule diagram, the map draws only what happened (`analytics.flow.process_map`):
every status orders were in, with how many, and every move between two statuses, as thick as
it is frequent. In frequency mode the labels count orders; in performance mode they give the
chosen time (median, mean, p90 or the total spent) and the slowest edges and statuses are
coloured the deepest: the bottlenecks. Moves the rules could not explain are dashed red, as the
log flags them. A slider hides the edges taken by fewer than a share of the orders. Beside it,
the edges as a table: picking one opens the orders behind it on the Orders page.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from analytics.flow import START, ProcessMap, process_map
from analytics.selection import LogFilter
from app_pages import caches, filters, formats
from engine.rulefile.diagram import quoted

MEASURES = {"median": "median_s", "mean": "mean_s", "p90": "p90_s", "total": "total_s"}
# Frequency: from grey (the rarest drawn) to deep blue (the busiest). Performance, the
# bottlenecks: from grey (the fastest) to deep orange (the slowest). Deviations: dashed red.
GREY, BUSY, SLOW, DEVIATION = (0x99, 0x99, 0x99), (0x08, 0x51, 0x9C), (0xD9, 0x48, 0x01), "#d62728"
THINNEST, THICKEST = 1.0, 7.0


@dataclass(frozen=True)
class View:
    """How the map is drawn: `performance` (else frequency), the time `measure` (a key of
    MEASURES), and the share of orders under which an edge is hidden."""

    performance: bool = False
    measure: str = "median"
    min_share: float = 0.0


def shown_edges(found: ProcessMap, view: View) -> pd.DataFrame:
    """The edges drawn: those taken by at least `view.min_share` of the orders."""
    return found.edges.loc[found.edges["share"] >= view.min_share].reset_index(drop=True)


def map_dot(found: ProcessMap, view: View) -> str:
    """The map as a Graphviz digraph (top to bottom), its nodes and edges labelled with counts
    or times, edges as thick as they are frequent, bottlenecks coloured, deviations dashed red."""
    edges = shown_edges(found, view)
    names = list(dict.fromkeys([*edges["source"], *edges["target"]]))
    ids = {name: f"n{i}" for i, name in enumerate(names)}
    nodes = found.nodes.set_index("node")
    column = MEASURES[view.measure]
    lines = [
        "digraph map {",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    slowest = float(np.nanmax([*nodes[column].to_numpy(dtype=float), 0.0]))
    for name in names:
        lines.append(f"  {ids[name]} [{_node(name, nodes.loc[name], view, slowest)}];")
    busiest = int(edges["count"].max()) if len(edges) else 0
    # Deviations are red whatever their time: the bottlenecks are of the others.
    usual = edges.loc[~edges["deviation"].astype(bool), column].to_numpy(dtype=float)
    slowest_edge = float(np.nanmax([*usual, 0.0]))
    for row in edges.itertuples(index=False):
        attributes = _edge(row, view, busiest, slowest_edge)
        lines.append(f"  {ids[row.source]} -> {ids[row.target]} [{attributes}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(name: str, node: pd.Series, view: View, slowest: float) -> str:
    if name == START:
        orders = f"{int(node['orders']):,}"
        return f'shape=circle, label={quoted(orders)}, fillcolor="#eeeeee"'
    text = f"{name}\n{_orders(int(node['orders']))}"
    if int(node["now"]):
        text += f", {int(node['now']):,} there now"
    fill = ""
    if view.performance:
        value = node[MEASURES[view.measure]]
        text += f"\n{view.measure} {formats.duration(value)}"
        if not pd.isna(value) and slowest > 0:
            fill = f', fillcolor="{_tint(float(value) / slowest, SLOW, light=True)}"'
    return f"label={quoted(text)}{fill}"


def _edge(row: object, view: View, busiest: int, slowest: float) -> str:
    count, orders = int(row.count), int(row.orders)  # type: ignore[attr-defined]
    text = _orders(orders) + (f" ({count:,} moves)" if count != orders else "")
    value = getattr(row, MEASURES[view.measure])
    color = _tint(count / busiest if busiest else 0.0, BUSY)
    if view.performance:
        text = f"{view.measure} {formats.duration(value)}\n{text}"
        fast = pd.isna(value) or slowest <= 0
        color = _tint(0.0 if fast else float(value) / slowest, SLOW)
    width = THINNEST + (THICKEST - THINNEST) * (count / busiest if busiest else 0.0)
    style = f'color="{color}", fontcolor="#333333"'
    if row.deviation:  # type: ignore[attr-defined]
        text += "\nnot in the rules"
        style = f'style=dashed, color="{DEVIATION}", fontcolor="{DEVIATION}"'
    return f"label={quoted(text)}, penwidth={width:.1f}, {style}"


def _orders(count: int) -> str:
    return f"{count:,} order{'' if count == 1 else 's'}"


def _tint(weight: float, deep: tuple[int, int, int], light: bool = False) -> str:
    """A colour between GREY and `deep` by `weight` in [0, 1]; `light`: a pale fill of it."""
    weight = min(max(weight, 0.0), 1.0)
    channels = [round(a + (b - a) * weight) for a, b in zip(GREY, deep, strict=True)]
    if light:
        channels = [round(255 - (255 - c) * 0.45 * weight) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in channels)


def map_tab(code: str, where: LogFilter) -> None:
    found: ProcessMap = caches.cached("process_map", where, process_map)
    left, middle, right = st.columns([2, 2, 3])
    mode = left.radio("Show", ["frequency", "performance"], horizontal=True, key="map:mode")
    measure = middle.selectbox(
        "Time", list(MEASURES), key="map:measure", disabled=mode != "performance"
    )
    percent = right.slider(
        "Hide edges taken by fewer than (% of orders)", 0, 100, 0, key="map:min_share"
    )
    view = View(mode == "performance", measure, percent / 100)
    st.caption(
        f"{found.orders:,} orders under the filters. Each status: the orders that were there; "
        "each edge: the orders that moved straight along it, as thick as it is busy. "
        "Performance: the time spent in the status before the move (over the timed moves: an "
        "inferred entry at its estimate within its poll bounds; a move before the order was "
        "first seen is counted, not timed); the slowest are the deepest orange. Dashed red: "
        "moves the rules could not explain. Pick an edge in the table to see its orders."
    )
    drawing, listing = st.columns([3, 2])
    drawing.graphviz_chart(map_dot(found, view), width="stretch")
    edges = shown_edges(found, view)
    shown = edges[["source", "target", "deviation", "orders", "count", "share", "timed"]]
    shown = shown.assign(**{view.measure: edges[MEASURES[view.measure]].map(formats.duration)})
    with listing:
        picked = st.dataframe(
            shown.rename(columns={"count": "moves"}),
            hide_index=True,
            height=38 + 35 * min(max(len(shown), 1), 15),
            on_select="rerun",
            selection_mode="single-row",
            key="map:edges",
            column_config=EDGE_COLUMNS,
        )
    rows = picked.selection.rows
    if rows:
        row = edges.iloc[rows[0]]
        move = (str(row["source"]), str(row["target"]), bool(row["deviation"]))
        kind = " (a move the rules could not explain)" if move[2] else ""
        filters.drill_down(
            f"orders of {code} that moved {move[0]} → {move[1]}{kind}",
            marketplaces=(code,),
            moves=(move,),
        )


EDGE_COLUMNS = {
    "orders": st.column_config.NumberColumn(
        help="Orders that moved along the edge at least once.", format="localized"
    ),
    "moves": st.column_config.NumberColumn(
        help="Moves along the edge (an order that takes it twice counts twice)."
    ),
    "share": st.column_config.ProgressColumn(
        "share", help="Share of the orders under the filters.", format="percent", min_value=0.0
    ),
    "timed": st.column_config.NumberColumn(help="Moves whose stay before is timed."),
    "deviation": st.column_config.CheckboxColumn(help="A move the rules could not explain."),
}
