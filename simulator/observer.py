"""What the engine makes of each poll: observations in bulk, read once per cohort.

The engine knows each order only through fetches. For a poll's orders whose reported status
differs from the one the engine holds, the runtime reads each distinct case once (same fields,
same known status, same reported status: the same creation, the same shortest legal path with
its inferred statuses, or the same anomaly) and the engine's bulk path (`engine.bulk`) moves
every order of the case along the path through the table compiled from the machine. Events come
out as columns, numbered per order, dated at the marketplace's `updated_at` and stamped with the
time of the poll that saw them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray

from engine.bulk import BulkTable
from engine.definition import Actor
from engine.runtime import Runtime
from simulator.channel import Sighting
from simulator.fields import FieldTable
from simulator.truth import ACTORS, NONE, Columns

I64 = NDArray[np.int64]
ENGINE_EVENT_COLUMNS: dict[str, type[np.generic]] = {
    "order": np.int32,
    "seq": np.int32,
    "source": np.int16,
    "dest": np.int16,
    "trigger": np.int16,
    "actor": np.int8,
    "inferred": np.bool_,
    "at": np.int64,
    "seen_at": np.int64,
}
ANOMALY_COLUMNS: dict[str, type[np.generic]] = {
    "order": np.int32,
    "source": np.int16,
    "reported": np.int16,
    "message": np.int32,
    "at": np.int64,
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Reading:
    """How the runtime reads one case: a creation, a path of triggers, or an anomaly."""

    creation: int
    created_inferred: bool
    path: tuple[int, ...]
    anomaly: int  # index in EngineView.messages, NONE when there is none


class CaseTable:
    """Every case read so far, as arrays a poll gathers from (paths padded with NONE)."""

    def __init__(self) -> None:
        self.creation = np.empty(0, dtype=np.int16)
        self.created_inferred = np.empty(0, dtype=np.bool_)
        self.anomaly = np.empty(0, dtype=np.int32)
        self.lengths = np.empty(0, dtype=np.int64)
        self.paths = np.empty((0, 0), dtype=np.int16)

    def add(self, reading: Reading) -> int:
        self.creation = np.append(self.creation, np.int16(reading.creation))
        self.created_inferred = np.append(self.created_inferred, reading.created_inferred)
        self.anomaly = np.append(self.anomaly, np.int32(reading.anomaly))
        self.lengths = np.append(self.lengths, len(reading.path))
        width = max(self.paths.shape[1], len(reading.path))
        paths = np.full((self.paths.shape[0] + 1, width), NONE, dtype=np.int16)
        paths[:-1, : self.paths.shape[1]] = self.paths
        paths[-1, : len(reading.path)] = reading.path
        self.paths = paths
        return int(self.creation.size - 1)


@dataclass
class Batch:
    """The engine's events and anomalies from one poll, as columns."""

    events: Columns
    anomalies: Columns


class EngineView:
    """The engine's picture of every order, updated poll by poll."""

    def __init__(self, runtime: Runtime, fields: FieldTable) -> None:
        self.runtime = runtime
        self.bulk = BulkTable(runtime)
        self.fields = fields
        self.statuses = tuple(s.name for s in runtime.rules.statuses)
        self.triggers = runtime.rules.triggers
        n = fields.codes.shape[0]
        self.status = np.full(n, NONE, dtype=np.int16)
        self.seq = np.zeros(n, dtype=np.int32)
        self.flagged = np.full(n, NONE, dtype=np.int16)
        self.messages: list[str] = []
        self.anomaly_kinds: list[str] = []
        self.cases = CaseTable()
        self._case_of = np.empty(0, dtype=np.intp)
        self._signature_of = np.empty(0, dtype=np.int64)
        conditions = runtime.table.conditions
        policy = runtime.rules.import_policy
        flag = (policy.flag_field,) if policy is not None and policy.flag_field else ()
        # The only fields an observation's reading depends on: guards and the fulfilment flag.
        self.relevant = tuple(sorted({f for c in conditions for f in c.fields()} | set(flag)))
        if self.bulk.statuses != self.statuses:
            raise AssertionError("the machine's statuses are not in the rule file's order")
        self._our_trigger = np.asarray(
            [self.triggers.index(t) for t in self.bulk.triggers], np.int16
        )
        self._our_actor = np.asarray([ACTORS.index(a) for a in self.bulk.actors], np.int8)

    def observe(self, sighting: Sighting, seen_at: int) -> Batch:
        """Apply one poll's sighting; return the events and the new anomalies."""
        batch = Batch(Columns(ENGINE_EVENT_COLUMNS), Columns(ANOMALY_COLUMNS))
        order, reported = sighting.order, sighting.status
        known = self.status[order]
        todo = np.flatnonzero((known != reported) & (self.flagged[order] != reported))
        if todo.size == 0:
            return batch
        rows, current, reported = order[todo], known[todo], reported[todo]
        at = sighting.updated_at[todo]
        case, signatures = self._cases(rows, current, reported)
        cases = self.cases
        creation, anomaly = cases.creation[case], cases.anomaly[case]
        self._anomalies(batch, rows, current, reported, anomaly, at)
        ok = anomaly == NONE
        self._creations(batch, rows, creation, cases.created_inferred[case], at, seen_at)
        start = np.where(creation != NONE, creation, current)
        self._paths(
            batch,
            rows[ok],
            start[ok],
            signatures[ok],
            cases.paths[case[ok]],
            cases.lengths[case[ok]],
            at[ok],
            seen_at,
        )
        self.status[rows[ok]] = reported[ok]
        return batch

    def _cases(
        self, rows: NDArray[np.int32], current: NDArray[np.int16], reported: NDArray[np.int16]
    ) -> tuple[NDArray[np.intp], NDArray[np.uint32]]:
        """The case of each row (an index in `self.cases`) and its fields' guard signature."""
        kind, space = self.fields.keys(rows.astype(np.intp), self.relevant)
        size = len(self.statuses) + 1
        if self._case_of.size != space * size * size:  # a field's values grew: start afresh
            self._case_of = np.full(space * size * size, NONE, dtype=np.intp)
            self._signature_of = np.full(space, NONE, dtype=np.int64)
        key = (kind * size + current + 1) * size + reported
        for i in _first_of_each(key, self._case_of[key] == NONE):
            codes = self.fields.codes[rows[i]]
            self._case_of[key[i]] = self.cases.add(
                self._ask(codes, int(current[i]), int(reported[i]))
            )
        for i in _first_of_each(kind, self._signature_of[kind] == NONE):
            record = self.fields.record(self.fields.codes[rows[i]])
            self._signature_of[kind[i]] = self.runtime.paths.signature(record)
        return self._case_of[key], self._signature_of[kind].astype(np.uint32)

    def _ask(self, codes: NDArray[np.int16], current: int, reported: int) -> Reading:
        """The runtime's own reading of the case, turned into codes."""
        outcome = self.runtime.observe(
            "cohort",
            None if current == NONE else self.statuses[current],
            self.statuses[reported],
            self.fields.record(codes),
            _EPOCH,
        )
        if outcome.anomalies:
            first = outcome.anomalies[0]
            self.messages.append(first.message)
            self.anomaly_kinds.append(first.kind.value)
            return Reading(NONE, False, (), len(self.messages) - 1)
        events = outcome.events
        creation, inferred = NONE, False
        if events and events[0].from_status is None:
            creation, inferred = self.statuses.index(events[0].to_status), events[0].inferred
            events = events[1:]
        path = tuple(self.bulk.trigger_code[e.trigger] for e in events)
        return Reading(creation, inferred, path, NONE)

    def _anomalies(
        self,
        batch: Batch,
        rows: NDArray[np.int32],
        current: NDArray[np.int16],
        reported: NDArray[np.int16],
        anomaly: NDArray[np.int32],
        at: I64,
    ) -> None:
        bad = anomaly != NONE
        batch.anomalies.add(
            order=rows[bad],
            source=current[bad],
            reported=reported[bad],
            message=anomaly[bad],
            at=at[bad],
        )
        self.flagged[rows[bad]] = reported[bad]

    def _creations(
        self,
        batch: Batch,
        rows: NDArray[np.int32],
        creation: NDArray[np.int16],
        inferred: NDArray[np.bool_],
        at: I64,
        seen_at: int,
    ) -> None:
        new = np.flatnonzero(creation != NONE)
        batch.events.add(
            order=rows[new],
            seq=self.seq[rows[new]],
            source=NONE,
            dest=creation[new],
            trigger=NONE,
            actor=ACTORS.index(Actor.MARKETPLACE.value),
            inferred=inferred[new],
            at=at[new],
            seen_at=seen_at,
        )
        self.seq[rows[new]] += 1

    def _paths(
        self,
        batch: Batch,
        rows: NDArray[np.int32],
        start: NDArray[np.int16],
        signatures: NDArray[np.uint32],
        triggers: NDArray[np.int16],
        lengths: I64,
        at: I64,
        seen_at: int,
    ) -> None:
        if rows.size == 0 or triggers.shape[1] == 0:
            return
        result = self.bulk.run(start, signatures, triggers)
        ev = result.events
        row, step = ev["order"], ev["step"]
        back = np.argsort(row * triggers.shape[1] + step, kind="stable")
        row, step = row[back], step[back]
        batch.events.add(
            order=rows[row],
            seq=self.seq[rows[row]] + step,
            source=ev["source"][back],
            dest=ev["dest"][back],
            trigger=self._our_trigger[ev["trigger"][back]],
            actor=self._our_actor[ev["actor"][back]],
            inferred=step < lengths[row] - 1,
            at=at[row],
            seen_at=seen_at,
        )
        self.seq[rows] += lengths.astype(np.int32)


def _first_of_each(keys: I64, wanted: NDArray[np.bool_]) -> list[int]:
    """The position of the first row of each distinct key among the `wanted` rows."""
    positions = np.flatnonzero(wanted)
    _, first = np.unique(keys[positions], return_index=True)
    result: list[int] = positions[first].tolist()
    return result
