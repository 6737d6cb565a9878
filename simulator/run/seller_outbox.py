"""The seller's commands from sent to confirmed, as the integrator's outbox sees them.

A command the engine allowed leaves at the moment the seller sent it; it is *confirmed* when a
later fetch shows the order at the status the command leads to (or passing through it, inferred),
just as Lengow's plugins confirm an action by the order's next status. A command that changes no
status (a refund) is confirmed by the next fetch. Whatever is still pending when the run ends is
reported as unconfirmed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from simulator.run.observer import Seen
from simulator.world.seller import NEVER
from simulator.world.truth import Truth

I64 = NDArray[np.int64]


class Outbox:
    """The allowed commands of a run, each with the poll that confirmed it (NEVER if none).

    It holds the positions of the allowed commands among the truth's and their confirmations,
    and reads the rest from the truth's commands: no copy of them for the whole run.
    """

    def __init__(self, truth: Truth) -> None:
        self.commands = commands = truth.commands
        self.statuses = truth.statuses
        self._expected = np.asarray(
            [
                self.statuses.index(d.expected_status) if d.expected_status else -1
                for d in commands.decisions
            ]
            + [-1],
            dtype=np.int16,
        )
        self._allowed: NDArray[np.intp] = np.flatnonzero(commands.allowed)
        self.confirmed = np.full(self._allowed.size, NEVER, dtype=np.int64)
        self._reached = np.zeros(truth.orders, dtype=np.int64)  # this poll's, per order
        self._next = 0
        self._pending = np.empty(0, dtype=np.intp)

    @property
    def order(self) -> NDArray[np.int32]:
        """The order of each allowed command, in the order they were sent."""
        result: NDArray[np.int32] = self.commands.order[self._allowed]
        return result

    @property
    def sent(self) -> I64:
        """When each allowed command left."""
        result: I64 = self.commands.time[self._allowed]
        return result

    def advance(self, poll: int, seen: Seen, engine_status: NDArray[np.int16]) -> None:
        """Send the seller's commands up to `poll`; confirm those this poll shows done."""
        up_to_poll = int(np.searchsorted(self.commands.time, poll, side="right"))
        upto = int(np.searchsorted(self._allowed, up_to_poll, side="left"))
        if upto > self._next:
            fresh = np.arange(self._next, upto, dtype=np.intp)
            self._pending = np.concatenate([self._pending, fresh])
            self._next = upto
        if self._pending.size == 0:
            return
        pending = self._pending
        self._reached[seen.order] = seen.reached
        at = self._allowed[pending]
        order = self.commands.order[at]
        expected = self._expected[self.commands.decision[at]]
        passed = (self._reached[order] >> np.maximum(expected, 0)) & 1
        done = (passed == 1) | (engine_status[order] == expected)
        self.confirmed[pending[done]] = poll
        self._pending = pending[~done]
        self._reached[seen.order] = 0

    @property
    def unconfirmed(self) -> int:
        return int(self._pending.size + (self._allowed.size - self._next))
