"""Names and fields into the bulk path's integer columns, with no Python loop per order.

Users hand the bulk path strings: statuses, trigger sequences and field dicts. Encoding 100,000
of them one order at a time in Python took about four times as long as replaying every event
through a plain dict, so the fast path was only fast for callers that already held codes. Here
every column is encoded by C-level iteration: `map` over a dict's look-up fed to `np.fromiter`,
and the guards are evaluated once per distinct combination of the guarded fields' values (found
by `dict.fromkeys`), never once per order.

The codes are the old per-element ones exactly (a test pins it): a status is its index, None or
an unknown name -1; a trigger its index, None -1, an undeclared name `UnknownName`. Values group
as the old keys `(type(v), v)` did, so `True` and `1` never share a signature although they are
equal: a guard tells them apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain, repeat

import numpy as np
import numpy.typing as npt

from engine.model.conditions import Condition
from engine.model.errors import UnknownName
from engine.runtime.runtime import record_of

Codes = npt.NDArray[np.int16]
Signatures = npt.NDArray[np.uint32]
Fields = Sequence[Mapping[str, object] | None]
# Builtin types whose values equal no value of another of these types, but for the numbers:
# True == 1 == 1.0, so a column mixing two numeric types is keyed by (type, value).
PLAIN = frozenset({str, type(None), bool, int, float})
NUMBERS = frozenset({bool, int, float})


class ColumnEncoder:
    """The code tables of one rule set and the encoders that use them."""

    def __init__(
        self,
        statuses: Sequence[str],
        triggers: Sequence[str],
        conditions: Iterable[Condition],
        signature: Callable[[Mapping[str, object]], int],
        source: object,
    ) -> None:
        self._status_code: dict[str | None, int] = {name: i for i, name in enumerate(statuses)}
        self._trigger_code: dict[str | None, int] = {name: i for i, name in enumerate(triggers)}
        self._trigger_code[None] = -1
        self.guarded = tuple(sorted(frozenset().union(*(c.fields() for c in conditions))))
        self._signature = signature
        self._source = source

    def statuses(self, names: Sequence[str | None]) -> Codes:
        """Status codes; an unknown name (or None) becomes -1 and is refused as unknown."""
        codes = map(self._status_code.get, names, repeat(-1))
        return np.fromiter(codes, dtype=np.int16, count=len(names))

    def triggers(self, names: Iterable[str | None], count: int) -> Codes:
        """Trigger codes of `count` names; None is -1 (no event); an undeclared name raises."""
        try:
            return np.fromiter(map(self._trigger_code.__getitem__, names), np.int16, count)
        except KeyError as missing:
            name = missing.args[0]
            raise UnknownName(f"trigger '{name}' is not declared in {self._source}") from None

    def trigger_matrix(self, sequences: Sequence[Sequence[str | None]]) -> Codes:
        """Triggers per order as a matrix, shorter sequences padded with -1."""
        lengths = np.fromiter(map(len, sequences), dtype=np.intp, count=len(sequences))
        codes = self.triggers(chain.from_iterable(sequences), int(lengths.sum()))
        width = max(int(lengths.max()) if lengths.size else 0, 1)
        matrix = np.full((len(sequences), width), -1, dtype=np.int16)
        # A boolean mask fills row by row, left to right: the flattened sequences, in order.
        matrix[np.arange(width) < lengths[:, None]] = codes
        return matrix

    def signatures(self, fields: Fields) -> Signatures:
        """Each order's guard signature, computed once per distinct guarded-field combination."""
        # Read in C when every record is a dict; a dict subclass may override `get`, so not it.
        dicts = set(map(type, fields)) <= {dict}
        columns = [_typed(_column(fields, name, dicts)) for name in self.guarded]
        keys = _keys(columns, len(fields))
        try:
            found: dict[object, int] = dict.fromkeys(keys, 0)
        except TypeError:  # an unhashable value: no sharing at all, one signature per order
            signatures = (self._signature(record_of(r)) for r in fields)
            return np.fromiter(signatures, dtype=np.uint32, count=len(fields))
        for key in found:
            found[key] = self._signature(self._record(key, len(columns)))
        return np.fromiter(map(found.__getitem__, keys), dtype=np.uint32, count=len(fields))

    def _record(self, key: object, width: int) -> dict[str, object]:
        """The guarded fields of the orders sharing `key` (typed values unwrapped)."""
        values = key if width != 1 else (key,)
        assert isinstance(values, tuple)
        return {
            name: value.value if isinstance(value, _Typed) else value
            for name, value in zip(self.guarded, values, strict=True)
        }


class _Typed(tuple[type, object]):
    """A value keyed with its type, so that `True` and `1` stay apart."""

    __slots__ = ()

    @property
    def value(self) -> object:
        return self[1]


def _column(fields: Fields, name: str, dicts: bool) -> list[object]:
    """One field of every order, None where missing (`dicts`: every record is a plain dict)."""
    if dicts:
        return list(map(dict.get, fields, repeat(name)))  # type: ignore[arg-type]
    return [record_of(record).get(name) for record in fields]


def _keys(columns: list[list[object]], size: int) -> list[object]:
    """One grouping key per order: its guarded values (the value itself for a single field)."""
    if len(columns) == 1:
        return columns[0]
    return list(zip(*columns, strict=True)) if columns else [()] * size


def _typed(column: list[object]) -> list[object]:
    """The column as grouping keys: the values, or (type, value) where types could mix."""
    types = set(map(type, column))
    if len(types) <= 1 or (types <= PLAIN and len(types & NUMBERS) <= 1):
        return column
    return list(map(_Typed, zip(map(type, column), column, strict=True)))
