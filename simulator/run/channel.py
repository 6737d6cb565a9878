"""The simulated channel: what a poll of the marketplace shows, as Lengow's API would show it.

A poll asks for the orders updated between `updated_from` and `updated_to`. The marketplace
answers with each such order as it is *now*: its latest status and its `updated_at`. So an order
that went through two statuses between two polls is shown at the second only, exactly the gap
the engine fills with inferred statuses. The answer is columnar (`Sighting`) for the run's bulk
path (`news` keeps only the rows no earlier poll showed: all a run's engine learns from a poll);
`snapshots` turns a few rows into the engine's `OrderSnapshot`s for per-order consumers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engine.model.snapshot import OrderSnapshot
from simulator.world.clock import VirtualClock
from simulator.world.fields import GENERATED
from simulator.world.truth import Truth


def order_id(index: int) -> str:
    """The marketplace's id of the simulated order `index` (stable across runs and seeds)."""
    return f"SIM{index + 1:09d}"


@dataclass(frozen=True)
class Sighting:
    """The orders one poll shows: their index, status code and `updated_at` (seconds)."""

    order: NDArray[np.int32]
    status: NDArray[np.int16]
    updated_at: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.order.size)


class SimulatedChannel:
    """Answers windowed polls from a run's truth (its events are in time order)."""

    def __init__(self, truth: Truth) -> None:
        self.truth = truth
        # Each order's latest change among the first `_shown` ones (-1 before its creation),
        # and for each change whether a later change of its order is shown: moved forward as
        # polls come, each change read once.
        self._latest = np.full(truth.orders, -1, dtype=np.int64)
        self._superseded = np.zeros(truth.order.size, dtype=np.bool_)
        self._shown = 0
        # The changes shown so far that are their order's latest and no `news` has shown yet,
        # in time order.
        self._unseen = np.empty(0, dtype=np.int64)

    def window(self, updated_from: int, updated_to: int, now: int) -> Sighting:
        """Orders whose latest change by `now` lies in `[updated_from, updated_to]`."""
        time = self.truth.time
        lo = int(np.searchsorted(time, updated_from, side="left"))
        hi = int(np.searchsorted(time, min(updated_to, now), side="right"))
        self._show(int(np.searchsorted(time, now, side="right")))
        last = lo + np.flatnonzero(~self._superseded[lo:hi])
        return Sighting(self.truth.order[last], self.truth.dest[last], time[last])

    def news(self, updated_from: int, updated_to: int, now: int) -> Sighting:
        """The rows of `window` that no earlier `news` showed, in the same order.

        A row shown before is its order's latest change still, so whoever took that poll
        holds its status already: a reader taking every status it is shown (the engine)
        learns the same from the news as from the whole window, and each poll costs its new
        changes, not the hours of changes its window spans again.
        """
        time = self.truth.time
        before = self._shown
        self._show(int(np.searchsorted(time, now, side="right")))
        if self._shown < before:  # a step back: every change is news again
            self._unseen = np.empty(0, dtype=np.int64)
            before = 0
        fresh = before + np.flatnonzero(~self._superseded[before : self._shown])
        unseen = np.concatenate([self._unseen, fresh])
        unseen = unseen[~self._superseded[unseen]]
        times = time[unseen]
        lo = int(np.searchsorted(times, updated_from, side="left"))
        hi = int(np.searchsorted(times, min(updated_to, now), side="right"))
        last = unseen[lo:hi]
        self._unseen = np.concatenate([unseen[:lo], unseen[hi:]])
        return Sighting(self.truth.order[last], self.truth.dest[last], time[last])

    def _show(self, horizon: int) -> None:
        """Show the changes up to position `horizon` (polls go forward; a step back restarts)."""
        if horizon < self._shown:
            self._latest.fill(-1)
            self._superseded.fill(False)
            self._shown = 0
        start = self._shown
        order = self.truth.order[start:horizon]
        before = self._latest[order]
        self._superseded[before[before >= 0]] = True
        self.truth.latest(self._latest, start, horizon)
        self._superseded[start:horizon] = self._latest[order] != np.arange(start, horizon)
        self._shown = horizon

    def snapshots(self, sighting: Sighting, clock: VirtualClock) -> list[OrderSnapshot]:
        """The rows of a sighting as the engine's order snapshots (for per-order consumers)."""
        truth = self.truth
        statuses = truth.statuses
        result = []
        for index, status, updated in zip(
            sighting.order.tolist(),
            sighting.status.tolist(),
            sighting.updated_at.tolist(),
            strict=True,
        ):
            oid = order_id(index)
            shown = truth.fields.record(truth.fields_at(index, updated))
            fields = {
                name: f"{oid}-{name}" if value == GENERATED else value
                for name, value in shown.items()
            }
            result.append(
                OrderSnapshot(
                    marketplace=truth.rules.marketplace.code,
                    order_id=oid,
                    status_code=statuses[status],
                    updated_at=clock.at(updated),
                    ordered_at=clock.at(int(truth.arrival[index])),
                    fields=fields,
                )
            )
        return result
