"""What one run drew of its scenario's figures: per cause, the visits at its risk and the delays.

A scenario's share is the chance a cause is drawn at a visit, its delay a distribution; a run
realises them with sampling noise (a branch drawn a few hundred times is off its share by 5 %
whatever fits it back), so a fit from the run's log is best held to what *this* run drew.

The truth alone cannot say it: at a status several causes race, and a draw that another exit
beat leaves no trace (a customer who would have cancelled after the seller accepted), so counting
the truth's stays ended by a cause undercounts its share (the baseline's 1 % cancellation before
notification ends 0.66 % of the stays). So a run given a `Draws` (`simulate(..., draws=...)`)
hands it the draws as it makes them, once per batch of visits: the marketplace each happening's
visits where the rules let it fire and the delays drawn for it; the seller, once the race at the
status is settled, each move's visits still there when a poll showed them (as a fit from the
polls counts them) and the delays drawn from that poll. Recording draws no random number and
changes nothing of the run; without a `Draws` it costs one test per batch.

No estimator runs on these: a share is draws over visits, a median is that of the scenario's
shape over the drawn delays (an exponential's mean times ln 2, a log-normal's geometric mean:
the sample median would add its own noise, 1.44 times the relative error of the mean for an
exponential).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from simulator.scenario.distributions import Distribution, Exponential, LogNormal

# (who, status, name): "marketplace" and a happening's trigger, or "seller" and a move's action.
Cause = tuple[str, str, str]


@dataclass
class Draws:
    """Per cause of a run: the visits at its risk and the delays drawn for it (seconds)."""

    at_risk: dict[Cause, int] = field(default_factory=dict)
    delays: dict[Cause, list[NDArray[np.float64]]] = field(default_factory=dict)

    def add(self, cause: Cause, visits: int, delays: NDArray[np.int64]) -> None:
        """Count `visits` more at the risk of `cause`, and the `delays` it drew among them."""
        self.at_risk[cause] = self.at_risk.get(cause, 0) + visits
        self.delays.setdefault(cause, []).append(np.asarray(delays, dtype=np.float64))

    def share(self, cause: Cause) -> float | None:
        """The draws of `cause` over the visits at its risk; None where it had none."""
        visits = self.at_risk.get(cause, 0)
        return self.drawn(cause).size / visits if visits else None

    def drawn(self, cause: Cause) -> NDArray[np.float64]:
        """Every delay drawn for `cause`, in the order the run drew them."""
        return np.concatenate(self.delays.get(cause, [np.zeros(0)]))

    def median(self, cause: Cause, shape: Distribution) -> float | None:
        """The median of `shape`'s family over the delays drawn for `cause` (see the module)."""
        delays = self.drawn(cause)
        if not delays.size:
            return None
        if isinstance(shape, LogNormal):
            return math.exp(float(np.log(delays).mean()))
        if isinstance(shape, Exponential):
            return float(delays.mean()) * math.log(2.0)
        return None
