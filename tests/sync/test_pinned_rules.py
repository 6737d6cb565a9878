"""A sync keeps the rules its orders run under in the store, once per version of them."""

from __future__ import annotations

from engine.rulefile.loader import load_rules
from engine.rulefile.serialize import to_yaml
from engine.store import open_store
from engine.store.rule_versions import digest
from simulator.twin.server import Twin
from tests.sync.support import RULES, ManualClock, syncer


def test_a_sync_keeps_its_rule_version_once(twin: Twin, clock: ManualClock, store_url: str) -> None:
    store = open_store(store_url)
    started = clock.now()
    syncer(twin, store, clock).run_once()
    clock.sleep(15 * 60)
    syncer(twin, store, clock).run_once()
    rules = load_rules(RULES)
    (kept,) = store.rule_versions()
    assert (kept.marketplace, kept.rules_version, kept.first_seen) == (
        "cdiscount",
        rules.marketplace.rules_version,
        started,
    )
    assert kept.text == to_yaml(rules) and kept.sha256 == digest(kept.text)
    orders = store.in_flight("cdiscount", ())
    assert {o.rules_version for o in orders} == {kept.rules_version}
    store.close()
