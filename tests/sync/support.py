"""Shared pieces of the sync tests: a manual clock, the rule file, a syncer on the twin."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from engine.channels.config import LengowSettings, Secret
from engine.channels.lengow import LengowClient
from engine.channels.retry import RetryPolicy
from engine.rulefile.loader import load_rules
from engine.store import Store, open_store
from engine.store.database import create_store_engine
from engine.sync.syncer import Syncer
from simulator.twin.server import Twin

RULES = Path(__file__).resolve().parents[2] / "rules" / "cdiscount.yaml"


class ManualClock:
    """A clock that moves only when told; `sleep` moves it instead of waiting."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


def syncer(twin: Twin, store: Store, clock: ManualClock, **options: object) -> Syncer:
    settings = LengowSettings(twin.url, Secret("token"), Secret("secret"), 1)
    policy = RetryPolicy(retries=2, base_delay=0.01, max_delay=0.02)
    client = LengowClient(settings, clock=clock, policy=policy, timeout=5.0)
    return Syncer([load_rules(RULES)], store, client, clock, **options)  # type: ignore[arg-type]


def event_rows(store: Store) -> list[tuple[object, ...]]:
    frame = store.events_frame()
    columns = ["marketplace", "order_id", "seq", "from_status", "to_status", "trigger", "inferred"]
    return sorted(map(tuple, frame[columns].astype(str).itertuples(index=False)))


def duplicate_events(url: str) -> list[tuple[object, ...]]:
    """Events stored more than once per (marketplace, order_id, seq), asked in plain SQL."""
    engine = create_store_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT marketplace, order_id, seq, count(*) FROM events "
                "GROUP BY marketplace, order_id, seq HAVING count(*) > 1"
            ).all()
    finally:
        engine.dispose()
    return [tuple(row) for row in rows]


def wait_for_lapse(url: str) -> None:
    """Sleep until every lease of the store lapsed: a killed sync's, on the real clock."""
    with open_store(url) as store:
        ends = [lease.expires_at for lease in store.leases()]
    if ends:
        time.sleep(max(0.0, (max(ends) - datetime.now(UTC)).total_seconds()) + 0.01)
