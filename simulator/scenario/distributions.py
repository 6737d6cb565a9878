"""Delays as distributions, drawn many at a time from one seeded generator.

A scenario says how long things take (a seller looking at a new order, a payment clearing, a
customer changing their mind) with one of four shapes: exponential, log-normal, fixed or
empirical. Each is a small frozen value whose `draw` returns a whole vector of delays in seconds
from the `numpy.random.Generator` it is handed: never a global generator, never one draw per
order in a Python loop, so a million orders cost a handful of numpy calls and a seed fixes
every value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Seconds = NDArray[np.float64]


@dataclass(frozen=True)
class Exponential:
    """Memoryless waiting, e.g. a customer who may cancel at any moment; `mean` in seconds."""

    mean: float

    def draw(self, rng: np.random.Generator, n: int) -> Seconds:
        return rng.exponential(self.mean, n)

    def expected(self) -> float:
        return self.mean

    def __str__(self) -> str:
        return f"exponential(mean={self.mean:g}s)"


@dataclass(frozen=True)
class LogNormal:
    """A skewed human delay: half the draws below `median` seconds, spread by `sigma`."""

    median: float
    sigma: float

    def draw(self, rng: np.random.Generator, n: int) -> Seconds:
        return rng.lognormal(math.log(self.median), self.sigma, n)

    def expected(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)

    def __str__(self) -> str:
        return f"lognormal(median={self.median:g}s, sigma={self.sigma:g})"


@dataclass(frozen=True)
class Fixed:
    """Always the same delay, e.g. a batch that runs every night."""

    seconds: float

    def draw(self, rng: np.random.Generator, n: int) -> Seconds:
        return np.full(n, self.seconds, dtype=np.float64)

    def expected(self) -> float:
        return self.seconds

    def __str__(self) -> str:
        return f"fixed({self.seconds:g}s)"


@dataclass(frozen=True)
class Empirical:
    """Delays observed in real data, drawn with their weights (equal weights when none given)."""

    values: tuple[float, ...]
    weights: tuple[float, ...] = ()

    def probabilities(self) -> NDArray[np.float64]:
        if not self.weights:
            return np.full(len(self.values), 1.0 / len(self.values))
        weights = np.asarray(self.weights, dtype=np.float64)
        shares: NDArray[np.float64] = weights / weights.sum()
        return shares

    def draw(self, rng: np.random.Generator, n: int) -> Seconds:
        values = np.asarray(self.values, dtype=np.float64)
        picked: Seconds = values[rng.choice(len(values), size=n, p=self.probabilities())]
        return picked

    def expected(self) -> float:
        return float(np.dot(self.values, self.probabilities()))

    def __str__(self) -> str:
        return f"empirical({len(self.values)} values)"


Distribution = Exponential | LogNormal | Fixed | Empirical

# The names a scenario file uses for each shape.
SHAPES: tuple[str, ...] = ("exponential", "lognormal", "fixed", "empirical")


def whole_seconds(delays: Seconds) -> NDArray[np.int64]:
    """Delays rounded to whole seconds, at least one: an order's events stay strictly ordered."""
    return np.maximum(np.rint(delays), 1).astype(np.int64)


def choose(rng: np.random.Generator, probabilities: tuple[float, ...], n: int) -> NDArray[np.intp]:
    """For each of `n` draws, the index of the outcome taken; `len(probabilities)` means none.

    The probabilities may sum to less than one: the rest is "nothing happens".
    """
    rest = max(0.0, 1.0 - math.fsum(probabilities))
    p = np.asarray((*probabilities, rest), dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum())
