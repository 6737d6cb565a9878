"""One order's story as the Orders page tells it: its timeline and its cart lines.

The timeline merges what the store kept of the order: its events (observed and inferred
statuses), the rule fields a newer snapshot reported changed (a delivery mode, an address: such a
change can move what an action requires, so it is an entry of its own), its anomalies and the
actions queued for it. Its cart lines are shown as the marketplace last reported them, with the
mix named when they disagree: an order with one line accepted and one refused looks ordinary by
its status alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from engine.model.lines import OrderLine, line_mix
from engine.store import StoredAnomaly, StoredEvent, StoredFieldChange

COLUMNS: tuple[str, ...] = ("at", "kind", "what", "detail")
LINE_COLUMNS: tuple[str, ...] = (
    "line",
    "marketplace status",
    "Lengow status",
    "state",
    "quantity",
    "amount",
)


def timeline(
    events: Sequence[StoredEvent],
    anomalies: Sequence[StoredAnomaly] = (),
    actions: pd.DataFrame | None = None,
    changes: Sequence[StoredFieldChange] = (),
) -> pd.DataFrame:
    """The order's story in time order: `at, kind, what, detail`.

    kind is "observed", "inferred", "field change", "anomaly" or "action" (rows of the outbox
    frame). Events and field changes keep their history order whatever their clocks say: a
    change kept after the order's first `seq` events comes after event `seq` and before event
    `seq + 1`. Anomalies and actions fall among them by time, after a history entry of the same
    instant.
    """
    history = pd.DataFrame(_event_rows(events) + _change_rows(changes), columns=[*COLUMNS, "rank"])
    history = history.sort_values("rank", kind="stable")
    history["at"] = pd.to_datetime(history["at"], utc=True)
    # Placed by the latest time of the history up to them: never before an earlier entry.
    history["when"] = history["at"].cummax()
    others = pd.DataFrame(_anomaly_rows(anomalies) + _action_rows(actions), columns=COLUMNS)
    others["at"] = pd.to_datetime(others["at"], utc=True)
    others = others.assign(rank=np.inf, when=others["at"])
    parts = [part for part in (history, others) if len(part)] or [history]
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.sort_values(["when", "rank"], kind="stable", ignore_index=True)
    return frame.loc[:, list(COLUMNS)]


def _event_rows(events: Sequence[StoredEvent]) -> list[dict[str, object]]:
    return [
        {
            "at": pd.Timestamp(e.at),
            "kind": "inferred" if e.inferred else "observed",
            "what": e.to_status,
            "detail": f"{e.trigger} by {e.actor} ({e.source})"
            + ("" if e.from_status is None else f", from {e.from_status}"),
            "rank": float(e.seq),
        }
        for e in events
    ]


def _change_rows(changes: Sequence[StoredFieldChange]) -> list[dict[str, object]]:
    # Between event `seq` and event `seq + 1`, in the order they were kept.
    step = 1 / (len(changes) + 1)
    return [
        {
            "at": pd.Timestamp(c.at),
            "kind": "field change",
            "what": f"{c.field} changed: {_value(c.old)} -> {_value(c.new)}",
            "detail": f"a newer snapshot reported '{c.field}' with another value",
            "rank": c.seq + (i + 1) * step,
        }
        for i, c in enumerate(changes)
    ]


def _value(value: object) -> str:
    return "(none)" if value is None else str(value)


def _anomaly_rows(anomalies: Sequence[StoredAnomaly]) -> list[dict[str, object]]:
    return [
        {
            "at": pd.Timestamp(a.at),
            "kind": "anomaly",
            "what": a.reported,
            "detail": f"{a.kind}: {a.message}",
        }
        for a in anomalies
    ]


def _action_rows(actions: pd.DataFrame | None) -> list[dict[str, object]]:
    if actions is None:
        return []
    return [
        {
            "at": item.created_at,
            "kind": "action",
            "what": item.action,
            "detail": f"{item.action_type}, {item.state}",
        }
        for item in actions.itertuples()
    ]


def line_table(lines: Sequence[OrderLine]) -> pd.DataFrame:
    """The order's cart lines, one row each: line, marketplace status, Lengow status, state,
    quantity, amount (as the marketplace last reported them)."""
    rows = [
        (
            line.line_id,
            line.marketplace_status,
            line.lengow_status,
            line.state.value,
            line.quantity,
            line.amount,
        )
        for line in lines
    ]
    table = pd.DataFrame(rows, columns=list(LINE_COLUMNS))
    table["quantity"] = table["quantity"].astype("Int64")
    return table


def lines_note(lines: Sequence[OrderLine]) -> str | None:
    """What the page says of lines not all in one state ("Lines disagree: partial acceptance,
    partial refusal"); None when they agree (or there are none)."""
    mix = line_mix(line.state for line in lines)
    return f"Lines disagree: {', '.join(mix)}" if mix else None
