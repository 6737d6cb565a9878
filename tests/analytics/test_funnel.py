import pandas as pd

from analytics.funnel import funnel, progress_stages
from engine.loader import load_rules


def test_steps_are_the_rule_sets_progress_stages() -> None:
    assert progress_stages([load_rules("rules/cdiscount.yaml")]) == [
        "new",
        "waiting_shipment",
        "shipped",
    ]


def test_funnel_counts_orders_reaching_each_stage(log: pd.DataFrame) -> None:
    steps = funnel(log).steps.set_index("stage")
    assert steps["reached"].to_dict() == {"new": 7, "waiting_shipment": 2, "shipped": 2}
    assert steps["now"].to_dict() == {"new": 1, "waiting_shipment": 1, "shipped": 2}
    assert steps["left"].to_dict() == {"new": 4, "waiting_shipment": 0, "shipped": 0}
    assert steps.loc["waiting_shipment", "share"] == 2 / 7


def test_exits_by_cause(log: pd.DataFrame) -> None:
    exits = funnel(log).exits
    rows = [tuple(r) for r in exits[["from_stage", "status", "actor", "orders"]].to_numpy()]
    assert rows == [
        ("new", "RefusedBySeller", "seller", 2),
        ("new", "AutomaticCancellation", "timer", 1),
        ("new", "PaymentRefused", "payment", 1),
    ]
    assert exits["share"].tolist() == [0.25, 0.125, 0.125]
