"""`orderflow conformance` and the Flow page's deviations, on stores with deviation events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from cli import analysis_commands
from engine.model.events import Anomaly, AnomalyKind, Event, Source
from engine.store import OrderChange, open_store
from tests.analytics import test_conformance as deviating
from tests.analytics.conftest import DAY0
from tests.app.conftest import RULES_DIR, fill

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(analysis_commands.conformance_command, list(args))
    return result.exit_code, result.output


@pytest.fixture
def two_markets(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'two.db'}"
    with open_store(url) as store:
        deviating.fill(store)
    return url


def test_prints_a_table_per_marketplace(two_markets: str) -> None:
    code, out = run("--db", two_markets, "--since", "2026-03-02", "--until", "2026-03-04")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("Counted: orders with at least one event in the period, from ")
    m1 = lines.index("m1")
    assert lines[m1 + 1].split() == ["orders", "conforming", "share", "%"]
    assert lines[m1 + 2].split() == ["6", "2", "33.3"]
    assert lines[m1 + 3] == "  deviations by (from, to):"
    assert lines[m1 + 5].split() == ["A", "C", "2", "2", "o3,", "o5"]
    assert any(line.split() == ["(new", "order)", "C", "1", "1", "o4"] for line in lines)
    assert "  by kind: no_legal_path 2, unknown_status 1, unlinked 1" in lines
    assert lines[lines.index("m2") + 2].split() == ["2", "1", "50.0"]


def test_one_marketplace_over_all_time(two_markets: str) -> None:
    code, out = run("--db", two_markets, "--marketplace", "m2")
    assert code == 0, out
    assert "m1" not in out.splitlines()
    assert out.splitlines()[out.splitlines().index("m2") + 2].split() == ["3", "2", "66.7"]


def test_a_missing_store_is_one_line_and_exit_1(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    code, out = run("--db", f"sqlite:///{missing}")
    assert code == 1
    assert out.strip().splitlines() == [
        f"Error: no store at {missing}; `orderflow run` or `orderflow sync` fills one"
    ]
    assert not missing.exists()


def test_since_after_until_is_refused(two_markets: str) -> None:
    code, out = run("--db", two_markets, "--since", "2026-03-04", "--until", "2026-03-02")
    assert code == 1 and "--since must be before --until" in out


@pytest.fixture
def app_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app's small store, plus O9: created, then moved to a code the rules do not declare."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    first = DAY0 + timedelta(days=3, hours=9)
    wfsa = "WaitingForSellerAcceptation"
    events = (
        Event("O9", None, wfsa, "create", "marketplace", Source.FETCH, False, first),
        Event("O9", wfsa, "Lost", "deviation", "marketplace", Source.FETCH, False,
              first + timedelta(hours=1), True),
    )  # fmt: skip
    why = Anomaly("O9", wfsa, "Lost", AnomalyKind.UNKNOWN_STATUS, "not declared", events[1].at)
    with open_store(url) as store:
        fill(store)
        store.apply(
            [
                OrderChange("cdiscount", "O9", "Lost", events[1].at, events[1].at, "2026.11.1",
                            events=events, anomalies=(why,))
            ]
        )  # fmt: skip
    monkeypatch.setenv("ORDERFLOW_DB", url)
    monkeypatch.setenv("ORDERFLOW_RULES", str(RULES_DIR))
    yield url


def test_flow_draws_deviations_and_shows_conformance(app_store: str) -> None:
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.switch_page("app_pages/flow.py").run()
    assert not app.exception, [e.value for e in app.exception]
    drawn = app.get("graphviz_chart")[0].proto.spec  # the process map: what the log shows
    assert 'label="Lost\\n1 order, 1 there now"' in drawn
    [dashed] = [line for line in drawn.splitlines() if "style=dashed" in line]
    assert 'label="1 order\\nnot in the rules", penwidth=' in dashed
    app.radio(key="flow:view").set_value("Rule diagram").run()
    spec = app.get("graphviz_chart")[0].proto.spec
    assert '"Lost\\nnot in the rules", style=dashed, color="#d62728"' in spec
    assert '[label="1 deviation", style=dashed, color="#d62728"' in spec
    app.radio(key="flow:view").set_value("Conformance").run()
    shown = {m.label: m.value for m in app.metric}
    assert shown["Orders (with an event in the period)"] == "9"
    assert shown["Conforming"] == "8 (88.9 %)"
    kinds = app.dataframe[-1].value
    assert kinds[["to_status", "deviations", "order_ids"]].values.tolist() == [["Lost", 1, "O9"]]
