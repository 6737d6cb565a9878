"""Filters keep whole orders: by period, marketplace, stage, any enum or bool field of a rule
file, variant, duration, first and last status, and a status passed through."""

from datetime import timedelta

import pandas as pd
import pytest

from analytics.eventlog import prepare
from analytics.flow import START
from analytics.selection import LogFilter, filter_log
from tests.analytics import populations
from tests.analytics.conftest import DAY0


@pytest.fixture
def both() -> pd.DataFrame:
    return prepare(populations.raw(), populations.RULES.values())


def orders(log: pd.DataFrame, where: LogFilter) -> list[str]:
    return sorted(filter_log(log, where)["order_id"].astype(str).unique())


def test_filter_by_delivery_mode_keeps_whole_orders(log: pd.DataFrame) -> None:
    kept = filter_log(log, LogFilter(fields=(("delivery_mode", ("TRK",)),)))
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


def test_a_field_of_a_second_rule_file_is_a_filter(both: pd.DataFrame) -> None:
    assert orders(both, LogFilter(fields=(("carrier", ("LAPOSTE",)),))) == ["G1"]
    # Its alias "Suivi" made C3 a tracked order; values of one field are "or"-ed.
    assert orders(both, LogFilter(fields=(("delivery_mode", ("TRK", "MAG")),))) == ["C1", "C3"]
    assert orders(both, LogFilter(fields=(("fulfilled_by_marketplace", (True,)),))) == ["C2"]
    # Two fields are "and"-ed: no Galeries order has a delivery mode.
    two = (("carrier", ("LAPOSTE",)), ("delivery_mode", ("TRK",)))
    assert orders(both, LogFilter(fields=two)) == []


def test_a_field_no_order_carries_keeps_none(both: pd.DataFrame) -> None:
    assert orders(both, LogFilter(fields=(("gift_wrap", (True,)),))) == []


def test_filter_by_variant(both: pd.DataFrame) -> None:
    path = "WaitingForSellerAcceptation → AcceptedBySeller"
    assert orders(both, LogFilter(variants=(path,))) == ["C3"]


def test_filter_by_duration_keeps_the_orders_that_took_longer(both: pd.DataFrame) -> None:
    # C1 took 54h, G1 31h; C2 10h since it was first seen, the others less.
    assert orders(both, LogFilter(longer_than_s=24 * 3600)) == ["C1", "G1"]


def test_filter_by_first_and_last_status(both: pd.DataFrame) -> None:
    assert orders(both, LogFilter(first_statuses=("Staging",))) == ["G1", "G2"]
    assert orders(both, LogFilter(last_statuses=("ShippedBySeller", "Refused"))) == ["C2", "G2"]


def test_filter_by_a_status_passed_through_counts_inferred_ones(both: pd.DataFrame) -> None:
    assert orders(both, LogFilter(through=("PaymentInProgress",))) == ["C1", "C2"]
    assert orders(both, LogFilter(through=("AcceptedBySeller",))) == ["C1", "C2", "C3", "C4"]


def test_filters_combine(both: pd.DataFrame) -> None:
    where = LogFilter(
        marketplaces=("cdiscount",), through=("AcceptedBySeller",), stages=("shipped",)
    )
    assert orders(both, where) == ["C1", "C2"]
    assert LogFilter(fields=(("carrier", ("LAPOSTE",)),)).field("carrier") == ("LAPOSTE",)


def test_filter_by_a_move_of_the_process_map(both: pd.DataFrame) -> None:
    acc, pip = "AcceptedBySeller", "PaymentInProgress"
    # C1's and C2's acceptance and payment were inferred: the moves count all the same.
    assert orders(both, LogFilter(moves=((acc, pip, False),))) == ["C1", "C2"]
    assert orders(both, LogFilter(moves=((acc, pip, True),))) == []  # no deviation there
    assert orders(both, LogFilter(moves=((START, "Staging", False),))) == ["G1", "G2"]
    either = (
        (acc, "PaymentRefused", False),
        ("WaitingForShipmentAcceptation", "ShippedBySeller", False),
    )
    assert orders(both, LogFilter(moves=either)) == ["C1", "C2", "C4"]
    # Statuses no event names select nothing.
    assert orders(both, LogFilter(moves=(("Nowhere", acc, False),))) == []


def test_filter_by_order_keys(both: pd.DataFrame) -> None:
    keys = (("cdiscount", "C3"), ("galeries_lafayette", "G2"))
    assert orders(both, LogFilter(orders=keys)) == ["C3", "G2"]
    assert orders(both, LogFilter(orders=(("cdiscount", "G2"),))) == []
