"""Orders first seen past their creation are timed from the poll before (`calibration.first_seen`).

A hand-made log: orders created uniformly over five days, polled every 15 minutes, each one
cancelled by its customer after an exponential delay of mean 1 h. An order cancelled before any
poll saw it is written as the engine writes it: an inferred creation stamped at the cancellation,
then the cancellation, observed. About one order in nine is such a quick one; leaving them out,
as their entries are unbounded in `analytics.censoring`, keeps the longer delays only.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.censoring import entries
from analytics.eventlog import prepare
from calibration.calibrate import StoreLog, calibrate
from calibration.first_seen import first_seen_entries
from simulator.scenario.values import Scenario

START = np.datetime64("2026-01-05T00:00:00", "s")
PERIOD = 900  # s: the cdiscount rules' poll period
ORDERS = 12_000
MEAN = 3600.0


def _log(truth: Scenario) -> tuple[StoreLog, int]:
    """The log, its polls, and how many orders were cancelled before a poll saw them."""
    rng = np.random.default_rng(4)
    # The first order at the first poll: the polls ran from the log's start.
    created = np.sort(np.r_[0.0, rng.uniform(0.0, 5 * 86400.0, ORDERS - 1)]).round()
    cancelled = created + rng.exponential(MEAN, ORDERS).round() + 1.0
    quick = cancelled < np.ceil(created / PERIOD) * PERIOD
    rows: list[tuple[object, ...]] = []
    for i in range(ORDERS):
        at = cancelled[i] if quick[i] else created[i]
        rows.append((f"O{i}", 0, None, "WaitingForSellerAcceptation", "create", "marketplace",
                     bool(quick[i]), at))  # fmt: skip
        rows.append((f"O{i}", 1, "WaitingForSellerAcceptation",
                     "CancelledBeforeNotificationByCustomer", "cancel_before_notification",
                     "customer", False, cancelled[i]))  # fmt: skip
    frame = pd.DataFrame(
        rows, columns=["order_id", "seq", "from_status", "to_status", "trigger", "actor",
                       "inferred", "at"],
    )  # fmt: skip
    frame.insert(0, "marketplace", truth.rules.marketplace.code)
    frame.insert(7, "source", "fetch")
    frame["at"] = pd.to_datetime(START + frame["at"].to_numpy().astype("timedelta64[s]"), utc=True)
    polls = START + np.arange(0, 6 * 86400 + 1, PERIOD).astype("timedelta64[s]")
    return StoreLog(frame, polls.astype("datetime64[us]")), int(quick.sum())


def test_orders_cancelled_before_any_poll_are_timed_from_the_poll_before(truth: Scenario) -> None:
    source, quick = _log(truth)
    log = prepare(source.frame, [truth.rules], polls=source.polls)
    assert 0.09 * ORDERS < quick < 0.14 * ORDERS
    # analytics' rule: each quick order's creation is unbounded ...
    assert int((~entries(log).bounded).sum()) == quick
    # ... here it lies after the poll before its first sight, and every order is timed.
    found = first_seen_entries(log)
    assert bool(found.bounded.all())
    first = np.flatnonzero(log["seq"].to_numpy() == 0)
    wait = (found.high[first] - found.low[first]) / np.timedelta64(1, "s")
    assert float(wait.max()) <= PERIOD
    fit = calibrate(source, truth.rules).cause(
        "marketplace", "WaitingForSellerAcceptation", "cancel_before_notification"
    )
    assert fit is not None
    assert fit.events == ORDERS
    assert fit.shape == "exponential"
    assert fit.probability == pytest.approx(1.0, abs=0.005)
    assert fit.median_s == pytest.approx(MEAN * math.log(2.0), rel=0.03)
