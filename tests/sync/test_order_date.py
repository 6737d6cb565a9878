"""A new order's creation is dated by the marketplace's order date, observed
(`engine.sync.order_date`): its first status entered when the order was placed, the statuses
between inferred and bounded by two known instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from analytics.export import counts
from engine.model.events import Event, Source
from engine.model.outcome import Outcome
from engine.rulefile.loader import load_rules
from engine.store import open_store
from engine.sync.order_date import dated_creation
from simulator.twin.server import Twin
from tests.sync.support import RULES, ManualClock, syncer
from workspace.sources import read_log

SEEN = datetime(2026, 11, 20, 9, 5, tzinfo=UTC)
PLACED = SEEN - timedelta(hours=3)


def _seen(*moves: tuple[str | None, str, bool]) -> Outcome:
    events = tuple(
        Event("C1", source, dest, "t", "marketplace", Source.FETCH, inferred, SEEN)
        for source, dest, inferred in moves
    )
    return Outcome(moves[-1][1], events)


def test_the_creation_takes_the_order_date_and_is_observed() -> None:
    outcome = _seen((None, "New", True), ("New", "Accepted", True), ("Accepted", "Paid", False))
    dated = dated_creation(outcome, PLACED)
    assert [(e.to_status, e.inferred, e.at) for e in dated.events] == [
        ("New", False, PLACED),
        ("Accepted", True, SEEN),  # between two known instants: the order date and the poll
        ("Paid", False, SEEN),
    ]
    assert dated.status == "Paid"


def test_without_an_order_date_or_with_one_after_the_poll_nothing_changes() -> None:
    outcome = _seen((None, "New", True), ("New", "Paid", False))
    assert dated_creation(outcome, None) is outcome
    assert dated_creation(outcome, SEEN + timedelta(seconds=1)) is outcome
    moved = _seen(("New", "Paid", False))  # not a creation: an order the store held
    assert dated_creation(moved, PLACED) is moved


def test_a_first_sync_dates_every_creation_by_its_order_and_bounds_every_inferred_status(
    twin: Twin, clock: ManualClock, store_url: str
) -> None:
    with open_store(store_url) as store:
        assert syncer(twin, store, clock).run_once().failed is None
        frame = store.events_frame()
        firsts = frame[frame["seq"] == 1].set_index("order_id")
        states = {order: store.get_order("cdiscount", order) for order in firsts.index}
        log = read_log(store, [load_rules(RULES)])
    placed = {
        order: pd.Timestamp(str(state.snapshot["marketplace_order_date"]))
        for order, state in states.items()
        if state is not None
    }
    assert len(firsts) == len(placed) > 100
    assert not firsts["inferred"].any()
    assert all(firsts.loc[order, "at"] == placed[order] for order in placed)
    # Every inferred status lies after an observed creation: none is left out of an export.
    found = counts(log)
    assert found["inferred"] > 0 and found["unbounded"] == 0
