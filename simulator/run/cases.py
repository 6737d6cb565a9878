"""How the runtime reads each distinct observation, kept as arrays a poll gathers from.

An observation depends on the order's known status, the reported status and the few fields the
rules look at (the transition guards, the fulfilment flag). Each distinct combination is a
*case*: the runtime (`Runtime.observe`) reads it once (a creation, a shortest legal path of
triggers, or, where the rules give none, one deviation to the reported status with its anomaly)
and every later order of the case is answered by a gather.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from engine.runtime.runtime import Runtime
from simulator.world.truth import NONE

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Reading:
    """One case: created at `creation` (NONE if known), then `path` (trigger codes of the
    runtime's table), passing through the statuses of `reached` (a bit per status); where the
    rules give no path, none but one `deviation` event to the reported status (from the known
    one, or creating the order). `anomaly`: the index of the runtime's first message, or NONE."""

    creation: int
    created_inferred: bool
    path: tuple[int, ...]
    reached: int
    anomaly: int
    deviation: bool = False


class CaseTable:
    """Every case read so far (paths padded with NONE), plus the anomaly messages met.

    Besides the reading, each case keeps what the bulk path needs to walk it: the status it
    starts from (its creation, or the known one), the reported status, its fields' guard
    signature, and how many events it adds (creation, path and deviation).
    """

    def __init__(self, runtime: Runtime, trigger_code: dict[str, int]) -> None:
        self.runtime = runtime
        self.trigger_code = trigger_code
        self.statuses = tuple(s.name for s in runtime.rules.statuses)
        self.messages: list[str] = []
        self.kinds: list[str] = []
        self.creation = np.empty(0, dtype=np.int16)
        self.created_inferred = np.empty(0, dtype=np.bool_)
        self.anomaly = np.empty(0, dtype=np.int32)
        self.deviation = np.empty(0, dtype=np.bool_)
        self.lengths = np.empty(0, dtype=np.int64)
        self.reached = np.empty(0, dtype=np.int64)
        self.paths = np.empty((0, 0), dtype=np.int16)
        self.start = np.empty(0, dtype=np.int16)
        self.reported = np.empty(0, dtype=np.int16)
        self.signature = np.empty(0, dtype=np.uint32)
        self.added = np.empty(0, dtype=np.int32)
        self.moves = np.empty(0, dtype=np.bool_)  # a path or a deviation: the bulk path walks it

    def read(self, current: int, reported: int, fields: dict[str, object]) -> int:
        """Ask the runtime about one case; its index in the table."""
        reading = self._ask(current, reported, fields)
        start = current if reading.creation == NONE else reading.creation
        self.start = np.append(self.start, np.int16(start))
        self.reported = np.append(self.reported, np.int16(reported))
        signature = self.runtime.paths.signature(fields)
        self.signature = np.append(self.signature, np.uint32(signature))
        added = (reading.creation != NONE) + len(reading.path) + reading.deviation
        self.added = np.append(self.added, np.int32(added))
        self.moves = np.append(self.moves, bool(reading.path) or reading.deviation)
        return self._add(reading)

    def _ask(self, current: int, reported: int, fields: dict[str, object]) -> Reading:
        outcome = self.runtime.observe(
            "case",
            None if current == NONE else self.statuses[current],
            self.statuses[reported],
            fields,
            _EPOCH,
        )
        anomaly = NONE
        if outcome.anomalies:
            first = outcome.anomalies[0]
            self.messages.append(first.message)
            self.kinds.append(first.kind.value)
            anomaly = len(self.messages) - 1
        deviation = any(e.deviation for e in outcome.events)
        events = [e for e in outcome.events if not e.deviation]
        creation, inferred = NONE, False
        if events and events[0].from_status is None:
            creation, inferred = self.statuses.index(events[0].to_status), events[0].inferred
        reached = 0
        for event in outcome.events:
            reached |= 1 << self.statuses.index(event.to_status)
        path = tuple(self.trigger_code[e.trigger] for e in events if e.from_status is not None)
        return Reading(creation, inferred, path, reached, anomaly, deviation)

    def _add(self, reading: Reading) -> int:
        self.creation = np.append(self.creation, np.int16(reading.creation))
        self.created_inferred = np.append(self.created_inferred, reading.created_inferred)
        self.anomaly = np.append(self.anomaly, np.int32(reading.anomaly))
        self.deviation = np.append(self.deviation, reading.deviation)
        self.lengths = np.append(self.lengths, len(reading.path))
        self.reached = np.append(self.reached, np.int64(reading.reached))
        width = max(self.paths.shape[1], len(reading.path))
        paths = np.full((self.paths.shape[0] + 1, width), NONE, dtype=np.int16)
        paths[:-1, : self.paths.shape[1]] = self.paths
        paths[-1, : len(reading.path)] = reading.path
        self.paths = paths
        return int(self.creation.size - 1)
