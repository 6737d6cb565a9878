"""How each order ended, so far: shipped, lost or still open, and when; the lost share.

One definition, used by the Overview (over a period) and wherever a share of lost orders is
shown (over the orders of a log):

- An order **shipped** when it first entered the stage `DONE_STAGE`; it is **lost** when its
  status now is in an exit stage (`analytics.funnel.EXIT_STAGES`: cancelled, refused, refunded),
  from the first time it entered one (a customer's withdrawn cancellation request does not lose
  the order). An order shipped then refunded is lost: its outcome is the later one.
- When: the entry's time under `analytics.censoring` (its estimate for an inferred entry, the
  first time it was seen for an unbounded one: `Entries.placed`).
- The **lost share** of a set of orders is lost / (lost + shipped and not lost): the orders whose
  outcome is decided; open orders are left out. Over a period, the orders whose outcome fell in
  it (lost, or shipped and not lost since).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.censoring import Entries, entries
from analytics.eventlog import CASE, case_first, case_last
from analytics.funnel import EXIT_STAGES

DONE_STAGE = "shipped"
NAT = np.datetime64("NaT", "us")
LOST_SHARE_COUNTS = (
    "orders whose outcome is decided: lost (in an exit stage now) or shipped and not lost "
    "since; open orders are left out"
)


@dataclass(frozen=True, eq=False)
class Outcomes:
    """Per order of a prepared log, in case order: when it first entered `DONE_STAGE`
    (`shipped_at`, NaT if never), when it was lost (`lost_at`, NaT unless it is lost now)."""

    shipped_at: np.ndarray
    lost_at: np.ndarray

    @property
    def lost(self) -> np.ndarray:
        return np.asarray(~np.isnat(self.lost_at), dtype=bool)

    @property
    def shipped(self) -> np.ndarray:
        """Shipped and not lost since: a decided outcome that is not a loss."""
        return np.asarray(~np.isnat(self.shipped_at) & ~self.lost, dtype=bool)

    def lost_share(
        self, since: np.datetime64 | None = None, until: np.datetime64 | None = None
    ) -> tuple[float | None, int, int]:
        """(share in %, lost, decided) over the orders whose outcome fell in [since, until)
        (all decided orders when both are None); share None when none is decided."""
        lost = self.lost & _within(self.lost_at, since, until)
        shipped = self.shipped & _within(self.shipped_at, since, until)
        decided = int(lost.sum() + shipped.sum())
        share = 100.0 * int(lost.sum()) / decided if decided else None
        return share, int(lost.sum()), decided


def _within(
    times: np.ndarray, since: np.datetime64 | None, until: np.datetime64 | None
) -> np.ndarray:
    keep = np.asarray(~np.isnat(times), dtype=bool)
    if since is not None:
        keep &= times >= since
    if until is not None:
        keep &= times < until
    return keep


def outcomes(log: pd.DataFrame, found: Entries | None = None) -> Outcomes:
    """The outcome of every order of a prepared log (see the module)."""
    found = entries(log) if found is None else found
    placed = found.placed()
    shipped_at = _first_time(log, placed, {DONE_STAGE})
    lost_at = _first_time(log, placed, EXIT_STAGES)
    in_exit_now = log["stage"].isin(list(EXIT_STAGES)).to_numpy()[case_last(log)]
    lost_at = np.where(in_exit_now, lost_at, NAT)
    return Outcomes(shipped_at, lost_at)


def _first_time(log: pd.DataFrame, placed: np.ndarray, stages: Collection[str]) -> np.ndarray:
    """Per order: the placed time of its first event in one of `stages`, NaT if none."""
    starts = case_first(log)
    out = np.full(len(starts), NAT)
    hit = np.flatnonzero(log["stage"].isin(list(stages)).to_numpy())
    if not len(hit):
        return out
    cases = log[CASE].to_numpy()[hit]
    first = hit[np.r_[True, cases[1:] != cases[:-1]]]
    position = np.searchsorted(starts, first, side="right") - 1
    out[position] = placed[first]
    return out
