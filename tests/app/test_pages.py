"""Every page of the app on a known small store: it renders without exception and shows the
figures the analytics modules compute for that log (and, where they matter, numbers written by
hand from tests/analytics/conftest.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.eventlog import prepare
from analytics.funnel import funnel
from analytics.overview import overview
from engine.rulefile.loader import load_rules
from engine.store import SetAside, SetAsideReason, open_store
from tests.analytics.conftest import raw_log
from tests.app.conftest import RULES_DIR

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def start(page: str | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    if page is not None:
        app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def texts(elements: object) -> list[str]:
    return [e.value for e in elements]  # type: ignore[attr-defined]


def test_overview_shows_the_analytics_figures(store_url: str) -> None:
    app = start()
    log = prepare(raw_log())
    view = overview(
        log, log["at"].max(), 7, finals=load_rules(RULES_DIR / "cdiscount.yaml").final_statuses
    )
    shown = metrics(app)
    assert shown["Orders created"] == str(view.figures[0].value) == "8"
    assert shown["Orders lost"] == "4"
    assert shown["Lost share"] == "66.7 %"
    assert shown["Median to shipped"] == "28.0 h"
    assert shown["Open orders"] == "2"
    steps = app.dataframe[0].value
    expected = funnel(log).steps
    assert steps["stage"].tolist() == expected["stage"].tolist()
    # O5, fulfilled by the marketplace, arrived shipped: it counts at the earlier steps too.
    assert steps["reached"].tolist() == expected["reached"].tolist() == [8, 3, 2]
    assert steps["skipped"].tolist() == [1, 1, 0]
    exits = app.dataframe[1].value
    assert exits["status"].tolist()[0] == "RefusedBySeller"
    assert exits["orders"].tolist() == [2, 1, 1]


def test_overview_draws_the_daily_trend_as_three_plotly_lines(store_url: str) -> None:
    app = start()
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)  # the trend comes before the funnel
    lines = [(t["type"], t["name"], t["mode"], t["line"]["color"]) for t in spec["data"]]
    assert lines == [
        ("scatter", "created", "lines", "#1f77b4"),
        ("scatter", "shipped", "lines", "#2ca02c"),
        ("scatter", "lost", "lines", "#d62728"),
    ]


def test_the_trend_chart_draws_each_days_counts() -> None:
    from app_pages.overview import trend_chart

    days = pd.to_datetime(["2026-03-01", "2026-03-02", "2026-03-03"])
    trend = pd.DataFrame(
        {"day": days, "created": [3, 0, 2], "shipped": [1, 2, 0], "lost": [0, 1, 1]}
    )
    chart = trend_chart(trend)
    assert [t.name for t in chart.data] == ["created", "shipped", "lost"]
    assert [list(t.y) for t in chart.data] == [[3, 0, 2], [1, 2, 0], [0, 1, 1]]
    assert [pd.Timestamp(x) for x in chart.data[0].x] == list(days)
    assert chart.layout.shapes == ()  # no time given: no day is said to be partial


def test_the_trend_marks_its_last_day_as_counted_so_far() -> None:
    from app_pages.overview import trend_chart

    days = pd.to_datetime(["2026-03-02", "2026-03-03"])
    trend = pd.DataFrame({"day": days, "created": [400, 54], "shipped": [1, 2], "lost": [0, 1]})
    chart = trend_chart(trend, pd.Timestamp("2026-03-03 08:58", tz="UTC"))
    (shade,) = chart.layout.shapes
    assert (pd.Timestamp(shade.x0), pd.Timestamp(shade.x1)) == (
        pd.Timestamp("2026-03-02 12:00"),
        pd.Timestamp("2026-03-03 12:00"),
    )
    assert [a.text for a in chart.layout.annotations] == ["so far (to 08:58 UTC)"]
    whole = trend_chart(trend, pd.Timestamp("2026-03-04 00:00", tz="UTC"))
    assert whole.layout.shapes == ()  # the trend's last day is over


def test_the_overview_renders_without_loading_altair(store_url: str) -> None:
    # `st.line_chart` would load altair and build a Vega chart: half a second of a cold start.
    # A fresh interpreter: this one may have loaded altair for another test.
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"app = AppTest.from_file({APP!r}, default_timeout=60).run()\n"
        "print([e.value for e in app.exception], 'altair' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(APP).parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[] False"


def test_a_share_moves_by_percentage_points() -> None:
    from analytics.overview import Figure
    from app_pages.overview import _delta

    # 17.6 % of orders lost, then 17.2 %: 0.4 points less, not 0.4 % less.
    assert _delta(Figure("Lost share", 17.2, 17.6, "%")) == "-0.4 pt"
    assert _delta(Figure("Median to shipped", 23.8, 24.2, "h")) == "-0.4 h"


def test_overview_lists_orders_at_risk(store_url: str) -> None:
    app = start()
    urgent = app.dataframe[3].value
    assert urgent["order_id"].tolist() == ["O7", "O4"]
    assert urgent["band"].tolist() == ["warning", "ok"]  # as of day 3 09:00: 43 of 48 hours


def test_flow_draws_counts_and_median_times_on_the_diagram(store_url: str) -> None:
    app = start("flow")
    app.radio(key="flow:view").set_value("Rule diagram").run()
    spec = app.get("graphviz_chart")[0].proto.spec
    # O1 2h, O6 1h, O4 0 s (its acceptance inferred between two polls at one instant).
    assert 'accept (seller)\\n3 orders, median 1h"' in spec
    assert "auto_cancel (timer)\\nafter 2d\\n1 order, median 2d" in spec
    app.radio(key="flow:view").set_value("Sankey").run()
    sankey = app.get("plotly_chart")[0].proto.spec
    assert '"value":[7,4,2,1,1]' in sankey
    app.radio(key="flow:view").set_value("Time in status").run()
    stays = app.dataframe[0].value.set_index("status")
    assert stays.loc["WaitingForSellerAcceptation", "median"] == "1h"
    assert stays.loc["WaitingForSellerAcceptation", "timed"] == 6


def test_flow_lists_variants_and_anomalies(store_url: str) -> None:
    app = start("flow")
    app.radio(key="flow:view").set_value("Variants").run()
    finished, still = app.dataframe[0].value, app.dataframe[1].value
    top = finished.iloc[0]
    assert top["variant"] == "WaitingForSellerAcceptation → RefusedBySeller"
    assert top["orders"] == 2
    assert finished["orders"].sum() == 6
    # O7 waits for acceptance, O4 for shipment: the open paths, apart.
    assert still["variant"].tolist()[0] == "WaitingForSellerAcceptation"
    assert still["orders"].tolist() == [1, 1]
    app.radio(key="flow:view").set_value("Anomalies").run()
    kinds = app.dataframe[0].value
    assert kinds[["kind", "anomalies"]].values.tolist() == [["final_changed", 1]]
    inferred = app.dataframe[2].value
    assert sorted(inferred["status"]) == ["AcceptedBySeller", "PaymentInProgress"]


def test_orders_explains_why_an_order_cannot_ship(store_url: str) -> None:
    app = start("orders")
    app.text_input[0].input("O7").run()
    assert "**Status** `WaitingForSellerAcceptation`" in texts(app.markdown)[0]
    [blocked] = texts(app.warning)
    assert blocked.splitlines()[0] == "**Blocked now**"
    assert (
        "- **ship**: action 'ship' is not allowed at status 'WaitingForSellerAcceptation'; "
        "it is allowed at 'WaitingForShipmentAcceptation'"
    ) in blocked.splitlines()
    assert [e for e in texts(app.success) if e.startswith("**accept**")]
    story = app.dataframe[1].value
    assert story["what"].tolist() == ["WaitingForSellerAcceptation"]


def test_orders_timeline_shows_inferred_statuses_and_anomalies(store_url: str) -> None:
    app = start("orders")
    app.text_input[0].input("O5").run()
    story = app.dataframe[1].value
    assert story["kind"].tolist() == ["observed", "anomaly"]
    app.text_input[0].input("O4").run()
    story = app.dataframe[1].value
    assert story["kind"].tolist() == ["observed", "inferred", "inferred", "observed"]


def test_orders_timeline_lists_statuses_top_down_in_the_order_they_came(store_url: str) -> None:
    app = start("orders")
    app.text_input[0].input("O1").run()
    spec = json.loads(app.get("plotly_chart")[0].proto.spec)
    axis = spec["layout"]["yaxis"]
    assert axis["categoryarray"] == [
        "ship",  # the fixture's outbox entry, dated day 0 at midnight
        "WaitingForSellerAcceptation",
        "AcceptedBySeller",
        "PaymentInProgress",
        "WaitingForShipmentAcceptation",
        "ShippedBySeller",
        "Shipped",
    ]
    assert axis["autorange"] == "reversed"


def test_orders_asks_exactly_the_required_fields_and_queues(store_url: str) -> None:
    app = start("orders")
    app.text_input[0].input("O4").run()
    assert "**ship**: needs carrier, tracking_number." in texts(app.info)[0]
    [action] = [s for s in app.selectbox if s.label == "Action"]
    assert action.options == ["ship", "refuse_shipment"]
    fields = [s.label.split(":")[0] for s in app.selectbox if s.label != "Action"]
    fields += [t.label.split(":")[0] for t in app.text_input[1:]]
    assert fields[1:] == ["carrier", "tracking_number"]
    [carrier] = [s for s in app.selectbox if s.label.startswith("carrier")]
    carrier.set_value("14")
    [tracking] = [t for t in app.text_input if t.label.startswith("tracking_number")]
    tracking.input("6A123")
    next(b for b in app.button if b.label == "Queue 'ship'").click().run()
    assert not app.exception
    assert "'ship' queued in the outbox as entry 3." in texts(app.success)
    with open_store(store_url) as store:
        queued = [i for i in store.outbox() if i.order_id == "O4"]
    assert [(i.action, dict(i.args), i.expected_status) for i in queued] == [
        ("ship", {"carrier": "14", "tracking_number": "6A123"}, "ShippedBySeller")
    ]


# The Rules page's tests are in tests/app/test_rules_page.py.


def test_sync_shows_runs_errors_quarantine_and_outbox(store_url: str) -> None:
    app = start("sync")
    shown = metrics(app)
    assert (shown["Fetch runs"], shown["Failed runs"], shown["Running now"]) == ("2", "1", "0")
    assert (shown["Pending"], shown["Sent"], shown["Failed"]) == ("1", "1", "0")
    watermarks = app.dataframe[0].value.set_index("kind")
    assert str(watermarks.loc["incremental", "watermark"]) == "2026-03-05 10:00:00+00:00"
    errors = app.dataframe[1].value
    assert errors["error"].tolist() == ["HTTP 503 from the API"]
    quarantine = app.dataframe[3].value
    assert quarantine["reason"].tolist() == ["order has no marketplace_order_id"]


def test_sync_shows_the_orders_each_run_set_aside_and_why(store_url: str) -> None:
    with open_store(store_url) as store:
        run = store.fetch_runs()[0]
        at, when = run.started_at, run.window_from
        store.record_set_aside(
            [
                SetAside(run.id, "cdiscount", "O1", SetAsideReason.STALE, when, at, at),
                SetAside(run.id, "cdiscount", "O2", SetAsideReason.UNCHANGED, when, at, when),
                SetAside(run.id, "cdiscount", "O3", SetAsideReason.UNCHANGED, when, at, when),
            ]
        )
    app = start("sync")
    shown = metrics(app)
    assert (shown["Stale"], shown["Fulfilled not imported"], shown["Unchanged"]) == ("1", "0", "2")
    aside = app.dataframe[4].value
    assert aside[["run", "order", "reason"]].values.tolist() == [
        [run.id, "O3", "unchanged"],
        [run.id, "O2", "unchanged"],
        [run.id, "O1", "stale"],
    ]


def test_every_page_renders_on_an_empty_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDERFLOW_DB", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("ORDERFLOW_RULES", str(RULES_DIR))
    app = start()
    assert any("The store has no events yet" in i for i in texts(app.info))
    for page in ("flow", "orders", "rules", "sync"):
        app.switch_page(f"app_pages/{page}.py").run()
        assert not app.exception, (page, [e.value for e in app.exception])
        assert app.title[0].value == page.capitalize()


def test_simulate_runs_a_scenario_against_the_baseline(store_url: str) -> None:
    app = start("simulate")
    assert [s.value for s in app.selectbox] == ["slow_seller.yaml", "baseline.yaml"]
    app.slider(key="days").set_value(1)
    app.slider(key="per_day").set_value(60)
    next(b for b in app.button if b.label == "Run both").click().run()
    assert not app.exception, [e.value for e in app.exception]
    [caption] = [c.value for c in app.caption if "against" in c.value]
    assert caption == "slow_seller against baseline, 1 days, seed 7, on the same arrivals"
    table = app.dataframe[0].value.set_index("figure")
    # 73 seed-7 orders on the first day, a Monday at 60 a day (x 1.3: 78 expected), on both sides.
    assert table.loc["orders"].tolist() == [73.0, 73.0, 0.0]
    # The slow seller answers about 8 hours later on the first day (acceptances a fetch did not
    # see counted at their estimate within their poll bounds: analytics.censoring).
    assert table.loc["median hours to accept"].tolist() == [1.69, 9.96, 8.27]


def test_simulate_starts_a_newly_picked_scenario_from_its_own_settings(store_url: str) -> None:
    app = start("simulate")
    app.slider(key="per_day").set_value(60).run()
    app.selectbox[0].select("peak_season.yaml").run()
    assert app.slider(key="per_day").value == 4000  # not the 60 set for slow_seller
    assert app.slider(key="days").value == 30
