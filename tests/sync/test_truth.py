"""End to end: a simulation served by the twin, polled by the real sync every 15 minutes of its
clock, ends with every order's status in the store equal to the marketplace's truth."""

from __future__ import annotations

from datetime import timedelta
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
DAYS = 2


def test_after_the_last_sweep_the_store_holds_the_truth(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO)
    clock = ManualClock(scenario.start)
    live = LiveSimulation(scenario, seed=11, clock=clock, speed=1.0, days=DAYS)
    rules = scenario.rules
    store = open_store(f"sqlite:///{tmp_path / 'truth.db'}")
    with Twin(build_service([rules], clock=clock, source=live)) as twin:
        client = LengowClient(LengowSettings(twin.url, Secret("t"), Secret("s"), 1), clock=clock)
        syncer = Syncer([rules], store, client, clock, import_fulfilled=True)  # type: ignore[arg-type]
        reports = []
        end = scenario.start + timedelta(days=DAYS, hours=1)
        while clock.now() < end:
            reports.append(syncer.run_once())
            clock.sleep(15 * 60)
        served = {o.order_id: o.document["marketplace_status"] for o in live.orders()}
    assert all(r.failed is None for r in reports)
    assert len(reports) == 4 * (24 * DAYS + 1)  # every 15 minutes of the 2 days and 1 hour
    assert sum(r.anomalies for r in reports) == 0
    states = store.get_orders((rules.marketplace.code, order_id) for order_id in served)
    truth = {order_id: rules.status_for_code(str(code)) for order_id, code in served.items()}
    stored = {key[1]: state.status for key, state in states.items()}
    assert len(truth) == 907  # seed 11, 400 a day: 940 expected on a Monday and a Tuesday
    assert stored == truth
    # The polls missed short-lived statuses; the engine inferred them on legal paths.
    events = store.events_frame()
    assert (len(events), int(events["inferred"].sum())) == (3609, 588)
