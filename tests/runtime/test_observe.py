"""Observations: the shortest legal path with inferred statuses, and anomalies as values."""

from __future__ import annotations

from engine.model.events import AnomalyKind, Event, Source
from engine.runtime.runtime import Runtime
from engine.runtime.table import TableRuntime
from tests.runtime.conftest import AT, CDISCOUNT, rules_of

TRACKED = {"delivery_mode": "TRK"}


def trace(events: tuple[Event, ...]) -> list[tuple[str | None, str, str, bool]]:
    return [(e.from_status, e.to_status, e.trigger, e.inferred) for e in events]


def test_a_skipped_status_is_inferred_on_the_shortest_path(cdiscount: Runtime) -> None:
    outcome = cdiscount.observe(
        "A1", "WaitingForSellerAcceptation", "WaitingForShipmentAcceptation", TRACKED, AT
    )
    assert outcome.status == "WaitingForShipmentAcceptation"
    assert trace(outcome.events) == [
        ("WaitingForSellerAcceptation", "AcceptedBySeller", "accept", True),
        ("AcceptedBySeller", "PaymentInProgress", "start_payment", True),
        ("PaymentInProgress", "WaitingForShipmentAcceptation", "confirm_payment", False),
    ]
    assert [e.actor for e in outcome.events] == ["seller", "payment", "payment"]
    assert {e.source for e in outcome.events} == {Source.FETCH}
    assert outcome.anomalies == ()


def test_a_new_order_at_its_initial_status_is_one_creation_event(cdiscount: Runtime) -> None:
    outcome = cdiscount.observe("A2", None, "WaitingForSellerAcceptation", TRACKED, AT)
    assert trace(outcome.events) == [(None, "WaitingForSellerAcceptation", "create", False)]


def test_a_new_order_seen_later_is_created_at_the_initial_status_inferred(
    cdiscount: Runtime,
) -> None:
    outcome = cdiscount.observe("A3", None, "AcceptedBySeller", TRACKED, AT)
    assert trace(outcome.events) == [
        (None, "WaitingForSellerAcceptation", "create", True),
        ("WaitingForSellerAcceptation", "AcceptedBySeller", "accept", False),
    ]


def test_a_fulfilled_order_arrives_shipped_without_an_inferred_path(cdiscount: Runtime) -> None:
    fields = {"fulfilled_by_marketplace": True}
    outcome = cdiscount.observe("A4", None, "Shipped", fields, AT)
    assert trace(outcome.events) == [(None, "Shipped", "create", False)]


def test_an_order_not_fulfilled_reaching_shipped_gets_the_whole_path(cdiscount: Runtime) -> None:
    outcome = cdiscount.observe("A5", None, "Shipped", {"delivery_mode": "STD"}, AT)
    assert outcome.status == "Shipped"
    assert [e.to_status for e in outcome.events] == [
        "WaitingForSellerAcceptation", "AcceptedBySeller", "PaymentInProgress",
        "WaitingForShipmentAcceptation", "ShippedBySeller", "Shipped",
    ]  # fmt: skip
    assert [e.inferred for e in outcome.events] == [True] * 5 + [False]


def test_the_path_follows_the_guards_on_the_fields(cdiscount: Runtime) -> None:
    at_store = cdiscount.observe(
        "A6", "WaitingForShipmentAcceptation", "PickedUp", {"delivery_mode": "MAG"}, AT
    )
    assert [e.to_status for e in at_store.events] == ["AvailableOnStore", "PickedUp"]
    home = cdiscount.observe("A6", "WaitingForShipmentAcceptation", "PickedUp", TRACKED, AT)
    assert home.status == "WaitingForShipmentAcceptation"
    assert [a.kind for a in home.anomalies] == [AnomalyKind.NO_LEGAL_PATH]
    assert home.anomalies[0].message == (
        "no legal path from status 'WaitingForShipmentAcceptation' to 'PickedUp'"
    )


def test_the_same_status_again_is_a_no_op(cdiscount: Runtime) -> None:
    outcome = cdiscount.observe("A7", "AcceptedBySeller", "acceptedbyseller", {}, AT)
    assert (outcome.status, outcome.events, outcome.anomalies) == ("AcceptedBySeller", (), ())


def test_a_final_status_that_changes_is_an_anomaly(cdiscount: Runtime) -> None:
    outcome = cdiscount.observe("A8", "Shipped", "WaitingForSellerAcceptation", {}, AT)
    assert outcome.status == "Shipped" and outcome.events == ()
    (anomaly,) = outcome.anomalies
    assert (anomaly.kind, anomaly.from_status, anomaly.reported) == (
        AnomalyKind.FINAL_CHANGED, "Shipped", "WaitingForSellerAcceptation",
    )  # fmt: skip
    assert anomaly.message == (
        "status 'Shipped' is final but the marketplace now reports 'WaitingForSellerAcceptation'"
    )


def test_a_backward_jump_is_an_anomaly(cdiscount: Runtime) -> None:
    outcome = cdiscount.observe("A9", "PaymentInProgress", "AcceptedBySeller", {}, AT)
    assert outcome.status == "PaymentInProgress"
    assert [a.kind for a in outcome.anomalies] == [AnomalyKind.NO_LEGAL_PATH]


def test_an_unknown_code_is_an_anomaly_that_quotes_it(cdiscount: Runtime) -> None:
    outcome = cdiscount.observe("A10", "AcceptedBySeller", "Teleported", {}, AT)
    (anomaly,) = outcome.anomalies
    assert outcome.status == "AcceptedBySeller"
    assert anomaly.kind is AnomalyKind.UNKNOWN_STATUS
    assert anomaly.message == "status code 'Teleported' is not declared in " + str(CDISCOUNT)


def test_a_batch_of_bad_rows_never_raises() -> None:
    table = TableRuntime(rules_of(CDISCOUNT))
    outcomes = table.observe_batch(
        ["B1", "B2", "B3", "B4"],
        ["AcceptedBySeller", "NotAStatus", None, "Shipped"],
        [None, "AcceptedBySeller", 42, "Shipped"],
        [None, {}, "not a mapping", {}],  # type: ignore[list-item]
        AT,
    )
    assert [o.status for o in outcomes] == ["AcceptedBySeller", "NotAStatus", None, "Shipped"]
    assert [[a.kind for a in o.anomalies] for o in outcomes] == [
        [AnomalyKind.UNKNOWN_STATUS], [AnomalyKind.UNKNOWN_STATUS],
        [AnomalyKind.UNKNOWN_STATUS], [],
    ]  # fmt: skip
    assert outcomes[1].anomalies[0].message == (
        f"the order's status 'NotAStatus' is not declared in {CDISCOUNT}"
    )
