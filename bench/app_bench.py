"""The analyst app on a large store: its first Overview from a cold start, then every page warm.

The store is `bench.generated_store`'s seeded Cdiscount month: 200,000 orders and about
1,000,000 events at full size, 1,000 orders (about 5,000 events) tiny; built once and kept.
Each session is a fresh child process (`bench.app_session`) started on that store the way
`orderflow run` starts the app (`ORDERFLOW_DB`, `ORDERFLOW_RULES` = rules/), driving `app.py`
with Streamlit's `AppTest`: the whole script, sidebar and page, in the process, without the
browser's websocket. The store file is in the system's file cache (it was just built or read):
cold means a new process, nothing imported or cached, not a cold disk.

Figures, each the median over `SESSIONS` sessions run one after the other:
- `app_overview_cold_s`: from just before the child process is started to the end of the first
  Overview render (the interpreter, the imports, the store read and prepared, the page computed
  and drawn); goal at most 5 s at full size. `app_overview_cold_cpu_s`: the child's CPU seconds
  by then (steadier on a shared machine).
- `app_overview_peak_rss_mb`: the child's peak resident memory by then (the largest of the
  sessions); goal at most 1,024 MB.
- `app_warm_s.<page>` (and `app_warm_cpu_s.<page>`): each page's next render in the same process,
  the Overview again first, then each page's first visit as an analyst clicks through: the event
  log is read, each page's own figures are computed on that visit. `app_pages_warm_s`: the
  slowest of them; goal at most 2 s.
- `app_warm_s.flow.<view>` (and `app_warm_cpu_s.flow.<view>`): each view of the Flow page (every
  choice of its "View" radio, e.g. `time_in_status`) on its first visit, its own figures
  computed, as the pages' figures are; `app_again_s.flow.<view>`: the rerun right after (every
  later click of that view). `app_pages_warm_s` counts the views' first visits too.

There is no peer process to time against (no other app draws these pages): the goals are the
budgets of issues 13 and 14. Agreement: every page (and every Flow view) of every session
rendered without an exception or error box (`agree.every_page_rendered`); the Overview's
funnel counts every order of the store (`agree.overview_orders_equal_sql`: its first stage's
orders, against `SELECT COUNT(*) FROM orders`), and its "Orders created" is the plain SQL count
of the orders whose first event falls in the last 7 days before the latest event
(`agree.orders_created_equal_sql`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.generated_store import SIZES, built_store
from bench.result import BenchResult

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules"
SESSIONS = {"tiny": 1, "full": 3}
DAYS = 7  # the Overview's period (app_pages.overview.DAYS)
Session = dict[str, Any]


def run(size: str) -> BenchResult:
    path = built_store(SIZES[size])
    sessions = [session(path) for _ in range(SESSIONS[size])]
    result = BenchResult("app")
    result.figures = figures(sessions)
    result.figures["events"] = float(_count(path, "SELECT COUNT(*) FROM events"))
    result.agree = agreement(path, sessions)
    result.notes.append(
        f"{SIZES[size]:,} orders in {path}; median of {len(sessions)} fresh processes; goals: "
        "app_overview_cold_s <= 5, app_overview_peak_rss_mb <= 1024, app_pages_warm_s <= 2"
    )
    return result


def session(path: Path) -> Session:
    """One fresh app process on the store at `path`: what `bench.app_session` measured."""
    env = {**os.environ, "ORDERFLOW_DB": f"sqlite:///{path}", "ORDERFLOW_RULES": str(RULES)}
    env.pop("ORDERFLOW_DEMO", None)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "session.json"
        started = time.time()
        done = subprocess.run(
            [sys.executable, "-m", "bench.app_session", str(out)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(
                f"the app session on {path} exited {done.returncode}:\n{done.stderr[-3000:]}"
            )
        measured: Session = json.loads(out.read_text())
    measured["cold"]["s"] = measured["cold"]["done_at"] - started
    return measured


def figures(sessions: list[Session]) -> dict[str, float]:
    def median(values: list[float]) -> float:
        return float(statistics.median(values))

    cold = [s["cold"] for s in sessions]
    found = {
        "app_overview_cold_s": median([c["s"] for c in cold]),
        "app_overview_cold_cpu_s": median([c["cpu_s"] for c in cold]),
        "app_overview_peak_rss_mb": max(c["peak_rss_mb"] for c in cold),
    }
    for page in sessions[0]["warm"]:
        found[f"app_warm_s.{page}"] = median([s["warm"][page]["s"] for s in sessions])
        found[f"app_warm_cpu_s.{page}"] = median([s["warm"][page]["cpu_s"] for s in sessions])
    for view in sessions[0]["flow"]:
        visits = [s["flow"][view] for s in sessions]
        found[f"app_warm_s.flow.{view}"] = median([v["first"]["s"] for v in visits])
        found[f"app_warm_cpu_s.flow.{view}"] = median([v["first"]["cpu_s"] for v in visits])
        found[f"app_again_s.flow.{view}"] = median([v["again"]["s"] for v in visits])
    found["app_pages_warm_s"] = max(v for k, v in found.items() if k.startswith("app_warm_s."))
    return found


def agreement(path: Path, sessions: list[Session]) -> dict[str, bool]:
    rendered = all(
        not s["cold"]["errors"]
        and not any(p["errors"] for p in s["warm"].values())
        and not any(v[k]["errors"] for v in s["flow"].values() for k in ("first", "again"))
        for s in sessions
    )
    orders = _count(path, "SELECT COUNT(*) FROM orders")
    created = orders_created(path)
    return {
        "every_page_rendered": rendered,
        "overview_orders_equal_sql": all(s["cold"]["funnel_orders"] == orders for s in sessions),
        "orders_created_equal_sql": all(s["cold"]["orders_created"] == created for s in sessions),
    }


def orders_created(path: Path) -> int:
    """Orders whose first event is in the `DAYS` days up to the latest event, in plain SQL (the
    store keeps UTC times as fixed-width text: text order is time order)."""
    with closing(sqlite3.connect(path)) as connection:
        (latest,) = connection.execute("SELECT MAX(at) FROM events").fetchone()
        since = datetime.fromisoformat(latest) - timedelta(days=DAYS)
        (count,) = connection.execute(
            "SELECT COUNT(*) FROM (SELECT MIN(at) AS first FROM events"
            " GROUP BY marketplace, order_id) WHERE first > ?",
            (since.isoformat(" ", "microseconds"),),
        ).fetchone()
    return int(count)


def _count(path: Path, sql: str) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return int(connection.execute(sql).fetchone()[0])
