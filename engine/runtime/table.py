"""Row batches of observations, triggers, commands and timers on the compiled table.

A large sync hands the engine thousands of snapshots at once. `TableRuntime` is the runtime with
one difference: a status changes by a look-up in the transition table read back from the
machine (`engine.runtime.machine.compile_table`) instead of a `transitions` trigger, and an inferred
path is emitted as it was found instead of being replayed step by step. Everything else (codes,
paths, anomalies, blockers, messages) is the runtime's own code, so both paths answer the same;
a property test keeps them equal on every rule file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from engine.model.blockers import Decision
from engine.model.events import Event, Source
from engine.model.outcome import Outcome
from engine.runtime.machine import Step
from engine.runtime.runtime import Runtime, record_of
from engine.runtime.status_paths import Path

Column = Sequence[object]


def _column(value: object, size: int) -> Sequence[object]:
    """A per-row column, or one value repeated (a batch fetched at one time, say)."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != size:
            raise ValueError(f"a column has {len(value)} rows, expected {size}")
        return value
    return [value] * size


class TableRuntime(Runtime):
    """The runtime on the compiled table, with batch entry points."""

    def _fire(
        self, status: str, trigger: str, record: Mapping[str, object], toward: str | None = None
    ) -> Step | None:
        return self.table.resolve(status, trigger, record, toward)

    def _walk(
        self, order_id: str, path: Path, record: Mapping[str, object], at: datetime, source: Source
    ) -> tuple[Event, ...]:
        last = len(path) - 1
        return tuple(
            Event(order_id, m.source, m.dest, m.trigger, m.actor, source, i < last, at)
            for i, m in enumerate(path)
        )

    def observe_batch(
        self,
        order_ids: Sequence[str],
        currents: Sequence[str | None],
        reported: Column,
        fields: Sequence[Mapping[str, object] | None] | None,
        at: datetime | Sequence[datetime],
        source: Source = Source.FETCH,
        previous: Sequence[Mapping[str, object] | None] | None = None,
    ) -> list[Outcome]:
        """`observe` for every row; a bad row gives anomalies, never an exception.

        `previous`: each order's fields as last observed (see `Runtime.observe`), None for none.
        """
        size = len(order_ids)
        rows = zip(
            order_ids, _column(currents, size), _column(reported, size),
            _column(fields, size), _column(at, size), _column(previous, size), strict=True,
        )  # fmt: skip
        return [
            self.observe(order_id, current, code, record_of(record), when, source, previous=before)
            for order_id, current, code, record, when, before in rows
        ]

    def command_batch(
        self,
        currents: Sequence[str],
        actions: Sequence[str],
        fields: Sequence[Mapping[str, object] | None] | None,
    ) -> list[Decision]:
        size = len(currents)
        rows = zip(currents, _column(actions, size), _column(fields, size), strict=True)
        return [self.checker.decide(c, a, record_of(f)) for c, a, f in rows]  # type: ignore[arg-type]

    def fire_due_batch(
        self,
        order_ids: Sequence[str],
        currents: Sequence[str | None],
        entered_at: Sequence[datetime],
        now: datetime,
        fields: Sequence[Mapping[str, object] | None] | None = None,
    ) -> list[Outcome]:
        size = len(order_ids)
        rows = zip(order_ids, currents, entered_at, _column(fields, size), strict=True)
        return [
            self.fire_due(order_id, current, entered, now, record_of(record))
            for order_id, current, entered, record in rows
        ]
