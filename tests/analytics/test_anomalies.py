"""Anomalies and inferred statuses by cause, on a hand-made log."""

from dataclasses import asdict
from datetime import timedelta

import pandas as pd

from analytics.anomalies import anomaly_frame, by_kind, by_reported, inferred_by_status
from engine.model.events import Anomaly, AnomalyKind
from tests.analytics.conftest import DAY0


def records() -> list[dict[str, object]]:
    def one(order: str, kind: AnomalyKind, reported: str, hours: int) -> dict[str, object]:
        anomaly = Anomaly(order, "Shipped", reported, kind, "m", DAY0 + timedelta(hours=hours))
        return {"marketplace": "cdiscount", **asdict(anomaly)}

    return [
        one("O1", AnomalyKind.FINAL_CHANGED, "WaitingForSellerAcceptation", 5),
        one("O1", AnomalyKind.FINAL_CHANGED, "WaitingForSellerAcceptation", 7),
        one("O2", AnomalyKind.UNKNOWN_STATUS, "Teleported", 3),
    ]


def test_anomalies_by_kind() -> None:
    table = by_kind(anomaly_frame(records())).set_index("kind")
    assert table.loc["final_changed", "anomalies"] == 2
    assert table.loc["final_changed", "orders"] == 1
    assert str(table.loc["final_changed", "last_at"]) == "2026-03-02 07:00:00+00:00"
    assert table.loc["unknown_status", "anomalies"] == 1
    assert list(table.index) == ["final_changed", "unknown_status"]


def test_anomalies_by_reported_status() -> None:
    table = by_reported(anomaly_frame(records()))
    assert table.iloc[0].tolist() == ["final_changed", "Shipped", "WaitingForSellerAcceptation", 2]


def test_empty_anomalies_have_the_columns() -> None:
    frame = anomaly_frame([])
    assert list(frame.columns)[:3] == ["marketplace", "order_id", "from_status"]
    assert by_kind(frame).empty


def test_inferred_statuses(log: pd.DataFrame) -> None:
    table = inferred_by_status(log).set_index("status")
    assert table["inferred"].to_dict() == {"AcceptedBySeller": 1, "PaymentInProgress": 1}
    assert table.loc["AcceptedBySeller", "share"] == 1 / 3
    assert table.loc["PaymentInProgress", "share"] == 1 / 2
