"""`orderflow calibrate` and `orderflow simulate --store`, as a user runs them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cli.main import main
from engine.store import open_store
from simulator.scenario.loader import load_scenario
from tests.calibration.conftest import SCENARIOS

BASELINE = str(SCENARIOS / "baseline.yaml")


def test_calibrate_writes_a_scenario_simulate_loads(store_url: str, tmp_path: Path) -> None:
    out = tmp_path / "fitted" / "calibrated.yaml"
    result = CliRunner().invoke(
        main, ["calibrate", "--db", store_url, "--scenario", BASELINE, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        f"wrote {out}: 'calibrated' on cdiscount, fitted from 4,130 orders over 10.0 days "
        "(400.9 a day)"
    )
    accept = [line for line in lines if "WaitingForSellerAcceptation accept:" in line]
    assert accept == [
        "  WaitingForSellerAcceptation accept: 92.56% after a median 1.99 h "
        "(lognormal; 3,463 of 3,829 stays)"
    ]
    scenario = load_scenario(out)
    assert (scenario.name, scenario.days, scenario.arrivals.per_day) == ("calibrated", 10, 400.94)
    text = out.read_text(encoding="utf-8")
    assert "  per_day: 400.94   # 4,130 orders over 9.99 days" in text
    assert "      # 3,463 of the 3,829 stays ended by it; log-normal: likelier than the" in text


def test_calibrate_says_what_is_wrong_without_a_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    out = str(tmp_path / "x.yaml")
    result = CliRunner().invoke(main, ["calibrate", "--db", f"sqlite:///{missing}", "--out", out])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no store at {missing}; `orderflow run` or `orderflow sync` fills one\n"
    )
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    open_store(empty).close()
    asked = ["calibrate", "--db", empty, "--marketplace", "x", "--out", out]
    result = CliRunner().invoke(main, asked)
    assert result.output.startswith("Error: no rule file of marketplace 'x' in ")
    assert result.output.endswith("(found: cdiscount, cdiscount_octopia, galeries_lafayette)\n")
    result = CliRunner().invoke(main, ["calibrate", "--db", empty, "--out", out])
    assert result.output == (
        "Error: the store holds orders of none of the rule files' marketplaces: name the one to "
        "fit with --marketplace CODE\n"
    )


def test_simulate_into_a_store_refuses_a_store_that_holds_orders(store_url: str) -> None:
    result = CliRunner().invoke(
        main, ["simulate", "--scenario", BASELINE, "--days", "1", "--store", store_url, "--quiet"]
    )
    assert result.exit_code == 1
    assert "already holds orders: write a simulated run into an empty store" in result.output
    result = CliRunner().invoke(
        main, ["simulate", "--scenario", BASELINE, "--compare", BASELINE, "--store", store_url]
    )
    assert result.exit_code == 2
    assert "--store writes one run: it does not apply to a --compare run" in result.output


def test_simulate_into_a_store_writes_what_the_engine_saw(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    result = CliRunner().invoke(
        main, ["simulate", "--scenario", BASELINE, "--days", "1", "--store", url, "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("stored 504 orders and 1,587 events ")
    assert "of 'baseline' (seed 7, 2026-01-05 00:00 to 2026-01-06 00:00 UTC) in sqlite:///" in (
        result.output
    )
