"""What the Simulate page runs: a scenario with its main knobs turned, and the comparison of two
runs through the same analytics as the real event log.

The knobs are the questions a merchant asks: more orders a day, a slower or faster seller (every
seller delay multiplied), a bigger fulfilment share, a longer month. A run goes through the
simulator (scheduler, engine, outbox) into its Parquet files in a temporary directory and comes
back as a prepared event log; two runs with the same seed and the same arrivals differ only by
what was changed, so their figures side by side say what the change does, and the commands each
run refused are listed with the simulator's reasons. The policies a merchant tries on a
calibrated store change one thing of a scenario each (`seller_within`: the seller answers
within N hours; `with_share`: a field value's share). One pair of runs is one draw of luck:
`replicated` runs the pair as `orderflow simulate --compare --replications N` does, through the
same `simulator.results.compare`, for the differences with their 95 % intervals.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics.eventlog import prepare
from analytics.funnel import funnel
from analytics.timing import time_to
from simulator.results import compare as comparing
from simulator.results.output import RunFiles
from simulator.results.summary import summarise
from simulator.run.runner import draw_arrivals, simulate
from simulator.scenario.distributions import Distribution, Empirical, Exponential, Fixed, LogNormal
from simulator.scenario.values import Scenario

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Knobs:
    days: int
    per_day: float | None  # None: the scenario gives a fixed count of orders instead
    fulfilled_share: float
    seller_delay: float = 1.0  # every seller delay multiplied by this
    seed: int = 7


def knobs_of(scenario: Scenario, seed: int = 7) -> Knobs:
    """The scenario's own settings, as knobs."""
    return Knobs(scenario.days, scenario.arrivals.per_day, scenario.fulfilled_share, 1.0, seed)


def baseline_knobs(baseline: Scenario, knobs: Knobs, same: bool) -> Knobs:
    """The baseline's knobs next to a scenario's: its own orders, or with `same` the scenario's
    (orders per day, fulfilment share); its own seller delays, the scenario's days and seed."""
    if same:
        return Knobs(knobs.days, knobs.per_day, knobs.fulfilled_share, 1.0, knobs.seed)
    own = knobs_of(baseline, knobs.seed)
    return Knobs(knobs.days, own.per_day, own.fulfilled_share, 1.0, knobs.seed)


def scaled(delay: Distribution, factor: float) -> Distribution:
    """The same delay shape, `factor` times longer."""
    if isinstance(delay, LogNormal):
        return LogNormal(delay.median * factor, delay.sigma)
    if isinstance(delay, Exponential):
        return Exponential(delay.mean * factor)
    if isinstance(delay, Fixed):
        return Fixed(delay.seconds * factor)
    if isinstance(delay, Empirical):
        return Empirical(tuple(v * factor for v in delay.values), delay.weights)
    raise TypeError(f"unknown delay shape {delay!r}")


def adjusted(scenario: Scenario, knobs: Knobs) -> Scenario:
    """`scenario` with the knobs applied."""
    arrivals = scenario.arrivals
    if knobs.per_day is not None and arrivals.per_day is not None:
        arrivals = replace(arrivals, per_day=knobs.per_day)
    factor = knobs.seller_delay
    seller = tuple(replace(m, after=scaled(m.after, factor)) for m in scenario.seller)
    retry = scenario.retry_after
    return replace(
        scenario,
        days=knobs.days,
        arrivals=arrivals,
        fulfilled_share=knobs.fulfilled_share,
        seller=seller,
        retry_after=None if retry is None else scaled(retry, factor),
    )


# The quantile a policy "within N hours" holds the seller's delay to: 95 % of the answers.
WITHIN = 0.95
Z95 = 1.6448536269514722  # the standard normal's 95th percentile


def within(delay: Distribution) -> float:
    """The seconds within which 95 % of `delay`'s draws fall."""
    if isinstance(delay, LogNormal):
        return delay.median * math.exp(Z95 * delay.sigma)
    if isinstance(delay, Exponential):
        return delay.mean * math.log(1.0 / (1.0 - WITHIN))
    if isinstance(delay, Fixed):
        return delay.seconds
    order = np.argsort(delay.values)
    cumulative = np.cumsum(delay.probabilities()[order])
    return float(np.asarray(delay.values)[order][np.searchsorted(cumulative, WITHIN)])


def seller_within(scenario: Scenario, action_type: str, seconds: float) -> Scenario:
    """`scenario` with the seller answering within `seconds` (95 % of the time) at every status
    where an action of `action_type` (accept, ship) is allowed: each of the seller's delays
    there keeps its shape, scaled so that its 95th percentile is `seconds`."""
    statuses = {
        status
        for action in scenario.rules.actions
        if action.action_type == action_type
        for status in action.at
    }
    seller = tuple(
        replace(m, after=scaled(m.after, seconds / within(m.after))) if m.status in statuses else m
        for m in scenario.seller
    )
    return replace(scenario, seller=seller)


def with_share(scenario: Scenario, field: str, code: str, share: float) -> Scenario:
    """`scenario` with `share` of its orders arriving with `field` = `code`, the other values
    keeping their proportions."""
    fields = []
    for mix in scenario.fields:
        if mix.field != field:
            fields.append(mix)
            continue
        others = [(c, w) for c, w in mix.shares if c != code]
        rest = sum(w for _, w in others)
        scale = (1.0 - share) / rest if rest > 0 else 0.0
        fields.append(replace(mix, shares=((code, share), *((c, w * scale) for c, w in others))))
    return replace(scenario, fields=tuple(fields))


@dataclass(frozen=True)
class SimResult:
    name: str
    log: pd.DataFrame  # prepared event log of what the engine saw
    summary: dict[str, Any]


def run(
    scenario: Scenario,
    knobs: Knobs,
    arrivals: np.ndarray | None = None,
    progress: Progress | None = None,
) -> SimResult:
    """Simulate `scenario` with `knobs`; `arrivals` shares a baseline's orders."""
    world = adjusted(scenario, knobs)
    with tempfile.TemporaryDirectory(prefix="orderflow-sim-") as folder:
        sink = RunFiles(Path(folder), world)
        result = simulate(world, knobs.days, knobs.seed, sink, arrivals, progress)
        sink.finish(result)
        events = pd.read_parquet(Path(folder) / "events.parquet")
    return SimResult(world.name, prepare(events, [world.rules]), summarise(result))


def shared_arrivals(scenario: Scenario, knobs: Knobs) -> np.ndarray:
    """The arrivals a run of `scenario` with `knobs` draws: give them to both runs compared."""
    world = adjusted(scenario, knobs)
    return draw_arrivals(world, knobs.days, np.random.default_rng(knobs.seed))


def figures(result: SimResult, triggers: list[str]) -> dict[str, float]:
    """The figures compared between runs (counts, shares in %, median hours)."""
    log = result.log
    flow = funnel(log)
    orders = max(flow.orders, 1)
    figures: dict[str, float] = {"orders": float(flow.orders)}
    for row in flow.steps.itertuples():
        figures[f"reached {row.stage} (%)"] = 100.0 * row.reached / orders
    figures["lost (%)"] = 100.0 * float(flow.exits["orders"].sum()) / orders
    times = time_to(log, "trigger", triggers).set_index("trigger")
    for trigger in triggers:
        figures[f"median hours to {trigger}"] = float(times.loc[trigger, "median_s"]) / 3600
    figures["inferred events (%)"] = 100.0 * float(log["inferred"].mean()) if len(log) else 0.0
    return figures


def compare(base: SimResult, other: SimResult, triggers: list[str]) -> pd.DataFrame:
    """`figure, baseline, scenario, change` for every figure of either run."""
    left, right = figures(base, triggers), figures(other, triggers)
    return _side_by_side("figure", left, right)


def compare_exits(base: SimResult, other: SimResult) -> pd.DataFrame:
    """`status, baseline, scenario, change`: the share of orders (%) lost in each exit status."""

    def shares(result: SimResult) -> dict[str, float]:
        flow = funnel(result.log)
        lost = flow.exits.groupby("status")["orders"].sum()
        return {str(k): 100.0 * float(v) / max(flow.orders, 1) for k, v in lost.items()}

    return _side_by_side("status", shares(base), shares(other))


def _side_by_side(key: str, left: dict[str, float], right: dict[str, float]) -> pd.DataFrame:
    names = list(dict.fromkeys([*left, *right]))
    table = pd.DataFrame(
        {
            key: names,
            "baseline": [left.get(n, 0.0) for n in names],
            "scenario": [right.get(n, 0.0) for n in names],
        }
    )
    table["change"] = table["scenario"] - table["baseline"]
    return table


def refused(base: SimResult, other: SimResult) -> pd.DataFrame:
    """`action, reason, baseline, scenario`: the commands each run refused and why, as the
    simulator's summary counts them; the most refused first."""
    counts = [
        {(r["action"], r["reason"]): int(r["count"]) for r in result.summary.get("refused", [])}
        for result in (base, other)
    ]
    keys = list(dict.fromkeys([*counts[0], *counts[1]]))
    table = pd.DataFrame(
        {
            "action": [action for action, _ in keys],
            "reason": [reason for _, reason in keys],
            "baseline": [counts[0].get(k, 0) for k in keys],
            "scenario": [counts[1].get(k, 0) for k in keys],
        }
    )
    order = (table["baseline"] + table["scenario"]).sort_values(ascending=False, kind="stable")
    return table.loc[order.index].reset_index(drop=True)


def replicated(
    baseline: Scenario,
    base_knobs: Knobs,
    scenario: Scenario,
    knobs: Knobs,
    replications: int,
    progress: Progress | None = None,
    mapper: comparing.Mapper | None = None,
) -> list[comparing.Difference]:
    """`replications` pairs of runs, the baseline first, exactly as `orderflow simulate
    --scenario BASELINE --compare SCENARIO --replications N --days D --seed S` runs them: each
    pair on the baseline's arrivals, with a seed of its own drawn from `knobs.seed`, on this
    machine's cores unless `mapper` says otherwise. `progress(done, total)` per replication."""
    first, second = adjusted(baseline, base_knobs), adjusted(scenario, knobs)
    run_all = mapper or comparing.local_map()

    def counted(fn: Callable[[comparing.Job], Any], jobs: list[comparing.Job]) -> Iterator[Any]:
        for done, pair in enumerate(run_all(fn, jobs), start=1):
            if progress is not None:
                progress(done, len(jobs))
            yield pair

    return comparing.compare(first, second, knobs.days, knobs.seed, replications, counted)


def interval_table(found: list[comparing.Difference]) -> pd.DataFrame:
    """`figure, baseline, scenario, difference, ± 95 %, zero outside` of each figure: the means,
    the mean paired difference and its interval's half-width; `zero outside` marks a difference
    the replications make sure of (the CLI's `*`), None where there is no interval."""
    return pd.DataFrame(
        {
            "figure": [d.figure for d in found],
            "baseline": [d.first for d in found],
            "scenario": [d.second for d in found],
            "difference": [d.difference for d in found],
            "± 95 %": [d.half_width for d in found],
            "zero outside": [_outside(d) for d in found],
        }
    )


def _outside(d: comparing.Difference) -> bool | None:
    if d.difference is None or d.half_width is None:
        return None
    return abs(d.difference) > d.half_width
