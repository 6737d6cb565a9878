"""Fixtures of the sync tests: a manual clock and the Lengow twin serving Cdiscount orders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from engine.rulefile.loader import load_rules
from simulator.twin.orders import Generation
from simulator.twin.server import Twin, build_service
from tests.sync.support import RULES, ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))


@pytest.fixture
def twin(clock: ManualClock) -> Iterator[Twin]:
    rules = load_rules(RULES)
    service = build_service([rules], plan=Generation(count=250, seed=3), clock=clock)
    with Twin(service) as server:
        yield server
