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
rates maximise the sum, by SciPy's L-BFGS-B on their logits and logarithms, with the exact
gradient (`calibration.chain`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from analytics.censoring import entries
from analytics.eventlog import CASE, seconds
from calibration.chain import STEPS, Chain
from calibration.stays import positions
from engine.model.definition import Actor, RuleSet

HAPPENING_ACTORS = frozenset({Actor.MARKETPLACE, Actor.CUSTOMER, Actor.PAYMENT})
ROUNDS = 200  # quasi-Newton steps at most
WIDE = math.log(1.05)  # the bins of the time seen at a status past one period
# A step gaining less log-likelihood than this (over all segments) ends the search: far below
# what sampling noise moves it by.
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
    chain: Chain, log: pd.DataFrame, polls: np.ndarray, end: np.datetime64, step: float
) -> _Segments:
    found = entries(log)
    origin = np.datetime64("1970-01-01T00:00:00", "us")
    at = seconds(found.estimate - origin)
    observed = found.observed & found.bounded
    case = log[CASE].to_numpy()
    seen = np.flatnonzero(observed)
    poll_s = seconds(polls - origin) if len(polls) else np.zeros(0)
    scode = positions(log["to_status"], chain.statuses)
    tcode = positions(log["to_status"], chain.targets)
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


def _loglik(
    chain: Chain, seg: _Segments, theta: np.ndarray, step: float
) -> tuple[float, np.ndarray]:
    """The log-likelihood per segment (so that the optimiser's steps do not scale with the
    log's size) and its gradient in `theta`: through the grid's densities (`Chain`), and through
    the chance to be still at the status after the time seen there."""
    shares, rates = chain.split(theta)
    grid, pullback = chain.into_and_pullback(shares, rates, step)
    n = len(chain.states)
    decay = np.exp(-rates[None, :] * seg.elapsed[:, None]) * (seg.status[:, None] == chain.of)
    alive = shares * decay
    column = np.where(seg.kind == 1, len(chain.targets) + seg.target, seg.target)
    scale = np.where(seg.kind == 1, 1.0 / np.maximum(seg.k * step, step), 1.0)
    at = np.ravel_multi_index((seg.k[:, None], np.arange(n)[None, :], column[:, None]), grid.shape)
    pick = np.where(seg.kind[:, None] == 2, 1.0, grid.ravel()[at] * scale[:, None])
    value = np.maximum((alive * pick).sum(axis=1), 1e-300)
    weight = seg.count / seg.count.sum()
    each = weight / value
    through = np.where(seg.kind[:, None] == 2, 0.0, (each * scale)[:, None] * alive)
    onto = np.bincount(at.ravel(), weights=through.ravel(), minlength=grid.size)
    # einsum's own loops, not BLAS: its threads cost more than they save on these sizes.
    natural = pullback(onto.reshape(grid.shape))
    natural[:n] += np.einsum("s,sj->j", each, pick * decay)
    natural[n:] -= np.einsum("s,sj->j", each * seg.elapsed, pick * alive)
    total = float(np.einsum("s,s->", weight, np.log(value)))
    return total, chain.jacobian(theta).T @ natural


def fit_block(
    rules: RuleSet, log: pd.DataFrame, polls: np.ndarray, end: np.datetime64
) -> tuple[Branch, ...]:
    """Every branch of the rules' block (see the module), fitted from a prepared log."""
    table = block(rules)
    if not table:
        return ()
    chain = Chain(table)
    step = rules.schedule.every_seconds / STEPS
    seg = _segments(chain, log, polls, end, step)
    if not len(seg.count):
        return ()
    theta = np.r_[np.zeros(len(chain.states)), np.full(len(chain.states), -math.log(900.0))]
    theta = _maximise(lambda t: _loglik(chain, seg, t, step), theta, GAIN / seg.count.sum())
    shares, rates = chain.split(theta)
    return tuple(
        Branch(s, g, d, float(shares[i]), float(1.0 / rates[i]))
        for i, (s, g, d) in enumerate(chain.states)
    )


def _maximise(
    f: Callable[[np.ndarray], tuple[float, np.ndarray]], x: np.ndarray, tolerance: float
) -> np.ndarray:
    """The maximum of `f` (a value and its gradient) by SciPy's L-BFGS-B from `x`, for at most
    ROUNDS steps, until a step gains less than `tolerance` (L-BFGS-B's `ftol` is relative to
    the value: taken at the start, the likelihood moves little from there)."""

    def negated(p: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = f(p)
        return -value, -gradient

    scale = max(abs(f(x)[0]), 1.0)
    found = minimize(
        negated,
        x,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": ROUNDS, "ftol": tolerance / scale, "gtol": 0.0},
    )
    return np.asarray(found.x)
