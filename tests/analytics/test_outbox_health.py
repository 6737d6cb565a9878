"""Outbox health: pending, confirmed, failed and stuck actions."""

from datetime import timedelta

from analytics.outbox_health import outbox_frame, outbox_health
from tests.analytics.conftest import DAY0

NOW = DAY0 + timedelta(days=10)


def item(ident: int, state: str, created_day: int, sent_day: int | None) -> dict[str, object]:
    return {
        "id": ident,
        "marketplace": "cdiscount",
        "order_id": f"O{ident}",
        "action": "ship",
        "action_type": "ship",
        "state": state,
        "created_at": DAY0 + timedelta(days=created_day),
        "sent_at": None if sent_day is None else DAY0 + timedelta(days=sent_day),
        "confirmed_at": None,
        "attempts": 1,
    }


def test_health_counts_every_state_and_finds_stuck_actions() -> None:
    frame = outbox_frame(
        [
            item(1, "pending", 9, None),
            item(2, "sent", 5, 5),  # sent 5 days ago: stuck
            item(3, "sent", 9, 9),  # sent 1 day ago: fine
            item(4, "confirmed", 1, 1),
            item(5, "unconfirmed", 2, 2),
            item(6, "failed", 3, 3),
        ]
    )
    health = outbox_health(frame, NOW)
    assert health.counts == {
        "pending": 1,
        "sending": 0,
        "sent": 2,
        "confirmed": 1,
        "failed": 1,
        "unconfirmed": 1,
    }
    assert health.stuck["id"].tolist() == [5, 2]
    assert health.stuck["waiting_s"].tolist() == [8 * 86400.0, 5 * 86400.0]
    assert health.oldest_pending_s == 86400.0


def test_empty_outbox_is_healthy() -> None:
    health = outbox_health(outbox_frame([]), NOW)
    assert sum(health.counts.values()) == 0
    assert health.stuck.empty
    assert health.oldest_pending_s is None


def test_nothing_stuck_when_every_action_is_confirmed() -> None:
    health = outbox_health(outbox_frame([item(1, "confirmed", 1, 1), item(2, "sent", 9, 9)]), NOW)
    assert health.stuck.empty
    assert health.counts["confirmed"] == 1


def test_sending_is_pending_in_doubt_and_stuck_when_its_send_began_long_ago() -> None:
    landed = item(1, "sending", 2, None) | {"attempted_at": DAY0 + timedelta(days=4)}
    recent = item(2, "sending", 9, None) | {"attempted_at": DAY0 + timedelta(days=9, hours=12)}
    never_marked = item(3, "sending", 1, None)  # no attempt time: waiting since queued
    frame = outbox_frame([landed, recent, never_marked, item(4, "pending", 9, None)])
    health = outbox_health(frame, NOW)
    assert health.counts["sending"] == 3
    assert health.in_doubt == 3
    assert health.counts["pending"] == 1
    assert health.stuck["id"].tolist() == [3, 1]
    assert health.stuck["waiting_s"].tolist() == [9 * 86400.0, 6 * 86400.0]
    assert health.oldest_pending_s == 86400.0
