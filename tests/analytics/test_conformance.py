"""Conformance: the share of orders without deviation, and the deviations by kind and by move.

A store is filled through its public API with two marketplaces' orders, some moved by deviation
events (with their anomalies, one left without), and the figures are checked against one plain
SQL query over the events table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from analytics.anomalies import anomaly_frame
from analytics.conformance import COUNTS, UNLINKED, Conformance, conformance
from analytics.eventlog import prepare
from engine.model.events import Anomaly, AnomalyKind, Event, Source
from engine.store import OrderChange, Store, open_store
from tests.analytics.conftest import DAY0

A, B, C, Z = "A", "B", "C", "Zed"


def _event(order: str, src: str | None, dst: str, hours: float, deviation: bool = False) -> Event:
    trigger = "deviation" if deviation else ("create" if src is None else "go")
    at = DAY0 + timedelta(hours=hours)
    return Event(order, src, dst, trigger, "marketplace", Source.FETCH, False, at, deviation)


def _why(order: str, src: str | None, dst: str, hours: float, kind: AnomalyKind) -> Anomaly:
    return Anomaly(order, src, dst, kind, "why", DAY0 + timedelta(hours=hours))


# marketplace, order, events, anomalies
ORDERS: list[tuple[str, str, tuple[Event, ...], tuple[Anomaly, ...]]] = [
    ("m1", "o1", (_event("o1", None, A, 1), _event("o1", A, B, 2)), ()),
    (
        "m1",
        "o2",
        (_event("o2", None, A, 1), _event("o2", A, Z, 3, True)),
        (_why("o2", A, Z, 3, AnomalyKind.UNKNOWN_STATUS),),
    ),
    (
        "m1",
        "o3",
        (_event("o3", None, A, 2), _event("o3", A, C, 4, True)),
        (_why("o3", A, C, 4, AnomalyKind.NO_LEGAL_PATH),),
    ),
    (
        "m1",
        "o4",
        (_event("o4", None, C, 5, True),),
        (_why("o4", None, C, 5, AnomalyKind.NO_LEGAL_PATH),),
    ),
    # a deviation whose anomaly is missing: unlinked, by (from, to) only
    ("m1", "o5", (_event("o5", None, A, 6), _event("o5", A, C, 7, True)), ()),
    # a deviation long after the period: the order conforms in it
    (
        "m1",
        "o6",
        (_event("o6", None, A, 1), _event("o6", A, Z, 100, True)),
        (_why("o6", A, Z, 100, AnomalyKind.UNKNOWN_STATUS),),
    ),
    ("m2", "p1", (_event("p1", None, A, 1), _event("p1", A, B, 2)), ()),
    (
        "m2",
        "p2",
        (_event("p2", None, B, 2), _event("p2", B, A, 3, True)),
        (_why("p2", B, A, 3, AnomalyKind.FINAL_CHANGED),),
    ),
    # no event in the period at all: not counted
    ("m2", "p3", (_event("p3", None, A, 200),), ()),
]
SINCE, UNTIL = DAY0, DAY0 + timedelta(hours=48)


def fill(store: Store) -> None:
    changes = []
    for market, order, events, anomalies in ORDERS:
        last = events[-1]
        changes.append(
            OrderChange(
                marketplace=market,
                order_id=order,
                status=last.to_status,
                entered_at=last.at,
                updated_at=last.at,
                rules_version="1",
                events=events,
                anomalies=anomalies,
            )
        )
    store.apply(changes)


@pytest.fixture
def store_path(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "store.db"
    with open_store(f"sqlite:///{path}") as store:
        fill(store)
    yield path


def figures(
    path: Path, since: datetime | None = SINCE, until: datetime | None = UNTIL
) -> Conformance:
    with open_store(f"sqlite:///{path}") as store:
        log = prepare(store.events_frame())
        found = anomaly_frame(store.anomalies())
    return conformance(log, found, since, until)


SQL_SHARE = """
SELECT marketplace, COUNT(*) AS orders, SUM(deviating = 0) AS conforming
FROM (SELECT marketplace, order_id, MAX(deviation) AS deviating
      FROM events WHERE at >= ? AND at < ? GROUP BY marketplace, order_id)
GROUP BY marketplace ORDER BY marketplace
"""
SQL_MOVES = """
SELECT marketplace, from_status, to_status, COUNT(*), COUNT(DISTINCT order_id)
FROM events WHERE deviation AND at >= ? AND at < ?
GROUP BY marketplace, from_status, to_status
"""


def _stored(moment: datetime) -> str:
    """An instant as SQLite keeps it: UTC, fixed width, so text order is time order."""
    return moment.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def test_share_agrees_with_plain_sql(store_path: Path) -> None:
    result = figures(store_path)
    connection = sqlite3.connect(store_path)
    try:
        since, until = _stored(SINCE), _stored(UNTIL)
        share = connection.execute(SQL_SHARE, (since, until)).fetchall()
        moves = connection.execute(SQL_MOVES, (since, until)).fetchall()
    finally:
        connection.close()
    mine = [(r.marketplace, r.orders, r.conforming) for r in result.summary.itertuples()]
    assert mine == [(m, int(o), int(c)) for m, o, c in share]
    assert [(m, o) for m, o, _ in mine] == [("m1", 6), ("m2", 2)]
    shown = {
        (r.marketplace, r.from_status, r.to_status, r.deviations, r.orders)
        for r in result.by_transition.itertuples()
    }
    assert shown == {(m, f, t, int(n), int(o)) for m, f, t, n, o in moves}


def test_share_and_deviations_by_kind(store_path: Path) -> None:
    result = figures(store_path)
    summary = result.summary.set_index("marketplace")
    assert summary.loc["m1", "conforming"] == 2  # o1, o6 (its deviation is after the period)
    assert summary.loc["m1", "share"] == pytest.approx(2 / 6)
    assert summary.loc["m2", "share"] == pytest.approx(1 / 2)
    kinds = {
        (r.marketplace, r.kind): (r.deviations, r.order_ids) for r in result.by_kind.itertuples()
    }
    assert kinds == {
        ("m1", "no_legal_path"): (2, ["o3", "o4"]),
        ("m1", "unknown_status"): (1, ["o2"]),
        ("m1", UNLINKED): (1, ["o5"]),
        ("m2", "final_changed"): (1, ["p2"]),
    }
    moves = result.by_transition
    first = moves.iloc[0]
    assert (first.marketplace, first.from_status, first.to_status) == ("m1", A, C)
    assert first.order_ids == ["o3", "o5"]
    created = moves.loc[moves["from_status"].isna()]
    assert created["order_ids"].tolist() == [["o4"]]  # a new order that arrived by deviation
    assert COUNTS in result.counts


def test_open_period_counts_every_order(store_path: Path) -> None:
    result = figures(store_path, None, None)
    assert result.summary[["orders", "conforming"]].values.tolist() == [[6, 1], [3, 2]]


def test_log_without_deviation_conforms_fully(log: pd.DataFrame) -> None:
    result = conformance(log)
    assert result.summary["share"].tolist() == [1.0]
    assert result.by_kind.empty and result.by_transition.empty


def test_empty_log() -> None:
    from analytics.eventlog import empty

    result = conformance(empty())
    assert result.summary.empty and result.by_kind.empty
