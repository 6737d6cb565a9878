"""The statuses an order may cross unseen between two polls (`calibration.hidden`)."""

from __future__ import annotations

import math

import numpy as np

from calibration.chain import STEPS, Chain
from calibration.hidden import _loglik, _Segments, block
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
    model = Chain({"A": [("go", "B")], "B": [("end", "C")]})
    grid = model.into(np.array([1.0, 1.0]), np.array([a, b]), t / STEPS)
    assert model.targets == ["B", "C"]
    assert math.isclose(grid[STEPS, 0, 0], a * math.exp(-a * t), rel_tol=1e-9)
    second = b * a / (b - a) * (math.exp(-a * t) - math.exp(-b * t))
    assert math.isclose(grid[STEPS, 0, 1], second, rel_tol=1e-9)
    # From B, C is entered at b e^-bt, and B not again.
    assert math.isclose(grid[STEPS, 1, 1], b * math.exp(-b * t), rel_tol=1e-9)
    assert grid[STEPS, 1, 0] == 0.0


def test_the_densitys_derivatives_are_their_closed_forms() -> None:
    # The chain above: d/da of a e^-at is e^-at (1 - at); of the second density,
    # b (b/(b-a)^2 (e^-at - e^-bt) - a t e^-at/(b-a)). Parameters: shares (A's, B's), then rates.
    a, b, t = 1 / 600, 1 / 1200, 900.0
    chain = Chain({"A": [("go", "B")], "B": [("end", "C")]})
    grid, pullback = chain.into_and_pullback(np.array([1.0, 1.0]), np.array([a, b]), t / STEPS)

    def gradient(state: int, column: int) -> np.ndarray:
        weights = np.zeros(grid.shape)
        weights[STEPS, state, column] = 1.0
        return pullback(weights)

    gap = math.exp(-a * t) - math.exp(-b * t)
    d_second = b * (b / (b - a) ** 2 * gap - a * t * math.exp(-a * t) / (b - a))
    first, second, last = gradient(0, 0), gradient(0, 1), gradient(1, 1)
    assert math.isclose(first[2], math.exp(-a * t) * (1 - a * t), rel_tol=1e-7)
    assert math.isclose(second[2], d_second, rel_tol=1e-7)
    assert math.isclose(last[3], math.exp(-b * t) * (1 - b * t), rel_tol=1e-7)
    # B's share scales every path through B: its derivative is the density itself.
    assert math.isclose(second[1], b * a / (b - a) * gap, rel_tol=1e-7)
    assert second[0] == 0.0
    # The integral's derivative: d/da of 1 - e^-at is t e^-at, at the grid's end.
    assert math.isclose(gradient(0, 2)[2], t * math.exp(-a * t), rel_tol=1e-3)


def test_the_likelihoods_gradient_is_its_slope() -> None:
    chain = Chain({"A": [("go", "B"), ("stop", "D")], "B": [("end", "C")]})
    seg = _Segments(
        status=np.array([0, 0, 1, 0, 1]),
        kind=np.array([0, 1, 0, 2, 2]),
        target=np.array([1, 0, 1, 0, 0]),
        k=np.array([30, 45, 90, 0, 0]),
        elapsed=np.array([120.0, 0.0, 900.0, 3000.0, 600.0]),
        count=np.array([5, 3, 2, 1, 4]),
    )
    theta = np.array([0.3, -0.2, 0.0, -6.0, -7.5, -6.8])
    value, gradient = _loglik(chain, seg, theta, 10.0)
    for i in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[i] += 1e-6
        down[i] -= 1e-6
        slope = (_loglik(chain, seg, up, 10.0)[0] - _loglik(chain, seg, down, 10.0)[0]) / 2e-6
        assert math.isclose(gradient[i], slope, rel_tol=1e-5, abs_tol=1e-9)
    assert value < 0.0
