"""The failed and unconfirmed actions' reasons, from the answer each outbox entry kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.store import OutboxItem, OutboxState
from workspace.outbox_problems import LONGEST, answer_text, problem_frame, reason

AT = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)


def item(state: OutboxState, answer: object, ident: int = 1, **more: object) -> OutboxItem:
    values: dict[str, object] = {
        "id": ident, "marketplace": "cdiscount", "order_id": "O1", "action": "ship",
        "action_type": "ship", "args": {}, "expected_status": "ShippedBySeller", "state": state,
        "created_at": AT, "sent_at": None, "confirmed_at": None, "answer": answer,
        "attempts": 1, "attempted_at": AT,
    }  # fmt: skip
    return OutboxItem(**{**values, **more})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        (None, ""),
        ({"error": "HTTP 400: tracking number used"}, "HTTP 400: tracking number used"),
        ({"found": "the order is at Shipped there"}, "the order is at Shipped there"),
        ({"error": "HTTP 400", "code": 7}, '{"code": 7, "error": "HTTP 400"}'),
        ({"status": "ok", "id": 4}, '{"id": 4, "status": "ok"}'),
        ("timeout after 30 s", "timeout after 30 s"),
    ],
)  # fmt: skip
def test_an_answer_reads_as_text(answer: object, text: str) -> None:
    assert answer_text(answer) == text


def test_a_long_answer_is_cut() -> None:
    said = answer_text({"raw": "x" * 500})
    assert len(said) == LONGEST and said.endswith("…")


def test_a_failed_action_gives_its_error_and_an_unconfirmed_one_what_was_awaited() -> None:
    failed = item(OutboxState.FAILED, {"error": "HTTP 422: carrier unknown"})
    assert reason(failed) == "HTTP 422: carrier unknown"
    assert reason(item(OutboxState.FAILED, None)) == "no answer was kept"
    unconfirmed = item(OutboxState.UNCONFIRMED, None, sent_at=AT)
    assert reason(unconfirmed) == (
        "no fetch since it was sent, 2026-03-05 10:30 UTC, showed that the marketplace did it "
        "(expected status ShippedBySeller)"
    )


def test_the_latest_queued_comes_first() -> None:
    frame = problem_frame(
        [item(OutboxState.FAILED, {"error": "a"}, 1), item(OutboxState.FAILED, {"error": "b"}, 2)]
    )
    assert frame[["id", "reason", "state"]].values.tolist() == [
        [2, "b", "failed"],
        [1, "a", "failed"],
    ]
    assert problem_frame([]).empty
