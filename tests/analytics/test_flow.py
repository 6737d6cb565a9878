"""The directly-follows graph and the process map: counts of moves and orders, times (median,
mean, p90, total), deviations apart; and the Sankey links; on hand-made logs whose figures are
written out by hand.
"""

import pandas as pd

from analytics.flow import START, directly_follows, process_map, sankey_links, transitions
from tests.analytics.conftest import deviating_log

WFSA = "WaitingForSellerAcceptation"


def edges(table: pd.DataFrame) -> dict[tuple[str, str], tuple[int, float]]:
    return {
        (s, t): (int(c), float(m))
        for s, t, c, m in table[["source", "target", "count", "median_s"]].to_numpy()
    }


def test_a_creation_is_counted_not_timed(log: pd.DataFrame) -> None:
    table = directly_follows(log).set_index(["source", "target"])
    assert table.loc[(START, WFSA), ["count", "timed"]].tolist() == [7, 0]
    assert pd.isna(table.loc[(START, WFSA), "median_s"])


def test_directly_follows_counts_and_median_times(log: pd.DataFrame) -> None:
    dfg = edges(directly_follows(log))
    assert dfg[(START, WFSA)][0] == 7
    assert dfg[(START, "Shipped")][0] == 1
    # O1 2h, O6 1h; O4's acceptance was inferred between polls at one instant: 0 s.
    assert dfg[(WFSA, "AcceptedBySeller")] == (3, 3600.0)
    assert dfg[(WFSA, "RefusedBySeller")] == (2, 2700.0)
    assert dfg[(WFSA, "AutomaticCancellation")] == (1, 172800.0)
    assert dfg[("ShippedBySeller", "Shipped")] == (1, 86400.0)
    assert len(dfg) == 10


def test_stage_level_merges_statuses_of_one_stage(log: pd.DataFrame) -> None:
    dfg = edges(directly_follows(log, "stage"))
    assert set(dfg) == {
        (START, "new"),
        (START, "shipped"),
        ("new", "canceled"),
        ("new", "waiting_shipment"),
        ("waiting_shipment", "shipped"),
    }
    # O1: 4h in stage new; O4 0 s (created and seen waiting for shipment at one instant).
    assert dfg[("new", "waiting_shipment")] == (2, 7200.0)
    assert dfg[("new", "canceled")] == (4, 5400.0)


def test_transitions_are_keyed_by_trigger(log: pd.DataFrame) -> None:
    table = transitions(log).set_index(["from_status", "trigger", "to_status"])
    assert table.loc[(WFSA, "accept", "AcceptedBySeller"), "count"] == 3
    assert table.loc[("WaitingForShipmentAcceptation", "ship", "ShippedBySeller"), "median_s"] == (
        86400.0
    )
    assert table.loc[(START, "create", WFSA), "count"] == 7


def test_sankey_links_index_their_labels(log: pd.DataFrame) -> None:
    links = sankey_links(directly_follows(log, "stage"))
    pairs = {
        (links.labels[s], links.labels[t], v)
        for s, t, v in zip(links.sources, links.targets, links.values, strict=True)
    }
    assert (START, "new", 7) in pairs
    assert ("new", "canceled", 4) in pairs
    assert sum(links.values) == 7 + 1 + 4 + 2 + 1


def test_sankey_leaves_out_the_lighter_edge_of_a_cycle() -> None:
    edges = pd.DataFrame(
        {
            "source": [START, "new", "wait", "cancel", "new", "wait"],
            "target": ["new", "wait", "cancel", "wait", "cancel", "shipped"],
            "count": [10, 8, 3, 1, 2, 5],
        }
    )
    links = sankey_links(edges)
    pairs = [
        (links.labels[s], links.labels[t], v)
        for s, t, v in zip(links.sources, links.targets, links.values, strict=True)
    ]
    assert pairs == [
        (START, "new", 10),
        ("new", "wait", 8),
        ("wait", "shipped", 5),
        ("wait", "cancel", 3),
        ("new", "cancel", 2),
    ]
    assert links.dropped == 1


def test_the_process_map_counts_moves_orders_and_times(log: pd.DataFrame) -> None:
    found = process_map(log)
    assert found.orders == 8
    table = found.edges.set_index(["source", "target"])
    columns = ["count", "orders", "share", "timed", "median_s", "mean_s", "p90_s", "total_s"]
    # O1 2h, O4 0 s (inferred at one instant), O6 1h: p90 between 1h and 2h at 0.8.
    assert table.loc[(WFSA, "AcceptedBySeller"), columns].tolist() == [
        3, 3, 3 / 8, 3, 3600.0, 3600.0, 6480.0, 10800.0
    ]  # fmt: skip
    # O2 1h, O8 30m.
    assert table.loc[(WFSA, "RefusedBySeller"), columns].tolist() == [
        2, 2, 2 / 8, 2, 2700.0, 2700.0, 3420.0, 5400.0
    ]  # fmt: skip
    start = table.loc[(START, WFSA)]
    assert [start["count"], start["share"], start["timed"]] == [7, 7 / 8, 0]
    assert pd.isna(start["total_s"])
    assert not found.edges["deviation"].any()


def test_a_node_counts_its_entries_and_the_stays_that_ended_there(log: pd.DataFrame) -> None:
    nodes = process_map(log).nodes.set_index("node")
    assert nodes.loc[START, ["entries", "orders", "now", "timed"]].tolist() == [8, 8, 0, 0]
    # Waiting for acceptance: seven orders; O7 still there; six stays ended: 0, 30m, 1h, 1h,
    # 2h, 48h (sum 52h 30m); p90 halfway between 2h and 48h.
    wfsa = nodes.loc[WFSA]
    assert wfsa[["entries", "orders", "now", "timed"]].tolist() == [7, 7, 1, 6]
    assert wfsa[["median_s", "mean_s", "p90_s", "total_s"]].tolist() == [
        3600.0, 31500.0, 90000.0, 189000.0
    ]  # fmt: skip
    # O1 and O5 (arrived shipped) are there now; no stay there ended: not timed.
    assert nodes.loc["Shipped", ["entries", "orders", "now", "timed"]].tolist() == [2, 2, 2, 0]
    assert pd.isna(nodes.loc["Shipped", "median_s"])


def test_deviations_are_edges_of_their_own() -> None:
    edges = process_map(deviating_log()).edges
    table = edges.set_index(["source", "target", "deviation"])
    columns = ["count", "orders", "share", "median_s", "total_s"]
    # D1 1h, D4 1h and 2h: three moves by two orders.
    assert table.loc[(WFSA, "AcceptedBySeller", False), columns].tolist() == [
        3, 2, 0.5, 3600.0, 14400.0
    ]  # fmt: skip
    assert table.loc[(WFSA, "AcceptedBySeller", True), columns].tolist() == [
        1, 1, 0.25, 10800.0, 10800.0
    ]  # fmt: skip
    assert table.loc[(WFSA, "NotInTheRuleFile", True), "median_s"] == 18000.0
    assert table.loc[("AcceptedBySeller", WFSA, True), "count"] == 1
    assert int(edges["deviation"].sum()) == 3


def test_the_stage_map_merges_statuses_of_one_stage(log: pd.DataFrame) -> None:
    found = process_map(log, "stage")
    nodes = found.nodes.set_index("node")
    # new: seven orders; O7 there now; the stays: O1 4h, O2 1h, O3 48h, O4 0, O6 2h, O8 30m.
    assert nodes.loc["new", ["entries", "now", "timed", "median_s"]].tolist() == [7, 1, 6, 5400.0]
    table = found.edges.set_index(["source", "target"])
    assert table.loc[("new", "waiting_shipment"), ["count", "total_s"]].tolist() == [2, 14400.0]
