"""Another writer moving an order between our read and our write: recompute, never lose."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import pytest

from engine.store import OrderChange, OrderKey, OrderState, RunStatus, open_store
from engine.sync.order_rules import KeptVersions
from engine.sync.syncer import Syncer
from simulator.twin.faults import Faults
from simulator.twin.server import Twin
from tests.sync.support import ManualClock, event_rows, syncer

original = Syncer._changes


def stale_first(times: int) -> object:
    """`_changes` whose first `times` calls compute every change from a wrong event count."""
    calls = {"n": 0}

    def changes(
        self: Syncer,
        kept: KeptVersions,
        snapshots: Mapping[OrderKey, object],
        states: Mapping[OrderKey, OrderState],
    ) -> list[OrderChange]:
        computed = original(self, kept, snapshots, states)  # type: ignore[arg-type]
        calls["n"] += 1
        if calls["n"] > times:
            return computed
        return [dataclasses.replace(c, base_seq=c.base_seq + 7) for c in computed]

    return changes


def test_conflicting_changes_are_computed_again_and_nothing_is_lost(
    twin: Twin, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean = open_store(f"sqlite:///{tmp_path / 'clean.db'}")
    syncer(twin, clean, clock).run_once()
    monkeypatch.setattr(Syncer, "_changes", stale_first(times=1))
    raced = open_store(f"sqlite:///{tmp_path / 'raced.db'}")
    report = syncer(twin, raced, clock).run_once()
    assert report.failed is None
    assert event_rows(raced) == event_rows(clean)
    assert report.events == len(event_rows(clean))


def test_orders_that_keep_conflicting_fail_the_window_but_keep_the_quarantine(
    twin: Twin, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    twin.service.faults.set(Faults(malformed=1))
    monkeypatch.setattr(Syncer, "_changes", stale_first(times=99))
    store = open_store(f"sqlite:///{tmp_path / 'stuck.db'}")
    report = syncer(twin, store, clock).run_once()
    assert report.failed is not None and "kept changing under another writer" in report.failed
    assert store.watermark("orders") is None
    assert [r.status for r in store.fetch_runs()] == [RunStatus.FAILED]
    assert len(store.quarantined()) == 1 and store.count_orders() == 0
