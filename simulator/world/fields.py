"""Order fields as small integer columns, so a million orders group into a few cohorts.

Every field of the rule file is a column of codes: 0 for "missing", then the field's values
(an enum's codes, false/true, the texts a scenario names, or one stand-in for a free text such
as a tracking number, generated per order only when an order is shown). Rules only ever look at
fields through conditions, so orders with the same row of codes behave the same: the simulator
asks the engine once per distinct row (a *cohort*) and broadcasts the answer.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from engine.model.definition import FieldType, RuleSet
from simulator.scenario.values import FieldMix

# The value of a free-text field that is present; a real text is generated when shown.
GENERATED = "\u2026"

Rows = NDArray[np.intp]
# Up to this many possible rows of codes, cohorts are found with a table rather than a sort.
DENSE_KEYS = 1 << 22


class FieldTable:
    """The fields of `n` orders, one int16 column per field of the rule set."""

    def __init__(self, rules: RuleSet, n: int) -> None:
        self.rules = rules
        self.names = tuple(f.name for f in rules.fields)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.vocab: list[list[object]] = [self._values(f.name) for f in rules.fields]
        self.codes = np.zeros((n, len(self.names)), dtype=np.int16)

    def _values(self, name: str) -> list[object]:
        field = self.rules.field_by_name[name]
        if field.type is FieldType.ENUM:
            return [None, *field.codes]
        if field.type is FieldType.BOOL:
            return [None, False, True]
        return [None, GENERATED]

    def code(self, name: str, value: object) -> int:
        """The column code of `value` (a bool field takes "true"/"false" too)."""
        column = self.vocab[self.index[name]]
        if isinstance(value, str) and column[1:3] == [False, True]:
            value = value == "true"
        if value not in column:
            column.append(value)
        return column.index(value)

    def draw(self, mix: FieldMix, rows: Rows, rng: np.random.Generator, fix: bool = False) -> None:
        """Fill `mix.field` for `rows` from its shares; `fix` leaves nothing missing."""
        if not len(rows):
            return
        column = self.index[mix.field]
        codes = self._present_codes(mix)
        if codes.size == 0:
            self.codes[rows, column] = 0
            return
        weights = np.asarray([w for _, w in mix.shares] or [1.0], dtype=np.float64)
        picked = codes[rng.choice(codes.size, size=len(rows), p=weights / weights.sum())]
        if mix.missing > 0 and not fix:
            picked = np.where(rng.random(len(rows)) < mix.missing, 0, picked)
        self.codes[rows, column] = picked

    def _present_codes(self, mix: FieldMix) -> NDArray[np.int16]:
        if mix.shares:
            values: list[object] = [value for value, _ in mix.shares]
        elif self.rules.field_by_name[mix.field].type in (FieldType.ENUM, FieldType.BOOL):
            values = []  # no shares given and only "missing": always missing
        else:
            values = [GENERATED]
        return np.asarray([self.code(mix.field, v) for v in values], dtype=np.int16)

    def set(self, name: str, value: object, rows: Rows) -> None:
        self.codes[rows, self.index[name]] = self.code(name, value)

    def column(self, name: str) -> NDArray[np.int16]:
        result: NDArray[np.int16] = self.codes[:, self.index[name]]
        return result

    def cohorts(
        self, rows: Rows, columns: tuple[str, ...] | None = None
    ) -> tuple[NDArray[np.int16], NDArray[np.intp]]:
        """The distinct rows of codes among `rows`, and for each of `rows` its cohort's index.

        With `columns`, only those fields count (the others read as missing in the cohorts):
        callers pass the fields that can change the answer they are after.
        """
        block = self.codes[rows]
        keep = np.ones(len(self.names), dtype=np.bool_)
        if columns is not None:
            keep[:] = False
            keep[[self.index[c] for c in columns]] = True
        sizes = [len(v) for v in self.vocab]
        space = float(np.prod(sizes, dtype=np.float64))
        if space > DENSE_KEYS:
            unique, inverse = np.unique(np.where(keep, block, 0), axis=0, return_inverse=True)
            return unique.astype(np.int16), inverse.reshape(-1)
        radix = np.cumprod([1, *sizes[:-1]], dtype=np.int64)
        # The key of the kept columns only (the others read as missing, code 0), summed a
        # column at a time: no copy of the block in 64-bit integers.
        keys = np.zeros(len(rows), dtype=np.int64)
        for column in np.flatnonzero(keep).tolist():
            keys += block[:, column] * radix[column]
        # A dense table instead of a sort: the key space is small, the orders are many. Rows
        # with the same key have the same kept codes, so any of them can stand for its cohort.
        first = np.full(int(space), -1, dtype=np.intp)
        first[keys] = np.arange(keys.size, dtype=np.intp)
        present = np.flatnonzero(first >= 0)
        number = np.zeros(int(space), dtype=np.intp)
        number[present] = np.arange(present.size, dtype=np.intp)
        cohorts = np.where(keep, block[first[present]], 0).astype(np.int16)
        return cohorts, number[keys]

    def keys(self, rows: Rows, columns: tuple[str, ...]) -> tuple[NDArray[np.int64], int]:
        """A number per row for its codes in `columns` (equal codes, equal number), and how
        many numbers there can be (`key_space`): a dense key for look-up tables."""
        index = [self.index[c] for c in columns]
        if not index:
            return np.zeros(len(rows), dtype=np.int64), 1
        sizes = [len(self.vocab[i]) for i in index]
        radix = np.cumprod([1, *sizes[:-1]], dtype=np.int64)
        keys: NDArray[np.int64] = (
            self.codes[np.ix_(rows, np.asarray(index, np.intp))].astype(np.int64) @ radix
        )
        return keys, self.key_space(columns)

    def key_space(self, columns: tuple[str, ...]) -> int:
        """How many keys `keys` can give over `columns`: it grows as a field's values do."""
        space = 1
        for name in columns:
            space *= len(self.vocab[self.index[name]])
        return space

    def record(self, codes: NDArray[np.int16]) -> Mapping[str, object]:
        """The fields of one row of codes as the engine reads them (missing fields left out)."""
        record: dict[str, object] = {}
        for i, name in enumerate(self.names):
            if codes[i]:
                record[name] = self.vocab[i][int(codes[i])]
        return record
