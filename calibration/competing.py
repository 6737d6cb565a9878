"""Exclusive causes racing a censoring: each cause's share and delay, fitted from what won.

At a status the scenario draws at most one happening per visit (or one seller move), with its
probability, then its delay; the order leaves by whatever comes first: that cause, another
process (the seller, a timer, another happening's process), or the end of the log. So a stay
that left some other way, or is still open, only says the cause had not come yet: it is
right-censored, and the share of a cause is *not* the share of the stays it ended. The fit is the
maximum likelihood of that mixture (a "cure" model: a cause may never come), by EM: each censored
stay is split among the causes that may still come and "none", by their chances; each cause's
delay is then fitted to what it ended plus its part of the censored stays (`calibration.shapes`).

The shape of each cause (exponential or log-normal) is the one of higher likelihood, one
parameter counted against the log-normal (AIC); the fitted cumulative share is then checked
against the Aalen-Johansen estimate, the nonparametric one under the same censoring. Where it
strays further than sampling explains (the estimate's own spread, which grows where the other
exits leave few stays at risk), the cause's delay is that empirical estimate instead.

A stay another cause ended between two polls is censored at the middle of its poll bounds:
at the lower bound, the stays the seller answered unseen would count as left earlier than they
did, and a cause racing them (a customer cancelling within hours) would look likelier than it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from calibration import shapes

SHAPES = ("lognormal", "exponential")
MAX_ROUNDS = 400
# Empirical delays are written as this many weighted points (the estimate's quantiles).
EMPIRICAL_POINTS = 40


@dataclass(frozen=True)
class CauseFit:
    """One cause's fitted `probability` and delay: `shape` exponential (params: mean seconds),
    lognormal (params: mu, sigma of the log), or empirical (`values` seconds, `weights`); from
    `events` stays it ended among `at_risk`; `why` says why this shape."""

    name: str
    events: int
    at_risk: int
    probability: float
    shape: str
    params: tuple[float, float]
    why: str
    values: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()

    @property
    def median_s(self) -> float:
        if self.shape != "empirical":
            return shapes.median(self.shape, self.params)
        cumulative = np.cumsum(self.weights) / sum(self.weights)
        return float(self.values[int(np.searchsorted(cumulative, 0.5))])


@dataclass
class _Model:
    shape: list[str]
    p: np.ndarray
    params: list[tuple[float, float]]


Fixed = dict[int, tuple[str, tuple[float, float]]]


@dataclass(frozen=True, eq=False)
class Delays:
    """The stays of one process: each one's length bounds (`low` = `high` where it is known
    exactly, or for a censored stay) and the cause that ended it (-1: censored)."""

    low: np.ndarray
    high: np.ndarray
    cause: np.ndarray

    @property
    def middle(self) -> np.ndarray:
        return np.asarray((self.low + self.high) / 2.0, dtype=np.float64)

    def ended(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        picked = self.cause == j
        return self.low[picked], self.high[picked]

    @cached_property
    def band(self) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """The Aalen-Johansen estimates with every delay at its lower, then at its upper bound:
        sorted once for every cause."""
        return _aalen_johansen(self.low, self.cause), _aalen_johansen(self.high, self.cause)


def fit(delays: Delays, names: tuple[str, ...], fixed: Fixed | None = None) -> tuple[CauseFit, ...]:
    """The causes `names` (stay `i` ended by `names[cause[i]]`, or censored where cause < 0).

    `fixed` gives the delay (shape, params) of causes too rare to fit one: only their share is
    fitted, beside the others' (the causes exclude each other: the shares sum to at most one).
    """
    low = np.maximum(np.asarray(delays.low, dtype=np.float64), 1.0)
    delays = Delays(low, np.maximum(delays.high, low), delays.cause)
    k = len(names)
    fixed = fixed or {}
    counts = np.bincount(delays.cause[delays.cause >= 0], minlength=k)
    model = _best(delays, k, counts, fixed)
    return tuple(_checked(names[j], j, model, delays, counts, j in fixed) for j in range(k))


def _best(delays: Delays, k: int, counts: np.ndarray, fixed: Fixed) -> _Model:
    """All causes log-normal, then each switched to exponential where the AIC says so."""
    chosen = [fixed[j][0] if j in fixed else "lognormal" for j in range(k)]
    model, best = _em(delays, chosen, counts, fixed)
    for j in range(k):
        if counts[j] < 2 or j in fixed:
            continue
        trial = [*chosen[:j], "exponential", *chosen[j + 1 :]]
        other, value = _em(delays, trial, counts, fixed)
        if value + 1.0 >= best:  # one parameter fewer: AIC
            chosen, model, best = trial, other, value
    return model


def _em(delays: Delays, shape: list[str], counts: np.ndarray, fixed: Fixed) -> tuple[_Model, float]:
    n = len(delays.cause)
    censored, tally = shapes.tallied(delays.middle[delays.cause < 0])
    done = [shapes.Ended.of(*delays.ended(j)) for j in range(len(shape))]
    params = [
        fixed[j][1] if j in fixed else shapes.start(s, d) if d.total else (0.0, 1.0)
        for j, (s, d) in enumerate(zip(shape, done, strict=True))
    ]
    p = counts / max(n, 1)
    previous = -math.inf
    value = previous
    for _ in range(MAX_ROUNDS):
        alive = np.stack(
            [p[j] * shapes.survival(shape[j], params[j], censored) for j in range(len(shape))]
        ) if len(shape) else np.zeros((0, len(censored)))  # fmt: skip
        rest = max(1.0 - float(p.sum()), 0.0)
        total = rest + alive.sum(axis=0)
        value = float((tally * np.log(np.maximum(total, 1e-300))).sum())
        for j, ended in enumerate(done):
            if ended.total:
                value += shapes.loglik(shape[j], params[j], ended)
                value += ended.total * math.log(max(p[j], 1e-300))
        if value - previous < 1e-7 * max(abs(value), 1.0):
            break
        previous = value
        weight = tally * alive / np.maximum(total, 1e-300)
        for j in range(len(shape)):
            if counts[j] and j not in fixed:
                params[j] = shapes.step(shape[j], params[j], done[j], censored, weight[j])
        p = (counts + weight.sum(axis=1)) / n
    p = p / max(1.0, float(p.sum()))  # the causes exclude each other (rounding aside)
    return _Model(shape, p, params), value


def _aalen_johansen(durations: np.ndarray, cause: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted durations, and per cause (rows) the cumulative share it ended by each
    (Aalen-Johansen)."""
    order = np.lexsort((cause < 0, durations))  # at equal times, events before censorings
    ended = cause[order]
    n = len(durations)
    at_risk = n - np.arange(n)
    hazard = np.where(ended >= 0, 1.0 / at_risk, 0.0)
    before = np.r_[1.0, np.cumprod(1.0 - hazard)[:-1]]
    causes = np.arange(int(cause.max(initial=-1)) + 1)[:, None]
    return durations[order], np.cumsum(np.where(ended == causes, before * hazard, 0.0), axis=1)


def _step_at(times: np.ndarray, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    at = np.searchsorted(times, grid, side="right") - 1
    return np.where(at >= 0, values[np.maximum(at, 0)], 0.0)


def _gap(shape: str, params: tuple[float, float], p: float, delays: Delays, j: int) -> float:
    """How far the fitted cumulative share strays outside the nonparametric band: the
    Aalen-Johansen estimates with every bounded delay at its lower and at its upper bound."""
    (t_low, early), (t_high, late) = delays.band
    grid = np.unique(np.r_[t_low, t_high])
    fitted = p * (1.0 - shapes.survival(shape, params, grid))
    above = fitted - _step_at(t_low, early[j], grid)
    below = _step_at(t_high, late[j], grid) - fitted
    return float(max(above.max(initial=0.0), below.max(initial=0.0)))


def _spread(delays: Delays, j: int) -> float:
    """The sampling spread of cause `j`'s Aalen-Johansen estimate: the root of the sum of its
    squared jumps (each event's jump is the survival before it over the stays still at risk).
    Without censoring every jump is 1/n and this is the share over the root of the events; where
    other exits have taken most stays before the cause's late events, each of those weighs more
    and the estimate swings more."""
    (_, early), _ = delays.band
    jumps = np.diff(np.r_[0.0, early[j]])
    return math.sqrt(float((jumps * jumps).sum()))


def _checked(
    name: str, j: int, model: _Model, delays: Delays, counts: np.ndarray, kept: bool
) -> CauseFit:
    shape, params, p = model.shape[j], model.params[j], float(model.p[j])
    events, at_risk = int(counts[j]), len(delays.cause)
    if kept:
        why = f"the base scenario's delay: {events} stays are too few to fit one; share fitted"
        return CauseFit(name, events, at_risk, p, shape, params, why)
    gap = _gap(shape, params, p, delays, j) if events else 0.0
    allowed = max(0.03 * p, 1.63 * _spread(delays, j))
    other = "exponential" if shape == "lognormal" else "log-normal"
    if events == 0 or gap <= allowed:
        why = (
            f"{'log-normal' if shape == 'lognormal' else 'exponential'}: likelier than the "
            f"{other} (AIC); within {gap:.3f} of the censored nonparametric estimate"
        )
        return CauseFit(name, events, at_risk, p, shape, params, why)
    times, cumulative = _aalen_johansen(delays.middle, delays.cause)
    return _empirical(name, events, at_risk, p, times, cumulative[j], (gap, allowed))


def _empirical(
    name: str,
    events: int,
    at_risk: int,
    p: float,
    times: np.ndarray,
    cumulative: np.ndarray,
    misfit: tuple[float, float],
) -> CauseFit:
    """The delay as the nonparametric estimate's quantiles; the share stays the fitted one (the
    estimate's own stops at the longest stay, and the causes' shares must sum to at most one)."""
    gap, allowed = misfit
    share = float(cumulative[-1])
    levels = np.linspace(0.0, share, EMPIRICAL_POINTS + 1)[1:]
    at = np.minimum(np.searchsorted(cumulative, levels, side="left"), len(times) - 1)
    values, first = np.unique(times[at], return_index=True)
    marks = np.r_[levels[first][1:], share] if len(values) else np.zeros(0)
    weights = np.diff(np.r_[0.0, marks])
    kept = weights > 0
    why = (
        f"empirical: neither shape fits (the best strays {gap:.3f} from the censored "
        f"nonparametric estimate, more than {allowed:.3f}); its quantiles, as observed"
    )
    return CauseFit(
        name, events, at_risk, p, "empirical", (0.0, 0.0), why,
        tuple(float(v) for v in values[kept]), tuple(float(w) for w in weights[kept]),
    )  # fmt: skip
