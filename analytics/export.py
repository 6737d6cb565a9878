"""Exports for process-mining tools: CSV, Parquet and XES (IEEE 1849-2016).

Process-mining tools expect one row per event with the XES names: `case:concept:name` (the
order), `concept:name` (the activity: the status entered), `time:timestamp`, `org:resource` (who
caused it) and `lifecycle:transition`; the engine's own columns travel along. The XES file is
written with the standard library's `xml.etree`, one trace at a time, so a large log never sits
in memory as one XML tree. It declares the concept, time, organizational and lifecycle
extensions, the global attributes every trace and event carries, and the usual classifiers.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pandas as pd

from analytics.eventlog import case_first

Format = Literal["xes", "csv", "parquet"]
FORMATS: tuple[str, ...] = ("xes", "csv", "parquet")
CASE_ID = "case:concept:name"
ACTIVITY = "concept:name"
TIMESTAMP = "time:timestamp"
RESOURCE = "org:resource"
TRANSITION = "lifecycle:transition"
EXTRA: tuple[str, ...] = (
    "marketplace",
    "order_id",
    "seq",
    "from_status",
    "trigger",
    "source",
    "inferred",
    "stage",
    "delivery_mode",
)
EXTENSION_BASE = "http://www.xes-standard.org/"
EXTENSIONS: tuple[tuple[str, str], ...] = (
    ("Concept", "concept"),
    ("Time", "time"),
    ("Organizational", "org"),
    ("Lifecycle", "lifecycle"),
)
# Classifier names are xs:NCName in the schema: no spaces, no colons.
CLASSIFIERS: tuple[tuple[str, str], ...] = (
    ("Activity", "concept:name"),
    ("ActivityTransition", "concept:name lifecycle:transition"),
    ("Resource", "org:resource"),
)


def event_table(log: pd.DataFrame) -> pd.DataFrame:
    """The prepared log with the process-mining column names, one row per event, in order."""
    single = log["marketplace"].nunique() <= 1
    order = log["order_id"].astype(str)
    case = order if single else log["marketplace"].astype(str) + ":" + order
    table = pd.DataFrame(
        {
            CASE_ID: case.to_numpy(),
            ACTIVITY: log["to_status"].astype(str).to_numpy(),
            TIMESTAMP: log["at"].to_numpy(),
            RESOURCE: log["actor"].astype(str).to_numpy(),
            TRANSITION: "complete",
        }
    )
    for column in EXTRA:
        table[column] = log[column].to_numpy()
    table[TIMESTAMP] = pd.to_datetime(table[TIMESTAMP], utc=True)
    return table


# Told (traces written, traces in all) as an XES file is written, for a progress bar.
Progress = Callable[[int, int], None]
# How many traces between two progress reports.
PROGRESS_EVERY = 1000


def write(
    log: pd.DataFrame, fmt: Format, path: str | Path, progress: Progress | None = None
) -> int:
    """Write the log to `path` in `fmt`; returns the number of events written."""
    if fmt == "csv":
        return write_csv(log, path)
    if fmt == "parquet":
        return write_parquet(log, path)
    if fmt == "xes":
        return write_xes(log, path, progress)
    raise ValueError(f"unknown export format '{fmt}'; choose one of {', '.join(FORMATS)}")


def write_csv(log: pd.DataFrame, path: str | Path) -> int:
    table = event_table(log)
    table[TIMESTAMP] = iso_times(table[TIMESTAMP])
    table.to_csv(path, index=False)
    return len(table)


def write_parquet(log: pd.DataFrame, path: str | Path) -> int:
    table = event_table(log)
    table.to_parquet(path, index=False)
    return len(table)


def iso_times(times: pd.Series) -> pd.Series:
    """xs:dateTime text with milliseconds and the UTC offset, e.g. 2026-03-02T10:00:00.000+00:00."""
    utc = pd.to_datetime(times, utc=True)
    return utc.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "+00:00"


def write_xes(log: pd.DataFrame, path: str | Path, progress: Progress | None = None) -> int:
    table = event_table(log)
    table[TIMESTAMP] = iso_times(table[TIMESTAMP])
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        # The IEEE 1849-2016 schema declares no target namespace: the elements carry none.
        out.write('<log xes.version="1849-2016">\n')
        for element in _header():
            out.write(_text(element))
        columns = {c: table[c].tolist() for c in table.columns}
        firsts = case_first(log).tolist()
        ends = [*firsts[1:], len(table)] if firsts else []
        bounds = zip(firsts, ends, strict=True)
        for done, (start, stop) in enumerate(bounds, start=1):
            out.write(_text(_trace(columns, start, stop)))
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(firsts)):
                progress(done, len(firsts))
        out.write("</log>\n")
    return len(table)


def _text(element: ET.Element) -> str:
    ET.indent(element, space="  ", level=1)
    return "  " + ET.tostring(element, encoding="unicode") + "\n"


def _header() -> Iterator[ET.Element]:
    for name, prefix in EXTENSIONS:
        yield ET.Element(
            "extension", name=name, prefix=prefix, uri=f"{EXTENSION_BASE}{prefix}.xesext"
        )
    trace_globals = ET.Element("global", scope="trace")
    _attribute(trace_globals, "string", "concept:name", "UNKNOWN")
    yield trace_globals
    event_globals = ET.Element("global", scope="event")
    _attribute(event_globals, "string", ACTIVITY, "UNKNOWN")
    _attribute(event_globals, "date", TIMESTAMP, "1970-01-01T00:00:00.000+00:00")
    _attribute(event_globals, "string", RESOURCE, "UNKNOWN")
    _attribute(event_globals, "string", TRANSITION, "complete")
    yield event_globals
    for name, keys in CLASSIFIERS:
        yield ET.Element("classifier", name=name, keys=keys)
    yield _attribute(None, "string", "concept:name", "orderflow event log")
    yield _attribute(None, "string", "lifecycle:model", "standard")


def _attribute(parent: ET.Element | None, kind: str, key: str, value: str) -> ET.Element:
    if parent is None:
        return ET.Element(kind, key=key, value=value)
    return ET.SubElement(parent, kind, key=key, value=value)


def _trace(columns: dict[str, list[object]], start: int, stop: int) -> ET.Element:
    trace = ET.Element("trace")
    _attribute(trace, "string", "concept:name", str(columns[CASE_ID][start]))
    _attribute(trace, "string", "marketplace", str(columns["marketplace"][start]))
    if not pd.isna(columns["delivery_mode"][start]):
        _attribute(trace, "string", "delivery_mode", str(columns["delivery_mode"][start]))
    for i in range(start, stop):
        trace.append(_event({key: values[i] for key, values in columns.items()}))
    return trace


def _event(row: dict[str, object]) -> ET.Element:
    event = ET.Element("event")
    _attribute(event, "string", ACTIVITY, str(row[ACTIVITY]))
    _attribute(event, "date", TIMESTAMP, str(row[TIMESTAMP]))
    _attribute(event, "string", RESOURCE, str(row[RESOURCE]))
    _attribute(event, "string", TRANSITION, "complete")
    _attribute(event, "int", "seq", str(row["seq"]))
    _attribute(event, "boolean", "inferred", "true" if row["inferred"] else "false")
    for key in ("from_status", "trigger", "source", "stage"):
        if not pd.isna(row[key]):
            _attribute(event, "string", key, str(row[key]))
    return event
