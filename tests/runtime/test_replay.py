"""Replaying an order's event log gives its status, when it entered it, and any broken link."""

from __future__ import annotations

from engine.model.events import Event, Source
from engine.runtime.replay import replay
from engine.runtime.runtime import Runtime
from tests.runtime.conftest import AT


def event(source: str | None, dest: str, trigger: str) -> Event:
    return Event("R1", source, dest, trigger, "seller", Source.FETCH, False, AT)


def test_replay_of_an_observed_path_ends_where_the_runtime_did(cdiscount: Runtime) -> None:
    outcome = cdiscount.observe("R1", None, "WaitingForShipmentAcceptation", {}, AT)
    state = replay(outcome.events, cdiscount.table)
    assert (state.status, state.events, state.problems) == ("WaitingForShipmentAcceptation", 4, ())


def test_replay_names_an_event_that_does_not_follow_the_previous_one(cdiscount: Runtime) -> None:
    events = [
        event(None, "WaitingForSellerAcceptation", "create"),
        event("AcceptedBySeller", "PaymentInProgress", "start_payment"),
    ]
    assert replay(events, cdiscount.table).problems == (
        "event 2 starts at 'AcceptedBySeller' but the order was at 'WaitingForSellerAcceptation'",
    )


def test_replay_names_an_event_the_rules_do_not_declare(cdiscount: Runtime) -> None:
    events = [
        event(None, "WaitingForSellerAcceptation", "create"),
        event("WaitingForSellerAcceptation", "Shipped", "accept"),
    ]
    assert replay(events, cdiscount.table).problems == (
        "event 2 ('accept' from 'WaitingForSellerAcceptation' to 'Shipped') is not a transition "
        "of the rules",
    )
