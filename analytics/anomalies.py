"""Anomalies and inferred statuses, by cause.

An anomaly is a change the rules do not allow (an unknown status, a final status that changed, a
jump with no legal path); the engine keeps it instead of dropping it. An inferred status is one
the rules say an order went through although no fetch saw it. Both say how far the observed
orders stray from the rule file, so both are counted here, by kind and by status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, is_dataclass

import pandas as pd

from analytics.eventlog import CASE

COLUMNS: tuple[str, ...] = (
    "marketplace",
    "order_id",
    "from_status",
    "reported",
    "kind",
    "message",
    "at",
)


def anomaly_frame(records: Iterable[object]) -> pd.DataFrame:
    """Anomaly records (the store's, or the engine's `Anomaly` values with a `marketplace`) as a
    frame with COLUMNS, oldest first."""
    rows = [asdict(r) if is_dataclass(r) and not isinstance(r, type) else r for r in records]
    frame = pd.DataFrame(rows)
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = pd.Series(dtype=object)
    frame = frame.loc[:, list(COLUMNS)]
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    frame["kind"] = frame["kind"].astype(str)
    return frame.sort_values("at", kind="stable", ignore_index=True)


def by_kind(anomalies: pd.DataFrame) -> pd.DataFrame:
    """Per kind: `anomalies`, distinct `orders`, `last_at`; the most frequent first."""
    grouped = anomalies.groupby("kind")
    table = pd.DataFrame(
        {
            "anomalies": grouped.size(),
            "orders": grouped["order_id"].nunique(),
            "last_at": grouped["at"].max(),
        }
    ).reset_index()
    table["anomalies"] = table["anomalies"].astype("int64")
    return table.sort_values(["anomalies", "kind"], ascending=[False, True], ignore_index=True)


def by_reported(anomalies: pd.DataFrame) -> pd.DataFrame:
    """Per kind, status the order was in and status reported: how many anomalies."""
    keys = ["kind", "from_status", "reported"]
    table = anomalies.groupby(keys, dropna=False).size().rename("anomalies").reset_index()
    return table.sort_values(["anomalies", *keys], ascending=[False, True, True, True])


def inferred_by_status(log: pd.DataFrame) -> pd.DataFrame:
    """Per status: how many times it was inferred, in how many orders, and the share of its
    entries that were inferred rather than observed."""
    entries = log.groupby("to_status", observed=True)
    inferred = log.loc[log["inferred"].to_numpy()]
    per_status = inferred.groupby("to_status", observed=True)
    table = pd.DataFrame(
        {
            "inferred": per_status.size(),
            "orders": per_status[CASE].nunique(),
            "share": per_status.size() / entries.size(),
        }
    )
    table = table.loc[table["inferred"] > 0].reset_index().rename(columns={"to_status": "status"})
    table["status"] = table["status"].astype(str)
    table[["inferred", "orders"]] = table[["inferred", "orders"]].astype("int64")
    return table.sort_values(["inferred", "status"], ascending=[False, True], ignore_index=True)
