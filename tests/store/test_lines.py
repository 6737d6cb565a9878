"""Cart lines and rule-field changes: kept with the change that reports them, once."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from engine.model.events import Anomaly, AnomalyKind, FieldChange, field_changes
from engine.model.lines import LineState, OrderLine
from engine.model.outcome import Outcome
from engine.model.snapshot import OrderSnapshot
from engine.store import Store, StoredFieldChange
from engine.store.records import OrderChange, OrderState
from tests.store.changes import MP, at, moved, new_order

SHIPMENT = "WaitingForShipmentAcceptation"
A = OrderLine("L1", "AcceptedBySeller", "accepted", LineState.ACCEPTED, 2, "36.00")
R = OrderLine("L2", "RefusedBySeller", "refused", LineState.REFUSED, 1, "9.50")


def test_an_orders_lines_are_stored_in_order_and_replaced_by_a_newer_snapshot(
    store: Store,
) -> None:
    first = dataclasses.replace(new_order("A1"), lines=(R, A))
    store.apply([first])
    assert store.lines(MP, "A1") == [R, A]
    shipped = dataclasses.replace(A, line_id="L1", state=LineState.SHIPPED, lengow_status="shipped")
    later = dataclasses.replace(moved(first, SHIPMENT, 60), lines=(shipped,))
    store.apply([later])
    assert store.lines(MP, "A1") == [shipped]
    assert store.line_states() == {(MP, "A1"): ["shipped"]}


def test_a_stale_snapshot_leaves_the_lines_as_they_are(store: Store) -> None:
    first = dataclasses.replace(moved(new_order("A1"), SHIPMENT, 60), lines=(A, R))
    store.apply([new_order("A1"), first])
    stale = dataclasses.replace(new_order("A1", minutes=30), base_seq=first.seq, lines=())
    assert store.apply([stale]).stale == ((MP, "A1"),)
    assert store.lines(MP, "A1") == [A, R]
    assert store.line_states(MP) == {(MP, "A1"): ["accepted", "refused"]}
    assert store.line_states("other") == {}


def test_a_rule_field_change_is_kept_in_the_history_after_the_events_before_it(
    store: Store,
) -> None:
    first = new_order("A1")
    store.apply([first])
    change = FieldChange("A1", "delivery_mode", "TRK", "MAG", at(60))
    store.apply([dataclasses.replace(moved(first, SHIPMENT, 60), field_changes=(change,))])
    assert store.field_changes(MP, "A1") == [
        StoredFieldChange(MP, "A1", 1, "delivery_mode", "TRK", "MAG", at(60))
    ]


def test_only_fields_the_store_held_count_as_changed() -> None:
    when = datetime(2026, 3, 2, tzinfo=UTC)
    before = {"delivery_mode": "TRK", "carrier": None}
    after = {"delivery_mode": "MAG", "carrier": None, "new_field": "x"}
    assert field_changes("A1", before, after, when) == (
        FieldChange("A1", "delivery_mode", "TRK", "MAG", when),
    )
    assert field_changes("A1", {}, after, when) == ()


def test_a_snapshot_reports_field_changes_against_the_stored_order() -> None:
    snap = OrderSnapshot(MP, "A1", SHIPMENT, at(60), fields={"delivery_mode": "MAG"}, lines=(A,))
    state = OrderState(MP, "A1", SHIPMENT, at(0), at(0), "v", 1, {"delivery_mode": "TRK"})
    change = OrderChange.observed(snap, state, Outcome(SHIPMENT), "v")
    assert change.field_changes == (FieldChange("A1", "delivery_mode", "TRK", "MAG", at(60)),)
    assert change.lines == (A,)
    assert OrderChange.observed(snap, None, Outcome(SHIPMENT), "v").field_changes == ()


def test_a_long_unlisted_value_is_kept_in_the_message_and_clipped_where_reported(
    store: Store,
) -> None:
    value = "V" * 300
    anomaly = Anomaly(
        "A1", None, f"delivery_mode={value}", AnomalyKind.UNLISTED_VALUE, f"'{value}'", at(0)
    )
    store.apply([dataclasses.replace(new_order("A1"), anomalies=(anomaly,))])
    (stored,) = store.anomalies(MP, "A1")
    assert stored.reported == "delivery_mode=" + "V" * 113 + "…"
    assert len(stored.reported) == 128 and stored.message == f"'{value}'"
