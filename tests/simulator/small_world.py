"""Small runs of the shipped scenarios, shared by the simulator tests (a few hundred orders)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

from simulator.run.runner import Run, simulate
from simulator.scenario.loader import load_scenario
from simulator.scenario.values import Scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "simulator" / "scenarios"


def shipped(name: str, orders: int | None = None) -> Scenario:
    """A shipped scenario; with `orders`, a fixed count instead of its daily rate."""
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    if orders is not None:
        scenario = replace(
            scenario, arrivals=replace(scenario.arrivals, per_day=None, count=orders)
        )
    return scenario


@cache
def small_run(name: str = "baseline", orders: int = 400, days: int = 4, seed: int = 7) -> Run:
    return simulate(shipped(name, orders), days, seed)
