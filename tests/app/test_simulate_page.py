"""The Simulate page: the commands each run refused and why, and replications with their 95 %
intervals, both as the command line gives them for the same scenarios, days and seed; the store
calibrated into a baseline, one policy changed, compared over replications."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.store import open_store
from simulator.scenario.loader import load_scenario
from tests.app.conftest import RULES_DIR
from tests.app.test_pages import start
from workspace.sample_store import StoppedClock, fill

SCENARIOS = Path(__file__).resolve().parents[2] / "simulator" / "scenarios"

# `orderflow simulate --scenario simulator/scenarios/baseline.yaml --compare
# simulator/scenarios/slow_seller.yaml --days 1 --replications 3 --seed 7`, its output's lines
# (the header, then a few figures), as it printed them.
CLI_COMPARED = [
    "3 replication(s), same arrivals on both sides; 95% confidence intervals, * where zero is "
    "outside; – where nothing was measured",
    "",
    "figure                                                  baseline   slow_seller"
    "              difference",
]
CLI_FIGURES = [
    "orders                                                    520.67        520.67"
    "           +0.00 ± 0.00 ",
    "accept: median hours at the status                          1.80          9.44"
    "           +7.65 ± 1.95*",
    "refuse: commands sent                                      14.67          2.33"
    "         -12.33 ± 14.97 ",
    "ship: median hours at the status                            9.50             –"
    "                       –",
    "status changes missed by the polls                        274.00         22.67"
    "        -251.33 ± 52.25*",
]
# `orderflow simulate --scenario simulator/scenarios/X.yaml --days 1 --seed 7`, summary.json's
# "refused", for X = baseline and X = peak_season.
CARRIER = "action 'ship' requires field 'carrier' when delivery_mode in [TRK, REG, REL, RCO, SO1]"
TRACKING = (
    "action 'ship' requires field 'tracking_number' when delivery_mode in [TRK, REG, REL, RCO, SO1]"
)


def button(app: AppTest, label: str) -> None:
    next(b for b in app.button if b.label == label).click().run()
    assert not app.exception, [e.value for e in app.exception]


def test_replications_give_the_intervals_the_command_line_gives(store_url: str) -> None:
    app = start("simulate")
    assert [s.value for s in app.selectbox] == ["slow_seller.yaml", "baseline.yaml"]
    app.slider(key="days").set_value(1)
    app.number_input(key="replications").set_value(3).run()
    button(app, "Run 3 replications")
    assert "slow_seller against baseline, 1 days, seed 7, 3 runs" in [c.value for c in app.caption]
    [printed] = [c.value for c in app.code]
    lines = printed.splitlines()
    assert lines[:3] == CLI_COMPARED
    assert [line for line in lines if line.split("  ")[0] in FIGURES] == CLI_FIGURES
    table = app.dataframe[-1].value.set_index("figure")
    assert table.columns.tolist() == [
        "baseline", "scenario", "difference", "± 95 %", "zero outside"
    ]  # fmt: skip
    assert table.loc["orders"].tolist() == [520.67, 520.67, 0.0, 0.0, False]
    assert table.loc["accept: median hours at the status"].tolist() == [1.8, 9.44, 7.65, 1.95, True]
    assert table.loc["refuse: commands sent"].tolist() == [14.67, 2.33, -12.33, 14.97, False]
    ship = table.loc["ship: median hours at the status"]
    assert ship["baseline"] == 9.5
    assert ship[["scenario", "difference", "± 95 %", "zero outside"]].isna().all()


FIGURES = {line.split("  ")[0] for line in CLI_FIGURES}


def test_the_commands_each_run_refused_are_listed_with_their_reasons(store_url: str) -> None:
    app = start("simulate")
    app.selectbox[0].select("peak_season.yaml").run()
    app.slider(key="days").set_value(1)
    # Each side on its own orders: each run is then the command line's run of its scenario.
    app.checkbox[0].uncheck().run()
    button(app, "Run both")
    [caption] = [c.value for c in app.caption if "against" in c.value and "runs" not in c.value]
    assert caption == "peak_season against baseline, 1 days, seed 7, on their own arrivals"
    [refused] = [d.value for d in app.dataframe if "reason" in d.value.columns]
    assert refused.values.tolist() == [
        ["ship", CARRIER, 1, 5],
        ["ship", TRACKING, 1, 1],
    ]


@pytest.fixture
def simulated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """Two days of the baseline at 150 orders a day in the app's store; yields its orders."""
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    scenario = replace(scenario, arrivals=replace(scenario.arrivals, per_day=150.0))
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with open_store(url) as store:
        fill(store, scenario, 2, 7, clock=StoppedClock(scenario.start + timedelta(days=2)))
        orders = store.count_orders()
    monkeypatch.setenv("ORDERFLOW_DB", url)
    monkeypatch.setenv("ORDERFLOW_RULES", str(RULES_DIR))
    yield orders


def test_the_store_calibrated_is_a_baseline_to_change_one_policy_on(simulated_store: int) -> None:
    app = start("simulate")
    button(app, "Calibrate from this store")
    fitted = [m.value for m in app.markdown if m.value.startswith("Fitted from")]
    # A Monday and a Tuesday (weights 1.3 and 1.05 of a mean 1): 176 a day expected, 182 drawn.
    assert simulated_store == 364
    assert fitted == ["Fitted from 364 orders over 2.0 days: 182.5 orders a day."]
    [text] = [c.value for c in app.code if c.language == "yaml"]
    assert "# Calibrated by `orderflow calibrate` from sqlite:///" in text
    app.radio(key="calibrated_policy").set_value("The seller accepts within").run()
    app.slider(key="accept_within").set_value(3).run()
    app.slider(key="calibrated_days").set_value(1).run()
    app.number_input(key="calibrated_replications").set_value(2).run()
    button(app, "Compare over 2 replications")
    assert "the changed policy against the calibrated store, 1 days, 2 runs" in [
        c.value for c in app.caption
    ]
    table = app.dataframe[-1].value.set_index("figure")
    # Both sides on the calibrated arrivals; a seller answering within 3 hours answers sooner.
    assert table.loc["orders", "difference"] == 0.0
    accept = table.loc["accept: median hours at the status"]
    assert accept["scenario"] < accept["baseline"] and accept["difference"] < 0
