"""Orders' rule fields and rules version as event-log columns: each order's value read once, spread
over its events.

The orders' `fields` are JSON. The database cuts out each value asked for (SQLite's `->`,
PostgreSQL's `->` as text) and Python decodes each distinct value once, where the row-by-row read
decoded each order's whole document once per event. SQLite before 3.38 has no `->` (nor can it
name a field whose name holds a quote): there each document is decoded, once per order. The
values are those `json.loads` gives for the stored text. The events of one order arrive together
(`OrderRuns`), so an order's value is repeated over its run of events, as codes into the distinct
values; the column's type is the one pandas gives the values the events hold, and so the one it
gave the row-by-row read's list of them (a text column, booleans with None as objects...).

An order is pinned to the rules version it runs under (`orders.rules_version`). Asked for
(`version`; the event frame's field `RULES_VERSION`), it comes in the same statement as the rule
fields, one read of the orders in the events' transaction, and is spread the same way: a case
attribute like them. (Read apart, as SQLAlchemy rows, it cost as much as the fields' read.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray
from sqlalchemy import Connection

from engine.store.arrow_read import Snapshot
from engine.store.column_chunks import TextChunks
from engine.store.statement import Statement
from engine.store.tables import orders

# The first SQLite with the `->` operator, which returns a value's JSON text.
SQLITE_ARROW = (3, 38)

Codes = NDArray[np.intp]

RULES_VERSION = "rules_version"
"""The event-log column of the order's rules version (a column of the orders, not a rule field)."""
VERSION = orders.c.rules_version.name  # the orders' column that holds it


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


@dataclass(frozen=True)
class Coded:
    """One field of every order: `codes[i]` is the position in `values` of order i's value, -1
    where it has none."""

    codes: Codes
    values: list[Any]


@dataclass(frozen=True)
class OrderValues:
    """The orders read (`keys`) and, per field asked for (then the rules version, when asked),
    each one's value."""

    keys: pd.MultiIndex
    fields: list[Coded]

    def spread(self, runs: OrderRuns, categorical: bool = False) -> list[pd.Series]:
        """Per field, each event's value of its order (None where the order has none), or with
        `categorical` that column's `astype("category")`."""
        # -1 for an order not found (the store never deletes one): no value.
        where = self.keys.get_indexer(runs.keys)
        return [_column(field, where, runs.counts, categorical) for field in self.fields]


def read_values(
    connection: Connection, marketplace: str | None, names: Sequence[str], version: bool = False
) -> OrderValues:
    """Every order's key and its value of each of `names`, then with `version` its rules
    version, through the driver's rows."""
    statement = Statement(connection)
    dialect = connection.dialect
    cut = dialect.name != "sqlite" or _cuts(dialect.server_version_info, names)
    expressions = _expressions(statement, names, cut)
    if version:
        expressions.append(statement.name(VERSION))
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
    versions = [Coded(*_factorized(np.array(stored.pop(), dtype=object)))] if version else []
    if not names:
        return OrderValues(index, versions)
    if cut:
        coded = [_decoded(*_factorized(np.array(texts, dtype=object))) for texts in stored]
        return OrderValues(index, [*coded, *versions])
    return OrderValues(index, [*_documents(stored[0], names), *versions])


def snapshot_values(
    snapshot: Snapshot,
    connection: Connection,
    marketplace: str | None,
    names: Sequence[str],
    version: bool = False,
) -> OrderValues:
    """The same as `read_values`, read into Arrow (`arrow_read`): a value's text, or '' (never a
    JSON text) where the order's fields have no such key."""
    statement = Statement(connection, numbered=True)
    cut = _cuts(snapshot.version(), names)
    expressions = [f"ifnull({e}, '')" for e in _expressions(statement, names, cut)]
    if version:  # NOT NULL: never the NULL the driver could not type
        expressions.append(statement.name(VERSION))
    if marketplace is not None:
        statement.where("marketplace", "=", marketplace)
    keys = statement.names(("marketplace", "order_id"))
    types = {"marketplace": pa.large_string(), "order_id": pa.large_string()}
    types |= {f"value{n}": pa.large_string() for n in range(len(expressions))}
    sql = statement.select([*keys, *expressions], orders.name)
    read = snapshot.table(sql, statement.arguments(), types)
    index = pd.MultiIndex.from_arrays([read.column(0).to_pandas(), read.column(1).to_pandas()])
    texts = [read.column(n + 2).combine_chunks() for n in range(len(expressions))]
    versions = [Coded(*_encoded(texts.pop()))] if version else []
    if not names:
        return OrderValues(index, versions)
    if cut:
        return OrderValues(index, [*(_decoded(*_encoded(t)) for t in texts), *versions])
    return OrderValues(index, [*_documents(texts[0].to_pylist(), names), *versions])


def _cuts(version: tuple[int | str, ...] | None, names: Sequence[str]) -> bool:
    """Whether SQLite `version` can cut out each of `names` (a quoted path label cannot hold a
    quote)."""
    return tuple(version or (0,)) >= SQLITE_ARROW and not any('"' in name for name in names)


def _expressions(statement: Statement, names: Sequence[str], cut: bool) -> list[str]:
    """What to select of each order: each value's JSON text, or else the whole document."""
    if not names:
        return []
    if cut:
        return [_value_text(statement, name) for name in names]
    return [statement.name("fields")]


def _value_text(statement: Statement, name: str) -> str:
    """SQL for the JSON text of the order's `name` (NULL when its fields have no such key)."""
    fields = statement.name("fields")
    if statement.sqlite:
        path = '$."' + name + '"'  # quoted: a name may hold a dot
        return f"{fields} -> {statement.param(path)}"
    return f"({fields} -> CAST({statement.param(name)} AS text))::text"


def _factorized(texts: NDArray[np.object_]) -> tuple[Codes, list[Any]]:
    """Each text's code into the distinct texts (-1 for None)."""
    codes, distinct = pd.factorize(texts)
    return codes, list(distinct)


def _encoded(texts: pa.Array) -> tuple[Codes, list[Any]]:
    """Each text's code into the distinct texts, by Arrow."""
    encoded = pc.dictionary_encode(texts)
    return encoded.indices.to_numpy().astype(np.intp), encoded.dictionary.to_pylist()


def _decoded(codes: Codes, distinct: list[Any]) -> Coded:
    """The JSON texts of `distinct` decoded, each once (None or '': no value)."""
    return Coded(codes, [json.loads(text) if text else None for text in distinct])


def _documents(texts: Sequence[str], names: Sequence[str]) -> list[Coded]:
    """Each of `names` picked from every order's whole document, decoded once per order."""
    documents = [json.loads(text) for text in texts]
    numbered = np.arange(len(documents), dtype=np.intp)
    return [Coded(numbered, [d.get(name) for d in documents]) for name in names]


def _column(
    field: Coded, where: Codes, counts: NDArray[np.intp], categorical: bool = False
) -> pd.Series:
    """The events' column of `field`: each run of events takes its order's value (`where`)."""
    if not len(where):  # what a frame makes of an empty list of values
        empty = pd.Series([], dtype="float64")
        return empty.astype("category") if categorical else empty
    found = np.r_[field.codes, -1][where]  # an order not found (-1) takes the -1 after the last
    # The values some event holds, in the order the events first hold them (and None if one
    # holds none), typed as pandas types them: the values pandas keeps of the whole column.
    held, first = np.unique(found, return_index=True)
    used = held[np.argsort(first, kind="stable")]
    used = used[used >= 0]
    values = [field.values[i] for i in used] + ([None] if held[0] < 0 else [])
    renumber = np.full(len(field.values) + 1, len(used), dtype=np.intp)  # -1: the None, last
    renumber[used] = np.arange(len(used))
    typed = pd.Series(values)
    if categorical:  # each value's code among the column's categories, repeated over its run
        few = typed.astype("category")
        codes = few.cat.codes.to_numpy()[renumber[found]]
        return pd.Series(pd.Categorical.from_codes(np.repeat(codes, counts), dtype=few.dtype))
    return pd.Series(typed.array.take(np.repeat(renumber[found], counts)))
