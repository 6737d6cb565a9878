"""The Sync page names the failed and unconfirmed actions, their orders and why; on the demo
store it shows the simulated polls as fetch runs."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from engine.store import NewAction, OutboxState, open_store
from simulator.scenario.loader import load_scenario
from tests.analytics.conftest import DAY0
from tests.app.conftest import RULES_DIR
from tests.app.test_pages import metrics, start, texts
from tests.workspace.test_sample_store import PinnedClock
from workspace.sample_store import fill

SCENARIOS = Path(__file__).resolve().parents[2] / "simulator" / "scenarios"
REFUSED = "HTTP 400 from Lengow: the order is already cancelled on the marketplace"


def test_failed_and_unconfirmed_actions_are_listed_with_their_reasons(store_url: str) -> None:
    at = DAY0 + timedelta(days=1)
    with open_store(store_url) as store:
        accept = NewAction("cdiscount", "O2", "accept", "accept", {}, "AcceptedBySeller", at)
        failed, _ = store.enqueue(accept)
        item = store.begin_send(store.outbox(states=[OutboxState.PENDING])[-1], at)
        assert item is not None and item.id == failed
        store.move_outbox(failed, OutboxState.FAILED, at, {"error": REFUSED})
        ship = NewAction(
            "cdiscount", "O4", "ship", "ship", {"carrier": "14", "line": "L2"}, "Shipped", at,
            line="L2",
        )  # fmt: skip
        unconfirmed, _ = store.enqueue(ship)
        store.move_outbox(unconfirmed, OutboxState.SENT, at, {"id": 88, "status": "queued"})
        store.move_outbox(unconfirmed, OutboxState.UNCONFIRMED, at + timedelta(days=3))
    app = start("sync")
    shown = metrics(app)
    assert (shown["Failed"], shown["Unconfirmed"]) == ("1", "1")
    assert "2 actions (the latest 200 shown)." in texts(app.caption)
    [table] = [d.value for d in app.dataframe if {"reason", "attempts"} <= set(d.value.columns)]
    assert table.columns.tolist() == [
        "marketplace", "order", "action", "line", "state", "attempts", "reason",
        "queued", "last attempt", "sent",
    ]  # fmt: skip
    rows = table[["order", "action", "line", "state", "attempts", "reason"]].values.tolist()
    assert rows == [
        [
            "O4", "ship", "L2", "unconfirmed", 1,
            "no fetch since it was sent, 2026-03-03 00:00 UTC, showed that the marketplace did "
            'it (expected status Shipped); sent with the answer: {"id": 88, "status": "queued"}',
        ],
        ["O2", "accept", "", "failed", 1, REFUSED],
    ]  # fmt: skip
    assert table["queued"].tolist() == [pd.Timestamp(at)] * 2
    assert table["last attempt"].isna().tolist() == [True, False]


def test_every_action_gone_through_says_so(store_url: str) -> None:
    app = start("sync")
    assert "None: every action sent was confirmed or is still on its way." in texts(app.markdown)


def test_the_demo_store_shows_its_simulated_polls_as_fetch_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    scenario = replace(scenario, arrivals=replace(scenario.arrivals, per_day=40.0))
    with open_store(url) as store:
        fill(store, scenario, days=1, seed=7, clock=PinnedClock())
    monkeypatch.setenv("ORDERFLOW_DB", url)
    monkeypatch.setenv("ORDERFLOW_RULES", str(RULES_DIR))
    monkeypatch.setenv("ORDERFLOW_DEMO", "1")
    app = start("sync")
    shown = metrics(app)
    # tests/workspace/test_sample_store.py: 95 fetches every 15 minutes and 11 sweep windows.
    assert (shown["Fetch runs"], shown["Failed runs"], shown["Running now"]) == ("106", "0", "0")
    assert any(
        c.startswith("The demo store's runs are the simulated polls") for c in texts(app.caption)
    )
    watermarks = app.dataframe[0].value.set_index("kind")
    assert watermarks["runs"].to_dict() == {"incremental": 95, "sweep": 11}
    assert str(watermarks.loc["sweep", "watermark"]) == "2026-03-18 14:00:00+00:00"
    assert "No failed run, no run with errors." in texts(app.markdown)
    latest = app.dataframe[1].value  # the latest 100 of them, the closing sweep first
    assert len(latest) == 100
    assert latest[["kind", "status", "errors"]].iloc[0].tolist() == ["sweep", "ok", 0]
    assert str(latest["started_at"].iloc[0]) == "2026-03-18 14:00:00+00:00"
