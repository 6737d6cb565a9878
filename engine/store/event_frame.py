"""The event log as a DataFrame, read column by column: what the app's first page waits for.

Read as SQLAlchemy rows, a million events cost a Row object each, a type conversion per
timestamp and a JSON decoding of the order's fields per event (five per order). Here a SQLite
file is read straight into Arrow columns (`arrow_read`: no Python object per value), events and
orders in one read transaction; PostgreSQL and a store in memory come from the driver's cursor a
chunk at a time, straight into typed columns (`column_chunks`). Either way an order's fields are
read once per order and spread over its events (`order_fields`). The frame is the one the
row-by-row read gave, column for column and dtype for dtype, on SQLite and PostgreSQL alike
(tests/store/test_events_frame.py keeps that read as the model it must equal).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection

from engine.model.events import EVENT_LOG_COLUMNS, EVENT_LOG_TEXTS
from engine.store.arrow_read import Snapshot, database_file, snapshot
from engine.store.column_chunks import (
    CodedTexts,
    NumberChunks,
    TextChunks,
    TimeChunks,
    text_column,
    utc_times,
)
from engine.store.columns import UtcDateTime
from engine.store.order_fields import (
    RULES_VERSION,
    OrderRuns,
    OrderValues,
    read_values,
    snapshot_values,
)
from engine.store.statement import Statement
from engine.store.tables import events

COLUMNS: tuple[str, ...] = (*EVENT_LOG_COLUMNS, "deviation")
ORDER = ("marketplace", "order_id", "seq")


def events_frame(
    connection: Connection,
    marketplace: str | None = None,
    stage_of: Callable[[str], str] | Mapping[str, str] | None = None,
    fields: Sequence[str] = (),
    since: datetime | None = None,
    categorical: bool = False,
) -> pd.DataFrame:
    """The event log as a DataFrame with the architecture's event columns.

    `stage_of` (a rule set's `stage_of`, or a status -> stage mapping) adds `stage`, the stage of
    `to_status`; each name in `fields` adds that rule field of the order (e.g. its delivery mode).
    `deviation` follows the event columns: True for an event no rule's path led to. A status the
    rules do not declare (kept as the marketplace reported it) is its own stage. `rules_version`
    among `fields` adds the order's rules version (read with the fields, `order_fields`), after
    the rule fields. `categorical` gives the text columns, the stage and the fields as the
    frame's `astype("category")` of them (what `analytics.eventlog.prepare` keeps), built from
    each column's distinct values where the read has them, never from a million texts.
    """
    version = RULES_VERSION in fields  # a column of the orders, not one of their fields
    fields = [name for name in fields if name != RULES_VERSION]
    with collector_paused():
        frame, runs, values = _read(connection, marketplace, fields, version, since, categorical)
        if stage_of is not None:
            frame["stage"] = _stages(frame["to_status"], stage_of)
            if categorical:
                frame["stage"] = frame["stage"].astype("category")
        if values is not None:
            names = [*fields, RULES_VERSION] if version else fields
            for name, column in zip(names, values.spread(runs, categorical), strict=True):
                frame[name] = column
    return frame


def _read(
    connection: Connection,
    marketplace: str | None,
    fields: Sequence[str],
    version: bool,
    since: datetime | None,
    categorical: bool,
) -> tuple[pd.DataFrame, OrderRuns, OrderValues | None]:
    """The events, their runs of one order and, when `fields` or the `version` are asked for,
    the orders' values of them."""
    asked = bool(fields) or version
    path = database_file(connection)
    if path is None:
        frame = _events(connection, marketplace, since)
        runs = OrderRuns.of(frame["marketplace"], frame["order_id"])
        values = read_values(connection, marketplace, fields, version) if asked else None
        if categorical:
            for name in EVENT_LOG_TEXTS:
                frame[name] = frame[name].astype("category")
        return frame, runs, values
    with snapshot(path) as read:
        frame, runs = _arrow_events(read, connection, marketplace, since, categorical)
        values = snapshot_values(read, connection, marketplace, fields, version) if asked else None
        return frame, runs, values


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the frame is built.

    A read allocates millions of tuples and texts, none of them part of a cycle; CPython's
    collector would still walk them as they come (about a sixth of the read's time).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _selected(statement: Statement, marketplace: str | None, since: datetime | None) -> None:
    """The conditions of the events read."""
    if marketplace is not None:
        statement.where("marketplace", "=", marketplace)
    if since is not None:
        # The bind of the column's own type: SQLite's UTC text, PostgreSQL's aware datetime.
        dialect = statement.dialect
        statement.where("at", ">=", UtcDateTime().process_bind_param(since, dialect))


def _events(
    connection: Connection, marketplace: str | None, since: datetime | None
) -> pd.DataFrame:
    """The events' `COLUMNS`, typed, by order and seq, from the driver's rows."""
    statement = Statement(connection)
    _selected(statement, marketplace, since)
    sql = statement.select(statement.names(COLUMNS), events.name, order_by=ORDER)
    columns = {name: _chunks_of(name, connection.dialect.name == "sqlite") for name in COLUMNS}
    for rows in statement.chunks(connection, sql):
        for chunks, values in zip(columns.values(), zip(*rows, strict=True), strict=True):
            chunks.add(values)
    return pd.DataFrame({name: chunks.column() for name, chunks in columns.items()})


# The Arrow read (`arrow_read`: never a NULL) selects the orders' keys once per order, with the
# number of their events, then per event its seq, its time and the rest as one text: its flags
# (inferred + 2 deviation), then its texts, `from_status` as '' when NULL and after an '=' else.
# A million events hold a few such joined texts: the driver builds one text a row instead of
# six, Arrow's dictionary encoding finds the distinct ones and each is split once. A text
# holding the separator would make a joined text ambiguous (it splits into too many parts):
# then the parts are read again, each its own column (`_PARTS`), in the same snapshot.
SEPARATOR = "\x1f"
_PARTS = ("flags", "from_status", "to_status", "trigger", "actor", "source")
_INFERRED, _DEVIATION = 1, 2  # the flags' bits


def _arrow_events(
    read: Snapshot,
    connection: Connection,
    marketplace: str | None,
    since: datetime | None,
    categorical: bool,
) -> tuple[pd.DataFrame, OrderRuns]:
    """The events' `COLUMNS`, typed, by order and seq, from an Arrow read of the file, and their
    runs of one order."""
    statement = Statement(connection, numbered=True)
    _selected(statement, marketplace, since)
    keys = ", ".join(statement.names(ORDER[:2]))
    grouped = statement.select([keys, "count(*)"], events.name)
    orders = read.table(
        f"{grouped} GROUP BY {keys} ORDER BY {keys}",
        statement.arguments(),
        {"marketplace": pa.large_string(), "order_id": pa.large_string(), "n": pa.int64()},
    )
    counts = orders.column("n").to_numpy().astype(np.intp)
    parts = _part_expressions(statement)
    joined = f" || char({ord(SEPARATOR)}) || ".join(parts)
    table = _events_table(read, statement, [joined])
    if table.num_rows != int(counts.sum()):  # one snapshot: never
        raise RuntimeError("the events read disagree with their count per order")
    texts = _split(CodedTexts.encoded(table.column(2)))
    if texts is None:  # a text holds the separator
        table = _events_table(read, statement, parts)
        texts = [CodedTexts.encoded(table.column(2 + n)) for n in range(len(_PARTS))]
    coded = dict(zip(_PARTS, texts, strict=True))
    flags = np.array([int(f) for f in coded.pop("flags").distinct.to_pylist()], dtype=np.intp)
    flag_codes = texts[0].codes
    coded["from_status"] = _from_status(coded["from_status"])
    for name in ORDER[:2]:
        per_order = CodedTexts.encoded(orders.column(name))
        coded[name] = CodedTexts(per_order.distinct, np.repeat(per_order.codes, counts))
    columns: dict[str, Any] = {name: text.column(categorical) for name, text in coded.items()}
    columns["seq"] = table.column("seq").to_numpy()
    columns["at"] = utc_times(table.column("at"))
    columns["inferred"] = (flags & _INFERRED).astype(np.bool_)[flag_codes]
    columns["deviation"] = (flags & _DEVIATION).astype(np.bool_)[flag_codes]
    frame = pd.DataFrame({name: columns[name] for name in COLUMNS})
    runs = OrderRuns(
        pd.MultiIndex.from_arrays([text_column(c) for c in orders.columns[:2]]), counts
    )
    return frame, runs


def _part_expressions(statement: Statement) -> list[str]:
    """SQL of each of `_PARTS`, never NULL."""
    inferred, deviation = statement.names(("inferred", "deviation"))
    flags = f"(({inferred} != 0) + {_DEVIATION} * ({deviation} != 0))"
    from_status = f"ifnull('=' || {statement.name('from_status')}, '')"
    return [flags, from_status, *statement.names(_PARTS[2:])]


def _events_table(read: Snapshot, statement: Statement, texts: list[str]) -> pa.Table:
    """Each event's seq, time and `texts`, in the order of the orders' keys."""
    sql = statement.select(statement.names(("seq", "at")) + texts, events.name, order_by=ORDER)
    types = {"seq": pa.int64(), "at": pa.large_string()}
    types |= {f"text{n}": pa.large_string() for n in range(len(texts))}
    return read.table(sql, statement.arguments(), types)


def _split(joined: CodedTexts) -> list[CodedTexts] | None:
    """Each of `_PARTS` of the joined texts, or None if one splits into too many parts."""
    split = [text.split(SEPARATOR) for text in joined.distinct.to_pylist()]
    if any(len(parts) != len(_PARTS) for parts in split):
        return None
    found = []
    for n in range(len(_PARTS)):
        distinct = list(dict.fromkeys(parts[n] for parts in split))
        position = {text: code for code, text in enumerate(distinct)}
        table = np.array([position[parts[n]] for parts in split], dtype=np.intp)
        found.append(CodedTexts(pa.array(distinct, pa.large_string()), table[joined.codes]))
    return found


def _from_status(selected: CodedTexts) -> CodedTexts:
    """`from_status` from its selected part: '' where NULL, the text after its '=' else."""
    texts = [text[1:] if text else None for text in selected.distinct.to_pylist()]
    return CodedTexts(pa.array(texts, pa.large_string()), selected.codes)


def _chunks_of(name: str, sqlite: bool) -> TextChunks | NumberChunks | TimeChunks:
    if name == "seq":
        return NumberChunks(np.int64)
    if name in ("inferred", "deviation"):
        return NumberChunks(np.bool_)
    if name == "at":
        return TimeChunks(text=sqlite)  # SQLite keeps UTC text, PostgreSQL aware datetimes
    return TextChunks()


def _stages(statuses: pd.Series, stage_of: Callable[[str], str] | Mapping[str, str]) -> list[Any]:
    """The stage of each status, asked once per distinct status."""
    codes, distinct = pd.factorize(statuses, use_na_sentinel=False)
    stages = [_stage(stage_of, status) for status in distinct]
    return list(map(stages.__getitem__, codes.tolist()))


def _stage(stage_of: Callable[[str], str] | Mapping[str, str], status: str) -> str:
    """The stage of `status`; a code the rules do not declare has none: shown as itself."""
    try:
        found = stage_of.get(status) if isinstance(stage_of, Mapping) else stage_of(status)
    except KeyError:
        found = None
    return status if found is None else found
