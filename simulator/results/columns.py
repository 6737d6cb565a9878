"""From the run's integer codes to Arrow columns a reader understands.

Statuses, triggers, actors and field values stay small integers while the simulation runs; only
when a chunk is written do they become Arrow dictionary columns (the code array plus the names
once), timestamps and order ids. No Python object per row is built on the way, so writing
millions of events costs a few Arrow kernels per chunk.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from engine.model.definition import FieldType
from engine.runtime.runtime import CREATE_TRIGGER, DEVIATION_TRIGGER
from simulator.world.fields import GENERATED
from simulator.world.truth import ACTORS, Truth

TIMESTAMP = pa.timestamp("s", tz="UTC")
# The words of an order id (SIM000000001): "SIM" and a digit, and every 4 digits.
_FIRST = np.frombuffer("".join(f"SIM{i}" for i in range(10)).encode(), dtype=np.uint32)
_FOUR_DIGITS = np.frombuffer("".join(f"{i:04d}" for i in range(10_000)).encode(), np.uint32)


def dictionary(codes: NDArray[np.integer], names: Sequence[object]) -> pa.DictionaryArray:
    """Codes as a dictionary column over `names`; a negative code is a null.

    The codes are the run's own indices into `names`, so Arrow is not asked to check each one
    (three quarters of the column's making, about 0.7 s of CPU over a month of a million
    orders); a code past the names would be a bug of the run's, caught by the tests' readers.
    """
    indices = pa.array(codes.astype(np.int32), mask=_nulls(codes < 0))
    values = pa.array(list(names), pa.string())
    return pa.DictionaryArray.from_arrays(indices, values, safe=False)


def _nulls(mask: NDArray[np.bool_]) -> NDArray[np.bool_] | None:
    """`mask` where it marks a null, None where it marks none (no bitmap to build)."""
    return mask if mask.any() else None


class Encoder:
    """Arrow columns for one run: its order ids, names, stages, times and order fields."""

    def __init__(self, truth: Truth, field_names: Sequence[str]) -> None:
        self.truth = truth
        rules = truth.rules
        self.marketplace = rules.marketplace.code
        self.statuses = truth.statuses
        self.stages = [rules.stage_of(s) for s in self.statuses]
        # Each status's stage as an index in the sorted stage names (-1, the last, for none).
        self.stage_names = sorted(set(self.stages))
        self._stage_codes = np.asarray(
            [self.stage_names.index(s) for s in self.stages] + [-1], np.int32
        )
        # -1 is the creation; the code after the rule set's triggers an engine deviation.
        self.triggers = (CREATE_TRIGGER, *truth.triggers, DEVIATION_TRIGGER)
        self.epoch = int(truth.start.timestamp())
        self.field_names = tuple(field_names)

    def order_ids(
        self,
        order: NDArray[np.integer],
        suffix: str = "",
        shown: NDArray[np.bool_] | None = None,
    ) -> pa.Array:
        """`simulator.run.channel.order_id` of each order, followed by `suffix` (null where
        `shown` is false), built for the chunk at hand (a table of every order's id would cost
        each order its bytes for the whole run)."""
        if order.size and int(order.max()) + 1 >= 10**9:  # longer ids: Arrow's kernels
            text = pc.cast(pa.array(order.astype(np.int64) + 1), pa.string())
            ids = pc.binary_join_element_wise("SIM", pc.utf8_lpad(text, 9, "0"), suffix, "")
            return ids if shown is None else pc.if_else(pa.array(shown), ids, None)
        present = (order if shown is None else order[shown]).astype(np.uint32)
        present += np.uint32(1)
        # An id is 12 bytes, three 4-byte words: "SIM" and the first digit, then the next 4
        # digits, then the last 4, each word looked up in a table; the suffix's bytes follow.
        # (Unsigned 32-bit division, twice: the 64-bit floor divisions cost twice as much.)
        high, low = np.divmod(present, np.uint32(10_000))
        first, middle = np.divmod(high, np.uint32(10_000))
        words = np.empty((present.size, 3), dtype=np.uint32)
        words[:, 0] = _FIRST[first]
        words[:, 1] = _FOUR_DIGITS[middle]
        words[:, 2] = _FOUR_DIGITS[low]
        tail = np.frombuffer(suffix.encode(), np.uint8)
        width = 12 + tail.size
        text = words.view(np.uint8).reshape(present.size, 12)
        if tail.size:
            text = np.concatenate([text, np.broadcast_to(tail, (present.size, tail.size))], 1)
        if shown is None:
            offsets = np.arange(0, width * (order.size + 1), width, dtype=np.int32)
            return pa.StringArray.from_buffers(
                order.size, pa.py_buffer(offsets), pa.py_buffer(text)
            )
        offsets = np.zeros(order.size + 1, dtype=np.int32)
        np.cumsum(shown * np.int32(width), out=offsets[1:])
        valid = np.packbits(shown, bitorder="little")
        return pa.StringArray.from_buffers(
            order.size,
            pa.py_buffer(offsets),
            pa.py_buffer(text),
            pa.py_buffer(valid),
            order.size - present.size,
        )

    def times(self, seconds: NDArray[np.int64]) -> pa.Array:
        return pa.array(seconds + self.epoch, TIMESTAMP)

    def status(self, codes: NDArray[np.integer]) -> pa.DictionaryArray:
        return dictionary(codes, self.statuses)

    def stage(self, codes: NDArray[np.integer]) -> pa.DictionaryArray:
        return dictionary(self._stage_codes[codes], self.stage_names)

    def trigger(self, codes: NDArray[np.integer]) -> pa.DictionaryArray:
        return dictionary(codes.astype(np.int32) + 1, self.triggers)  # -1 is the creation

    def actor(self, codes: NDArray[np.integer]) -> pa.DictionaryArray:
        return dictionary(codes, ACTORS)

    def constant(self, value: str, size: int) -> pa.DictionaryArray:
        return dictionary(np.zeros(size, np.int32), [value])

    def fields(self, order: NDArray[np.integer], names: Sequence[str]) -> dict[str, pa.Array]:
        """Order field columns: enums as dictionaries, booleans as booleans, texts as text."""
        table = self.truth.fields
        columns: dict[str, pa.Array] = {}
        for name in names:
            codes = table.codes[order, table.index[name]]
            kind = self.truth.rules.field_by_name[name].type
            vocab = table.vocab[table.index[name]]
            if kind is FieldType.BOOL:
                columns[name] = pa.array(codes == 2, mask=_nulls(codes == 0))
            elif vocab[1:] == [GENERATED]:
                columns[name] = self.order_ids(order, f"-{name}", shown=codes != 0)
            else:
                columns[name] = dictionary(codes.astype(np.int32) - 1, [str(v) for v in vocab[1:]])
        return columns
