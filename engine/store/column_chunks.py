"""Columns of a frame built from the driver's rows a chunk at a time, typed as pandas types them.

pandas infers a column's type from a list of values: texts become `str` (None missing) unless
every value is None (then object), numbers int64, datetimes `datetime64[us, UTC]`. Inference
and the list cost more than the database's read; here each chunk's values go straight into
Arrow or numpy arrays of the known type, then are joined, to the same dtypes and values. A read
straight into Arrow (`arrow_read`) turns its text columns into the same columns
(`text_column`, `utc_times`). A text column read as codes into its few distinct texts
(`CodedTexts`) becomes the same column, or straight the categorical pandas makes of that column,
without the million texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray


class TextChunks:
    """A text column: `str`, None where missing; object (all None) when no value is a text."""

    def __init__(self) -> None:
        self._chunks: list[pa.Array] = []

    def add(self, values: Sequence[str | None]) -> None:
        self._chunks.append(pa.array(values, type=pa.large_string()))

    def column(self) -> pd.Series:
        return text_column(pa.chunked_array(self._chunks, type=pa.large_string()))


def text_column(texts: pa.ChunkedArray) -> pd.Series:
    """Arrow texts as the column pandas makes of their values (`large_string`)."""
    if texts.null_count == len(texts):
        return pd.Series([None] * len(texts), dtype=object)
    return pd.Series(pd.array(texts, dtype="str"))


@dataclass(frozen=True)
class CodedTexts:
    """A text column as `distinct.take(codes)`: each text once (None too, as a null), each row
    the position of its text. Every one of `distinct` is some row's: the categories are then
    those of the column's own values."""

    distinct: pa.Array  # large_string
    codes: NDArray[np.intp]

    def column(self, categorical: bool = False) -> pd.Series:
        """The column `text_column` makes of the texts or, `categorical`, its `astype("category")`
        (the distinct texts sorted as pandas sorts them), built from the few distinct texts."""
        if not categorical:
            return text_column(pa.chunked_array([self.distinct.take(self.codes)]))
        few = text_column(pa.chunked_array([self.distinct])).astype("category")
        codes = few.cat.codes.to_numpy()[self.codes]
        return pd.Series(pd.Categorical.from_codes(codes, dtype=few.dtype))

    @classmethod
    def encoded(cls, texts: pa.ChunkedArray) -> CodedTexts:
        """`texts` as codes, by Arrow's dictionary encoding (a null is a distinct text)."""
        found = pc.dictionary_encode(texts.combine_chunks(), null_encoding="encode")
        return cls(found.dictionary, found.indices.to_numpy().astype(np.intp))


def utc_times(texts: pa.ChunkedArray) -> pd.Series:
    """UTC text (`columns.utc_text`, no offset) as aware datetimes, parsed by Arrow; a text
    Arrow cannot read (one with an offset, from another writer) by pandas' ISO 8601 parser."""
    if not len(texts):
        return TimeChunks(text=True).column()
    try:
        moments = texts.cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))
    except pa.ArrowInvalid:
        chunks = TimeChunks(text=True)
        chunks.add(texts.to_pylist())
        return chunks.column()
    return pd.Series(moments.to_pandas(), name=None)


class NumberChunks:
    """An integer or boolean column, converted by numpy (SQLite's 0 and 1 become booleans)."""

    def __init__(self, dtype: type[np.generic]) -> None:
        self._dtype = dtype
        self._chunks: list[np.ndarray[Any, Any]] = []

    def add(self, values: Sequence[Any]) -> None:
        self._chunks.append(np.array(values, dtype=self._dtype))

    def column(self) -> np.ndarray[Any, Any]:
        return np.concatenate(self._chunks) if self._chunks else np.array([], dtype=self._dtype)


class TimeChunks:
    """A UTC datetime column from UTC text (`columns.utc_text`) or aware datetimes."""

    def __init__(self, text: bool) -> None:
        self._format = "ISO8601" if text else None
        self._chunks: list[pd.DatetimeIndex] = []

    def add(self, values: Sequence[Any]) -> None:
        moments = pd.to_datetime(np.array(values, dtype=object), utc=True, format=self._format)
        self._chunks.append(moments.as_unit("us"))

    def column(self) -> pd.Series:
        if not self._chunks:  # what pandas makes of no values at all
            return pd.to_datetime(pd.Series([], dtype=object), utc=True)
        return pd.Series(self._chunks[0].append(self._chunks[1:]))
