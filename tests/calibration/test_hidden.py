"""The statuses an order may cross unseen between two polls (`calibration.hidden`)."""

from __future__ import annotations

import math

import numpy as np

from calibration.hidden import block, expm
from simulator.scenario.values import Scenario


def test_the_block_is_the_chain_left_only_by_happenings(truth: Scenario) -> None:
    table = block(truth.rules)
    assert list(table) == ["AcceptedBySeller", "ValidatedFianet", "PaymentInProgress"]
    assert table["ValidatedFianet"] == [
        ("start_payment", "PaymentInProgress"),
        ("refuse_payment", "PaymentRefused"),
        ("cancel_before_payment", "CancelledBeforePaymentByCustomer"),
    ]
    # CancellationRequestPending is left by happenings too, but into a status the seller acts
    # at: no chain to cross unseen.
    assert "CancellationRequestPending" not in table


def test_the_matrix_exponential_of_a_two_step_chain_is_its_closed_form() -> None:
    # Rates 1/600 then 1/1200 s: after 900 s, still at the first status e^-1.5; at the second
    # (a/(b-a)) (e^-at - e^-bt) with a = 1/600, b = 1/1200.
    a, b, t = 1 / 600, 1 / 1200, 900.0
    q = np.array([[-a, a, 0.0], [0.0, -b, b], [0.0, 0.0, 0.0]])
    found = expm(q * t)
    assert math.isclose(found[0, 0], math.exp(-1.5), rel_tol=1e-9)
    second = a / (b - a) * (math.exp(-a * t) - math.exp(-b * t))
    assert math.isclose(found[0, 1], second, rel_tol=1e-9)
    assert math.isclose(found[0].sum(), 1.0, rel_tol=1e-12)
