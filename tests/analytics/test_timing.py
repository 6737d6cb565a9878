"""Time in status (median, p90, p99) and time to accept, to ship, to cancel."""

import pandas as pd
import pytest

from analytics.timing import time_in_status, time_to


def test_time_in_status_median_and_tail(log: pd.DataFrame) -> None:
    table = time_in_status(log).set_index("status")
    wfsa = table.loc["WaitingForSellerAcceptation"]
    # Measured stays: O8 30min, O2 1h, O6 1h, O1 2h, O3 48h (O4's next status was inferred).
    assert wfsa["count"] == 5
    assert wfsa["median_s"] == 3600.0
    assert wfsa["p90_s"] == pytest.approx(7200 + 0.6 * (172800 - 7200))
    assert wfsa["p99_s"] == pytest.approx(7200 + 0.96 * (172800 - 7200))
    assert wfsa["now"] == 1
    assert table.loc["AcceptedBySeller", "count"] == 2
    assert table.loc["WaitingForShipmentAcceptation", "median_s"] == 86400.0
    assert table.loc["Shipped", "now"] == 2
    assert table.loc["Shipped", "count"] == 0


def test_time_to_a_trigger_leaves_inferred_ones_out(log: pd.DataFrame) -> None:
    table = time_to(log, "trigger", ["accept", "ship", "refund"]).set_index("trigger")
    assert table.loc["accept", "count"] == 2
    assert table.loc["accept", "median_s"] == 5400.0
    assert table.loc["ship", "median_s"] == 28 * 3600.0
    assert table.loc["refund", "count"] == 0


def test_time_to_a_stage_ignores_orders_created_there(log: pd.DataFrame) -> None:
    table = time_to(log, "stage", ["shipped", "canceled"]).set_index("stage")
    assert table.loc["shipped", "count"] == 1  # O5 arrived shipped
    assert table.loc["canceled", "count"] == 4
    assert table.loc["canceled", "median_s"] == 5400.0


def test_time_to_a_stage_counts_entering_it_not_moving_inside_it(log: pd.DataFrame) -> None:
    # Every order starts in stage new: nobody "gets to" it later.
    table = time_to(log, "stage", ["new", "waiting_shipment"]).set_index("stage")
    assert table.loc["new", "count"] == 0
    assert table.loc["waiting_shipment", "count"] == 1  # O1; O4 arrived after inferred statuses
    assert table.loc["waiting_shipment", "median_s"] == 4 * 3600.0
