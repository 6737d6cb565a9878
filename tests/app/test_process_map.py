"""The process map as drawn (counts, times, bottleneck colours, deviations dashed red, the
slider), on hand-made logs; and a drill-down: the Orders page lists the orders behind a figure,
says so, and clears it."""

from __future__ import annotations

import pandas as pd

from analytics.flow import process_map
from app_pages.filters import DRILL, DrillDown
from app_pages.process_map import View, map_dot
from tests.analytics.conftest import WFSA, deviating_log
from tests.app.test_pages import start, texts

ACC = "AcceptedBySeller"


def edge_lines(dot: str) -> list[str]:
    return [line.strip() for line in dot.splitlines() if " -> " in line]


def test_the_map_counts_orders_and_draws_deviations_dashed_red() -> None:
    dot = map_dot(process_map(deviating_log()), View())
    # Four orders; D4 waited for acceptance twice; none waits there now.
    assert 'n1 [label="WaitingForSellerAcceptation\\n4 orders"];' in dot
    assert 'n2 [label="AcceptedBySeller\\n3 orders, 3 there now"];' in dot
    lines = edge_lines(dot)
    # The busiest edge: the thickest, the deepest blue.
    assert (
        lines[0]
        == 'n0 -> n1 [label="4 orders", penwidth=7.0, color="#08519c", fontcolor="#333333"];'
    )
    # D1 and D4 (twice): 3 of the busiest edge's 4 moves: 1 + 6 * 3/4.
    assert 'n1 -> n2 [label="2 orders (3 moves)", penwidth=5.5' in dot
    deviations = [line for line in lines if "style=dashed" in line]
    assert deviations == [
        'n2 -> n1 [label="1 order\\nnot in the rules", penwidth=2.5, style=dashed, '
        'color="#d62728", fontcolor="#d62728"];',
        'n1 -> n2 [label="1 order\\nnot in the rules", penwidth=2.5, style=dashed, '
        'color="#d62728", fontcolor="#d62728"];',
        'n1 -> n3 [label="1 order\\nnot in the rules", penwidth=2.5, style=dashed, '
        'color="#d62728", fontcolor="#d62728"];',
    ]


def test_performance_mode_colours_the_slowest_deepest() -> None:
    found = process_map(deviating_log())
    dot = map_dot(found, View(performance=True, measure="total"))
    # Accepted in 1h, 1h and 2h: 4h in all; the slowest normal edge is that one (the 5h and
    # 3h moves are deviations, drawn red whatever their time).
    assert 'n1 -> n2 [label="total 4h\\n2 orders (3 moves)", penwidth=5.5, color="#d94801"' in dot
    # Waiting for acceptance: 1h + 3h + 5h + 1h + 2h = 12h, the slowest status: the deepest
    # fill, 45 % of the way from white to #d94801.
    assert 'label="WaitingForSellerAcceptation\\n4 orders\\ntotal 12h", fillcolor="#eead8d"' in dot
    median = map_dot(found, View(performance=True, measure="median"))
    assert 'label="median 1h\\n2 orders (3 moves)"' in median


def test_the_slider_hides_the_edges_fewer_orders_took() -> None:
    dot = map_dot(process_map(deviating_log()), View(min_share=0.5))
    # Only the creations (4 of 4 orders) and the acceptance D1 and D4 made (2 of 4) are left.
    assert [line.split(" [")[0] for line in edge_lines(dot)] == ["n0 -> n1", "n1 -> n2"]
    assert "NotInTheRuleFile" not in dot


def test_the_flow_page_draws_the_map_with_its_edges(store_url: str) -> None:
    app = start("flow")
    spec = app.get("graphviz_chart")[0].proto.spec
    assert 'label="WaitingForSellerAcceptation\\n7 orders, 1 there now"' in spec
    edges = app.dataframe[0].value.set_index(["source", "target"])
    assert edges.loc[(WFSA, ACC), ["orders", "moves", "median"]].tolist() == [3, 3, "1h"]
    app.radio(key="map:mode").set_value("performance").run()
    app.selectbox(key="map:measure").set_value("p90").run()
    spec = app.get("graphviz_chart")[0].proto.spec
    # O1 2h, O4 0 s, O6 1h: p90 1h 48m (6480 s).
    assert 'label="p90 1h 48m\\n3 orders"' in spec
    app.slider(key="map:min_share").set_value(30).run()
    # Only the creations (7 of 8 orders) and the acceptances (3 of 8) are taken by 30 % or more.
    shown = app.dataframe[0].value
    assert shown[["source", "target"]].values.tolist() == [["(start)", WFSA], [WFSA, ACC]]


def test_a_drill_down_lists_its_orders_and_clears(store_url: str) -> None:
    app = start()
    moved = DrillDown(
        "orders that moved WFSA → AcceptedBySeller", (("moves", ((WFSA, ACC, False),)),)
    )
    app.session_state[DRILL] = moved
    app.switch_page("app_pages/orders.py").run()
    assert not app.exception, [e.value for e in app.exception]
    # O1, O4 and O6 were accepted (O4's acceptance inferred), the latest changed first.
    assert app.dataframe[0].value["order_id"].tolist() == ["O1", "O6", "O4"]
    assert texts(app.info)[0] == (
        "**Drill-down**: orders that moved WFSA → AcceptedBySeller, under the sidebar's filters."
    )
    # The sidebar's filters apply on top: of the three, the tracked ones.
    app.multiselect(key="filter:field:delivery_mode").select("TRK").run()
    assert app.dataframe[0].value["order_id"].tolist() == ["O1", "O4"]
    app.button(key="drill:clear").click().run()
    assert DRILL not in app.session_state
    listed: pd.DataFrame = app.dataframe[0].value
    assert listed["order_id"].tolist() == ["O1", "O4"]  # the tracked orders, all of them


def test_a_picked_variant_filters_the_map(store_url: str) -> None:
    app = start("flow")
    # What picking a row of the Variants view does (`filters.pick_variants`, its callback).
    app.session_state["filter:variant"] = ["WaitingForSellerAcceptation → RefusedBySeller"]
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.multiselect(key="filter:variant").value == [
        "WaitingForSellerAcceptation → RefusedBySeller"
    ]
    # O2 and O8 alone: created, then refused.
    edges = app.dataframe[0].value
    assert edges[["source", "target", "orders"]].values.tolist() == [
        ["(start)", WFSA, 2],
        [WFSA, "RefusedBySeller", 2],
    ]
