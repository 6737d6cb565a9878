"""Each shipped file with the requirement removed from `ship` breaks one of its declared
properties, and the check finds it: the shrunk counterexample, step by step, is pinned here."""

from __future__ import annotations

import pytest

from authoring.check import check
from authoring.report import report
from tests.authoring.files import mutated

# The exploration of each mutation: enough orders to find it; the seed pins the trace.
EXAMPLES, SEED = 150, 0

EXPECTED = {
    "cdiscount": [
        "cdiscount.yaml: FAILED: property 'tracked_shipments_carry_tracking' does not hold "
        "(seed 0, 150 examples)",
        "  tracked_shipments_carry_tracking: always, on a step that enters ShippedBySeller, when "
        "delivery_mode in [TRK, REG, REL, RCO, SO1]: (carrier present) and (tracking_number "
        "present)",
        "  step 5 (ship) is a step that enters ShippedBySeller, when delivery_mode in [TRK, REG, "
        "REL, RCO, SO1], but (carrier present) and (tracking_number present) does not hold: "
        "carrier='1', tracking_number=None",
        "  counterexample, shrunk (step, when, what, by whom, fields, status after):",
        "    1. +0s      create by marketplace (create) with delivery_mode=TRK carrier=1 "
        "tracking_number=- tracking_url=XY123456789FR fulfilled_by_marketplace=- "
        "refund_reason=ClientClaim  -> WaitingForSellerAcceptation",
        "    2. +1m      accept by seller (command)  -> AcceptedBySeller",
        "    3. +2m      start_payment by payment  -> PaymentInProgress",
        "    4. +3m      confirm_payment by payment  -> WaitingForShipmentAcceptation",
        "    5. +4m      ship by seller (command)  -> ShippedBySeller",
    ],
    "cdiscount_octopia": [
        "cdiscount_octopia.yaml: FAILED: property 'ship_carries_tracking' does not hold "
        "(seed 0, 150 examples)",
        "  ship_carries_tracking: always, on a step that runs action ship: (carrier present) and "
        "(tracking_number present)",
        "  step 5 (ship) is a step that runs action ship, but (carrier present) and "
        "(tracking_number present) does not hold: carrier='1', tracking_number=None",
        "  counterexample, shrunk (step, when, what, by whom, fields, status after):",
        "    1. +0s      create by marketplace (create) with carrier=1 tracking_number=- "
        "tracking_url=XY123456789FR fulfilled_by_marketplace=False refund_reason=ClientClaim  "
        "-> Processing",
        "    2. +1m      await_acceptance by marketplace  -> WaitingAcceptance",
        "    3. +2m      accept by seller (command)  -> Accepted",
        "    4. +3m      confirm_payment by payment  -> InPreparation",
        "    5. +4m      ship by seller (command)  -> Shipped",
    ],
    "galeries_lafayette": [
        "galeries_lafayette.yaml: FAILED: property 'ship_carries_a_tracking_number' does not "
        "hold (seed 0, 150 examples)",
        "  ship_carries_a_tracking_number: always, on a step that runs action ship: "
        "tracking_number present",
        "  step 7 (ship) is a step that runs action ship, but tracking_number present does not "
        "hold: tracking_number=None",
        "  counterexample, shrunk (step, when, what, by whom, fields, status after):",
        "    1. +0s      create by marketplace (create) with carrier=LAPOSTE "
        "tracking_number=XY123456789FR tracking_url=XY123456789FR refund_reason=XY123456789FR  "
        "-> Staging",
        "    2. +1m      release by marketplace  -> WaitingAcceptance",
        "    3. +2m      release by marketplace  refused: the rules refuse trigger 'release' at "
        "status 'WaitingAcceptance'",
        "    4. +3m      accept by seller (command)  -> WaitingDebit",
        "    5. +4m      request_debit by payment  -> WaitingDebitPayment",
        "    6. +5m      confirm_payment by payment  -> Shipping",
        "    7. +6m      ship by seller (command) typed tracking_number=-  -> Shipped",
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_mutation_is_caught_with_its_counterexample(name: str) -> None:
    result = check(mutated(name), EXAMPLES, SEED)
    assert list(report(f"{name}.yaml", result)) == EXPECTED[name]
