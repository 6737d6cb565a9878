"""Rows written through the driver on SQLite: each value as its column type writes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import create_engine

from engine.store.bulk_insert import insert_rows
from engine.store.tables import metadata, watermarks

PARIS = timezone(timedelta(hours=1))


def test_a_batch_writes_each_time_as_utc_text_the_same_instant_alike_in_any_zone() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine, tables=[watermarks])
    noon = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    rows = [
        ("a", noon),
        ("b", datetime(2026, 3, 2, 13, 0, tzinfo=PARIS)),  # the same instant, written once
        ("c", noon + timedelta(microseconds=5)),
        ("d", noon),
    ]
    with engine.begin() as connection:
        insert_rows(connection, watermarks, ("name", "value"), rows)
        stored = connection.exec_driver_sql("SELECT name, value FROM watermarks ORDER BY name")
        texts = [tuple(row) for row in stored]
    assert texts == [
        ("a", "2026-03-02 12:00:00.000000"),
        ("b", "2026-03-02 12:00:00.000000"),
        ("c", "2026-03-02 12:00:00.000005"),
        ("d", "2026-03-02 12:00:00.000000"),
    ]
