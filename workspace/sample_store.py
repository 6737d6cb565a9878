"""The demo store: a simulated month written into a store of its own, what `orderflow run`
starts the app on, on a machine that has no data yet.

The month ends at the current hour (the clock is injected), so the figures "as of now" (SLA
risk, open orders, the outbox's waits) read it as a month that just happened. The simulator
writes what the engine saw (events, anomalies), each order's fields, the seller's commands and
its polls; this module turns them into the store's records: one `OrderChange` per order with its
events, the allowed commands as outbox entries (sent, and confirmed when the simulated
marketplace confirmed them) and the polls as fetch runs. Nothing is invented and no watermark is
set; the runs belong to the account `SIMULATED`, which no Lengow account is, so a sync pointed
at this store never plans its windows from them. Only the last day's actions and polls are
written (the store records them one by one: a month's 3,000 polls would add twenty seconds).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from engine.model.clock import Clock, SystemClock
from engine.model.events import Anomaly, AnomalyKind, Event, Source
from engine.runtime.runtime import Runtime
from engine.store import FetchKind, NewAction, OrderChange, OutboxState, RunStatus, Store
from engine.sync.pinned_rules import record_rule_sets
from simulator.results.output import RunFiles
from simulator.run.runner import Run, simulate
from simulator.scenario.values import Scenario

# Changes handed to the store at a time: one transaction each, a bounded statement size.
CHUNK = 2000
# Outbox entries and fetch runs are written one statement at a time by the store: only the last
# day's actions and polls are kept, enough to show the outbox and the fetching at work without
# minutes of writing.
OUTBOX_SPAN = pd.Timedelta(days=1)
POLL_SPAN = timedelta(days=1)
# The account and the holder of the simulated polls' fetch runs: no real sync's.
SIMULATED = "simulation"
EVENT_COLUMNS = ("order_id", "seq", "from_status", "to_status", "trigger", "actor", "source")
NOT_FIELDS = frozenset({"order_id", "ordered_at", "true_status", "true_stage", "engine_status"})


@dataclass(frozen=True)
class Filled:
    orders: int
    events: int
    actions: int
    fetch_runs: int = 0
    start: datetime | None = None  # the simulated month, from `start` to `end`
    end: datetime | None = None


@dataclass(frozen=True)
class StoppedClock:
    """A clock stopped at `at`: a fill that keeps a scenario's own dates ends its month there."""

    at: datetime

    def now(self) -> datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        """A stopped clock never lets time pass: the fill never waits."""


def ending_at(scenario: Scenario, days: int, now: datetime) -> Scenario:
    """`scenario` moved so that a `days`-day run of it ends at the hour `now` is in.

    Whole hours, because the arrivals' rate is shaped by the hour of the day.
    """
    end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return replace(scenario, start=end - timedelta(days=days))


def fill(
    store: Store,
    scenario: Scenario,
    days: int = 30,
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
    clock: Clock | None = None,
) -> Filled:
    """Simulate `days` of `scenario` up to now and write what the engine saw into `store`."""
    scenario = ending_at(scenario, days, (clock or SystemClock()).now())
    with tempfile.TemporaryDirectory(prefix="orderflow-fill-") as folder:
        out = Path(folder)
        sink = RunFiles(out, scenario)
        run = simulate(scenario, days, seed, sink, progress=progress)
        sink.finish(run)
        events = pd.read_parquet(out / "events.parquet")
        anomalies = pd.read_parquet(out / "anomalies.parquet")
        orders = pd.read_parquet(out / "orders.parquet")
        commands = pd.read_parquet(out / "commands.parquet")
    code, version = scenario.rules.marketplace.code, scenario.rules.marketplace.rules_version
    fields = _fields(orders)
    changes = list(_changes(code, version, events, anomalies, fields))
    record_rule_sets(store, [scenario.rules], scenario.start)  # the version its orders name
    for start in range(0, len(changes), CHUNK):
        store.apply(changes[start : start + CHUNK])
    actions = _outbox(store, Runtime(scenario.rules), commands, fields)
    runs = _fetch_runs(store, run, events)
    end = scenario.start + timedelta(days=days)
    return Filled(len(changes), len(events), actions, runs, scenario.start, end)


def _fields(orders: pd.DataFrame) -> dict[str, dict[str, object]]:
    columns = [c for c in orders.columns if c not in NOT_FIELDS]
    table: dict[str, dict[str, object]] = {}
    for row in orders[["order_id", *columns]].itertuples(index=False, name=None):
        values = dict(zip(columns, row[1:], strict=True))
        table[str(row[0])] = {k: _plain(v) for k, v in values.items() if not pd.isna(v)}
    return table


def _plain(value: object) -> object:
    return value.item() if hasattr(value, "item") else value


def _changes(
    code: str,
    version: str,
    events: pd.DataFrame,
    anomalies: pd.DataFrame,
    fields: dict[str, dict[str, object]],
) -> Iterator[OrderChange]:
    events = events.sort_values(["order_id", "seq"], kind="stable")
    found = _anomalies(anomalies)
    seen = events["seen_at"] if "seen_at" in events.columns else events["at"]
    rows = zip(
        *(events[c].astype(object).to_numpy() for c in EVENT_COLUMNS),
        events["inferred"].to_numpy(),
        events["at"].dt.to_pydatetime(),
        seen.dt.to_pydatetime(),
        strict=True,
    )
    current: list[Event] = []
    last_seen: datetime | None = None
    for order, _seq, src, dst, trigger, actor, source, inferred, at, seen_at in rows:
        if current and current[-1].order_id != order:
            yield _change(code, version, current, last_seen, found, fields)
            current = []
        source_status = None if pd.isna(src) else str(src)
        event = Event(
            str(order), source_status, str(dst), str(trigger), str(actor),
            Source(str(source)), bool(inferred), at,
        )  # fmt: skip
        current.append(event)
        last_seen = seen_at
    if current:
        yield _change(code, version, current, last_seen, found, fields)


def _change(
    code: str,
    version: str,
    events: list[Event],
    seen: datetime | None,
    anomalies: dict[str, list[Anomaly]],
    fields: dict[str, dict[str, object]],
) -> OrderChange:
    last = events[-1]
    return OrderChange(
        marketplace=code,
        order_id=last.order_id,
        status=last.to_status,
        entered_at=last.at,
        updated_at=max(seen or last.at, last.at),
        rules_version=version,
        events=tuple(events),
        anomalies=tuple(anomalies.get(last.order_id, ())),
        fields=fields.get(last.order_id, {}),
    )


def _anomalies(frame: pd.DataFrame) -> dict[str, list[Anomaly]]:
    table: dict[str, list[Anomaly]] = {}
    for row in frame.itertuples(index=False):
        source = None if pd.isna(row.from_status) else str(row.from_status)
        anomaly = Anomaly(
            str(row.order_id), source, str(row.reported), AnomalyKind(str(row.kind)),
            str(row.message), row.at.to_pydatetime(),
        )  # fmt: skip
        table.setdefault(anomaly.order_id, []).append(anomaly)
    return table


def _outbox(
    store: Store, runtime: Runtime, commands: pd.DataFrame, fields: dict[str, dict[str, object]]
) -> int:
    """The allowed commands as outbox entries, confirmed when the marketplace confirmed them."""
    queued = 0
    recent = commands["at"] >= commands["at"].max() - OUTBOX_SPAN
    allowed = commands.loc[commands["allowed"] & recent].sort_values("at", kind="stable")
    code = runtime.rules.marketplace.code
    with store.transaction() as tx:
        for row in allowed.itertuples(index=False):
            order, at = str(row.order_id), row.at.to_pydatetime()
            decision = runtime.command(order, str(row.status), str(row.action), fields.get(order))
            if decision.command is None:
                continue
            (entry,) = NewAction.decided((code, order), decision, at)  # whole orders
            ident, created = tx.enqueue(entry)
            if not created:
                continue
            queued += 1
            tx.move_outbox(ident, OutboxState.SENT, at)
            if not pd.isna(row.confirmed_at):
                tx.move_outbox(ident, OutboxState.CONFIRMED, row.confirmed_at.to_pydatetime())
    return queued


def _fetch_runs(store: Store, run: Run, events: pd.DataFrame) -> int:
    """The last day's polls as finished fetch runs, through the store's own calls.

    A run's `orders` are the orders it brought news of: those whose change it was the first to
    show (where an incremental fetch and a sweep ran at the same instant, the first one in the
    plan that covers the change). A simulated poll is instantaneous, pages are not simulated.
    """
    polls, start = run.polls, run.scenario.start
    cutoff = int(polls.at[-1]) - int(POLL_SPAN.total_seconds())
    chosen = np.flatnonzero(polls.at >= cutoff)
    seen = events.loc[events["seen_at"] >= start + timedelta(seconds=cutoff)]
    news = seen.groupby(["seen_at", "order_id"], observed=True)["at"].max().reset_index()
    by_instant = {stamp: pd.DatetimeIndex(rows["at"]) for stamp, rows in news.groupby("seen_at")}
    none = pd.DatetimeIndex([], tz=UTC)
    taken: dict[datetime, np.ndarray] = {}
    columns = (polls.at, polls.start, polls.end)
    for k in chosen:
        at, low, high = (start + timedelta(seconds=int(t[k])) for t in columns)
        changed = by_instant.get(pd.Timestamp(at), none)
        done = taken.setdefault(at, np.zeros(len(changed), np.bool_))
        mine = ~done & np.asarray((changed >= low) & (changed <= high))
        done |= mine
        kind = FetchKind.SWEEP if polls.sweep[k] else FetchKind.INCREMENTAL
        ident = store.start_run(kind, low, high, at, holder=SIMULATED, account=SIMULATED)
        with store.transaction() as tx:
            tx.count_run(ident, orders=int(mine.sum()))
            tx.finish_run(ident, RunStatus.OK, at)
    return len(chosen)
