"""The directly-follows graph: edge counts and median times, and the Sankey links, on a hand-made
log.
"""

import pandas as pd

from analytics.flow import START, directly_follows, sankey_links, transitions

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
