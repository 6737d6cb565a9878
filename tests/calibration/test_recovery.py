"""Parameter recovery: a known scenario pushed through the polls and the engine into a store, then
calibrated back from the store's event log.

The baseline scenario's ten days (about 4,100 orders) are written into a store by the demo
store's code path (`orderflow simulate --store`; tests/calibration/conftest.py), then
`calibration` fits them. Every figure
fitted from enough orders is held to the issue's tolerances (rates and shares within 2 %
relative, delay medians within 5 %); a figure from fewer orders to the same tolerance or three
standard errors of its estimate at that count, whichever is wider (at this size a 1 % share is
seen some 40 times: sampling alone moves it by 15 %). The truth is the scenario file's figures.

What the log cannot show directly is recovered through the statuses an order may cross unseen
between two polls (`calibration.hidden`): between two polls the engine reads the shortest legal
path, so an order that went through `ValidatedFianet`, or through `PaymentInProgress` to a refused
payment, unseen, reads as if it had gone straight on from `AcceptedBySeller`; the fit sums over
those paths, and the hidden branches come back to their shares. The seller's refunds change no
status at all: kept from the base.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from calibration.calibrate import calibrate, read_store
from calibration.competing import CauseFit
from calibration.fitted import Calibrated
from engine.store import open_store
from simulator.scenario.values import Scenario
from tests.calibration.conftest import DAYS

SHARE, MEDIAN = 0.02, 0.05  # the issue's tolerances, relative
HOUR = 3600.0


@pytest.fixture(scope="module")
def fitted(truth: Scenario, store_url: str) -> Calibrated:
    with open_store(store_url) as store:
        source = read_store(store, truth.rules)
    return calibrate(source, truth.rules, truth)


def test_the_store_is_read_at_every_poll_the_sweep_in_the_fetch_due_at_midnight(
    truth: Scenario, store_url: str
) -> None:
    # The store keeps the last day's fetch runs: 95 incremental fetches, and at each midnight
    # a sweep of five one-day pieces (and the run's closing one) instead of the fetch due. Only
    # the pieces that reached the moment they ran are polls: every 15 minutes, both midnights in.
    with open_store(store_url) as store:
        polls = np.unique(read_store(store, truth.rules).polls)
    assert str(polls[0]) == "2026-01-14T00:00:00.000000"
    assert str(polls[-1]) == "2026-01-15T00:00:00.000000"
    assert len(polls) == 97
    assert set(np.diff(polls).astype("timedelta64[s]").astype(int)) == {900}


def share_tolerance(p: float, n: int) -> float:
    return max(SHARE, 3.0 * math.sqrt(p * (1.0 - p) / n) / p)


def median_tolerance(sigma: float, events: int) -> float:
    # The sample median's standard error, relative: 1.2533 sigma / sqrt(n) for a log-normal.
    return max(MEDIAN, 3.0 * 1.2533 * sigma / math.sqrt(events))


def cause(found: Calibrated, who: str, status: str, name: str) -> CauseFit:
    fit = found.cause(who, status, name)
    assert fit is not None, f"{who} {status} {name} was not fitted"
    return fit


def relative(value: float, true: float) -> float:
    return abs(value - true) / true


def test_the_daily_rate_and_its_profile_are_recovered(fitted: Calibrated) -> None:
    arrivals = fitted.arrivals
    assert fitted.days == DAYS and arrivals.orders == 4130
    assert relative(arrivals.per_day, 400.0) <= SHARE
    # The evening peak (20:00, weight 2.0 of a mean 1.03) and the quiet Monday-first week.
    assert max(range(24), key=lambda h: arrivals.hourly[h]) == 20
    assert max(range(7), key=lambda d: arrivals.weekly[d]) == 0


# (who, status, name, true probability, true median in hours, true sigma; 1.0 for exponential)
RECOVERED = [
    ("seller", "WaitingForSellerAcceptation", "accept", 0.93, 2.0, 1.0),
    ("seller", "WaitingForSellerAcceptation", "refuse", 0.04, 3.0, 1.0),
    ("seller", "WaitingForShipmentAcceptation", "ship", 0.975, 20.0, 0.6),
    ("marketplace", "PaymentInProgress", "confirm_payment", 0.96, 20 / 60 * math.log(2), 1.0),
    ("marketplace", "ShippedBySeller", "confirm_shipment", 1.0, 0.25 * math.log(2), 1.0),
    ("marketplace", "AcceptedBySeller", "cancel_before_payment", 0.015, 2 * math.log(2), 1.0),
    ("marketplace", "WaitingForShipmentAcceptation", "request_cancellation", 0.02, 24 * 0.693, 1),
    ("marketplace", "AvailableOnStore", "pick_up", 0.9, 48.0, 0.8),
]


@pytest.mark.parametrize(("who", "status", "name", "p", "median_h", "sigma"), RECOVERED)
def test_each_share_and_delay_median_is_recovered(
    fitted: Calibrated, who: str, status: str, name: str, p: float, median_h: float, sigma: float
) -> None:
    found = cause(fitted, who, status, name)
    assert relative(found.probability, p) <= share_tolerance(p, found.at_risk)
    assert relative(found.median_s / HOUR, median_h) <= median_tolerance(sigma, found.events)


def test_the_well_supported_figures_meet_the_issue_tolerances_themselves(
    fitted: Calibrated,
) -> None:
    # More than a thousand stays each: sampling is well inside 2 % and 5 % here.
    for who, status, name, p, median_h, _ in RECOVERED:
        found = cause(fitted, who, status, name)
        if found.events < 1000:
            continue
        assert relative(found.probability, p) <= SHARE, name
        assert relative(found.median_s / HOUR, median_h) <= MEDIAN, name


def test_the_field_mix_and_the_fulfilled_share_are_recovered(fitted: Calibrated) -> None:
    (mix,) = fitted.fields
    counts = dict(mix.shares)
    assert mix.field == "delivery_mode" and mix.missing == 0
    n = mix.orders
    for code, weight in (("STD", 40), ("TRK", 28), ("REL", 10)):
        p = weight / 100.0
        assert relative(counts[code] / n, p) <= share_tolerance(p, n), code
    assert fitted.fulfilled is not None
    done, known = fitted.fulfilled
    assert relative(done / known, 0.08) <= share_tolerance(0.08, known)


# The statuses left only by payment and customer happenings, all exponential in the scenario:
# (status, trigger, true probability, true mean in minutes).
HIDDEN = [
    ("AcceptedBySeller", "validate_fianet", 0.2, 30.0),
    ("AcceptedBySeller", "start_payment", 0.755, 10.0),
    ("AcceptedBySeller", "refuse_payment", 0.03, 60.0),
    ("AcceptedBySeller", "cancel_before_payment", 0.015, 120.0),
    ("ValidatedFianet", "start_payment", 0.97, 10.0),
    ("ValidatedFianet", "refuse_payment", 0.02, 60.0),
    ("ValidatedFianet", "cancel_before_payment", 0.01, 120.0),
    ("PaymentInProgress", "refuse_payment", 0.03, 30.0),
    ("PaymentInProgress", "cancel_before_payment", 0.01, 60.0),
    ("PaymentInProgress", "confirm_payment", 0.96, 20.0),
]


@pytest.mark.parametrize(("status", "name", "p", "mean_min"), HIDDEN)
def test_the_branches_an_order_may_cross_unseen_are_recovered(
    fitted: Calibrated, status: str, name: str, p: float, mean_min: float
) -> None:
    found = cause(fitted, "marketplace", status, name)
    # Visits, not seen stays: every accepted order visits AcceptedBySeller and a fifth of them
    # ValidatedFianet, seen or not (`at_risk` counts the stays a poll saw).
    accepted = cause(fitted, "marketplace", "AcceptedBySeller", "start_payment").at_risk
    visits = {"AcceptedBySeller": accepted, "ValidatedFianet": accepted * 0.2}.get(
        status, accepted * 0.985
    )
    assert found.shape == "exponential"
    assert relative(found.probability, p) <= share_tolerance(p, int(visits)), found.probability
    # An exponential's fitted mean: relative standard error 1 / sqrt(events).
    tolerance = max(MEDIAN, 3.0 / math.sqrt(max(p * visits, 1.0)))
    assert relative(found.median_s / 60.0, mean_min * math.log(2)) <= tolerance, found.median_s


def test_the_hidden_branch_is_no_longer_undercounted(fitted: Calibrated) -> None:
    # Read stay by stay, a fifth of accepted orders through ValidatedFianet came out below 15 %
    # (the passes between two polls read as AcceptedBySeller -> PaymentInProgress) and the
    # payment refused at AcceptedBySeller above 3.6 %: both are back within sampling now.
    hidden = cause(fitted, "marketplace", "AcceptedBySeller", "validate_fianet")
    assert 0.18 < hidden.probability < 0.22
    direct = cause(fitted, "marketplace", "AcceptedBySeller", "refuse_payment")
    assert direct.probability < 0.03 * 1.2
    seen = cause(fitted, "marketplace", "PaymentInProgress", "refuse_payment")
    assert seen.median_s / HOUR < 0.5 * math.log(2) * 1.3


def test_what_no_status_change_shows_is_kept_from_the_base(fitted: Calibrated) -> None:
    refunds = [f for f in fitted.seller if f.status == "Shipped"]
    assert [k.reason for f in refunds for k in f.kept] == [
        "kept from the base scenario: the action changes no status, the log cannot show it"
    ]
