"""A store's own scenario: calibrated from its event log, run again, its outcomes compared.

What the Simulate page's "calibrated from this store" baseline, the parameter-recovery test and
the benchmark share: the calibrated scenario as a loaded `Scenario` (its text checked by the
scenario loader, on the store's rule set), and the outcomes a merchant reads (the lost share,
the median time to ship, the share of orders a timer cancelled) of a store or of runs, with the
interval replications of a scenario put them in. Each outcome is the analytics' own measure
(`analytics.outcomes`, `analytics.timing`); only the timer share is counted here, as the share
of orders with an event a timer caused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.eventlog import CASE
from analytics.outcomes import DONE_STAGE, outcomes
from analytics.timing import time_to
from calibration.calibrate import calibrate, period, read_store
from calibration.fitted import Calibrated
from calibration.writer import scenario_text
from engine.model.definition import Actor, RuleSet
from engine.store import Store
from simulator.results.compare import t95
from simulator.scenario.loader import check_scenario_text
from simulator.scenario.values import Scenario, ScenarioInvalid
from workspace.simulation import knobs_of, run

LOST = "lost share (%)"
TO_SHIP = "median hours to shipped"
TIMERS = "cancelled by a timer (%)"
OUTCOMES: tuple[str, ...] = (LOST, TO_SHIP, TIMERS)


@dataclass(frozen=True)
class StoreScenario:
    scenario: Scenario
    text: str
    fitted: Calibrated


def from_store(
    store: Store, rules: RuleSet, base: Scenario | None = None, name: str = "calibrated"
) -> StoreScenario:
    """The scenario fitted from `store`'s log of `rules`' marketplace, loaded on `rules`."""
    fitted = calibrate(read_store(store, rules), rules, base, name=name)
    here = Path(rules.source).resolve().parent / f"{name}.yaml"  # names the rule file by its name
    text = scenario_text(fitted, here, store.url)
    scenario, problems = check_scenario_text(text, str(here), rules)
    if scenario is None:
        raise ScenarioInvalid(str(here), problems)
    return StoreScenario(scenario, text, fitted)


def store_outcomes(store: Store, rules: RuleSet) -> dict[str, float]:
    """The outcomes of `store`'s log as the calibration reads it: with the poll grid carried over
    the whole log, so inferred entries get the bounds a simulated run's log has."""
    return outcome_figures(period(read_store(store, rules), rules).log)


def outcome_figures(log: pd.DataFrame) -> dict[str, float]:
    """The outcomes of a prepared event log (NaN where nothing was decided or timed)."""
    share, _, _ = outcomes(log).lost_share()
    times = time_to(log, "stage", [DONE_STAGE])
    median = float(times["median_s"].iloc[0]) / 3600.0 if len(times) else math.nan
    orders = log[CASE].nunique()
    timed = log.loc[(log["actor"] == Actor.TIMER.value).to_numpy(), CASE].nunique()
    return {
        LOST: math.nan if share is None else share,
        TO_SHIP: median,
        TIMERS: 100.0 * timed / orders if orders else math.nan,
    }


def replications(
    scenario: Scenario,
    days: int,
    seed: int,
    count: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, float]]:
    """The outcomes of `count` runs of `scenario`, each with a seed of its own from `seed`."""
    found = []
    for k in range(count):
        own = int(np.random.SeedSequence([seed, k]).generate_state(1)[0])
        result = run(scenario, replace(knobs_of(scenario, own), days=days))
        found.append(outcome_figures(result.log))
        if progress is not None:
            progress(k + 1, count)
    return found


@dataclass(frozen=True)
class Interval:
    """Where 95 % of a scenario's runs fall: mean +- t * sd * sqrt(1 + 1/n) over n runs."""

    mean: float
    half_width: float

    def holds(self, value: float) -> bool:
        return abs(value - self.mean) <= self.half_width


def intervals(runs: Sequence[dict[str, float]]) -> dict[str, Interval]:
    """Per outcome, the interval its runs put a further run in (needs two runs or more)."""
    table = {}
    for name in OUTCOMES:
        values = np.asarray([r[name] for r in runs], dtype=np.float64)
        n = len(values)
        spread = float(np.std(values, ddof=1)) if n > 1 else math.inf
        half = t95(max(n - 1, 1)) * spread * math.sqrt(1.0 + 1.0 / max(n, 1))
        table[name] = Interval(float(values.mean()), half)
    return table
