"""Sync over HTTP at scale: `orderflow sync --once` against the twin on loopback, at 20,000 and
100,000 orders, and the sync's memory on a 200,000-order store.

Each size is its own twin (Cdiscount's rule file, orders spread over the last 4 days, none
fulfilled by the marketplace, so the first sweep imports every one), answering with no added
latency, every order rendered once before the run; the sync is the real command in a child
process (`python -m cli sync --once`, a new SQLite store in a temporary folder), so the twin
(this process) and the sync (the child) each have their own interpreter, as they do in use.

Figures: `sync_http_orders_per_s_20k` and `_100k`, the orders the store holds over the sync's
own time, read from the store (from the first fetch run's start to the last one's end, without
the child's start-up and rule loading, which a long-running sync pays once);
`sync_http_100k_over_20k`, the 100,000 figure over the 20,000 one (goal at least 0.9: a sweep
costs the twin and the sync the same per order at any size); `sync_rss_mb_200k`, the sync
process's peak resident set on the 200,000-order store, in MiB (its own high-water mark,
written by `bench.own_peak` as it ends: `wait4`'s `ru_maxrss` would carry over this process's,
which holds the twin). There is no peer, hence no ratio: the goal is a figure's own
flatness. Agreement: every sync exits 0 without a traceback, and its store holds exactly the
twin's orders, as many, each at the status the twin serves it at.

The tiny size (a few hundred orders) keeps the names: `_20k` is the smaller size, `_100k` the
larger, `_200k` the largest.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.result import BenchResult
from engine.rulefile.loader import load_rules
from engine.store import open_store
from simulator.twin.orders import Generation
from simulator.twin.server import Twin, build_service

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "cdiscount.yaml"
# Orders of the smaller and the larger timed store, and of the store the memory is read on.
SIZES = {"tiny": (200, 400, 600), "full": (20_000, 100_000, 200_000)}


@dataclass(frozen=True)
class Synced:
    """One sync of a fresh store against a twin, and what it left."""

    orders: int  # the twin's orders
    seconds: float  # the sync's own time, from its fetch runs
    rss_mb: float  # the sync process's peak resident set
    clean: bool  # exit 0, no traceback
    same_count: bool  # the store holds as many orders as the twin
    same_statuses: bool  # each at the status the twin serves

    @property
    def per_second(self) -> float:
        return self.orders / self.seconds


def sync_child(url: str, db: str, folder: Path) -> tuple[int, float, str]:
    """`orderflow sync --once` of `db` against the twin at `url`, in a child process: its exit
    code, its peak resident set in MiB and what it wrote to stderr."""
    env = {**os.environ, "LENGOW_API_URL": url, "LENGOW_ACCESS_TOKEN": "token"}
    env.update(LENGOW_SECRET="secret", LENGOW_ACCOUNT_ID="1")
    peak = folder / "peak.txt"
    sync = ["cli", "sync", "--once", "--db", db, "--rules", str(RULES)]
    command = [sys.executable, "-m", "bench.own_peak", str(peak), *sync]
    with open(folder / "out.txt", "wb") as out, open(folder / "err.txt", "wb") as err:
        code = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=err).returncode
    rss = float(peak.read_text()) if peak.exists() else math.nan
    return code, rss, (folder / "err.txt").read_text("utf-8")


def sync_once(orders: int) -> Synced:
    """A twin of `orders` orders synced into a new SQLite store."""
    plan = Generation(orders, seed=1, span=timedelta(days=4), fulfilled_share=0.0)
    service = build_service([load_rules(RULES)], plan=plan)
    truth = {(o.marketplace, o.order_id): o.status for o in service.truth()}  # rendered once
    with tempfile.TemporaryDirectory() as name, Twin(service) as twin:
        folder = Path(name)
        db = f"sqlite:///{folder / 'store.db'}"
        code, rss, err = sync_child(twin.url, db, folder)
        with open_store(db) as store:
            runs = store.fetch_runs()
            count = store.count_orders()
            stored = store.get_orders(truth)
    finished = [r.finished_at for r in runs if r.finished_at is not None]
    seconds = (max(finished) - min(r.started_at for r in runs)).total_seconds() if runs else 0.0
    statuses = {key: state.status for key, state in stored.items()}
    clean = code == 0 and "Traceback" not in err and bool(finished)
    return Synced(orders, seconds, rss, clean, count == len(truth), statuses == truth)


def run(size: str) -> BenchResult:
    result = BenchResult("sync_http")
    smaller, larger, largest = SIZES[size]
    load = os.getloadavg()[0]
    runs = [sync_once(n) for n in (smaller, larger, largest)]
    small, large, memory = runs
    result.figures["sync_http_orders_per_s_20k"] = small.per_second
    result.figures["sync_http_orders_per_s_100k"] = large.per_second
    result.figures["sync_http_100k_over_20k"] = large.per_second / small.per_second
    result.figures["sync_rss_mb_200k"] = memory.rss_mb
    result.agree = {
        "syncs_exit_0_without_traceback": all(r.clean for r in runs),
        "store_holds_as_many_orders_as_the_twin": all(r.same_count for r in runs),
        "store_holds_the_twins_statuses": all(r.same_statuses for r in runs),
    }
    result.notes.append(
        f"{smaller:,}, {larger:,} and {largest:,} orders: {small.seconds:.1f} s, "
        f"{large.seconds:.1f} s and {memory.seconds:.1f} s of sync; {os.cpu_count()} cores, "
        f"load average {load:.1f} before the runs and {os.getloadavg()[0]:.1f} after them"
    )
    return result
