"""Delay distributions: vectorised draws from the given generator, recovering their parameters."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.scenario.distributions import (
    Empirical,
    Exponential,
    Fixed,
    LogNormal,
    choose,
    whole_seconds,
)

N = 200_000


def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


def test_exponential_mean_is_recovered() -> None:
    draws = Exponential(7200.0).draw(rng(), N)
    assert draws.shape == (N,)
    assert draws.mean() == pytest.approx(7200.0, rel=0.01)


def test_lognormal_median_and_spread_are_recovered() -> None:
    draws = LogNormal(3600.0, 0.8).draw(rng(), N)
    assert np.median(draws) == pytest.approx(3600.0, rel=0.02)
    assert np.log(draws).std() == pytest.approx(0.8, rel=0.02)
    assert LogNormal(3600.0, 0.8).expected() == pytest.approx(3600.0 * math.exp(0.32))


def test_fixed_is_always_the_same() -> None:
    assert set(Fixed(900.0).draw(rng(), 10).tolist()) == {900.0}


def test_empirical_follows_its_weights() -> None:
    draws = Empirical((60.0, 600.0), (1.0, 3.0)).draw(rng(), N)
    assert np.mean(draws == 600.0) == pytest.approx(0.75, abs=0.005)
    assert set(np.unique(draws).tolist()) == {60.0, 600.0}


def test_the_same_seed_draws_the_same_delays() -> None:
    a = LogNormal(60.0, 1.0).draw(np.random.default_rng(7), 5)
    b = LogNormal(60.0, 1.0).draw(np.random.default_rng(7), 5)
    assert a.tolist() == b.tolist()


def test_whole_seconds_keep_changes_strictly_ordered() -> None:
    assert whole_seconds(np.array([0.0, 0.4, 1.6, 59.5])).tolist() == [1, 1, 2, 60]


def test_choose_leaves_the_rest_to_nothing() -> None:
    picked = choose(rng(), (0.2, 0.3), N)
    shares = np.bincount(picked, minlength=3) / N
    assert shares.tolist() == pytest.approx([0.2, 0.3, 0.5], abs=0.005)
