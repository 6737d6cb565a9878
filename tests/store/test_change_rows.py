"""The rows a batch of applied changes writes, each table's values in its column order."""

from __future__ import annotations

from dataclasses import replace

from engine.store.change_rows import EVENT_COLUMNS, ORDER_COLUMNS, event_rows, order_rows
from tests.store.changes import MP, at, event, new_order

SHIPMENT = "WaitingForShipmentAcceptation"


def test_an_order_changed_twice_in_a_batch_is_one_row_of_its_last_state() -> None:
    first = new_order("A1")
    second = replace(
        first,
        status=SHIPMENT,
        updated_at=at(10),
        entered_at=at(10),
        base_seq=1,
        events=(event("A1", "WaitingForSellerAcceptation", SHIPMENT, 10),),
    )
    (row,) = order_rows([first, second])
    values = dict(zip(ORDER_COLUMNS, row, strict=True))
    # prev_seq is the stored count the first change was based on; seq the last one's.
    assert (values["status"], values["seq"], values["prev_seq"]) == (SHIPMENT, 2, 0)
    assert (values["updated_at"], values["account"]) == (at(10), "")


def test_events_are_numbered_on_from_the_count_they_were_based_on() -> None:
    change = replace(new_order("A2"), base_seq=3)
    (row,) = event_rows([change])
    values = dict(zip(EVENT_COLUMNS, row, strict=True))
    assert (values["marketplace"], values["order_id"], values["seq"]) == (MP, "A2", 4)
    assert (values["actor"], values["source"], values["inferred"]) == (
        "marketplace",
        "fetch",
        False,
    )
