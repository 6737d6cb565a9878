"""Seller commands: blockers as data, the command to send, and the raise-on-refusal form."""

from __future__ import annotations

import pytest

from engine.model.blockers import Blocker, BlockerCode, ChannelCommand
from engine.model.errors import CommandRefused, UnknownName
from engine.model.events import Source
from engine.rulefile.loader import load_rules_text
from engine.runtime.runtime import Runtime
from tests.runtime.conftest import AT, GUARDED

READY = "WaitingForShipmentAcceptation"
TRACKED = {"delivery_mode": "TRK", "tracking_number": "8R000123"}


def test_a_tracked_order_without_carrier_cannot_ship_and_the_blocker_names_carrier(
    cdiscount: Runtime,
) -> None:
    decision = cdiscount.command("C1", READY, "ship", TRACKED, AT)
    assert not decision.allowed and decision.command is None
    assert decision.blockers == (
        Blocker(
            BlockerCode.FIELD_REQUIRED,
            "action 'ship' requires field 'carrier' when "
            "delivery_mode in [TRK, REG, REL, RCO, SO1]",
            {
                "action": "ship",
                "field": "carrier",
                "when": "delivery_mode in [TRK, REG, REL, RCO, SO1]",
            },
        ),
    )


def test_a_carrier_outside_the_list_is_not_allowed(cdiscount: Runtime) -> None:
    decision = cdiscount.command("C2", READY, "ship", {**TRACKED, "carrier": "Pigeon"}, AT)
    (blocker,) = decision.blockers
    assert blocker.code is BlockerCode.VALUE_NOT_ALLOWED
    assert blocker.params["field"] == "carrier" and blocker.params["value"] == "Pigeon"
    assert blocker.message.startswith(
        "field 'carrier' has value 'Pigeon', which action 'ship' does not accept; allowed values: "
        "1 (Relais Colis), 2 (UPS), 3 (TNT), 5 ("
    )


def test_an_allowed_ship_sends_canonical_codes_and_names_the_next_status(
    cdiscount: Runtime,
) -> None:
    decision = cdiscount.command("C3", READY, "ship", {**TRACKED, "carrier": "Colissimo"}, AT)
    assert decision.allowed and decision.blockers == ()
    assert decision.command == ChannelCommand(
        "ship", {"carrier": "14", "tracking_number": "8R000123"}
    )
    assert decision.expected_status == "ShippedBySeller"


def test_a_standard_delivery_ships_without_carrier(cdiscount: Runtime) -> None:
    decision = cdiscount.command("C4", READY, "ship", {"delivery_mode": "STD"}, AT)
    assert decision.allowed
    assert decision.command == ChannelCommand("ship", {})


def test_an_action_at_the_wrong_status_quotes_both(cdiscount: Runtime) -> None:
    decision = cdiscount.command("C5", "AcceptedBySeller", "accept", {}, AT)
    (blocker,) = decision.blockers
    assert blocker.code is BlockerCode.NOT_ALLOWED_AT_STATUS
    assert blocker.message == (
        "action 'accept' is not allowed at status 'AcceptedBySeller'; "
        "it is allowed at 'WaitingForSellerAcceptation'"
    )


def test_every_blocker_is_listed_not_the_first_only(cdiscount: Runtime) -> None:
    decision = cdiscount.command("C6", "Shipped", "ship", {"delivery_mode": "REG"}, AT)
    assert [(b.code, b.params.get("field")) for b in decision.blockers] == [
        (BlockerCode.NOT_ALLOWED_AT_STATUS, None),
        (BlockerCode.FIELD_REQUIRED, "carrier"),
        (BlockerCode.FIELD_REQUIRED, "tracking_number"),
    ]


def test_apply_command_raises_with_the_blockers(cdiscount: Runtime) -> None:
    with pytest.raises(CommandRefused) as refused:
        cdiscount.apply_command("C7", READY, "ship", TRACKED, AT)
    assert [b.params["field"] for b in refused.value.blockers] == ["carrier"]
    assert str(refused.value).startswith("action 'ship' is refused: action 'ship' requires field")


def test_apply_command_moves_through_the_machine(cdiscount: Runtime) -> None:
    outcome = cdiscount.apply_command("C8", READY, "ship", {"delivery_mode": "MAG"}, AT)
    (event,) = outcome.events
    assert outcome.status == "AvailableOnStore"
    assert (event.trigger, event.actor, event.source, event.inferred) == (
        "ship", "seller", Source.ACTION, False,
    )  # fmt: skip
    assert outcome.command == ChannelCommand("ship", {})


def test_an_action_without_transition_keeps_the_status(cdiscount: Runtime) -> None:
    outcome = cdiscount.apply_command(
        "C9", "Shipped", "refund", {"refund_reason": "Customer claim"}, AT
    )
    assert (outcome.status, outcome.events) == ("Shipped", ())
    assert outcome.command == ChannelCommand("refund", {"reason": "ClientClaim"})


def test_options_lists_every_action_allowed_or_blocked(cdiscount: Runtime) -> None:
    options = cdiscount.options("WaitingForSellerAcceptation", {})
    assert [(d.action, d.allowed) for d in options] == [
        ("accept", True), ("refuse", True), ("ship", False),
        ("refuse_shipment", False), ("refund", False),
    ]  # fmt: skip
    assert options[0].expected_status == "AcceptedBySeller"


def test_an_unknown_action_is_a_named_error(cdiscount: Runtime) -> None:
    with pytest.raises(UnknownName, match="action 'teleport' is not declared"):
        cdiscount.command("C10", READY, "teleport", {}, AT)


def test_a_guard_that_fails_is_a_condition_blocker() -> None:
    runtime = Runtime(load_rules_text(GUARDED, "demo.yaml"))
    (blocker,) = runtime.command("C11", "Open", "finish", {"mode": "B"}, AT).blockers
    assert blocker.code is BlockerCode.CONDITION_FAILED
    assert blocker.message == (
        "action 'finish' cannot move the order from status 'Open': "
        "transition 'finish' needs mode in [A]"
    )
    assert runtime.command("C11", "Open", "finish", {"mode": "A"}, AT).expected_status == "Done"
