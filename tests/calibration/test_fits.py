"""The fits on data drawn from known distributions: what they recover, against the generator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calibration import shapes
from calibration.arrivals import fit_arrivals
from calibration.competing import Delays, fit
from calibration.polls import poll_grid


@pytest.mark.parametrize("a", [-6.0, -2.5, -0.3, 0.0, 0.7, 2.0, 5.0, 9.0])
def test_the_normal_tail_matches_the_standard_library(a: float) -> None:
    expected = 0.5 * math.erfc(a / math.sqrt(2.0))
    (found,) = shapes.upper_tail(np.asarray([a]))
    assert found == pytest.approx(expected, rel=2e-7, abs=1e-300)
    density = math.exp(-a * a / 2) / math.sqrt(2 * math.pi)
    assert shapes.mills(np.asarray([a]))[0] == pytest.approx(density / expected, rel=2e-7)


def test_two_causes_racing_a_censoring_are_recovered() -> None:
    # 60 % end by an exponential (mean 1 h), 30 % by a log-normal (median 2 h, sigma 0.5), 10 %
    # never; each stay is cut at a uniform instant within 5 h (another process, the log's end).
    rng = np.random.default_rng(3)
    n = 40_000
    chosen = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    latent = np.where(
        chosen == 0,
        rng.exponential(3600.0, n),
        np.where(chosen == 1, rng.lognormal(math.log(7200.0), 0.5, n), np.inf),
    )
    cut = rng.uniform(0.0, 5 * 3600.0, n)
    ended = latent <= cut
    length = np.where(ended, latent, cut)
    cause = np.where(ended, chosen, -1)
    first, second = fit(Delays(length, length, cause), ("fast", "slow"))
    assert (first.shape, second.shape) == ("exponential", "lognormal")
    assert first.probability == pytest.approx(0.6, rel=0.02)
    assert second.probability == pytest.approx(0.3, rel=0.03)
    assert first.median_s == pytest.approx(3600.0 * math.log(2), rel=0.03)
    assert second.median_s == pytest.approx(7200.0, rel=0.03)
    # Without the censored stays' share of each cause, the naive shares are far off.
    assert (cause == 1).mean() < 0.25


def test_a_delay_known_only_between_two_polls_is_fitted_from_its_bounds() -> None:
    # Every delay is seen only as the 15-minute poll interval it fell in.
    rng = np.random.default_rng(5)
    latent = rng.exponential(600.0, 20_000)
    low = np.floor(latent / 900.0) * 900.0
    (only,) = fit(Delays(low, low + 900.0, np.zeros(latent.size, dtype=np.int64)), ("x",))
    assert only.shape == "exponential"
    assert only.probability == pytest.approx(1.0)
    assert only.median_s == pytest.approx(600.0 * math.log(2), rel=0.03)


def test_a_cause_racing_exits_seen_only_between_two_polls_is_not_overcounted() -> None:
    # A tenth of the stays draw a cause (exponential, mean 2 h) that races another exit
    # (log-normal, median 2 h), seen only between the poll before it and the poll after.
    # Censored at the lower bound, the stays the other exit took read as left up to a period
    # early, and the cause came out 4.2 % likelier than with the exact exits.
    rng = np.random.default_rng(1)
    n = 40_000
    drawn = rng.random(n) < 0.1
    latent = rng.exponential(7200.0, n)
    other = rng.lognormal(math.log(7200.0), 1.0, n)
    ended = drawn & (latent < other)
    after = np.ceil(other / 900.0) * 900.0
    cause = np.where(ended, 0, -1)
    length = np.where(ended, latent, other)
    (exact,) = fit(Delays(length, length, cause), ("cancel",))
    low, high = np.where(ended, latent, after - 900.0), np.where(ended, latent, after)
    (polled,) = fit(Delays(low, high, cause), ("cancel",))
    assert exact.probability == pytest.approx(0.1, rel=0.03)
    assert polled.probability == pytest.approx(exact.probability, rel=0.002)
    assert polled.median_s == pytest.approx(exact.median_s, rel=0.005)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_an_exponential_cause_the_other_exits_mostly_beat_is_fitted_exponential(seed: int) -> None:
    # 2 % of the stays draw a cause with a mean of a day; 99 % of them leave first by another
    # exit (median 20 h), the rest at a 7-day timer. The cause's late events come from the few
    # stays still there, so its nonparametric estimate swings by twice what as many events
    # would without censoring: held to that, every seed called the exponential a misfit.
    rng = np.random.default_rng(seed)
    n = 100_000
    drawn = rng.random(n) < 0.02
    latent = rng.exponential(86400.0, n)
    other = np.where(rng.random(n) < 0.99, rng.lognormal(math.log(72000.0), 0.3, n), 7 * 86400.0)
    ended = drawn & (latent < other)
    length = np.where(ended, latent, other)
    (found,) = fit(Delays(length, length, np.where(ended, 0, -1)), ("request",))
    assert found.shape == "exponential"


def test_the_poll_grid_carries_the_recorded_polls_over_the_whole_log() -> None:
    def at(text: str) -> np.datetime64:
        return np.datetime64(f"2026-01-05T{text}", "us")

    known = np.asarray([at("10:00"), at("10:15")])
    grid = poll_grid(known, 900, at("09:20"), at("10:50"))
    assert [str(t)[11:16] for t in grid] == [
        "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00",
    ]  # fmt: skip


def test_the_arrival_profile_is_the_one_drawn() -> None:
    # Two weeks of a rate of 240 a day, twice as busy from 12:00 to 24:00 and on Saturdays.
    rng = np.random.default_rng(9)
    start = 1_767_571_200.0  # 2026-01-05 00:00 UTC, a Monday
    hourly = np.r_[np.ones(12), 2 * np.ones(12)]
    weekly = np.r_[np.ones(5), 2.0, 1.0]
    times = []
    for hour in range(14 * 24):
        rate = 10.0 * hourly[hour % 24] * weekly[(hour // 24) % 7]
        count = rng.poisson(rate)
        times.append(start + hour * 3600.0 + rng.uniform(0, 3600.0, count))
    found = fit_arrivals(np.concatenate(times), start, start + 14 * 86400.0)
    mean_h, mean_w = hourly.mean(), weekly.mean()
    assert found.per_day == pytest.approx(240.0 * mean_h * mean_w, rel=0.02)
    assert found.hourly[3] == pytest.approx(1 / mean_h, rel=0.1)
    assert found.hourly[15] == pytest.approx(2 / mean_h, rel=0.1)
    assert found.weekly[5] == pytest.approx(2 / mean_w, rel=0.05)
