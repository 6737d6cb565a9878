"""Reading the event log the way the app does, against plain `sqlite3` + `pandas.read_sql_query`.

The store is `bench.generated_store`'s seeded Cdiscount month (200,000 orders, about 1,000,000
events, at full size), built once and kept.

Ours is `Store.events_frame(fields=...)` called as `workspace.sources.read_log` calls it for the
app's first page: the enum and bool fields of the shipped rule files (`analytics.attributes`),
no marketplace, no `stage_of` (`prepare` adds the stages), every text column and field as a
categorical (what `prepare` keeps). The peer opens the same file with
`sqlite3` and writes what an analyst would: one `read_sql_query` joining events to orders with a
`json_extract` per field, ordered by order and seq, then the column types (booleans, the UTC
timestamps, JSON booleans back from 1 and 0, `astype("category")` of the texts and fields).
Both frames are compared with `pandas.testing.assert_frame_equal` after sorting
(`agree.frames_equal`). The sides are interleaved (`REPEATS` rounds) and each one's median wall
time kept; the CPU seconds are figures too, steadier on a shared machine. Ratio
`read_log_vs_plain_sql` = our median / the peer's; the goal is at most 1.0.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pandas as pd

from analytics import attributes
from bench.generated_store import SIZES, built_store
from bench.result import BenchResult, interleaved
from engine.model.definition import FieldType, RuleSet
from engine.model.events import EVENT_LOG_COLUMNS
from engine.rulefile.rulebook import load_rule_sets
from engine.store import Store, open_store

RULES = Path(__file__).resolve().parents[1] / "rules"
REPEATS = {"tiny": 3, "full": 5}


def run(size: str) -> BenchResult:
    path = built_store(SIZES[size])
    rules = load_rule_sets([RULES])
    cpu: dict[str, list[float]] = {"ours": [], "plain_sql": []}
    with open_store(f"sqlite:///{path}") as store, closing(sqlite3.connect(path)) as peer:
        rounds = interleaved(
            REPEATS[size],
            {
                "ours": _cpu_counted(_ours(store, rules), cpu["ours"]),
                "plain_sql": _cpu_counted(_plain_sql(peer, rules), cpu["plain_sql"]),
            },
        )
    ours, theirs = rounds.last["ours"], rounds.last["plain_sql"]
    result = BenchResult("read_log")
    result.figures = {
        "orders": float(SIZES[size]),
        "events": float(len(ours)),
        "events_frame_s": rounds.median("ours"),
        "plain_sql_s": rounds.median("plain_sql"),
        "events_frame_cpu_s": statistics.median(cpu["ours"]),
        "plain_sql_cpu_s": statistics.median(cpu["plain_sql"]),
    }
    result.compare(
        "read_log_vs_plain_sql",
        rounds.median("ours"),
        rounds.median("plain_sql"),
        "sqlite3 + pandas.read_sql_query joining orders, json_extract per field",
    )
    result.agree["frames_equal"] = _agree(ours, theirs)
    result.notes.append(
        f"{len(ours):,} events of {SIZES[size]:,} orders in {path}; median of {REPEATS[size]} "
        "interleaved rounds; goal read_log_vs_plain_sql <= 1.0"
    )
    return result


def _cpu_counted(work: Callable[[], pd.DataFrame], into: list[float]) -> Callable[[], pd.DataFrame]:
    """`work`, adding the CPU seconds of each run to `into` (the wall clock is `interleaved`'s)."""

    def counted() -> pd.DataFrame:
        start = time.process_time()
        try:
            return work()
        finally:
            into.append(time.process_time() - start)

    return counted


def _ours(store: Store, rules: list[RuleSet]) -> Callable[[], pd.DataFrame]:
    """The read of `workspace.sources.read_log` (bench may not import workspace), before
    `prepare`: the rules' enum and bool fields as the case attributes."""
    names = attributes.names(rules)
    return lambda: store.events_frame(fields=names, categorical=True)


# The peer's columns that are not text: every other one becomes a categorical.
_TYPED = ["seq", "inferred", "deviation", "at"]


def _plain_sql(connection: sqlite3.Connection, rules: list[RuleSet]) -> Callable[[], pd.DataFrame]:
    """The frame as an analyst gets it from the file: one query, then the column types.

    `json_extract` gives a JSON boolean as 1 or 0, so the rules' bool fields are mapped back.
    """
    names = attributes.names(rules)
    flags = {f.name for r in rules for f in r.fields if f.type is FieldType.BOOL} & set(names)
    columns = ", ".join(f'e."{name}"' for name in (*EVENT_LOG_COLUMNS, "deviation"))
    extracted = "".join(
        # The order's rules version is a column of its own, its rule fields are JSON.
        f", o.{name} AS {name}"
        if name == attributes.RULES_VERSION
        else f", json_extract(o.fields, '$.{name}') AS {name}"
        for name in names
    )
    query = (
        f"SELECT {columns}{extracted} FROM events AS e JOIN orders AS o"
        " ON o.marketplace = e.marketplace AND o.order_id = e.order_id"
        " ORDER BY e.marketplace, e.order_id, e.seq"
    )

    def read() -> pd.DataFrame:
        frame = pd.read_sql_query(query, connection)
        frame = frame.astype({"inferred": bool, "deviation": bool})
        frame["at"] = pd.to_datetime(frame["at"], utc=True, format="ISO8601")
        for name in flags:
            truth = frame[name].map({1: True, 0: False})
            frame[name] = truth.where(truth.notna(), None)
        for name in frame.columns.difference(_TYPED):  # the texts, as the app keeps them
            frame[name] = frame[name].astype("category")
        return frame

    return read


def _agree(ours: pd.DataFrame, theirs: pd.DataFrame) -> bool:
    """Whether both frames hold the same rows, columns and dtypes, once sorted by order and seq."""
    key = ["marketplace", "order_id", "seq"]
    try:
        pd.testing.assert_frame_equal(
            ours.sort_values(key, ignore_index=True), theirs.sort_values(key, ignore_index=True)
        )
    except AssertionError:
        return False
    return True
