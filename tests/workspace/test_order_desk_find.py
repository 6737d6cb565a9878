"""Finding orders at the desk: each found order's line mix, and the filter to the orders whose
lines disagree (the eight-order log of tests/analytics/conftest.py)."""

from __future__ import annotations

from analytics.eventlog import prepare
from analytics.lines import mix_frame
from tests.analytics.conftest import raw_log
from workspace.order_desk import find_orders

LOG = prepare(raw_log())
MIXES = mix_frame(
    {
        ("cdiscount", "O1"): ["shipped", "refunded"],
        ("cdiscount", "O2"): ["refused", "refused"],
        ("cdiscount", "O8"): ["accepted", "refused"],
        ("other", "O4"): ["accepted", "refused"],  # another marketplace's O4: not this log's
    },
    LOG,
)


def test_each_found_order_shows_its_lines_mix_or_nothing() -> None:
    found = find_orders(LOG, mixes=MIXES)
    # The most recently changed first: O3 (day 3 09:00), O8 (08:30), O1 (day 2 14:00)...
    assert found[["order_id", "lines"]].values.tolist() == [
        ["O3", ""],
        ["O8", "partial acceptance, partial refusal"],
        ["O1", "partial shipment, partial refund"],
        ["O6", ""],
        ["O5", ""],
        ["O7", ""],
        ["O4", ""],
        ["O2", ""],
    ]
    assert find_orders(LOG)["lines"].tolist() == [""] * 8


def test_only_orders_whose_lines_disagree_are_kept_with_the_other_filters() -> None:
    assert find_orders(LOG, mixes=MIXES, disagreeing=True)["order_id"].tolist() == ["O8", "O1"]
    shipped = find_orders(LOG, statuses=["Shipped"], mixes=MIXES, disagreeing=True)
    assert shipped["order_id"].tolist() == ["O1"]
    assert find_orders(LOG, "o8", mixes=MIXES, disagreeing=True)["order_id"].tolist() == ["O8"]
    assert find_orders(LOG, disagreeing=True).empty
