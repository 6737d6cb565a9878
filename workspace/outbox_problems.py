"""The seller actions that did not get through, each with its order and the reason: what an
operator reads on the Sync page before fixing an order by hand or queueing the action again.

An action fails when the marketplace refused it, and is unconfirmed when it was sent but no
later fetch showed that the marketplace did it. The outbox keeps the channel's last answer with
each entry (`OutboxItem.answer`): a refused send's error, or the marketplace's record of the
accepted one. A failed action's reason is that error; an unconfirmed one's says what was
awaited, with the answer it was sent on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict

import pandas as pd

from engine.store import OutboxItem, OutboxState, Store

PROBLEMS = (OutboxState.FAILED, OutboxState.UNCONFIRMED)
COLUMNS = (
    "marketplace",
    "order_id",
    "action",
    "line",
    "state",
    "attempts",
    "reason",
    "created_at",
    "attempted_at",
    "sent_at",
    "id",
)
# An answer that is a whole marketplace record is cut there: the table's cell stays readable.
LONGEST = 300


def read_outbox_problems(store: Store) -> pd.DataFrame:
    """The failed and unconfirmed actions of `store`, the latest queued first."""
    return problem_frame(store.outbox(states=PROBLEMS))


def problem_frame(items: Iterable[OutboxItem]) -> pd.DataFrame:
    """`COLUMNS` for each of `items`, the latest queued first; `reason` says why it is there."""
    rows = [{**asdict(item), "state": str(item.state), "reason": reason(item)} for item in items]
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).loc[:, list(COLUMNS)]
    for column in ("created_at", "attempted_at", "sent_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["attempts"] = frame["attempts"].astype("int64")
    return frame.sort_values("id", ascending=False, ignore_index=True)


def reason(item: OutboxItem) -> str:
    """Why `item` is failed or unconfirmed, in a sentence."""
    said = answer_text(item.answer)
    if item.state is not OutboxState.UNCONFIRMED:
        return said or "no answer was kept"
    awaited = f" (expected status {item.expected_status})" if item.expected_status else ""
    sent = "" if item.sent_at is None else f" since it was sent, {item.sent_at:%Y-%m-%d %H:%M} UTC,"
    text = f"no fetch{sent} showed that the marketplace did it{awaited}"
    return f"{text}; sent with the answer: {said}" if said else text


def answer_text(answer: object) -> str:
    """The channel's answer as text: an error or a finding as said, anything else as JSON."""
    if answer is None:
        return ""
    if isinstance(answer, Mapping):
        for key in ("error", "found"):
            if isinstance(answer.get(key), str) and len(answer) == 1:
                return str(answer[key])
    text = answer if isinstance(answer, str) else json.dumps(answer, sort_keys=True, default=str)
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"
