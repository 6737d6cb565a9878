"""`orderflow run` (the demo store or yours) and `orderflow export`, through click's runner."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import app_commands
from engine.model.clock import SystemClock
from engine.store import open_store


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xes"])
def test_export_writes_every_event(store_url: str, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out" / f"log.{fmt}"
    result = CliRunner().invoke(
        app_commands.export_command, ["--db", store_url, "--format", fmt, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"Wrote 21 events of 8 orders to {out} ({fmt}).",
        "Times (--inferred interval, 2 of 21 events inferred): inferred events at their "
        "estimate within their poll bounds, spread evenly between the previous and the next "
        "observed event (time_basis 'estimated', bounds in entered_earliest and "
        "entered_latest); inferred events before an order's first observed one left out.",
    ]
    if fmt == "csv":
        assert pd.read_csv(out)["case:concept:name"].nunique() == 8
    elif fmt == "parquet":
        assert len(pd.read_parquet(out)) == 21
    else:
        root = ET.parse(out).getroot()
        assert len(root.findall("trace")) == 8


@pytest.mark.parametrize(
    ("mode", "events", "inferred"), [("keep", 21, 2), ("drop", 19, 0), ("interval", 21, 2)]
)
def test_export_writes_inferred_events_as_asked(
    store_url: str, tmp_path: Path, mode: str, events: int, inferred: int
) -> None:
    out = tmp_path / "log.parquet"
    args = ["--db", store_url, "--format", "parquet", "--out", str(out), "--inferred", mode]
    result = CliRunner().invoke(app_commands.export_command, args)
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert (len(frame), int(frame["inferred"].sum())) == (events, inferred)
    assert frame.attrs["inferred"] == mode
    assert result.stdout.splitlines()[1].startswith(f"Times (--inferred {mode}, 2 of 21 events")


def test_the_inferred_modes_are_the_analytics_ones() -> None:
    from analytics import export

    assert app_commands.INFERRED == export.INFERRED


def test_export_refuses_an_unknown_format(store_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app_commands.export_command,
        ["--db", store_url, "--format", "json", "--out", str(tmp_path / "x")],
    )
    assert result.exit_code == 2
    assert "'json' is not one of 'xes', 'csv', 'parquet'" in result.output


def test_export_does_not_create_a_store_that_is_not_there(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    result = CliRunner().invoke(
        app_commands.export_command,
        ["--db", f"sqlite:///{missing}", "--format", "csv", "--out", str(tmp_path / "log.csv")],
    )
    assert result.exit_code == 1
    assert f"Error: no store at {missing}" in result.output
    assert not missing.exists() and not (tmp_path / "log.csv").exists()


def test_export_needs_the_rule_files_for_the_stages(store_url: str, tmp_path: Path) -> None:
    args = ["--db", store_url, "--format", "csv", "--out", str(tmp_path / "log.csv")]
    result = CliRunner().invoke(
        app_commands.export_command, [*args, "--rules", str(tmp_path / "nowhere")]
    )
    assert result.exit_code == 1
    assert f"Error: no rule file in {tmp_path / 'nowhere'}" in result.output
    assert not (tmp_path / "log.csv").exists()


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dict[str, str]]] = []

    def __call__(self, command: Sequence[str], env: Mapping[str, str], cwd: Path) -> int:
        self.calls.append((list(command), dict(env)))
        return 0


# A pinned "now": the demo month is the day before it, Monday 5 January 2026 (the baseline's own
# first day, so the figures below are the baseline's seed-7 day).
NOW = datetime(2026, 1, 6, 0, 40, tzinfo=UTC)


def test_run_fills_the_demo_store_then_starts_streamlit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder()
    monkeypatch.setattr(app_commands, "serve", recorder)
    monkeypatch.setattr(SystemClock, "now", lambda self: NOW)
    monkeypatch.chdir(tmp_path)
    args = ["--days", "1", "--port", "8599"]
    result = CliRunner().invoke(app_commands.run_command, args)
    assert result.exit_code == 0, result.output
    assert (
        "New store: filling it from a 1-day simulated run of 'baseline' (seed 7) ending now"
        in result.output
    )
    demo = tmp_path / ".orderflow" / "demo.db"
    url = f"sqlite:///{demo.resolve()}"
    assert f"orderflow app on the demo store {url}" in result.output
    assert "Open http://localhost:8599 in your browser" in result.output
    with open_store(url) as store:
        orders = store.count_orders()
        events = store.events_frame()
        runs = store.fetch_runs()
    # One seed-7 day of the baseline: 400 orders a day, 520 expected on a Monday (x 1.3).
    assert orders == 504
    assert (
        "Stored 504 orders, 1,587 events, 376 recent actions in the outbox and the last day's "
        "106 polls as fetch runs, from 2026-01-05 00:00 to 2026-01-06 00:00 UTC."
    ) in result.output
    # The month ends at the hour "now" is in, never after it.
    assert events["at"].min() >= pd.Timestamp("2026-01-05T00:00Z")
    assert events["at"].max() < pd.Timestamp("2026-01-06T00:00Z")
    assert runs[-1].started_at == datetime(2026, 1, 6, tzinfo=UTC)
    [(command, env)] = recorder.calls
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert command[4].endswith("app.py")
    assert command[command.index("--server.port") + 1] == "8599"
    assert (env["ORDERFLOW_DB"], env["ORDERFLOW_DEMO"]) == (url, "1")
    # The sync's default store is another file, and the demo did not create it.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".orderflow"]
    # A second start finds the store filled and does not simulate again.
    again = CliRunner().invoke(app_commands.run_command, args)
    assert again.exit_code == 0
    assert "New store" not in again.output
    with open_store(url) as store:
        assert store.count_orders() == orders


def test_run_on_your_store_leaves_it_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder()
    monkeypatch.setattr(app_commands, "serve", recorder)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app_commands.run_command, ["--db", "sqlite:///orderflow.db", "--port", "8599"]
    )
    assert result.exit_code == 0, result.output
    url = f"sqlite:///{(tmp_path / 'orderflow.db').resolve()}"
    assert f"orderflow app on your store {url}" in result.output
    assert "New store" not in result.output
    with open_store(url) as store:
        assert store.count_orders() == 0  # never filled from a simulation unless --fill says so
    [(_, env)] = recorder.calls
    # Streamlit runs in the repository's folder: it is given the absolute path.
    assert (env["ORDERFLOW_DB"], env["ORDERFLOW_DEMO"]) == (url, "0")
    assert not (tmp_path / ".orderflow").exists()
