"""Golden tests: each shipped rule file, as loaded, against values written here by hand.

A change to a rule file must change this test too, so every edit of the rules is reviewed
twice. The rows are plain tuples so a failure shows exactly which status, transition, action,
requirement or timer moved.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.model.definition import RuleSet
from engine.rulefile.loader import load_rules

RULES = Path(__file__).resolve().parents[2] / "rules"
Row = tuple[object, ...]
N, Y = False, True  # keeps the status tables aligned and readable


@pytest.fixture(scope="module")
def cdiscount() -> RuleSet:
    return load_rules(RULES / "cdiscount.yaml")


@pytest.fixture(scope="module")
def octopia() -> RuleSet:
    return load_rules(RULES / "cdiscount_octopia.yaml")


@pytest.fixture(scope="module")
def galeries() -> RuleSet:
    return load_rules(RULES / "galeries_lafayette.yaml")


def statuses(rules: RuleSet) -> list[Row]:
    """(name, stage, initial, final)"""
    return [(s.name, s.stage, s.initial, s.final) for s in rules.statuses]


def transitions(rules: RuleSet) -> list[Row]:
    """(trigger, sources, destination, actor, condition as text or None)"""
    return [
        (t.trigger, t.sources, t.dest, str(t.actor), None if t.when is None else str(t.when))
        for t in rules.transitions
    ]


def actions(rules: RuleSet) -> list[Row]:
    """(name, at, transition, action type, {argument: field, with '?' when optional})"""
    return [
        (
            a.name,
            a.at,
            a.transition,
            a.action_type,
            {arg.name: arg.field + ("?" if arg.optional else "") for arg in a.args},
        )
        for a in rules.actions
    ]


def requirements(rules: RuleSet) -> list[Row]:
    """(action, field, condition as text or None, allowed values)"""
    return [
        (a.name, r.field, None if r.when is None else str(r.when), r.values)
        for a in rules.actions
        for r in a.requires
    ]


def timers(rules: RuleSet) -> list[Row]:
    """(name, status, seconds, trigger fired)"""
    return [(t.name, t.status, t.after_seconds, t.fire) for t in rules.timers]


def schedule(rules: RuleSet) -> Row:
    """(every, overlap, sweep every, sweep lookback), in seconds"""
    s = rules.schedule
    return (s.every_seconds, s.overlap_seconds, s.sweep_every_seconds, s.sweep_lookback_seconds)


def fields(rules: RuleSet) -> list[Row]:
    """(name, type, number of values, sources)"""
    return [(f.name, str(f.type), len(f.values), f.sources) for f in rules.fields]


# -- cdiscount.yaml ----------------------------------------------------------------------------

TRACKED = "delivery_mode in [TRK, REG, REL, RCO, SO1]"
TRACKINGS = "packages[0].delivery.trackings[0]"


def test_cdiscount_marketplace(cdiscount: RuleSet) -> None:
    assert cdiscount.format == 1
    assert (cdiscount.marketplace.code, cdiscount.marketplace.name) == ("cdiscount", "Cdiscount")
    assert cdiscount.mapping == ()


def test_cdiscount_fields(cdiscount: RuleSet) -> None:
    assert fields(cdiscount) == [
        (
            "delivery_mode",
            "enum",
            11,
            (
                "packages[0].delivery.shipping_method",
                "packages[0].delivery.type",
                "shipping_method",
            ),
        ),
        ("carrier", "enum", 29, (f"{TRACKINGS}.carrier",)),
        ("tracking_number", "string", 0, (f"{TRACKINGS}.number",)),
        ("tracking_url", "string", 0, (f"{TRACKINGS}.url",)),
        (
            "fulfilled_by_marketplace",
            "bool",
            0,
            (
                "order_types[type=is_delivered_by_marketplace]",
                f"{TRACKINGS}.is_delivered_by_marketplace",
            ),
        ),
        ("refund_reason", "enum", 3, ()),
    ]
    mode = cdiscount.field_by_name["delivery_mode"]
    assert [mode.canonical(s) for s in ("Suivi", "suivi", "TRK", "Recommandé", "x")] == [
        "TRK", "TRK", "TRK", "REG", None,
    ]  # fmt: skip


def test_cdiscount_statuses(cdiscount: RuleSet) -> None:
    assert statuses(cdiscount) == [
        ("WaitingForSellerAcceptation",           "new",              Y, N),
        ("AcceptedBySeller",                      "new",              N, N),
        ("ValidatedFianet",                       "new",              N, N),
        ("PaymentInProgress",                     "new",              N, N),
        ("WaitingForShipmentAcceptation",         "waiting_shipment", N, N),
        ("ShippedBySeller",                       "shipped",          N, N),
        ("Shipped",                               "shipped",          N, Y),
        ("AvailableOnStore",                      "shipped",          N, N),
        ("PickedUp",                              "shipped",          N, Y),
        ("PaymentRefused",                        "canceled",         N, Y),
        ("AutomaticCancellation",                 "canceled",         N, Y),
        ("ShipmentRefusedBySeller",               "canceled",         N, Y),
        ("CancelledByCustomer",                   "canceled",         N, Y),
        ("RefusedNoShipment",                     "canceled",         N, Y),
        ("CancelledBeforePaymentByCustomer",      "canceled",         N, Y),
        ("CancelledBeforeNotificationByCustomer", "canceled",         N, Y),
        ("CancellationRequestPending",            "canceled",         N, N),
        ("NonPickedUpByCustomer",                 "canceled",         N, Y),
        ("RefusedBySeller",                       "canceled",         N, Y),
    ]  # fmt: skip
    origins = {s.name for s in cdiscount.statuses if s.origin == "cdiscount_api"}
    assert origins == {"PaymentInProgress", "AvailableOnStore"}
    assert cdiscount.status_by_name["ValidatedFianet"].description == (
        "The payment has been validated by Fianet."
    )


def test_cdiscount_transitions(cdiscount: RuleSet) -> None:
    paying = ("AcceptedBySeller", "ValidatedFianet", "PaymentInProgress")
    assert transitions(cdiscount) == [
        ("accept", ("WaitingForSellerAcceptation",), "AcceptedBySeller", "seller", None),
        ("refuse", ("WaitingForSellerAcceptation",), "RefusedBySeller", "seller", None),
        ("auto_cancel", ("WaitingForSellerAcceptation",), "AutomaticCancellation", "timer", None),
        ("cancel_before_notification", ("WaitingForSellerAcceptation",),
         "CancelledBeforeNotificationByCustomer", "customer", None),
        ("validate_fianet", ("AcceptedBySeller",), "ValidatedFianet", "payment", None),
        ("start_payment", ("AcceptedBySeller", "ValidatedFianet"), "PaymentInProgress",
         "payment", None),
        ("refuse_payment", paying, "PaymentRefused", "payment", None),
        ("cancel_before_payment", paying, "CancelledBeforePaymentByCustomer", "customer", None),
        ("confirm_payment", ("PaymentInProgress",), "WaitingForShipmentAcceptation", "payment",
         None),
        ("ship", ("WaitingForShipmentAcceptation",), "ShippedBySeller", "seller",
         "not (delivery_mode in [MAG])"),
        ("ship", ("WaitingForShipmentAcceptation",), "AvailableOnStore", "seller",
         "delivery_mode in [MAG]"),
        ("refuse_shipment", ("WaitingForShipmentAcceptation",), "ShipmentRefusedBySeller",
         "seller", None),
        ("no_shipment", ("WaitingForShipmentAcceptation",), "RefusedNoShipment", "timer", None),
        ("request_cancellation", ("WaitingForShipmentAcceptation",),
         "CancellationRequestPending", "customer", None),
        ("cancel", ("CancellationRequestPending",), "CancelledByCustomer", "marketplace", None),
        ("withdraw_cancellation", ("CancellationRequestPending",),
         "WaitingForShipmentAcceptation", "customer", None),
        ("confirm_shipment", ("ShippedBySeller",), "Shipped", "marketplace", None),
        ("pick_up", ("AvailableOnStore",), "PickedUp", "customer", None),
        ("not_picked_up", ("AvailableOnStore",), "NonPickedUpByCustomer", "timer", None),
    ]  # fmt: skip


def test_cdiscount_actions_and_requirements(cdiscount: RuleSet) -> None:
    assert actions(cdiscount) == [
        ("accept", ("WaitingForSellerAcceptation",), "accept", "accept", {}),
        ("refuse", ("WaitingForSellerAcceptation",), "refuse", "refuse", {}),
        ("ship", ("WaitingForShipmentAcceptation",), "ship", "ship",
         {"carrier": "carrier", "tracking_number": "tracking_number",
          "tracking_url": "tracking_url?"}),
        ("refuse_shipment", ("WaitingForShipmentAcceptation",), "refuse_shipment", "cancel", {}),
        ("refund", ("Shipped",), None, "refund", {"reason": "refund_reason"}),
    ]  # fmt: skip
    assert requirements(cdiscount) == [
        ("ship", "carrier", TRACKED, ()),
        ("ship", "tracking_number", TRACKED, ()),
        ("refund", "refund_reason", None, ()),
    ]


def test_cdiscount_timers_schedule_and_import_policy(cdiscount: RuleSet) -> None:
    assert timers(cdiscount) == [
        ("seller_acceptance", "WaitingForSellerAcceptation", 48 * 3600, "auto_cancel"),
        ("shipment", "WaitingForShipmentAcceptation", 7 * 86400, "no_shipment"),
        ("store_pick_up", "AvailableOnStore", 14 * 86400, "not_picked_up"),
    ]
    assert schedule(cdiscount) == (15 * 60, 2 * 3600, 86400, 5 * 86400)
    policy = cdiscount.import_policy
    assert policy is not None
    assert (policy.flag_field, policy.arrives_at, policy.import_by_default) == (
        "fulfilled_by_marketplace", "Shipped", False,
    )  # fmt: skip
    assert [(c.name, str(c.support)) for c in policy.connectors] == [
        ("prestashop", "option"),
        ("magento1", "option"),
        ("magento2", "option"),
        ("shopware", "option"),
        ("woocommerce", "not_possible"),
    ]


# -- cdiscount_octopia.yaml --------------------------------------------------------------------


def test_octopia_marketplace_and_fields(octopia: RuleSet) -> None:
    assert octopia.marketplace.code == "cdiscount_octopia"
    assert octopia.mapping == ()
    assert fields(octopia) == [
        ("carrier", "enum", 29, (f"{TRACKINGS}.carrier",)),
        ("tracking_number", "string", 0, (f"{TRACKINGS}.number",)),
        ("tracking_url", "string", 0, (f"{TRACKINGS}.url",)),
        (
            "fulfilled_by_marketplace",
            "bool",
            0,
            (
                "order_types[type=is_delivered_by_marketplace]",
                f"{TRACKINGS}.is_delivered_by_marketplace",
            ),
        ),
        ("refund_reason", "enum", 3, ()),
    ]
    assert octopia.field_by_name["carrier"].canonical("chronopost") == "13"


def test_octopia_statuses_follow_lengows_stage_mapping(octopia: RuleSet) -> None:
    assert statuses(octopia) == [
        ("Processing",        "new",                Y, N),
        ("WaitingAcceptance", "waiting_acceptance", N, N),
        ("Accepted",          "accepted",           N, N),
        ("InPreparation",     "waiting_shipment",   N, N),
        ("Shipped",           "shipped",            N, N),
        ("Delivered",         "shipped",            N, N),
        ("Refused",           "canceled",           N, Y),
        ("Rejected",          "canceled",           N, Y),
        ("Cancelled",         "refunded",           N, Y),
    ]  # fmt: skip


def test_octopia_transitions(octopia: RuleSet) -> None:
    assert transitions(octopia) == [
        ("await_acceptance", ("Processing",), "WaitingAcceptance", "marketplace", None),
        ("reject", ("Processing", "Accepted"), "Rejected", "payment", None),
        ("accept", ("WaitingAcceptance",), "Accepted", "seller", None),
        ("refuse", ("WaitingAcceptance",), "Refused", "seller", None),
        ("expire", ("WaitingAcceptance",), "Rejected", "timer", None),
        ("confirm_payment", ("Accepted",), "InPreparation", "payment", None),
        ("ship", ("InPreparation",), "Shipped", "seller", None),
        ("deliver", ("Shipped",), "Delivered", "marketplace", None),
        ("cancel", ("Accepted", "InPreparation"), "Cancelled", "customer", None),
        ("refund", ("Accepted", "InPreparation", "Shipped", "Delivered"), "Cancelled", "seller",
         None),
    ]  # fmt: skip


def test_octopia_actions_requirements_timers_schedule(octopia: RuleSet) -> None:
    assert actions(octopia) == [
        ("accept", ("WaitingAcceptance",), "accept", "accept", {}),
        ("refuse", ("WaitingAcceptance",), "refuse", "refuse", {}),
        ("ship", ("InPreparation",), "ship", "ship",
         {"carrier": "carrier", "tracking_number": "tracking_number",
          "tracking_url": "tracking_url?"}),
        ("refund", ("Accepted", "InPreparation", "Shipped", "Delivered"), "refund", "refund",
         {"reason": "refund_reason"}),
    ]  # fmt: skip
    assert requirements(octopia) == [
        ("ship", "carrier", None, ()),
        ("ship", "tracking_number", None, ()),
        ("refund", "refund_reason", None, ()),
    ]
    assert timers(octopia) == [("seller_acceptance", "WaitingAcceptance", 48 * 3600, "expire")]
    assert schedule(octopia) == (15 * 60, 2 * 3600, 86400, 2 * 86400)
    policy = octopia.import_policy
    assert policy is not None
    assert (policy.flag_field, policy.arrives_at) == ("fulfilled_by_marketplace", "Shipped")
    assert len(policy.connectors) == 5


# -- galeries_lafayette.yaml -------------------------------------------------------------------


def test_galeries_marketplace_and_fields(galeries: RuleSet) -> None:
    assert (galeries.marketplace.code, galeries.marketplace.name) == (
        "galeries_lafayette", "Galeries Lafayette",
    )  # fmt: skip
    assert fields(galeries) == [
        ("carrier", "enum", 3, (f"{TRACKINGS}.carrier",)),
        ("tracking_number", "string", 0, (f"{TRACKINGS}.number",)),
        ("tracking_url", "string", 0, (f"{TRACKINGS}.url",)),
        ("refund_reason", "string", 0, ()),
    ]
    assert galeries.field_by_name["carrier"].codes == ("LAPOSTE", "CHRONOPOST", "MONDIALRELAY")
    assert galeries.import_policy is None


def test_galeries_statuses_and_mirakl_codes(galeries: RuleSet) -> None:
    assert statuses(galeries) == [
        ("Staging",              "new",                Y, N),
        ("WaitingAcceptance",    "waiting_acceptance", N, N),
        ("WaitingDebit",         "accepted",           N, N),
        ("WaitingDebitPayment",  "accepted",           N, N),
        ("Shipping",             "waiting_shipment",   N, N),
        ("Shipped",              "shipped",            N, N),
        ("Received",             "closed",             N, N),
        ("Closed",               "closed",             N, Y),
        ("Refused",              "refused",            N, Y),
        ("Canceled",             "canceled",           N, Y),
        ("WaitingRefund",        "refunding",          N, N),
        ("WaitingRefundPayment", "refunding",          N, N),
        ("Refunded",             "refunded",           N, Y),
    ]  # fmt: skip
    assert galeries.mapping == (
        ("STAGING", "Staging"),
        ("WAITING_ACCEPTANCE", "WaitingAcceptance"),
        ("WAITING_DEBIT", "WaitingDebit"),
        ("WAITING_DEBIT_PAYMENT", "WaitingDebitPayment"),
        ("SHIPPING", "Shipping"),
        ("SHIPPED", "Shipped"),
        ("RECEIVED", "Received"),
        ("CLOSED", "Closed"),
        ("REFUSED", "Refused"),
        ("CANCELED", "Canceled"),
        ("WAITING_REFUND", "WaitingRefund"),
        ("WAITING_REFUND_PAYMENT", "WaitingRefundPayment"),
        ("REFUNDED", "Refunded"),
    )
    # The four orders of tests/channels/samples/import_orders.json, by their marketplace_status.
    assert [galeries.status_for_code(c) for c in ("STAGING", "WAITING_DEBIT_PAYMENT")] == [
        "Staging", "WaitingDebitPayment",
    ]  # fmt: skip
    assert [galeries.status_for_code(c) for c in ("SHIPPED", "CANCELED", "UNKNOWN")] == [
        "Shipped", "Canceled", None,
    ]  # fmt: skip


def test_galeries_transitions(galeries: RuleSet) -> None:
    assert transitions(galeries) == [
        ("release", ("Staging",), "WaitingAcceptance", "marketplace", None),
        ("reject", ("Staging",), "Canceled", "marketplace", None),
        ("accept", ("WaitingAcceptance",), "WaitingDebit", "seller", None),
        ("refuse", ("WaitingAcceptance",), "Refused", "seller", None),
        ("cancel", ("WaitingAcceptance",), "Canceled", "seller", None),
        ("expire", ("WaitingAcceptance",), "Refused", "timer", None),
        ("request_debit", ("WaitingDebit",), "WaitingDebitPayment", "payment", None),
        ("confirm_payment", ("WaitingDebitPayment",), "Shipping", "payment", None),
        ("refuse_payment", ("WaitingDebit", "WaitingDebitPayment"), "Canceled", "payment", None),
        ("cancel_before_shipment", ("Shipping",), "Canceled", "customer", None),
        ("ship", ("Shipping",), "Shipped", "seller", None),
        ("receive", ("Shipped",), "Received", "customer", None),
        ("close", ("Shipped", "Received"), "Closed", "marketplace", None),
        ("request_refund", ("Shipped", "Received"), "WaitingRefund", "customer", None),
        ("refund", ("WaitingRefund",), "WaitingRefundPayment", "seller", None),
        ("confirm_refund", ("WaitingRefundPayment",), "Refunded", "payment", None),
    ]


def test_galeries_actions_requirements_timers_schedule(galeries: RuleSet) -> None:
    assert actions(galeries) == [
        ("accept", ("WaitingAcceptance",), "accept", "accept", {}),
        ("refuse", ("WaitingAcceptance",), "refuse", "refuse", {}),
        ("cancel", ("WaitingAcceptance",), "cancel", "cancel", {}),
        ("ship", ("Shipping",), "ship", "ship",
         {"tracking_number": "tracking_number", "carrier": "carrier?"}),
        ("refund", ("WaitingRefund",), "refund", "refund", {"reason_code": "refund_reason"}),
    ]  # fmt: skip
    assert requirements(galeries) == [
        ("ship", "tracking_number", None, ()),
        ("refund", "refund_reason", None, ()),
    ]
    assert timers(galeries) == [("seller_acceptance", "WaitingAcceptance", 48 * 3600, "expire")]
    assert schedule(galeries) == (15 * 60, 2 * 3600, 86400, 5 * 86400)
