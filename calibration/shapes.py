"""The two delay shapes a fit tries, as the maximum-likelihood steps of an EM over censored data.

A fitted delay is exponential (memoryless: a customer who may cancel at any moment) or
log-normal (a skewed human delay), the shapes `simulator.scenario.distributions` draws. Each
step here takes the delays a cause was seen to end (`done`) and the stays it was still pending
at their end (`pending`, with the weight the EM gives it of being this cause's), and returns the
parameters that maximise the expected likelihood: for the exponential the memoryless mean, for
the log-normal the moments of the normal truncated at each censoring point. numpy only: the
normal's tail comes from a rational approximation of erfc (relative error below 1.2e-7), which
also gives the inverse Mills ratio without dividing two vanishing numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SQRT2 = math.sqrt(2.0)
SQRT2PI = math.sqrt(2.0 * math.pi)
_ERFC = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
         0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277)  # fmt: skip


def _erfc_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """erfc(|x|) = t * exp(-x^2 + poly(t)): returns (t, poly) (Numerical Recipes' erfcc)."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = np.zeros_like(t)
    for c in reversed(_ERFC):
        poly = poly * t + c
    return t, poly


def upper_tail(a: np.ndarray) -> np.ndarray:
    """P(Z > a) for a standard normal Z."""
    t, poly = _erfc_parts(a / SQRT2)
    half = 0.5 * t * np.exp(-(a * a) / 2.0 + poly)
    return np.asarray(np.where(a >= 0, half, 1.0 - half), dtype=np.float64)


def mills(a: np.ndarray) -> np.ndarray:
    """phi(a) / P(Z > a), computed stably in the far tail."""
    t, poly = _erfc_parts(a / SQRT2)
    far = 1.0 / (SQRT2PI * 0.5 * t * np.exp(poly))  # for a >= 0: the exp(-a^2/2) cancel
    near = np.exp(-(a * a) / 2.0) / SQRT2PI / np.maximum(upper_tail(a), 1e-300)
    return np.asarray(np.where(a >= 0, far, near), dtype=np.float64)


def survival(shape: str, params: tuple[float, float], t: np.ndarray) -> np.ndarray:
    """P(T > t) of an `exponential` (mean) or `lognormal` (mu, sigma of log T) delay."""
    if shape == "exponential":
        return np.asarray(np.exp(-t / params[0]), dtype=np.float64)
    mu, sigma = params
    return upper_tail((np.log(np.maximum(t, 1e-9)) - mu) / sigma)


def log_density(shape: str, params: tuple[float, float], t: np.ndarray) -> np.ndarray:
    if shape == "exponential":
        return np.asarray(-np.log(params[0]) - t / params[0], dtype=np.float64)
    mu, sigma = params
    y = np.log(np.maximum(t, 1e-9))
    return np.asarray(-(((y - mu) / sigma) ** 2) / 2.0 - np.log(sigma * SQRT2PI) - y, np.float64)


def interval_log(
    shape: str, params: tuple[float, float], a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """log P(a < T <= b): the likelihood of a delay known only to lie between two polls."""
    mass = survival(shape, params, a) - survival(shape, params, b)
    return np.asarray(np.log(np.maximum(mass, 1e-300)), dtype=np.float64)


BIN = 1e-3  # relative width of the bins delays are tallied in: far below any figure's error


@dataclass(frozen=True, eq=False)
class Ended:
    """The delays one cause ended: the exactly known ones as sufficient statistics (`n`, sums
    of the delay, of its log and of its log squared), the interval-censored ones as bounds
    tallied in bins of `BIN` relative width (`low`, `high`, `tally`)."""

    n: int
    sum_d: float
    sum_y: float
    sum_y2: float
    low: np.ndarray
    high: np.ndarray
    tally: np.ndarray

    @property
    def total(self) -> float:
        return self.n + float(self.tally.sum())

    @classmethod
    def of(cls, low: np.ndarray, high: np.ndarray) -> Ended:
        exact = high - low <= 1.0
        d = (low[exact] + high[exact]) / 2.0
        y = np.log(np.maximum(d, 1e-9))
        a, b, tally = tallied(low[~exact], high[~exact])
        return cls(
            int(exact.sum()), float(d.sum()), float(y.sum()), float((y * y).sum()), a, b, tally
        )


def tallied(*columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Rows grouped by the bin of each column (log scale, `BIN` wide): each group's mean
    values, then its size."""
    if not len(columns[0]):
        return (*columns, np.zeros(0))
    keys = [np.rint(np.log(np.maximum(c, 1.0)) / BIN).astype(np.int64) for c in columns]
    key = keys[0]
    for other in keys[1:]:
        key = key * (1 << 24) + other
    _, inverse, tally = np.unique(key, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    means = [np.bincount(inverse, weights=c) / tally for c in columns]
    return (*means, tally.astype(np.float64))


def loglik(shape: str, params: tuple[float, float], ended: Ended) -> float:
    """The log-likelihood of what the cause ended (its share aside)."""
    if shape == "exponential":
        value = -ended.n * math.log(params[0]) - ended.sum_d / params[0]
    else:
        mu, sigma = params
        squares = ended.sum_y2 - 2.0 * mu * ended.sum_y + ended.n * mu * mu
        value = -squares / (2 * sigma * sigma) - ended.n * math.log(sigma * SQRT2PI) - ended.sum_y
    if len(ended.low):
        value += float((ended.tally * interval_log(shape, params, ended.low, ended.high)).sum())
    return value


def step(
    shape: str,
    params: tuple[float, float],
    ended: Ended,
    pending: np.ndarray,
    weight: np.ndarray,
) -> tuple[float, float]:
    """One M-step: the parameters maximising the expected complete-data likelihood.

    `weight` is each pending delay's expected count of this cause (its tally times its chance).
    """
    total = ended.total + float(weight.sum())
    if total <= 0:
        return params
    t = ended.tally
    if shape == "exponential":
        # Memoryless: a delay pending at c is expected to end at c + mean.
        inside = _expected_exponential(params[0], ended.low, ended.high)
        spent = ended.sum_d + float((t * inside).sum())
        spent += float((weight * (pending + params[0])).sum())
        return (max(spent / total, 1.0), 0.0)
    mu, sigma = params
    y1, y2 = _expected_log_moments(mu, sigma, ended.low, ended.high)
    c = np.log(np.maximum(pending, 1e-9))
    ratio = mills((c - mu) / sigma)
    first = mu + sigma * ratio  # E[Y | Y > log c]
    second = mu * mu + sigma * sigma + sigma * (c + mu) * ratio
    m1 = (ended.sum_y + float((t * y1).sum()) + float((weight * first).sum())) / total
    m2 = (ended.sum_y2 + float((t * y2).sum()) + float((weight * second).sum())) / total
    return (m1, math.sqrt(max(m2 - m1 * m1, 1e-6)))


def start(shape: str, ended: Ended) -> tuple[float, float]:
    """Starting parameters from the delays seen to end (censoring ignored; intervals at their
    middle)."""
    total = max(ended.total, 1.0)
    middle = (ended.low + ended.high) / 2.0
    if shape == "exponential":
        return (max((ended.sum_d + float((ended.tally * middle).sum())) / total, 1.0), 0.0)
    y = np.log(np.maximum(middle, 1.0))
    m1 = (ended.sum_y + float((ended.tally * y).sum())) / total
    m2 = (ended.sum_y2 + float((ended.tally * y * y).sum())) / total
    return (m1, max(math.sqrt(max(m2 - m1 * m1, 0.0)), 0.05))


def _expected_exponential(mean: float, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """E[T | low < T <= high] of an exponential; the delay itself where it is exact."""
    sa, sb = np.exp(-low / mean), np.exp(-high / mean)
    mass = sa - sb
    inside = mean + (low * sa - high * sb) / np.maximum(mass, 1e-300)
    exact = (high - low <= 1.0) | (mass < 1e-12)
    return np.asarray(np.where(exact, (low + high) / 2.0, inside), dtype=np.float64)


def _expected_log_moments(
    mu: float, sigma: float, low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """E[Y], E[Y^2] for Y = log T with T in (low, high] (a truncated normal); exact rows as is."""
    la, lb = np.log(np.maximum(low, 1e-9)), np.log(np.maximum(high, 1e-9))
    alpha, beta = (la - mu) / sigma, (lb - mu) / sigma
    mass = upper_tail(alpha) - upper_tail(beta)
    pa, pb = np.exp(-(alpha**2) / 2.0) / SQRT2PI, np.exp(-(beta**2) / 2.0) / SQRT2PI
    safe = np.maximum(mass, 1e-300)
    y1 = mu + sigma * (pa - pb) / safe
    y2 = mu * mu + sigma * sigma + sigma * ((la + mu) * pa - (lb + mu) * pb) / safe
    exact = (high - low <= 1.0) | (mass < 1e-9)
    mid = np.log(np.maximum((low + high) / 2.0, 1e-9))
    return np.where(exact, mid, y1), np.where(exact, mid * mid, y2)


def median(shape: str, params: tuple[float, float]) -> float:
    if shape == "exponential":
        return params[0] * math.log(2.0)
    return math.exp(params[0])
