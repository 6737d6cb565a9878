"""The event log as analytics reads it: the architecture's columns, typed, in order."""

from __future__ import annotations

import dataclasses

import pandas as pd

from engine.model.events import Event, Source
from engine.store import Store
from tests.store.changes import at, moved, new_order

COLUMNS = [
    "marketplace",
    "order_id",
    "seq",
    "from_status",
    "to_status",
    "trigger",
    "actor",
    "source",
    "inferred",
    "at",
    "deviation",
]
STAGES = {
    "WaitingForSellerAcceptation": "new",
    "AcceptedBySeller": "new",
    "WaitingForShipmentAcceptation": "waiting_shipment",
}


def fill(store: Store) -> None:
    first = new_order("A1")
    store.apply([first, dataclasses.replace(new_order("B1", 5), marketplace="octopia")])
    store.apply([moved(first, "WaitingForShipmentAcceptation", 90, via=("AcceptedBySeller",))])


def test_the_frame_has_the_event_log_columns_and_types(store: Store) -> None:
    fill(store)
    frame = store.events_frame()
    assert list(frame.columns) == COLUMNS
    assert frame["seq"].dtype == "int64"
    assert frame["inferred"].dtype == "bool"
    assert frame["deviation"].dtype == "bool" and not frame["deviation"].any()
    assert str(frame["at"].dtype).endswith(", UTC]")
    assert frame[["marketplace", "order_id", "seq", "to_status", "inferred"]].values.tolist() == [
        ["cdiscount", "A1", 1, "WaitingForSellerAcceptation", False],
        ["cdiscount", "A1", 2, "AcceptedBySeller", True],
        ["cdiscount", "A1", 3, "WaitingForShipmentAcceptation", False],
        ["octopia", "B1", 1, "WaitingForSellerAcceptation", False],
    ]
    assert frame["at"].tolist() == [pd.Timestamp(t) for t in (at(0), at(90), at(90), at(5))]
    assert frame["from_status"].isna().tolist() == [True, False, False, True]
    assert frame["from_status"][1] == "WaitingForSellerAcceptation"


def test_stage_and_order_fields_are_added_when_asked(store: Store) -> None:
    fill(store)
    frame = store.events_frame(marketplace="cdiscount", stage_of=STAGES, fields=["delivery_mode"])
    assert list(frame.columns) == [*COLUMNS, "stage", "delivery_mode"]
    assert frame["stage"].tolist() == ["new", "new", "waiting_shipment"]
    assert frame["delivery_mode"].tolist() == ["TRK", "TRK", "TRK"]
    by_function = store.events_frame(marketplace="octopia", stage_of=lambda status: status[:7])
    assert by_function["stage"].tolist() == ["Waiting"]


def test_since_keeps_the_later_events(store: Store) -> None:
    fill(store)
    assert store.events_frame(since=at(60))["seq"].tolist() == [2, 3]


def test_an_empty_log_still_has_the_columns(store: Store) -> None:
    frame = store.events_frame(stage_of=STAGES)
    assert list(frame.columns) == [*COLUMNS, "stage"]
    assert len(frame) == 0


def test_a_deviation_to_an_undeclared_code_is_read_back_as_that_code(store: Store) -> None:
    first = new_order("A1")
    store.apply([first])
    foo = Event("A1", first.status, "Foo", "deviation", "marketplace", Source.FETCH, False, at(9),
                True)  # fmt: skip
    store.apply([dataclasses.replace(first, status="Foo", updated_at=at(9), base_seq=1,
                                     events=(foo,))])  # fmt: skip
    assert store.get_order("cdiscount", "A1").status == "Foo"  # type: ignore[union-attr]
    assert [e.deviation for e in store.events("cdiscount", "A1")] == [False, True]
    frame = store.events_frame(stage_of=STAGES)
    assert frame["deviation"].tolist() == [False, True]
    # A status the rules do not declare has no stage: it is shown as its code, never as none.
    assert frame["stage"].tolist() == ["new", "Foo"]
    assert store.events_frame(stage_of=STAGES.__getitem__)["stage"].tolist() == ["new", "Foo"]
