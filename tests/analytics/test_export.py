"""The exports are read back with the standard library and pandas and checked against IEEE 1849;
the case attributes carry the `case:` prefix, times have microseconds in every format, and each
`inferred` mode does what it says (tests/analytics/test_export_figures.py reads the figures back).
"""

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from analytics.eventlog import prepare
from analytics.export import event_table, write
from tests.analytics import populations
from tests.analytics.conftest import raw_log

NS = ""  # IEEE 1849-2016 declares no target namespace


def parse(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def attrs(element: ET.Element) -> dict[str, tuple[str, str]]:
    return {c.get("key", ""): (c.tag.removeprefix(NS), c.get("value", "")) for c in element}


def test_xes_root_extensions_globals_classifiers(log: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "log.xes"
    assert write(log, "xes", path) == 21
    root = parse(path)
    assert root.tag == "log"
    assert root.attrib == {"xes.version": "1849-2016"}
    extensions = {
        e.get("prefix"): (e.get("name"), e.get("uri")) for e in root.iter(f"{NS}extension")
    }
    assert extensions == {
        "concept": ("Concept", "http://www.xes-standard.org/concept.xesext"),
        "time": ("Time", "http://www.xes-standard.org/time.xesext"),
        "org": ("Organizational", "http://www.xes-standard.org/org.xesext"),
        "lifecycle": ("Lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    }
    scopes = {g.get("scope"): attrs(g) for g in root.findall(f"{NS}global")}
    assert set(scopes["trace"]) == {"concept:name"}
    assert set(scopes["event"]) == {
        "concept:name",
        "time:timestamp",
        "org:resource",
        "lifecycle:transition",
    }
    classifiers = {c.get("name"): c.get("keys") for c in root.findall(f"{NS}classifier")}
    assert classifiers == {
        "Activity": "concept:name",
        "ActivityTransition": "concept:name lifecycle:transition",
        "Resource": "org:resource",
    }
    # IEEE 1849 order: extensions, globals, classifiers, log attributes, then traces.
    tags = [c.tag.removeprefix(NS) for c in root]
    assert tags[:9] == ["extension"] * 4 + ["global"] * 2 + ["classifier"] * 3
    assert tags.index("trace") > max(i for i, t in enumerate(tags) if t == "string")


def test_xes_traces_and_events(log: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "log.xes"
    write(log, "xes", path)
    traces = parse(path).findall(f"{NS}trace")
    assert len(traces) == 8
    o1 = traces[0]
    assert attrs(o1)["concept:name"] == ("string", "O1")
    assert attrs(o1)["delivery_mode"] == ("string", "TRK")
    assert attrs(o1)["marketplace"] == ("string", "cdiscount")
    events = o1.findall(f"{NS}event")
    assert len(events) == 6
    second = attrs(events[1])
    assert second["concept:name"] == ("string", "AcceptedBySeller")
    assert second["time:timestamp"] == ("date", "2026-03-02T12:00:00.000000+00:00")
    assert second["org:resource"] == ("string", "seller")
    assert second["lifecycle:transition"] == ("string", "complete")
    assert second["inferred"] == ("boolean", "false")
    assert second["seq"] == ("int", "2")
    assert second["time_basis"] == ("string", "observed")
    assert second["from_status"] == ("string", "WaitingForSellerAcceptation")
    assert "from_status" not in attrs(events[0])  # the creation has no previous status
    o4_events = [attrs(e) for e in traces[3].findall(f"{NS}event")]
    assert [e["inferred"][1] for e in o4_events] == ["false", "true", "true", "false"]


def test_every_xes_event_has_the_global_event_attributes(log: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "log.xes"
    write(log, "xes", path)
    root = parse(path)
    declared = set(attrs(root.find(f"{NS}global[@scope='event']")))  # type: ignore[arg-type]
    events = list(root.iter(f"{NS}event"))
    assert len(events) == 21
    for event in events:
        assert declared <= set(attrs(event))


def test_csv_has_the_process_mining_columns(log: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    assert write(log, "csv", path) == 21
    frame = pd.read_csv(path)
    assert list(frame.columns[:5]) == [
        "case:concept:name",
        "concept:name",
        "time:timestamp",
        "org:resource",
        "lifecycle:transition",
    ]
    first = frame.iloc[0]
    assert (first["case:concept:name"], first["concept:name"]) == (
        "O1",
        "WaitingForSellerAcceptation",
    )
    assert first["time:timestamp"] == "2026-03-02T10:00:00.000000+00:00"
    assert frame["case:concept:name"].nunique() == 8
    assert [c for c in frame.columns if c.startswith("case:")] == [
        "case:concept:name",
        "case:marketplace",
        "case:order_id",
        "case:delivery_mode",
    ]
    assert "delivery_mode" not in frame.columns and "marketplace" not in frame.columns


def test_parquet_round_trip_keeps_times_with_their_zone(log: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    write(log, "parquet", path)
    frame = pd.read_parquet(path)
    assert str(frame["time:timestamp"].dtype) == "datetime64[us, UTC]"
    assert frame["org:resource"].tolist()[:2] == ["marketplace", "seller"]
    assert frame["inferred"].sum() == 2
    assert frame["case:delivery_mode"].tolist()[:1] == ["TRK"]
    assert frame.attrs["inferred"] == "keep"
    assert frame.attrs["inferred_times"].startswith("every event as stored")


def test_unknown_format_is_refused(log: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format 'json'; choose one of xes"):
        write(log, "json", tmp_path / "x")  # type: ignore[arg-type]


def test_xes_attributes_follow_the_schema_types(log: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "log.xes"
    write(log, "xes", path)
    root = parse(path)
    kinds = {"string", "date", "int", "float", "boolean", "id", "list"}
    ncname = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
    for element in root.iter():
        if element.tag in kinds:
            assert set(element.attrib) == {"key", "value"}, element.attrib
            if element.tag == "boolean":
                assert element.get("value") in {"true", "false"}
            if element.tag == "int":
                assert re.fullmatch(r"-?\d+", element.get("value", ""))
            if element.tag == "date":
                assert re.fullmatch(
                    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", element.get("value", "")
                )
        elif element.tag in {"extension", "classifier"}:
            assert ncname.match(element.get("name", "")), element.attrib
        else:
            assert element.tag in {"log", "global", "trace", "event"}, element.tag
    # Each branch above was taken: the 21 events have a date, an int (seq) and two booleans
    # (deviation, inferred) each; the 22nd date is the event global's default timestamp. Strings:
    # 4 globals and 3 log attributes, 4 per trace (name, marketplace, order id, delivery mode),
    # 7 per event (activity, resource, lifecycle, trigger, source, stage, time basis) and the
    # from status of the 13 events that are not a creation.
    assert Counter(element.tag for element in root.iter()) == {
        "string": 4 + 3 + 4 * 8 + 7 * 21 + 13,
        "date": 22,
        "int": 21,
        "boolean": 42,
        "event": 21,
        "trace": 8,
        "extension": 4,
        "classifier": 3,
        "global": 2,
        "log": 1,
    }


@pytest.mark.parametrize("fmt", ["xes", "csv", "parquet"])
def test_an_empty_log_exports_as_a_log_without_traces(tmp_path: Path, fmt: str) -> None:
    from analytics.eventlog import empty

    path = tmp_path / f"log.{fmt}"
    assert write(empty(), fmt, path) == 0  # type: ignore[arg-type]
    if fmt == "xes":
        root = parse(path)
        assert root.findall("trace") == [] and len(root.findall("extension")) == 4
    elif fmt == "csv":
        assert pd.read_csv(path).columns[0] == "case:concept:name"
    else:
        assert len(pd.read_parquet(path)) == 0


def test_xes_reports_its_progress_in_traces(
    log: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("analytics.xes.PROGRESS_EVERY", 3)
    told: list[tuple[int, int]] = []
    written = write(
        log, "xes", tmp_path / "log.xes", lambda done, total: told.append((done, total))
    )
    assert written == 21
    # The hand-made log holds 8 orders: told every 3 traces, and once at the end.
    assert told == [(3, 8), (6, 8), (8, 8)]


def test_keep_writes_inferred_events_as_stored_and_marks_them(log: pd.DataFrame) -> None:
    table = event_table(log, "keep")
    o4 = table.loc[table["case:concept:name"] == "O4"]
    assert o4["inferred"].tolist() == [False, True, True, False]
    assert o4["time_basis"].tolist() == ["observed", "stored", "stored", "observed"]
    assert "entered_earliest" not in table.columns


def test_drop_writes_the_observed_events_only(log: pd.DataFrame) -> None:
    table = event_table(log, "drop")
    assert len(table) == 19 and not table["inferred"].any()
    assert set(table["time_basis"]) == {"observed"}


def test_interval_places_inferred_events_within_their_poll_bounds(tmp_path: Path) -> None:
    log = prepare(populations.raw(), populations.RULES.values())
    table = event_table(log, "interval")
    # C2's creation, acceptance and payment came before it was first seen: left out.
    assert len(table) == len(log) - 3
    c1 = table.loc[table["case:order_id"] == "C1"]
    assert [str(t) for t in c1["time:timestamp"]][:4] == [
        "2026-03-02 00:00:00+00:00",
        "2026-03-02 02:00:00+00:00",
        "2026-03-02 04:00:00+00:00",
        "2026-03-02 06:00:00+00:00",
    ]
    assert c1["time_basis"].tolist()[:4] == ["observed", "estimated", "estimated", "observed"]
    assert [str(t) for t in c1["entered_earliest"]][1] == "2026-03-02 00:00:00+00:00"
    assert [str(t) for t in c1["entered_latest"]][1] == "2026-03-02 06:00:00+00:00"
    # Two marketplaces: the case names say which; each rule file's fields are attributes.
    assert table["case:concept:name"].iloc[0] == "cdiscount:C1"
    assert list(table.columns[5:10]) == [
        "case:marketplace",
        "case:order_id",
        "case:delivery_mode",
        "case:carrier",
        "case:fulfilled_by_marketplace",
    ]
    path = tmp_path / "log.xes"
    write(log, "xes", path, inferred="interval")
    trace = parse(path).findall("trace")[1]  # C2: its first written event is the observed one
    assert attrs(trace)["fulfilled_by_marketplace"] == ("boolean", "true")
    first = attrs(trace.findall("event")[0])
    assert first["concept:name"] == ("string", "WaitingForShipmentAcceptation")
    assert first["entered_earliest"] == ("date", "2026-03-02T10:00:00.000000+00:00")


def test_an_unknown_inferred_mode_is_refused(log: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="unknown inferred mode 'guess'; choose one of keep"):
        event_table(log, "guess")  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["xes", "csv", "parquet"])
def test_every_format_keeps_microseconds(tmp_path: Path, fmt: str) -> None:
    raw = raw_log()
    raw["at"] = raw["at"] + pd.Timedelta(microseconds=123456)
    path = tmp_path / f"log.{fmt}"
    write(prepare(raw), fmt, path)  # type: ignore[arg-type]
    if fmt == "xes":
        stamp = attrs(parse(path).find("trace/event"))["time:timestamp"][1]  # type: ignore[arg-type]
    elif fmt == "csv":
        stamp = pd.read_csv(path)["time:timestamp"].iloc[0]
    else:
        stamp = pd.read_parquet(path)["time:timestamp"].iloc[0].isoformat()
    assert stamp == "2026-03-02T10:00:00.123456+00:00"
