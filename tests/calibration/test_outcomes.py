"""The calibrated scenario, simulated again, ends the way the original does.

The baseline's store (tests/calibration/conftest.py) is calibrated back into a scenario; runs of
it and runs of the original, each with seeds of their own, give the outcomes a merchant reads:
the lost share, the median time to ship and the share of orders a timer cancelled. The
calibrated runs' mean lies inside the interval where 95 % of the original's runs fall, and so
does the store's own figure (it is one run of the original).
"""

from __future__ import annotations

import pytest

from engine.store import open_store
from simulator.scenario.values import Scenario
from tests.calibration.conftest import DAYS
from workspace.calibrated import (
    LOST,
    OUTCOMES,
    TIMERS,
    TO_SHIP,
    Interval,
    from_store,
    intervals,
    replications,
    store_outcomes,
)

RUNS = 3


@pytest.fixture(scope="module")
def calibrated(truth: Scenario, store_url: str) -> Scenario:
    with open_store(store_url) as store:
        return from_store(store, truth.rules, truth).scenario


@pytest.fixture(scope="module")
def original(truth: Scenario) -> dict[str, Interval]:
    return intervals(replications(truth, DAYS, 11, RUNS))


def test_the_calibrated_runs_end_inside_the_originals_intervals(
    calibrated: Scenario, original: dict[str, Interval]
) -> None:
    again = replications(calibrated, DAYS, 13, RUNS)
    for name in OUTCOMES:
        mean = sum(r[name] for r in again) / RUNS
        assert original[name].holds(mean), (name, mean, original[name])
    # The figures are the merchant's: a few percent lost, a day to ship, a timer now and then.
    assert 5 < original[LOST].mean < 25
    assert 15 < original[TO_SHIP].mean < 35
    assert 1 < original[TIMERS].mean < 10


def test_the_store_itself_is_inside_the_originals_intervals(
    truth: Scenario, store_url: str, original: dict[str, Interval]
) -> None:
    with open_store(store_url) as store:
        figures = store_outcomes(store, truth.rules)
    for name in OUTCOMES:
        assert original[name].holds(figures[name]), (name, figures[name], original[name])
