"""Orders whose cart lines disagree: the mix of each order, and the figures of a population.

The lines below are given by hand to orders of the eight-order log of conftest.py:
O1 (TRK) accepted + refused, O2 (STD) refused + refused, O4 (TRK) accepted + refused + accepted,
O5 (EXP) one shipped line, O6 (STD) shipped + refunded. Two orders with lines are not in the log:
O9 (no events) and O1 of another marketplace.
"""

from __future__ import annotations

import math

import pandas as pd

from analytics.eventlog import empty
from analytics.lines import LABELS, line_summary, line_table, mix_frame
from analytics.selection import LogFilter, filter_log

STATES = {
    ("cdiscount", "O1"): ["accepted", "refused"],
    ("cdiscount", "O2"): ["refused", "refused"],
    ("cdiscount", "O4"): ["accepted", "refused", "accepted"],
    ("cdiscount", "O5"): ["shipped"],
    ("cdiscount", "O6"): ["shipped", "refunded"],
    ("cdiscount", "O9"): ["refused", "waiting"],
    ("other", "O1"): ["canceled", "accepted"],
}


def test_each_order_with_lines_has_its_case_line_count_and_mix(log: pd.DataFrame) -> None:
    frame = mix_frame(
        {
            ("cdiscount", "O1"): ["accepted", "refused"],
            ("cdiscount", "O2"): ["shipped", "shipped"],
            ("cdiscount", "O9"): ["refunded", "unknown", "shipped"],
            ("other", "O3"): ["refused"],
        },
        log,
    )
    # O1 and O2 are the log's cases 0 and 1; O9 and the other marketplace's O3 are not in it.
    assert frame.values.tolist() == [
        [0, "cdiscount", "O1", 2, "partial acceptance, partial refusal"],
        [1, "cdiscount", "O2", 2, ""],
        [-1, "cdiscount", "O9", 3, "partial shipment, partial refund, line status unknown"],
        [-1, "other", "O3", 1, ""],
    ]
    columns = ["case", "marketplace", "order_id", "lines", "mix"]
    assert mix_frame({}, log).columns.tolist() == columns
    assert mix_frame(STATES, empty())["case"].tolist() == [-1] * 7


def test_the_population_is_the_orders_of_the_log(log: pd.DataFrame) -> None:
    summary = line_summary(log, mix_frame(STATES, log))
    assert summary.orders == 8
    # O1, O2, O4, O5, O6: O9 has no event, and the other marketplace's O1 is another order.
    assert summary.with_lines == 5
    # O2's lines are all refused and O5 has one line: neither disagrees.
    assert summary.disagreeing == 3
    assert summary.by_mix.values.tolist() == [
        ["partial acceptance", 2, 0.4],
        ["partial refusal", 2, 0.4],
        ["partial shipment", 1, 0.2],
        ["partial refund", 1, 0.2],
    ]


def test_the_figures_follow_the_filters(log: pd.DataFrame) -> None:
    # The mixes are numbered on the whole log; the filtered log keeps its case numbers.
    tracked = filter_log(log, LogFilter(fields=(("delivery_mode", ("TRK",)),)))
    summary = line_summary(tracked, mix_frame(STATES, log))
    assert (summary.orders, summary.with_lines, summary.disagreeing) == (2, 2, 2)
    assert summary.by_mix.values.tolist() == [
        ["partial acceptance", 2, 1.0],
        ["partial refusal", 2, 1.0],
    ]


def test_the_table_says_what_each_row_counts(log: pd.DataFrame) -> None:
    table = line_table(line_summary(log, mix_frame(STATES, log)))
    rows = table.to_dict("records")
    assert [(r["figure"], r["orders"], r["counts"]) for r in rows] == [
        ("orders", 8, "every order under the filters"),
        ("with lines", 5, "orders the store holds cart lines for"),
        ("lines disagree", 3, "orders with lines not all in one state (two lines at least)"),
        ("partial acceptance", 2, "orders with lines, some accepted and some not"),
        ("partial refusal", 2, "orders with lines, some refused and some not"),
        ("partial shipment", 1, "orders with lines, some shipped and some not"),
        ("partial refund", 1, "orders with lines, some refunded and some not"),
    ]
    shares = table["share"].tolist()
    assert math.isnan(shares[0]) and math.isnan(shares[1])
    assert shares[2:] == [0.6, 0.4, 0.4, 0.2, 0.2]


def test_a_population_without_lines_has_no_mix(log: pd.DataFrame) -> None:
    summary = line_summary(log, mix_frame({}, log))
    assert (summary.orders, summary.with_lines, summary.disagreeing) == (8, 0, 0)
    assert summary.by_mix.empty
    table = line_table(summary)
    assert table["figure"].tolist() == ["orders", "with lines", "lines disagree"]
    assert math.isnan(table["share"].tolist()[2])


def test_every_mix_label_is_described_in_the_order_line_mix_names_them() -> None:
    assert list(LABELS) == [
        "partial acceptance",
        "partial shipment",
        "partial refusal",
        "partial cancellation",
        "partial refund",
        "line status unknown",
    ]
    assert LABELS["line status unknown"] == "orders with lines, some unknown and some not"
