"""The statuses an order may pass through unseen between two polls: their branches, fitted whole.

Some statuses are left only by happenings (the payment's, the customer's): no seller action, no
timer. Where several of them follow one another (AcceptedBySeller, ValidatedFianet,
PaymentInProgress on Cdiscount) an order often crosses two or three between two polls, and the
engine writes the shortest legal path: a pass through ValidatedFianet, or a payment refused at
PaymentInProgress, reads as a direct branch. Stay by stay, such a fit (`calibration.competing`)
undercounts the hidden branches and sees only the long stays of the hidden statuses.

So this *block* is fitted as one process: each visit to a status draws one cause with its share
and leaves after its delay, taken exponential (at poll resolution, the stays are shorter than the
period: their shape cannot be told apart, their rate can), into the next status, where the same
happens. The log constrains each order's path only where it was seen: an *observed* entry into a
status at its exact time, and the polls before it, at which the order still sat at the previous
observed status. The likelihood of each such segment sums over every path the block allows
between the two (the engine's shortest one and the longer, hidden ones): the chance to be still
at the status at the last poll, times the density of entering the next observed status exactly
then (`exp(Q u)` of the block's generator over the unseen time `u`). An order that entered the
block unseen (its entry inferred) entered it at an instant taken uniform in that unseen time.
An order still in the block at the log's end adds its chance to be still there. The shares and
rates maximise the sum, by SciPy's BFGS on their logarithms.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import expm
from scipy.optimize import minimize

from analytics.censoring import entries
from analytics.eventlog import CASE, seconds
from engine.model.definition import Actor, RuleSet

HAPPENING_ACTORS = frozenset({Actor.MARKETPLACE, Actor.CUSTOMER, Actor.PAYMENT})
# The grid of the unseen time over one poll period (a longer gap, where polls are missing, is
# taken at the period's end).
STEPS = 90
ROUNDS = 200  # quasi-Newton steps at most, per pass
WIDE = math.log(1.05)  # the bins of the time seen at a status past one period
SAMPLE = 16  # the first pass fits one order in SAMPLE
FINAL = ROUNDS  # steps at most on all the orders, from the first pass's maximum
# A step gaining less log-likelihood than this (over all segments) ends the search: far below
# what sampling moves it by.
GAIN = 0.05


@dataclass(frozen=True)
class Branch:
    """One cause of a block status: its trigger, target, fitted `share` and `mean_s` delay."""

    status: str
    trigger: str
    target: str
    share: float
    mean_s: float


def block(rules: RuleSet) -> dict[str, list[tuple[str, str]]]:
    """status -> its (trigger, target) happenings, for the statuses left only by happenings that
    lead to or follow another such status (a chain an order may cross between two polls)."""
    exits: dict[str, list[tuple[str, str, bool]]] = {}
    for t in rules.transitions:
        for source in t.sources:
            exits.setdefault(source, []).append((t.trigger, t.dest, t.actor in HAPPENING_ACTORS))
    only = {s: [(g, d) for g, d, _ in e] for s, e in exits.items() if all(h for *_, h in e)}
    linked = {s for s, e in only.items() for _, d in e if d in only}
    linked |= {d for s in linked for _, d in only[s] if d in only}
    return {s: only[s] for s in only if s in linked}


class _Model:
    """The block's latent states (status, drawn cause) and its generator for given parameters."""

    def __init__(self, table: dict[str, list[tuple[str, str]]]) -> None:
        self.statuses = list(table)
        self.states = [(s, g, d) for s in table for g, d in table[s]]
        self.targets = sorted({d for _, _, d in self.states})
        self.of = np.asarray([self.statuses.index(s) for s, _, _ in self.states])

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Shares (softmax of logits within each status) and rates (exp) of the states."""
        logits, rates = theta[: len(self.states)], np.exp(theta[len(self.states) :])
        shares = np.exp(logits - logits.max())
        totals = np.bincount(self.of, weights=shares, minlength=len(self.statuses))
        return shares / totals[self.of], rates

    def into(self, shares: np.ndarray, rates: np.ndarray, step: float) -> np.ndarray:
        """(grid point, state, target): `exp(Q k step) r` on the grid, and (last axis block)
        its running integral over the unseen time, for every target the block enters."""
        n = len(self.states)
        q = np.zeros((n, n))
        r = np.zeros((n, len(self.targets)))
        for i, (_, _, target) in enumerate(self.states):
            q[i, i] = -rates[i]
            r[i, self.targets.index(target)] = rates[i]
            if target in self.statuses:
                here = self.of == self.statuses.index(target)
                q[i, here] += rates[i] * shares[here]
        one = expm(q * step)
        out = np.empty((STEPS + 1, n, len(self.targets)))
        out[0] = r
        for k in range(STEPS):
            out[k + 1] = one @ out[k]
        integral = np.concatenate(
            [np.zeros((1, n, len(self.targets))), np.cumsum((out[1:] + out[:-1]) * step / 2, 0)]
        )
        return np.concatenate([out, integral], axis=2)


@dataclass(frozen=True, eq=False)
class _Segments:
    """Grouped segments: start state set (`status`), `kind` 0 seen there / 1 entered unseen /
    2 still there at the end, `target` index, unseen time on the grid `k`, `elapsed` s, `count`."""

    status: np.ndarray
    kind: np.ndarray
    target: np.ndarray
    k: np.ndarray
    elapsed: np.ndarray
    count: np.ndarray


def _segments(
    model: _Model, log: pd.DataFrame, polls: np.ndarray, end: np.datetime64, step: float
) -> _Segments:
    found = entries(log)
    origin = np.datetime64("1970-01-01T00:00:00", "us")
    at = seconds(found.estimate - origin)
    observed = found.observed & found.bounded
    status = log["to_status"].astype(str).to_numpy()
    case = log[CASE].to_numpy()
    seen = np.flatnonzero(observed)
    poll_s = seconds(polls - origin) if len(polls) else np.zeros(0)
    names = pd.Series(status)
    scode = names.map({s: i for i, s in enumerate(model.statuses)}).fillna(-1).to_numpy(np.int64)
    tcode = names.map({s: i for i, s in enumerate(model.targets)}).fillna(-1).to_numpy(np.int64)
    # The first inferred event at a block status at or after each event (n: none).
    n = len(log)
    flagged = np.where(~observed & (scode >= 0), np.arange(n), n)
    following = np.r_[np.minimum.accumulate(flagged[::-1])[::-1], n]
    a, b = seen[:-1], seen[1:]
    pair = case[a] == case[b]
    a, b = a[pair], b[pair]
    entered = following[a + 1]
    kind = np.where(scode[a] >= 0, 0, 1)
    start = np.where(kind == 0, scode[a], scode[np.minimum(entered, n - 1)])
    keep = ((kind == 0) | (entered < b)) & (tcode[b] >= 0)
    a, b, kind, start = a[keep], b[keep], kind[keep], start[keep]
    last = (
        poll_s[np.maximum(np.searchsorted(poll_s, at[b], side="left") - 1, 0)]
        if len(poll_s)
        else at[a]
    )
    since = np.maximum(last, at[a])
    k = np.minimum(np.round((at[b] - since) / step), STEPS).astype(np.int64)
    elapsed = np.where(kind == 0, np.maximum(since - at[a], 0.0), 0.0)
    # Still in the block at the end: the order's last event, observed, at a block status.
    tail = np.flatnonzero(np.r_[case[1:] != case[:-1], True] & observed & (scode >= 0))
    end_s = float(seconds(np.asarray([end - origin]))[0])
    table = pd.DataFrame(
        {
            "status": np.r_[start, scode[tail]],
            "kind": np.r_[kind, np.full(len(tail), 2)],
            "target": np.r_[tcode[b], np.zeros(len(tail), dtype=np.int64)],
            "k": np.r_[k, np.zeros(len(tail), dtype=np.int64)],
            "elapsed": np.r_[elapsed, end_s - at[tail]],
        }
    )
    table["elapsed"] = _binned(table["elapsed"].to_numpy(), step)
    grouped = table.groupby(list(table.columns)).size().reset_index(name="count")
    return _Segments(*(grouped[c].to_numpy() for c in [*table.columns, "count"]))


def _binned(elapsed: np.ndarray, step: float) -> np.ndarray:
    """Times to the grid's step up to one poll period, then on bins 5 % wide: the segments
    group on few values, and the chance to be still there moves little within a bin."""
    period = step * STEPS
    wide = period * np.exp(np.round(np.log(np.maximum(elapsed, period) / period) / WIDE) * WIDE)
    return np.where(elapsed < period, np.round(elapsed / step) * step, wide)


def _loglik(model: _Model, seg: _Segments, theta: np.ndarray, step: float) -> float:
    shares, rates = model.split(theta)
    grid = model.into(shares, rates, step)
    n_t = len(model.targets)
    total = 0.0
    for x in range(len(model.statuses)):
        states = np.flatnonzero(model.of == x)
        pick = seg.status == x
        kind, k, count = seg.kind[pick], seg.k[pick], seg.count[pick]
        alive = shares[states] * np.exp(-rates[states] * seg.elapsed[pick][:, None])
        column = np.where(kind == 1, n_t + seg.target[pick], seg.target[pick])
        dens = (alive * grid[k[:, None], states[None, :], column[:, None]]).sum(axis=1)
        value = np.where(kind == 1, dens / np.maximum(k * step, step), dens)
        value = np.where(kind == 2, alive.sum(axis=1), value)
        total += float((count * np.log(np.maximum(value, 1e-300))).sum())
    # Per segment, so that the optimiser's steps do not scale with the log's size.
    return total / float(seg.count.sum())


def fit_block(
    rules: RuleSet, log: pd.DataFrame, polls: np.ndarray, end: np.datetime64
) -> tuple[Branch, ...]:
    """Every branch of the rules' block (see the module), fitted from a prepared log."""
    table = block(rules)
    if not table:
        return ()
    model = _Model(table)
    step = rules.schedule.every_seconds / STEPS
    seg = _segments(model, log, polls, end, step)
    if not len(seg.count):
        return ()
    theta = np.r_[np.zeros(len(model.states)), np.full(len(model.states), -math.log(900.0))]
    # First on one order in SAMPLE, where the steps are cheap, then on all from there: the
    # likelihood per segment has nearly the same shape, so a few steps finish.
    few = log[log[CASE].to_numpy() % SAMPLE == 0]
    sample = _segments(model, few, polls, end, step) if len(few) else seg
    if len(sample.count):
        theta = _maximise(
            lambda t: _loglik(model, sample, t, step), theta, GAIN / sample.count.sum()
        )
    theta = _maximise(lambda t: _loglik(model, seg, t, step), theta, GAIN / seg.count.sum(), FINAL)
    shares, rates = model.split(theta)
    return tuple(
        Branch(s, g, d, float(shares[i]), float(1.0 / rates[i]))
        for i, (s, g, d) in enumerate(model.states)
    )


def _maximise(
    f: Callable[[np.ndarray], float], x: np.ndarray, tolerance: float, rounds: int = ROUNDS
) -> np.ndarray:
    """`f`'s maximum by SciPy's L-BFGS-B (finite-difference gradients) from `x`, for at most
    `rounds` steps, until a step gains less than `tolerance` (L-BFGS-B's `ftol` is relative to
    the value: taken at the start, the likelihood moves little from there)."""
    scale = max(abs(f(x)), 1.0)
    found = minimize(
        lambda p: -f(p),
        x,
        method="L-BFGS-B",
        options={"maxiter": rounds, "ftol": tolerance / scale, "gtol": 0.0},
    )
    return np.asarray(found.x)
