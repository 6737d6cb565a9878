"""The marketplace's ground truth of a run, as columns.

Every status change of every order (with the order's creation as the first) and every command
the seller tried, kept as numpy columns of small integer codes: a million orders with several
changes each fit in a few hundred megabytes, and the simulated channel, the output writer and
the summary read them without building one Python object per event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from engine.model.blockers import Decision
from engine.model.definition import Actor, RuleSet
from simulator.world.fields import FieldTable
from simulator.world.heap import give_back

I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
I16 = NDArray[np.int16]
ACTORS: tuple[str, ...] = tuple(a.value for a in Actor)
# Changes handled at a time where a pass over all of them would need a copy of every one.
SPAN = 1 << 20
# Code of "no status" (before creation) and of the creation "trigger" in the columns.
NONE = -1


class Columns:
    """Named columns filled in batches: append arrays, read one concatenated array per name."""

    def __init__(self, dtypes: dict[str, type[np.generic]]) -> None:
        self.dtypes = dtypes
        self.parts: dict[str, list[NDArray[np.generic]]] = {name: [] for name in dtypes}

    def add(self, **columns: NDArray[np.generic] | int) -> None:
        """Append one batch; a scalar is repeated to the batch's length (its longest column).

        Called a few times per poll, so it reads `ndim`/`size` off the arrays directly rather
        than through numpy's generic `np.ndim`/`np.size` (which cost more than the copies).
        """
        given = {name: np.asarray(value) for name, value in columns.items()}
        size = max((v.size for v in given.values() if v.ndim > 0), default=1)
        for name, dtype in self.dtypes.items():
            value = given[name]
            if value.ndim == 0:
                self.parts[name].append(np.full(size, value, dtype))
            else:
                self.parts[name].append(value.astype(dtype, copy=False))

    def extend(self, other: Columns) -> None:
        for name in self.dtypes:
            self.parts[name].extend(other.parts[name])

    def array(self, name: str) -> NDArray[Any]:
        parts = self.parts[name]
        return np.concatenate(parts) if parts else np.empty(0, self.dtypes[name])

    def merge(self) -> None:
        """Join each column's parts into one, a column at a time (never two copies of all)."""
        for name in self.dtypes:
            self.parts[name] = [self.array(name)]

    def take(self, name: str, positions: NDArray[np.intp]) -> NDArray[Any]:
        """One merged column in the order of `positions`, let go of once gathered."""
        (whole,) = self.parts[name]
        self.parts[name] = []
        result: NDArray[Any] = whole[positions]
        return result


def time_order(columns: Columns) -> NDArray[np.intp]:
    """Positions sorting by time then order (pairs are unique).

    The columns are merged first and the key built in place: besides the rows, no more than
    the key and the positions are ever in memory (the columns are then `take`n one by one).
    Where (time, order, position) fit an unsigned 64-bit key, its values are sorted, several
    times faster than sorting positions by a key, and the positions read off its low digits.
    """
    columns.merge()
    give_back()  # the parts, merged: the sort needs the room
    time, order = columns.parts["time"][0], columns.parts["order"][0]
    size = int(time.size)
    low = int(time.min()) if size else 0
    width = int(time.max()) - low + 1 if size else 1
    orders = int(order.max()) + 1 if size else 1
    if width * orders * size >= 1 << 64:
        key = time.astype(np.int64)  # a copy
        key <<= 32
        key += cast("NDArray[np.int32]", order)
        found: NDArray[np.intp] = np.argsort(key)
        return found
    packed = time.astype(np.uint64)  # a copy; negative times wrap, and come back below
    packed -= np.int64(low).view(np.uint64)
    for start in range(0, size, SPAN):  # a span at a time: no temporary as long as the rows
        part = packed[start : start + SPAN]
        part *= np.uint64(orders)
        part += order[start : start + SPAN].astype(np.uint64)
        part *= np.uint64(size)
        part += np.arange(start, start + part.size, dtype=np.uint64)
    packed.sort()
    packed %= np.uint64(size)
    result: NDArray[np.intp] = packed.view(np.int64)
    return result


EVENT_COLUMNS: dict[str, type[np.generic]] = {
    "order": np.int32,
    "seq": np.int16,
    "time": np.int64,
    "source": np.int16,
    "dest": np.int16,
    "trigger": np.int16,
    "actor": np.int8,
}
COMMAND_COLUMNS: dict[str, type[np.generic]] = {
    "order": np.int32,
    "time": np.int64,
    "status": np.int16,
    "action": np.int16,
    "decision": np.int32,
    "waited": np.int32,
}


@dataclass
class Commands:
    """Every command the seller tried: when, at which status, and the engine's decision.

    `decision` indexes `decisions`, the distinct decisions of the run (allowed, or blocked with
    the blockers saying why); `waited` is the seconds from the order reaching the status to
    the command (the seller's own delay, kept as the seller acts: the summary's figure).
    """

    order: I32
    time: I64
    status: I16
    action: I16
    decision: I32
    waited: I32
    decisions: list[Decision] = field(default_factory=list)

    @cached_property
    def allowed(self) -> NDArray[np.bool_]:
        table = np.asarray([d.allowed for d in self.decisions], dtype=np.bool_)
        result: NDArray[np.bool_] = table[self.decision] if table.size else self.decision > 0
        return result

    def of_order(self, index: int) -> NDArray[np.intp]:
        """Positions of one order's commands, in time order."""
        if index + 1 >= self._spans.size:
            return np.empty(0, dtype=np.intp)  # no command for this order or any after it
        start, stop = self._spans[index], self._spans[index + 1]
        result: NDArray[np.intp] = self._by_order[start:stop]
        return result

    @cached_property
    def _by_order(self) -> NDArray[np.intp]:
        result: NDArray[np.intp] = np.argsort(self.order, kind="stable")
        return result

    @cached_property
    def _spans(self) -> NDArray[np.int64]:
        orders = int(self.order.max()) + 2 if self.order.size else 1
        counts = np.bincount(self.order, minlength=orders)
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


@dataclass
class Truth:
    """What really happened on the marketplace, ordered by time (then order)."""

    rules: RuleSet
    start: datetime
    horizon: int
    arrival: I64
    fields: FieldTable
    order: I32
    # The rank of each change among its order's (0 for the creation): the step that made it.
    seq: I16
    time: I64
    source: I16
    dest: I16
    trigger: I16
    actor: NDArray[np.int8]
    commands: Commands
    # (status, action) -> the field columns the seller types with that command.
    typed: Mapping[tuple[int, int], tuple[int, ...]] = field(default_factory=dict)

    @cached_property
    def statuses(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.rules.statuses)

    @property
    def triggers(self) -> tuple[str, ...]:
        return self.rules.triggers

    @property
    def orders(self) -> int:
        return int(self.arrival.size)

    def fields_at(self, index: int, time: int) -> I16:
        """An order's field codes as the marketplace shows them at `time`.

        What the seller types with a command (a carrier, a tracking number) shows only once an
        allowed command carrying it has been sent; the other fields are the order's from the
        start.
        """
        codes = self.fields.codes[index].copy()
        hidden = {c for columns in self.typed.values() for c in columns}
        commands = self.commands
        for k in commands.of_order(index).tolist():
            if commands.time[k] <= time and commands.allowed[k]:
                key = (int(commands.status[k]), int(commands.action[k]))
                hidden -= set(self.typed.get(key, ()))
        codes[sorted(hidden)] = 0
        result: I16 = codes
        return result

    def final_status(self) -> I16:
        """Each order's status at the end of the run (its last change)."""
        return self._final.copy()

    @cached_property
    def _final(self) -> I16:
        last = np.full(self.orders, -1, dtype=np.int64)
        for start in range(0, self.order.size, SPAN):
            self.latest(last, start, min(start + SPAN, self.order.size))
        final: I16 = self.dest[last] if self.orders else np.empty(0, np.int16)
        return final

    def latest(self, last: I64, start: int, stop: int) -> None:
        """Move `last` (each order's latest change among the changes before `start`) on to
        the changes before `stop`: the changes are in time order, and the last write wins."""
        last[self.order[start:stop]] = np.arange(start, stop, dtype=np.int64)
