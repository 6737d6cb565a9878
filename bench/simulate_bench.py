"""Simulating a month of orders end to end, against an independent SimPy model of the same month.

Both sides simulate the baseline scenario (`simulator/scenarios/baseline.yaml`, Cdiscount) with
the same fixed number of orders over 30 days, in full, each in a fresh child process (so its
peak memory is its own; in this process at the tiny size), the sides interleaved round by round
and each one's median kept (3 rounds at full size).

- Ours: `orderflow simulate`'s path: arrivals, the marketplace's truth, the scheduler's fetches
  through the simulated channel, the engine's bulk observations, the outbox, every table
  written to Parquet, the summary.
- The peer, `bench.simpy_orders`: a plain SimPy model written from the scenario file and the
  rule file's lifecycle, one process per order, no polling, nothing of ours imported; it draws
  its own arrivals the same way and writes its event log to Parquet. It does less than ours:
  no engine reading the fetches, no outbox, one file.

Ratio `simulate_vs_simpy` = our median wall seconds / the peer's (what a user waits; the CPU
seconds are figures beside them, ours including the threads that write Parquet); the goal is at
most 0.05.
Agreement (`agree.outcome_mix`): the two draw different random numbers, so they are compared on
their outcome mix, read from each side's event log by `bench.outcome_mix`: the share of orders
at each status when the month ends within 4 standard errors (+ 0.05 point), and the mean time
from arrival to acceptance and to shipment within 4 standard errors (+ 0.5 %).
"""

from __future__ import annotations

import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from bench import simpy_orders
from bench.outcome_mix import MonthRun, OutcomeMix, differences
from bench.result import BenchResult, Timed, interleaved, peak_rss_mb
from simulator.results.output import RunFiles
from simulator.results.summary import summarise
from simulator.run.runner import simulate
from simulator.scenario.loader import load_scenario
from simulator.scenario.values import Scenario

SCENARIO = Path(__file__).resolve().parents[1] / "simulator" / "scenarios" / "baseline.yaml"
DAYS = 30
SEED = 7
SIZES = {"tiny": 3_000, "full": 1_000_000}
REPEATS = {"tiny": 1, "full": 3}
T = TypeVar("T")


def month(orders: int) -> Scenario:
    """The baseline scenario with a fixed number of orders instead of its daily rate."""
    base = load_scenario(SCENARIO)
    return replace(base, arrivals=replace(base.arrivals, per_day=None, count=orders))


def ours(orders: int) -> MonthRun:
    """One end-to-end run with its files; its mix read from the truth afterwards."""
    world = month(orders)
    started, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as out:
        files = RunFiles(Path(out), world)
        run = simulate(world, DAYS, SEED, sink=files)
        files.finish(run)
        summarise(run)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = peak_rss_mb()
    truth = run.truth
    log: dict[str, Any] = {
        "order": truth.order,
        "time": truth.time,
        "dest": truth.dest,
        "trigger": truth.trigger,
        "arrival": truth.arrival,
    }
    statuses = [s.name for s in world.rules.statuses]
    return MonthRun(seconds, cpu, peak, OutcomeMix.of(log, statuses, world.rules.triggers))


def peer(orders: int) -> MonthRun:
    return simpy_orders.month(SCENARIO, orders, DAYS, SEED)


def _child(work: Callable[[int], T], orders: int, results: Any) -> None:
    results.put(work(orders))


def isolated(work: Callable[[int], T], orders: int) -> T:
    """`work(orders)` in a fresh process, timed by itself (its start-up left out)."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_child, args=(work, orders, results))
    child.start()
    found: T = results.get()
    child.join()
    return found


def run(size: str) -> BenchResult:
    orders = SIZES[size]
    months: dict[str, list[MonthRun]] = {"ours": [], "simpy": []}

    def side(name: str, work: Callable[[int], MonthRun]) -> Callable[[], Timed[MonthRun]]:
        def one() -> Timed[MonthRun]:
            # At the tiny size in this process: a child's start-up would cost more than the run.
            month = isolated(work, orders) if size == "full" else work(orders)
            months[name].append(month)
            return Timed(month.seconds, month)

        return one

    rounds = interleaved(REPEATS[size], {"ours": side("ours", ours), "simpy": side("simpy", peer)})
    mine, theirs = rounds.last["ours"], rounds.last["simpy"]
    cpu = {name: statistics.median(m.cpu_seconds for m in found) for name, found in months.items()}
    result = BenchResult("simulate")
    result.figures = {
        "orders": float(orders),
        "simulate_seconds": rounds.median("ours"),
        "simpy_seconds": rounds.median("simpy"),
        "simulate_cpu_seconds": cpu["ours"],
        "simpy_cpu_seconds": cpu["simpy"],
        "simulate_truth_events": float(mine.mix.events),
        "simpy_events": float(theirs.mix.events),
        "simulate_peak_memory_mb": mine.peak_mb,
        "simpy_peak_memory_mb": theirs.peak_mb,
    }
    result.compare(
        "simulate_vs_simpy",
        rounds.median("ours"),
        rounds.median("simpy"),
        "an independent SimPy model of the month: one process per order, no engine",
    )
    gaps = differences(mine.mix, theirs.mix)
    result.agree["outcome_mix"] = not gaps
    result.notes.extend(f"outcome mix differs: {gap}" for gap in gaps)
    shares = ", ".join(
        f"{status} {mine.mix.share(status):.2%}/{theirs.mix.share(status):.2%}"
        for status in sorted(mine.mix.ending, key=lambda s: -mine.mix.ending[s])[:6]
    )
    accept = [m.since_arrival["accept"].mean / 3600 for m in (mine.mix, theirs.mix)]
    result.notes.append(
        f"{REPEATS[size]} round(s) of {orders:,} orders each side; ending (ours/simpy): {shares}; "
        f"mean hours to acceptance {accept[0]:.2f}/{accept[1]:.2f}"
    )
    return result
