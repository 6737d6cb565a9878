"""Time in status (median, p90, p99) and time to accept, to ship, to cancel, on the hand-made log
of tests/analytics/conftest.py. O4's acceptance and payment were inferred between two polls at
the same instant (day 1 10:00): censored stays whose bounds are both 0 s, so they count at 0 s.
The population rules with real poll intervals are tests/analytics/test_populations.py's."""

import pandas as pd
import pytest

from analytics.timing import time_in_status, time_to

H = 3600.0


def test_time_in_status_median_and_tail(log: pd.DataFrame) -> None:
    table = time_in_status(log).set_index("status")
    wfsa = table.loc["WaitingForSellerAcceptation"]
    # Stays: O4 0 s (censored), O8 30min, O2 1h, O6 1h, O1 2h, O3 48h.
    assert wfsa[["timed", "known", "censored", "unbounded"]].tolist() == [6, 5, 1, 0]
    assert wfsa["median_s"] == 1 * H
    assert wfsa["p90_s"] == pytest.approx(7200 + 0.5 * (172800 - 7200))
    assert wfsa["p99_s"] == pytest.approx(7200 + 0.95 * (172800 - 7200))
    assert (wfsa["median_low_s"], wfsa["median_high_s"]) == (1 * H, 1 * H)
    assert wfsa["known_median_s"] == 1 * H
    assert wfsa["now"] == 1
    assert table.loc["AcceptedBySeller", ["timed", "censored"]].tolist() == [3, 1]
    assert table.loc["WaitingForShipmentAcceptation", "median_s"] == 24 * H
    assert table.loc["Shipped", "now"] == 2
    assert table.loc["Shipped", "timed"] == 0
    assert set(table["marketplace"]) == {"cdiscount"}


def test_time_to_a_trigger_counts_inferred_entries_at_their_estimate(log: pd.DataFrame) -> None:
    table = time_to(log, "trigger", ["accept", "ship", "refund"]).set_index("trigger")
    # O1 2h, O6 1h (known), O4 0 s (inferred, its poll bounds both at its creation).
    assert table.loc["accept", ["timed", "known", "censored"]].tolist() == [3, 2, 1]
    assert table.loc["accept", "median_s"] == 1 * H
    assert table.loc["ship", "median_s"] == 28 * H
    assert table.loc["refund", "timed"] == 0
    assert pd.isna(table.loc["refund", "median_s"])


def test_time_to_a_stage_ignores_orders_created_there(log: pd.DataFrame) -> None:
    table = time_to(log, "stage", ["shipped", "canceled"]).set_index("stage")
    assert table.loc["shipped", "timed"] == 1  # O5 arrived shipped
    assert table.loc["canceled", "timed"] == 4
    assert table.loc["canceled", "median_s"] == 1.5 * H


def test_time_to_a_stage_counts_entering_it_not_moving_inside_it(log: pd.DataFrame) -> None:
    # Every order starts in stage new: nobody "gets to" it later.
    table = time_to(log, "stage", ["new", "waiting_shipment"]).set_index("stage")
    assert table.loc["new", "timed"] == 0
    # O1 after 4h; O4 seen there at its creation's instant: 0 s, both ends observed.
    assert table.loc["waiting_shipment", ["timed", "known"]].tolist() == [2, 2]
    assert table.loc["waiting_shipment", "median_s"] == 2 * H
