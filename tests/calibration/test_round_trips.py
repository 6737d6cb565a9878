"""The visits that went back where they came from between two polls: corrected for, from the rest.

A synthetic CancellationRequestPending: 200,000 visits entered at uniform instants between
15-minute polls, each drawing the marketplace's cancellation (80 %, mean 4 h) or the customer's
withdrawal (20 %, mean 6 h, back to WaitingForShipmentAcceptation). A withdrawal before the
next poll leaves no trace: those visits are dropped, as the engine's log drops them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from calibration.competing import CauseFit, Delays, fit
from calibration.fitted import StatusFit
from calibration.round_trips import returning, unseen_returns
from calibration.stays import Stays
from simulator.scenario.values import Scenario

PERIOD = 900.0
PENDING = "CancellationRequestPending"
NAMES = ("cancel", "withdraw_cancellation")


def test_only_a_way_back_to_the_one_status_before_is_a_round_trip(truth: Scenario) -> None:
    rules = truth.rules
    assert returning(rules, PENDING) == {"withdraw_cancellation": "WaitingForShipmentAcceptation"}
    # Entered from PaymentInProgress and from CancellationRequestPending: no single way back.
    assert returning(rules, "WaitingForShipmentAcceptation") == {}


def _visits(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Entries, first polls, delays and causes of every visit, hidden or not."""
    rng = np.random.default_rng(seed)
    n = 200_000
    entered = rng.uniform(0.0, 30 * 86400.0, n)
    seen = np.ceil(entered / PERIOD) * PERIOD
    cause = (rng.random(n) < 0.2).astype(np.int64)
    delay = np.where(cause == 1, rng.exponential(6 * 3600.0, n), rng.exponential(4 * 3600.0, n))
    return entered, seen, delay, cause


def _fitted(delay: np.ndarray, cause: np.ndarray) -> tuple[CauseFit, ...]:
    return fit(Delays(delay, delay, cause), NAMES)


def _stays(entered: np.ndarray, seen: np.ndarray, delay: np.ndarray, cause: np.ndarray) -> Stays:
    n = len(entered)
    text = np.asarray([NAMES[c] for c in cause], dtype=object)
    return Stays(
        np.full(n, PENDING, dtype=object), text, np.full(n, "customer", dtype=object),
        np.zeros(n, dtype=bool), entered, seen, entered + delay, np.arange(n),
        float(entered.max() + delay.max()), 0, delay, delay,
    )  # fmt: skip


def test_the_withdrawals_between_two_polls_are_given_back(truth: Scenario) -> None:
    entered, seen, delay, cause = _visits(4)
    everything = _fitted(delay, cause)
    shown = ~((cause == 1) & (entered + delay < seen))
    assert 0.003 < 1.0 - shown.mean() < 0.006  # about 0.2 x 450 s / 6 h of the visits
    seen_only = _fitted(delay[shown], cause[shown])
    # Read from the visits shown, the withdrawals are too few by (1 - q) / (1 - 0.2 q), q = 1 -
    # 24 (1 - exp(-1 / 24)) = 0.0205 the chance a withdrawal comes before the next poll (1.65 %),
    # and too slow by the mean wait for that poll, 450 s of a 6-hour mean (2.1 %).
    assert seen_only[1].probability / everything[1].probability == pytest.approx(0.9835, abs=0.003)
    assert seen_only[1].median_s / everything[1].median_s == pytest.approx(1.021, abs=0.006)
    status = StatusFit(PENDING, "marketplace", int(shown.sum()), seen_only)
    here = _stays(entered[shown], seen[shown], delay[shown], cause[shown])
    cancel, withdraw = unseen_returns(truth.rules, status, here).causes
    assert withdraw.probability == pytest.approx(everything[1].probability, rel=0.002)
    assert withdraw.median_s == pytest.approx(everything[1].median_s, rel=0.004)
    assert cancel.probability == pytest.approx(everything[0].probability, rel=0.002)
    assert withdraw.why.endswith("which the log cannot show")
    assert math.isclose(cancel.median_s, seen_only[0].median_s)


def test_a_delay_kept_from_the_base_scenario_is_not_shifted(truth: Scenario) -> None:
    # Fewer than 20 withdrawals: their delay is the base's (6 h), only the share is corrected.
    cancel = CauseFit("cancel", 800, 1000, 0.8, "exponential", (14400.0, 0.0), "fitted")
    withdraw = CauseFit(
        "withdraw_cancellation", 12, 1000, 0.2, "exponential", (21600.0, 0.0), "kept"
    )
    status = StatusFit(PENDING, "marketplace", 1000, (cancel, withdraw))
    entered = np.arange(1000) * 1000.0
    delay = np.full(1000, 3600.0)
    here = _stays(
        entered,
        np.ceil(entered / PERIOD) * PERIOD,
        delay,
        np.r_[np.ones(12, int), np.zeros(988, int)],
    )
    _, found = unseen_returns(truth.rules, status, here).causes
    assert found.params == (21600.0, 0.0)
    assert found.why.startswith("kept; share corrected for the visits that went back to ")
    # q = 0.0205 (as above): 0.2 / (1 - q + 0.2 q) = 0.20335.
    assert found.probability == pytest.approx(0.20335, abs=1e-4)
