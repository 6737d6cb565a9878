"""Rule fields of orders as event-log columns: each order's value read once, spread over its events.

The orders' `fields` are JSON. The database cuts out each value asked for (SQLite's `->`,
PostgreSQL's `->` as text) and Python decodes each distinct value once, where the row-by-row read
decoded each order's whole document once per event. SQLite before 3.38 has no `->`: there each
document is decoded, once per order. The values are those `json.loads` gives for the stored
text. The events of one order arrive together (`OrderRuns`), so an order's value is repeated
over its run of events.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sqlalchemy import Connection

from engine.store.column_chunks import TextChunks
from engine.store.statement import Statement
from engine.store.tables import orders

# The first SQLite with the `->` operator, which returns a value's JSON text.
SQLITE_ARROW = (3, 38)

Objects = NDArray[np.object_]


@dataclass(frozen=True)
class OrderRuns:
    """The orders of events grouped by order: each order once, in the events' order, with the
    number of its events."""

    keys: pd.MultiIndex
    counts: NDArray[np.intp]

    @classmethod
    def of(cls, marketplaces: pd.Series, order_ids: pd.Series) -> OrderRuns:
        if marketplaces.empty:
            return cls(pd.MultiIndex.from_arrays([marketplaces, order_ids]), np.zeros(0, np.intp))
        changed = order_ids.ne(order_ids.shift()) | marketplaces.ne(marketplaces.shift())
        first = changed.to_numpy(dtype=bool, copy=True)
        first[0] = True
        starts = np.flatnonzero(first)
        keys = pd.MultiIndex.from_arrays([marketplaces.iloc[starts], order_ids.iloc[starts]])
        return cls(keys, np.diff(starts, append=len(order_ids)))


def order_fields(
    connection: Connection, marketplace: str | None, names: Sequence[str], runs: OrderRuns
) -> list[list[Any]]:
    """Per name, each event's value of that field of its order (None where the order has none)."""
    keys, values = _read(connection, marketplace, names)
    # -1 for an order not found (the store never deletes one): the None after the last value.
    where = keys.get_indexer(runs.keys)
    return [np.repeat(_padded(column)[where], runs.counts).tolist() for column in values]


def _read(
    connection: Connection, marketplace: str | None, names: Sequence[str]
) -> tuple[pd.MultiIndex, list[Objects]]:
    """Every order's key and its value of each of `names`."""
    statement = Statement(connection)
    cut = connection.dialect.name != "sqlite" or _sqlite_cuts(connection, names)
    if cut:
        expressions = [_value_text(statement, name) for name in names]
    else:
        expressions = [statement.name("fields")]
    if marketplace is not None:
        statement.where("marketplace", "=", marketplace)
    keys = statement.names(("marketplace", "order_id"))
    markets, order_ids = TextChunks(), TextChunks()
    stored: list[list[Any]] = [[] for _ in expressions]
    for rows in statement.chunks(connection, statement.select([*keys, *expressions], orders.name)):
        market, order_id, *texts = zip(*rows, strict=True)
        markets.add(market)
        order_ids.add(order_id)
        for column, chunk in zip(stored, texts, strict=True):
            column.extend(chunk)
    index = pd.MultiIndex.from_arrays([markets.column(), order_ids.column()])
    if cut:
        return index, [_decoded(texts) for texts in stored]
    documents = [json.loads(text) for text in stored[0]]
    return index, [_picked(documents, name) for name in names]


def _sqlite_cuts(connection: Connection, names: Sequence[str]) -> bool:
    """Whether SQLite can cut out each of `names` (a quoted path label cannot hold a quote)."""
    version = connection.dialect.server_version_info or (0,)
    return tuple(version) >= SQLITE_ARROW and not any('"' in name for name in names)


def _value_text(statement: Statement, name: str) -> str:
    """SQL for the JSON text of the order's `name` (NULL when its fields have no such key)."""
    fields = statement.name("fields")
    if statement.sqlite:
        path = '$."' + name + '"'  # quoted: a name may hold a dot
        return f"{fields} -> {statement.param(path)}"
    return f"({fields} -> CAST({statement.param(name)} AS text))::text"


def _decoded(texts: Sequence[str | None]) -> Objects:
    """Each JSON text decoded (None for no text), each distinct text once."""
    codes, distinct = pd.factorize(np.array(texts, dtype=object))
    values = np.empty(len(distinct) + 1, dtype=object)  # the last stays None: code -1, no text
    for index, text in enumerate(distinct):
        values[index] = json.loads(text)
    decoded: Objects = values[codes]
    return decoded


def _picked(documents: list[dict[str, Any]], name: str) -> Objects:
    return np.fromiter((d.get(name) for d in documents), dtype=object, count=len(documents))


def _padded(column: Objects) -> Objects:
    """`column` and a None after its last value."""
    padded = np.empty(len(column) + 1, dtype=object)
    padded[:-1] = column
    return padded
