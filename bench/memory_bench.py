"""The simulator's memory, measured on the running system: peak RSS of whole runs at two sizes.

`orderflow simulate`'s path (arrivals, the marketplace's truth, the fetches through the
simulated channel, the engine's bulk observations, the outbox, every table written to Parquet,
the summary) runs the baseline scenario (`simulator/scenarios/baseline.yaml`) over 30 days with
a fixed number of orders, 1,000,000 then 3,000,000 (2,000 then 6,000 at the tiny size), each in
a fresh child process whose peak resident set size (VmHWM) is read when the run is over:
the interpreter, the imports and every buffer the run ever held, not a hand-built object.

Figures: `simulate_peak_rss_mb_1m`, `simulate_peak_rss_mb_3m` (MiB) and
`memory_bytes_per_order` = (RSS at 3M - RSS at 1M) / 2M orders, the marginal cost of an order
(goal at most 300), each peak less its process's peak before the run (the interpreter and the
imports, equal in both but for noise); the notes extrapolate to 10,000,000 orders over 30 days
(goal at most 4 GB). At the tiny size the figures only keep the code alive: chunk buffers that
are not full yet grow with the run. There is no peer to divide by: no ratio.
Agreement: both runs completed with the orders they were asked for
(`runs_have_their_orders`), their files hold every order, engine event and true change
(`files_hold_every_row`), and the engine ends every order at its true status after the last
sweep (`engine_ends_on_the_truth`).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from bench.result import BenchResult, peak_rss_mb
from bench.simulate_bench import DAYS, SEED, isolated, month
from simulator.results.output import RunFiles
from simulator.results.summary import summarise
from simulator.run.runner import simulate

SIZES = {"tiny": (2_000, 6_000), "full": (1_000_000, 3_000_000)}
MIB = 1 << 20
# The extrapolation of the notes, and its goal.
TARGET_ORDERS = 10_000_000
TARGET_GB = 4.0


@dataclass(frozen=True)
class Footprint:
    """One run in its own process: what it was asked, what it did, its peak memory."""

    asked: int
    orders: int
    base_mb: float  # the process's peak before the run: the interpreter and the imports
    peak_mb: float
    seconds: float
    files_complete: bool
    engine_on_truth: bool


def footprint(orders: int) -> Footprint:
    """One whole run of `orders` orders with its files and summary; the process's peak RSS."""
    world = month(orders)
    base = peak_rss_mb()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        files = RunFiles(out, world)
        run = simulate(world, DAYS, SEED, sink=files)
        files.finish(run)
        summary = summarise(run)
        rows = {
            name: pq.ParquetFile(out / f"{name}.parquet").metadata.num_rows
            for name in ("orders", "events", "truth")
        }
    seconds = time.perf_counter() - started
    expected = {
        "orders": run.truth.orders,
        "events": run.engine_events,
        "truth": int(run.truth.order.size),
    }
    return Footprint(
        asked=orders,
        orders=run.truth.orders,
        base_mb=base,
        peak_mb=peak_rss_mb(),
        seconds=seconds,
        files_complete=rows == expected,
        engine_on_truth=summary["engine_vs_truth"]["different_status"] == 0,
    )


def run(size: str) -> BenchResult:
    small, large = (isolated(footprint, orders) for orders in SIZES[size])
    # The peaks' difference, each less its process's start-up (equal but for noise).
    grown = (large.peak_mb - large.base_mb) - (small.peak_mb - small.base_mb)
    marginal = grown * MIB / (large.asked - small.asked)
    result = BenchResult("memory")
    result.figures = {
        "simulate_peak_rss_mb_1m": small.peak_mb,
        "simulate_peak_rss_mb_3m": large.peak_mb,
        "memory_bytes_per_order": marginal,
        "simulate_seconds_1m": small.seconds,
        "simulate_seconds_3m": large.seconds,
    }
    both = (small, large)
    result.agree["runs_have_their_orders"] = all(f.orders == f.asked for f in both)
    result.agree["files_hold_every_row"] = all(f.files_complete for f in both)
    result.agree["engine_ends_on_the_truth"] = all(f.engine_on_truth for f in both)
    estimate = small.peak_mb + marginal * (TARGET_ORDERS - small.asked) / MIB
    result.notes.append(
        f"peak RSS {small.peak_mb:,.0f} MiB at {small.asked:,} orders, {large.peak_mb:,.0f} MiB "
        f"at {large.asked:,} over {DAYS} days: {marginal:,.0f} bytes per order more (goal 300); "
        f"{TARGET_ORDERS:,} orders x {DAYS} days would take about {estimate / 1024:,.1f} GiB "
        f"(goal {TARGET_GB:g} GB)"
    )
    return result
