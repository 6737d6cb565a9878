"""A small store of orders in flight, filled by a simulated day, and rule files edited from
Cdiscount's: what the impact and migration tests compare."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from engine.model.events import Event, Source
from engine.store import OrderChange, Store
from simulator.scenario.loader import load_scenario
from workspace.sample_store import fill

ROOT = Path(__file__).resolve().parents[2]
CDISCOUNT = ROOT / "rules" / "cdiscount.yaml"
TEXT = CDISCOUNT.read_text(encoding="utf-8")
# The simulated day ends at 14:00; deadlines are judged 25 minutes later.
NOW = datetime(2026, 3, 18, 14, 25, tzinfo=UTC)
OLD_VERSION = 'rules_version: "2026.11.1"'
NEW_VERSION = 'rules_version: "2026.12.1"'


class PinnedClock:
    def now(self) -> datetime:
        return NOW

    def sleep(self, seconds: float) -> None:
        raise AssertionError("the fill never waits")


def fill_day(store: Store) -> None:
    """One simulated day of Cdiscount's baseline at 40 orders a day (seed 7): 42 orders."""
    scenario = load_scenario(ROOT / "simulator" / "scenarios" / "baseline.yaml")
    scenario = replace(scenario, arrivals=replace(scenario.arrivals, per_day=40.0))
    fill(store, scenario, days=1, seed=7, clock=PinnedClock())


def copy_orders(source: Store, target: Store) -> int:
    """Every order of `source` with its events and fields written into `target`, and the rule
    versions it keeps; how many orders. (The fill writes outbox entries PostgreSQL's partial
    index refuses to infer; the orders are what these tests need.)"""
    changes = []
    for state in source.in_flight("cdiscount", ()):
        events = tuple(
            Event(e.order_id, e.from_status, e.to_status, e.trigger, e.actor, Source(e.source),
                  e.inferred, e.at, e.deviation)
            for e in source.events(state.marketplace, state.order_id)
        )  # fmt: skip
        changes.append(
            OrderChange(state.marketplace, state.order_id, state.status, state.entered_at,
                        state.updated_at, state.rules_version, 0, events, fields=state.fields)
        )  # fmt: skip
    target.apply(changes)
    for kept in source.rule_versions():
        target.record_rule_version(kept.marketplace, kept.rules_version, kept.text, kept.first_seen)
    return len(changes)


def edited(*pairs: tuple[str, str], tail: str = "") -> str:
    """Cdiscount's file as version 2026.12.1 with each (old, new) replaced (each must occur)."""
    text = TEXT.replace(OLD_VERSION, NEW_VERSION)
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    return text + tail


RENAMED = edited(
    ("WaitingForShipmentAcceptation", "AwaitingShipment"),
    tail='\nmigrations:\n  from: "2026.11.1"\n  renamed:\n    WaitingForShipmentAcceptation: '
    "AwaitingShipment\n",
)
# The rename without its migration: nothing says where the orders go.
RENAMED_BARE = edited(("WaitingForShipmentAcceptation", "AwaitingShipment"))
