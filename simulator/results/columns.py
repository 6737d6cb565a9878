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


def dictionary(codes: NDArray[np.integer], names: Sequence[object]) -> pa.DictionaryArray:
    """Codes as a dictionary column over `names`; a negative code is a null."""
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(names), pa.string()))


class Encoder:
    """Arrow columns for one run: its order ids, names, stages, times and order fields."""

    def __init__(self, truth: Truth, field_names: Sequence[str]) -> None:
        self.truth = truth
        rules = truth.rules
        self.marketplace = rules.marketplace.code
        self.statuses = truth.statuses
        self.stages = [rules.stage_of(s) for s in self.statuses]
        # -1 is the creation; the code after the rule set's triggers an engine deviation.
        self.triggers = (CREATE_TRIGGER, *truth.triggers, DEVIATION_TRIGGER)
        self.epoch = int(truth.start.timestamp())
        self.field_names = tuple(field_names)
        numbers = pc.cast(pa.array(np.arange(1, truth.orders + 1, dtype=np.int64)), pa.string())
        self.ids = pc.binary_join_element_wise("SIM", pc.utf8_lpad(numbers, 9, "0"), "")

    def order_ids(self, order: NDArray[np.integer]) -> pa.Array:
        return self.ids.take(pa.array(order.astype(np.int64)))

    def times(self, seconds: NDArray[np.int64]) -> pa.Array:
        return pa.array(seconds + self.epoch, TIMESTAMP)

    def status(self, codes: NDArray[np.integer]) -> pa.DictionaryArray:
        return dictionary(codes, self.statuses)

    def stage(self, codes: NDArray[np.integer]) -> pa.DictionaryArray:
        stage_codes = np.asarray([self._stage_index(s) for s in self.stages] + [-1], np.int32)
        return dictionary(stage_codes[codes], sorted(set(self.stages)))

    def _stage_index(self, stage: str) -> int:
        return sorted(set(self.stages)).index(stage)

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
                columns[name] = pa.array(codes == 2, mask=codes == 0)
            elif vocab[1:] == [GENERATED]:
                generated = pc.binary_join_element_wise(self.order_ids(order), f"-{name}", "")
                columns[name] = pc.if_else(pa.array(codes != 0), generated, None)
            else:
                columns[name] = dictionary(codes.astype(np.int32) - 1, [str(v) for v in vocab[1:]])
        return columns
