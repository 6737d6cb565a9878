"""A new order fulfilled by the marketplace first seen past where such orders arrive.

Octopia's fulfilled orders arrive `Shipped`: one first seen `Delivered` was created there and
delivered, with no seller acceptance or payment made up before it. The machine, the table and
the bulk path (from where the runtime created the order, as the simulator's engine view runs
it) give the same events.
"""

from __future__ import annotations

from pathlib import Path

from engine.model.events import AnomalyKind, Event, Source
from engine.model.outcome import Outcome
from engine.runtime.bulk import BulkTable
from engine.runtime.runtime import Runtime
from engine.runtime.table import TableRuntime
from tests.runtime.conftest import AT, CDISCOUNT, RULES_DIR, runtime_of

OCTOPIA = RULES_DIR / "cdiscount_octopia.yaml"
FULFILLED = {"fulfilled_by_marketplace": True, "carrier": "2"}

Trace = list[tuple[str | None, str, str, str, bool]]


def trace(events: tuple[Event, ...]) -> Trace:
    return [(e.from_status, e.to_status, e.trigger, e.actor, e.inferred) for e in events]


def table_of(path: Path) -> TableRuntime:
    runtime = runtime_of(path)
    return TableRuntime(runtime.rules, runtime.machine)


def observed(path: Path, reported: str, fields: dict[str, object]) -> Outcome:
    """The machine's outcome, after checking the table's is the same."""
    (row,) = table_of(path).observe_batch(["F1"], [None], [reported], [fields], AT)
    outcome = runtime_of(path).observe("F1", None, reported, fields, AT)
    assert row == outcome
    return outcome


def test_first_seen_delivered_it_is_created_shipped_then_delivered() -> None:
    outcome = observed(OCTOPIA, "Delivered", FULFILLED)
    assert (outcome.status, outcome.anomalies) == ("Delivered", ())
    assert trace(outcome.events) == [
        (None, "Shipped", "create", "marketplace", True),
        ("Shipped", "Delivered", "deliver", "marketplace", False),
    ]
    assert {e.source for e in outcome.events} == {Source.FETCH}


def test_the_bulk_path_delivers_it_from_where_it_arrived() -> None:
    bulk = BulkTable(runtime_of(OCTOPIA))
    result = bulk.run(
        bulk.encode_statuses(["Shipped"]),
        bulk.signatures([FULFILLED]),
        bulk.trigger_matrix([["deliver"]]),
        bulk.encode_statuses(["Delivered"]),
    )
    (outcome,) = bulk.outcomes(result, ["F1"], ["Shipped"], AT, Source.FETCH)
    assert (outcome.status, outcome.anomalies) == ("Delivered", ())
    # The arrays know steps, not observations: the event is the runtime's, inferred as the
    # caller (the engine view) sets it.
    assert trace(outcome.events) == [("Shipped", "Delivered", "deliver", "marketplace", False)]


def test_first_seen_cancelled_it_is_refunded_after_it_arrived() -> None:
    outcome = observed(OCTOPIA, "Cancelled", FULFILLED)
    assert trace(outcome.events) == [
        (None, "Shipped", "create", "marketplace", True),
        ("Shipped", "Cancelled", "refund", "seller", False),
    ]


def test_an_order_not_fulfilled_first_seen_delivered_gets_the_whole_path() -> None:
    outcome = observed(OCTOPIA, "Delivered", {**FULFILLED, "fulfilled_by_marketplace": False})
    assert trace(outcome.events) == [
        (None, "Processing", "create", "marketplace", True),
        ("Processing", "WaitingAcceptance", "await_acceptance", "marketplace", True),
        ("WaitingAcceptance", "Accepted", "accept", "seller", True),
        ("Accepted", "InPreparation", "confirm_payment", "payment", True),
        ("InPreparation", "Shipped", "ship", "seller", True),
        ("Shipped", "Delivered", "deliver", "marketplace", False),
    ]


def test_a_status_no_path_leads_to_from_the_arrival_is_read_from_the_initial_one() -> None:
    """Rejected comes before shipping: the fulfilled order was rejected before it arrived."""
    outcome = observed(OCTOPIA, "Rejected", FULFILLED)
    assert trace(outcome.events) == [
        (None, "Processing", "create", "marketplace", True),
        ("Processing", "Rejected", "reject", "payment", False),
    ]


def test_with_no_path_from_either_it_takes_the_report_by_a_deviation() -> None:
    """Cdiscount's `Shipped` is final; no path leads to `PickedUp` for a tracked delivery."""
    fields = {"fulfilled_by_marketplace": True, "delivery_mode": "TRK"}
    outcome = observed(CDISCOUNT, "PickedUp", fields)
    assert outcome.events == (
        Event("F1", None, "PickedUp", "deviation", "marketplace", Source.FETCH, False, AT, True),
    )
    (anomaly,) = outcome.anomalies
    assert (anomaly.kind, anomaly.message) == (
        AnomalyKind.NO_LEGAL_PATH,
        "no legal path from an initial status or from 'Shipped' to 'PickedUp' for a new order",
    )


def test_where_it_arrives_depends_on_the_flag_alone() -> None:
    runtime: Runtime = runtime_of(OCTOPIA)
    assert runtime.arrival(FULFILLED) == "Shipped"
    assert runtime.arrival({"fulfilled_by_marketplace": False}) is None
    assert runtime.arrival({}) is None
