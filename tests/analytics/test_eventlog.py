"""The event log as analytics read it: required columns, types, filters by period, marketplace,
stage and delivery mode.
"""

from datetime import timedelta

import pandas as pd
import pytest

from analytics.eventlog import (
    EventLogInvalid,
    LogFilter,
    current,
    empty,
    filter_log,
    prepare,
    since_previous,
)
from engine.rulefile.loader import load_rules
from tests.analytics.conftest import DAY0, raw_log


def test_prepare_sorts_each_order_by_sequence(log: pd.DataFrame) -> None:
    first = log.loc[log["order_id"] == "O1"]
    assert first["seq"].tolist() == [1, 2, 3, 4, 5, 6]
    assert log["case"].is_monotonic_increasing
    assert log["case"].nunique() == 8


def test_prepare_spreads_the_delivery_mode_to_every_event_of_the_order(log: pd.DataFrame) -> None:
    # O1's mode is only on its first event in the raw log.
    assert log.loc[log["order_id"] == "O1", "delivery_mode"].astype(str).tolist() == ["TRK"] * 6


def test_prepare_names_every_missing_column() -> None:
    with pytest.raises(EventLogInvalid, match="lacks the column\\(s\\) seq, at;"):
        prepare(raw_log().drop(columns=["seq", "at"]))


def test_prepare_derives_the_stage_from_the_rules() -> None:
    rules = load_rules("rules/cdiscount.yaml")
    log = prepare(raw_log().drop(columns=["stage"]), [rules])
    o1 = log.loc[log["order_id"] == "O1", "stage"].astype(str).tolist()
    assert o1 == ["new", "new", "new", "waiting_shipment", "shipped", "shipped"]


def test_empty_log_has_no_events() -> None:
    assert len(empty()) == 0
    assert len(current(empty())) == 0


def test_current_is_each_orders_last_status(log: pd.DataFrame) -> None:
    now = current(log).set_index("order_id")["to_status"].astype(str)
    assert now["O4"] == "WaitingForShipmentAcceptation"
    assert now["O7"] == "WaitingForSellerAcceptation"
    assert len(now) == 8


def test_since_previous_is_unknown_around_inferred_events(log: pd.DataFrame) -> None:
    gaps = pd.Series(
        since_previous(log), index=log["order_id"].astype(str) + log["seq"].astype(str)
    )
    assert gaps["O1" + "2"] == 7200.0
    assert pd.isna(gaps["O1" + "1"])  # creation
    assert pd.isna(gaps["O4" + "2"]) and pd.isna(gaps["O4" + "3"]) and pd.isna(gaps["O4" + "4"])


def test_filter_by_delivery_mode_keeps_whole_orders(log: pd.DataFrame) -> None:
    kept = filter_log(log, LogFilter(delivery_modes=("TRK",)))
    assert sorted(kept["order_id"].astype(str).unique()) == ["O1", "O4"]
    assert len(kept) == 10


def test_filter_by_period_selects_orders_created_in_it(log: pd.DataFrame) -> None:
    kept = filter_log(log, LogFilter(start=DAY0 + timedelta(days=2), end=DAY0 + timedelta(days=4)))
    assert sorted(kept["order_id"].astype(str).unique()) == ["O5", "O6", "O8"]


def test_filter_by_stage_keeps_orders_that_reached_it(log: pd.DataFrame) -> None:
    kept = filter_log(log, LogFilter(stages=("waiting_shipment",)))
    assert sorted(kept["order_id"].astype(str).unique()) == ["O1", "O4"]


def test_filter_by_marketplace(log: pd.DataFrame) -> None:
    assert len(filter_log(log, LogFilter(marketplaces=("fnac",)))) == 0
    assert len(filter_log(log, LogFilter(marketplaces=("cdiscount",)))) == 21
