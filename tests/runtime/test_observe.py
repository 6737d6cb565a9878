"""Observations: the shortest legal path with inferred statuses; else one deviation event."""

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


def deviation(frm: str | None, to: str) -> tuple[str | None, str, str, bool, bool]:
    return (frm, to, "deviation", False, True)


def deviations(events: tuple[Event, ...]) -> list[tuple[str | None, str, str, bool, bool]]:
    return [(e.from_status, e.to_status, e.trigger, e.inferred, e.deviation) for e in events]


def test_the_path_follows_the_guards_on_the_fields(cdiscount: Runtime) -> None:
    at_store = cdiscount.observe(
        "A6", "WaitingForShipmentAcceptation", "PickedUp", {"delivery_mode": "MAG"}, AT
    )
    assert [e.to_status for e in at_store.events] == ["AvailableOnStore", "PickedUp"]
    assert not any(e.deviation for e in at_store.events) and at_store.anomalies == ()
    # No path for these fields: the order takes the reported status all the same.
    home = cdiscount.observe("A6", "WaitingForShipmentAcceptation", "PickedUp", TRACKED, AT)
    assert home.status == "PickedUp"
    assert deviations(home.events) == [deviation("WaitingForShipmentAcceptation", "PickedUp")]
    assert [a.kind for a in home.anomalies] == [AnomalyKind.NO_LEGAL_PATH]
    assert home.anomalies[0].message == (
        "no legal path from status 'WaitingForShipmentAcceptation' to 'PickedUp'"
    )


def test_a_new_order_with_no_path_for_its_fields_is_created_at_the_reported_status(
    cdiscount: Runtime,
) -> None:
    outcome = cdiscount.observe("A11", None, "PickedUp", TRACKED, AT)
    assert outcome.status == "PickedUp"
    (event,) = outcome.events
    assert event == Event(
        "A11", None, "PickedUp", "deviation", "marketplace", Source.FETCH, False, AT, True
    )
    (anomaly,) = outcome.anomalies
    assert (anomaly.kind, anomaly.from_status, anomaly.reported) == (
        AnomalyKind.NO_LEGAL_PATH, None, "PickedUp",
    )  # fmt: skip
    assert anomaly.message == "no legal path from an initial status to 'PickedUp' for a new order"


def test_the_same_status_again_is_a_no_op(cdiscount: Runtime) -> None:
    outcome = cdiscount.observe("A7", "AcceptedBySeller", "acceptedbyseller", {}, AT)
    assert (outcome.status, outcome.events, outcome.anomalies) == ("AcceptedBySeller", (), ())


def test_a_final_status_that_changes_moves_with_a_deviation(cdiscount: Runtime) -> None:
    outcome = cdiscount.observe("A8", "Shipped", "WaitingForSellerAcceptation", {}, AT)
    assert outcome.status == "WaitingForSellerAcceptation"
    assert deviations(outcome.events) == [deviation("Shipped", "WaitingForSellerAcceptation")]
    (anomaly,) = outcome.anomalies
    assert (anomaly.kind, anomaly.from_status, anomaly.reported) == (
        AnomalyKind.FINAL_CHANGED, "Shipped", "WaitingForSellerAcceptation",
    )  # fmt: skip
    assert anomaly.message == (
        "status 'Shipped' is final but the marketplace now reports 'WaitingForSellerAcceptation'"
    )


def test_a_backward_jump_moves_back_with_a_deviation(cdiscount: Runtime) -> None:
    outcome = cdiscount.observe("A9", "PaymentInProgress", "AcceptedBySeller", {}, AT)
    assert outcome.status == "AcceptedBySeller"
    assert deviations(outcome.events) == [deviation("PaymentInProgress", "AcceptedBySeller")]
    assert [a.kind for a in outcome.anomalies] == [AnomalyKind.NO_LEGAL_PATH]


def test_an_impossible_report_moves_the_order_and_its_options_follow(cdiscount: Runtime) -> None:
    waiting = "WaitingForSellerAcceptation"
    before = {d.action for d in cdiscount.options(waiting, TRACKED) if d.allowed}
    assert "accept" in before
    # Shipped is reachable from WaitingForSellerAcceptation, but not for an unknown delivery mode.
    outcome = cdiscount.observe("A12", waiting, "Shipped", {"delivery_mode": "MAG"}, AT)
    assert outcome.status == "Shipped"
    assert deviations(outcome.events) == [deviation(waiting, "Shipped")]
    assert [a.kind for a in outcome.anomalies] == [AnomalyKind.NO_LEGAL_PATH]
    after = {d.action for d in cdiscount.options("Shipped", TRACKED) if d.allowed}
    assert "accept" not in after


def test_an_undeclared_code_is_kept_verbatim_until_a_declared_one(cdiscount: Runtime) -> None:
    outcome = cdiscount.observe("A10", "AcceptedBySeller", "Teleported", {}, AT)
    (anomaly,) = outcome.anomalies
    assert outcome.status == "Teleported"
    assert deviations(outcome.events) == [deviation("AcceptedBySeller", "Teleported")]
    assert anomaly.kind is AnomalyKind.UNKNOWN_STATUS
    assert anomaly.message == "status code 'Teleported' is not declared in " + str(CDISCOUNT)
    again = cdiscount.observe("A10", "Teleported", "Teleported", {}, AT)
    assert (again.status, again.events, again.anomalies) == ("Teleported", (), ())
    back = cdiscount.observe("A10", "Teleported", "Shipped", {}, AT)
    assert back.status == "Shipped"
    assert deviations(back.events) == [deviation("Teleported", "Shipped")]
    assert [a.kind for a in back.anomalies] == [AnomalyKind.UNKNOWN_STATUS]


def test_a_new_order_at_an_undeclared_code_is_stored_at_it(cdiscount: Runtime) -> None:
    outcome = cdiscount.observe("A13", None, "Foo", TRACKED, AT)
    assert outcome.status == "Foo"
    assert deviations(outcome.events) == [deviation(None, "Foo")]
    assert [a.kind for a in outcome.anomalies] == [AnomalyKind.UNKNOWN_STATUS]
    declared = cdiscount.observe("A13", "Foo", "WaitingForSellerAcceptation", TRACKED, AT)
    assert declared.status == "WaitingForSellerAcceptation"
    assert deviations(declared.events) == [deviation("Foo", "WaitingForSellerAcceptation")]


def test_a_batch_of_bad_rows_never_raises() -> None:
    table = TableRuntime(rules_of(CDISCOUNT))
    outcomes = table.observe_batch(
        ["B1", "B2", "B3", "B4"],
        ["AcceptedBySeller", "NotAStatus", None, "Shipped"],
        [None, "AcceptedBySeller", 42, "Shipped"],
        [None, {}, "not a mapping", {}],  # type: ignore[list-item]
        AT,
    )
    # No code at all leaves the order as it was; any other code is the order's status now.
    assert [o.status for o in outcomes] == ["AcceptedBySeller", "AcceptedBySeller", "42", "Shipped"]
    assert [len(o.events) for o in outcomes] == [0, 1, 1, 0]
    assert [[a.kind for a in o.anomalies] for o in outcomes] == [
        [AnomalyKind.UNKNOWN_STATUS], [AnomalyKind.UNKNOWN_STATUS],
        [AnomalyKind.UNKNOWN_STATUS], [],
    ]  # fmt: skip
    assert outcomes[1].anomalies[0].message == (
        f"the order's status 'NotAStatus' is not declared in {CDISCOUNT}"
    )
