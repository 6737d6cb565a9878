"""`orderflow sync` against the twin serving a running simulation: orders arrive and move."""

from __future__ import annotations

from pathlib import Path

from engine.channels.config import LengowSettings, Secret
from engine.channels.lengow import LengowClient
from engine.store import open_store
from engine.sync.syncer import Syncer
from simulator.run.live import LiveSimulation
from simulator.scenario.loader import load_scenario
from simulator.twin.server import Twin, build_service
from tests.sync.support import ManualClock

SCENARIO = Path(__file__).resolve().parents[2] / "simulator" / "scenarios" / "baseline.yaml"


def test_a_second_sync_sees_new_orders_and_moves_without_anomalies(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO)
    clock = ManualClock(scenario.start)
    live = LiveSimulation(scenario, seed=7, clock=clock, speed=60.0, days=5)
    clock.sleep(48 * 60)  # 48 real minutes: two virtual days
    store = open_store(f"sqlite:///{tmp_path / 'live.db'}")
    with Twin(build_service([scenario.rules], clock=clock, source=live)) as twin:
        settings = LengowSettings(twin.url, Secret("t"), Secret("s"), 1)
        client = LengowClient(settings, clock=clock)
        syncer = Syncer([scenario.rules], store, client, clock)  # type: ignore[arg-type]
        first = syncer.run_once()
        orders_then = store.count_orders()
        clock.sleep(15 * 60)  # fifteen virtual hours later
        second = syncer.run_once()
    assert first.failed is None and second.failed is None
    # Seed 7, 400 orders a day: 960 arrived in the first two days (940 expected on a Monday and
    # a Tuesday), 86 of them fulfilled by the marketplace and skipped; 15 hours later 159 more
    # are stored, and the second fetch's windows skip 101 fulfilled orders.
    assert (first.skipped_fulfilled, orders_then) == (86, 874)
    assert (second.skipped_fulfilled, store.count_orders()) == (101, 1033)
    assert (first.events, second.events) == (3601, 1104)
    assert first.anomalies == second.anomalies == 0
