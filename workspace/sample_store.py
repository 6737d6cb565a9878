"""A store filled from a simulated month: what `orderflow run` starts the app on, on a machine
that has no data yet.

The simulator writes what the engine saw (events, anomalies), each order's fields and the
seller's commands; this module turns them into the store's records: one `OrderChange` per order
with its events, and the allowed commands as outbox entries, sent and confirmed when the
simulated marketplace confirmed them. Nothing is invented: no fetch run is recorded (the polls
were virtual) and no watermark is set, so a later `orderflow sync` starts from scratch. Only
the last day's actions go to the outbox (the store writes them one by one).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from engine.model.events import Anomaly, AnomalyKind, Event, Source
from engine.runtime.runtime import Runtime
from engine.store import NewAction, OrderChange, OutboxState, Store
from simulator.results.output import RunFiles
from simulator.run.runner import simulate
from simulator.scenario.values import Scenario

# Changes handed to the store at a time: one transaction each, a bounded statement size.
CHUNK = 2000
# Outbox entries are written one statement at a time by the store: only the last day's actions
# are queued, enough to show the outbox at work without minutes of writing.
OUTBOX_SPAN = pd.Timedelta(days=1)
EVENT_COLUMNS = ("order_id", "seq", "from_status", "to_status", "trigger", "actor", "source")
NOT_FIELDS = frozenset({"order_id", "ordered_at", "true_status", "true_stage", "engine_status"})


@dataclass(frozen=True)
class Filled:
    orders: int
    events: int
    actions: int


def fill(
    store: Store,
    scenario: Scenario,
    days: int = 30,
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
) -> Filled:
    """Simulate `scenario` and write what the engine saw into `store`."""
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
    for start in range(0, len(changes), CHUNK):
        store.apply(changes[start : start + CHUNK])
    actions = _outbox(store, Runtime(scenario.rules), commands, fields)
    return Filled(len(changes), len(events), actions)


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
