"""The calibration tests' store: the baseline's first ten days written by `fill`, once a session."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine.store import open_store
from simulator.scenario.loader import load_scenario
from simulator.scenario.values import Scenario
from workspace.sample_store import StoppedClock, fill

SCENARIOS = Path(__file__).resolve().parents[2] / "simulator" / "scenarios"
DAYS = 10


@pytest.fixture(scope="session")
def truth() -> Scenario:
    return load_scenario(SCENARIOS / "baseline.yaml")


@pytest.fixture(scope="session")
def store_url(truth: Scenario, tmp_path_factory: pytest.TempPathFactory) -> str:
    """About 4,100 orders of the baseline, on its own dates, in a SQLite store."""
    url = f"sqlite:///{tmp_path_factory.mktemp('calibration') / 'store.db'}"
    with open_store(url) as store:
        fill(store, truth, DAYS, 7, clock=StoppedClock(truth.start + timedelta(days=DAYS)))
    return url
