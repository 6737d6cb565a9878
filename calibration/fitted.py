"""A calibrated scenario as values: every figure with the orders it was fitted from.

What `calibration.calibrate` finds and `calibration.writer` writes: the arrivals, the field mix,
and per status the fitted causes of each process (the customers', payment's and marketplace's
happenings; the seller's moves), with the lines of a base scenario kept where the log holds too
few orders for a figure. Nothing here computes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from calibration.arrivals import ArrivalFit
from calibration.competing import CauseFit
from calibration.field_mix import MixFit
from engine.model.definition import RuleSet
from simulator.scenario.values import FieldMix, Happening, Scenario, SellerMove

# Fewer stays ended by a cause than this, and its delay is not fitted (the base's is kept).
MIN_EVENTS = 20
# Fewer orders than this for a share, and it is not fitted.
MIN_ORDERS = 30


@dataclass(frozen=True)
class Kept:
    """A base scenario's line written as it is, and why (too few orders, not in the log)."""

    line: Happening | SellerMove
    reason: str


@dataclass(frozen=True)
class StatusFit:
    """One process at one status: `who` ("marketplace" for the happenings, "seller"), the
    `stays` it was fitted on, its fitted `causes` and the base's `kept` lines; `fills`, for a
    seller's action, the fields the seller types with it (the base scenario's, else the values
    the orders hold)."""

    status: str
    who: str
    stays: int
    causes: tuple[CauseFit, ...]
    kept: tuple[Kept, ...] = ()
    fills: Mapping[str, tuple[FieldMix, ...]] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Calibrated:
    rules: RuleSet
    name: str
    start: datetime
    days: int
    arrivals: ArrivalFit
    fields: tuple[MixFit, ...]
    fulfilled: tuple[int, int] | None  # (fulfilled orders, orders with the flag), None: no policy
    marketplace: tuple[StatusFit, ...]
    seller: tuple[StatusFit, ...]
    base: Scenario | None
    unbounded: int  # stays left out: entered before the order's first observation

    def cause(self, who: str, status: str, name: str) -> CauseFit | None:
        """The fitted cause `name` of `who`'s process at `status`, None when not fitted."""
        fits = self.seller if who == "seller" else self.marketplace
        for fit in fits:
            if fit.status == status:
                return next((c for c in fit.causes if c.name == name), None)
        return None
