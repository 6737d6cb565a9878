"""Conformance as a figure: per marketplace and period, the share of orders that followed the rules.

What is counted: the orders with at least one event in the period [since, until) (either bound
open when None), and only their events in the period. An order conforms when none of those events
is a deviation (the marketplace reported a status the rules could not explain and the order took
it anyway: `deviation` in the event log). Each deviation is linked to the anomaly that says why
(same order, from status, reported status and instant, of a kind that moves an order); one with
no such anomaly has the kind `UNLINKED`. The same share is one SQL query over the store's events
table (tests/analytics/test_conformance.py checks the two agree).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from analytics.eventlog import CASE, as_instant, instants
from engine.model.events import AnomalyKind

COUNTS = "orders with at least one event in the period"
UNLINKED = "unlinked"
# The anomaly kinds that come with a deviation event (the runtime's truth-first moves).
DEVIATION_KINDS: tuple[str, ...] = (
    AnomalyKind.UNKNOWN_STATUS.value,
    AnomalyKind.FINAL_CHANGED.value,
    AnomalyKind.NO_LEGAL_PATH.value,
)
SUMMARY_COLUMNS: tuple[str, ...] = ("marketplace", "orders", "conforming", "deviating", "share")
DEVIATION_COLUMNS: tuple[str, ...] = ("deviations", "orders", "order_ids")


@dataclass(frozen=True)
class Conformance:
    """`summary`: per marketplace, `orders` (with at least one event in the period), `conforming`
    (no deviation among those events), `deviating` and `share` (conforming / orders, 0..1).
    `by_transition`: per marketplace, from status and to status; `by_kind`: per marketplace and
    anomaly kind; both with `deviations` (events), distinct `orders` and their `order_ids`
    (sorted), the most frequent first. `deviations`: the deviation events, with their `kind`."""

    summary: pd.DataFrame
    by_transition: pd.DataFrame
    by_kind: pd.DataFrame
    deviations: pd.DataFrame
    since: datetime | None = None
    until: datetime | None = None

    @property
    def counts(self) -> str:
        """What every figure counts, with the period, for a header."""
        start = "the beginning" if self.since is None else f"{pd.Timestamp(self.since)}"
        end = "now" if self.until is None else f"{pd.Timestamp(self.until)} (excluded)"
        return f"{COUNTS}, from {start} to {end}"


def in_period(log: pd.DataFrame, since: datetime | None, until: datetime | None) -> pd.DataFrame:
    """The events of `log` (prepared) dated in [since, until)."""
    keep = np.ones(len(log), dtype=bool)
    if len(log):
        times = instants(log)
        if since is not None:
            keep &= times >= as_instant(since)
        if until is not None:
            keep &= times < as_instant(until)
    return log.loc[keep].reset_index(drop=True)


def conformance(
    log: pd.DataFrame,
    anomalies: pd.DataFrame | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Conformance:
    """The conformance figures of a prepared log over [since, until); `anomalies` (an
    `anomaly_frame`, with `marketplace`) give each deviation its kind."""
    events = in_period(log, since, until)
    summary = _summary(events)
    deviations = _linked(events.loc[events["deviation"].to_numpy()], anomalies)
    by_transition = _grouped(deviations, ["marketplace", "from_status", "to_status"])
    by_kind = _grouped(deviations, ["marketplace", "kind"])
    return Conformance(summary, by_transition, by_kind, deviations, since, until)


def _summary(events: pd.DataFrame) -> pd.DataFrame:
    per_order = events.groupby(CASE, observed=True).agg(
        marketplace=("marketplace", "first"), deviating=("deviation", "any")
    )
    per_order["marketplace"] = per_order["marketplace"].astype(str)
    grouped = per_order.groupby("marketplace")
    table = pd.DataFrame(
        {"orders": grouped.size(), "deviating": grouped["deviating"].sum()}
    ).reset_index()
    table = table.astype({"orders": "int64", "deviating": "int64"})
    table["conforming"] = table["orders"] - table["deviating"]
    table["share"] = (table["conforming"] / table["orders"]).astype("float64")
    return table.loc[:, list(SUMMARY_COLUMNS)].sort_values("marketplace", ignore_index=True)


def _linked(deviations: pd.DataFrame, anomalies: pd.DataFrame | None) -> pd.DataFrame:
    keys = ["marketplace", "order_id", "from_status", "to_status", "at"]
    frame = pd.DataFrame({k: deviations[k].astype(object) for k in keys[:-1]})
    frame["at"] = deviations["at"].to_numpy()
    frame["seq"] = deviations["seq"].to_numpy()
    frame["from_status"] = frame["from_status"].where(frame["from_status"].notna(), None)
    frame["kind"] = UNLINKED
    if anomalies is None or anomalies.empty or frame.empty:
        return frame
    found = anomalies.loc[anomalies["kind"].astype(str).isin(DEVIATION_KINDS)]
    found = pd.DataFrame(
        {
            "marketplace": found["marketplace"].astype(object),
            "order_id": found["order_id"].astype(object),
            "from_status": found["from_status"].where(found["from_status"].notna(), None),
            "to_status": found["reported"].astype(object),
            "at": pd.to_datetime(found["at"], utc=True).astype(frame["at"].dtype),
            "linked_kind": found["kind"].astype(str),
        }
    ).drop_duplicates(subset=keys)
    # None never equals None in a merge key: an order's creation has no from status.
    for side in (frame, found):
        side["_none"] = side["from_status"].isna()
        side["_from"] = side["from_status"].fillna("").astype(str)
    on = [*keys[:2], "_none", "_from", *keys[3:]]
    merged = frame.merge(found.drop(columns="from_status"), how="left", on=on)
    merged["kind"] = merged["linked_kind"].fillna(UNLINKED)
    return merged.drop(columns=["linked_kind", "_none", "_from"]).reset_index(drop=True)


def _grouped(deviations: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    if deviations.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in (*keys, *DEVIATION_COLUMNS)})
    rows = []
    for key, group in deviations.groupby(keys, dropna=False, sort=True):
        ids = sorted(set(group["order_id"]))
        rows.append((*key, len(group), len(ids), ids))
    table = pd.DataFrame(rows, columns=[*keys, *DEVIATION_COLUMNS])
    table[["deviations", "orders"]] = table[["deviations", "orders"]].astype("int64")
    for key in keys:  # a creation has no from status: None, as the store has it, not NaN
        table[key] = table[key].astype(object).where(table[key].notna(), None)
    order = ["marketplace", "deviations", *keys[1:]]
    ascending = [True, False, *[True] * (len(keys) - 1)]
    return table.sort_values(order, ascending=ascending, ignore_index=True, na_position="first")
