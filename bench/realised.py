"""What one simulated run realised of its scenario's figures: the draws behind its truth.

A scenario's share is the chance a cause is drawn at a visit, its delay a distribution; a run
realises them with sampling noise (a branch drawn a few hundred times is off its share by 5 %
whatever fits it back). To tell how far calibration is from what it could recover, the
calibrate benchmark compares its fit with what *this* run drew, not only with the scenario.

The truth log alone cannot say it: at a status several causes race, and a draw that another exit
beat leaves no trace (a customer who would have cancelled after the seller accepted), so counting
the truth's stays ended by a cause undercounts its share (the baseline's 1 % cancellation before
notification ends 0.66 % of the stays). So `recording` keeps the draws as the simulator makes
them: around `Marketplace._happenings` (the happenings drawn at each visit, into a race of
their own, then offered to the real one: the same draws and the same winner) and
`Seller.plan` (the seller's move drawn at each visit, and the poll it runs from), without
changing what the run does. The truth's next change of each order tells when a visit ended, so
a seller's draw counts among the stays still there when a poll showed them, as the fit counts
it. No estimator runs on these: a share is draws over visits, a median is that of the
scenario's shape over the drawn delays (an exponential's mean times ln 2, a log-normal's
geometric mean: the sample median would add its own noise, 1.44 times the relative error of
the mean for an exponential).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.scenario.distributions import Distribution, Exponential, LogNormal
from simulator.world import marketplace, seller
from simulator.world.truth import NONE, Truth


@dataclass
class Draws:
    """Per (who, status, name) of a run: the visits at its risk and the delays drawn for it."""

    at_risk: dict[tuple[str, str, str], int] = field(default_factory=dict)
    delays: dict[tuple[str, str, str], list[np.ndarray]] = field(default_factory=dict)
    # Seller visits as drawn, resolved against the truth once the run is over.
    pending: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=list
    )

    def add(self, key: tuple[str, str, str], visits: int, delays: np.ndarray) -> None:
        self.at_risk[key] = self.at_risk.get(key, 0) + visits
        self.delays.setdefault(key, []).append(np.asarray(delays, dtype=np.float64))

    def share(self, key: tuple[str, str, str]) -> float | None:
        visits = self.at_risk.get(key, 0)
        return self.drawn(key).size / visits if visits else None

    def drawn(self, key: tuple[str, str, str]) -> np.ndarray:
        return np.concatenate(self.delays.get(key, [np.zeros(0)]))

    def median(self, key: tuple[str, str, str], shape: Distribution) -> float | None:
        """The median of `shape`'s family over the delays drawn for `key` (see the module)."""
        delays = self.drawn(key)
        if not delays.size:
            return None
        if isinstance(shape, LogNormal):
            return math.exp(float(np.log(delays).mean()))
        if isinstance(shape, Exponential):
            return float(delays.mean()) * math.log(2.0)
        return None

    def settle(self, truth: Truth) -> None:
        """Count the seller's draws among the visits still at their status when first polled."""
        leave = _leaving(truth)
        actions = [a.name for a in truth.rules.actions]
        for code, rows, entered, seen, action, delay in self.pending:
            left = leave(rows, entered)
            risk = (seen < seller.NEVER) & (left > seen)
            status = truth.statuses[code]
            for move in truth.rules.actions:
                if status not in move.at:
                    continue
                picked = risk & (action == actions.index(move.name))
                self.add(("seller", status, move.name), int(risk.sum()), delay[picked])
        self.pending.clear()


def _leaving(truth: Truth) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A lookup: for visits (order rows, entry times), when the order next changed (else never)."""
    key = (truth.order.astype(np.int64) << 32) | truth.time
    order = np.argsort(key)
    key = key[order]
    same = np.r_[truth.order[order][1:] == truth.order[order][:-1], False]
    after = np.where(same, np.r_[truth.time[order][1:], 0], seller.NEVER)

    def leave(rows: np.ndarray, entered: np.ndarray) -> np.ndarray:
        at = np.searchsorted(key, (rows.astype(np.int64) << 32) | entered)
        return np.asarray(after[at])

    return leave


@contextmanager
def recording() -> Iterator[Draws]:
    """The draws of every run simulated inside the block (one run at a time); call `settle`
    with the run's truth before reading the seller's."""
    draws = Draws()
    happenings, plan = marketplace.Marketplace._happenings, seller.Seller.plan

    def drawn_happenings(
        self: marketplace.Marketplace,
        code: int,
        rows: np.ndarray,
        entered: np.ndarray,
        fields: Any,
        race: marketplace.Race,
        rng: np.random.Generator,
    ) -> None:
        own = marketplace.Race(rows.size)
        happenings(self, code, rows, entered, fields, own, rng)
        won = np.flatnonzero(own.trigger != NONE)
        race.offer(won, own.time[won], own.trigger[won])
        status = self.statuses[code]
        for line in self.scenario.happenings_at.get(status, ()):
            trigger = self.triggers.index(line.trigger)
            dest, _ = self._resolve(code, np.full(rows.size, trigger, np.int16), rows, fields)
            picked = own.trigger == trigger
            draws.add(
                ("marketplace", status, line.trigger),
                int((dest != NONE).sum()),
                (own.time - entered)[picked],
            )

    def drawn_plan(
        self: seller.Seller, status: int, rows: np.ndarray, entered: np.ndarray
    ) -> seller.SellerPlan:
        found = plan(self, status, rows, entered)
        seen = self.visible(entered)
        delay = np.where(found.action != NONE, found.first - seen, 0)
        visit = (status, rows.copy(), entered.copy(), seen, found.action.copy(), delay)
        draws.pending.append(visit)
        return found

    marketplace.Marketplace._happenings = drawn_happenings  # type: ignore[method-assign]
    seller.Seller.plan = drawn_plan  # type: ignore[method-assign]
    try:
        yield draws
    finally:
        marketplace.Marketplace._happenings = happenings  # type: ignore[method-assign]
        seller.Seller.plan = plan  # type: ignore[method-assign]
