"""The Simulate page: the commands each run refused and why, and replications with their 95 %
intervals, both as the command line gives them for the same scenarios, days and seed."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.test_pages import start

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
    "status changes missed by the polls                        275.00         23.67"
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
