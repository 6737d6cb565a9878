"""Exports for process-mining tools: CSV, Parquet and XES (IEEE 1849-2016), the same in each.

One row per event with the XES names: `case:concept:name` (the order), `concept:name` (the
activity: the status entered), `time:timestamp`, `org:resource` (who caused it) and
`lifecycle:transition`. Case attributes carry the `case:` prefix in CSV and Parquet, as pm4py
names XES trace attributes once read: `case:marketplace`, `case:order_id` and every enum and
bool field of the rule files (`analytics.attributes`; `case:delivery_mode`, `case:carrier`...).
The event attributes follow: seq, from_status, trigger, source, stage, deviation, `inferred`
(the rules say the order went through the status, no fetch saw it) and `time_basis`, how the
event's time was chosen:

- `observed`: the time a fetch saw it;
- `stored`: an inferred event as the store keeps it, at the next observed event's time;
- `estimated`: an inferred event at its estimate within its poll bounds (`analytics.censoring`),
  the bounds in `entered_earliest` and `entered_latest`.

Which one an export uses is its `inferred` mode: `keep` (every event as stored, inferred ones
marked), `drop` (the observed events only) or `interval` (every event whose entry has poll
bounds, inferred ones at their estimate; the inferred events before an order's first observed
one, which have no lower bound, are left out). With `interval`, time in status computed from the
file by any tool is the project's (`analytics.timing`): each stay is the next event's time
minus this one's, exactly, and the events left out are those whose stays the project counts as
unbounded. With `keep`, the counts are the project's but an inferred stay reads 0 s.

Times are UTC with microseconds in every format: the store's precision, so nothing is rounded
away and the figures computed from a file equal the project's to the microsecond (xs:dateTime
allows any number of decimals; a tool that keeps milliseconds loses under one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from analytics.censoring import entries
from analytics.eventlog import CASE, attribute_columns, instants
from analytics.xes import (
    ACTIVITY,
    CASE_ID,
    CASE_PREFIX,
    RESOURCE,
    TIMESTAMP,
    TRANSITION,
    Progress,
    date_columns,
    iso_times,
    write_xes,
)

Format = Literal["xes", "csv", "parquet"]
FORMATS: tuple[str, ...] = ("xes", "csv", "parquet")
Inferred = Literal["keep", "drop", "interval"]
INFERRED: tuple[str, ...] = ("keep", "drop", "interval")
BASIS = "time_basis"
EARLIEST = "entered_earliest"
LATEST = "entered_latest"
EVENT_ATTRIBUTES: tuple[str, ...] = (
    "seq",
    "from_status",
    "trigger",
    "source",
    "stage",
    "deviation",
    "inferred",
)
TIME_RULE: dict[str, str] = {
    "keep": "every event as stored; an inferred event at the next observed event's time "
    "(time_basis 'stored')",
    "drop": "the observed events only",
    "interval": "inferred events at their estimate within their poll bounds, spread evenly "
    "between the previous and the next observed event (time_basis 'estimated', bounds in "
    "entered_earliest and entered_latest); inferred events before an order's first observed "
    "one left out",
}


def event_table(log: pd.DataFrame, inferred: Inferred = "keep") -> pd.DataFrame:
    """The prepared log with the process-mining column names, one row per event, in order."""
    if inferred not in INFERRED:
        raise ValueError(f"unknown inferred mode '{inferred}'; choose one of {', '.join(INFERRED)}")
    found = entries(log)
    keep = np.ones(len(log), dtype=bool)
    if inferred == "drop":
        keep = found.observed
    elif inferred == "interval":
        keep = found.bounded
    basis = np.where(found.observed, "observed", "stored" if inferred == "keep" else "estimated")
    times = found.estimate if inferred == "interval" else instants(log)
    rows = log.loc[keep]
    single = log["marketplace"].nunique() <= 1
    order = rows["order_id"].astype(str)
    case = order if single else rows["marketplace"].astype(str) + ":" + order
    table = pd.DataFrame(
        {
            CASE_ID: case.to_numpy(dtype=object),
            ACTIVITY: rows["to_status"].astype(str).to_numpy(dtype=object),
            TIMESTAMP: _utc(times[keep]),
            RESOURCE: rows["actor"].astype(str).to_numpy(dtype=object),
            TRANSITION: "complete",
            f"{CASE_PREFIX}marketplace": rows["marketplace"].astype(str).to_numpy(dtype=object),
            f"{CASE_PREFIX}order_id": order.to_numpy(dtype=object),
        }
    )
    for name in attribute_columns(log):
        table[f"{CASE_PREFIX}{name}"] = _attribute(rows[name])
    for name in EVENT_ATTRIBUTES:
        table[name] = _plain(rows[name])
    table[BASIS] = basis[keep]
    if inferred == "interval":
        table[EARLIEST] = _utc(found.low[keep])
        table[LATEST] = _utc(found.high[keep])
    return table


def _utc(times: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(times).tz_localize("UTC").astype("datetime64[us, UTC]"))


def _plain(column: pd.Series) -> np.ndarray:
    """A column's values as plain objects (None where missing): the same in every format."""
    if column.dtype == "category":
        values: np.ndarray = column.astype(object).to_numpy(dtype=object, copy=True)
        values[pd.isna(values)] = None
        return values
    return np.asarray(column.to_numpy())


def _attribute(column: pd.Series) -> pd.Series:
    """A case attribute: bools as a nullable boolean column, the rest as text (None missing)."""
    values = column.astype(object)
    present = values.dropna()
    if len(present) and all(isinstance(v, bool | np.bool_) for v in present):
        return pd.Series(values.to_numpy(), dtype="boolean")
    return pd.Series(np.where(values.isna(), None, values.astype(str)), dtype=object)


def write(
    log: pd.DataFrame,
    fmt: Format,
    path: str | Path,
    progress: Progress | None = None,
    inferred: Inferred = "keep",
) -> int:
    """Write the log to `path` in `fmt`, inferred events as `inferred` says; returns the number
    of events written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format '{fmt}'; choose one of {', '.join(FORMATS)}")
    table = event_table(log, inferred)
    if fmt == "csv":
        write_csv(table, path)
    elif fmt == "parquet":
        write_parquet(table, path, inferred)
    else:
        write_xes(table, path, TIME_RULE[inferred], progress)
    return len(table)


def write_csv(table: pd.DataFrame, path: str | Path) -> None:
    shown = table.copy()
    for column in date_columns(table):
        shown[column] = iso_times(table[column])
    shown.to_csv(path, index=False)


def write_parquet(table: pd.DataFrame, path: str | Path, inferred: Inferred) -> None:
    # pandas keeps `attrs` in the file's metadata: the rule travels with the data.
    table.attrs = {"inferred": inferred, "inferred_times": TIME_RULE[inferred]}
    table.to_parquet(path, index=False)


def counts(log: pd.DataFrame) -> dict[str, int]:
    """What each mode does to a log: its `events`, `orders`, `inferred` events, and `unbounded`
    ones (inferred before the order's first observed event: left out by `interval`)."""
    found = entries(log)
    return {
        "events": len(log),
        "orders": int(log[CASE].nunique()) if len(log) else 0,
        "inferred": int((~found.observed).sum()),
        "unbounded": int((~found.bounded).sum()),
    }
