"""Timers: deadlines from when the order entered its status, events dated at the deadline."""

from __future__ import annotations

from datetime import timedelta

from engine.model.events import Source
from engine.runtime.replay import replay
from engine.runtime.runtime import Runtime
from tests.runtime.conftest import AT

WAITING = "WaitingForSellerAcceptation"


def test_the_deadline_counts_from_entry_into_the_status(cdiscount: Runtime) -> None:
    due = cdiscount.deadline(WAITING, AT)
    assert due is not None
    timer, when = due
    assert (timer.name, timer.fire, when) == (
        "seller_acceptance",
        "auto_cancel",
        AT + timedelta(hours=48),
    )
    assert cdiscount.deadline("Shipped", AT) is None


def test_nothing_fires_before_the_deadline(cdiscount: Runtime) -> None:
    outcome = cdiscount.fire_due("T1", WAITING, AT, AT + timedelta(hours=47, minutes=59))
    assert (outcome.status, outcome.events, outcome.anomalies) == (WAITING, (), ())


def test_an_expired_timer_fires_at_its_deadline(cdiscount: Runtime) -> None:
    outcome = cdiscount.fire_due("T2", WAITING, AT, AT + timedelta(days=10))
    (event,) = outcome.events
    assert outcome.status == "AutomaticCancellation"
    assert (event.trigger, event.actor, event.source, event.at) == (
        "auto_cancel", "timer", Source.TIMER, AT + timedelta(hours=48),
    )  # fmt: skip


def test_the_deadline_survives_a_restart_through_the_event_log(cdiscount: Runtime) -> None:
    created = cdiscount.observe("T3", None, WAITING, {}, AT).events
    accepted_at = AT + timedelta(hours=1)
    accepted = cdiscount.apply_command("T3", WAITING, "accept", {}, accepted_at).events
    state = replay([*created, *accepted], cdiscount.table)
    assert (state.status, state.entered_at, state.problems) == ("AcceptedBySeller", accepted_at, ())
    assert (
        cdiscount.fire_due("T3", state.status, state.entered_at, AT + timedelta(days=30)).events
        == ()
    )


def test_a_final_status_has_no_deadline_even_with_a_timer_elsewhere(cdiscount: Runtime) -> None:
    outcome = cdiscount.fire_due("T4", "AutomaticCancellation", AT, AT + timedelta(days=365))
    assert outcome.events == () and outcome.status == "AutomaticCancellation"
