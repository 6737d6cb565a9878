"""XES (IEEE 1849-2016): its names, its time format, and the writer of `analytics.export`'s table.

The file is written with the standard library's `xml.etree`, one trace at a time, so a large log
never sits in memory as one XML tree. It declares the concept, time, organizational and
lifecycle extensions, the global attributes every trace and event carries, the usual
classifiers, and as log attributes how inferred events were timed. The table's `case:` columns
become the trace's attributes without the prefix (pm4py puts it back when it reads them), the
others the events' attributes, each with its XES type: booleans, integers, dates (with
microseconds, as every export), strings.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

CASE_ID = "case:concept:name"
ACTIVITY = "concept:name"
TIMESTAMP = "time:timestamp"
RESOURCE = "org:resource"
TRANSITION = "lifecycle:transition"
CASE_PREFIX = "case:"
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
STANDARD: tuple[str, ...] = (ACTIVITY, TIMESTAMP, RESOURCE, TRANSITION)
# How many traces between two progress reports.
PROGRESS_EVERY = 1000
# Told (traces written, traces in all) as an XES file is written, for a progress bar.
Progress = Callable[[int, int], None]

Typed = tuple[str, str, list[object]]  # XES type, key, one value per event


def write_xes(
    table: pd.DataFrame, path: str | Path, time_rule: str, progress: Progress | None = None
) -> None:
    """Write `table` (`analytics.export.event_table`) to `path`; `time_rule` says how inferred
    events were timed."""
    traces, events = _typed(table)
    cases = table[CASE_ID].to_numpy()
    firsts = np.flatnonzero(np.r_[True, cases[1:] != cases[:-1]]).tolist() if len(cases) else []
    ends = [*firsts[1:], len(table)] if firsts else []
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        # The IEEE 1849-2016 schema declares no target namespace: the elements carry none.
        out.write('<log xes.version="1849-2016">\n')
        for element in _header(time_rule):
            out.write(_text(element))
        for done, (start, stop) in enumerate(zip(firsts, ends, strict=True), start=1):
            out.write(_text(_trace(traces, events, start, stop)))
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(firsts)):
                progress(done, len(firsts))
        out.write("</log>\n")


def date_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if isinstance(table[c].dtype, pd.DatetimeTZDtype)]


def iso_times(times: pd.Series) -> pd.Series:
    """xs:dateTime text with microseconds and the UTC offset: 2026-03-02T10:00:00.000000+00:00;
    missing times stay missing."""
    raw = np.asarray(times.dt.tz_convert(None).to_numpy(), dtype="datetime64[us]")
    text = np.char.add(np.datetime_as_string(raw, unit="us"), "+00:00").astype(object)
    text[np.isnat(raw)] = None
    return pd.Series(text, index=times.index, dtype=object)


def _typed(table: pd.DataFrame) -> tuple[list[Typed], list[Typed]]:
    """The trace attributes (concept:name first) and the event attributes (the standard ones
    first), each with its XES type and its values as text, None where missing."""
    dates = set(date_columns(table))
    traces: list[Typed] = [("string", "concept:name", _texts(table[CASE_ID]))]
    events: list[Typed] = []
    others = [c for c in table.columns if c not in (CASE_ID, *STANDARD)]
    for column in [*STANDARD, *others]:
        values = table[column]
        kind = "date" if column in dates else _kind(values)
        texts = _texts(iso_times(values) if kind == "date" else values, kind)
        if column.startswith(CASE_PREFIX):
            traces.append((kind, column.removeprefix(CASE_PREFIX), texts))
        else:
            events.append((kind, column, texts))
    return traces, events


def _kind(values: pd.Series) -> str:
    if isinstance(values.dtype, pd.BooleanDtype) or values.dtype == bool:
        return "boolean"
    if pd.api.types.is_integer_dtype(values.dtype):
        return "int"
    return "string"


def _texts(values: pd.Series, kind: str = "string") -> list[object]:
    plain = values.astype(object).tolist()
    if kind == "boolean":
        return [None if pd.isna(v) else ("true" if v else "false") for v in plain]
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in plain]


def _text(element: ET.Element) -> str:
    ET.indent(element, space="  ", level=1)
    return "  " + ET.tostring(element, encoding="unicode") + "\n"


def _header(time_rule: str) -> Iterator[ET.Element]:
    for name, prefix in EXTENSIONS:
        yield ET.Element(
            "extension", name=name, prefix=prefix, uri=f"{EXTENSION_BASE}{prefix}.xesext"
        )
    trace_globals = ET.Element("global", scope="trace")
    _attribute(trace_globals, "string", "concept:name", "UNKNOWN")
    yield trace_globals
    event_globals = ET.Element("global", scope="event")
    _attribute(event_globals, "string", ACTIVITY, "UNKNOWN")
    _attribute(event_globals, "date", TIMESTAMP, "1970-01-01T00:00:00.000000+00:00")
    _attribute(event_globals, "string", RESOURCE, "UNKNOWN")
    _attribute(event_globals, "string", TRANSITION, "complete")
    yield event_globals
    for name, keys in CLASSIFIERS:
        yield ET.Element("classifier", name=name, keys=keys)
    yield _attribute(None, "string", "concept:name", "orderflow event log")
    yield _attribute(None, "string", "lifecycle:model", "standard")
    yield _attribute(None, "string", "inferred_times", time_rule)


def _attribute(parent: ET.Element | None, kind: str, key: str, value: str) -> ET.Element:
    if parent is None:
        return ET.Element(kind, key=key, value=value)
    return ET.SubElement(parent, kind, key=key, value=value)


def _trace(traces: list[Typed], events: list[Typed], start: int, stop: int) -> ET.Element:
    trace = ET.Element("trace")
    for kind, key, values in traces:
        if values[start] is not None:
            _attribute(trace, kind, key, str(values[start]))
    for i in range(start, stop):
        event = ET.SubElement(trace, "event")
        for kind, key, values in events:
            if values[i] is not None:
                _attribute(event, kind, key, str(values[i]))
    return trace
