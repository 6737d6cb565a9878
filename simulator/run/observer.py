"""What the engine makes of each poll: observations in bulk, read once per case.

The engine knows each order only through fetches. For a poll's orders whose reported status
differs from the one the engine holds, each distinct case (`simulator.run.cases`) is read once by
the runtime, and the engine's bulk path (`engine.runtime.bulk`) moves every order of the case along
its path through the table compiled from the machine; where the rules give no path, the order
takes the reported status all the same, by one deviation event (the bulk path's `reported`
column), and the case's anomaly is kept. The engine's picture (status, event count) is updated
at once; a poll keeps one row per changed order (its case), and the events (creations, paths,
deviations) are produced in bulk from those rows when the caller drains them, in chunks,
numbered per order, dated at the marketplace's `updated_at` and stamped with the poll's time.
A deviation event's trigger is the code after the rule set's last trigger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from engine.model.definition import Actor
from engine.runtime.bulk import BulkTable
from engine.runtime.runtime import Runtime
from simulator.run.cases import CaseTable
from simulator.run.channel import Sighting
from simulator.world.fields import FieldTable
from simulator.world.truth import ACTORS, NONE, Columns

I64 = NDArray[np.int64]
ENGINE_EVENT_COLUMNS: dict[str, type[np.generic]] = {
    "order": np.int32,
    "seq": np.int32,
    "source": np.int16,
    "dest": np.int16,
    "trigger": np.int16,
    "actor": np.int8,
    "inferred": np.bool_,
    "deviation": np.bool_,
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
# One row per order a poll changed: the case it was read as, and its event count before.
CHANGE_COLUMNS: dict[str, type[np.generic]] = {
    "order": np.int32,
    "seq": np.int32,
    "case": np.intp,
    "at": np.int64,
    "seen_at": np.int64,
}


@dataclass(frozen=True)
class Seen:
    """The orders one poll changed in the engine, and the statuses each passed through."""

    order: NDArray[np.int32]
    reached: I64


class EngineView:
    """The engine's picture of every order, updated poll by poll."""

    def __init__(
        self, runtime: Runtime, fields: FieldTable, arrival: NDArray[np.int64] | None = None
    ) -> None:
        self.runtime = runtime
        # Each order's arrival (its `marketplace_order_date`): when the sync dates its creation.
        self.arrival = arrival
        self.bulk = BulkTable(runtime)
        self.fields = fields
        self.statuses = tuple(s.name for s in runtime.rules.statuses)
        if self.bulk.statuses != self.statuses or len(self.statuses) > 62:
            raise ValueError(
                "the simulator needs the machine's statuses in the rule file's "
                "order, at most 62 of them"
            )
        self.cases = CaseTable(runtime, self.bulk.trigger_code)
        n = fields.codes.shape[0]
        self.status = np.full(n, NONE, dtype=np.int16)
        self.seq = np.zeros(n, dtype=np.int32)
        self.anomalies = Columns(ANOMALY_COLUMNS)
        self.changes = Columns(CHANGE_COLUMNS)
        self.pending = 0
        self._case_of = np.empty(0, dtype=np.intp)
        self._kind_of: NDArray[np.unsignedinteger[Any]] = np.empty(0, dtype=np.uint8)
        triggers = runtime.rules.triggers
        self._our_trigger = np.asarray([triggers.index(t) for t in self.bulk.triggers], np.int16)
        self.deviation_trigger = len(triggers)
        self._our_actor = np.asarray([ACTORS.index(a) for a in self.bulk.actors], np.int8)
        conditions = runtime.table.conditions
        policy = runtime.rules.import_policy
        flag = (policy.flag_field,) if policy is not None and policy.flag_field else ()
        # The only fields an observation's reading depends on: guards and the fulfilment flag.
        self.relevant = tuple(sorted({f for c in conditions for f in c.fields()} | set(flag)))

    def observe(self, sighting: Sighting, seen_at: int) -> Seen:
        """Apply one poll's sighting to the engine's picture; its events wait for `drain`."""
        order, reported = sighting.order, sighting.status
        known = self.status[order]
        todo = np.flatnonzero(known != reported)
        if todo.size == 0:
            return Seen(order[:0], np.empty(0, np.int64))
        rows, current, reported = order[todo], known[todo], reported[todo]
        at = sighting.updated_at[todo]
        case = self._cases(rows, current, reported)
        self._keep_anomalies(rows, current, reported, case, at)
        self.changes.add(order=rows, seq=self.seq[rows], case=case, at=at, seen_at=seen_at)
        added = self.cases.added[case]
        self.seq[rows] += added
        self.pending += int(added.sum())
        self.status[rows] = reported
        return Seen(rows, self.cases.reached[case])

    def _keep_anomalies(
        self,
        rows: NDArray[np.int32],
        current: NDArray[np.int16],
        reported: NDArray[np.int16],
        case: NDArray[np.intp],
        at: I64,
    ) -> None:
        """The anomaly of each row whose case has one; the order still takes the report.

        Its status is the reported one afterwards, so the same report in the next polls is no
        change and no anomaly again.
        """
        bad = self.cases.anomaly[case] != NONE
        if bad.any():
            self.anomalies.add(
                order=rows[bad],
                source=current[bad],
                reported=reported[bad],
                message=self.cases.anomaly[case[bad]],
                at=at[bad],
            )

    def _cases(
        self, rows: NDArray[np.int32], current: NDArray[np.int16], reported: NDArray[np.int16]
    ) -> NDArray[np.intp]:
        """The case of each row: an index in `self.cases`."""
        space = self.fields.key_space(self.relevant)
        size = len(self.statuses) + 1
        if self._case_of.size != space * size * size:  # a field's values grew: start afresh
            self._case_of = np.full(space * size * size, NONE, dtype=np.intp)
            # Each order's key, computed once (in the fewest bytes it fits): the orders'
            # fields are the truth's, drawn before the first poll; a poll gathers its rows'.
            every = np.arange(self.status.size, dtype=np.intp)
            keys = self.fields.keys(every, self.relevant)[0]
            self._kind_of = keys.astype(np.min_scalar_type(space))
        kind = self._kind_of[rows].astype(np.int64)
        key = (kind * size + current + 1) * size + reported
        for i in _first_of_each(key, self._case_of[key] == NONE):
            record = dict(self.fields.record(self.fields.codes[rows[i]]))
            self._case_of[key[i]] = self.cases.read(int(current[i]), int(reported[i]), record)
        found: NDArray[np.intp] = self._case_of[key]
        return found

    def drain(self) -> dict[str, NDArray[Any]]:
        """The events of the changes since the last drain, in poll, order and sequence order:
        each change's creation, then its path (or deviation) through the bulk path."""
        changes = {name: self.changes.array(name) for name in CHANGE_COLUMNS}
        self.changes, self.pending = Columns(CHANGE_COLUMNS), 0
        made = (self._created(changes), self._walk(changes))
        events = {name: np.concatenate([m[name] for m in made]) for name in ENGINE_EVENT_COLUMNS}
        sort = _poll_order(events["seen_at"], events["order"], events["seq"])
        return {name: column[sort] for name, column in events.items()}

    def _created(self, changes: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
        """The creation event of each change whose case creates the order."""
        creation = self.cases.creation[changes["case"]]
        new = np.flatnonzero(creation != NONE)
        size = new.size
        at, inferred = changes["at"][new], self.cases.created_inferred[changes["case"][new]]
        if self.arrival is not None:
            # As the sync does (`engine.sync.order_date`): a creation first seen past its status
            # is dated by the order's arrival, observed, not inferred at the sighting.
            placed = self.arrival[changes["order"][new]]
            dated = inferred & (placed <= at)
            at, inferred = np.where(dated, placed, at), inferred & ~dated
        return {
            "order": changes["order"][new],
            "seq": changes["seq"][new],
            "source": np.full(size, NONE, np.int16),
            "dest": creation[new],
            "trigger": np.full(size, NONE, np.int16),
            "actor": np.full(size, ACTORS.index(Actor.MARKETPLACE.value), np.int8),
            "inferred": inferred,
            "deviation": np.zeros(size, np.bool_),
            "at": at,
            "seen_at": changes["seen_at"][new],
        }

    def _walk(self, changes: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
        """Run the changes with a path or a deviation through the bulk path; their events."""
        cases = self.cases
        moving = np.flatnonzero(cases.moves[changes["case"]])
        case = changes["case"][moving]
        if case.size == 0:
            return {name: np.empty(0, dtype) for name, dtype in ENGINE_EVENT_COLUMNS.items()}
        result = self.bulk.run(
            cases.start[case], cases.signature[case], cases.paths[case], cases.reported[case]
        )
        ev = result.events
        change, own = moving[ev["order"]], case[ev["order"]]  # each event's change and case
        lengths = cases.lengths[own]
        deviation = ev["deviation"].astype(np.bool_)
        # A deviation follows the case's path (none, so far): its step is the path's length.
        step = np.where(deviation, lengths, ev["step"])
        trigger = self._our_trigger[np.where(deviation, 0, ev["trigger"])]
        return {
            "order": changes["order"][change],
            # The path's events come after the creation, if the change made one.
            "seq": changes["seq"][change] + (cases.creation[own] != NONE) + step,
            "source": ev["source"],
            "dest": ev["dest"],
            "trigger": np.where(deviation, self.deviation_trigger, trigger).astype(np.int16),
            "actor": self._our_actor[ev["actor"]],
            "inferred": (step < lengths - 1) & ~deviation,
            "deviation": deviation,
            "at": changes["at"][change],
            "seen_at": changes["seen_at"][change],
        }


def _poll_order(seen_at: I64, order: NDArray[np.int32], seq: NDArray[np.int32]) -> NDArray[np.intp]:
    """Positions sorting by poll time, order and sequence (each order's sequence is unique).

    One sort of a packed key, each column offset from its least value in the chunk and given
    just the room its range needs (a fixed split of the bits wrapped past ~97 days of run);
    the three columns sorted one after the other where even that does not fit 63 bits.
    """
    if seen_at.size == 0:
        return np.empty(0, dtype=np.intp)
    columns = (seen_at, order.astype(np.int64), seq.astype(np.int64))
    low = [int(c.min()) for c in columns]
    spans = [int(c.max()) - lo + 1 for c, lo in zip(columns, low, strict=True)]
    if spans[0] * spans[1] * spans[2] >= 1 << 63:
        found: NDArray[np.intp] = np.lexsort((seq, order, seen_at))
        return found
    key = seen_at - low[0]
    for column, lo, span in zip(columns[1:], low[1:], spans[1:], strict=True):
        key *= span
        key += column - lo
    result: NDArray[np.intp] = np.argsort(key)
    return result


def _first_of_each(keys: I64, wanted: NDArray[np.bool_]) -> list[int]:
    """The position of the first row of each distinct key among the `wanted` rows."""
    positions = np.flatnonzero(wanted)
    if positions.size == 0:
        return []
    _, first = np.unique(keys[positions], return_index=True)
    result: list[int] = positions[first].tolist()
    return result
