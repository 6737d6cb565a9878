"""The funnel by stage and where orders leave it, counted by hand on a small log."""

import pandas as pd

from analytics.eventlog import prepare
from analytics.funnel import funnel, progress_stages
from engine.rulefile.loader import load_rules
from tests.analytics.conftest import raw_log


def test_steps_are_the_rule_sets_progress_stages() -> None:
    assert progress_stages([load_rules("rules/cdiscount.yaml")]) == [
        "new",
        "waiting_shipment",
        "shipped",
    ]


def test_funnel_counts_orders_reaching_each_stage_or_a_later_one(log: pd.DataFrame) -> None:
    # new: all eight orders; O5, fulfilled by the marketplace, arrived shipped and skipped it.
    # waiting_shipment: O1 and O4 went through it, O5 went past it: 3 of 8.
    # shipped: O1 and O5.
    steps = funnel(log).steps.set_index("stage")
    assert steps["reached"].to_dict() == {"new": 8, "waiting_shipment": 3, "shipped": 2}
    assert steps["skipped"].to_dict() == {"new": 1, "waiting_shipment": 1, "shipped": 0}
    assert steps["now"].to_dict() == {"new": 1, "waiting_shipment": 1, "shipped": 2}
    assert steps["left"].to_dict() == {"new": 4, "waiting_shipment": 0, "shipped": 0}
    assert steps.loc["waiting_shipment", "share"] == 3 / 8


def test_the_funnel_never_widens_and_every_order_is_accounted_for(log: pd.DataFrame) -> None:
    steps = funnel(log).steps
    reached = steps["reached"].tolist()
    assert reached == sorted(reached, reverse=True)
    # Those who got no further than a step are there now or left from it.
    beyond = [*reached[1:], 0]
    settled = (steps["now"] + steps["left"]).tolist()
    assert [r - b for r, b in zip(reached, beyond, strict=True)] == settled == [5, 1, 2]


def test_an_order_gone_back_to_an_earlier_stage_still_counts_as_having_reached_the_later() -> None:
    raw = raw_log()
    again = raw.loc[(raw["order_id"] == "O1") & (raw["seq"] <= 5)].copy()  # up to ShippedBySeller
    again["order_id"] = "O9"
    back = again.loc[again["seq"] == 4].assign(seq=6, from_status="ShippedBySeller")
    steps = funnel(prepare(pd.concat([raw, again, back]))).steps.set_index("stage")
    assert steps["reached"].to_dict() == {"new": 9, "waiting_shipment": 4, "shipped": 3}
    assert steps["now"].to_dict() == {"new": 1, "waiting_shipment": 2, "shipped": 2}


def test_exits_by_cause(log: pd.DataFrame) -> None:
    exits = funnel(log).exits
    rows = [tuple(r) for r in exits[["from_stage", "status", "actor", "orders"]].to_numpy()]
    assert rows == [
        ("new", "RefusedBySeller", "seller", 2),
        ("new", "AutomaticCancellation", "timer", 1),
        ("new", "PaymentRefused", "payment", 1),
    ]
    assert exits["share"].tolist() == [0.25, 0.125, 0.125]


def test_an_empty_log_has_an_empty_funnel() -> None:
    from analytics.eventlog import empty

    steps = funnel(empty(), ["new", "shipped"]).steps
    assert steps["reached"].tolist() == [0, 0]
    assert steps["skipped"].tolist() == [0, 0]
