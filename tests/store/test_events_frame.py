"""The event log as analytics reads it: the architecture's columns, typed, in order.

The store reads it column by column; `row_by_row` is the read it replaced, kept here as the
reference model the frame must equal exactly (values, dtypes, order) on both databases.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from engine.model.events import Event, Source
from engine.store import OrderKey, Store, open_store, order_fields
from engine.store.column_chunks import utc_times
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
VERSION = "rules_version"  # asked for among the fields, read from the orders' own column
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


# The frame as the store built it before it read columns: SQLAlchemy rows, the order's fields
# decoded per event, a stage asked per event. The column read must give exactly this frame.
def row_by_row(
    store: Store,
    keys: list[OrderKey],
    marketplace: str | None = None,
    stage_of: Callable[[str], str] | Mapping[str, str] | None = None,
    fields: Sequence[str] = (),
    since: datetime | None = None,
) -> pd.DataFrame:
    states = store.get_orders(keys)
    rows, owners = [], []
    for key in sorted(k for k in keys if marketplace in (None, k[0])):
        for stored in store.events(*key):
            if since is None or stored.at >= since:
                rows.append(dataclasses.astuple(stored))
                owners.append(states[key])
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame = frame.astype({"seq": "int64", "inferred": "bool", "deviation": "bool"})
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    if stage_of is not None:
        frame["stage"] = [_old_stage(stage_of, status) for status in frame["to_status"]]
    for name in fields:
        if name != VERSION:
            frame[name] = [state.fields.get(name) for state in owners]
    if VERSION in fields:  # the order's own column, after its rule fields
        frame[VERSION] = [state.rules_version for state in owners]
    return frame


def _old_stage(stage_of: Callable[[str], str] | Mapping[str, str], status: str) -> str:
    try:
        found = stage_of.get(status) if isinstance(stage_of, Mapping) else stage_of(status)
    except KeyError:
        found = None
    return status if found is None else found


def assert_same(frame: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Equal dtypes and values: None is not NaN (the default check) and floats are exact."""
    pd.testing.assert_frame_equal(frame, expected)
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)


# Every kind of JSON value a rule field may hold, and names no order has.
ODD_FIELDS = {
    "delivery_mode": "TRK",
    "count": 3,
    "ratio": 0.5,
    "gift": True,
    "note": 'caf\u00e9 \u2615 "quoted"',
    "tags": ["x", "y"],
    "address": {"city": "Lyon", "zip": "69001"},
    "empty": None,
    "a.b": "dotted",
    'say "hi"': "quoted",
}
FIELD_NAMES = [*ODD_FIELDS, "absent", "delivery_mode"]


def fill_varied(store: Store) -> list[OrderKey]:
    """Two marketplaces, orders of one to four events, with and without fields, a deviation,
    an inferred step and an order without events; the keys of the orders written."""
    a1 = dataclasses.replace(new_order("a1"), fields=ODD_FIELDS)
    a2 = dataclasses.replace(new_order("a2", 3), fields={})
    a3 = new_order("a3", 4)
    b1 = dataclasses.replace(new_order("b1", 5), marketplace="octopia", rules_version="2026.12.1",
                             fields={"delivery_mode": "REG", "count": 7})  # fmt: skip
    silent = dataclasses.replace(new_order("a0", 1), events=(), fields={"delivery_mode": "EXP"})
    store.apply([a1, a2, a3, b1, silent])
    foo = Event("a3", a3.status, "Foo", "deviation", "marketplace", Source.FETCH, False, at(40),
                True)  # fmt: skip
    store.apply([
        moved(a1, "WaitingForShipmentAcceptation", 90, via=("AcceptedBySeller",)),
        dataclasses.replace(a3, status="Foo", updated_at=at(40), base_seq=1, events=(foo,)),
    ])  # fmt: skip
    return [a1.key, a2.key, a3.key, b1.key, silent.key]


# (arguments, events read): the app's call, each option, and every option together.
QUERIES: dict[str, tuple[dict[str, Any], int]] = {
    "plain": ({}, 7),
    "as the app reads it": ({"fields": ("delivery_mode", "gift", "refund_reason")}, 7),
    "every kind of field": ({"fields": FIELD_NAMES, "stage_of": STAGES}, 7),
    "one marketplace": ({"marketplace": "octopia", "fields": FIELD_NAMES}, 1),
    "later events": ({"since": at(60), "fields": FIELD_NAMES, "stage_of": STAGES.__getitem__}, 2),
    "nothing that late": ({"since": at(600), "fields": ["delivery_mode"], "stage_of": STAGES}, 0),
    "stage by function": ({"stage_of": lambda status: None if status == "Foo" else status[:7]}, 7),
    "with the rules version": ({"fields": ("delivery_mode", VERSION, "gift")}, 7),
    "the rules version alone": ({"marketplace": "octopia", "fields": [VERSION]}, 1),
}


@pytest.mark.parametrize(("query", "count"), QUERIES.values(), ids=QUERIES.keys())
def test_the_frame_is_the_one_the_row_by_row_read_gave(
    store: Store, query: dict[str, Any], count: int
) -> None:
    keys = fill_varied(store)
    expected = row_by_row(store, keys, **query)
    assert len(expected) == count
    assert_same(store.events_frame(**query), expected)


def test_without_sqlite_json_arrows_each_document_is_decoded_to_the_same_frame(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite before 3.38 has no `->`; PostgreSQL always cuts its values out.
    monkeypatch.setattr(order_fields, "SQLITE_ARROW", (999,))
    keys = fill_varied(store)
    query: dict[str, Any] = {"fields": [name for name in FIELD_NAMES if '"' not in name]}
    query["fields"].insert(1, VERSION)
    assert_same(store.events_frame(**query), row_by_row(store, keys, **query))


def test_an_empty_store_gives_the_empty_frame_of_the_row_by_row_read(store: Store) -> None:
    query: dict[str, Any] = {"stage_of": STAGES, "fields": ["delivery_mode"]}
    frame = store.events_frame(**query)
    assert list(frame.columns) == [*COLUMNS, "stage", "delivery_mode"] and len(frame) == 0
    assert_same(frame, row_by_row(store, [], **query))


def test_creations_only_keep_from_status_as_the_row_by_row_read_typed_it(store: Store) -> None:
    orders = [new_order(f"c{n}", n) for n in range(3)]
    store.apply(orders)
    frame = store.events_frame(fields=["delivery_mode"])
    assert_same(frame, row_by_row(store, [o.key for o in orders], fields=["delivery_mode"]))
    assert frame["from_status"].tolist() == [None, None, None]
    assert frame["delivery_mode"].tolist() == ["TRK", "TRK", "TRK"]


@pytest.fixture
def memory_store() -> Iterator[Store]:
    opened = open_store("sqlite://")
    try:
        yield opened
    finally:
        opened.close()


@pytest.mark.parametrize(("query", "count"), QUERIES.values(), ids=QUERIES.keys())
def test_a_store_in_memory_is_read_through_the_driver_rows_to_the_same_frame(
    memory_store: Store, query: dict[str, Any], count: int
) -> None:
    # No file for another connection to open: the rows of Python's sqlite3, not Arrow.
    keys = fill_varied(memory_store)
    expected = row_by_row(memory_store, keys, **query)
    assert len(expected) == count
    assert_same(memory_store.events_frame(**query), expected)


def test_values_missing_from_the_first_thousand_rows_keep_their_type(tmp_path: Path) -> None:
    # The Arrow driver types a column by its first rows (1,024 of them) and fails on a later
    # value of another type: here from_status and refund_reason are missing from the first
    # 1,100 events and orders, present after.
    first = [new_order(f"a{n:04d}", n % 50) for n in range(1_100)]
    late = dataclasses.replace(new_order("z0", 7), fields={"refund_reason": "ClientClaim"})
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        store.apply([*first, late])
        store.apply([moved(late, "AcceptedBySeller", 9)])
        frame = store.events_frame(fields=["refund_reason", "delivery_mode"])
    assert len(frame) == 1_102
    assert frame["from_status"].isna().sum() == 1_101
    assert frame["from_status"].iloc[-1] == "WaitingForSellerAcceptation"
    assert frame["refund_reason"].isna().sum() == 1_100
    assert frame["refund_reason"].tolist()[-2:] == ["ClientClaim", "ClientClaim"]
    assert [str(frame[c].dtype) for c in ("from_status", "refund_reason")] == ["str", "str"]


def test_times_with_an_offset_are_read_as_utc() -> None:
    # The store writes UTC without an offset (`utc_text`); a text with one is still read right.
    texts = pa.chunked_array([["2026-03-02 09:00:00.000000", "2026-03-02 11:30:00+02:00"]])
    assert utc_times(texts).tolist() == [
        pd.Timestamp("2026-03-02 09:00", tz="UTC"),
        pd.Timestamp("2026-03-02 09:30", tz="UTC"),
    ]
    assert str(utc_times(texts).dtype) == "datetime64[us, UTC]"


def test_each_event_carries_its_orders_rules_version_from_the_same_read(store: Store) -> None:
    fill_varied(store)  # b1, the one order of octopia, runs under 2026.12.1; the others 2026.11.1
    frame = store.events_frame(fields=[VERSION, "delivery_mode"])
    assert list(frame.columns)[-2:] == ["delivery_mode", VERSION]
    assert frame[VERSION].tolist() == ["2026.11.1"] * 6 + ["2026.12.1"]
    assert str(frame[VERSION].dtype) == "str"


# The text columns, the stage and the fields: what `categorical` gives as categories.
CATEGORICAL = ["marketplace", "order_id", "from_status", "to_status", "trigger", "actor", "source"]
HASHABLE = [name for name in FIELD_NAMES if name not in ("tags", "address")]  # no list, no dict
CATEGORICAL_QUERIES: dict[str, dict[str, Any]] = {
    "plain": {},
    "every kind of field": {"fields": [*HASHABLE, VERSION], "stage_of": STAGES},
    "one marketplace": {"marketplace": "octopia", "fields": HASHABLE},
    "later events": {"since": at(60), "fields": HASHABLE, "stage_of": STAGES.__getitem__},
    "nothing that late": {"since": at(600), "fields": ["delivery_mode"], "stage_of": STAGES},
}


@pytest.mark.parametrize("where", ["file", "memory"])
@pytest.mark.parametrize("query", CATEGORICAL_QUERIES.values(), ids=CATEGORICAL_QUERIES.keys())
def test_categorical_columns_are_the_frames_own_as_categories(
    store: Store, memory_store: Store, where: str, query: dict[str, Any]
) -> None:
    read = store if where == "file" else memory_store
    keys = fill_varied(read)
    expected = row_by_row(read, keys, **query)
    texts = [c for c in expected.columns if c in CATEGORICAL or c not in COLUMNS]
    assert_same(
        read.events_frame(**query, categorical=True),
        expected.astype(dict.fromkeys(texts, "category")),
    )


def test_the_categories_are_the_values_sorted(store: Store) -> None:
    fill_varied(store)
    frame = store.events_frame(fields=["delivery_mode", "gift"], categorical=True)
    assert list(frame["order_id"].cat.categories) == ["a1", "a2", "a3", "b1"]  # a0: no event
    assert frame["order_id"].cat.codes.tolist() == [0, 0, 0, 1, 2, 2, 3]
    assert list(frame["to_status"].cat.categories) == [
        "AcceptedBySeller",
        "Foo",
        "WaitingForSellerAcceptation",
        "WaitingForShipmentAcceptation",
    ]
    assert list(frame["from_status"].cat.categories) == [
        "AcceptedBySeller",
        "WaitingForSellerAcceptation",
    ]
    assert frame["from_status"].cat.codes.tolist() == [-1, 1, 0, -1, -1, 1, -1]
    assert list(frame["delivery_mode"].cat.categories) == ["REG", "TRK"]
    assert list(frame["gift"].cat.categories) == [True]
    assert frame["gift"].cat.codes.tolist() == [0, 0, 0, -1, -1, -1, -1]


def test_a_text_holding_the_separator_is_read_as_it_is(store: Store) -> None:
    # The Arrow read joins an event's texts with "\x1f": a text holding one is read column by
    # column instead, to the same frame.
    first = new_order("A1")
    store.apply([first])
    odd = Event("A1", first.status, "Foo\x1fBar", "odd\x1f", "\x1fmarketplace", Source.FETCH,
                True, at(9), True)  # fmt: skip
    store.apply([dataclasses.replace(first, status="Foo\x1fBar", updated_at=at(9), base_seq=1,
                                     events=(odd,))])  # fmt: skip
    frame = store.events_frame(fields=["delivery_mode"])
    assert_same(frame, row_by_row(store, [first.key], fields=["delivery_mode"]))
    assert frame["to_status"].tolist() == ["WaitingForSellerAcceptation", "Foo\x1fBar"]
    assert frame["actor"].tolist() == ["marketplace", "\x1fmarketplace"]
    assert frame["inferred"].tolist() == [False, True]
    assert frame["deviation"].tolist() == [False, True]
