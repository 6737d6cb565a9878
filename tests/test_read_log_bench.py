"""The read-log benchmark reads what the app reads, and its agreement check can fail.

`tests/test_bench.py` runs it at the tiny size; here: it asks the store for exactly what the
app's reader asks, and a frame that differs from the peer's by one value, one dtype or one
column does not agree.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import pytest

from bench import read_log_bench
from engine.rulefile.rulebook import load_rule_sets
from engine.store import open_store
from workspace.sources import read_log

EVENTS = 5_021  # of the tiny store: 1,000 orders (seeded)


class _Asked(Exception):
    pass


class _Recorder:
    """A store that notes how its event log is asked for, then stops the reader."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def events_frame(self, **arguments: Any) -> None:
        self.calls.append(arguments)
        raise _Asked


def test_the_benchmark_asks_for_the_log_as_the_app_does() -> None:
    rules = load_rule_sets([read_log_bench.RULES])
    app, bench = _Recorder(), _Recorder()
    with pytest.raises(_Asked):
        read_log(app, rules)  # type: ignore[arg-type]
    with pytest.raises(_Asked):
        read_log_bench._ours(bench, rules)()  # type: ignore[arg-type]
    assert bench.calls == app.calls
    assert list(app.calls[0]["fields"]) == [
        "delivery_mode", "carrier", "fulfilled_by_marketplace", "refund_reason", "rules_version"
    ]  # fmt: skip


def test_the_sides_agree_only_on_the_same_frame() -> None:
    path = read_log_bench.built_store(read_log_bench.SIZES["tiny"])
    rules = load_rule_sets([read_log_bench.RULES])
    with open_store(f"sqlite:///{path}") as store, closing(sqlite3.connect(path)) as peer:
        ours = read_log_bench._ours(store, rules)()
        theirs = read_log_bench._plain_sql(peer, rules)()
    assert len(ours) == EVENTS and ours["order_id"].nunique() == 1_000
    flags = ours["fulfilled_by_marketplace"]
    assert flags.dtype == "category" and list(flags.cat.categories) == [False, True]
    assert flags.isna().any()
    assert read_log_bench._agree(ours, theirs.sample(frac=1, random_state=3))
    moved = theirs.copy()
    other = "Shipped" if moved.loc[7, "to_status"] != "Shipped" else "RefusedBySeller"
    moved.loc[7, "to_status"] = other
    assert not read_log_bench._agree(ours, moved)
    assert not read_log_bench._agree(ours, theirs.astype({"seq": "int32"}))
    assert not read_log_bench._agree(ours, theirs.drop(columns="refund_reason"))
