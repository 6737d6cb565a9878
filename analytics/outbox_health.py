"""Outbox health: the seller actions on their way to the marketplace, and which ones are stuck.

An action is queued (pending), being sent (`sending`: its POST began and may or may not have
landed, so it is pending in doubt), sent, then confirmed by a later fetch, or failed. Lengow's
own plugins treat an action still unconfirmed after three days as failed; an action sent longer
ago than `stale_after` without a confirmation, one whose send began longer ago than that and
never finished, or one already marked unconfirmed by the engine, is what an operator must look
at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, is_dataclass
from datetime import datetime, timedelta

import pandas as pd

from analytics.eventlog import as_instant

STATES: tuple[str, ...] = ("pending", "sending", "sent", "confirmed", "failed", "unconfirmed")
# Pending in doubt: a send began (its POST may have landed) and did not finish.
IN_DOUBT = "sending"
COLUMNS: tuple[str, ...] = (
    "id",
    "marketplace",
    "order_id",
    "action",
    "action_type",
    "state",
    "created_at",
    "sent_at",
    "confirmed_at",
    "attempts",
    "attempted_at",
)
STALE_AFTER = timedelta(days=3)


def outbox_frame(items: Iterable[object]) -> pd.DataFrame:
    """Outbox records (the store's `OutboxItem`s or mappings) as a frame with COLUMNS."""
    rows = [asdict(i) if is_dataclass(i) and not isinstance(i, type) else i for i in items]
    frame = pd.DataFrame(rows)
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = pd.Series(dtype=object)
    frame = frame.loc[:, list(COLUMNS)]
    frame["state"] = frame["state"].astype(str)
    for column in ("created_at", "sent_at", "confirmed_at", "attempted_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


@dataclass(frozen=True)
class OutboxHealth:
    """`counts`: actions per state (every state present). `stuck`: the actions to look at,
    oldest first, with `waiting_s` since they were sent (since their send began, for those in
    doubt; since queued, for pending ones). `in_doubt`: the actions being sent, whose POST may
    have landed (counted apart from `pending`, and stuck like a sent one after `stale_after`)."""

    counts: dict[str, int]
    stuck: pd.DataFrame
    oldest_pending_s: float | None
    in_doubt: int = 0


def outbox_health(
    outbox: pd.DataFrame, now: datetime, stale_after: timedelta = STALE_AFTER
) -> OutboxHealth:
    counts = outbox["state"].value_counts()
    moment = pd.Timestamp(as_instant(now)).tz_localize("UTC")
    state = outbox["state"]
    since = outbox["sent_at"].fillna(outbox["created_at"])
    sending = state == IN_DOUBT
    since = since.where(~sending, outbox["attempted_at"].fillna(since))
    waiting = (moment - since).dt.total_seconds()
    long_ago = state.isin(("sent", IN_DOUBT)) & (waiting > stale_after.total_seconds())
    chosen = (long_ago | (state == "unconfirmed")).to_numpy()
    stuck = outbox.loc[chosen].copy()
    stuck["waiting_s"] = waiting.to_numpy()[chosen]
    pending = waiting[outbox["state"] == "pending"]
    return OutboxHealth(
        counts={s: int(counts.get(s, 0)) for s in STATES},
        stuck=stuck.sort_values("waiting_s", ascending=False, ignore_index=True),
        oldest_pending_s=float(pending.max()) if len(pending) else None,
        in_doubt=int(sending.sum()),
    )
