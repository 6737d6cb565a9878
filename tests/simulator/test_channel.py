"""The simulated channel: a poll shows each updated order at its latest status, nothing more."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from engine.rulefile.loader import load_rules
from simulator.run.channel import Sighting, SimulatedChannel, order_id
from simulator.world.clock import VirtualClock
from simulator.world.fields import FieldTable
from simulator.world.truth import NONE, Commands, Truth

from .test_marketplace import RULES

START = datetime(2026, 1, 5, tzinfo=UTC)


def truth() -> Truth:
    """Order 0 created at 100 and moved twice before 900; order 1 created at 500, moved at 1000."""
    rules = load_rules(RULES)
    s = {name: i for i, name in enumerate(s.name for s in rules.statuses)}
    t = {name: i for i, name in enumerate(rules.triggers)}
    rows = [  # order, time, from, to, trigger
        (0, 100, NONE, s["WaitingForSellerAcceptation"], NONE),
        (0, 300, s["WaitingForSellerAcceptation"], s["AcceptedBySeller"], t["accept"]),
        (1, 500, NONE, s["WaitingForSellerAcceptation"], NONE),
        (0, 600, s["AcceptedBySeller"], s["PaymentInProgress"], t["start_payment"]),
        (1, 1000, s["WaitingForSellerAcceptation"], s["RefusedBySeller"], t["refuse"]),
    ]
    order, time, source, dest, trigger = (np.asarray(c) for c in zip(*rows, strict=True))
    fields = FieldTable(rules, 2)
    fields.set("delivery_mode", "TRK", np.arange(2))
    empty = np.empty(0, np.int64)
    return Truth(
        rules,
        START,
        2000,
        np.asarray([100, 500]),
        fields,
        order.astype(np.int32),
        np.asarray([0, 1, 0, 2, 1], np.int16),
        time,
        source.astype(np.int16),
        dest.astype(np.int16),
        trigger.astype(np.int16),
        np.zeros(5, np.int8),
        Commands(
            empty.astype(np.int32),
            empty,
            empty.astype(np.int16),
            empty.astype(np.int16),
            empty.astype(np.int32),
            empty.astype(np.int32),
        ),
    )


def shown(channel: SimulatedChannel, start: int, end: int, now: int) -> list[tuple[int, str, int]]:
    return rows(channel, channel.window(start, end, now))


def rows(channel: SimulatedChannel, found: Sighting) -> list[tuple[int, str, int]]:
    """A poll's rows as (order, status name, updated_at)."""
    statuses = channel.truth.statuses
    return [
        (int(o), statuses[s], int(u))
        for o, s, u in zip(found.order, found.status, found.updated_at, strict=True)
    ]


def test_a_poll_shows_only_the_latest_status_of_each_order_by_updated_at() -> None:
    channel = SimulatedChannel(truth())
    assert shown(channel, 0, 900, 900) == [
        (1, "WaitingForSellerAcceptation", 500),
        (0, "PaymentInProgress", 600),
    ]


def test_an_order_updated_after_the_window_is_not_shown() -> None:
    channel = SimulatedChannel(truth())
    # At 1200 order 1's latest change (1000) is outside [0, 900]: Lengow filters on updated_at.
    assert shown(channel, 0, 900, 1200) == [(0, "PaymentInProgress", 600)]
    assert shown(channel, 900, 1200, 1200) == [(1, "RefusedBySeller", 1000)]


def test_the_window_bounds_are_inclusive() -> None:
    channel = SimulatedChannel(truth())
    assert shown(channel, 600, 600, 600) == [(0, "PaymentInProgress", 600)]
    assert shown(channel, 0, 299, 299) == [(0, "WaitingForSellerAcceptation", 100)]


def test_snapshots_carry_the_status_code_the_clock_and_the_fields() -> None:
    channel = SimulatedChannel(truth())
    clock = VirtualClock(START)
    snapshot = channel.snapshots(channel.window(0, 900, 900), clock)[1]
    assert snapshot.order_id == order_id(0) == "SIM000000001"
    assert snapshot.status_code == "PaymentInProgress"
    assert snapshot.updated_at == datetime(2026, 1, 5, 0, 10, tzinfo=UTC)
    assert snapshot.ordered_at == datetime(2026, 1, 5, 0, 1, 40, tzinfo=UTC)
    assert snapshot.fields == {"delivery_mode": "TRK"}


def test_what_the_seller_types_shows_once_the_command_was_sent() -> None:
    from .test_marketplace import generate, plain

    truth = generate(plain(), days=4)
    ship = truth.triggers.index("ship")
    first = int(np.flatnonzero(truth.trigger == ship)[0])
    index, shipped_at = int(truth.order[first]), int(truth.time[first])
    before = truth.fields.record(truth.fields_at(index, shipped_at - 1))
    after = truth.fields.record(truth.fields_at(index, shipped_at))
    assert before == {"delivery_mode": "TRK", "fulfilled_by_marketplace": False}
    assert after["carrier"] == "14" and "tracking_number" in after


def test_a_poll_back_in_time_shows_what_a_fresh_channel_shows() -> None:
    # The channel moves each order's latest change forward as polls come; a live twin's clock
    # may step back, and the channel then starts again from the first change.
    channel = SimulatedChannel(truth())
    assert shown(channel, 0, 2000, 2000) == [
        (0, "PaymentInProgress", 600),
        (1, "RefusedBySeller", 1000),
    ]
    assert shown(channel, 0, 400, 400) == [(0, "AcceptedBySeller", 300)]
    assert shown(channel, 0, 900, 900) == [
        (1, "WaitingForSellerAcceptation", 500),
        (0, "PaymentInProgress", 600),
    ]


def news(channel: SimulatedChannel, start: int, end: int, now: int) -> list[tuple[int, str, int]]:
    return rows(channel, channel.news(start, end, now))


def test_the_news_of_a_poll_are_its_rows_no_earlier_news_showed() -> None:
    channel = SimulatedChannel(truth())
    assert news(channel, 0, 400, 400) == [(0, "AcceptedBySeller", 300)]
    # Order 0 moved again at 600 (news); order 1 is new; nothing shown at 400 is still latest.
    assert news(channel, 0, 900, 900) == [
        (1, "WaitingForSellerAcceptation", 500),
        (0, "PaymentInProgress", 600),
    ]
    # The window [0, 900] again at 1200: all of it shown; order 1's move is past the window.
    assert news(channel, 0, 900, 1200) == []
    # A change left outside a window is news for the first window that holds it.
    assert news(channel, 900, 2000, 2000) == [(1, "RefusedBySeller", 1000)]
    assert news(channel, 0, 2000, 2000) == []
    # A step back in time: every change is news again.
    assert news(channel, 0, 400, 400) == [(0, "AcceptedBySeller", 300)]


def test_each_change_is_ranked_among_its_order_s_changes_by_the_step_that_made_it() -> None:
    from .test_marketplace import generate, plain

    truth = generate(plain(), days=4)
    ranks: dict[int, int] = {}
    expected = []
    for order in truth.order.tolist():  # in time order
        expected.append(ranks.get(order, 0))
        ranks[order] = expected[-1] + 1
    assert truth.seq.tolist() == expected
    assert max(expected) >= 3  # orders with several changes
