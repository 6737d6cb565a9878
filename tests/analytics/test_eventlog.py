"""The event log as analytics read it: required columns, types, and the rule files' enum and bool
fields as case attributes (the filters are tests/analytics/test_selection.py's).
"""

import pandas as pd
import pytest

from analytics.attributes import case_fields
from analytics.eventlog import EventLogInvalid, attribute_columns, current, empty, prepare
from engine.rulefile.loader import load_rules
from tests.analytics import populations
from tests.analytics.conftest import raw_log


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


def test_every_enum_and_bool_field_of_the_rule_files_is_a_case_attribute() -> None:
    log = prepare(populations.raw(), populations.RULES.values())
    # Cdiscount's delivery mode, carrier and fulfilment flag, Galeries Lafayette's carrier; the
    # string fields (tracking numbers) are not attributes, nor a field the log has no column for.
    assert attribute_columns(log) == ["delivery_mode", "carrier", "fulfilled_by_marketplace"]
    per_order = log.groupby("order_id", observed=True).last().astype(object)
    per_order = per_order.where(per_order.notna(), None)
    # "Suivi" is an alias of TRK: the code is kept.
    assert per_order["delivery_mode"].to_dict() == {
        "C1": "TRK",
        "C2": "STD",
        "C3": "TRK",
        "C4": "STD",
        "G1": None,
        "G2": None,
    }
    assert per_order["fulfilled_by_marketplace"].tolist()[:4] == [
        False,
        True,
        False,
        False,
    ]
    assert per_order["carrier"].tolist()[4:] == ["LAPOSTE", None]


def test_a_field_two_rule_files_declare_has_the_choices_of_both() -> None:
    fields = {f.name: f for f in case_fields(populations.RULES.values())}
    carrier = fields["carrier"]
    codes = [code for code, _ in carrier.choices]
    assert codes[:3] == ["1", "2", "3"] and codes[-3:] == ["LAPOSTE", "CHRONOPOST", "MONDIALRELAY"]
    assert carrier.label("CHRONOPOST") == "CHRONOPOST · Chronopost"
    assert fields["delivery_mode"].label("TRK") == "TRK · Tracked"
    assert fields["fulfilled_by_marketplace"].label(True) == "yes"


def test_fields_name_the_case_attributes_without_rules() -> None:
    log = prepare(raw_log(), fields=["delivery_mode"])
    assert attribute_columns(log) == ["delivery_mode"]
    assert attribute_columns(prepare(raw_log())) == []
