"""Cart lines that disagree, and rule-field changes, as the app shows them.

Three orders are added to the small store of conftest.py, through `Store.apply`:
P1 (cdiscount) created on day 3 at 09:00 with two waiting lines and delivery mode TRK; at 11:00
accepted with L1 accepted and L2 refused by the seller, its delivery mode now MAG.
P2 (cdiscount) accepted, both lines accepted: its lines agree.
G1 (galeries_lafayette) shipped at 10:00, one line shipped and one refunded.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.model.events import Event, FieldChange, Source
from engine.model.lines import LineState, OrderLine
from engine.store import OrderChange, open_store
from tests.analytics.conftest import DAY0
from tests.app.test_pages import start, texts

WFSA = "WaitingForSellerAcceptation"
ACC = "AcceptedBySeller"
VERSION = "2026.11.1"
NINE = DAY0 + timedelta(days=3, hours=9)
TEN = NINE + timedelta(hours=1)
ELEVEN = NINE + timedelta(hours=2)


def _line(line_id: str, code: str | None, lengow: str, state: LineState) -> OrderLine:
    return OrderLine(line_id, code, lengow, state, 1, "9.50")


def _created(order_id: str, lines: tuple[OrderLine, ...]) -> OrderChange:
    create = Event(order_id, None, WFSA, "create", "marketplace", Source.FETCH, False, NINE)
    return OrderChange(
        "cdiscount",
        order_id,
        WFSA,
        NINE,
        NINE,
        VERSION,
        events=(create,),
        fields={"delivery_mode": "TRK"},
        lines=lines,
    )


def _accepted(
    order_id: str, lines: tuple[OrderLine, ...], changes: tuple[FieldChange, ...], mode: str
) -> OrderChange:
    accept = Event(order_id, WFSA, ACC, "accept", "seller", Source.FETCH, False, ELEVEN)
    return OrderChange(
        "cdiscount",
        order_id,
        ACC,
        ELEVEN,
        ELEVEN,
        VERSION,
        base_seq=1,
        events=(accept,),
        fields={"delivery_mode": mode},
        lines=lines,
        field_changes=changes,
    )


@pytest.fixture
def lines_store(store_url: str) -> str:
    waiting = (
        _line("L1", None, "waiting_acceptance", LineState.WAITING),
        _line("L2", None, "waiting_acceptance", LineState.WAITING),
    )
    split = (
        OrderLine("L1", ACC, "accepted", LineState.ACCEPTED, 2, "36.00"),
        OrderLine("L2", "RefusedBySeller", "refused", LineState.REFUSED, 1, "9.50"),
    )
    agreed = (
        _line("L1", ACC, "accepted", LineState.ACCEPTED),
        _line("L2", ACC, "accepted", LineState.ACCEPTED),
    )
    moved = (FieldChange("P1", "delivery_mode", "TRK", "MAG", ELEVEN),)
    shipped = Event("G1", None, "Shipped", "create", "marketplace", Source.FETCH, False, TEN)
    gallery = OrderChange(
        "galeries_lafayette",
        "G1",
        "Shipped",
        TEN,
        TEN,
        VERSION,
        events=(shipped,),
        lines=(
            _line("G1-1", None, "shipped", LineState.SHIPPED),
            _line("G1-2", None, "refunded", LineState.REFUNDED),
        ),
    )
    with open_store(store_url) as store:
        store.apply([_created("P1", waiting), _created("P2", waiting), gallery])
        store.apply([_accepted("P1", split, moved, "MAG"), _accepted("P2", agreed, (), "TRK")])
    return store_url


def test_orders_lists_each_orders_lines_mix(lines_store: str) -> None:
    app = start("orders")
    found = app.dataframe[0].value
    assert found[["order_id", "lines"]].values.tolist()[:4] == [
        ["P1", "partial acceptance, partial refusal"],
        ["P2", ""],
        ["G1", "partial shipment, partial refund"],
        ["O3", ""],  # no lines in the store
    ]


def test_orders_filters_to_the_orders_whose_lines_disagree(lines_store: str) -> None:
    app = start("orders")
    [only] = [c for c in app.checkbox if c.label == "Only orders whose lines disagree"]
    only.check().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.dataframe[0].value["order_id"].tolist() == ["P1", "G1"]
    assert (
        "2 order(s) shown (at most 200, the most recently changed first). Pick a row to open "
        "its timeline."
    ) in texts(app.caption)


def test_orders_shows_the_field_change_in_the_timeline_and_the_lines(lines_store: str) -> None:
    app = start("orders")
    app.text_input[0].input("P1").run()
    story = app.dataframe[1].value
    assert story[["kind", "what"]].values.tolist() == [
        ["observed", WFSA],
        ["field change", "delivery_mode changed: TRK -> MAG"],
        ["observed", ACC],
    ]
    assert "Lines disagree: partial acceptance, partial refusal" in texts(app.warning)
    lines = app.dataframe[2].value
    assert lines.values.tolist() == [
        ["L1", ACC, "accepted", "accepted", 2, "36.00"],
        ["L2", "RefusedBySeller", "refused", "refused", 1, "9.50"],
    ]
    # Lines that agree are listed without a note; an order without lines says so.
    app.text_input[0].input("P2").run()
    assert not [w for w in texts(app.warning) if w.startswith("Lines disagree")]
    assert app.dataframe[2].value["state"].tolist() == ["accepted", "accepted"]
    app.text_input[0].input("O7").run()
    assert "The store holds no cart line for this order." in texts(app.caption)


def test_overview_counts_the_orders_whose_lines_disagree_per_marketplace(
    lines_store: str,
) -> None:
    app = start()
    assert "Orders whose lines disagree" in texts(app.subheader)
    table = app.dataframe[-1].value
    assert table[["figure", "orders"]].values.tolist() == [
        ["orders", 11],
        ["with lines", 3],
        ["lines disagree", 2],
        ["partial acceptance", 1],
        ["partial shipment", 1],
        ["partial refusal", 1],
        ["partial refund", 1],
    ]
    assert table["share"].tolist()[2:] == [66.7, 33.3, 33.3, 33.3, 33.3]
    app.sidebar.multiselect[0].select("cdiscount").run()
    table = app.dataframe[-1].value
    # G1 (galeries_lafayette) is filtered out: its partial shipment and refund with it.
    assert table[["figure", "orders"]].values.tolist() == [
        ["orders", 10],
        ["with lines", 2],
        ["lines disagree", 1],
        ["partial acceptance", 1],
        ["partial refusal", 1],
    ]
    assert table["share"].tolist()[2:] == [50.0, 50.0, 50.0]
