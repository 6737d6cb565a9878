"""The statuses an order may cross unseen between two polls (`calibration.hidden`)."""

from __future__ import annotations

import math

import numpy as np

from calibration.hidden import STEPS, _Model, block
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


def test_the_density_of_crossing_a_two_status_chain_unseen_is_its_closed_form() -> None:
    # A -> B at rate a = 1/600 s, then B -> C at b = 1/1200 s. After 900 s (the grid's end, 90
    # steps of 10 s), from A: entering B has density a e^-at; entering C has density
    # b (a/(b-a)) (e^-at - e^-bt).
    a, b, t = 1 / 600, 1 / 1200, 900.0
    model = _Model({"A": [("go", "B")], "B": [("end", "C")]})
    grid = model.into(np.array([1.0, 1.0]), np.array([a, b]), t / STEPS)
    assert model.targets == ["B", "C"]
    assert math.isclose(grid[STEPS, 0, 0], a * math.exp(-a * t), rel_tol=1e-9)
    second = b * a / (b - a) * (math.exp(-a * t) - math.exp(-b * t))
    assert math.isclose(grid[STEPS, 0, 1], second, rel_tol=1e-9)
    # From B, C is entered at b e^-bt, and B not again.
    assert math.isclose(grid[STEPS, 1, 1], b * math.exp(-b * t), rel_tol=1e-9)
    assert grid[STEPS, 1, 0] == 0.0
