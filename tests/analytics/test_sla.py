"""SLA risk: orders waiting in a status with a timer, and how close each is to its deadline."""

import pandas as pd

from analytics.sla import risk_summary, sla_risk
from engine.rulefile.loader import load_rules
from tests.analytics.conftest import AS_OF


def test_open_orders_in_timed_statuses_closest_deadline_first(log: pd.DataFrame) -> None:
    risk = sla_risk(log, [load_rules("rules/cdiscount.yaml")], AS_OF)
    assert risk["order_id"].tolist() == ["O7", "O4"]
    o7, o4 = risk.iloc[0], risk.iloc[1]
    # O7 waits for acceptance since day 1 14:00; 46 of its 48 hours are spent.
    assert o7["timer"] == "seller_acceptance"
    assert o7["fires"] == "auto_cancel"
    assert o7["remaining_s"] == 2 * 3600.0
    assert o7["elapsed_share"] == 46 / 48
    assert o7["band"] == "critical"
    assert str(o7["deadline"]) == "2026-03-05 14:00:00+00:00"
    # O4 waits for shipment since day 1 10:00: 50 of 168 hours.
    assert o4["remaining_s"] == 118 * 3600.0
    assert o4["band"] == "ok"


def test_summary_has_every_band(log: pd.DataFrame) -> None:
    risk = sla_risk(log, [load_rules("rules/cdiscount.yaml")], AS_OF)
    summary = risk_summary(risk).set_index("timer")
    assert summary.loc["seller_acceptance"].to_dict() == {
        "overdue": 0,
        "critical": 1,
        "warning": 0,
        "ok": 0,
    }
    assert summary.loc["shipment", "ok"] == 1


def test_no_rules_no_risk(log: pd.DataFrame) -> None:
    assert sla_risk(log, [], AS_OF).empty
