"""The bulk path: columns of orders and triggers, moved by array look-ups.

Simulations and large syncs move hundreds of thousands of orders. Here statuses and triggers are
small integers (their index in the machine's table), an order's fields are reduced to its
*signature* (the truth of each guard, as in `engine.runtime.status_paths`), and one step of
every order is a single gather in a `[signature, status, trigger] -> status` array compiled from the
transition table read back from the machine. Refusals stay visible: a refused trigger keeps the
row's status and lands in the refusal columns (refused, final status, unknown status), as
`Runtime.trigger` reports it. An observation is the truth: given the reported status of each row
(`run(..., reported=)`), a row its path of triggers leaves elsewhere (no legal path, a final
status, a backward jump) takes it through one event flagged in the `deviation` column, as
`Runtime.observe` does. `BulkTable.outcomes` turns the columns into the same `Event` and
`Anomaly` values, which the property tests compare with the machine's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from engine.model.definition import Actor
from engine.model.events import Anomaly, AnomalyKind, Event, Source
from engine.model.outcome import Outcome
from engine.runtime.bulk_encoding import ColumnEncoder
from engine.runtime.runtime import DEVIATION_TRIGGER, Runtime, refused_trigger

Codes = npt.NDArray[np.int16]
Rows = npt.NDArray[np.intp]
REFUSED, FINAL, UNKNOWN = -1, -2, -3
KINDS = {
    REFUSED: AnomalyKind.REFUSED_TRIGGER,
    FINAL: AnomalyKind.FINAL_CHANGED,
    UNKNOWN: AnomalyKind.UNKNOWN_STATUS,
}
EVENT_COLUMNS = ("order", "step", "source", "dest", "trigger", "actor", "deviation")
REFUSAL_COLUMNS = ("order", "step", "status", "trigger", "kind")


@dataclass(frozen=True)
class BulkResult:
    """Statuses after a run, and its events and refusals as columns (`order` = row index)."""

    statuses: Codes
    events: Mapping[str, npt.NDArray[np.int64]]
    refusals: Mapping[str, npt.NDArray[np.int64]]


@dataclass
class OrderColumns:
    """Orders in flight, one row each: what the bulk path keeps per order and nothing more."""

    order_ids: list[str]
    statuses: Codes
    entered_at: npt.NDArray[np.int64]  # seconds since the epoch, UTC
    signatures: npt.NDArray[np.uint32]


class _Columns:
    """Parts of columns gathered step by step, concatenated once at the end."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.parts: dict[str, list[npt.NDArray[np.generic]]] = {name: [] for name in names}

    def add(self, *columns: npt.NDArray[np.generic]) -> None:
        for part, column in zip(self.parts.values(), columns, strict=True):
            part.append(column)

    def done(self) -> dict[str, npt.NDArray[np.int64]]:
        return {
            name: np.concatenate(parts, dtype=np.int64) if parts else np.empty(0, np.int64)
            for name, parts in self.parts.items()
        }


class BulkTable:
    """The machine's transition table as arrays, for one rule set."""

    def __init__(self, runtime: Runtime) -> None:
        table = runtime.table
        self.runtime = runtime
        self.statuses = table.statuses
        self.triggers = table.triggers
        self.encoder = ColumnEncoder(
            table.statuses, table.triggers, table.conditions, runtime.paths.signature,
            runtime.rules.source,
        )  # fmt: skip
        self.status_code = {name: i for i, name in enumerate(self.statuses)}
        self.trigger_code = {name: i for i, name in enumerate(self.triggers)}
        actors = {s.actor: None for steps in table.steps.values() for s in steps}
        self.actors = tuple({**actors, Actor.MARKETPLACE.value: None})  # deviations' actor
        self._actor_code = {name: i for i, name in enumerate(self.actors)}
        finals = runtime.rules.final_statuses
        self.finals = np.array([s in finals for s in self.statuses], dtype=bool)
        self._arrays: dict[int, tuple[Codes, Codes]] = {}
        after = np.full(len(self.statuses), -1, dtype=np.int64)
        for status, timers in runtime.rules.timers_by_status.items():
            if status not in finals:
                after[self.status_code[status]] = min(t.after_seconds for t in timers)
        self.timer_after = after

    # -- encoding (engine.runtime.bulk_encoding: C-level look-ups, no Python loop per order)
    # --------

    def encode_statuses(self, names: Sequence[str | None]) -> Codes:
        """Status codes; an unknown name (or None) becomes -1 and is refused as unknown."""
        return self.encoder.statuses(names)

    def encode_triggers(self, names: Sequence[str | None]) -> Codes:
        """Trigger codes; None is -1 (no event); a name the rules do not declare is an error."""
        return self.encoder.triggers(names, len(names))

    def signatures(self, fields: Sequence[Mapping[str, object] | None]) -> npt.NDArray[np.uint32]:
        """Each order's guard signature; orders alike in the guarded fields share one look-up."""
        return self.encoder.signatures(fields)

    def trigger_matrix(self, sequences: Sequence[Sequence[str | None]]) -> Codes:
        """Triggers per order as a matrix for `run`, shorter sequences padded with -1."""
        return self.encoder.trigger_matrix(sequences)

    # -- compiled arrays -----------------------------------------------------------------------

    def arrays(self, signature: int) -> tuple[Codes, Codes]:
        """`next[status, trigger]` and `actor[status, trigger]` for orders of this signature.

        The extra last row answers for an unknown status (code -1). A cell is the destination,
        or REFUSED (no step's guard holds), or FINAL (the step would leave a final status).
        """
        found = self._arrays.get(signature)
        if found is None:
            found = self._compile(signature)
            self._arrays[signature] = found
        return found

    def _compile(self, signature: int) -> tuple[Codes, Codes]:
        shape = (len(self.statuses) + 1, len(self.triggers))
        nxt = np.full(shape, REFUSED, dtype=np.int16)
        actor = np.full(shape, -1, dtype=np.int16)
        nxt[-1, :] = UNKNOWN
        truth = self.runtime.paths.truth
        for (status, trigger), steps in self.runtime.table.steps.items():
            s, t = self.status_code[status], self.trigger_code[trigger]
            # The first step whose guard holds, unless one of unknown truth comes first: refused.
            step = next((x for x in steps if truth(x.condition, signature) is not False), None)
            if step is not None and truth(step.condition, signature):
                final = self.finals[s] and step.dest != status
                nxt[s, t] = FINAL if final else self.status_code[step.dest]
                actor[s, t] = self._actor_code[step.actor]
        return nxt, actor

    # -- running -------------------------------------------------------------------------------

    def run(
        self,
        statuses: Codes,
        signatures: npt.NDArray[np.uint32],
        triggers: Codes,
        reported: Codes | None = None,
    ) -> BulkResult:
        """Apply `triggers[:, k]` for k = 0, 1, ... to every order; -1 pads shorter sequences.

        `reported` (an observation's status per row, -1 for none): a row the triggers leave
        elsewhere takes it through one deviation event (`deviation` 1, trigger -1, the
        marketplace as actor, `step` the number of trigger columns), as `Runtime.observe` does
        where the rules give no path. Without it, every event's `deviation` is 0.
        """
        if triggers.ndim == 1:
            triggers = triggers[:, None]
        nxt, act, base = self._stacked(signatures)
        width, height = len(self.triggers), len(self.statuses) + 1
        status = statuses.astype(np.int16, copy=True)
        events, refusals = _Columns(EVENT_COLUMNS), _Columns(REFUSAL_COLUMNS)
        for k, column in enumerate(np.ascontiguousarray(triggers.T)):
            rows = np.flatnonzero(column >= 0)
            before, trig = status[rows], column[rows]
            # A flat index into the stacked tables; an unknown status (-1) reads the last row.
            cell = base[rows] + (before % height).astype(np.intp) * width + trig
            after, actor = nxt[cell], act[cell]
            moved = after >= 0
            if moved.all():
                events.add(rows, np.full(rows.size, k), before, after, trig, actor,
                           np.zeros(rows.size, np.int8))  # fmt: skip
                status[rows] = after
                continue
            done, stuck = rows[moved], ~moved
            events.add(done, np.full(done.size, k), before[moved], after[moved], trig[moved],
                       actor[moved], np.zeros(done.size, np.int8))  # fmt: skip
            status[done] = after[moved]
            refusals.add(rows[stuck], np.full(int(stuck.sum()), k), before[stuck], trig[stuck],
                         after[stuck])  # fmt: skip
        if reported is not None:
            rows = np.flatnonzero((reported >= 0) & (reported != status))
            size = rows.size
            events.add(rows, np.full(size, triggers.shape[1]), status[rows], reported[rows],
                       np.full(size, -1), np.full(size, self._actor_code[Actor.MARKETPLACE.value]),
                       np.ones(size, np.int8))  # fmt: skip
            status[rows] = reported[rows]
        return BulkResult(status, events.done(), refusals.done())

    def _stacked(self, signatures: npt.NDArray[np.uint32]) -> tuple[Codes, Codes, Rows]:
        """The tables of the signatures present, flattened, and each row's offset into them."""
        unique, which = _groups(signatures)
        compiled = [self.arrays(int(u)) for u in unique]
        nxt = np.stack([a for a, _ in compiled]).ravel() if compiled else np.empty(0, np.int16)
        act = np.stack([b for _, b in compiled]).ravel() if compiled else np.empty(0, np.int16)
        return nxt, act, which * ((len(self.statuses) + 1) * len(self.triggers))

    def due(self, orders: OrderColumns, now: datetime) -> Rows:
        """Rows whose status has a timer that has expired by `now`."""
        after = self.timer_after[orders.statuses]
        deadline = orders.entered_at + after
        return np.flatnonzero((after >= 0) & (deadline <= int(now.timestamp())))

    # -- values --------------------------------------------------------------------------------

    def outcomes(
        self,
        result: BulkResult,
        order_ids: Sequence[str],
        initial: Sequence[str | None],
        at: datetime | Sequence[Sequence[datetime]],
        source: Source = Source.SIMULATION,
    ) -> list[Outcome]:
        """One `Outcome` per order: its status and the run's events and anomalies, in order."""
        when: Callable[[int, int], datetime] = (
            (lambda o, k: at) if isinstance(at, datetime) else (lambda o, k: at[o][k])
        )
        events = self._events(result, order_ids, when, source)
        anomalies = self._anomalies(result, order_ids, initial, when)
        return [
            Outcome(
                self.statuses[code] if code >= 0 else initial[o],
                tuple(events[o]),
                tuple(anomalies[o]),
            )
            for o, code in enumerate(result.statuses.tolist())
        ]

    def _events(
        self,
        result: BulkResult,
        order_ids: Sequence[str],
        when: Callable[[int, int], datetime],
        source: Source,
    ) -> list[list[Event]]:
        names, triggers, actors = self.statuses, self.triggers, self.actors
        per_order: list[list[Event]] = [[] for _ in order_ids]
        columns = result.events
        rows = zip(*(columns[name].tolist() for name in EVENT_COLUMNS), strict=True)
        for o, k, s, d, t, a, deviation in sorted(rows, key=lambda row: (row[0], row[1])):
            if deviation:  # after the triggers: dated at the row's last time
                event = Event(order_ids[o], names[s] if s >= 0 else None, names[d],
                              DEVIATION_TRIGGER, actors[a], source, False, when(o, max(k - 1, 0)),
                              True)  # fmt: skip
            else:
                event = Event(order_ids[o], names[s], names[d], triggers[t], actors[a], source,
                              False, when(o, k))  # fmt: skip
            per_order[o].append(event)
        return per_order

    def _anomalies(
        self,
        result: BulkResult,
        order_ids: Sequence[str],
        initial: Sequence[str | None],
        when: Callable[[int, int], datetime],
    ) -> list[list[Anomaly]]:
        per_order: list[list[Anomaly]] = [[] for _ in order_ids]
        columns = result.refusals
        rows = zip(*(columns[name].tolist() for name in REFUSAL_COLUMNS), strict=True)
        for o, k, s, t, kind in sorted(rows, key=lambda row: (row[0], row[1])):
            status = self.statuses[s] if s >= 0 else initial[o]
            anomaly = refused_trigger(
                order_ids[o], status, self.triggers[t], KINDS[kind], when(o, k)
            )
            per_order[o].append(anomaly)
        return per_order


def _groups(signatures: npt.NDArray[np.uint32]) -> tuple[npt.NDArray[np.intp], Rows]:
    """The distinct signatures and each row's index among them, as `np.unique` gives them.

    Signatures are small (one bit per guard): counting them beats sorting 100,000 of them.
    """
    if signatures.size == 0 or int(signatures.max()) > 4 * signatures.size + 1024:
        distinct, which = np.unique(signatures, return_inverse=True)
        return distinct.astype(np.intp), which.astype(np.intp)
    counts = np.bincount(signatures)
    unique = np.flatnonzero(counts)
    index = np.zeros(counts.size, dtype=np.intp)
    index[unique] = np.arange(unique.size)
    return unique, index[signatures]
