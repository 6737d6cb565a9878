"""The app's simulation runner: knobs that scale a scenario, a short run, and comparisons."""

from pathlib import Path

import pytest

from analytics.eventlog import prepare
from simulator.results.compare import Difference
from simulator.scenario.distributions import Empirical, Exponential, Fixed, LogNormal
from simulator.scenario.loader import load_scenario
from tests.analytics.conftest import raw_log
from workspace.simulation import (
    Knobs,
    SimResult,
    adjusted,
    baseline_knobs,
    compare,
    compare_exits,
    interval_table,
    knobs_of,
    refused,
    run,
    scaled,
)

SCENARIOS = Path(__file__).resolve().parents[2] / "simulator" / "scenarios"


def test_scaled_delays_keep_their_shape() -> None:
    assert scaled(LogNormal(3600, 0.8), 2) == LogNormal(7200, 0.8)
    assert scaled(Exponential(60), 0.5) == Exponential(30)
    assert scaled(Fixed(10), 3) == Fixed(30)
    assert scaled(Empirical((1.0, 2.0), (1.0, 3.0)), 2) == Empirical((2.0, 4.0), (1.0, 3.0))


def test_knobs_change_the_scenario() -> None:
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    own = knobs_of(scenario)
    assert own == Knobs(30, 400.0, 0.08, 1.0, 7)
    changed = adjusted(scenario, Knobs(5, 50.0, 0.2, 3.0, 7))
    assert (changed.days, changed.arrivals.per_day, changed.fulfilled_share) == (5, 50.0, 0.2)
    first = scenario.seller[0].after
    assert isinstance(first, LogNormal)
    assert changed.seller[0].after == LogNormal(first.median * 3, first.sigma)
    assert changed.arrivals.hourly == scenario.arrivals.hourly
    # Fixing a refused command and sending it again is the seller's delay too.
    retry = scenario.retry_after
    assert isinstance(retry, LogNormal)
    assert changed.retry_after == LogNormal(retry.median * 3, retry.sigma)


def result(orders: list[str]) -> SimResult:
    raw = raw_log()
    return SimResult("x", prepare(raw.loc[raw["order_id"].isin(orders)]), {})


def test_compare_two_runs() -> None:
    # The baseline holds all eight orders, the scenario O1, O2 and O3.
    base = result(["O1", "O2", "O3", "O4", "O5", "O6", "O7", "O8"])
    other = result(["O1", "O2", "O3"])
    table = compare(base, other, ["accept", "ship"]).set_index("figure")
    assert table.loc["orders"].tolist() == [8.0, 3.0, -5.0]
    assert table.loc["lost (%)", "baseline"] == 50.0
    assert table.loc["lost (%)", "scenario"] == pytest.approx(200 / 3)
    # O1 2h, O6 1h, and O4's inferred acceptance at its estimate, 0 h (analytics.timing).
    assert table.loc["median hours to accept", "baseline"] == 1.0
    assert table.loc["median hours to accept", "scenario"] == 2.0
    assert table.loc["median hours to ship", "scenario"] == 28.0
    assert table.loc["reached shipped (%)", "baseline"] == 25.0


def test_compare_exits_by_status() -> None:
    base = result(["O1", "O2", "O3", "O4", "O5", "O6", "O7", "O8"])
    other = result(["O1", "O2", "O3"])
    table = compare_exits(base, other).set_index("status")
    assert table.loc["RefusedBySeller", "baseline"] == 25.0
    assert table.loc["PaymentRefused", "scenario"] == 0.0
    assert table.loc["AutomaticCancellation", "scenario"] == pytest.approx(100 / 3)


def test_a_short_run_goes_through_the_simulator() -> None:
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    ticks: list[tuple[int, int]] = []
    done = run(scenario, Knobs(1, 40.0, 0.0, 1.0, 3), progress=lambda k, n: ticks.append((k, n)))
    assert done.name == "baseline"
    # Seed 3, 40 orders a day: 55 on the first day, a Monday (x 1.3: 52 expected), 170 events.
    assert done.summary["orders"] == done.log["case"].nunique() == 55
    assert len(done.log) == 170
    assert ticks[-1][0] == ticks[-1][1]
    assert set(done.log["marketplace"].astype(str)) == {"cdiscount"}
    assert done.log["stage"].notna().all()


def summary_with(refused: list[tuple[str, str, int]]) -> SimResult:
    rows = [{"action": a, "reason": r, "count": c} for a, r, c in refused]
    return SimResult("x", prepare(raw_log()), {"refused": rows})


def test_refused_commands_side_by_side_most_refused_first() -> None:
    base = summary_with([("ship", "needs carrier", 1), ("ship", "needs tracking", 1)])
    other = summary_with([("ship", "needs carrier", 5), ("refund", "not at this status", 3)])
    assert refused(base, other).values.tolist() == [
        ["ship", "needs carrier", 1, 5],
        ["refund", "not at this status", 0, 3],
        ["ship", "needs tracking", 1, 0],
    ]
    assert refused(summary_with([]), summary_with([])).empty


def test_the_baseline_takes_the_scenarios_orders_only_when_asked() -> None:
    baseline = load_scenario(SCENARIOS / "baseline.yaml")
    knobs = Knobs(3, 60.0, 0.2, 4.0, 11)
    assert baseline_knobs(baseline, knobs, same=True) == Knobs(3, 60.0, 0.2, 1.0, 11)
    assert baseline_knobs(baseline, knobs, same=False) == Knobs(3, 400.0, 0.08, 1.0, 11)


def test_the_interval_table_marks_what_zero_is_outside_of() -> None:
    found = [
        Difference("accept: commands sent", 354.0, 26.67, -327.33, 38.67),
        Difference("commands refused", 0.67, 0.0, -0.67, 2.87),
        Difference("ship: median hours at the status", 9.5, None, None, None),
        Difference("orders", 520.0, 520.0, 0.0, None),  # one replication: no interval
    ]
    table = interval_table(found).set_index("figure")
    assert table["zero outside"].tolist() == [True, False, None, None]
    assert table.loc["accept: commands sent", "± 95 %"] == 38.67
